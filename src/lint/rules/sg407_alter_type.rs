//! SG407 alter-type (PostgreSQL): most type changes rewrite the table under ACCESS EXCLUSIVE.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::schema::{norm_type, pg_binary_coercible};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG407",
        name: "alter-type",
        severity: Severity::Error,
        dialects: "pg, rb",
        why:
            "ALTER COLUMN … TYPE rewrites the table and its indexes under ACCESS EXCLUSIVE, unless \
              the change is binary-coercible (varchar → text, a wider varchar).",
        hint: "Expand/contract: add a column of the new type, dual-write, backfill in batches, \
               switch reads, then drop the old column.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if !cx.postgres() {
        return None;
    }
    let OpKind::ChangeColumn {
        table, column, ty, ..
    } = &op.kind
    else {
        return None;
    };
    if !cx.existing(table) {
        return None;
    }
    let new = ty.as_deref().map(norm_type);
    if let (Some(old), Some(new)) = (cx.column(table, column), new.as_deref()) {
        let old = norm_type(&old.ty);
        if pg_binary_coercible(&old, new) {
            return None;
        }
        return Some(Hit::new(format!(
            "Changes `{table}.{column}` from `{old}` to `{new}`: the table is rewritten under \
             ACCESS EXCLUSIVE."
        )));
    }
    let to = new.map(|n| format!(" to `{n}`")).unwrap_or_default();
    Some(Hit::new(format!(
        "Changes the type of `{table}.{column}`{to}: unless it is binary-coercible (the base \
         branch has no schema dump to tell), the table is rewritten under ACCESS EXCLUSIVE."
    )))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, with_schema, PG};

    const DUMP: &str = "CREATE TABLE public.users (\n    id bigint NOT NULL,\n    name character varying(50),\n    data json\n);\n";

    #[test]
    fn sql() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN data TYPE jsonb USING data::jsonb;",
            "SG407",
        );
        with_schema(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);",
            "db/structure.sql",
            DUMP,
            "SG407",
            false,
        );
        with_schema(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN name TYPE text;",
            "db/structure.sql",
            DUMP,
            "SG407",
            false,
        );
        with_schema(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN name TYPE varchar(20);",
            "db/structure.sql",
            DUMP,
            "SG407",
            true,
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE users ADD COLUMN data2 jsonb;",
            "SG407",
        );
    }

    #[test]
    fn rails_dsl() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column :users, :data, :jsonb"),
            "SG407",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :users, :data2, :jsonb"),
            "SG407",
        );
    }

    #[test]
    fn safe_widenings_need_no_rewrite() {
        let dump = "CREATE TABLE public.t (\n    name character varying(50),\n    note text,\n    tag public.citext,\n    price numeric(10,2),\n    at timestamp(3) without time zone,\n    span interval(2),\n    net cidr,\n    n integer\n);\n";
        for (sql, rewrites) in [
            ("ALTER TABLE t ALTER COLUMN name TYPE varchar(80);", false),
            ("ALTER TABLE t ALTER COLUMN name TYPE text;", false),
            ("ALTER TABLE t ALTER COLUMN note TYPE citext;", false),
            (
                "ALTER TABLE t ALTER COLUMN price TYPE numeric(12,2);",
                false,
            ),
            ("ALTER TABLE t ALTER COLUMN price TYPE numeric(12,3);", true),
            ("ALTER TABLE t ALTER COLUMN at TYPE timestamp(6);", false),
            ("ALTER TABLE t ALTER COLUMN at TYPE timestamp(0);", true),
            ("ALTER TABLE t ALTER COLUMN span TYPE interval(6);", false),
            ("ALTER TABLE t ALTER COLUMN net TYPE inet;", false),
            ("ALTER TABLE t ALTER COLUMN n TYPE bigint;", true),
        ] {
            with_schema(
                PG,
                "a.sql",
                sql,
                "db/structure.sql",
                dump,
                "SG407",
                rewrites,
            );
        }
    }

    #[test]
    fn rails_string_is_unbounded_varchar_on_postgres() {
        let dump = "ActiveRecord::Schema[7.1].define(version: 1) do\n  enable_extension \"plpgsql\"\n  create_table \"users\" do |t|\n    t.string \"name\"\n    t.string \"code\", limit: 10\n  end\nend\n";
        // Same type, only null/default change: no type change.
        with_schema(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column :users, :name, :string, null: false"),
            "db/schema.rb",
            dump,
            "SG407",
            false,
        );
        with_schema(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column :users, :code, :string"),
            "db/schema.rb",
            dump,
            "SG407",
            false,
        );
        with_schema(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column :users, :name, :text"),
            "db/schema.rb",
            dump,
            "SG407",
            false,
        );
        with_schema(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column :users, :name, :integer"),
            "db/schema.rb",
            dump,
            "SG407",
            true,
        );
    }
}
