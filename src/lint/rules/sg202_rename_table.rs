//! SG202 rename-table: the old fleet still queries the old table name.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG202",
        name: "rename-table",
        severity: Severity::Error,
        dialects: "my, pg, rb",
        why: "During Blue/Green the old fleet keeps querying the old table name and fails as soon as \
              the rename runs.",
        hint: "Create the new table and dual-write, backfill, move reads, then drop the old one. On \
               PostgreSQL a view with the old name can bridge the deploy.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if let OpKind::RenameSchema { from, to } = &op.kind {
        return Some(Hit::new(format!(
            "Renames schema `{from}` to `{to}`: running code still queries the tables in `{from}`."
        )));
    }
    let OpKind::RenameTable { from, to } = &op.kind else {
        return None;
    };
    cx.existing(from).then(|| {
        Hit::new(format!(
            "Renames table `{from}` to `{to}`: running code still queries `{from}`."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn renames() {
        silent(MY, "a.sql", "CREATE TABLE accounts (id bigint);", "SG202");
        fires(MY, "a.sql", "RENAME TABLE users TO accounts;", "SG202");
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users RENAME TO accounts;",
            "SG202",
        );
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users RENAME TO accounts;",
            "SG202",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("rename_table :users, :accounts"),
            "SG202",
        );
        silent(PG, "a.sql", "CREATE TABLE accounts (id bigint);", "SG202");
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("create_table :accounts do |t|\nend"),
            "SG202",
        );
    }

    #[test]
    fn rename_schema() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("rename_schema :legacy, :archive"),
            "SG202",
        );
        fires(
            PG,
            "a.sql",
            "ALTER SCHEMA legacy RENAME TO archive;",
            "SG202",
        );
    }
}
