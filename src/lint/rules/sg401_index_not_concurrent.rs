//! SG401 index-not-concurrent (PostgreSQL): a plain CREATE INDEX blocks writes while it builds.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG401",
        name: "index-not-concurrent",
        severity: Severity::Error,
        dialects: "pg, rb",
        why:
            "CREATE INDEX without CONCURRENTLY takes a SHARE lock: every write to the table waits \
              until the index is built.",
        hint: "`CREATE INDEX CONCURRENTLY` outside a transaction; in Rails `add_index …, \
               algorithm: :concurrently` with `disable_ddl_transaction!`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddIndex {
        table,
        concurrently: false,
        ..
    } = &op.kind
    else {
        return None;
    };
    (cx.postgres() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Builds an index on `{table}` without CONCURRENTLY: writes to `{table}` block until it \
             is done."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn sql() {
        fires(
            PG,
            "a.sql",
            "CREATE INDEX idx_email ON users (email);",
            "SG401",
        );
        fires(
            PG,
            "a.sql",
            "CREATE UNIQUE INDEX idx_email ON users USING btree (email);",
            "SG401",
        );
        silent(
            PG,
            "a.sql",
            "CREATE INDEX CONCURRENTLY idx_email ON users (email);",
            "SG401",
        );
        silent(
            PG,
            "a.sql",
            "CREATE TABLE users (email text);\nCREATE INDEX idx_email ON users (email);",
            "SG401",
        );
        silent(
            MY,
            "a.sql",
            "CREATE INDEX idx_email ON users (email);",
            "SG401",
        );
    }

    #[test]
    fn rails_dsl() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_index :users, :email"),
            "SG401",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_table :users do |t|\n  t.index :email\nend"),
            "SG401",
        );
        let safe = "class AddIdx < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :users, :email, algorithm: :concurrently\n  end\nend\n";
        silent(PG, "db/migrate/1_a.rb", safe, "SG401");
    }

    #[test]
    fn gitlab_concurrent_helpers() {
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_concurrent_index :issues, :weight"),
            "SG401",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("remove_concurrent_index :issues, :weight"),
            "SG402",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_concurrent_foreign_key :issues, :projects, column: :project_id"),
            "SG404",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column_type_concurrently :issues, :weight, :bigint"),
            "SG503",
        );
        // Inline UNIQUE on ADD COLUMN builds its index in place.
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users ADD COLUMN code text UNIQUE;",
            "SG401",
        );
    }
}
