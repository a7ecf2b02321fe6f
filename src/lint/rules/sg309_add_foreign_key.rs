//! SG309 add-foreign-key (MySQL): adding a FK copies the table unless foreign_key_checks=0.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG309",
        name: "add-foreign-key",
        severity: Severity::Error,
        dialects: "my",
        why: "Adding a foreign key to an existing table uses ALGORITHM=COPY unless \
              foreign_key_checks=0, blocking writes on both tables; gh-ost cannot migrate tables \
              with foreign keys.",
        hint: "Enforce the relation in the application, or add the key with `SET \
               foreign_key_checks = 0` once the data is verified.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddForeignKey { table, .. } = &op.kind else {
        return None;
    };
    (cx.mysql() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Adds a foreign key to `{table}`: the table is copied and writes block on both tables."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY};

    #[test]
    fn fk() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE posts ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (id);",
            "SG309",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_foreign_key :posts, :users"),
            "SG309",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_reference :posts, :user, foreign_key: true"),
            "SG309",
        );
        silent(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_reference :posts, :user, index: true"),
            "SG309",
        );
        silent(
            MY,
            "a.sql",
            "CREATE TABLE p (id int, u int, FOREIGN KEY (u) REFERENCES users (id));",
            "SG309",
        );
    }
}
