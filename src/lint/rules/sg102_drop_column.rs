//! SG102 drop-column: irreversible, and ActiveRecord's cached column list breaks running processes.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG102",
        name: "drop-column",
        severity: Severity::Error,
        dialects: "my, pg, rb",
        why: "Dropping a column destroys its data, and the old fleet still selects or writes it \
              (ActiveRecord caches the column list, so even `SELECT *` models break).",
        hint: "Add `self.ignored_columns += [\"col\"]` to the model and deploy that first; then drop \
               the column in a post-deploy (contract) migration with `shipgate:allow SG102 <reason>`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::DropColumn { table, column } = &op.kind else {
        return None;
    };
    if !cx.existing(table) {
        return None;
    }
    Some(Hit::new(format!(
        "Drops column `{column}` of `{table}`: the data is gone for good and the old fleet still \
         reads or writes it during the deploy."
    )))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn sql() {
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users ADD COLUMN email varchar(255) NULL;",
            "SG102",
        );
        fires(MY, "a.sql", "ALTER TABLE users DROP COLUMN email;", "SG102");
        fires(MY, "a.sql", "ALTER TABLE users DROP email;", "SG102");
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users DROP COLUMN IF EXISTS email;",
            "SG102",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE users ADD COLUMN email text;",
            "SG102",
        );
    }

    #[test]
    fn rails_forms() {
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("remove_column :users, :email, :string"),
            "SG102",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("remove_columns :users, :a, :b"),
            "SG102",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_table :users do |t|\n  t.remove :email\nend"),
            "SG102",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("remove_reference :posts, :user"),
            "SG102",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :users, :email2, :string"),
            "SG102",
        );
    }

    #[test]
    fn post_deploy_is_warning() {
        let f = crate::lint::testing::findings(
            PG,
            "db/post_migrate/1_a.rb",
            &rails("remove_column :users, :email"),
        );
        let f = f.iter().find(|f| f.rule.0 == "SG102").expect("SG102");
        assert_eq!(f.severity, crate::model::Severity::Warning);
    }

    #[test]
    fn big_codebase_helpers_drop_columns() {
        fires(
            PG,
            "db/post_migrate/1_a.rb",
            &rails("cleanup_concurrent_column_type_change :issues, :weight"),
            "SG102",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("Migration::ColumnDropper.execute_drop(:users, %i[legacy old_flag])"),
            "SG102",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("Migration::TableDropper.execute_drop(:old_things)"),
            "SG101",
        );
    }
}
