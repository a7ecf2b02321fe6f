//! SG207 add-unique: a unique index on an existing table fails on duplicates already there, and
//! the old fleet can keep inserting them.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG207",
        name: "add-unique",
        severity: Severity::Warning,
        dialects: "any",
        why:
            "A unique index or constraint on an existing table fails when duplicates exist, and \
              the old fleet, which does not know the rule, can still insert them during the deploy.",
        hint: "Deduplicate first and deploy the application-side validation before adding the \
               unique index.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddIndex {
        table,
        unique: true,
        columns,
        ..
    } = &op.kind
    else {
        return None;
    };
    // A column added earlier in this migration without a default is NULL in every row, and NULLs
    // never collide; old code does not know the column, so it cannot write duplicates either.
    let new_column = columns
        .iter()
        .any(|c| cx.added_columns.get(&(table.clone(), c.clone())) == Some(&false));
    // The same unique index already exists (a rebuild under a new name): nothing new to fail.
    let already_unique = cx.schema.is_some_and(|s| s.has_unique(table, columns));
    (cx.existing(table) && !new_column && !already_unique).then(|| {
        Hit::new(format!(
            "Adds a unique index on `{table}`: existing duplicates make it fail, and old code can \
             still insert them."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn unique() {
        fires(
            PG,
            "a.sql",
            "CREATE UNIQUE INDEX CONCURRENTLY u ON users (email);",
            "SG207",
        );
        fires(
            MY,
            "a.sql",
            "ALTER TABLE users ADD UNIQUE KEY u (email);",
            "SG207",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_index :users, :email, unique: true, algorithm: :concurrently"),
            "SG207",
        );
        silent(
            PG,
            "a.sql",
            "CREATE TABLE users (email text);\nCREATE UNIQUE INDEX u ON users (email);",
            "SG207",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE users ADD INDEX i (email);",
            "SG207",
        );
    }

    #[test]
    fn unique_on_a_column_added_in_this_migration_is_fine() {
        // Real shape (openstreetmap-website style): add a column, then a unique index on it.
        silent(PG, "db/migrate/1_a.rb", &rails("add_column :users, :auth_uid, :string\nadd_index :users, [:auth_provider, :auth_uid], unique: true, algorithm: :concurrently"), "SG207");
        // With a default every row holds the same value: the index would fail.
        fires(PG, "db/migrate/1_a.rb", &rails("add_column :users, :code, :string, default: \"x\"\nadd_index :users, :code, unique: true"), "SG207");
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_unique_constraint :users, [:email]"),
            "SG207",
        );
    }

    #[test]
    fn an_existing_unique_index_on_the_same_columns_is_no_news() {
        let dump = "CREATE TABLE public.users (\n    id bigint NOT NULL,\n    email character varying\n);\nCREATE UNIQUE INDEX index_users_on_email ON public.users USING btree (email);\n";
        crate::lint::testing::with_schema(
            PG,
            "a.sql",
            "CREATE UNIQUE INDEX CONCURRENTLY users_email_v2 ON users (email);",
            "db/structure.sql",
            dump,
            "SG207",
            false,
        );
        crate::lint::testing::with_schema(
            PG,
            "a.sql",
            "CREATE UNIQUE INDEX CONCURRENTLY users_id_email ON users (id, email);",
            "db/structure.sql",
            dump,
            "SG207",
            true,
        );
    }
}
