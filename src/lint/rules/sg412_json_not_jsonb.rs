//! SG412 json-not-jsonb (PostgreSQL): a `json` column where `jsonb` is almost always meant.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG412",
        name: "json-not-jsonb",
        severity: Severity::Info,
        dialects: "pg, rb",
        why: "`json` has no equality operator, so `DISTINCT`, `UNION` and `GROUP BY` over it \
              fail (and Rails' `uniq`/`distinct` with it); it cannot be indexed with GIN either. \
              Changing it later is a table rewrite.",
        hint: "Use `jsonb` (`t.jsonb`, `add_column … :jsonb`).",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if !cx.postgres() {
        return None;
    }
    let (table, column, ty) = match &op.kind {
        OpKind::AddColumn {
            table,
            column,
            ty: Some(ty),
            ..
        }
        | OpKind::ChangeColumn {
            table,
            column,
            ty: Some(ty),
            ..
        } => (table, column, ty),
        _ => return None,
    };
    let base = ty.trim().trim_end_matches("[]");
    (base == "json").then(|| {
        Hit::new(format!(
            "`{table}.{column}` is `json`, which has no equality operator; `jsonb` is what is \
             almost always wanted."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn sql() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE events ADD COLUMN payload json;",
            "SG412",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE events ADD COLUMN payload jsonb;",
            "SG412",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE events ADD COLUMN payload json;",
            "SG412",
        );
    }

    #[test]
    fn rails_dsl() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("add_column :events, :payload, :json"),
            "SG412",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("create_table :events do |t|\n  t.json :payload\nend"),
            "SG412",
        );
        silent(
            PG,
            "db/migrate/1_a.rb",
            &rails("create_table :events do |t|\n  t.jsonb :payload\nend"),
            "SG412",
        );
        silent(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :events, :payload, :json"),
            "SG412",
        );
    }
}
