//! SG408 set-not-null (PostgreSQL): SET NOT NULL scans the table unless a validated CHECK proves it.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG408",
        name: "pg-set-not-null",
        severity: Severity::Error,
        dialects: "pg, rb",
        why: "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE, unless a validated \
              `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+).",
        hint: "`ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID`; `VALIDATE CONSTRAINT c` (in \
               another migration); then `SET NOT NULL` and drop the check.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::SetNotNull { table, column } = &op.kind else {
        return None;
    };
    if !cx.postgres() || !cx.existing(table) {
        return None;
    }
    let proven = cx.postgres_version() >= 12
        && cx
            .not_null_checked
            .contains(&(table.clone(), column.clone()));
    (!proven).then(|| {
        Hit::new(format!(
            "SET NOT NULL on `{table}.{column}` scans the table under ACCESS EXCLUSIVE: no \
             validated CHECK ({column} IS NOT NULL) precedes it."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, PG};

    #[test]
    fn set_not_null() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
            "SG408",
        );
        let safe =
            "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
                    ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n\
                    ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n";
        silent(PG, "a.sql", safe, "SG408");
    }
}
