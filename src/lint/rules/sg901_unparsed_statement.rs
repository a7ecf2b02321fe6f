//! SG901 unparsed-statement: the parser rejected a statement. Never fail open: say so, as a
//! notice when the keyword fallback still classified it, as a warning when nothing did.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG901",
        name: "unparsed-statement",
        severity: Severity::Warning,
        dialects: "any",
        why: "A statement the SQL parser could not parse is only checked by keywords (info), or \
              not at all when even the keyword classifier does not recognise it (warning).",
        hint:
            "Review the statement by hand, then acknowledge with `shipgate:allow SG901 <reason>`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, _cx: &Ctx) -> Option<Hit> {
    let OpKind::Unparsed {
        understood,
        summary,
    } = &op.kind
    else {
        return None;
    };
    Some(if *understood {
        Hit::new(format!(
            "The SQL parser could not fully parse `{summary}`; it was checked by keywords only."
        ))
        .with_severity(Severity::Info)
    } else {
        Hit::new(format!(
            "Statement `{summary}` was not recognised by the parser nor by the keyword fallback; \
             it was not checked."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{findings, fires, silent, MY, PG};
    use crate::model::Severity;

    #[test]
    fn unparsed() {
        fires(MY, "a.sql", "FROBNICATE the widgets;", "SG901");
        silent(MY, "a.sql", "ALTER TABLE t ADD COLUMN c int NULL;", "SG901");
        let f = findings(PG, "a.sql", "REINDEX TABLE t;");
        assert!(f
            .iter()
            .all(|f| f.rule.0 != "SG901" || f.severity <= Severity::Warning));
        let f = findings(
            MY,
            "a.sql",
            "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4;",
        );
        assert!(f.iter().any(|f| f.rule.0 == "SG303"));
    }
}
