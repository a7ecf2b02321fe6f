//! SG205 nullability/default-loosening: readers may not expect NULL, defaults change what old code
//! writes.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG205",
        name: "nullability-default-loosening",
        severity: Severity::Warning,
        dialects: "any",
        why: "Dropping NOT NULL lets NULL reach readers that do not expect it; changing a default \
              changes what the old fleet writes when it omits the column.",
        hint: "Check every reader handles NULL / the new default, then acknowledge with \
               `shipgate:allow SG205 <reason>`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::LoosenColumn {
        table,
        column,
        what,
    } = &op.kind
    else {
        return None;
    };
    cx.existing(table).then(|| {
        Hit::new(format!(
            "{what} on `{table}.{column}` changes what old code reads or writes."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, PG};

    #[test]
    fn loosening() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
            "SG205",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column_default :users, :admin, from: nil, to: false"),
            "SG205",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE users ADD COLUMN admin boolean;",
            "SG205",
        );
    }
}
