//! SG201 rename-column: the old fleet still uses the old name during the deploy.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG201",
        name: "rename-column",
        severity: Severity::Error,
        dialects: "my, pg, rb",
        why:
            "During Blue/Green the old fleet keeps querying the old column name and fails as soon \
              as the rename runs.",
        hint:
            "Expand/contract: add the new column, dual-write, backfill, move reads, stop writing \
               the old one, then drop it. Or keep the database name and alias it in the model \
               (`alias_attribute`).",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::RenameColumn { table, from, to } = &op.kind else {
        return None;
    };
    cx.existing(table).then(|| {
        Hit::new(format!(
            "Renames column `{table}.{from}` to `{to}`: running code still uses `{from}`."
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
            "ALTER TABLE users RENAME COLUMN mail TO email;",
            "SG201",
        );
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users CHANGE mail email varchar(255) NOT NULL;",
            "SG201",
        );
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users RENAME COLUMN mail TO email;",
            "SG201",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users CHANGE email email varchar(255) NULL;",
            "SG201",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE users ADD COLUMN email text;",
            "SG201",
        );
    }

    #[test]
    fn rails_dsl() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("rename_column :users, :mail, :email"),
            "SG201",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("change_table :users do |t|\n  t.rename :mail, :email\nend"),
            "SG201",
        );
        silent(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :users, :email, :string"),
            "SG201",
        );
    }
}
