//! SG205 nullability/default-loosening: readers may not expect NULL, defaults change what old code
//! writes.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG205",
        name: "nullability-default-loosening",
        severity: Severity::Warning,
        dialects: "any",
        why: "Dropping NOT NULL lets NULL reach readers that do not expect it; changing a default \
              changes what the old fleet writes when it omits the column.",
        hint: "Check every reader handles NULL / the new default, then acknowledge with \
               `shipgate:allow SG205 <reason>`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::LoosenColumn {
        table,
        column,
        what,
        sets_default,
        from_none,
    } = &op.kind
    else {
        return None;
    };
    // Adding a default where there was none is metadata-only, and old code that omits the column
    // got NULL before and a value now: nothing it reads or writes breaks.
    let had_none = *from_none
        || cx
            .column(table, column)
            .is_some_and(|c| c.default.is_none());
    if *sets_default && had_none {
        return None;
    }
    cx.existing(table).then(|| {
        Hit::new(format!(
            "{what} on `{table}.{column}` changes what old code reads or writes."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, PG};

    #[test]
    fn loosening() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
            "SG205",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column_default :users, :admin, from: true, to: false"),
            "SG205",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE users ADD COLUMN admin boolean;",
            "SG205",
        );
    }

    #[test]
    fn adding_a_default_is_safe_for_old_code() {
        // Real shape: `change_column_default :users, :consider_pd, :from => nil, :to => false`.
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column_default :users, :consider_pd, :from => nil, :to => false"),
            "SG205",
        );
        fires(PG, "db/migrate/1_a.rb", &rails("change_column_default :gpx_files, :visibility, :from => \"public\", :to => \"trackable\""), "SG205");
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("change_column_default :users, :admin, nil"),
            "SG205",
        );
        // With the schema: the column had no default, so setting one is safe.
        let dump = "CREATE TABLE public.users (\n    id bigint NOT NULL,\n    admin boolean,\n    role character varying DEFAULT 'user'::character varying\n);\n";
        crate::lint::testing::with_schema(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN admin SET DEFAULT false;",
            "db/structure.sql",
            dump,
            "SG205",
            false,
        );
        crate::lint::testing::with_schema(
            PG,
            "a.sql",
            "ALTER TABLE users ALTER COLUMN role SET DEFAULT 'guest';",
            "db/structure.sql",
            dump,
            "SG205",
            true,
        );
    }
}
