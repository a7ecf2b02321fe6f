//! Django (`migrations/*.py`) and Alembic (`versions/*.py`) migrations: a small scanner for the
//! operations that map directly onto ops. Python is not parsed; calls are found by name and their
//! arguments read with quote- and bracket-aware splitting.

use super::op::{norm_name, IndexKind, Op, OpKind};
use super::sql;
use crate::model::Dialect;

const DJANGO: &[&str] = &[
    "RemoveField",
    "AlterField",
    "RenameField",
    "DeleteModel",
    "RenameModel",
    "AddField",
    "CreateModel",
    "RunSQL",
];

const ALEMBIC: &[&str] = &[
    "op.drop_column",
    "op.alter_column",
    "op.drop_table",
    "op.rename_table",
    "op.add_column",
    "op.create_table",
    "op.create_index",
    "op.drop_index",
    "op.create_foreign_key",
    "op.execute",
];

/// Arguments of a call: positional values and `key=value` pairs, as source text.
struct Args {
    pos: Vec<String>,
    kw: Vec<(String, String)>,
    /// Byte offset (in the file) of each positional argument.
    pos_at: Vec<usize>,
}

impl Args {
    fn get(&self, key: &str) -> Option<&str> {
        self.kw
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Positional `i`, or keyword `key`, as a string literal's value; `?` when not a literal.
    fn name(&self, i: usize, key: &str) -> String {
        self.get(key)
            .or_else(|| self.pos.get(i).map(String::as_str))
            .and_then(unquote)
            .map(|s| norm_name(&s))
            .unwrap_or_else(|| "?".into())
    }
}

fn unquote(v: &str) -> Option<String> {
    let v = v.trim();
    // f-strings are built at run time.
    if v.starts_with(['f', 'F']) {
        return None;
    }
    let v = v.trim_start_matches(['r', 'b', 'u', 'R', 'B', 'U']);
    for q in ["\"\"\"", "'''", "\"", "'"] {
        if v.len() >= 2 * q.len() && v.starts_with(q) && v.ends_with(q) {
            return Some(v[q.len()..v.len() - q.len()].to_string());
        }
    }
    None
}

/// Reads `(…)` starting at `open` (the paren). Returns the args and the end offset.
fn read_args(src: &str, open: usize) -> Option<(Args, usize)> {
    let b = src.as_bytes();
    let mut depth = 0i32;
    let mut i = open;
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut start = open + 1;
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' | b'\'' => {
                let triple = b.len() >= i + 3 && b[i + 1] == c && b[i + 2] == c;
                let q: &[u8] = if triple { &b[i..i + 3] } else { &b[i..i + 1] };
                let mut j = i + q.len();
                while j < b.len() && !b[j..].starts_with(q) {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                i = j + q.len();
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    parts.push((start, i));
                    break;
                }
            }
            b',' if depth == 1 => {
                parts.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return None;
    }
    let mut args = Args {
        pos: Vec::new(),
        kw: Vec::new(),
        pos_at: Vec::new(),
    };
    for (s, e) in parts {
        let raw = src.get(s..e)?;
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        let eq = t.find('=').filter(|&p| {
            let key = &t[..p];
            !key.is_empty()
                && key.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !t[p + 1..].starts_with('=')
        });
        match eq {
            Some(p) => args
                .kw
                .push((t[..p].to_string(), t[p + 1..].trim().to_string())),
            None => {
                args.pos_at.push(s + (raw.len() - raw.trim_start().len()));
                args.pos.push(t.to_string());
            }
        }
    }
    Some((args, i))
}

/// Line ranges (1-based, inclusive) of `def downgrade` bodies: not checked.
fn downgrade_ranges(src: &str) -> Vec<(u32, u32)> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with("def downgrade") {
            let start = i;
            i += 1;
            while i < lines.len()
                && (lines[i].trim().is_empty() || lines[i].starts_with([' ', '\t', '#']))
            {
                i += 1;
            }
            out.push((start as u32 + 1, i as u32));
            continue;
        }
        i += 1;
    }
    out
}

/// Lowers a Django or Alembic migration.
pub fn lower(src: &str, dialect: Dialect, alembic: bool, next_group: &mut usize) -> Vec<Op> {
    let names = if alembic { ALEMBIC } else { DJANGO };
    let skip = downgrade_ranges(src);
    let line_at = |off: usize| src[..off.min(src.len())].matches('\n').count() as u32 + 1;
    let mut ops = Vec::new();
    for name in names {
        for (pos, _) in src.match_indices(name) {
            let before = src[..pos].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let after = pos + name.len();
            if src.as_bytes().get(after) != Some(&b'(') {
                continue;
            }
            let line = line_at(pos);
            if skip.iter().any(|(s, e)| (*s..=*e).contains(&line)) {
                continue;
            }
            let Some((a, end)) = read_args(src, after) else {
                continue;
            };
            let end_line = line_at(end);
            let short = name.trim_start_matches("op.");
            let kinds = if alembic {
                alembic_op(short, &a)
            } else {
                django_op(short, &a)
            };
            let kinds = match kinds {
                Some(k) => k,
                None => {
                    // op.execute / RunSQL: literal SQL is linted as SQL.
                    let first = a
                        .pos
                        .first()
                        .cloned()
                        .or_else(|| a.get("sql").or(a.get("sqltext")).map(str::to_string))
                        .unwrap_or_default();
                    match unquote(&first) {
                        Some(sql_text) => {
                            let at = a.pos_at.first().copied().unwrap_or(pos);
                            let mut inner = sql::lower(&sql_text, dialect, line_at(at), next_group);
                            ops.append(&mut inner);
                            continue;
                        }
                        None if !first.is_empty() => vec![OpKind::OpaqueExecute {
                            why: "the SQL is not a literal string".into(),
                        }],
                        None => Vec::new(),
                    }
                }
            };
            for k in kinds {
                let mut op = Op::new(k, line);
                op.end_line = end_line.max(line);
                ops.push(op);
            }
        }
    }
    ops.sort_by_key(|o| o.line);
    ops
}

/// `None` for calls carrying SQL (handled by the caller).
fn django_op(name: &str, a: &Args) -> Option<Vec<OpKind>> {
    let model = || a.name(0, "model_name");
    Some(match name {
        "RemoveField" => vec![OpKind::DropColumn {
            table: model(),
            column: a.name(1, "name"),
        }],
        "AlterField" => vec![OpKind::ChangeColumn {
            table: model(),
            column: a.name(1, "name"),
            ty: None,
            not_null: None,
        }],
        "RenameField" => vec![OpKind::RenameColumn {
            table: model(),
            from: a.name(1, "old_name"),
            to: a.name(2, "new_name"),
        }],
        "DeleteModel" => vec![OpKind::DropTable {
            table: a.name(0, "name"),
        }],
        "RenameModel" => vec![OpKind::RenameTable {
            from: a.name(0, "old_name"),
            to: a.name(1, "new_name"),
        }],
        "CreateModel" => vec![OpKind::CreateTable {
            table: a.name(0, "name"),
            force: false,
        }],
        "AddField" => {
            let field = a
                .get("field")
                .or(a.pos.get(2).map(String::as_str))
                .unwrap_or("");
            let compact = field.replace(' ', "");
            vec![OpKind::AddColumn {
                table: model(),
                column: a.name(1, "name"),
                not_null: !compact.contains("null=True") && !compact.contains("ManyToMany"),
                default: compact.contains("default=").then(|| "default".to_string()),
                auto_increment: compact.contains("AutoField"),
                stored_generated: false,
                positioned: false,
                ty: None,
            }]
        }
        _ => return None,
    })
}

fn alembic_op(name: &str, a: &Args) -> Option<Vec<OpKind>> {
    let table = || a.name(0, "table_name");
    Some(match name {
        "drop_column" => vec![OpKind::DropColumn {
            table: table(),
            column: a.name(1, "column_name"),
        }],
        "drop_table" => vec![OpKind::DropTable { table: table() }],
        "rename_table" => vec![OpKind::RenameTable {
            from: a.name(0, "old_table_name"),
            to: a.name(1, "new_table_name"),
        }],
        "create_table" => vec![OpKind::CreateTable {
            table: table(),
            force: false,
        }],
        "add_column" => {
            let col = a
                .pos
                .get(1)
                .cloned()
                .or_else(|| a.get("column").map(str::to_string))
                .unwrap_or_default();
            let inner = col
                .find('(')
                .and_then(|p| read_args(&col, p))
                .map(|(x, _)| x);
            let column = inner
                .as_ref()
                .map_or("?".to_string(), |x| x.name(0, "name"));
            let compact = col.replace(' ', "");
            let default = inner
                .as_ref()
                .and_then(|x| x.get("server_default").map(str::to_string));
            vec![OpKind::AddColumn {
                table: table(),
                column,
                not_null: compact.contains("nullable=False")
                    || compact.contains("primary_key=True"),
                default,
                auto_increment: compact.contains("autoincrement=True"),
                stored_generated: compact.contains("persisted=True"),
                positioned: false,
                ty: None,
            }]
        }
        "alter_column" => {
            let (t, column) = (table(), a.name(1, "column_name"));
            let mut v = Vec::new();
            if let Some(to) = a.get("new_column_name").and_then(unquote) {
                v.push(OpKind::RenameColumn {
                    table: t.clone(),
                    from: column.clone(),
                    to: norm_name(&to),
                });
            }
            if let Some(ty) = a.get("type_") {
                let ty = ty
                    .trim_start_matches("sa.")
                    .trim_start_matches("postgresql.")
                    .to_ascii_lowercase();
                let ty = ty.replace("string(", "varchar(").replace("()", "");
                v.push(OpKind::ChangeColumn {
                    table: t.clone(),
                    column: column.clone(),
                    ty: Some(ty),
                    not_null: None,
                });
            }
            match a.get("nullable") {
                Some("False") => v.push(OpKind::SetNotNull {
                    table: t.clone(),
                    column: column.clone(),
                }),
                Some("True") => v.push(OpKind::LoosenColumn {
                    table: t.clone(),
                    column: column.clone(),
                    what: "nullable=True".into(),
                    sets_default: false,
                    from_none: false,
                }),
                _ => {}
            }
            if a.get("server_default").is_some() {
                v.push(OpKind::LoosenColumn {
                    table: t,
                    column,
                    what: "server_default".into(),
                    sets_default: a.get("server_default") != Some("None"),
                    from_none: false,
                });
            }
            v
        }
        "create_index" => vec![OpKind::AddIndex {
            table: a.name(1, "table_name"),
            unique: a.get("unique") == Some("True"),
            concurrently: a.get("postgresql_concurrently") == Some("True"),
            kind: IndexKind::Plain,
            columns: Vec::new(),
        }],
        "drop_index" => vec![OpKind::DropIndex {
            table: a.name(1, "table_name"),
            concurrently: a.get("postgresql_concurrently") == Some("True"),
        }],
        "create_foreign_key" => vec![OpKind::AddForeignKey {
            table: a.name(1, "source_table"),
            not_valid: false,
            name: None,
        }],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alembic_ops_skip_downgrade() {
        let src = "def upgrade():\n    op.drop_column('users', 'email')\n    op.alter_column(\n        'users', 'name',\n        nullable=False,\n    )\n\n\ndef downgrade():\n    op.drop_table('users')\n";
        let mut g = 0;
        let ops = lower(src, Dialect::Postgres, true, &mut g);
        let kinds: Vec<&OpKind> = ops.iter().map(|o| &o.kind).collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert_eq!(ops[1].line, 3);
    }

    #[test]
    fn django_ops() {
        let src = "class Migration(migrations.Migration):\n    operations = [\n        migrations.RemoveField(\n            model_name='user',\n            name='email',\n        ),\n        migrations.RunSQL(\"DROP TABLE legacy\"),\n        migrations.RunSQL(sql=\"TRUNCATE cache\", reverse_sql=\"\"),\n    ]\n";
        let mut g = 0;
        let ops = lower(src, Dialect::Mysql, false, &mut g);
        assert!(ops.iter().any(|o| o.kind
            == OpKind::DropColumn {
                table: "user".into(),
                column: "email".into()
            }
            && o.line == 3));
        assert!(ops
            .iter()
            .any(|o| matches!(o.kind, OpKind::DropTable { .. }) && o.line == 7));
        assert!(ops
            .iter()
            .any(|o| matches!(o.kind, OpKind::BulkDestroy { .. }) && o.line == 8));
    }
}
