//! SG405 constraint-not-valid: a validated CHECK scans the table with writes blocked (PostgreSQL:
//! add it NOT VALID; MySQL has no such form and copies the table).

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG405",
        name: "constraint-not-valid",
        severity: Severity::Error,
        dialects: "pg, my, rb",
        why: "Adding a CHECK constraint scans every row under ACCESS EXCLUSIVE (MySQL: with a \
              table copy); validating it in the same transaction as a NOT VALID add holds that \
              lock through the scan.",
        hint: "Add it with `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT` in \
               a separate migration. On MySQL, enforce it in the application or use an OSC tool.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if let OpKind::ValidateConstraint { table, name } = &op.kind {
        let add = cx.validated_in_same_tx(op, table, name)?;
        if !cx.postgres() || add.foreign_key {
            return None;
        }
        return Some(Hit::new(format!(
            "Validates CHECK constraint `{name}` on `{table}` in the same transaction as its NOT \
             VALID add (line {}): the add's ACCESS EXCLUSIVE lock is held through the scan.",
            add.line
        )));
    }
    let OpKind::AddCheck {
        table, not_valid, ..
    } = &op.kind
    else {
        return None;
    };
    if !cx.existing(table) {
        return None;
    }
    if cx.mysql() {
        // MySQL has no NOT VALID: every row is checked, with a table copy.
        return Some(Hit::new(format!(
            "Adds a CHECK constraint to `{table}`: MySQL checks every row with a table copy \
             (ALGORITHM=COPY), blocking writes."
        )));
    }
    (!*not_valid).then(|| Hit::new(format!("Adds a validated CHECK constraint to `{table}`: the table is scanned under an exclusive lock.")))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

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

    #[test]
    fn inline_check_same_transaction_and_mysql() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN n int CHECK (n > 0);",
            "SG405",
        );
        fires(PG, "a.sql", "BEGIN;\nALTER TABLE t ADD CONSTRAINT c_pos CHECK (n > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c_pos;\nCOMMIT;", "SG405");
        silent(PG, "a.sql", "ALTER TABLE t ADD CONSTRAINT c_pos CHECK (n > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c_pos;", "SG405");
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_check_constraint :t, \"n > 0\", name: \"c_pos\""),
            "SG405",
        );
        fires(
            MY,
            "a.sql",
            "ALTER TABLE t ADD CONSTRAINT c_pos CHECK (n > 0);",
            "SG405",
        );
    }
}
