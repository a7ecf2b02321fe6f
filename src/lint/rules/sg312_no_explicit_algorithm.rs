//! SG312 no-explicit-algorithm (MySQL): an ALTER TABLE that lets the server pick the algorithm.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG312",
        name: "no-explicit-algorithm",
        severity: Severity::Info,
        dialects: "my",
        why: "Without `ALGORITHM`/`LOCK`, MySQL silently falls back to a table copy that blocks \
              writes when the change cannot be done in place. Naming the algorithm makes such an \
              ALTER fail at once instead of locking the table.",
        hint: "Append `, ALGORITHM=INSTANT`, or `, ALGORITHM=INPLACE, LOCK=NONE`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AlterTable {
        table,
        explicit_algorithm: false,
    } = &op.kind
    else {
        return None;
    };
    // A table created in this file is empty: whatever algorithm MySQL picks is instant.
    // SQL hidden in strings or routine bodies is SG902's to report; the note would only add
    // noise to a statement that needs review anyway.
    if op.group.is_some() {
        return None;
    }
    (cx.mysql() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "`ALTER TABLE {table}` names no `ALGORITHM`/`LOCK`: if it cannot run in place, MySQL \
             copies the table and blocks writes without saying so."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, MY, PG};

    #[test]
    fn mysql() {
        fires(MY, "a.sql", "ALTER TABLE users ADD COLUMN n int;", "SG312");
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4;",
            "SG312",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users ADD COLUMN n int, ALGORITHM=INSTANT;",
            "SG312",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users ADD INDEX i (n), ALGORITHM=INPLACE, LOCK=NONE;",
            "SG312",
        );
        silent(
            MY,
            "a.sql",
            "CREATE TABLE kinds (id int);\nALTER TABLE kinds ADD COLUMN n int;",
            "SG312",
        );
        silent(PG, "a.sql", "ALTER TABLE users ADD COLUMN n int;", "SG312");
        silent(
            MY,
            "a.sql",
            "SET @s = CONCAT('ALTER TABLE ', @t, ' DROP COLUMN legacy');\nPREPARE stmt FROM @s;",
            "SG312",
        );
    }
}
