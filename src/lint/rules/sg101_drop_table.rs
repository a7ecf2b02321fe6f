//! SG101 drop-table: dropping a table destroys its data and breaks the old fleet still using it.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG101",
        name: "drop-table",
        severity: Severity::Error,
        dialects: "my, pg, rb",
        why: "Dropping a table destroys its data (a schema rollback cannot bring it back) and the \
              old fleet, still serving traffic during Blue/Green, fails on every query to it.",
        hint: "Stop using the table in a code deploy first, then drop it in a post-deploy \
               (contract) migration with a backup and `shipgate:allow SG101 <reason>`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    match &op.kind {
        OpKind::DropTable { table } if cx.existing(table) => Some(Hit::new(format!(
            "Drops table `{table}`: its data is gone for good and running code that reads it fails."
        ))),
        // When the schema is known and has no such table, `force:` has nothing to drop.
        OpKind::CreateTable { table, force: true }
            if cx.schema.is_none_or(|s| s.has_table(table)) =>
        {
            Some(Hit::new(format!(
                "`create_table :{table}, force:` drops `{table}` first if it exists, with its data."
            )))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, MY, PG};

    #[test]
    fn sql_drop_table() {
        silent(
            MY,
            "a.sql",
            "CREATE TABLE t (id int);\nDROP TABLE t;",
            "SG101",
        );
        fires(MY, "db/migrate/1.sql", "DROP TABLE users;", "SG101");
        fires(
            PG,
            "V2__x.sql",
            "\n\nDROP TABLE IF EXISTS public.users CASCADE;",
            "SG101",
        );
        silent(
            PG,
            "V2__x.sql",
            "CREATE TABLE t (id int);\nDROP TABLE t;",
            "SG101",
        );
    }

    #[test]
    fn rails_drop_table_and_force() {
        fires(MY, "db/migrate/1_x.rb", "class X < ActiveRecord::Migration[7.1]\n  def change\n    drop_table :users\n  end\nend\n", "SG101");
        fires(PG, "db/migrate/1_x.rb", "class X < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users, force: :cascade do |t|\n      t.string :name\n    end\n  end\nend\n", "SG101");
        silent(PG, "db/migrate/1_x.rb", "class X < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users do |t|\n      t.string :name\n    end\n  end\nend\n", "SG101");
    }

    #[test]
    fn ack_accepts() {
        let f = crate::lint::testing::findings(
            MY,
            "db/migrate/1.sql",
            "-- shipgate:allow SG101 table unused since v42\nDROP TABLE users;",
        );
        let f = f.iter().find(|f| f.rule.0 == "SG101").expect("SG101");
        assert!(f.accepted.is_some());
    }

    #[test]
    fn force_on_a_table_the_schema_does_not_have_drops_nothing() {
        let dump = "CREATE TABLE public.users (\n    id bigint NOT NULL\n);\n";
        let src = |t: &str| {
            format!("class X < ActiveRecord::Migration[7.1]\n  def change\n    create_table :{t}, force: true do |t|\n      t.integer :priority\n    end\n  end\nend\n")
        };
        crate::lint::testing::with_schema(
            PG,
            "db/migrate/1_x.rb",
            &src("delayed_jobs"),
            "db/structure.sql",
            dump,
            "SG101",
            false,
        );
        crate::lint::testing::with_schema(
            PG,
            "db/migrate/1_x.rb",
            &src("users"),
            "db/structure.sql",
            dump,
            "SG101",
            true,
        );
    }
}
