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
    if let OpKind::UnknownCall { name } = &op.kind {
        return Some(
            Hit::new(format!(
                "`{name}` looks like a schema change but is not a method shipgate knows; what it \
                 does was not checked."
            ))
            .with_severity(Severity::Info),
        );
    }
    if let OpKind::Revert { class } = &op.kind {
        return Some(Hit::new(format!(
            "`revert {class}`: `{class}` is not among the linted migrations, so what it undoes \
             was not checked."
        )));
    }
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

    #[test]
    fn postgres_forms_are_read_without_sg901() {
        for sql in [
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;",
            "REINDEX TABLE users;",
            "REINDEX INDEX CONCURRENTLY users_email_idx;",
            "VACUUM FULL users;",
            "CLUSTER users USING users_pkey;",
            "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;",
            "ALTER TABLE users SET LOGGED;",
            "ALTER TABLE users SET UNLOGGED;",
            "ALTER MATERIALIZED VIEW stats RENAME TO stats_v2;",
            "LOCK TABLE users IN ACCESS EXCLUSIVE MODE;",
            "ALTER SEQUENCE users_id_seq RESTART WITH 1000;",
        ] {
            silent(PG, "a.sql", sql, "SG901");
        }
    }

    #[test]
    fn unknown_ddl_helpers_are_named_not_ignored() {
        let f = findings(
            PG,
            "db/migrate/1_a.rb",
            &crate::lint::testing::rails("add_primary_key :nodes, [:id, :version]"),
        );
        let x = f
            .iter()
            .find(|f| f.rule.0 == "SG901")
            .expect("SG901 for an unknown helper");
        assert_eq!(x.severity, Severity::Info);
        assert!(x.message.contains("`add_primary_key`"), "{}", x.message);
        // Known methods and the migration's own helpers are not unknown.
        silent(
            PG,
            "db/migrate/1_a.rb",
            &crate::lint::testing::rails("rename_index :t, :a, :b\nenable_extension :citext"),
            "SG901",
        );
        silent(PG, "db/migrate/1_a.rb", "class M < ActiveRecord::Migration[7.1]\n  def add_things\n    say 'x'\n  end\n\n  def change\n    add_things\n  end\nend\n", "SG901");
    }

    #[test]
    fn unresolved_revert_is_a_warning() {
        let f = findings(
            PG,
            "db/migrate/1_a.rb",
            &crate::lint::testing::rails("revert CreateWidgets"),
        );
        let x = f
            .iter()
            .find(|f| f.rule.0 == "SG901")
            .expect("SG901 for an unresolved revert");
        assert_eq!(x.severity, Severity::Warning);
    }
}
