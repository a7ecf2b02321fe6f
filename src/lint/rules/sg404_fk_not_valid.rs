//! SG404 fk-not-valid (PostgreSQL): a validated FK scans the table under SHARE ROW EXCLUSIVE.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG404",
        name: "fk-not-valid",
        severity: Severity::Error,
        dialects: "pg, rb",
        why: "Adding a foreign key validates every row while holding SHARE ROW EXCLUSIVE on both \
              tables: writes block for the whole scan.",
        hint: "Add it with `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT` \
               (Rails: `validate_foreign_key`) in a separate migration.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if let OpKind::ValidateConstraint { table, name } = &op.kind {
        let add = cx.validated_in_same_tx(op, table, name)?;
        if !cx.postgres() || !add.foreign_key {
            return None;
        }
        return Some(Hit::new(format!(
            "Validates foreign key `{name}` on `{table}` in the same transaction as its NOT VALID \
             add (line {}): the add's lock is held through the whole validation scan.",
            add.line
        )));
    }
    let OpKind::AddForeignKey {
        table,
        not_valid: false,
        ..
    } = &op.kind
    else {
        return None;
    };
    (cx.postgres() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Adds a validated foreign key to `{table}`: both tables block writes during the scan."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, PG};

    #[test]
    fn fk() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);",
            "SG404",
        );
        silent(PG, "a.sql", "ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;", "SG404");
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_foreign_key :posts, :users"),
            "SG404",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_reference :posts, :user, foreign_key: true, index: false"),
            "SG404",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_foreign_key :posts, :users, validate: false"),
            "SG404",
        );
    }

    #[test]
    fn inline_references_and_same_transaction_validate() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE posts ADD COLUMN user_id bigint REFERENCES users (id);",
            "SG404",
        );
        // VALIDATE in the same transaction as the NOT VALID add keeps the add's lock.
        fires(PG, "a.sql", "BEGIN;\nALTER TABLE posts ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE posts VALIDATE CONSTRAINT fk_u;\nCOMMIT;", "SG404");
        silent(PG, "a.sql", "BEGIN;\nALTER TABLE posts ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE posts VALIDATE CONSTRAINT fk_u;\nCOMMIT;", "SG404");
        fires(PG, "db/migrate/1_a.rb", &rails("add_foreign_key :posts, :users, validate: false, name: :fk_u\nvalidate_foreign_key :posts, name: :fk_u"), "SG404");
        // The NOT VALID form of add_reference.
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_reference :posts, :user, index: false, foreign_key: { validate: false }"),
            "SG404",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_reference :posts, :user, index: false, foreign_key: true"),
            "SG404",
        );
    }
}
