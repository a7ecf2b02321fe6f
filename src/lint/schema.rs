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
    /// The column's default as the dump writes it; `None` when it has none.
    pub default: Option<String>,
}

/// One index of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub columns: Vec<String>,
    pub unique: bool,
}

/// Tables → columns and indexes, from a schema dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    tables: HashMap<String, HashMap<String, Column>>,
    indexes: HashMap<String, Vec<Index>>,
    /// `CHECK (col IS NOT NULL) NOT VALID` constraints added by earlier migrations of a replayed
    /// history and not validated yet: name → (table, column).
    pub pending_not_null_checks: HashMap<String, (String, String)>,
    /// The newest Rails migration the dump includes (`define(version: …)`, the
    /// `schema_migrations` rows of structure.sql): migrations up to it are already applied.
    pub version: Option<u64>,
}

/// A statement of a dump that could not be read (its table's columns stay unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub line: u32,
    pub summary: String,
}

impl Schema {
    pub fn column(&self, table: &str, column: &str) -> Option<&Column> {
        self.tables.get(table)?.get(column)
    }

    /// True when the dump has the table.
    pub fn has_table(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// The indexes the dump lists on `table`.
    pub fn indexes(&self, table: &str) -> &[Index] {
        self.indexes.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    /// True when a unique index covers exactly `columns` (in any order).
    pub fn has_unique(&self, table: &str, columns: &[String]) -> bool {
        let mut want: Vec<&String> = columns.iter().collect();
        want.sort();
        !columns.is_empty()
            && self.indexes(table).iter().any(|i| {
                let mut have: Vec<&String> = i.columns.iter().collect();
                have.sort();
                i.unique && have == want
            })
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.pending_not_null_checks.is_empty()
    }

    /// Reads a dump by its file name: `*.rb` as schema.rb, anything else as SQL.
    pub fn parse(path: &str, text: &str, dialect: Dialect) -> Schema {
        Self::parse_reporting(path, text, dialect).0
    }

    /// [`Schema::parse`], plus an SG901 warning for each table definition it could not read:
    /// those columns are unknown, so the lint cannot tell a safe change there.
    pub fn parse_reporting(
        path: &str,
        text: &str,
        dialect: Dialect,
    ) -> (Schema, Vec<crate::model::Finding>) {
        let (schema, unread) = if path.ends_with(".rb") {
            (Self::from_schema_rb_in(text, dialect), Vec::new())
        } else {
            Self::structure_sql(text, dialect)
        };
        let findings = unread
            .into_iter()
            .map(|u| {
                crate::model::Finding::new(
                    "SG901",
                    crate::model::Severity::Warning,
                    super::escape_control(&format!(
                        "The schema dump statement `{}` could not be read: the columns it \
                         defines are unknown to the lint.",
                        u.summary
                    )),
                )
                .at(path, Some(u.line))
                .with_hint("Check the dump's dialect (`--dialect`), or report the statement.")
            })
            .collect();
        (schema, findings)
    }

    /// `db/schema.rb` as MySQL writes it; see [`Schema::from_schema_rb_in`].
    pub fn from_schema_rb(text: &str) -> Schema {
        Self::from_schema_rb_in(text, Dialect::Mysql)
    }

    /// `db/schema.rb`: machine-written, one `t.<type> "name", opts` per line. Types are read as
    /// the dialect stores them (a PostgreSQL `t.string` has no length limit).
    pub fn from_schema_rb_in(text: &str, dialect: Dialect) -> Schema {
        let mut s = Schema::default();
        let mut current: Option<(String, Option<u32>)> = None;
        for line in text.lines() {
            let t = line.trim();
            if let Some(i) = t.find("define(version:") {
                let digits: String = t[i + 15..]
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '_' || *c == ' ')
                    .take_while(|c| *c != ')')
                    .filter(char::is_ascii_digit)
                    .collect();
                s.version = digits.parse().ok();
            }
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
            // Older dumps list indexes after the table: `add_index "t", ["a"], unique: true`.
            if let Some(rest) = t.strip_prefix("add_index ") {
                if let Some(table) = first_quoted(rest) {
                    let cols = rest.split_once(',').map(|x| x.1).unwrap_or("");
                    s.add_index_rb(&norm_name(&table), cols);
                }
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
            if ty == "index" {
                let table = table.clone();
                s.add_index_rb(&table, &rest[5..]);
                continue;
            }
            if ty == "check_constraint" {
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
                    dialect,
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
                    default: rb_default(rest),
                },
            );
        }
        s
    }

    /// `["a", "b"], name: "…", unique: true` (or `"a"`) after `t.index` / `add_index "t",`.
    fn add_index_rb(&mut self, table: &str, rest: &str) {
        let rest = rest.trim_start();
        let cols_text = match rest.strip_prefix('[') {
            Some(list) => list.split(']').next().unwrap_or(""),
            None => rest.split(',').next().unwrap_or(""),
        };
        let columns: Vec<String> = cols_text
            .split(',')
            .filter_map(|c| first_quoted(c.trim()))
            .map(|c| norm_name(&c))
            .collect();
        self.indexes
            .entry(table.to_string())
            .or_default()
            .push(Index {
                columns,
                unique: rest.contains("unique: true"),
            });
    }

    /// `db/structure.sql` (mysqldump / pg_dump): CREATE TABLE statements parsed with sqlparser.
    pub fn from_structure_sql(text: &str, dialect: Dialect) -> Schema {
        Self::structure_sql(text, dialect).0
    }

    fn structure_sql(text: &str, dialect: Dialect) -> (Schema, Vec<Unread>) {
        let mut s = Schema::default();
        let mut unread = Vec::new();
        for stmt in split(text, dialect == Dialect::Mysql) {
            let head: String = stmt
                .text
                .get(..stmt.text.len().min(80))
                .unwrap_or("")
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_uppercase();
            // pg_dump writes indexes, keys and defaults after the tables.
            if head.starts_with("CREATE UNIQUE INDEX") || head.starts_with("CREATE INDEX") {
                s.pg_index(stmt.text);
                continue;
            }
            if head.starts_with("ALTER TABLE") {
                s.pg_alter(stmt.text);
                continue;
            }
            if head.starts_with("INSERT INTO") && stmt.text.contains("schema_migrations") {
                let newest = stmt
                    .text
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|d| d.len() >= 3)
                    .filter_map(|d| d.parse::<u64>().ok())
                    .max();
                s.version = s.version.max(newest);
                continue;
            }
            let creates_table = head.starts_with("CREATE TABLE")
                || head.starts_with("CREATE UNLOGGED TABLE")
                || head.starts_with("CREATE TEMPORARY TABLE");
            if !creates_table {
                continue;
            }
            let parsed = match dialect {
                Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, stmt.text),
                Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, stmt.text),
            };
            let Ok(parsed) = parsed else {
                let one: String = stmt
                    .text
                    .split_whitespace()
                    .take(8)
                    .collect::<Vec<_>>()
                    .join(" ");
                unread.push(Unread {
                    line: stmt.line,
                    summary: format!("{one} …"),
                });
                continue;
            };
            for st in parsed {
                let Statement::CreateTable(ct) = st else {
                    continue;
                };
                let tname = norm_name(&ct.name.to_string());
                for c in &ct.constraints {
                    if let Some(ix) = index_of_constraint(c) {
                        s.indexes.entry(tname.clone()).or_default().push(ix);
                    }
                }
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
                    let default = c.options.iter().find_map(|o| match &o.option {
                        ColumnOption::Default(e) => Some(e.to_string()),
                        _ => None,
                    });
                    let default = default.filter(|d| !d.eq_ignore_ascii_case("NULL"));
                    cols.insert(
                        norm_name(&c.name.value),
                        Column {
                            ty: norm_type(&c.data_type.to_string()),
                            nullable: !not_null,
                            bytes_per_char: table_bpc,
                            default,
                        },
                    );
                }
            }
        }
        (s, unread)
    }

    /// Replays one operation of an earlier migration, so a history linted without a dump (or
    /// with a dump that already includes it) still knows the columns' types as of each
    /// migration. Columns of unknown type are forgotten rather than guessed.
    pub fn apply(&mut self, op: &super::op::Op) {
        use super::op::OpKind::*;
        match &op.kind {
            CreateTable { table, force } => {
                if *force {
                    self.tables.remove(table);
                }
                self.tables.entry(table.clone()).or_default();
            }
            DropTable { table } => {
                self.tables.remove(table);
                self.indexes.remove(table);
            }
            RenameTable { from, to } => {
                if let Some(t) = self.tables.remove(from) {
                    self.tables.insert(to.clone(), t);
                }
            }
            AddColumn {
                table,
                column,
                not_null,
                default,
                ty,
                ..
            } => {
                let cols = self.tables.entry(table.clone()).or_default();
                match ty.as_deref().filter(|t| *t != "virtual" && *t != "?") {
                    Some(ty) => {
                        cols.insert(
                            column.clone(),
                            Column {
                                ty: norm_type(ty),
                                nullable: !not_null,
                                bytes_per_char: None,
                                default: default.clone(),
                            },
                        );
                    }
                    None => {
                        cols.remove(column);
                    }
                }
            }
            DropColumn { table, column } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.remove(column);
                }
            }
            RenameColumn { table, from, to } => {
                if let Some(t) = self.tables.get_mut(table) {
                    if let Some(c) = t.remove(from) {
                        t.insert(to.clone(), c);
                    }
                }
            }
            ChangeColumn {
                table,
                column,
                ty,
                not_null,
            } => {
                let Some(t) = self.tables.get_mut(table) else {
                    return;
                };
                match ty {
                    Some(ty) => {
                        let entry = t.entry(column.clone()).or_insert_with(|| Column {
                            ty: String::new(),
                            nullable: true,
                            bytes_per_char: None,
                            default: None,
                        });
                        entry.ty = norm_type(ty);
                        if let Some(nn) = not_null {
                            entry.nullable = !nn;
                        }
                    }
                    None => {
                        t.remove(column);
                    }
                }
            }
            SetNotNull { table, column } => {
                if let Some(c) = self.tables.get_mut(table).and_then(|t| t.get_mut(column)) {
                    c.nullable = false;
                }
            }
            LoosenColumn {
                table,
                column,
                what,
                sets_default,
                ..
            } => {
                if let Some(c) = self.tables.get_mut(table).and_then(|t| t.get_mut(column)) {
                    if what == "DROP NOT NULL" {
                        c.nullable = true;
                    } else if *sets_default {
                        c.default = Some("?".into());
                    } else {
                        c.default = None;
                    }
                }
            }
            AddCheck {
                table,
                name: Some(name),
                not_valid: true,
                not_null_column: Some(column),
            } => {
                self.pending_not_null_checks
                    .insert(name.clone(), (table.clone(), column.clone()));
            }
            ValidateConstraint { name, .. } => {
                self.pending_not_null_checks.remove(name);
            }
            AddIndex {
                table,
                unique,
                columns,
                ..
            } => self.indexes.entry(table.clone()).or_default().push(Index {
                columns: columns.clone(),
                unique: *unique,
            }),
            _ => {}
        }
    }

    /// `CREATE [UNIQUE] INDEX name ON [ONLY] public.t USING btree (a, b);`
    fn pg_index(&mut self, text: &str) {
        let up = text.to_ascii_uppercase();
        let Some(on) = up.find(" ON ") else {
            return;
        };
        let rest = &text[on + 4..];
        let rest = rest.trim_start();
        let rest = rest
            .strip_prefix("ONLY ")
            .or_else(|| rest.strip_prefix("only "))
            .unwrap_or(rest);
        let table = norm_name(rest.split([' ', '(']).next().unwrap_or(""));
        let columns = paren_names(rest);
        self.indexes.entry(table).or_default().push(Index {
            columns,
            unique: up.starts_with("CREATE UNIQUE"),
        });
    }

    /// `ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT …` and `… ADD CONSTRAINT k
    /// PRIMARY KEY|UNIQUE (a)`, as pg_dump writes them.
    fn pg_alter(&mut self, text: &str) {
        let words: Vec<&str> = text.split_whitespace().collect();
        let up: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
        let mut i = 2;
        if up.get(i).is_some_and(|w| w == "ONLY") {
            i += 1;
        }
        let Some(table) = words.get(i).map(|t| norm_name(t)) else {
            return;
        };
        let at = |k: usize| up.get(k).map(String::as_str).unwrap_or("");
        if at(i + 1) == "ALTER"
            && at(i + 2) == "COLUMN"
            && at(i + 4) == "SET"
            && at(i + 5) == "DEFAULT"
        {
            let column = words.get(i + 3).map(|c| norm_name(c)).unwrap_or_default();
            let default = words[(i + 6).min(words.len())..].join(" ");
            if let Some(c) = self.tables.get_mut(&table).and_then(|t| t.get_mut(&column)) {
                c.default = Some(default);
            }
            return;
        }
        if at(i + 1) == "ADD" && at(i + 2) == "CONSTRAINT" {
            let kind = at(i + 4);
            if kind == "PRIMARY" || kind == "UNIQUE" {
                let columns = paren_names(&words[(i + 4).min(words.len())..].join(" "));
                self.indexes.entry(table).or_default().push(Index {
                    columns,
                    unique: true,
                });
            }
        }
    }
}

/// Plain names in the first parenthesised list (`(a, "b" DESC)` → a, b).
fn paren_names(s: &str) -> Vec<String> {
    let Some(open) = s.find('(') else {
        return Vec::new();
    };
    let inner = &s[open + 1..];
    let inner = inner.split(')').next().unwrap_or("");
    inner
        .split(',')
        .filter_map(|p| p.split_whitespace().next())
        .filter(|p| !p.contains('('))
        .map(norm_name)
        .collect()
}

/// MySQL `KEY`/`UNIQUE KEY`/`PRIMARY KEY` inside CREATE TABLE.
fn index_of_constraint(c: &sqlparser::ast::TableConstraint) -> Option<Index> {
    let rendered = c.to_string();
    let up = rendered.to_ascii_uppercase();
    let unique = up.starts_with("UNIQUE") || up.contains("PRIMARY KEY") || up.contains(" UNIQUE");
    let is_index = unique || up.starts_with("KEY") || up.starts_with("INDEX");
    if !is_index || up.contains("FOREIGN KEY") || up.starts_with("CHECK") {
        return None;
    }
    Some(Index {
        columns: paren_names(&rendered),
        unique,
    })
}

/// `default: "public"` / `default: 0` / `default: -> { "now()" }` in a schema.rb column line.
fn rb_default(rest: &str) -> Option<String> {
    let i = rest.find("default:")? + "default:".len();
    let v = rest[i..].trim_start();
    if v.starts_with("nil") {
        return None;
    }
    if let Some(q) = v.strip_prefix('"') {
        return Some(q.split('"').next().unwrap_or("").to_string());
    }
    Some(v.split(',').next().unwrap_or("").trim().to_string())
}

/// The dialect a dump is written in, when it says: pg_dump and mysqldump headers, schema.rb's
/// extensions and table options.
pub fn detect_dialect(path: &str, text: &str) -> Option<Dialect> {
    let head = super::sql::prefix_str(text, 64 * 1024);
    if path.ends_with(".rb") {
        if head.contains("enable_extension") || head.contains("create_enum") {
            return Some(Dialect::Postgres);
        }
        if head.contains("charset: \"") || head.contains("options: \"ENGINE=") {
            return Some(Dialect::Mysql);
        }
        return None;
    }
    if head.contains("pg_catalog")
        || head.contains("PostgreSQL database dump")
        || head.contains("SET statement_timeout")
    {
        return Some(Dialect::Postgres);
    }
    if head.contains("/*!40101") || head.contains("ENGINE=") || head.contains("MySQL dump") {
        return Some(Dialect::Mysql);
    }
    None
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

/// Rails column type (+ limit/precision/scale) → the SQL type the dialect stores, for
/// comparisons. A `:string` is `varchar(255)` on MySQL but an unbounded `character varying` on
/// PostgreSQL.
pub fn rails_type(
    dialect: Dialect,
    ty: &str,
    limit: Option<u32>,
    precision: Option<u32>,
    scale: Option<u32>,
) -> String {
    let ty = ty.trim_start_matches(':');
    let pg = dialect == Dialect::Postgres;
    match ty {
        "string" if pg => match limit {
            Some(l) => format!("varchar({l})"),
            None => "varchar".into(),
        },
        "string" => format!("varchar({})", limit.unwrap_or(255)),
        "text" if pg => "text".into(),
        "datetime" if pg => match precision {
            Some(p) => format!("timestamp({p})"),
            None => "timestamp".into(),
        },
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
        ("double precision", "double"),
        (" without time zone", ""),
    ] {
        t = t.replace(from, to);
    }
    // `timestamp(6) with time zone` → `timestamptz(6)`, `time with time zone` → `timetz`.
    if let Some(base) = t.strip_suffix(" with time zone") {
        let (b, p) = base.split_once('(').map_or((base, ""), |(b, p)| (b, p));
        let b = if b.trim() == "timestamp" {
            "timestamptz"
        } else {
            "timetz"
        };
        t = if p.is_empty() {
            b.to_string()
        } else {
            format!("{b}({p}")
        };
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

/// PostgreSQL type changes that need no table rewrite: the same type; varchar(n) → varchar(m ≥ n),
/// unbounded varchar or text; text ↔ citext; numeric precision up with the same scale;
/// time/timestamp/interval precision up (or dropped); cidr → inet.
pub fn pg_binary_coercible(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    let old_is_varchar = old == "varchar" || varchar_len(old).is_some();
    let text_like = |t: &str| t == "text" || t == "citext" || t == "varchar";
    if old_is_varchar && text_like(new) && new != "citext" {
        return true;
    }
    if matches!(
        (old, new),
        ("text", "citext") | ("citext", "text") | ("cidr", "inet")
    ) {
        return true;
    }
    if let (Some(a), Some(b)) = (varchar_len(old), varchar_len(new)) {
        return b >= a;
    }
    // decimal(p,s) → decimal(q ≥ p, s), or to unconstrained decimal.
    if let Some((p, s)) = decimal_args(old) {
        if new == "decimal" {
            return true;
        }
        if let Some((q, t)) = decimal_args(new) {
            return q >= p && t == s;
        }
    }
    // timestamp(3) → timestamp(6) or timestamp; same for timestamptz, time, interval.
    let (ob, op) = precision_of(old);
    let (nb, np) = precision_of(new);
    if ob == nb
        && matches!(
            ob,
            "timestamp" | "timestamptz" | "time" | "timetz" | "interval"
        )
    {
        return match (op, np) {
            (Some(a), Some(b)) => b >= a,
            (_, None) => true,
            (None, Some(_)) => false,
        };
    }
    false
}

/// `decimal(10,2)` → (10, 2); `decimal(10)` → (10, 0).
fn decimal_args(ty: &str) -> Option<(u32, u32)> {
    let inner = ty.strip_prefix("decimal(")?.strip_suffix(')')?;
    let mut it = inner.split(',').map(|p| p.trim().parse::<u32>());
    let p = it.next()?.ok()?;
    let s = match it.next() {
        Some(v) => v.ok()?,
        None => 0,
    };
    Some((p, s))
}

/// `timestamp(3)` → ("timestamp", Some(3)); `time` → ("time", None).
fn precision_of(ty: &str) -> (&str, Option<u32>) {
    match ty.split_once('(') {
        Some((base, rest)) => (base, rest.trim_end_matches(')').trim().parse().ok()),
        None => (ty, None),
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
