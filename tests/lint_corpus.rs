//! Runs the real-world-pattern corpus in `tests/fixtures/lint/` through the linter: no panic, the
//! expected rule on each dangerous statement (`expect:` comments), no unaccepted error elsewhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use shipgate::lint::{lint_source, LintOptions};
use shipgate::model::{Dialect, Severity};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x != "md") {
            out.push(p);
        }
    }
}

/// (line, rule) pairs named by `expect:` comments; the line is the comment's own line for a
/// trailing comment, else the next line that is code.
fn expectations(text: &str) -> BTreeSet<(u32, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let comment_only = |l: &str| {
        let t = l.trim_start();
        t.is_empty() || t.starts_with("--") || t.starts_with('#')
    };
    let mut out = BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(p) = l.find("expect:") else { continue };
        let trailing = !comment_only(l);
        let target = if trailing {
            i
        } else {
            (i + 1..lines.len())
                .find(|&j| !comment_only(lines[j]))
                .unwrap_or(i)
        };
        for id in l[p + 7..]
            .split_whitespace()
            .filter(|w| w.starts_with("SG"))
        {
            out.insert((target as u32 + 1, id.to_string()));
        }
    }
    out
}

#[test]
fn corpus_reports_each_dangerous_statement_and_nothing_else() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (dir, dialect) in [("mysql", Dialect::Mysql), ("postgres", Dialect::Postgres)] {
        let base = root.join(dir);
        let mut all = Vec::new();
        files(&base, &mut all);
        all.sort();
        let opts = LintOptions {
            dialect,
            ..LintOptions::default()
        };
        for path in all {
            let rel = path
                .strip_prefix(&base)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let findings = lint_source(&rel, &text, &opts);
            let expected = expectations(&text);
            if rel.ends_with(".down.sql") {
                assert!(findings.is_empty(), "{rel}: down migrations are skipped");
                continue;
            }
            checked += 1;
            if std::env::var_os("SHIPGATE_PRINT").is_some() {
                for f in &findings {
                    eprintln!(
                        "{dir}/{rel}:{} {} {} {}{}",
                        f.line.unwrap_or(0),
                        f.rule,
                        f.severity,
                        f.message,
                        f.accepted
                            .as_ref()
                            .map(|a| format!(" [{}]", a.describe()))
                            .unwrap_or_default()
                    );
                }
            }
            let got: BTreeSet<(u32, String)> = findings
                .iter()
                .map(|f| (f.line.unwrap_or(0), f.rule.0.clone()))
                .collect();
            for e in &expected {
                if !got.contains(e) {
                    failures.push(format!("{dir}/{rel}:{} missing {}", e.0, e.1));
                }
            }
            for f in &findings {
                assert_eq!(f.path.as_deref(), Some(rel.as_str()));
                assert!(f.line.is_some_and(|l| l >= 1), "{f:?}");
                assert!(!f.message.is_empty() && !f.hint.is_empty(), "{f:?}");
                let key = (f.line.unwrap_or(0), f.rule.0.clone());
                if f.severity == Severity::Error && f.accepted.is_none() && !expected.contains(&key)
                {
                    failures.push(format!(
                        "{dir}/{rel}:{} unexpected {}: {}",
                        key.0, key.1, f.message
                    ));
                }
            }
        }
    }
    assert!(checked >= 12, "corpus not found ({checked} files)");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
