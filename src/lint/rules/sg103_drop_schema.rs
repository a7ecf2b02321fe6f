//! SG103 drop-schema/database: catastrophic data loss in one statement.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG103",
        name: "drop-schema",
        severity: Severity::Error,
        dialects: "any",
        why: "DROP SCHEMA / DROP DATABASE deletes every table in it; nothing can roll that back.",
        hint: "Never in a migration. Decommission databases by hand, with backups.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, _cx: &Ctx) -> Option<Hit> {
    let OpKind::DropSchema { what } = &op.kind else {
        return None;
    };
    Some(Hit::new(format!(
        "Drops {what}: every table in it is deleted."
    )))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, MY, PG};

    #[test]
    fn drops() {
        fires(MY, "a.sql", "DROP DATABASE shop;", "SG103");
        fires(PG, "a.sql", "DROP SCHEMA legacy CASCADE;", "SG103");
        silent(PG, "a.sql", "CREATE SCHEMA IF NOT EXISTS legacy;", "SG103");
    }
}
