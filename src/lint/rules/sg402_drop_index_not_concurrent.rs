//! SG402 drop-index-not-concurrent (PostgreSQL): DROP INDEX takes ACCESS EXCLUSIVE.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG402",
        name: "drop-index-not-concurrent",
        severity: Severity::Warning,
        dialects: "pg, rb",
        why: "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table.",
        hint: "`DROP INDEX CONCURRENTLY` outside a transaction; in Rails `remove_index …, \
               algorithm: :concurrently` with `disable_ddl_transaction!`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::DropIndex {
        table,
        concurrently: false,
    } = &op.kind
    else {
        return None;
    };
    // Dropping the index of a table the migration drops anyway adds no lock of its own worth
    // reporting: DROP TABLE takes the same ACCESS EXCLUSIVE (SG101 reports it).
    (cx.postgres() && cx.existing(table) && !cx.dropped_in_file.contains(table)).then(|| {
        Hit::new(
            "Drops an index without CONCURRENTLY: the table is locked against reads and writes.",
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, PG};

    #[test]
    fn drop_index() {
        fires(PG, "a.sql", "DROP INDEX idx_email;", "SG402");
        silent(PG, "a.sql", "DROP INDEX CONCURRENTLY idx_email;", "SG402");
    }

    #[test]
    fn concurrently_if_exists() {
        silent(
            PG,
            "a.sql",
            "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;",
            "SG402",
        );
        fires(
            PG,
            "a.sql",
            "DROP INDEX IF EXISTS users_email_idx;",
            "SG402",
        );
    }
}
