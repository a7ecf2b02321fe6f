//! SG207 add-unique: a unique index on an existing table fails on duplicates already there, and
//! the old fleet can keep inserting them.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG207",
        name: "add-unique",
        severity: Severity::Warning,
        dialects: "any",
        why:
            "A unique index or constraint on an existing table fails when duplicates exist, and \
              the old fleet, which does not know the rule, can still insert them during the deploy.",
        hint: "Deduplicate first and deploy the application-side validation before adding the \
               unique index.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddIndex {
        table,
        unique: true,
        ..
    } = &op.kind
    else {
        return None;
    };
    cx.existing(table).then(|| {
        Hit::new(format!(
            "Adds a unique index on `{table}`: existing duplicates make it fail, and old code can \
             still insert them."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn unique() {
        fires(
            PG,
            "a.sql",
            "CREATE UNIQUE INDEX CONCURRENTLY u ON users (email);",
            "SG207",
        );
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users ADD UNIQUE KEY u (email);",
            "SG207",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_index :users, :email, unique: true, algorithm: :concurrently"),
            "SG207",
        );
        silent(
            PG,
            "a.sql",
            "CREATE TABLE users (email text);\nCREATE UNIQUE INDEX u ON users (email);",
            "SG207",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users ADD INDEX i (email);",
            "SG207",
        );
    }
}
