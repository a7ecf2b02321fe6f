//! SG502 execute-sql (Rails): literal and heredoc SQL in `execute` goes through the SQL rules.
//! Not a finding itself; documented so `shipgate rules` explains the behaviour.

use super::Rule;
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG502",
        name: "execute-sql",
        severity: Severity::Info,
        dialects: "rb",
        why: "`execute` with a literal or heredoc string is linted as SQL in the app's dialect, \
              with line numbers mapped back to the Ruby file. Not a finding itself.",
        hint: "Nothing to do: the SQL rules report on the statements inside.",
    },
    op: None,
    file: None,
};

#[cfg(test)]
mod tests {
    use crate::lint::testing::{findings, rails, PG};

    #[test]
    fn heredoc_lines_map_back() {
        let src = rails("execute <<~SQL\n  ALTER TABLE users\n    DROP COLUMN email;\nSQL");
        let f = findings(PG, "db/migrate/1_a.rb", &src);
        let f = f.iter().find(|f| f.rule.0 == "SG102").expect("SG102");
        // rails() puts `execute` on line 3; ALTER TABLE is line 4 and its DROP COLUMN clause line 5.
        assert_eq!(f.line, Some(5));
    }
}
