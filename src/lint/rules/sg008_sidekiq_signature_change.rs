//! SG008 sidekiq-signature-change: an existing job's `perform` parameters changed. Jobs enqueued
//! by the old fleet are run by the new one (and the other way round) during the deploy.

use super::Rule;
use crate::lint::{RuleDoc, SourceTree};
use crate::model::{ChangedFile, FileStatus, Finding, Severity};

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG008",
        name: "sidekiq-signature-change",
        severity: Severity::Warning,
        dialects: "rb",
        why: "Jobs cross versions in both directions during a deploy: a job enqueued with the old \
              arguments is performed by new code, and the other way round.",
        hint: "Add new parameters as optional (with defaults) first; remove or make them required \
               in a later deploy, once no old job is queued.",
    },
    op: None,
    file: None,
};

const JOB_DIRS: &[&str] = &["app/workers/", "app/sidekiq/", "app/jobs/"];

/// The parameter list of `def perform` and its line.
fn perform_params(text: &str) -> Option<(u32, Vec<String>)> {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("def perform") else {
            continue;
        };
        if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = rest.trim();
        let inner = rest
            .strip_prefix('(')
            .map_or(rest, |r| r.split(')').next().unwrap_or(r));
        let params = split_params(inner);
        return Some((i as u32 + 1, params));
    }
    None
}

fn split_params(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.split_whitespace().collect::<Vec<_>>().join(" "));
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    let last = cur.split_whitespace().collect::<Vec<_>>().join(" ");
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// Optional: `x = 1`, `x: 1`, `*rest`, `**opts`, `&block`.
fn optional(p: &str) -> bool {
    p.contains('=')
        || p.starts_with('*')
        || p.starts_with('&')
        || p.split_once(':').is_some_and(|(_, d)| !d.trim().is_empty())
}

pub fn check_pr(all: &[ChangedFile], tree: &dyn SourceTree) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in all {
        if !matches!(
            f.status,
            FileStatus::Modified | FileStatus::Renamed | FileStatus::Changed
        ) {
            continue;
        }
        if !f.path.ends_with(".rb") || !JOB_DIRS.iter().any(|d| f.path.contains(d)) {
            continue;
        }
        let base_path = f.previous_path.as_deref().unwrap_or(&f.path);
        let (Some(base), Some(head)) = (tree.base_file(base_path), tree.head_file(&f.path)) else {
            continue;
        };
        let (Some((_, old)), Some((line, new))) = (perform_params(&base), perform_params(&head))
        else {
            continue;
        };
        // Appending optional parameters is the safe way to extend a job.
        let compatible = new.len() >= old.len()
            && new[..old.len()] == old[..]
            && new[old.len()..].iter().all(|p| optional(p));
        if compatible {
            continue;
        }
        out.push(
            Finding::new(
                RULE.doc.id,
                RULE.doc.severity,
                format!(
                    "`perform({})` becomes `perform({})`: jobs already queued by the old fleet \
                     run against the new signature.",
                    old.join(", "),
                    new.join(", ")
                ),
            )
            .at(f.path.clone(), Some(line))
            .with_hint(RULE.doc.hint),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params() {
        let (_, p) = perform_params("class W\n  def perform(id, opts = {})\n  end\nend\n")
            .unwrap_or_default();
        assert_eq!(p, vec!["id", "opts = {}"]);
        assert!(
            optional("opts = {}")
                && optional("force: false")
                && !optional("force:")
                && !optional("id")
        );
    }
}
