//! SG903 unused-ack: an acknowledgement that matches no finding (stale, or a typo in the id).

use super::Rule;
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG903",
        name: "unused-ack",
        severity: Severity::Info,
        dialects: "any",
        why:
            "A `shipgate:allow` comment that accepts no finding is stale or names the wrong rule, \
              and would silently accept a future problem.",
        hint: "Remove the comment, or fix the rule id / move it onto the statement it is for.",
    },
    op: None,
    file: None,
};

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, MY};

    #[test]
    fn unused() {
        fires(
            MY,
            "a.sql",
            "-- shipgate:allow SG101 not needed\nALTER TABLE t ADD COLUMN c int NULL;",
            "SG903",
        );
        silent(
            MY,
            "a.sql",
            "-- shipgate:allow SG102 gone since v3\nALTER TABLE t DROP COLUMN c;",
            "SG903",
        );
    }
}
