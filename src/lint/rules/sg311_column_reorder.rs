//! SG311 column-reorder (MySQL): FIRST/AFTER turns an instant change into a rebuild.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG311",
        name: "column-reorder",
        severity: Severity::Warning,
        dialects: "my",
        why:
            "Adding a column anywhere but last is not INSTANT before 8.0.29, and moving one is an \
              in-place rebuild.",
        hint: "Append the column at the end (drop `FIRST`/`AFTER`, `after:`/`first:`).",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddColumn {
        table,
        column,
        positioned: true,
        ..
    } = &op.kind
    else {
        return None;
    };
    (cx.mysql() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Adds `{table}.{column}` at a position other than last."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY};

    #[test]
    fn reorder() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE t ADD COLUMN c int AFTER b;",
            "SG311",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :c, :integer, after: :b"),
            "SG311",
        );
        silent(MY, "a.sql", "ALTER TABLE t ADD COLUMN c int;", "SG311");
    }
}
