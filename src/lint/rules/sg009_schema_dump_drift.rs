//! SG009 schema-dump-drift: a Rails migration added without the schema dump changing, or the dump
//! changed without a migration.

use super::Rule;
use crate::lint::{classify, MigrationKind, RuleDoc, SourceTree};
use crate::model::{ChangedFile, FileStatus, Finding, Severity};

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG009",
        name: "schema-dump-drift",
        severity: Severity::Info,
        dialects: "rb",
        why: "`db/schema.rb` / `db/structure.sql` is what new environments and the lint's schema \
              knowledge load; a migration without its dump (or the reverse) makes them drift.",
        hint: "Run the migration locally and commit the updated schema dump with it.",
    },
    op: None,
    file: None,
};

const DUMPS: &[&str] = &["db/schema.rb", "db/structure.sql"];

pub fn check_pr(all: &[ChangedFile], tree: &dyn SourceTree) -> Vec<Finding> {
    // Only repos that keep a dump can drift from it.
    if !DUMPS.iter().any(|d| tree.base_file(d).is_some()) {
        return Vec::new();
    }
    let dump_changed = all.iter().find(|f| DUMPS.contains(&f.path.as_str()));
    let migrations: Vec<&ChangedFile> = all
        .iter()
        .filter(|f| {
            f.status == FileStatus::Added
                && matches!(classify(&f.path), Some(MigrationKind::Rails { .. }))
        })
        .collect();
    let finding = |msg: String, path: &str| {
        Finding::new(RULE.doc.id, RULE.doc.severity, msg)
            .at(path, Some(1))
            .with_hint(RULE.doc.hint)
    };
    match (dump_changed, migrations.first()) {
        (None, Some(m)) => vec![finding(
            format!(
                "`{}` adds a migration but the schema dump is unchanged.",
                m.path
            ),
            &m.path,
        )],
        (Some(d), None) if d.status != FileStatus::Removed => vec![finding(
            format!("`{}` changes without a new migration in this PR.", d.path),
            &d.path,
        )],
        _ => Vec::new(),
    }
}
