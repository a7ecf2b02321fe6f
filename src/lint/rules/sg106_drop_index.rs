//! SG106 drop-index: dropping an index with no replacement in the same migration regresses the
//! plans of the code still running, and rebuilding a big index later is slow.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG106",
        name: "drop-index",
        severity: Severity::Warning,
        dialects: "any",
        why: "An index dropped without a replacement can turn the old fleet's queries into full \
              scans during the deploy, and recreating a large index takes long.",
        hint: "Add the replacement index first (in an earlier migration), then drop the old one; \
               acknowledge with `shipgate:allow SG106 <reason>` when it is truly unused.",
    },
    op: None,
    file: Some(check),
};

fn check(ops: &[Op], cx: &Ctx) -> Vec<(usize, Hit)> {
    if ops
        .iter()
        .any(|o| matches!(o.kind, OpKind::AddIndex { .. }))
    {
        return Vec::new();
    }
    ops.iter()
        .enumerate()
        .filter_map(|(i, op)| match &op.kind {
            // An index of a table the migration drops goes with the table (SG101 reports that).
            OpKind::DropIndex { table, .. }
                if cx.existing(table) && !cx.dropped_in_file.contains(table) =>
            {
                Some((
                i,
                Hit::new(if table == "?" {
                    "Drops an index and adds no replacement in this migration.".to_string()
                } else {
                    format!("Drops an index of `{table}` and adds no replacement in this migration.")
                }),
                ))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn drop_index() {
        fires(PG, "a.sql", "DROP INDEX CONCURRENTLY idx_email;", "SG106");
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users DROP INDEX idx_email;",
            "SG106",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("remove_index :users, :email"),
            "SG106",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users ADD INDEX idx_email2 (email, id), DROP INDEX idx_email;",
            "SG106",
        );
    }

    #[test]
    fn index_of_a_table_dropped_in_the_same_migration() {
        // Real shape: openstreetmap-website 20240724194738_drop_oauth1_tables.rb.
        let src = crate::lint::testing::rails(
            "remove_index :oauth_nonces, [:nonce, :timestamp], :unique => true\ndrop_table :oauth_nonces",
        );
        crate::lint::testing::silent(crate::lint::testing::PG, "db/migrate/1_a.rb", &src, "SG106");
        crate::lint::testing::silent(crate::lint::testing::PG, "db/migrate/1_a.rb", &src, "SG402");
        crate::lint::testing::fires(crate::lint::testing::PG, "db/migrate/1_a.rb", &src, "SG101");
    }
}
