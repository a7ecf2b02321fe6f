//! SG409 volatile-default (PostgreSQL): a volatile default (or any default before 11) rewrites.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG409",
        name: "volatile-default",
        severity: Severity::Error,
        dialects: "pg, rb",
        why: "ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), \
              a serial) rewrites the whole table under ACCESS EXCLUSIVE; before PostgreSQL 11 any \
              default does.",
        hint: "Add the column without the default, set the default in a second statement, then \
               backfill existing rows in batches.",
    },
    op: Some(check),
    file: None,
};

/// Functions whose value differs per row, so PostgreSQL must write it into every row.
const VOLATILE: &[&str] = &[
    "random(",
    "gen_random_uuid(",
    "uuid_generate_v",
    "clock_timestamp(",
    "timeofday(",
    "nextval(",
    "txid_current(",
    "gen_random_bytes(",
    "uuid_generate",
];

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddColumn {
        table,
        column,
        default: Some(default),
        ..
    } = &op.kind
    else {
        return None;
    };
    if !cx.postgres() || !cx.existing(table) {
        return None;
    }
    let lower = default.to_ascii_lowercase().replace(' ', "");
    if VOLATILE.iter().any(|v| lower.contains(v)) {
        return Some(Hit::new(format!(
            "Adds `{table}.{column}` with volatile default `{default}`: every row is rewritten \
             under ACCESS EXCLUSIVE."
        )));
    }
    (cx.postgres_version() < 11).then(|| {
        Hit::new(format!(
            "Adds `{table}.{column}` with a default: before PostgreSQL 11 (postgres-version {}) \
             that rewrites the table.",
            cx.postgres_version()
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{findings_with, fires, rails, silent, PG};
    use crate::lint::LintOptions;
    use crate::model::Dialect;

    #[test]
    fn volatile() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN uid uuid DEFAULT gen_random_uuid();",
            "SG409",
        );
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN n bigserial;",
            "SG409",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :uid, :uuid, default: -> { \"gen_random_uuid()\" }"),
            "SG409",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN flag boolean DEFAULT false;",
            "SG409",
        );
        silent(PG, "a.sql", "ALTER TABLE t ADD COLUMN uid uuid;\nALTER TABLE t ALTER COLUMN uid SET DEFAULT gen_random_uuid();", "SG409");
    }

    #[test]
    fn any_default_before_11() {
        let opts = LintOptions {
            dialect: Dialect::Postgres,
            postgres_version: 10,
            ..LintOptions::default()
        };
        let f = findings_with(
            &opts,
            "a.sql",
            "ALTER TABLE t ADD COLUMN flag boolean DEFAULT false;",
        );
        assert!(f.iter().any(|f| f.rule.0 == "SG409"));
    }
}
