//! SG301 column-type-change (MySQL): a data type change copies the table with writes blocked.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::schema::{norm_type, varchar_len};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG301",
        name: "column-type-change",
        severity: Severity::Error,
        dialects: "my",
        why: "MySQL changes a column's data type (or charset/collation) with ALGORITHM=COPY: the \
              table is copied and concurrent writes are blocked for the whole copy.",
        hint:
            "Expand/contract with a new column (add, dual-write, backfill, switch, drop), or run \
               it with gh-ost / pt-online-schema-change. Growing a VARCHAR within the same \
               length-byte class (≤255 bytes or >255 bytes) is online.",
    },
    op: Some(check),
    file: None,
};

/// Bytes per character assumed for VARCHAR length-byte classes when the dump does not say.
const UTF8MB4: u32 = 4;

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if !cx.mysql() {
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
    let old = cx.column(table, column);
    match (old, new) {
        (Some(old), Some(new)) => {
            let old_ty = norm_type(&old.ty);
            if old_ty == new || super::sg206_enum_incompatible::append_only(&old_ty, &new) {
                return None;
            }
            if let (Some(a), Some(b)) = (varchar_len(&old_ty), varchar_len(&new)) {
                let bpc = old.bytes_per_char.unwrap_or(UTF8MB4);
                if b >= a && (a * bpc > 255) == (b * bpc > 255) {
                    return None;
                }
            }
            Some(Hit::new(format!(
                "Changes `{table}.{column}` from `{old_ty}` to `{new}`: MySQL copies the table \
                 and blocks writes meanwhile."
            )))
        }
        (None, Some(new)) => Some(Hit::new(format!(
            "Redefines `{table}.{column}` as `{new}`; its current type is unknown (no schema dump \
             on the base branch), so this may be a type change that copies the table and blocks \
             writes."
        ))),
        (_, None) => Some(Hit::new(format!(
            "Changes the type of `{table}.{column}`: MySQL copies the table and blocks writes \
             meanwhile."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, with_schema, MY, PG};

    const DUMP: &str = "ActiveRecord::Schema[7.1].define(version: 1) do\n  create_table \"users\", charset: \"utf8mb4\" do |t|\n    t.string \"name\", limit: 40\n    t.string \"bio\", limit: 300\n    t.integer \"age\"\n  end\nend\n";

    #[test]
    fn sql() {
        fires(MY, "a.sql", "ALTER TABLE users MODIFY age bigint;", "SG301");
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users CHANGE COLUMN age age bigint NOT NULL;",
            "SG301",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN age TYPE bigint;",
            "SG301",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users ADD COLUMN age2 bigint;",
            "SG301",
        );
    }

    #[test]
    fn varchar_growth_is_exempt_with_schema() {
        with_schema(
            MY,
            "a.sql",
            "ALTER TABLE users MODIFY name varchar(60);",
            "db/schema.rb",
            DUMP,
            "SG301",
            false,
        );
        with_schema(
            MY,
            "a.sql",
            "ALTER TABLE users MODIFY bio varchar(500);",
            "db/schema.rb",
            DUMP,
            "SG301",
            false,
        );
        // 40 → 100 chars crosses 255 bytes in utf8mb4: the length prefix grows, so it copies.
        with_schema(
            MY,
            "a.sql",
            "ALTER TABLE users MODIFY name varchar(100);",
            "db/schema.rb",
            DUMP,
            "SG301",
            true,
        );
        with_schema(
            MY,
            "a.sql",
            "ALTER TABLE users MODIFY age bigint;",
            "db/schema.rb",
            DUMP,
            "SG301",
            true,
        );
        // Appending ENUM members is in place; anything else is SG206's and copies.
        let enum_dump = "CREATE TABLE `orders` (\n  `state` enum('new','paid') NOT NULL\n);\n";
        for (sql, copies) in [
            (
                "ALTER TABLE orders MODIFY state enum('new','paid','lost') NOT NULL;",
                false,
            ),
            (
                "ALTER TABLE orders MODIFY state enum('paid','new') NOT NULL;",
                true,
            ),
        ] {
            with_schema(
                MY,
                "a.sql",
                sql,
                "db/structure.sql",
                enum_dump,
                "SG301",
                copies,
            );
        }
        with_schema(
            MY,
            "db/migrate/1_a.rb",
            &rails("change_column :users, :name, :string, limit: 50"),
            "db/schema.rb",
            DUMP,
            "SG301",
            false,
        );
    }

    #[test]
    fn rails_dsl() {
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("change_column :statuses, :id, :bigint"),
            "SG301",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column :statuses, :id, :bigint"),
            "SG301",
        );
    }
}
