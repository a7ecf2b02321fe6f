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
    let OpKind::AddForeignKey {
        table,
        not_valid: false,
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
}
