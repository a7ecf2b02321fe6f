//! SG410 exclusive-maintenance (PostgreSQL): VACUUM FULL, CLUSTER and plain REINDEX lock the
//! table for their whole run.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG410",
        name: "exclusive-maintenance",
        severity: Severity::Warning,
        dialects: "pg",
        why:
            "VACUUM FULL, CLUSTER and REINDEX without CONCURRENTLY hold ACCESS EXCLUSIVE (REINDEX: \
              blocks writes) for as long as they take.",
        hint:
            "Use `REINDEX … CONCURRENTLY`, pg_repack instead of VACUUM FULL / CLUSTER, or run it \
               in a maintenance window outside the deploy.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::TableRebuild { table, what } = &op.kind else {
        return None;
    };
    (cx.postgres() && cx.existing(table))
        .then(|| Hit::new(format!("`{what}` locks `{table}` for its whole run.")))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, PG};

    #[test]
    fn maintenance() {
        fires(PG, "a.sql", "VACUUM FULL accounts;", "SG410");
        fires(PG, "a.sql", "REINDEX TABLE accounts;", "SG410");
        fires(
            PG,
            "a.sql",
            "CLUSTER accounts USING accounts_pkey;",
            "SG410",
        );
        silent(PG, "a.sql", "REINDEX TABLE CONCURRENTLY accounts;", "SG410");
        silent(PG, "a.sql", "VACUUM ANALYZE accounts;", "SG410");
    }

    #[test]
    fn logged_exclude_and_known_forms() {
        fires(PG, "a.sql", "ALTER TABLE accounts SET LOGGED;", "SG410");
        fires(PG, "a.sql", "ALTER TABLE accounts SET UNLOGGED;", "SG410");
        fires(PG, "a.sql", "ALTER TABLE rooms ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);", "SG410");
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails(
                "add_exclusion_constraint :rooms, \"room WITH =, during WITH &&\", using: :gist",
            ),
            "SG410",
        );
        fires(PG, "a.sql", "REINDEX INDEX accounts_pkey;", "SG410");
        silent(
            PG,
            "a.sql",
            "REINDEX INDEX CONCURRENTLY accounts_pkey;",
            "SG410",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE accounts SET (fillfactor = 70);",
            "SG410",
        );
    }
}
