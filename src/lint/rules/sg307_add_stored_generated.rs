//! SG307 add-stored-generated: a STORED generated column copies (MySQL) or rewrites (PostgreSQL)
//! the table.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG307",
        name: "add-stored-generated",
        severity: Severity::Error,
        dialects: "my, pg",
        why: "Adding a STORED generated column computes it for every row: MySQL copies the table \
              with DML blocked, PostgreSQL rewrites it under ACCESS EXCLUSIVE.",
        hint: "Use a VIRTUAL generated column (MySQL, PostgreSQL 18), or add a plain column, \
               backfill it in batches and keep it current with a trigger.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddColumn {
        table,
        column,
        stored_generated: true,
        ..
    } = &op.kind
    else {
        return None;
    };
    if !cx.existing(table) {
        return None;
    }
    Some(if cx.mysql() {
        Hit::new(format!(
            "Adds STORED generated column `{table}.{column}`: the table is copied with DML blocked."
        ))
    } else {
        Hit::new(format!(
            "Adds STORED generated column `{table}.{column}`: PostgreSQL rewrites the table to \
             compute it, under ACCESS EXCLUSIVE."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn stored() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE t ADD COLUMN total int AS (a + b) STORED;",
            "SG307",
        );
        fires(MY, "db/migrate/1_a.rb", &rails("change_table :t do |t|\n  t.virtual :total, type: :integer, as: \"a + b\", stored: true\nend"), "SG307");
        silent(
            MY,
            "a.sql",
            "ALTER TABLE t ADD COLUMN total int AS (a + b) VIRTUAL;",
            "SG307",
        );
    }

    #[test]
    fn postgres_stored_generated_rewrites() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN total numeric GENERATED ALWAYS AS (a + b) STORED;",
            "SG307",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN total numeric;",
            "SG307",
        );
    }
}
