//! SG505 down-ignored (Rails): rollback code is not checked, and is no rollback plan.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG505",
        name: "down-ignored",
        severity: Severity::Info,
        dialects: "rb",
        why: "Code in `def down`, `dir.down` and `revert` only runs on a schema rollback, so, \
              like strong_migrations, shipgate does not check it. A schema rollback after \
              Blue/Green cutover loses the data written since, so `down` is not a rollback plan.",
        hint: "Plan to roll back the code, not the schema: keep every migration backward \
               compatible so the previous release runs on the new schema.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::NotChecked { what } = &op.kind else {
        return None;
    };
    cx.rails.then(|| {
        Hit::new(format!(
            "{what} is rollback code and was not checked; a schema rollback is not a rollback \
             plan."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, MY, PG};

    const UP_DOWN: &str = "class M < ActiveRecord::Migration[7.1]\n  def up\n    add_column :users, :n, :integer\n  end\n\n  def down\n    remove_column :users, :n\n  end\nend\n";
    const REVERSIBLE: &str = "class M < ActiveRecord::Migration[7.1]\n  def change\n    reversible do |dir|\n      dir.up { add_column :users, :n, :integer }\n      dir.down { remove_column :users, :n }\n    end\n  end\nend\n";

    #[test]
    fn rails_down() {
        fires(PG, "db/migrate/1_a.rb", UP_DOWN, "SG505");
        fires(MY, "db/migrate/1_a.rb", REVERSIBLE, "SG505");
        // The rollback code itself is not linted.
        silent(MY, "db/migrate/1_a.rb", UP_DOWN, "SG102");
        silent(
            PG,
            "db/migrate/1_a.rb",
            "class M < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :n, :integer\n  end\nend\n",
            "SG505",
        );
    }
}
