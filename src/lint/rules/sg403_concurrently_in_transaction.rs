//! SG403 concurrently-in-transaction (PostgreSQL): CONCURRENTLY fails inside a transaction.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG403",
        name: "concurrently-in-transaction",
        severity: Severity::Error,
        dialects: "pg, rb",
        why: "CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block: the migration \
              fails at deploy time.",
        hint: "Run it outside BEGIN…COMMIT, in its own migration; in Rails add \
               `disable_ddl_transaction!` to the migration class.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if !cx.postgres() || !op.in_transaction {
        return None;
    }
    let concurrently = matches!(
        op.kind,
        OpKind::AddIndex {
            concurrently: true,
            ..
        } | OpKind::DropIndex {
            concurrently: true,
            ..
        }
    );
    concurrently.then(|| {
        Hit::new(if cx.rails {
            "Uses CONCURRENTLY in a migration that runs in a transaction (no \
             `disable_ddl_transaction!`): PostgreSQL rejects it at deploy time."
        } else {
            "Uses CONCURRENTLY inside BEGIN…COMMIT: PostgreSQL rejects it at deploy time."
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, PG};

    #[test]
    fn sql() {
        fires(
            PG,
            "a.sql",
            "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (c);\nCOMMIT;",
            "SG403",
        );
        silent(
            PG,
            "a.sql",
            "CREATE INDEX CONCURRENTLY i ON t (c);",
            "SG403",
        );
    }

    #[test]
    fn rails_needs_disable_ddl_transaction() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_index :t, :c, algorithm: :concurrently"),
            "SG403",
        );
        let safe = "class A < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    add_index :t, :c, algorithm: :concurrently\n  end\nend\n";
        silent(PG, "db/migrate/1_a.rb", safe, "SG403");
    }
}
