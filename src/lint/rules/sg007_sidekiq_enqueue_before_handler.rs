//! SG007 sidekiq-enqueue-before-handler: a new job class and new enqueue sites for it in one PR.
//! During cutover an old worker can pick up a job class it does not know.

use regex::Regex;

use super::Rule;
use crate::lint::inflect::camelize;
use crate::lint::{RuleDoc, SourceTree};
use crate::model::{ChangedFile, FileStatus, Finding, Severity};

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG007",
        name: "sidekiq-enqueue-before-handler",
        severity: Severity::Warning,
        dialects: "rb",
        why: "Handlers must deploy before enqueuers: during Blue/Green an old Sidekiq process can \
              receive a job class it does not have yet, and the job fails or is lost.",
        hint: "Ship the worker class first; enqueue it in the next deploy (or put the enqueue \
               behind a feature flag switched on after the deploy).",
    },
    op: None,
    file: None,
};

const JOB_DIRS: &[&str] = &["app/workers/", "app/sidekiq/", "app/jobs/"];

fn job_class(path: &str, text: Option<&str>) -> Option<String> {
    if let Some(text) = text {
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("class ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                if let Some(last) = name.rsplit("::").next().filter(|s| !s.is_empty()) {
                    return Some(last.to_string());
                }
            }
        }
    }
    let stem = path.rsplit('/').next()?.strip_suffix(".rb")?;
    Some(camelize(stem))
}

fn enqueue_lines(text: &str, re: &Regex) -> Vec<u32> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| re.is_match(l))
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

pub fn check_pr(all: &[ChangedFile], tree: &dyn SourceTree) -> Vec<Finding> {
    let jobs: Vec<(&ChangedFile, String)> = all
        .iter()
        .filter(|f| f.status == FileStatus::Added)
        .filter(|f| f.path.ends_with(".rb") && JOB_DIRS.iter().any(|d| f.path.contains(d)))
        .filter_map(|f| job_class(&f.path, tree.head_file(&f.path).as_deref()).map(|c| (f, c)))
        .collect();
    let mut out = Vec::new();
    for (job, class) in &jobs {
        let Ok(re) = Regex::new(&format!(
            r"\b{}\s*(?:\.set\(.*?\))?\s*\.\s*perform_(?:async|in|at|later|bulk)\b",
            regex::escape(class)
        )) else {
            continue;
        };
        for f in all {
            if f.path == job.path || f.status == FileStatus::Removed {
                continue;
            }
            let Some(head) = tree.head_file(&f.path) else {
                continue;
            };
            let now = enqueue_lines(&head, &re);
            if now.is_empty() {
                continue;
            }
            let base_path = f.previous_path.as_deref().unwrap_or(&f.path);
            let before = tree
                .base_file(base_path)
                .map(|b| enqueue_lines(&b, &re).len())
                .unwrap_or(0);
            if now.len() <= before {
                continue;
            }
            out.push(
                Finding::new(
                    RULE.doc.id,
                    RULE.doc.severity,
                    format!(
                        "Enqueues `{class}`, a job class this same PR adds in `{}`: old workers \
                         still running during the deploy do not know it.",
                        job.path
                    ),
                )
                .at(f.path.clone(), now.get(before).or(now.first()).copied())
                .with_hint(RULE.doc.hint),
            );
        }
    }
    out
}
