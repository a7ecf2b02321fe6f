//! SG105 drop-constraint: integrity guarantees silently disappear.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG105",
        name: "drop-constraint",
        severity: Severity::Warning,
        dialects: "any",
        why: "Dropping a foreign key or check constraint removes an integrity guarantee that code \
              may rely on.",
        hint:
            "Confirm nothing relies on it, then acknowledge with `shipgate:allow SG105 <reason>`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::DropConstraint { table, what } = &op.kind else {
        return None;
    };
    cx.existing(table).then(|| {
        Hit::new(format!(
            "Drops {what} on `{table}`: its integrity guarantee is gone."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn drops() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE posts DROP FOREIGN KEY fk_user;",
            "SG105",
        );
        fires(
            PG,
            "a.sql",
            "ALTER TABLE posts DROP CONSTRAINT fk_user;",
            "SG105",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("remove_foreign_key :posts, :users"),
            "SG105",
        );
        silent(PG, "a.sql", "ALTER TABLE posts ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;", "SG105");
    }
}
