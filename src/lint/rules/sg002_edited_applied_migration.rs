//! SG002 edited-applied-migration: a migration that exists on the base branch was modified,
//! renamed or deleted. It has already run in production, so the edit never runs there.

use super::Rule;
use crate::lint::{classify, RuleDoc, SourceTree};
use crate::model::{ChangedFile, FileStatus, Finding, Severity};

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG002",
        name: "edited-applied-migration",
        severity: Severity::Error,
        dialects: "any",
        why:
            "A migration present on the base branch has already been applied in production: Rails \
              will not re-run it and Flyway fails its checksum, so the edit silently diverges \
              environments.",
        hint: "Leave the applied migration as it is and add a new migration with the change.",
    },
    op: None,
    file: None,
};

/// Reports every changed migration file that already exists on the base branch.
pub fn check_pr(all: &[ChangedFile], tree: &dyn SourceTree) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in all {
        let verb = match f.status {
            FileStatus::Modified | FileStatus::Changed => "edits",
            FileStatus::Renamed => "renames",
            FileStatus::Removed => "deletes",
            _ => continue,
        };
        let base_path = f.previous_path.as_deref().unwrap_or(&f.path);
        if classify(base_path).is_none() || tree.base_file(base_path).is_none() {
            continue;
        }
        out.push(
            Finding::new(
                RULE.doc.id,
                RULE.doc.severity,
                format!(
                    "This PR {verb} `{base_path}`, a migration that already exists on the base \
                     branch and has most likely run in production; the change will never run there."
                ),
            )
            .at(f.path.clone(), Some(1))
            .with_hint(RULE.doc.hint),
        );
    }
    out
}
