//! SG501 opaque-execute (Rails): `execute` with SQL built at run time cannot be checked.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG501",
        name: "opaque-execute",
        severity: Severity::Warning,
        dialects: "rb",
        why: "`execute` with interpolated or computed SQL cannot be inspected, so none of the \
              locking and compatibility rules can vouch for it.",
        hint: "Use the migration DSL or a literal SQL string; otherwise review it and acknowledge \
               with `# shipgate:allow SG501 <reason>`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, _cx: &Ctx) -> Option<Hit> {
    let OpKind::OpaqueExecute { why } = &op.kind else {
        return None;
    };
    Some(Hit::new(format!(
        "`execute` runs SQL that cannot be checked: {why}."
    )))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn opaque() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("execute \"ALTER TABLE #{table} DROP COLUMN x\""),
            "SG501",
        );
        fires(MY, "db/migrate/1_a.rb", &rails("execute(sql)"), "SG501");
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("execute \"CREATE INDEX CONCURRENTLY i ON t (c)\""),
            "SG501",
        );
        // `<<~SQL.squish` is still a literal: linted as SQL, not opaque.
        let squished = rails("execute <<~SQL.squish\n  ALTER TABLE t DROP COLUMN c\nSQL");
        silent(PG, "db/migrate/1_a.rb", &squished, "SG501");
        fires(PG, "db/migrate/1_a.rb", &squished, "SG102");
    }
}
