//! README's input and output tables must list exactly what action.yml declares.

use std::collections::BTreeSet;

fn action_keys(section: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    let mut keys = BTreeSet::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line.trim_end() == format!("{section}:");
            continue;
        }
        if inside && line.starts_with("  ") && !line.starts_with("   ") {
            if let Some(k) = line.trim().strip_suffix(':') {
                keys.insert(k.to_string());
            }
        }
    }
    keys
}

fn readme_table(heading: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = text.split(&format!("## {heading}\n")).nth(1).unwrap_or("");
    let section = section.split("\n## ").next().unwrap_or("");
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn readme_inputs_match_action_yml() {
    let declared = action_keys("inputs");
    assert!(declared.len() > 20, "{declared:?}");
    assert_eq!(readme_table("Inputs"), declared);
}

#[test]
fn readme_outputs_match_action_yml() {
    let declared = action_keys("outputs");
    assert_eq!(declared.len(), 9);
    assert_eq!(readme_table("Outputs"), declared);
}

#[test]
fn every_input_is_a_cli_flag() {
    // The action's commands take every input as a flag (`lint`/`check` only the lint's own).
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_shipgate"))
        .args(["deploy", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for input in action_keys("inputs") {
        assert!(
            help.contains(&format!("--{input}")),
            "--{input} missing from deploy --help"
        );
    }
}
