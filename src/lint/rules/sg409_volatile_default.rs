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
        dialects: "pg, my, rb",
        why: "ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), \
              a serial, any function not known to be stable) rewrites the whole table under \
              ACCESS EXCLUSIVE; before PostgreSQL 11 any default does. MySQL copies the table for \
              an expression default.",
        hint: "Add the column without the default, set the default in a second statement, then \
               backfill existing rows in batches.",
    },
    op: Some(check),
    file: None,
};

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
    if !cx.existing(table) {
        return None;
    }
    if cx.mysql() {
        // MySQL stores a literal default in the data dictionary (INSTANT); an expression default
        // is evaluated for every existing row, which needs a table copy.
        return crate::lint::expr::mysql_expression_default(default).then(|| {
            Hit::new(format!(
                "Adds `{table}.{column}` with expression default `{default}`: MySQL evaluates it \
                 for every row with a table copy, blocking writes."
            ))
        });
    }
    // Only functions known to be stable or immutable are evaluated once; anything else,
    // user functions included, is volatile until proven otherwise.
    let volatile = crate::lint::expr::volatile_calls(default);
    if let Some(f) = volatile.first() {
        let known = matches!(
            f.as_str(),
            "random"
                | "gen_random_uuid"
                | "clock_timestamp"
                | "timeofday"
                | "nextval"
                | "txid_current"
                | "gen_random_bytes"
        ) || f.starts_with("uuid_generate");
        let why = if known {
            "is volatile".to_string()
        } else {
            format!("calls `{f}()`, not known to be stable or immutable, so it counts as volatile")
        };
        return Some(Hit::new(format!(
            "Adds `{table}.{column}` with default `{default}`, which {why}: every row is \
             rewritten under ACCESS EXCLUSIVE."
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
    use crate::lint::testing::{findings_with, fires, rails, silent, MY, PG};
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

    #[test]
    fn unknown_functions_are_volatile() {
        // `uuid()` is not a PostgreSQL builtin known to be stable: fail closed.
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN u uuid DEFAULT uuid();",
            "SG409",
        );
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN c text DEFAULT public.next_code();",
            "SG409",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN at timestamptz DEFAULT now();",
            "SG409",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN s text DEFAULT 'uuid()';",
            "SG409",
        );
        // A Ruby string default is a literal, never a call.
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :s, :string, default: \"f(x)\""),
            "SG409",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :n, :bigserial"),
            "SG409",
        );
    }

    #[test]
    fn mysql_expression_defaults_copy() {
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :at, :datetime, default: -> { \"(now())\" }"),
            "SG409",
        );
        fires(
            MY,
            "a.sql",
            "ALTER TABLE t ADD COLUMN u varchar(36) DEFAULT (uuid());",
            "SG409",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE t ADD COLUMN at datetime DEFAULT CURRENT_TIMESTAMP;",
            "SG409",
        );
        silent(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :n, :integer, default: 0"),
            "SG409",
        );
    }
}
