//! Findings in the CLI's machine formats (JSON, workflow commands) and as check-run
//! annotations; the terminal text is `report::text`, SARIF is `report::sarif`.

use super::hint;
use super::rules::rule_url;
use crate::github::Annotation;
use crate::model::{Finding, Severity};
use crate::runner::{annotation_command, AnnotationLevel};
use serde_json::json;

/// One JSON object per finding: `{"rule","severity","path","line","message","hint","docs"}`; the
/// hint is written with the finding's own names (see `report::hint`).
pub fn json(findings: &[Finding]) -> serde_json::Value {
    serde_json::Value::Array(
        findings
            .iter()
            .map(|f| {
                let mut v = json!({
                    "rule": f.rule.0,
                    "severity": f.severity.as_str(),
                    "path": f.path,
                    "line": f.line,
                    "message": f.message,
                    "hint": hint::help(f),
                    "docs": rule_url(&f.rule.0),
                });
                if let Some(c) = f.column {
                    v["column"] = json!(c);
                }
                if f.count > 1 {
                    v["count"] = json!(f.count);
                }
                if let Some(a) = &f.accepted {
                    v["accepted"] = json!(a.describe());
                }
                v
            })
            .collect(),
    )
}

/// Workflow commands (`::error file=..,line=..::`), which the runner turns into annotations.
pub fn workflow_commands(findings: &[Finding], label_prefix: &str) -> String {
    let mut out = String::new();
    for f in findings {
        let level = match (f.severity, f.accepted.is_some()) {
            (_, true) | (Severity::Info, _) => AnnotationLevel::Notice,
            (Severity::Warning, _) => AnnotationLevel::Warning,
            (Severity::Error, _) => AnnotationLevel::Error,
        };
        let title = format!("{} {}", f.rule, f.severity);
        out.push_str(&annotation_command(
            level,
            f.path.as_deref(),
            f.line,
            f.column,
            Some(&title),
            &message_with_hint(f, label_prefix),
        ));
        out.push('\n');
    }
    out
}

/// The message, the hint in the finding's names, the exact way to accept a blocking finding,
/// and the rule's page.
fn message_with_hint(f: &Finding, label_prefix: &str) -> String {
    let mut m = f.message.clone() + &f.repeat_suffix();
    let help = hint::help(f);
    if !help.is_empty() {
        m.push_str("\nSafer: ");
        m.push_str(&help);
    }
    if let Some(a) = &f.accepted {
        m.push_str(&format!("\n({})", a.describe()));
    } else if f.blocks() {
        let way = hint::way_out(f, label_prefix);
        match &way.inline {
            Some(c) => m.push_str(&format!(
                "\nTo accept it: `{c}` on the statement, or the PR label `{}`.",
                way.label
            )),
            None => m.push_str(&format!("\nTo accept it: the PR label `{}`.", way.label)),
        }
    }
    m.push_str(&format!("\nRule: {}", rule_url(&f.rule.0)));
    m
}

/// Check-run annotations for findings that have a file; the rest live in the summary.
pub fn annotations(findings: &[Finding], label_prefix: &str) -> Vec<Annotation> {
    findings
        .iter()
        .filter_map(|f| {
            let path = f.path.clone()?;
            let line = f.line.unwrap_or(1).max(1);
            let level = match (f.severity, f.accepted.is_some()) {
                (_, true) | (Severity::Info, _) => "notice",
                (Severity::Warning, _) => "warning",
                (Severity::Error, _) => "failure",
            };
            Some(Annotation {
                path,
                start_line: line,
                end_line: line,
                annotation_level: level,
                message: message_with_hint(f, label_prefix),
                title: format!("{}: {}", f.rule, crate::github::truncate(&f.message, 80)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Acceptance;

    fn sample() -> Vec<Finding> {
        let mut accepted = Finding::new("SG102", Severity::Error, "drops `email`")
            .at("db/migrate/2_x.rb", Some(4));
        accepted.accepted = Some(Acceptance::Inline {
            reason: "column unused since v2".into(),
        });
        vec![
            Finding::new("SG001", Severity::Error, "mixed")
                .at("db/migrate/1_x.rb", Some(1))
                .with_hint("split"),
            accepted,
            Finding::new("SG999", Severity::Warning, "pr-level"),
        ]
    }

    #[test]
    fn json_has_the_documented_keys() {
        let v = json(&sample());
        assert_eq!(v[0]["rule"], "SG001");
        assert_eq!(v[0]["severity"], "error");
        assert_eq!(v[0]["path"], "db/migrate/1_x.rb");
        assert_eq!(v[0]["line"], 1);
        assert_eq!(v[0]["hint"], "split");
        assert_eq!(
            v[0]["docs"],
            "https://github.com/shipgate/shipgate/blob/main/docs/rules/SG001.md"
        );
        assert_eq!(v[2]["path"], serde_json::Value::Null);
    }

    #[test]
    fn accepted_errors_become_notices() {
        let cmds = workflow_commands(&sample(), "ok-");
        let lines: Vec<&str> = cmds.lines().collect();
        assert!(lines[0].starts_with(
            "::error file=db/migrate/1_x.rb,line=1,title=SG001 error::mixed%0ASafer: split%0ATo accept it: the PR label `ok-SG001`.%0ARule: https://github.com/shipgate/shipgate/blob/main/docs/rules/SG001.md"
        ));
        assert!(lines[1].starts_with("::notice file=db/migrate/2_x.rb,line=4"));
        assert!(lines[2].starts_with("::warning title=SG999 warning::"));
        let ann = annotations(&sample(), "shipgate:allow-");
        assert_eq!(ann.len(), 2);
        assert_eq!(ann[0].annotation_level, "failure");
        assert_eq!(ann[1].annotation_level, "notice");
    }
}
