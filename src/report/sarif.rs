//! Findings as SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`):
//! one run, every rule in `tool.driver.rules`, accepted findings as `suppressions`.

use super::hint;
use super::rules::{home_url, rule_url};
use crate::lint::RuleDoc;
use crate::model::{Acceptance, Finding, Severity};
use serde_json::{json, Value};

/// The schema URI written into the log.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `drop-column` → `Drop column`.
fn title(name: &str) -> String {
    let words = name.replace('-', " ");
    let mut cs = words.chars();
    cs.next()
        .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
        .unwrap_or_default()
}

fn rule(doc: &RuleDoc) -> Value {
    let mut help = doc.hint.to_string();
    if help.is_empty() {
        help = doc.why.to_string();
    }
    json!({
        "id": doc.id,
        "name": doc.name,
        "shortDescription": { "text": title(doc.name) },
        "fullDescription": { "text": doc.why },
        "helpUri": rule_url(doc.id),
        "help": {
            "text": help,
            "markdown": format!("{help}\n\n[{} {}]({})", doc.id, doc.name, rule_url(doc.id)),
        },
        "defaultConfiguration": { "level": level(doc.severity) },
        "properties": { "tags": ["migration", "zero-downtime"] },
    })
}

/// A repository-relative path as a URI reference: `./` dropped, backslashes as slashes, and
/// everything outside RFC 3986's unreserved set and `/` percent-encoded.
pub fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let p = p.trim_start_matches("./");
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn result(f: &Finding, rules: &[RuleDoc], label_prefix: &str) -> Value {
    let mut text = f.message.clone() + &f.repeat_suffix();
    let help = hint::help(f);
    if !help.is_empty() {
        text.push_str(&format!("\nSafer: {help}"));
    }
    if f.blocks() {
        let way = hint::way_out(f, label_prefix);
        match &way.inline {
            Some(c) => text.push_str(&format!(
                "\nTo accept it: `{c}` on the statement, or the PR label `{}`.",
                way.label
            )),
            None => text.push_str(&format!("\nTo accept it: the PR label `{}`.", way.label)),
        }
    }
    let mut r = json!({
        "ruleId": f.rule.0,
        "level": level(f.severity),
        "message": { "text": text },
    });
    if let Some(i) = rules.iter().position(|d| d.id == f.rule.0) {
        r["ruleIndex"] = json!(i);
    }
    if let Some(path) = &f.path {
        let mut region = json!({ "startLine": f.line.unwrap_or(1).max(1) });
        if let Some(c) = f.column.filter(|c| *c > 0) {
            region["startColumn"] = json!(c);
        }
        r["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(path), "uriBaseId": "%SRCROOT%" },
                "region": region,
            }
        }]);
    }
    if let Some(a) = &f.accepted {
        let (kind, justification) = match a {
            Acceptance::Label { .. } => ("external", a.describe()),
            Acceptance::Inline { reason } if reason.is_empty() => ("inSource", a.describe()),
            Acceptance::Inline { reason } => ("inSource", reason.clone()),
        };
        r["suppressions"] = json!([{ "kind": kind, "justification": justification }]);
    }
    r
}

/// The SARIF log of `findings`, with every rule of `rules` (the registry) in the driver.
pub fn sarif(findings: &[Finding], rules: &[RuleDoc], label_prefix: &str) -> Value {
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "shipgate",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": home_url(),
                    "rules": rules.iter().map(rule).collect::<Vec<_>>(),
                }
            },
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "The repository root." } }
            },
            "results": findings
                .iter()
                .map(|f| result(f, rules, label_prefix))
                .collect::<Vec<_>>(),
        }]
    })
}

/// [`sarif`] as pretty JSON text with a final newline.
pub fn sarif_text(findings: &[Finding], rules: &[RuleDoc], label_prefix: &str) -> String {
    let mut s = serde_json::to_string_pretty(&sarif(findings, rules, label_prefix))
        .unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// Writes the log to `path` (the `sarif-file` input), creating its folder.
pub fn write(
    path: &std::path::Path,
    findings: &[Finding],
    rules: &[RuleDoc],
    label_prefix: &str,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, sarif_text(findings, rules, label_prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("./db/migrate/1 a.rb"), "db/migrate/1%20a.rb");
        assert_eq!(uri("db\\x#y.sql"), "db/x%23y.sql");
        assert_eq!(uri("db/ü.sql"), "db/%C3%BC.sql");
    }

    #[test]
    fn accepted_findings_are_suppressed() {
        let mut f = Finding::new("SG102", Severity::Error, "drop").at("a.sql", Some(2));
        f.accepted = Some(Acceptance::Label {
            label: "shipgate:allow-SG102".into(),
        });
        let v = sarif(&[f], &crate::lint::registry(), "shipgate:allow-");
        let r = &v["runs"][0]["results"][0];
        assert_eq!(r["suppressions"][0]["kind"], "external");
        assert_eq!(r["level"], "error");
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            2
        );
        assert!(!r["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("To accept it"));
    }
}
