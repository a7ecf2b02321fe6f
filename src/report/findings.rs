//! Findings in the CLI's formats (text, JSON, workflow commands) and as check-run annotations.

use crate::github::Annotation;
use crate::model::{Finding, Severity};
use crate::runner::{annotation_command, AnnotationLevel};
use serde_json::json;

/// `path:line:col: severity[RULE] message` plus an indented hint, one finding per block.
pub fn text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let loc = match (&f.path, f.line, f.column) {
            (Some(p), Some(l), Some(c)) => format!("{p}:{l}:{c}: "),
            (Some(p), Some(l), None) => format!("{p}:{l}: "),
            (Some(p), None, _) => format!("{p}: "),
            (None, ..) => String::new(),
        };
        out.push_str(&format!(
            "{loc}{}[{}] {}{}\n",
            f.severity,
            f.rule,
            f.message,
            f.repeat_suffix()
        ));
        if !f.hint.is_empty() {
            out.push_str(&format!("  hint: {}\n", f.hint));
        }
        if let Some(a) = &f.accepted {
            out.push_str(&format!("  {}\n", a.describe()));
        }
    }
    out
}

/// One JSON object per finding: `{"rule","severity","path","line","message","hint"}`.
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
                    "hint": f.hint,
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
pub fn workflow_commands(findings: &[Finding]) -> String {
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
            &message_with_hint(f),
        ));
        out.push('\n');
    }
    out
}

fn message_with_hint(f: &Finding) -> String {
    let mut m = f.message.clone() + &f.repeat_suffix();
    if !f.hint.is_empty() {
        m.push_str("\nSafer: ");
        m.push_str(&f.hint);
    }
    if let Some(a) = &f.accepted {
        m.push_str(&format!("\n({})", a.describe()));
    }
    m
}

/// Check-run annotations for findings that have a file; the rest live in the summary.
pub fn annotations(findings: &[Finding]) -> Vec<Annotation> {
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
                message: message_with_hint(f),
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
    fn text_format() {
        assert_eq!(
            text(&sample()),
            "db/migrate/1_x.rb:1: error[SG001] mixed\n  hint: split\n\
             db/migrate/2_x.rb:4: error[SG102] drops `email`\n  accepted inline: column unused since v2\n\
             warning[SG999] pr-level\n"
        );
    }

    #[test]
    fn json_has_the_documented_keys() {
        let v = json(&sample());
        assert_eq!(v[0]["rule"], "SG001");
        assert_eq!(v[0]["severity"], "error");
        assert_eq!(v[0]["path"], "db/migrate/1_x.rb");
        assert_eq!(v[0]["line"], 1);
        assert_eq!(v[0]["hint"], "split");
        assert_eq!(v[2]["path"], serde_json::Value::Null);
    }

    #[test]
    fn accepted_errors_become_notices() {
        let cmds = workflow_commands(&sample());
        let lines: Vec<&str> = cmds.lines().collect();
        assert!(lines[0].starts_with(
            "::error file=db/migrate/1_x.rb,line=1,title=SG001 error::mixed%0ASafer: split"
        ));
        assert!(lines[1].starts_with("::notice file=db/migrate/2_x.rb,line=4"));
        assert!(lines[2].starts_with("::warning title=SG999 warning::"));
        let ann = annotations(&sample());
        assert_eq!(ann.len(), 2);
        assert_eq!(ann[0].annotation_level, "failure");
        assert_eq!(ann[1].annotation_level, "notice");
    }
}
