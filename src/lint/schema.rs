//! Schema knowledge from the base branch's `db/schema.rb` or `db/structure.sql`: current column
//! types and nullability, so a safe change (VARCHAR growth) is told from a rewrite.

use std::collections::HashMap;

use sqlparser::ast::{ColumnOption, Statement};
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

use super::op::norm_name;
use super::sql::split;
use crate::model::Dialect;

/// One column as the dump describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Normalised type, e.g. `varchar(255)`, `bigint`.
    pub ty: String,
    pub nullable: bool,
    /// From the table or column charset when the dump says (utf8mb4 → 4).
    pub bytes_per_char: Option<u32>,
}

/// Tables → columns, from a schema dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    tables: HashMap<String, HashMap<String, Column>>,
}

impl Schema {
    pub fn column(&self, table: &str, column: &str) -> Option<&Column> {
        self.tables.get(table)?.get(column)
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Reads a dump by its file name: `*.rb` as schema.rb, anything else as SQL.
    pub fn parse(path: &str, text: &str, dialect: Dialect) -> Schema {
        if path.ends_with(".rb") {
            Self::from_schema_rb(text)
        } else {
            Self::from_structure_sql(text, dialect)
        }
    }

    /// `db/schema.rb`: machine-written, one `t.<type> "name", opts` per line.
    pub fn from_schema_rb(text: &str) -> Schema {
        let mut s = Schema::default();
        let mut current: Option<(String, Option<u32>)> = None;
        for line in text.lines() {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("create_table ") {
                let name = first_quoted(rest)
                    .map(|n| norm_name(&n))
                    .unwrap_or_default();
                current = Some((name, charset_bytes(rest)));
                continue;
            }
            if t == "end" {
                current = None;
                continue;
            }
            let Some((table, bpc)) = &current else {
                continue;
            };
            let Some(rest) = t.strip_prefix("t.") else {
                continue;
            };
            let ty: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if ty == "index" || ty == "check_constraint" {
                continue;
            }
            let Some(name) = first_quoted(rest) else {
                continue;
            };
            // `t.column "state", "enum('a','b')"`: how schema.rb writes types Rails has no
            // method for (MySQL ENUM/SET); the second string is the SQL type itself.
            let sql_type = (ty == "column").then(|| second_quoted(rest)).flatten();
            let ty = sql_type.map(|t| norm_type(&t)).unwrap_or_else(|| {
                rails_type(
                    &ty,
                    opt_u32(rest, "limit:"),
                    opt_u32(rest, "precision:"),
                    opt_u32(rest, "scale:"),
                )
            });
            s.tables.entry(table.clone()).or_default().insert(
                norm_name(&name),
                Column {
                    ty,
                    nullable: !rest.contains("null: false"),
                    bytes_per_char: charset_bytes(rest).or(*bpc),
                },
            );
        }
        s
    }

    /// `db/structure.sql` (mysqldump / pg_dump): CREATE TABLE statements parsed with sqlparser.
    pub fn from_structure_sql(text: &str, dialect: Dialect) -> Schema {
        let mut s = Schema::default();
        for stmt in split(text, dialect == Dialect::Mysql) {
            let head = stmt
                .text
                .get(..12)
                .unwrap_or(stmt.text)
                .to_ascii_uppercase();
            if !head.starts_with("CREATE") {
                continue;
            }
            let parsed = match dialect {
                Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, stmt.text),
                Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, stmt.text),
            };
            let Ok(parsed) = parsed else {
                continue;
            };
            for st in parsed {
                let Statement::CreateTable(ct) = st else {
                    continue;
                };
                let table_bpc = charset_bytes(&stmt.text.to_ascii_lowercase());
                let cols = s.tables.entry(norm_name(&ct.name.to_string())).or_default();
                for c in &ct.columns {
                    let not_null = c.options.iter().any(|o| {
                        matches!(o.option, ColumnOption::NotNull)
                            || matches!(
                                o.option,
                                ColumnOption::Unique {
                                    is_primary: true,
                                    ..
                                }
                            )
                    });
                    cols.insert(
                        norm_name(&c.name.value),
                        Column {
                            ty: norm_type(&c.data_type.to_string()),
                            nullable: !not_null,
                            bytes_per_char: table_bpc,
                        },
                    );
                }
            }
        }
        s
    }
}

fn first_quoted(s: &str) -> Option<String> {
    let start = s.find('"')? + 1;
    let len = s[start..].find('"')?;
    Some(s[start..start + len].to_string())
}

fn second_quoted(s: &str) -> Option<String> {
    let start = s.find('"')? + 1;
    let after_first = start + s[start..].find('"')? + 1;
    first_quoted(&s[after_first..])
}

fn opt_u32(s: &str, key: &str) -> Option<u32> {
    let i = s.find(key)? + key.len();
    s[i..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Bytes per character of the charset named in a dump fragment.
fn charset_bytes(s: &str) -> Option<u32> {
    let l = s.to_ascii_lowercase();
    let i = l.find("charset").or_else(|| l.find("character set"))?;
    let rest = &l[i..];
    if rest.contains("utf8mb4") {
        Some(4)
    } else if rest.contains("utf8") {
        Some(3)
    } else if rest.contains("latin1") || rest.contains("ascii") || rest.contains("binary") {
        Some(1)
    } else {
        None
    }
}

/// Rails column type (+ limit/precision/scale) → a SQL type for comparisons.
pub fn rails_type(
    ty: &str,
    limit: Option<u32>,
    precision: Option<u32>,
    scale: Option<u32>,
) -> String {
    let ty = ty.trim_start_matches(':');
    match ty {
        "string" => format!("varchar({})", limit.unwrap_or(255)),
        "integer" => match limit {
            Some(8) => "bigint".into(),
            Some(1) => "tinyint".into(),
            Some(2) => "smallint".into(),
            _ => "int".into(),
        },
        "decimal" | "numeric" => match (precision, scale) {
            (Some(p), Some(s)) => format!("decimal({p},{s})"),
            (Some(p), None) => format!("decimal({p})"),
            _ => "decimal".into(),
        },
        "text" => match limit {
            Some(l) if l > 16_777_215 => "longtext".into(),
            Some(l) if l > 65_535 => "mediumtext".into(),
            _ => "text".into(),
        },
        other => norm_type(other),
    }
}

/// Lower-case, spaces removed, synonyms folded: `CHARACTER VARYING(50)` → `varchar(50)`.
pub fn norm_type(ty: &str) -> String {
    let mut t = ty.trim().to_ascii_lowercase();
    for (from, to) in [
        ("character varying", "varchar"),
        ("timestamp without time zone", "timestamp"),
        ("timestamp with time zone", "timestamptz"),
        ("double precision", "double"),
    ] {
        t = t.replace(from, to);
    }
    let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = t.replace(", ", ",").replace(" (", "(");
    match t.as_str() {
        "integer" | "int4" => "int".into(),
        "int8" => "bigint".into(),
        "int2" => "smallint".into(),
        "bool" | "boolean" => "boolean".into(),
        "numeric" => "decimal".into(),
        _ => t.replacen("numeric(", "decimal(", 1),
    }
}

/// `varchar(n)` → n.
pub fn varchar_len(ty: &str) -> Option<u32> {
    let rest = ty.strip_prefix("varchar(")?;
    rest.split(')').next()?.trim().parse().ok()
}

/// PostgreSQL type changes that need no rewrite: varchar → text, wider (or unbounded) varchar,
/// same type.
pub fn pg_binary_coercible(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    let old_is_varchar = old == "varchar" || varchar_len(old).is_some();
    if old_is_varchar && (new == "text" || new == "varchar") {
        return true;
    }
    match (varchar_len(old), varchar_len(new)) {
        (Some(a), Some(b)) => b >= a,
        _ => matches!((old, new), ("cidr", "inet")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_rb() {
        let s = Schema::from_schema_rb(
            "ActiveRecord::Schema[7.1].define(version: 2024) do\n  create_table \"users\", charset: \"utf8mb4\", force: :cascade do |t|\n    t.string \"email\", limit: 100, null: false\n    t.integer \"age\"\n    t.index [\"email\"], name: \"i\"\n  end\nend\n",
        );
        let c = s.column("users", "email").expect("email");
        assert_eq!(c.ty, "varchar(100)");
        assert!(!c.nullable);
        assert_eq!(c.bytes_per_char, Some(4));
        assert!(s
            .column("users", "age")
            .is_some_and(|c| c.nullable && c.ty == "int"));
    }

    #[test]
    fn structure_sql_both_dialects() {
        let my = Schema::from_structure_sql(
            "/*!40101 SET NAMES utf8 */;\nCREATE TABLE `users` (\n  `id` bigint NOT NULL AUTO_INCREMENT,\n  `name` varchar(50) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=latin1;\n",
            Dialect::Mysql,
        );
        assert!(my
            .column("users", "name")
            .is_some_and(|c| c.nullable && c.ty == "varchar(50)"));
        let pg = Schema::from_structure_sql(
            "SET statement_timeout = 0;\nCREATE TABLE public.users (\n    id bigint NOT NULL,\n    name character varying(50)\n);\n",
            Dialect::Postgres,
        );
        assert_eq!(
            pg.column("users", "name").map(|c| c.ty.as_str()),
            Some("varchar(50)")
        );
    }

    #[test]
    fn coercible() {
        assert!(pg_binary_coercible("varchar(50)", "text"));
        assert!(pg_binary_coercible("varchar(50)", "varchar(60)"));
        assert!(!pg_binary_coercible("varchar(50)", "varchar(10)"));
        assert!(!pg_binary_coercible("json", "jsonb"));
    }
}
