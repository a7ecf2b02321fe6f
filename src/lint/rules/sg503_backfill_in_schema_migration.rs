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
    // DDL on a table this file creates locks nobody; seeding a new table is fine. Only data
    // changes after the first DDL on an existing table run while its lock is held: those before
    // it finish before the lock is taken.
    let mut created = std::collections::HashSet::new();
    let mut first_ddl: Option<usize> = None;
    for (i, op) in ops.iter().enumerate() {
        if let OpKind::CreateTable { table, .. } = &op.kind {
            created.insert(table.clone());
        } else if op.is_ddl() && op.table().is_some_and(|t| !created.contains(t)) {
            first_ddl = Some(i);
            break;
        }
    }
    let Some(first_ddl) = first_ddl else {
        return Vec::new();
    };
    ops.iter()
        .enumerate()
        .skip(first_ddl + 1)
        // A Rails migration with `disable_ddl_transaction!` commits each statement on its own.
        .filter(|(_, op)| !cx.rails || op.in_transaction)
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
            &rails("remove_column :users, :legacy\nUser.in_batches.update_all(state: nil)"),
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

    #[test]
    fn data_changes_before_any_ddl_do_not_hold_its_lock() {
        // Real shape: clean up rows, then add the constraint that needs them gone.
        silent(PG, "db/migrate/1_a.rb", &rails("execute \"DELETE FROM user_blocks WHERE user_id IS NULL\"\nchange_column_null :user_blocks, :user_id, false"), "SG503");
        fires(PG, "db/migrate/1_a.rb", &rails("add_column :users, :n, :integer\nexecute \"UPDATE users SET n = 0 WHERE n IS NULL\""), "SG503");
        // `disable_ddl_transaction!`: each statement commits on its own.
        silent(PG, "db/migrate/1_a.rb", "class M < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_column :users, :n, :integer\n    User.in_batches.update_all(n: 0)\n  end\nend\n", "SG503");
    }

    #[test]
    fn change_column_null_with_a_default_backfills() {
        // Its UPDATE runs after the ADD COLUMN, in the same transaction.
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :users, :m, :integer\nchange_column_null :users, :n, false, 0"),
            "SG503",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :users, :m, :integer\nchange_column_null :users, :n, false"),
            "SG503",
        );
    }
}
