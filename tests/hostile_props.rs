//! Property tests on the edges that read or write untrusted text: the event parser (random and
//! mutated payloads never panic, and a corrupt file is a configuration error), the
//! GITHUB_OUTPUT writer (no value can end its heredoc or add an output), and workflow-command
//! escaping (no value can start a command of its own).

use proptest::prelude::*;
use shipgate::github::pull_request_from_event;
use shipgate::inputs::Inputs;
use shipgate::runner::{
    annotation_command, escape_data, escape_property, AnnotationLevel, RunContext, Runner,
};
use shipgate::settings::{deploy_target, pr_number};

const EVENTS: &[&str] = &[
    include_str!("fixtures/github/event-pull_request-opened.json"),
    include_str!("fixtures/github/event-pull_request-closed.json"),
    include_str!("fixtures/github/event-push.json"),
];

/// Text an attacker controls in titles, branch names, paths and messages.
const HOSTILE: &[&str] = &[
    "%0A::set-output name=verdict::pass",
    "\n::add-mask::x\n",
    "\r\n::error::forged",
    "<!channel> <@U123> @here",
    "\u{1b}[31mred\u{1b}[0m",
    "ghadelimiter_1\nverdict<<EOF",
    "**bold** <img src=x onerror=alert(1)> `code` | table |",
    "%25%0D%0A",
    "::stop-commands::token",
];

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::sample::select(HOSTILE).prop_map(str::to_string),
        (
            prop::sample::select(HOSTILE),
            any::<String>(),
            prop::sample::select(HOSTILE)
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
        "[\\PC\r\n%:,]{0,2000}",
    ]
}

/// One event payload mutated: bytes dropped, flipped or hostile text spliced in.
fn mutated_event() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(EVENTS),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..8),
        prop::sample::select(HOSTILE),
    )
        .prop_map(|(seed, edits, splice)| {
            let mut bytes = seed.as_bytes().to_vec();
            for (at, byte, kind) in edits {
                if bytes.is_empty() {
                    break;
                }
                let i = at.index(bytes.len());
                match kind {
                    0 => {
                        bytes.remove(i);
                    }
                    1 => bytes[i] = byte,
                    _ => {
                        let text = serde_json::to_string(splice).unwrap_or_default();
                        bytes.splice(i..i, text.bytes());
                    }
                }
            }
            bytes
        })
}

/// The runner's reading of GITHUB_OUTPUT: `name<<DELIM` then lines up to the line `DELIM`;
/// like the runner, `\r`, `\n` and `\r\n` all end a line.
fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text
        .split("\r\n")
        .flat_map(|l| l.split(['\r', '\n']))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some((name, delim)) = lines[i].split_once("<<") {
            let mut value = Vec::new();
            i += 1;
            while i < lines.len() && lines[i] != delim {
                value.push(lines[i]);
                i += 1;
            }
            out.push((name.to_string(), value.join("\n")));
        } else if let Some((name, value)) = lines[i].split_once('=') {
            out.push((name.to_string(), value.to_string()));
        }
        i += 1;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_events_never_panic(bytes in mutated_event(), event_name in prop::sample::select(&["pull_request", "push", "pull_request_target", "schedule"][..])) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, &bytes).unwrap();
        let ctx = RunContext {
            event_name: Some(event_name.to_string()),
            event_path: Some(path),
            sha: None,
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let parsed = serde_json::from_slice::<serde_json::Value>(&bytes);
        let target = deploy_target(&ctx);
        let number = pr_number(&ctx, &Inputs::default());
        if parsed.is_err() {
            // A corrupt event file is a configuration error (exit 2), never a guess.
            let e = target.expect_err("corrupt event accepted");
            prop_assert!(e.0.contains("GITHUB_EVENT_PATH"), "{}", e);
            prop_assert!(number.is_err());
        } else if let Ok(v) = parsed {
            let _ = pull_request_from_event(&v["pull_request"]);
        }
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn an_output_value_can_neither_end_its_heredoc_nor_add_an_output(value in hostile(), other in hostile()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        let ctx = RunContext { output_path: Some(path.clone()), ..Default::default() };
        let runner = Runner::new(&ctx);
        runner.set_output("verdict", &value).unwrap();
        runner.set_output("findings", &other).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let outputs = parse_outputs(&text);
        let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
        prop_assert_eq!(names, vec!["verdict", "findings"]);
        if !value.contains('\r') {
            prop_assert_eq!(&outputs[0].1, &value);
        }
    }

    #[test]
    fn an_annotation_is_one_command_whatever_its_text(message in hostile(), file in hostile(), title in hostile()) {
        let line = annotation_command(AnnotationLevel::Error, Some(&file), Some(3), None, Some(&title), &message);
        // One line: the runner reads a command per line, so nothing can start a second.
        prop_assert!(!line.contains('\n') && !line.contains('\r'), "{}", line);
        prop_assert!(line.starts_with("::error file="));
        // The properties cannot be closed early: the first `::` after the command name is the
        // one that starts the message, and the message is the whole (escaped) text.
        let rest = &line["::error".len()..];
        let (props, data) = rest.split_once("::").expect("a message separator");
        prop_assert_eq!(data, escape_data(&message));
        prop_assert!(props.ends_with(&format!("title={}", escape_property(&title))), "{}", line);
    }
}
