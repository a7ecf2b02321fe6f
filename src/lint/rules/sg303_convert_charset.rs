//! SG303 convert-charset (MySQL): CONVERT TO CHARACTER SET copies the table, DML blocked.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG303",
        name: "convert-charset",
        severity: Severity::Error,
        dialects: "my",
        why: "`CONVERT TO CHARACTER SET` rewrites every text column: not in place, no concurrent \
              DML, on any MySQL version.",
        hint: "Use an online schema change tool (gh-ost / pt-osc), or new columns / a new table.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::ConvertCharset { table } = &op.kind else {
        return None;
    };
    (cx.mysql() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Converts `{table}` to another character set: the table is copied with writes blocked."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, MY};

    #[test]
    fn convert() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE posts CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;",
            "SG303",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE posts ADD COLUMN body2 text;",
            "SG303",
        );
    }
}
