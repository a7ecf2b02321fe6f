//! SG203 add-required-column: NOT NULL without a default on an existing table.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG203",
        name: "add-required-column",
        severity: Severity::Error,
        dialects: "my, pg, rb",
        why: "PostgreSQL refuses a NOT NULL column without a default on a populated table; MySQL \
              fills existing rows with the type's zero value, and the old fleet's INSERTs, which \
              omit the column, fail in strict mode.",
        hint:
            "Add the column nullable or with a constant default, backfill, and enforce NOT NULL in \
               a later migration once all code writes it.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddColumn {
        table,
        column,
        not_null: true,
        default: None,
        auto_increment: false,
        stored_generated: false,
        ..
    } = &op.kind
    else {
        return None;
    };
    cx.existing(table).then(|| {
        Hit::new(format!(
            "Adds `{table}.{column}` as NOT NULL without a default: existing rows and the old \
             fleet's INSERTs have no value for it."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn sql() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users ADD COLUMN age int NOT NULL;",
            "SG203",
        );
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users ADD COLUMN age int NOT NULL;",
            "SG203",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0;",
            "SG203",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE users ADD COLUMN age int;",
            "SG203",
        );
        silent(
            PG,
            "a.sql",
            "CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN age int NOT NULL;",
            "SG203",
        );
    }

    #[test]
    fn rails_dsl() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :users, :age, :integer, null: false"),
            "SG203",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :users, :age, :integer, null: false, default: 0"),
            "SG203",
        );
        silent(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :users, :age, :integer"),
            "SG203",
        );
    }
}
