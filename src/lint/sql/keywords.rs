//! The keyword classifier: a token-level reading of the statements the parser rejects (vendor
//! syntax, `CONVERT TO CHARACTER SET`, `DROP INDEX CONCURRENTLY`...), and of single ALTER TABLE
//! clauses. It knows the risky keywords, not the grammar, and says when it does not recognise a
//! statement rather than guessing.

use crate::lint::expr::not_null_check;
use crate::lint::op::{norm_name, IndexKind, OpKind};

/// A token: words are upper-cased (raw kept), strings unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Word { up: String, raw: String },
    Str(String),
    Punct(char),
}

impl Tok {
    fn is(&self, w: &str) -> bool {
        matches!(self, Tok::Word { up, .. } if up == w)
    }

    fn raw(&self) -> String {
        match self {
            Tok::Word { raw, .. } => raw.clone(),
            Tok::Str(s) => s.clone(),
            Tok::Punct(c) => c.to_string(),
        }
    }
}

/// Tokenises SQL; comments dropped. Never fails.
pub fn tokenize(text: &str) -> Vec<Tok> {
    let b: Vec<char> = text.chars().collect();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && b.get(i + 1) == Some(&'-') || c == '#' {
            while i < n && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < n && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || c == '"' || c == '`' {
            let mut s = String::new();
            i += 1;
            while i < n {
                if b[i] == '\\' && c == '\'' && i + 1 < n {
                    s.push(b[i + 1]);
                    i += 2;
                    continue;
                }
                if b[i] == c {
                    if b.get(i + 1) == Some(&c) {
                        s.push(c);
                        i += 2;
                        continue;
                    }
                    break;
                }
                s.push(b[i]);
                i += 1;
            }
            i += 1;
            if c == '\'' {
                out.push(Tok::Str(s));
            } else {
                out.push(Tok::Word {
                    up: s.to_uppercase(),
                    raw: s,
                });
            }
        } else if c == '$'
            && b.get(i + 1)
                .is_some_and(|c| *c == '$' || c.is_alphabetic() || *c == '_')
        {
            // Dollar-quoted body: keep it as one string.
            let mut j = i + 1;
            while j < n && b[j] != '$' {
                j += 1;
            }
            let tag: String = b[i..=j.min(n - 1)].iter().collect();
            let start = j + 1;
            let body_end = find_chars(&b, start, &tag).unwrap_or(n);
            out.push(Tok::Str(b[start.min(n)..body_end].iter().collect()));
            i = (body_end + tag.chars().count()).min(n).max(i + 1);
        } else if c.is_alphanumeric() || c == '_' || c == '@' || c == '?' {
            let s = i;
            while i < n && (b[i].is_alphanumeric() || matches!(b[i], '_' | '$' | '@' | '?')) {
                i += 1;
            }
            let raw: String = b[s..i].iter().collect();
            out.push(Tok::Word {
                up: raw.to_uppercase(),
                raw,
            });
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

fn find_chars(hay: &[char], from: usize, needle: &str) -> Option<usize> {
    let nd: Vec<char> = needle.chars().collect();
    if nd.is_empty() || from >= hay.len() {
        return None;
    }
    hay[from..]
        .windows(nd.len())
        .position(|w| w == nd.as_slice())
        .map(|p| p + from)
}

/// Statements that change no schema and destroy no data.
const HARMLESS: &[&str] = &[
    "SET",
    "USE",
    "SELECT",
    "CALL",
    "DECLARE",
    "BEGIN",
    "START",
    "COMMIT",
    "ROLLBACK",
    "END",
    "SAVEPOINT",
    "RELEASE",
    "LOCK",
    "UNLOCK",
    "GRANT",
    "REVOKE",
    "COMMENT",
    "SHOW",
    "EXPLAIN",
    "PREPARE",
    "EXECUTE",
    "DEALLOCATE",
    "WITH",
    "VALUES",
    "FLUSH",
    "ANALYZE",
    "CHECKPOINT",
    "LISTEN",
    "NOTIFY",
    "RESET",
    "DISCARD",
    "VACUUM",
    "CLUSTER",
    "REINDEX",
    "DO",
    "PERFORM",
    "RAISE",
    "RETURN",
    "IF",
    "ELSE",
    "ELSIF",
    "WHILE",
    "LOOP",
    "LEAVE",
    "ITERATE",
    "OPEN",
    "CLOSE",
    "FETCH",
    "SIGNAL",
    "RESIGNAL",
    "HANDLER",
    "SOURCE",
    "DELIMITER",
    "CHECK",
    "REFRESH",
    "SECURITY",
    "LOAD",
    "DESCRIBE",
    "DESC",
    "KILL",
    "PURGE",
    "CHANGE",
    "STOP",
    "ABORT",
];

/// Classifies a whole statement. `None` when not recognised at all.
pub fn classify(text: &str) -> Option<Vec<OpKind>> {
    let toks = tokenize(text);
    let mut c = Cur { t: &toks, i: 0 };
    let first = match c.peek() {
        Some(Tok::Word { up, .. }) => up.clone(),
        // `/*!40101 ... */` and the like: nothing left once comments go.
        None => return Some(Vec::new()),
        _ => return None,
    };
    c.i += 1;
    let ops = match first.as_str() {
        "ALTER" => {
            c.skip_words(&["ONLINE", "IGNORE"]);
            if c.eat("TYPE") {
                return Some(alter_type(&mut c));
            }
            if c.eat("SCHEMA") {
                let from = c.name();
                if c.eat("RENAME") && c.eat("TO") {
                    return Some(vec![OpKind::RenameSchema { from, to: c.name() }]);
                }
                return Some(Vec::new());
            }
            if !c.eat("TABLE") {
                // ALTER SEQUENCE / MATERIALIZED VIEW / FUNCTION …: no table data is touched.
                return Some(Vec::new());
            }
            c.skip_words(&["IF", "EXISTS", "ONLY"]);
            let table = c.name();
            c.eat("ONLY");
            let clauses = split_commas(&toks[c.i.min(toks.len())..]);
            let explicit_algorithm = clauses.iter().any(|cl| {
                cl.first()
                    .is_some_and(|t| t.is("ALGORITHM") || t.is("LOCK"))
            });
            let mut ops = vec![OpKind::AlterTable {
                table: table.clone(),
                explicit_algorithm,
            }];
            for clause in clauses {
                ops.extend(clause_ops(&table, clause));
            }
            ops
        }
        "CREATE" => create(&mut c),
        "DROP" => drop(&mut c),
        "RENAME" => {
            c.eat("TABLE");
            let mut ops = Vec::new();
            loop {
                let from = c.name();
                if !c.eat("TO") {
                    break;
                }
                let to = c.name();
                ops.push(OpKind::RenameTable { from, to });
                if !c.punct(',') {
                    break;
                }
            }
            ops
        }
        "TRUNCATE" => {
            c.eat("TABLE");
            c.eat("ONLY");
            let table = c.name();
            vec![OpKind::BulkDestroy {
                table,
                what: "TRUNCATE".into(),
                set_columns: Vec::new(),
            }]
        }
        "DELETE" => {
            c.skip_words(&["LOW_PRIORITY", "QUICK", "IGNORE", "FROM", "ONLY"]);
            let table = c.name();
            if toks.iter().any(|t| t.is("WHERE")) {
                vec![OpKind::Backfill {
                    what: "DELETE".into(),
                }]
            } else {
                vec![OpKind::BulkDestroy {
                    table,
                    what: "DELETE without WHERE".into(),
                    set_columns: Vec::new(),
                }]
            }
        }
        "UPDATE" => {
            c.skip_words(&["LOW_PRIORITY", "IGNORE", "ONLY"]);
            let table = c.name();
            if toks.iter().any(|t| t.is("WHERE")) {
                vec![OpKind::Backfill {
                    what: "UPDATE".into(),
                }]
            } else {
                // `SET a = …, b = …`: the columns before each top-level `=`.
                let mut set_columns = Vec::new();
                let mut depth = 0;
                let after_set = toks.iter().skip_while(|t| !t.is("SET")).skip(1);
                let mut prev: Option<&Tok> = None;
                for t in after_set {
                    match t {
                        Tok::Punct('(') => depth += 1,
                        Tok::Punct(')') => depth -= 1,
                        Tok::Punct('=') if depth == 0 => {
                            if let Some(Tok::Word { raw, .. }) = prev {
                                set_columns.push(norm_name(raw));
                            }
                        }
                        Tok::Word { up, .. } if depth == 0 && up == "FROM" => break,
                        _ => {}
                    }
                    prev = Some(t);
                }
                vec![OpKind::BulkDestroy {
                    table,
                    what: "UPDATE without WHERE".into(),
                    set_columns,
                }]
            }
        }
        "INSERT" | "REPLACE" | "MERGE" | "COPY" | "UPSERT" => {
            vec![OpKind::Backfill {
                what: first.clone(),
            }]
        }
        "OPTIMIZE" => {
            c.skip_words(&["NO_WRITE_TO_BINLOG", "LOCAL", "TABLE"]);
            let table = c.name();
            vec![OpKind::TableRebuild {
                table,
                what: "OPTIMIZE TABLE".into(),
            }]
        }
        // PostgreSQL maintenance that takes ACCESS EXCLUSIVE (SG410).
        "VACUUM" if toks.iter().any(|t| t.is("FULL")) => {
            let table = toks
                .last()
                .map(|t| norm_name(&t.raw()))
                .unwrap_or_else(|| "?".into());
            vec![OpKind::TableRebuild {
                table,
                what: "VACUUM FULL".into(),
            }]
        }
        "CLUSTER" => {
            c.eat("VERBOSE");
            let table = c.name();
            vec![OpKind::TableRebuild {
                table,
                what: "CLUSTER".into(),
            }]
        }
        "REINDEX" if !toks.iter().any(|t| t.is("CONCURRENTLY")) => {
            let table = toks
                .iter()
                .rev()
                .find(|t| matches!(t, Tok::Word { .. }))
                .map(|t| norm_name(&t.raw()))
                .unwrap_or_else(|| "?".into());
            vec![OpKind::TableRebuild {
                table,
                what: "REINDEX".into(),
            }]
        }
        // MySQL: foreign keys added while checks are off are added in place, unchecked.
        "SET" if toks.iter().any(|t| t.is("FOREIGN_KEY_CHECKS")) => {
            let enabled = toks
                .iter()
                .skip_while(|t| !t.is("FOREIGN_KEY_CHECKS"))
                .find_map(|t| match t {
                    Tok::Word { up, .. } if up != "FOREIGN_KEY_CHECKS" => {
                        Some(!(up == "0" || up == "OFF" || up == "FALSE"))
                    }
                    Tok::Str(s) => Some(!(s == "0" || s.eq_ignore_ascii_case("off"))),
                    _ => None,
                })
                .unwrap_or(true);
            vec![OpKind::ForeignKeyChecks { enabled }]
        }
        w if HARMLESS.contains(&w) => Vec::new(),
        _ => return None,
    };
    Some(ops)
}

/// `ALTER TYPE name …` (PostgreSQL): only `RENAME VALUE` matters to the rules.
fn alter_type(c: &mut Cur<'_>) -> Vec<OpKind> {
    let type_name = c.name();
    if !(c.eat("RENAME") && c.eat("VALUE")) {
        return Vec::new();
    }
    let from = c.literal();
    c.eat("TO");
    let to = c.literal();
    vec![OpKind::RenameEnumValue {
        type_name,
        from,
        to,
    }]
}

fn create(c: &mut Cur<'_>) -> Vec<OpKind> {
    c.skip_words(&[
        "OR",
        "REPLACE",
        "TEMPORARY",
        "TEMP",
        "UNLOGGED",
        "GLOBAL",
        "LOCAL",
    ]);
    let mut unique = false;
    let mut kind = IndexKind::Plain;
    loop {
        if c.eat("UNIQUE") {
            unique = true;
        } else if c.eat("FULLTEXT") {
            kind = IndexKind::Fulltext;
        } else if c.eat("SPATIAL") {
            kind = IndexKind::Spatial;
        } else {
            break;
        }
    }
    if c.eat("TABLE") {
        c.skip_words(&["IF", "NOT", "EXISTS"]);
        return vec![OpKind::CreateTable {
            table: c.name(),
            force: false,
        }];
    }
    if c.eat("INDEX") || c.eat("KEY") {
        let concurrently = c.eat("CONCURRENTLY");
        // Name, IF NOT EXISTS, ON [ONLY] table.
        while let Some(t) = c.peek() {
            if t.is("ON") {
                break;
            }
            c.i += 1;
        }
        if !c.eat("ON") {
            return Vec::new();
        }
        c.eat("ONLY");
        let table = c.name();
        let columns = paren_columns(&c.t[c.i.min(c.t.len())..]);
        return vec![OpKind::AddIndex {
            table,
            unique,
            concurrently,
            kind,
            columns,
        }];
    }
    Vec::new()
}

fn drop(c: &mut Cur<'_>) -> Vec<OpKind> {
    c.eat("TEMPORARY");
    if c.eat("TABLE") || c.eat("TABLES") {
        c.skip_words(&["IF", "EXISTS"]);
        let mut ops = vec![OpKind::DropTable { table: c.name() }];
        while c.punct(',') {
            ops.push(OpKind::DropTable { table: c.name() });
        }
        return ops;
    }
    for what in ["SCHEMA", "DATABASE"] {
        if c.eat(what) {
            c.skip_words(&["IF", "EXISTS"]);
            return vec![OpKind::DropSchema {
                what: format!("{} `{}`", what.to_lowercase(), c.name()),
            }];
        }
    }
    if c.eat("INDEX") {
        let concurrently = c.eat("CONCURRENTLY");
        c.skip_words(&["IF", "EXISTS"]);
        let _ = c.name();
        let table = if c.eat("ON") { c.name() } else { "?".into() };
        return vec![OpKind::DropIndex {
            table,
            concurrently,
        }];
    }
    Vec::new()
}

/// Ops of one ALTER TABLE clause (`ADD COLUMN …`, `DROP PRIMARY KEY`, `ALGORITHM=COPY`…).
pub fn clause_ops(table: &str, clause: &[Tok]) -> Vec<OpKind> {
    let table = table.to_string();
    let mut c = Cur { t: clause, i: 0 };
    let has = |w: &str| clause.iter().any(|t| t.is(w));
    let has_seq = |a: &str, b: &str| clause.windows(2).any(|p| p[0].is(a) && p[1].is(b));
    let Some(Tok::Word { up, .. }) = c.peek().cloned() else {
        return Vec::new();
    };
    c.i += 1;
    match up.as_str() {
        "ADD" => {
            let column_kw = c.eat("COLUMN");
            c.skip_words(&["IF", "NOT", "EXISTS"]);
            let named_constraint = c.eat("CONSTRAINT");
            if named_constraint
                && !c.peek().is_some_and(|t| {
                    t.is("CHECK") || t.is("FOREIGN") || t.is("PRIMARY") || t.is("UNIQUE")
                })
            {
                c.i += 1;
            }
            let name_of_constraint = if named_constraint {
                clause.get(2).map(|t| norm_name(&t.raw()))
            } else {
                None
            };
            let not_valid = has_seq("NOT", "VALID");
            if !column_kw {
                if c.eat("PRIMARY") {
                    return vec![OpKind::AddPrimaryKey {
                        table,
                        using_index: has_seq("USING", "INDEX"),
                    }];
                }
                if c.eat("FOREIGN") {
                    return vec![OpKind::AddForeignKey {
                        table,
                        not_valid,
                        name: name_of_constraint,
                    }];
                }
                if c.eat("CHECK") {
                    let expr: Vec<String> = clause[c.i..].iter().map(Tok::raw).collect();
                    return vec![OpKind::AddCheck {
                        table,
                        name: name_of_constraint,
                        not_valid,
                        not_null_column: not_null_check(
                            &expr
                                .join(" ")
                                .replace("NOT VALID", "")
                                .replace("not valid", ""),
                        ),
                    }];
                }
                if c.eat("FULLTEXT") {
                    return vec![OpKind::AddIndex {
                        table,
                        unique: false,
                        concurrently: false,
                        kind: IndexKind::Fulltext,
                        columns: paren_columns(clause),
                    }];
                }
                if c.eat("SPATIAL") {
                    return vec![OpKind::AddIndex {
                        table,
                        unique: false,
                        concurrently: false,
                        kind: IndexKind::Spatial,
                        columns: paren_columns(clause),
                    }];
                }
                if has_seq("USING", "INDEX") && !has("PRIMARY") {
                    // Attaching an index built CONCURRENTLY beforehand: nothing is built here.
                    return Vec::new();
                }
                if c.eat("UNIQUE") || c.peek().is_some_and(|t| t.is("INDEX") || t.is("KEY")) {
                    let unique = clause.iter().any(|t| t.is("UNIQUE"));
                    return vec![OpKind::AddIndex {
                        table,
                        unique,
                        concurrently: false,
                        kind: IndexKind::Plain,
                        columns: paren_columns(clause),
                    }];
                }
                if c.eat("EXCLUDE") {
                    // Builds its index under ACCESS EXCLUSIVE (SG410).
                    return vec![OpKind::TableRebuild {
                        table,
                        what: "ADD EXCLUDE".into(),
                    }];
                }
                if c.eat("PARTITION") {
                    return Vec::new();
                }
            }
            let column = c.name();
            let rest = &clause[c.i.min(clause.len())..];
            let ty = rest
                .first()
                .map(|t| t.raw().to_ascii_lowercase())
                .unwrap_or_default();
            let serial = ty.ends_with("serial");
            let default = rest
                .iter()
                .position(|t| t.is("DEFAULT"))
                .map(|p| {
                    rest[p + 1..]
                        .iter()
                        .take_while(|t| !is_column_keyword(t))
                        .map(Tok::raw)
                        .collect::<Vec<_>>()
                        .join("")
                })
                .or_else(|| serial.then(|| "nextval(serial)".to_string()));
            // An identity column is filled from its sequence, row by row, like a serial.
            let default = default.or_else(|| has("IDENTITY").then(|| "nextval(identity)".into()));
            let mut ops = vec![OpKind::AddColumn {
                table: table.clone(),
                column: column.clone(),
                not_null: has_seq("NOT", "NULL") || has_seq("PRIMARY", "KEY"),
                default,
                auto_increment: has("AUTO_INCREMENT"),
                stored_generated: has("STORED") && (has("AS") || has("GENERATED")),
                positioned: has("FIRST") || has("AFTER"),
                ty: type_text(rest),
            }];
            // Inline constraints build or check as their ALTER TABLE … ADD forms do.
            if has("REFERENCES") {
                ops.push(OpKind::AddForeignKey {
                    table: table.clone(),
                    not_valid: false,
                    name: Some(INLINE_FK.into()),
                });
            }
            if has_seq("PRIMARY", "KEY") {
                ops.push(OpKind::AddPrimaryKey {
                    table: table.clone(),
                    using_index: false,
                });
            } else if has("UNIQUE") {
                ops.push(OpKind::AddIndex {
                    table: table.clone(),
                    unique: true,
                    concurrently: false,
                    kind: IndexKind::Plain,
                    columns: vec![column.clone()],
                });
            }
            if let Some(p) = rest.iter().position(|t| t.is("CHECK")) {
                let expr: Vec<String> = rest[p + 1..].iter().map(Tok::raw).collect();
                ops.push(OpKind::AddCheck {
                    table,
                    name: None,
                    not_valid: false,
                    not_null_column: not_null_check(&expr.join(" ")),
                });
            }
            ops
        }
        "DROP" => {
            if c.eat("PRIMARY") {
                return vec![OpKind::DropPrimaryKey { table }];
            }
            if c.eat("FOREIGN") {
                return vec![OpKind::DropConstraint {
                    table,
                    what: "a foreign key".into(),
                }];
            }
            if c.eat("CONSTRAINT") || c.eat("CHECK") {
                return vec![OpKind::DropConstraint {
                    table,
                    what: "a constraint".into(),
                }];
            }
            if c.eat("INDEX") || c.eat("KEY") {
                return vec![OpKind::DropIndex {
                    table,
                    concurrently: false,
                }];
            }
            if c.eat("PARTITION") || c.eat("DEFAULT") {
                return Vec::new();
            }
            c.eat("COLUMN");
            c.skip_words(&["IF", "EXISTS"]);
            vec![OpKind::DropColumn {
                table,
                column: c.name(),
            }]
        }
        "MODIFY" => {
            c.eat("COLUMN");
            let column = c.name();
            let ty = type_text(&clause[c.i.min(clause.len())..]);
            vec![OpKind::ChangeColumn {
                table,
                column,
                ty,
                not_null: Some(has_seq("NOT", "NULL")),
            }]
        }
        "CHANGE" => {
            c.eat("COLUMN");
            let old = c.name();
            let new = c.name();
            let ty = type_text(&clause[c.i.min(clause.len())..]);
            let mut ops = Vec::new();
            if old != new {
                ops.push(OpKind::RenameColumn {
                    table: table.clone(),
                    from: old.clone(),
                    to: new,
                });
            }
            ops.push(OpKind::ChangeColumn {
                table,
                column: old,
                ty,
                not_null: Some(has_seq("NOT", "NULL")),
            });
            ops
        }
        "RENAME" => {
            if c.eat("COLUMN") {
                let from = c.name();
                c.eat("TO");
                return vec![OpKind::RenameColumn {
                    table,
                    from,
                    to: c.name(),
                }];
            }
            if c.eat("INDEX") || c.eat("KEY") || c.eat("CONSTRAINT") {
                return Vec::new();
            }
            if c.eat("TO") || c.eat("AS") || c.peek().is_some() {
                let to = c.name();
                // PostgreSQL `RENAME col TO new` (COLUMN is optional).
                if c.eat("TO") {
                    return vec![OpKind::RenameColumn {
                        table,
                        from: to,
                        to: c.name(),
                    }];
                }
                return vec![OpKind::RenameTable { from: table, to }];
            }
            Vec::new()
        }
        "ALTER" => {
            c.eat("COLUMN");
            let column = c.name();
            if has_seq("SET", "NOT") {
                vec![OpKind::SetNotNull { table, column }]
            } else if has_seq("DROP", "NOT") {
                vec![OpKind::LoosenColumn {
                    table,
                    column,
                    what: "DROP NOT NULL".into(),
                    sets_default: false,
                    from_none: false,
                }]
            } else if has("DEFAULT") {
                let dropped = has("DROP");
                let what = if dropped {
                    "DROP DEFAULT"
                } else {
                    "SET DEFAULT"
                };
                vec![OpKind::LoosenColumn {
                    table,
                    column,
                    what: what.into(),
                    sets_default: !dropped && !has_seq("DEFAULT", "NULL"),
                    from_none: false,
                }]
            } else if let Some(p) = clause.iter().position(|t| t.is("TYPE")) {
                let ty = type_text(&clause[p + 1..]);
                vec![OpKind::ChangeColumn {
                    table,
                    column,
                    ty,
                    not_null: None,
                }]
            } else {
                Vec::new()
            }
        }
        "CONVERT" => vec![OpKind::ConvertCharset { table }],
        // PostgreSQL: SET LOGGED/UNLOGGED and SET TABLESPACE rewrite the table under ACCESS
        // EXCLUSIVE; other SET clauses (storage parameters, schema) do not.
        "SET" if has("LOGGED") || has("UNLOGGED") || has("TABLESPACE") => {
            let what = clause
                .iter()
                .take(2)
                .map(Tok::raw)
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase();
            vec![OpKind::TableRebuild { table, what }]
        }
        "DEFAULT" | "CHARACTER" | "CHARSET" | "COLLATE" => vec![OpKind::TableCharset { table }],
        "ALGORITHM" => {
            if has("COPY") {
                vec![OpKind::ForcedLock {
                    table,
                    what: "ALGORITHM=COPY".into(),
                }]
            } else {
                Vec::new()
            }
        }
        "LOCK" => {
            let what = clause
                .iter()
                .find(|t| t.is("SHARED") || t.is("EXCLUSIVE"))
                .map(Tok::raw);
            what.map(|w| {
                vec![OpKind::ForcedLock {
                    table,
                    what: format!("LOCK={}", w.to_uppercase()),
                }]
            })
            .unwrap_or_default()
        }
        "ENGINE" | "FORCE" | "ROW_FORMAT" | "KEY_BLOCK_SIZE" | "PARTITION" | "REMOVE"
        | "COALESCE" | "REORGANIZE" => {
            vec![OpKind::TableRebuild {
                table,
                what: up.clone(),
            }]
        }
        "VALIDATE" => {
            c.eat("CONSTRAINT");
            vec![OpKind::ValidateConstraint {
                table,
                name: c.name(),
            }]
        }
        _ => Vec::new(),
    }
}

/// The name [`clause_ops`] gives an inline `REFERENCES` foreign key, which MySQL ignores.
pub const INLINE_FK: &str = "<inline>";

/// Plain column names in the first parenthesised list of `toks` (`(a, b DESC)` → a, b);
/// expressions are left out.
fn paren_columns(toks: &[Tok]) -> Vec<String> {
    let Some(open) = toks.iter().position(|t| *t == Tok::Punct('(')) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut depth = 0;
    let mut part: Vec<&Tok> = Vec::new();
    for t in &toks[open + 1..] {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') if depth == 0 => break,
            Tok::Punct(')') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                if let Some(Tok::Word { raw, .. }) = part.first() {
                    if part.len() <= 2 {
                        out.push(norm_name(raw));
                    }
                }
                part.clear();
                continue;
            }
            _ => {}
        }
        part.push(t);
    }
    if let Some(Tok::Word { raw, .. }) = part.first() {
        if part.len() <= 2 {
            out.push(norm_name(raw));
        }
    }
    out
}

/// Words that end a column type / default expression.
fn is_column_keyword(t: &Tok) -> bool {
    matches!(t, Tok::Word { up, .. } if matches!(up.as_str(),
        "NOT" | "NULL" | "DEFAULT" | "PRIMARY" | "UNIQUE" | "REFERENCES" | "CHECK" | "COLLATE"
        | "CHARACTER" | "CHARSET" | "COMMENT" | "AFTER" | "FIRST" | "AUTO_INCREMENT" | "GENERATED"
        | "AS" | "ON" | "CONSTRAINT" | "USING" | "STORED" | "VIRTUAL" | "INVISIBLE" | "VISIBLE"))
}

/// The type written at the start of `rest`: `varchar ( 255 )` → `varchar(255)`.
fn type_text(rest: &[Tok]) -> Option<String> {
    let s: String = rest
        .iter()
        .take_while(|t| !is_column_keyword(t))
        .map(|t| match t {
            Tok::Word { raw, .. } => format!("{raw} "),
            other => other.raw(),
        })
        .collect();
    let s = s
        .trim()
        .replace(" (", "(")
        .replace(" )", ")")
        .replace(" ,", ",");
    (!s.is_empty()).then(|| s.to_ascii_lowercase())
}

/// Splits ALTER TABLE clauses at top-level commas.
fn split_commas(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Punct(',') if depth <= 0 => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out.into_iter().filter(|c| !c.is_empty()).collect()
}

struct Cur<'a> {
    t: &'a [Tok],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }

    fn eat(&mut self, w: &str) -> bool {
        if self.peek().is_some_and(|t| t.is(w)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn punct(&mut self, p: char) -> bool {
        if self.peek() == Some(&Tok::Punct(p)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn skip_words(&mut self, ws: &[&str]) {
        while self.peek().is_some_and(|t| ws.iter().any(|w| t.is(w))) {
            self.i += 1;
        }
    }

    /// A string literal or word as written; `?` when missing.
    fn literal(&mut self) -> String {
        match self.peek() {
            Some(Tok::Str(s)) | Some(Tok::Word { raw: s, .. }) => {
                let s = s.clone();
                self.i += 1;
                s
            }
            _ => "?".into(),
        }
    }

    /// A possibly qualified name (`schema.table`), normalised; `?` when missing.
    fn name(&mut self) -> String {
        let mut last = None;
        while let Some(t) = self.peek() {
            match t {
                Tok::Word { raw, .. } | Tok::Str(raw) => {
                    last = Some(raw.clone());
                    self.i += 1;
                    if !self.punct('.') {
                        break;
                    }
                }
                _ => break,
            }
        }
        last.map(|n| norm_name(&n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "?".into())
    }
}

/// SQL hidden in a statement's string literals: each literal that is SQL by itself, else the
/// literals joined with `?` where run-time values go, which is what
/// `CONCAT('ALTER TABLE ', @t, ' DROP COLUMN x')` or `format('… %I …', t)` builds.
pub fn string_sqls(text: &str) -> Vec<String> {
    let toks = tokenize(text);
    let is_sql = |s: &str| {
        let first = s
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        matches!(
            first.as_str(),
            "ALTER" | "DROP" | "CREATE" | "RENAME" | "TRUNCATE" | "DELETE" | "UPDATE"
        )
    };
    let clean = |s: &str| s.replace("%I", "?").replace("%s", "?").replace("%L", "?");
    let own: Vec<String> = toks
        .iter()
        .filter_map(|t| match t {
            // A bare `ALTER TABLE ` fragment says nothing by itself: it needs a clause.
            Tok::Str(s)
                if is_sql(s)
                    && classify(s).is_some_and(|k| {
                        k.iter().any(|o| !matches!(o, OpKind::AlterTable { .. }))
                    }) =>
            {
                Some(clean(s))
            }
            _ => None,
        })
        .collect();
    if !own.is_empty() {
        return own;
    }
    let mut parts = Vec::new();
    let mut prev_str = false;
    for t in &toks {
        match t {
            Tok::Str(s) => {
                parts.push(clean(s));
                prev_str = true;
            }
            _ if prev_str => {
                parts.push(" ? ".into());
                prev_str = false;
            }
            _ => {}
        }
    }
    let joined = parts.join("");
    if is_sql(&joined) {
        vec![joined]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_alter_clauses() {
        let ops = classify(
            "ALTER TABLE `posts` CONVERT TO CHARACTER SET utf8mb4, DROP KEY idx, ENGINE=InnoDB",
        )
        .unwrap_or_default();
        assert!(matches!(
            ops[0],
            OpKind::AlterTable {
                explicit_algorithm: false,
                ..
            }
        ));
        assert!(matches!(ops[1], OpKind::ConvertCharset { .. }));
        assert!(matches!(ops[2], OpKind::DropIndex { .. }));
        assert!(matches!(ops[3], OpKind::TableRebuild { .. }));
        assert!(classify("FROBNICATE x").is_none());
    }

    #[test]
    fn strings_build_sql() {
        let s = string_sqls("SET @s = CONCAT('ALTER TABLE ', @t, ' DROP COLUMN legacy')")
            .pop()
            .unwrap_or_default();
        let ops = classify(&s).unwrap_or_default();
        assert_eq!(
            ops,
            vec![
                OpKind::AlterTable {
                    table: "?".into(),
                    explicit_algorithm: false
                },
                OpKind::DropColumn {
                    table: "?".into(),
                    column: "legacy".into()
                }
            ]
        );
        assert!(string_sqls("SET @x = 'hello'").is_empty());
        let two = string_sqls("SET @s = (SELECT IF(n > 0, 'ALTER TABLE task DROP COLUMN j', 'SELECT 1') FROM t WHERE x = 'task')");
        assert_eq!(two, vec!["ALTER TABLE task DROP COLUMN j".to_string()]);
    }
}
