//! SG306 add-auto-increment (MySQL): no concurrent DML while the column is filled.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG306",
        name: "add-auto-increment",
        severity: Severity::Error,
        dialects: "my",
        why: "Adding an AUTO_INCREMENT column copies the table with concurrent DML blocked, and \
              statement-based replicas can number rows differently.",
        hint: "Create a new table with the column and copy the data over (or use an OSC tool).",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddColumn {
        table,
        column,
        auto_increment: true,
        ..
    } = &op.kind
    else {
        return None;
    };
    (cx.mysql() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Adds AUTO_INCREMENT column `{table}.{column}`: the table is copied with writes blocked."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY};

    #[test]
    fn auto_increment() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE t ADD COLUMN id2 bigint NOT NULL AUTO_INCREMENT UNIQUE;",
            "SG306",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :id2, :primary_key"),
            "SG306",
        );
        silent(
            MY,
            "a.sql",
            "CREATE TABLE t2 (id bigint AUTO_INCREMENT PRIMARY KEY, c int);",
            "SG306",
        );
    }

    #[test]
    fn rails_serial_types() {
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :n, :serial"),
            "SG306",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :id, :primary_key"),
            "SG306",
        );
        silent(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_column :t, :n, :integer"),
            "SG306",
        );
    }
}
