//! SG004 expand+contract-mixed: one migration (or one PR) both adds and removes schema. Expand and
//! contract need a code deploy between them, in opposite orders.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::{Finding, Severity};

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG004",
        name: "expand-contract-mixed",
        severity: Severity::Error,
        dialects: "any",
        why:
            "Expanding (add table/column/index: DB → API → UI) and contracting (drop/rename: UI → \
              API → DB) need a code deploy between them, in opposite orders; one release cannot do \
              both safely. Post-deploy migrations are the contract phase and must not expand.",
        hint:
            "Split it: ship the expand migration, deploy the code that uses it, and contract in a \
               later PR (post-deploy migrations for the drops).",
    },
    op: None,
    file: Some(check),
};

/// Short description of an op for messages.
pub fn describe(op: &Op) -> String {
    match &op.kind {
        OpKind::CreateTable { table, .. } => format!("creates table `{table}`"),
        OpKind::AddColumn { table, column, .. } => format!("adds `{table}.{column}`"),
        OpKind::AddIndex { table, .. } => format!("adds an index on `{table}`"),
        OpKind::DropTable { table } => format!("drops table `{table}`"),
        OpKind::DropColumn { table, column } => format!("drops `{table}.{column}`"),
        OpKind::RenameColumn { table, from, .. } => format!("renames `{table}.{from}`"),
        OpKind::RenameTable { from, .. } => format!("renames table `{from}`"),
        _ => "changes the schema".to_string(),
    }
}

fn check(ops: &[Op], cx: &Ctx) -> Vec<(usize, Hit)> {
    // Columns and indexes of a table this migration creates are part of creating it, not an
    // expand of their own (`create_table :jobs, force: true do |t| t.integer :priority`).
    let created: std::collections::HashSet<&str> = ops
        .iter()
        .filter_map(|o| match &o.kind {
            OpKind::CreateTable { table, .. } => Some(table.as_str()),
            _ => None,
        })
        .collect();
    let part_of_create = |op: &Op| {
        matches!(op.kind, OpKind::AddColumn { .. } | OpKind::AddIndex { .. })
            && op.table().is_some_and(|t| created.contains(t))
    };
    let expand = ops
        .iter()
        .position(|op| op.is_expand() && !part_of_create(op));
    if cx.post_deploy {
        return ops
            .iter()
            .enumerate()
            .filter(|(_, op)| op.is_expand() && !matches!(op.kind, OpKind::AddIndex { .. }))
            .map(|(i, op)| {
                (
                    i,
                    Hit::new(format!(
                        "This post-deploy (contract) migration {}: expand operations belong in a \
                         regular migration that ships before the code.",
                        describe(op)
                    )),
                )
            })
            .collect();
    }
    let contract = ops.iter().position(Op::is_contract);
    match (expand, contract) {
        (Some(e), Some(c)) => vec![(
            c,
            Hit::new(format!(
                "This migration both expands (line {}: {}) and contracts ({}); they need a code \
                 deploy between them.",
                ops[e].line,
                describe(&ops[e]),
                describe(&ops[c])
            )),
        )],
        _ => Vec::new(),
    }
}

/// PR level: expand in one migration file and contract in another. `files` are
/// (path, ops, already flagged by the file-level check).
pub fn check_pr(files: &[(String, Vec<Op>, bool)]) -> Vec<Finding> {
    if files.iter().any(|(_, _, flagged)| *flagged) {
        return Vec::new();
    }
    let expand = files
        .iter()
        .find_map(|(p, ops, _)| ops.iter().find(|o| o.is_expand()).map(|o| (p, o)));
    let contract = files
        .iter()
        .find_map(|(p, ops, _)| ops.iter().find(|o| o.is_contract()).map(|o| (p, o)));
    let (Some((ep, eo)), Some((cp, co))) = (expand, contract) else {
        return Vec::new();
    };
    if ep == cp {
        return Vec::new();
    }
    vec![Finding::new(
        RULE.doc.id,
        RULE.doc.severity,
        format!(
            "This PR both expands ({ep}:{} {}) and contracts ({cp}:{} {}); they need a code \
             deploy between them.",
            eo.line,
            describe(eo),
            co.line,
            describe(co)
        ),
    )
    .at(cp.clone(), Some(co.line))
    .with_hint(RULE.doc.hint)]
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn one_file() {
        fires(MY, "a.sql", "ALTER TABLE users ADD COLUMN email2 varchar(255);\nALTER TABLE users DROP COLUMN email;", "SG004");
        fires(PG, "db/migrate/1_a.rb", &rails("remove_column :users, :name\nrename_column :users, :login, :handle\nadd_column :users, :x, :string"), "SG004");
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails(
                "add_column :users, :x, :string\nadd_index :users, :x, algorithm: :concurrently",
            ),
            "SG004",
        );
    }

    #[test]
    fn post_deploy_must_not_expand() {
        fires(
            PG,
            "db/post_migrate/1_a.rb",
            &rails("add_column :users, :x, :string"),
            "SG004",
        );
        silent(
            PG,
            "db/post_migrate/1_a.rb",
            &rails("remove_column :users, :x"),
            "SG004",
        );
    }
}
