//! SG504 change_table-inspection (Rails): notes that a `change_table` block was read call by call.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG504",
        name: "change-table-inspection",
        severity: Severity::Info,
        dialects: "rb",
        why: "strong_migrations refuses to inspect `change_table` blocks; shipgate reads each \
              `t.*` call and reports it under its own rule (`t.remove` SG102, `t.rename` SG201, \
              `t.change` SG301/SG407, `t.index` SG401/SG308, `t.references foreign_key:` \
              SG309/SG404, `t.column … null: false` SG203).",
        hint: "Nothing to do; calls built at run time inside the block (`t.send`, loops over \
               names) are not seen, so review those by hand.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::ChangeTableBlock { table } = &op.kind else {
        return None;
    };
    cx.rails.then(|| {
        Hit::new(format!(
            "`change_table :{table}` was inspected call by call; its operations are reported \
             under their own rules."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn rails_dsl() {
        let block = rails("change_table :users do |t|\n  t.remove :legacy\nend");
        fires(PG, "db/migrate/1_a.rb", &block, "SG504");
        fires(MY, "db/migrate/1_a.rb", &block, "SG504");
        fires(MY, "db/migrate/1_a.rb", &block, "SG102");
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("remove_column :users, :legacy"),
            "SG504",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("create_table :users do |t|\n  t.string :name\nend"),
            "SG504",
        );
    }
}
