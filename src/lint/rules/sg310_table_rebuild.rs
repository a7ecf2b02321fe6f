//! SG310 table-rebuild (MySQL): ENGINE=, FORCE, OPTIMIZE, ROW_FORMAT, partitioning rebuild the table.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG310",
        name: "table-rebuild",
        severity: Severity::Warning,
        dialects: "my",
        why: "These operations rebuild or copy the whole table; before 8.0.29 so does DROP COLUMN.",
        hint: "Run it with an online schema change tool, off-peak.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if !cx.mysql() {
        return None;
    }
    match &op.kind {
        OpKind::TableRebuild { table, what } if cx.existing(table) => {
            Some(Hit::new(format!("`{what}` rebuilds `{table}`.")))
        }
        OpKind::DropColumn { table, column } if cx.existing(table) && cx.mysql_before(8, 0, 29) => {
            Some(Hit::new(format!(
                "Dropping `{table}.{column}` rebuilds the table before MySQL 8.0.29 (mysql-version {}).",
                cx.opts.mysql_version
            )))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, MY};

    #[test]
    fn rebuild() {
        fires(MY, "a.sql", "ALTER TABLE t ENGINE=InnoDB;", "SG310");
        fires(MY, "a.sql", "OPTIMIZE TABLE t;", "SG310");
        fires(MY, "a.sql", "ALTER TABLE t DROP COLUMN c;", "SG310");
        silent(MY, "a.sql", "ALTER TABLE t ADD COLUMN c int;", "SG310");
    }
}
