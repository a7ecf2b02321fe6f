//! SG302 primary-key-change (MySQL): rebuilds the clustered index and every secondary index.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG302",
        name: "primary-key-change",
        severity: Severity::Error,
        dialects: "my",
        why: "Dropping or replacing a primary key (or changing the `id` column) rebuilds InnoDB's \
              clustered index and every secondary index; dropping it is COPY-only.",
        hint:
            "Create a new table with the new key, backfill, and swap; gh-ost needs a shared unique \
               key between old and new tables.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    if !cx.mysql() {
        return None;
    }
    let (table, what) = match &op.kind {
        OpKind::DropPrimaryKey { table } => (table, "Drops the primary key of"),
        OpKind::AddPrimaryKey { table, .. } => (table, "Adds a primary key to"),
        OpKind::ChangeColumn { table, column, .. } if column == "id" => {
            (table, "Changes the `id` (primary key) column of")
        }
        _ => return None,
    };
    cx.existing(table).then(|| {
        Hit::new(format!(
            "{what} `{table}`: the clustered index and all secondary indexes are rebuilt."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY, PG};

    #[test]
    fn pk() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, tenant_id);",
            "SG302",
        );
        fires(MY, "a.sql", "ALTER TABLE t ADD PRIMARY KEY (id);", "SG302");
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("change_column :statuses, :id, :bigint"),
            "SG302",
        );
        silent(
            MY,
            "a.sql",
            "CREATE TABLE t (id int);\nALTER TABLE t ADD PRIMARY KEY (id);",
            "SG302",
        );
        silent(PG, "a.sql", "ALTER TABLE t ADD PRIMARY KEY (id);", "SG302");
    }
}
