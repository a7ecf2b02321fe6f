//! SG104 bulk-data-destruction: TRUNCATE, DELETE/UPDATE without WHERE, `Model.delete_all`.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG104",
        name: "bulk-data-destruction",
        severity: Severity::Error,
        dialects: "any",
        why: "TRUNCATE, or DELETE / UPDATE without WHERE, rewrites or destroys every row in one \
              irreversible step, inside the deploy.",
        hint:
            "Do targeted, batched data changes in a data task (with WHERE and a LIMIT/batch size), \
               not in a schema migration.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::BulkDestroy {
        table,
        what,
        set_columns,
    } = &op.kind
    else {
        return None;
    };
    if table != "?" && !cx.existing(table) {
        return None;
    }
    // An UPDATE that only fills columns this migration added destroys nothing: it is a backfill
    // (SG503's concern), e.g. `UPDATE t SET seq = mod(id, 16384)` after `add_column :t, :seq`.
    if !set_columns.is_empty()
        && set_columns
            .iter()
            .all(|c| cx.added_columns.contains_key(&(table.clone(), c.clone())))
    {
        return None;
    }
    Some(Hit::new(format!(
        "{what} touches every row of `{table}` at once, irreversibly."
    )))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn sql() {
        fires(MY, "a.sql", "TRUNCATE TABLE sessions;", "SG104");
        fires(PG, "a.sql", "DELETE FROM sessions;", "SG104");
        fires(PG, "a.sql", "UPDATE users SET admin = false;", "SG104");
        silent(
            PG,
            "a.sql",
            "DELETE FROM sessions WHERE expires_at < now();",
            "SG104",
        );
        silent(
            MY,
            "a.sql",
            "UPDATE users SET admin = 0 WHERE id = 7;",
            "SG104",
        );
    }

    #[test]
    fn rails_dsl() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("Session.delete_all"),
            "SG104",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("Session.where(stale: true).in_batches(of: 1000).delete_all"),
            "SG104",
        );
    }

    #[test]
    fn filling_a_column_added_in_this_migration_destroys_nothing() {
        // Real shape: openstreetmap-website 024_order_relation_members.rb.
        let src = "add_column(:relation_members, :sequence_id, :integer, :default => 0, :null => false)\nexecute(\"update relation_members set sequence_id = mod(member_id, 16384)\")";
        silent(PG, "db/migrate/1_a.rb", &rails(src), "SG104");
        fires(PG, "db/migrate/1_a.rb", &rails(src), "SG503");
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN n int;\nUPDATE t SET n = 1, old = NULL;",
            "SG104",
        );
        fires(MY, "a.sql", "UPDATE t SET n = 1;", "SG104");
    }
}
