//! SG503 backfill-in-schema-migration: data changes in the same migration (transaction) as DDL.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG503",
        name: "backfill-in-schema-migration",
        severity: Severity::Warning,
        dialects: "rb, any",
        why: "A backfill in the same migration as DDL runs in the same transaction: the altered \
              table stays locked until every row is written.",
        hint: "Move the backfill to its own data migration or post-deploy task, batched, with \
               `disable_ddl_transaction!`.",
    },
    op: None,
    file: Some(check),
};

fn check(ops: &[Op], cx: &Ctx) -> Vec<(usize, Hit)> {
    // DDL on a table this file creates locks nobody; seeding a new table is fine.
    let mut created = std::collections::HashSet::new();
    let mut ddl_on_existing = false;
    for op in ops {
        if let OpKind::CreateTable { table, .. } = &op.kind {
            created.insert(table.clone());
        } else if op.is_ddl() && op.table().is_some_and(|t| !created.contains(t)) {
            ddl_on_existing = true;
        }
    }
    let _ = cx;
    if !ddl_on_existing {
        return Vec::new();
    }
    ops.iter()
        .enumerate()
        .filter_map(|(i, op)| match &op.kind {
            OpKind::Backfill { what } | OpKind::BulkDestroy { what, .. } => Some((
                i,
                Hit::new(format!(
                    "{what} runs in the same migration as schema changes: the tables stay locked \
                     until it finishes."
                )),
            )),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn backfill() {
        fires(
            PG,
            "db/post_migrate/1_a.rb",
            &rails("User.in_batches.update_all(legacy: nil)\nremove_column :users, :legacy"),
            "SG503",
        );
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users ADD COLUMN n int;\nUPDATE users SET n = 1 WHERE n IS NULL;",
            "SG503",
        );
        silent(
            MY,
            "a.sql",
            "UPDATE users SET n = 1 WHERE n IS NULL;",
            "SG503",
        );
        silent(
            PG,
            "a.sql",
            "CREATE TABLE kinds (id int);\nINSERT INTO kinds VALUES (1);",
            "SG503",
        );
    }
}
