//! SG314 instant-row-versions (MySQL): many ADD/DROP COLUMN on one table in one file.

use std::collections::HashMap;

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG314",
        name: "instant-row-versions",
        severity: Severity::Info,
        dialects: "my",
        why: "Since 8.0.29 every INSTANT ADD/DROP COLUMN adds a row version, and a table allows \
              64 of them; after that INSTANT fails (error 4092) until the table is rebuilt.",
        hint: "Plan a rebuild (`ALTER TABLE … FORCE` with an online schema change tool) before \
               the table runs out of row versions, or batch the columns into fewer ALTERs.",
    },
    op: None,
    file: Some(check),
};

/// More than this many column adds/drops on one table in a file is worth a note.
const MANY: usize = 10;

fn check(ops: &[Op], cx: &Ctx) -> Vec<(usize, Hit)> {
    if !cx.mysql() {
        return Vec::new();
    }
    let mut created = std::collections::HashSet::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let table = match &op.kind {
            OpKind::CreateTable { table, .. } => {
                created.insert(table.as_str());
                continue;
            }
            OpKind::AddColumn { table, .. } | OpKind::DropColumn { table, .. } => table,
            _ => continue,
        };
        // A new table starts with no row versions; `?` is a name computed at run time.
        if created.contains(table.as_str()) || !cx.existing(table) || table == "?" {
            continue;
        }
        let n = counts.entry(table).or_insert(0);
        *n += 1;
        if *n == MANY + 1 {
            out.push((
                i,
                Hit::new(format!(
                    "More than {MANY} columns of `{table}` are added or dropped in this file; each \
                     INSTANT one uses up one of the table's 64 row versions."
                )),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, MY, PG};

    fn adds(table: &str, n: usize) -> String {
        (0..n)
            .map(|i| format!("ALTER TABLE {table} ADD COLUMN c{i} int;\n"))
            .collect()
    }

    #[test]
    fn mysql() {
        fires(MY, "a.sql", &adds("users", 11), "SG314");
        silent(MY, "a.sql", &adds("users", 10), "SG314");
        silent(
            MY,
            "a.sql",
            &format!("CREATE TABLE users (id int);\n{}", adds("users", 11)),
            "SG314",
        );
        silent(PG, "a.sql", &adds("users", 11), "SG314");
    }
}
