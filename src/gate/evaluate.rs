//! The gate's decision over one change set: pure apart from the file reads of the tree.

use super::change::Change;
use super::config::GateConfig;
use super::policy;
use crate::classify::Classification;
use crate::lint::{self, SourceTree};
use crate::model::{FileStatus, Finding, ReleaseKind, Severity, Verdict};

/// What the gate found and decided.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub classification: Classification,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    pub release_kind: ReleaseKind,
}

impl Evaluation {
    /// Findings that still count (not accepted).
    pub fn open_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.accepted.is_none())
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.open_findings()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// A schema file the change adds or modifies that cannot be read at its head was not linted:
/// it blocks, as a cut-off file list does, instead of passing as "no findings".
fn unread_findings(class: &Classification, tree: &dyn SourceTree) -> Vec<Finding> {
    class
        .schema
        .iter()
        .filter(|f| f.status != FileStatus::Removed)
        .filter(|f| tree.head_file(&f.path).is_none())
        .map(|f| {
            Finding::new(
                policy::INCOMPLETE_RULE,
                Severity::Error,
                format!(
                    "shipgate could not read `{}` at the head of the change (missing there, or \
                     GitHub answered an error), so it was not linted.",
                    f.path
                ),
            )
            .at(f.path.clone(), None)
            .with_hint("Re-run the check; if it fails again, check the token's `contents: read` permission, or check the repository out with `actions/checkout` so shipgate reads the file from the workspace.")
        })
        .collect()
}

pub fn evaluate(
    change: &Change,
    tree: &dyn SourceTree,
    labels: &[String],
    cfg: &GateConfig,
) -> Evaluation {
    let files = &change.files;
    let classification = change.classify(&cfg.classifier);
    let mut findings = policy::separation_findings(&classification, cfg.mixed);
    findings.extend(lint::lint_change(
        &classification.schema,
        files,
        tree,
        &cfg.lint,
    ));
    findings.extend(unread_findings(&classification, tree));
    policy::apply_labels(&mut findings, labels, &cfg.allow_label_prefix);
    findings.sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
    let verdict = Verdict::from_findings(&findings);
    Evaluation {
        release_kind: classification.release_kind(),
        classification,
        findings,
        verdict,
    }
}
