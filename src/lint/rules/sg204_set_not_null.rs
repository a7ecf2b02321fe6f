//! SG204 set-not-null: old code may still write NULL, and existing NULLs make it fail.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG204",
        name: "set-not-null",
        severity: Severity::Error,
        dialects: "my, pg, rb",
        why:
            "The old fleet may still write NULL into the column, and existing NULL rows make the \
              statement fail. PostgreSQL scans the table under ACCESS EXCLUSIVE; MySQL rebuilds it.",
        hint:
            "First deploy code that always writes a value, backfill in batches, then enforce. On \
               PostgreSQL: `ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE \
               CONSTRAINT`, then `SET NOT NULL`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let (table, column) = match &op.kind {
        OpKind::SetNotNull { table, column } => (table, column),
        // MySQL MODIFY/CHANGE restates the whole column: only a NULL → NOT NULL change counts,
        // and only the schema dump can tell the column was nullable.
        OpKind::ChangeColumn {
            table,
            column,
            not_null: Some(true),
            ..
        } if cx.mysql() && cx.column(table, column).is_some_and(|c| c.nullable) => (table, column),
        _ => return None,
    };
    // A validated CHECK (col IS NOT NULL) already keeps NULLs out: the hint's safe sequence.
    if cx
        .not_null_checked
        .contains(&(table.clone(), column.clone()))
    {
        return None;
    }
    cx.existing(table).then(|| {
        Hit::new(format!(
            "Makes `{table}.{column}` NOT NULL: old code may still write NULL, and existing NULL \
             rows make the migration fail."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, with_schema, MY, PG};

    #[test]
    fn sql() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
            "SG204",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;",
            "SG204",
        );
        let dump = "CREATE TABLE `users` (\n  `email` varchar(255) DEFAULT NULL\n);\n";
        with_schema(
            MY,
            "a.sql",
            "ALTER TABLE users MODIFY email varchar(255) NOT NULL;",
            "db/structure.sql",
            dump,
            "SG204",
            true,
        );
        with_schema(
            MY,
            "a.sql",
            "ALTER TABLE users MODIFY email varchar(255) NULL;",
            "db/structure.sql",
            dump,
            "SG204",
            false,
        );
    }

    #[test]
    fn rails_dsl() {
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("change_column_null :users, :email, false"),
            "SG204",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column :users, :email, :string, null: false"),
            "SG204",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column_null :users, :email, true"),
            "SG204",
        );
    }
}
