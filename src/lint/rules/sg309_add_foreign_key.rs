//! SG309 add-foreign-key (MySQL): adding a FK copies the table unless foreign_key_checks=0.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG309",
        name: "add-foreign-key",
        severity: Severity::Error,
        dialects: "my",
        why: "Adding a foreign key to an existing table uses ALGORITHM=COPY unless \
              foreign_key_checks=0, blocking writes on both tables; gh-ost cannot migrate tables \
              with foreign keys.",
        hint: "Enforce the relation in the application, or add the key with `SET \
               foreign_key_checks = 0` once the data is verified.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddForeignKey { table, name, .. } = &op.kind else {
        return None;
    };
    if !cx.mysql() || !cx.existing(table) {
        return None;
    }
    if name.as_deref() == Some(crate::lint::sql::keywords::INLINE_FK) {
        return Some(
            Hit::new(format!(
                "An inline `REFERENCES` on a column of `{table}`: MySQL parses and ignores it, so no \
                 foreign key is created."
            ))
            .with_severity(Severity::Info),
        );
    }
    // The rule's own advice: with checks off, MySQL adds the key in place without a copy.
    if cx.fk_checks_off {
        return Some(
            Hit::new(format!(
                "Adds a foreign key to `{table}` with `foreign_key_checks = 0`: added in place \
                 without a copy, but existing rows are not checked, so verify the data."
            ))
            .with_severity(Severity::Info),
        );
    }
    Some(Hit::new(format!(
        "Adds a foreign key to `{table}`: the table is copied and writes block on both tables."
    )))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY};

    #[test]
    fn fk() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE posts ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (id);",
            "SG309",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_foreign_key :posts, :users"),
            "SG309",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_reference :posts, :user, foreign_key: true"),
            "SG309",
        );
        silent(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_reference :posts, :user, index: true"),
            "SG309",
        );
        silent(
            MY,
            "a.sql",
            "CREATE TABLE p (id int, u int, FOREIGN KEY (u) REFERENCES users (id));",
            "SG309",
        );
    }

    #[test]
    fn foreign_key_checks_off_is_the_hinted_form() {
        let f = crate::lint::testing::findings(MY, "a.sql", "SET foreign_key_checks = 0;\nALTER TABLE posts ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (id);\nSET foreign_key_checks = 1;");
        let x = f.iter().find(|f| f.rule.0 == "SG309").expect("SG309 info");
        assert_eq!(x.severity, crate::model::Severity::Info);
        // Across `execute` calls of a Rails migration too.
        let f = crate::lint::testing::findings(MY, "db/migrate/1_a.rb", &rails("execute \"SET FOREIGN_KEY_CHECKS=0\"\nadd_foreign_key :posts, :users\nexecute \"SET FOREIGN_KEY_CHECKS=1\"\nadd_foreign_key :comments, :users"));
        let sev: Vec<_> = f
            .iter()
            .filter(|f| f.rule.0 == "SG309")
            .map(|f| f.severity)
            .collect();
        assert_eq!(
            sev,
            vec![crate::model::Severity::Info, crate::model::Severity::Error]
        );
        // MySQL ignores an inline REFERENCES: no copy, no key.
        let f = crate::lint::testing::findings(
            MY,
            "a.sql",
            "ALTER TABLE posts ADD COLUMN user_id bigint REFERENCES users (id);",
        );
        assert!(
            f.iter()
                .all(|f| f.rule.0 != "SG309" || f.severity == crate::model::Severity::Info),
            "{f:?}"
        );
        silent(MY, "a.sql", "ALTER TABLE posts ADD COLUMN n int;", "SG309");
    }
}
