//! SG307 add-stored-generated (MySQL): a STORED generated column copies the table.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG307",
        name: "add-stored-generated",
        severity: Severity::Error,
        dialects: "my",
        why:
            "Adding a STORED generated column computes it for every row with a table copy; DML is \
              blocked meanwhile.",
        hint: "Use a VIRTUAL generated column (optionally indexed), or an OSC tool.",
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
    (cx.mysql() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Adds STORED generated column `{table}.{column}`: the table is copied with DML blocked."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY};

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
}
