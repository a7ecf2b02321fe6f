//! SG206 enum-incompatible: an ENUM/SET redefinition that old code cannot live with, or a
//! PostgreSQL enum value renamed under it.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::schema::norm_type;
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG206",
        name: "enum-incompatible",
        severity: Severity::Error,
        dialects: "my (pg)",
        why: "Old code still writes and reads the old values: a removed or renamed value fails \
              its writes, and reordering or inserting values changes what the stored numbers \
              mean, so MySQL copies the table. Crossing a size boundary (256 ENUM members, 8/16/\
              24/32 SET members) also copies it.",
        hint: "Only append values at the end; migrate the data and deploy the code that stops \
               using a value before removing or renaming it.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    match &op.kind {
        OpKind::RenameEnumValue {
            type_name,
            from,
            to,
        } if cx.postgres() => Some(Hit::new(format!(
            "Renames value '{from}' of enum `{type_name}` to '{to}': old code still writes \
             '{from}' and its writes fail."
        ))),
        OpKind::ChangeColumn {
            table,
            column,
            ty: Some(ty),
            ..
        } if cx.mysql() && cx.existing(table) => {
            let new = members(&norm_type(ty))?;
            // Without the current definition there is nothing to compare with.
            let old_ty = norm_type(&cx.column(table, column)?.ty);
            let old = members(&old_ty)?;
            if old.set != new.set {
                return Some(Hit::new(format!(
                    "Changes `{table}.{column}` between ENUM and SET: the stored values change \
                     meaning and MySQL copies the table."
                )));
            }
            let problem = incompatibility(&old.values, &new.values)
                .or_else(|| crosses_size(old.set, old.values.len(), new.values.len()))?;
            let kind = if new.set { "SET" } else { "ENUM" };
            Some(Hit::new(format!(
                "Redefines {kind} `{table}.{column}` and {problem}."
            )))
        }
        _ => None,
    }
}

/// True when `new` only appends members to the ENUM/SET `old` within the same storage size:
/// MySQL does that in place without copying (SG301 exempts it).
pub(crate) fn append_only(old: &str, new: &str) -> bool {
    match (members(old), members(new)) {
        (Some(o), Some(n)) => {
            o.set == n.set
                && incompatibility(&o.values, &n.values).is_none()
                && crosses_size(o.set, o.values.len(), n.values.len()).is_none()
        }
        _ => false,
    }
}

struct Members {
    set: bool,
    values: Vec<String>,
}

/// `enum('a','b')` / `set('a','b')` → its values; `None` for any other type.
fn members(ty: &str) -> Option<Members> {
    let (set, rest) = if let Some(r) = ty.strip_prefix("enum(") {
        (false, r)
    } else if let Some(r) = ty.strip_prefix("set(") {
        (true, r)
    } else {
        return None;
    };
    let body = rest.strip_suffix(')').unwrap_or(rest);
    let mut values = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => {
                // A doubled quote is the quote character itself.
                if chars.peek() == Some(&q) {
                    cur.push(q);
                    chars.next();
                } else {
                    quote = None;
                }
            }
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ',' => values.push(std::mem::take(&mut cur).trim().to_string()),
            None => cur.push(c),
        }
    }
    values.push(cur.trim().to_string());
    Some(Members { set, values })
}

/// Old values must stay where they are, new ones may only follow them.
fn incompatibility(old: &[String], new: &[String]) -> Option<String> {
    let removed: Vec<&str> = old
        .iter()
        .filter(|v| !new.contains(v))
        .map(String::as_str)
        .collect();
    if !removed.is_empty() {
        return Some(format!(
            "removes {}: old code still writes them",
            quoted(&removed)
        ));
    }
    if new.get(..old.len()) == Some(old) {
        return None;
    }
    let inserted: Vec<&str> = new
        .iter()
        .filter(|v| !old.contains(v))
        .map(String::as_str)
        .collect();
    if inserted.is_empty() {
        Some(
            "reorders its values: the stored numbers change meaning and the table is copied".into(),
        )
    } else {
        Some(format!(
            "inserts {} before existing values: the stored numbers change meaning and the table \
             is copied",
            quoted(&inserted)
        ))
    }
}

/// ENUM stores 1 byte up to 255 members, then 2; SET 1, 2, 3, 4 or 8 bytes.
fn crosses_size(set: bool, old: usize, new: usize) -> Option<String> {
    let bytes = |n: usize| {
        if set {
            n.div_ceil(8).min(4) + usize::from(n > 32) * 4
        } else if n > 255 {
            2
        } else {
            1
        }
    };
    (bytes(new) != bytes(old)).then(|| {
        format!("grows from {old} to {new} members, which changes its storage size and copies the table")
    })
}

fn quoted(v: &[&str]) -> String {
    v.iter()
        .map(|x| format!("'{x}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, with_schema, MY, PG};

    const DUMP: &str = "CREATE TABLE `orders` (\n  `id` bigint NOT NULL,\n  `state` enum('new','paid','shipped') NOT NULL,\n  `flags` set('a','b') DEFAULT NULL,\n  `note` varchar(20) DEFAULT NULL\n) ENGINE=InnoDB;\n";

    fn my(sql: &str, expect: bool) {
        with_schema(MY, "a.sql", sql, "db/structure.sql", DUMP, "SG206", expect);
    }

    #[test]
    fn mysql_enum_redefinition() {
        my(
            "ALTER TABLE orders MODIFY state enum('new','shipped') NOT NULL;",
            true,
        );
        my(
            "ALTER TABLE orders MODIFY state enum('paid','new','shipped') NOT NULL;",
            true,
        );
        my(
            "ALTER TABLE orders MODIFY state enum('new','refunded','paid','shipped') NOT NULL;",
            true,
        );
        my(
            "ALTER TABLE orders CHANGE state state enum('new','paid') NOT NULL;",
            true,
        );
        my("ALTER TABLE orders MODIFY flags set('b','a');", true);
        // Appending is the compatible change.
        my(
            "ALTER TABLE orders MODIFY state enum('new','paid','shipped','refunded') NOT NULL;",
            false,
        );
        my("ALTER TABLE orders MODIFY flags set('a','b','c');", false);
        my("ALTER TABLE orders MODIFY note varchar(30);", false);
    }

    #[test]
    fn rails_change_column_with_schema_rb() {
        let dump = "ActiveRecord::Schema[7.1].define(version: 1) do\n  create_table \"orders\" do |t|\n    t.column \"state\", \"enum('new','paid','shipped')\", null: false\n  end\nend\n";
        let path = "db/migrate/1_a.rb";
        with_schema(
            MY,
            path,
            &rails("change_column :orders, :state, \"enum('new','shipped')\", null: false"),
            "db/schema.rb",
            dump,
            "SG206",
            true,
        );
        with_schema(
            MY,
            path,
            &rails("change_column :orders, :state, \"enum('new','paid','shipped','lost')\""),
            "db/schema.rb",
            dump,
            "SG206",
            false,
        );
    }

    #[test]
    fn mysql_unknown_definition_is_not_flagged() {
        silent(
            MY,
            "a.sql",
            "ALTER TABLE orders MODIFY state enum('x') NOT NULL;",
            "SG206",
        );
        my(
            "ALTER TABLE invoices MODIFY state enum('x') NOT NULL;",
            false,
        );
    }

    #[test]
    fn postgres_rename_value() {
        fires(
            PG,
            "a.sql",
            "ALTER TYPE order_state RENAME VALUE 'paid' TO 'settled';",
            "SG206",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TYPE order_state ADD VALUE 'refunded';",
            "SG206",
        );
    }

    #[test]
    fn values_parse() {
        let m = super::members("enum('it''s','a,b', 'c')").map(|m| m.values);
        assert_eq!(m, Some(vec!["it's".to_string(), "a,b".into(), "c".into()]));
        assert!(super::members("varchar(10)").is_none());
        assert!(super::crosses_size(false, 255, 256).is_some());
        assert!(super::crosses_size(true, 8, 9).is_some());
        assert!(super::crosses_size(true, 9, 16).is_none());
    }

    #[test]
    fn rails_rename_enum_value() {
        fires(
            PG,
            "db/migrate/1_a.rb",
            &rails("rename_enum_value :mood, from: \"sad\", to: \"unhappy\""),
            "SG206",
        );
    }
}
