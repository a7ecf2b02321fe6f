//! SG405 constraint-not-valid (PostgreSQL): a validated CHECK scans the table, writes blocked.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG405",
        name: "constraint-not-valid",
        severity: Severity::Error,
        dialects: "pg, rb",
        why: "Adding a CHECK constraint scans every row under ACCESS EXCLUSIVE.",
        hint: "Add it with `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT` in \
               a separate migration.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddCheck {
        table,
        not_valid: false,
        ..
    } = &op.kind
    else {
        return None;
    };
    (cx.postgres() && cx.existing(table))
        .then(|| Hit::new(format!("Adds a validated CHECK constraint to `{table}`: the table is scanned under an exclusive lock.")))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, PG};

    #[test]
    fn check() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD CONSTRAINT c_pos CHECK (n > 0);",
            "SG405",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE t ADD CONSTRAINT c_pos CHECK (n > 0) NOT VALID;",
            "SG405",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_check_constraint :t, \"n > 0\", name: \"c_pos\""),
            "SG405",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_check_constraint :t, \"n > 0\", name: \"c_pos\", validate: false"),
            "SG405",
        );
    }
}
