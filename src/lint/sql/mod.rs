//! Raw SQL migrations: split into statements, parse each with sqlparser in the configured dialect,
//! fall back to the keyword classifier for what it rejects, and dig into dynamic SQL (strings run
//! by PREPARE/EXECUTE, stored procedure and DO bodies).

mod ast;
pub mod keywords;
pub mod split;

pub use split::split;

use sqlparser::ast::Statement;
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect};
use sqlparser::parser::{Parser, ParserError};

use super::op::{self, Op, OpKind};
use crate::model::Dialect;

/// How deep dynamic SQL nests (a string inside a procedure inside a DO block…) before we stop.
const MAX_DEPTH: u32 = 3;
/// Far below the default stack's limit, so hostile nesting returns an error instead.
const RECURSION_LIMIT: usize = 48;

struct State {
    in_tx: bool,
    /// Id of the current (or last) explicit transaction; ops in one share it.
    tx: u32,
    /// A string holding DDL was reported; a later `PREPARE … FROM @var` runs it.
    string_ddl_seen: bool,
}

/// Lowers SQL text to ops. `first_line` is the file line of the text's first line (1 for a
/// `.sql` file, the heredoc's first line for Rails `execute`).
pub fn lower(text: &str, dialect: Dialect, first_line: u32, next_group: &mut usize) -> Vec<Op> {
    let mut st = State {
        in_tx: false,
        tx: 0,
        string_ddl_seen: false,
    };
    let mut out = Vec::new();
    let start = Pos {
        line: first_line,
        col: Some(1),
    };
    lower_in(text, dialect, start, next_group, None, &mut st, 0, &mut out);
    out
}

fn parse(text: &str, dialect: Dialect) -> Result<Vec<Statement>, ParserError> {
    // sqlparser does not panic on bad input as far as we know; the guard keeps a future bug in
    // it from taking the whole gate down.
    std::panic::catch_unwind(|| match dialect {
        Dialect::Mysql => Parser::new(&MySqlDialect {})
            .with_recursion_limit(RECURSION_LIMIT)
            .try_with_sql(text)?
            .parse_statements(),
        Dialect::Postgres => Parser::new(&PostgreSqlDialect {})
            .with_recursion_limit(RECURSION_LIMIT)
            .try_with_sql(text)?
            .parse_statements(),
    })
    .unwrap_or_else(|_| Err(ParserError::ParserError("parser panicked".into())))
}

/// Statements longer than this are not given to sqlparser, whose tokens and AST take about a
/// hundred times the statement's size (a 7.7 MB INSERT took 838 MiB): data statements are
/// classified by their first words, anything else is reported unparsed.
const MAX_PARSED_STATEMENT: usize = 256 * 1024;

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn prefix_str(text: &str, max: usize) -> &str {
    prefix(text, max)
}

fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// True when `word` (upper-case ASCII) appears in `text` as a whole word, outside quotes;
/// a scan without allocation, for statements too large to tokenize.
fn has_word(text: &str, word: &str) -> bool {
    let b = text.as_bytes();
    let w = word.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'\'' || c == b'"' || c == b'`' => quote = Some(c),
            None if (i == 0 || !is_word(b[i - 1]))
                && b.len() >= i + w.len()
                && b[i..i + w.len()].eq_ignore_ascii_case(w)
                && b.get(i + w.len()).is_none_or(|&n| !is_word(n)) =>
            {
                return true
            }
            None => {}
        }
        i += 1;
    }
    false
}

/// PostgreSQL statements sqlparser rejects that the keyword classifier reads completely, so a
/// parse failure says nothing the classifier did not understand (no SG901).
fn fully_classified(words: &[String]) -> bool {
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    matches!(
        (w(0), w(1)),
        ("REINDEX", _)
            | ("VACUUM", _)
            | ("CLUSTER", _)
            | ("LOCK", _)
            | ("DROP", "INDEX")
            | ("ALTER", "SEQUENCE" | "MATERIALIZED" | "SCHEMA" | "TYPE")
            | ("REFRESH", "MATERIALIZED")
    ) || (w(0) == "ALTER"
        && w(1) == "TABLE"
        && words
            .iter()
            .any(|x| matches!(x.as_str(), "LOGGED" | "UNLOGGED" | "USING" | "TABLESPACE")))
}

/// The first few words of a statement, upper-cased.
fn lead_words(text: &str, n: usize) -> Vec<String> {
    keywords::tokenize(prefix(text, 400))
        .into_iter()
        .filter_map(|t| match t {
            keywords::Tok::Word { up, .. } => Some(up),
            _ => None,
        })
        .take(n)
        .collect()
}

fn summary(text: &str) -> String {
    let one: String = prefix(text, 1024)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one.chars().count() > 60 {
        format!("{}…", one.chars().take(60).collect::<String>())
    } else {
        one
    }
}

/// The line, inside a multi-line statement, where `needle` first appears as a word after the
/// statement's first line; so a clause is reported on its own line.
fn line_of(text: &str, needle: &str) -> Option<u32> {
    if needle.is_empty() || needle == "?" {
        return None;
    }
    text.lines().enumerate().skip(1).find_map(|(i, l)| {
        let l = l.to_ascii_lowercase();
        l.match_indices(needle)
            .any(|(p, _)| {
                let before = l[..p].chars().next_back();
                let after = l[p + needle.len()..].chars().next();
                let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !word(before) && !word(after)
            })
            .then_some(i as u32)
    })
}

fn column_of(kind: &OpKind) -> Option<&str> {
    match kind {
        OpKind::AddColumn { column, .. }
        | OpKind::DropColumn { column, .. }
        | OpKind::ChangeColumn { column, .. }
        | OpKind::SetNotNull { column, .. }
        | OpKind::LoosenColumn { column, .. } => Some(column),
        OpKind::RenameColumn { from, .. } => Some(from),
        _ => None,
    }
}

/// Byte offset of the body of a routine: after its first `BEGIN` word.
fn body_after_begin(text: &str) -> Option<usize> {
    let up = text.to_ascii_uppercase();
    up.match_indices("BEGIN").find_map(|(p, _)| {
        let before = up[..p].chars().next_back();
        let after = up[p + 5..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        (!word(before) && !word(after)).then_some(p + 5)
    })
}

/// Byte range of the first dollar-quoted body (`$$ … $$`, `$tag$ … $tag$`).
fn dollar_body(text: &str) -> Option<(usize, usize)> {
    let start = text.find('$')?;
    let tag_end = start + 1 + text[start + 1..].find('$')?;
    let tag = &text[start..=tag_end];
    if !tag[1..tag.len() - 1]
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    let body_start = tag_end + 1;
    let body_end = body_start + text[body_start..].find(tag)?;
    Some((body_start, body_end))
}

/// Words that open control flow in routine bodies (`IF … THEN ALTER …`).
const CONTROL: &[&str] = &[
    "IF", "ELSEIF", "ELSIF", "ELSE", "WHILE", "LOOP", "REPEAT", "WHEN", "CASE",
];
/// Words after which a statement of the body starts.
const OPENERS: &[&str] = &["THEN", "DO", "ELSE", "LOOP", "REPEAT", "BEGIN"];
const STATEMENT: &[&str] = &[
    "ALTER", "DROP", "CREATE", "RENAME", "TRUNCATE", "UPDATE", "DELETE", "INSERT", "EXECUTE",
    "PREPARE", "SET", "OPTIMIZE",
];

/// In a routine body, `IF cond THEN ALTER TABLE …` carries a statement after its control
/// header: the byte offset where that statement starts.
fn after_control(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut words: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' || c == b'"' || c == b'`' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') || c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            words.push((s, text[s..i].to_ascii_uppercase()));
        } else {
            i += 1;
        }
    }
    if !words
        .first()
        .is_some_and(|(_, w)| CONTROL.contains(&w.as_str()))
    {
        return None;
    }
    words.windows(2).find_map(|p| {
        (OPENERS.contains(&p[0].1.as_str()) && STATEMENT.contains(&p[1].1.as_str()))
            .then_some(p[1].0)
    })
}

/// Where a piece of SQL text starts in the file; `col` is unknown for dedented heredocs.
#[derive(Clone, Copy)]
struct Pos {
    line: u32,
    col: Option<u32>,
}

/// Position of byte `off` of a statement `text` that starts at `at`.
fn pos_in(text: &str, off: usize, at: Pos) -> Pos {
    let prefix = text.get(..off).unwrap_or(text);
    let newlines = prefix.matches('\n').count() as u32;
    match prefix.rfind('\n') {
        Some(nl) => Pos {
            line: at.line + newlines,
            col: Some((prefix.len() - nl) as u32),
        },
        None => Pos {
            line: at.line,
            col: at.col.map(|c| c + prefix.len() as u32),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn lower_in(
    text: &str,
    dialect: Dialect,
    start: Pos,
    next_group: &mut usize,
    group: Option<usize>,
    st: &mut State,
    depth: u32,
    out: &mut Vec<Op>,
) {
    let mysql = dialect == Dialect::Mysql;
    for s in split(text, mysql) {
        let first_line = start.line;
        let line = first_line + s.line.saturating_sub(1);
        let end_line = first_line + s.end_line.saturating_sub(1);
        let stmt_col = if s.line == 1 {
            start.col.map(|c| c + s.column - 1)
        } else {
            Some(s.column)
        };
        let here = Pos {
            line,
            col: stmt_col,
        };
        let in_tx = st.in_tx;
        let tx = st.in_tx.then_some(st.tx);
        let mk = |kind: OpKind, at: u32| Op {
            kind,
            line: at,
            first_line: line,
            end_line: end_line.max(at),
            column: if at == line { stmt_col } else { None },
            assured: false,
            in_transaction: in_tx,
            group,
            tx,
        };
        if s.text.starts_with("/*") {
            continue;
        }
        if group.is_some() && depth < MAX_DEPTH + 2 {
            if let Some(off) = after_control(s.text) {
                lower_in(
                    &s.text[off..],
                    dialect,
                    pos_in(s.text, off, here),
                    next_group,
                    group,
                    st,
                    depth + 1,
                    out,
                );
                continue;
            }
        }
        let words = lead_words(s.text, 8);
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        // Transactions, for SG403.
        match (w(0), w(1)) {
            ("BEGIN", "" | "WORK" | "TRANSACTION" | "ISOLATION") | ("START", "TRANSACTION") => {
                st.in_tx = true;
                st.tx += 1;
                continue;
            }
            ("COMMIT" | "ROLLBACK" | "END", "" | "WORK" | "TRANSACTION") => {
                st.in_tx = false;
                continue;
            }
            _ => {}
        }
        let is_procedure =
            w(0) == "CREATE" && words.iter().any(|x| x == "PROCEDURE" || x == "EVENT");
        // MySQL stored procedures run when CALLed, usually by the same migration: lint the body.
        if mysql
            && depth < MAX_DEPTH
            && (is_procedure
                || (s.custom_delimiter
                    && w(0) == "CREATE"
                    && !words.iter().any(|x| x == "TRIGGER" || x == "FUNCTION")))
        {
            if let Some(off) = body_after_begin(s.text) {
                let g = *next_group;
                *next_group += 1;
                out.push(mk(
                    OpKind::Dynamic {
                        what: format!("A stored routine (`{}`)", summary(s.text)),
                        group: g,
                    },
                    line,
                ));
                lower_in(
                    &s.text[off..],
                    dialect,
                    pos_in(s.text, off, here),
                    next_group,
                    Some(g),
                    st,
                    depth + 1,
                    out,
                );
                continue;
            }
        }
        // PostgreSQL DO blocks run immediately: lint their body.
        if !mysql && w(0) == "DO" && depth < MAX_DEPTH {
            if let Some((b, e)) = dollar_body(s.text) {
                let g = *next_group;
                *next_group += 1;
                out.push(mk(
                    OpKind::Dynamic {
                        what: "A DO block".into(),
                        group: g,
                    },
                    line,
                ));
                let body = &s.text[b..e];
                let inner = body_after_begin(body).unwrap_or(0);
                lower_in(
                    &body[inner..],
                    dialect,
                    pos_in(s.text, b + inner, here),
                    next_group,
                    Some(g),
                    st,
                    depth + 1,
                    out,
                );
                continue;
            }
        }
        // SQL assembled in strings (SET @s = CONCAT('ALTER …'), EXECUTE format('…')).
        if s.text.len() <= MAX_PARSED_STATEMENT
            && matches!(
                w(0),
                "SET" | "SELECT" | "PREPARE" | "EXECUTE" | "DECLARE" | "PERFORM" | "RETURN"
            )
        {
            let hidden = keywords::string_sqls(s.text);
            if !hidden.is_empty() {
                st.string_ddl_seen = true;
                // Inside a routine or DO body the enclosing SG902 already reports it.
                let g = match group {
                    Some(g) => g,
                    None => {
                        let g = *next_group;
                        *next_group += 1;
                        out.push(mk(
                            OpKind::Dynamic {
                                what: "A statement with SQL in a string".into(),
                                group: g,
                            },
                            line,
                        ));
                        g
                    }
                };
                for sql in hidden {
                    for k in keywords::classify(&sql).unwrap_or_default() {
                        let mut op = mk(k, line);
                        op.group = Some(g);
                        out.push(op);
                    }
                }
                continue;
            }
            if w(0) == "PREPARE" && !st.string_ddl_seen {
                let g = *next_group;
                *next_group += 1;
                out.push(mk(
                    OpKind::Dynamic {
                        what: "`PREPARE … FROM` a variable".into(),
                        group: g,
                    },
                    line,
                ));
                continue;
            }
        }
        // Seed data (and every INSERT) needs no AST: it is a data change whatever its size.
        if matches!(w(0), "INSERT" | "REPLACE" | "COPY") {
            out.push(mk(
                OpKind::Backfill {
                    what: w(0).to_string(),
                },
                line,
            ));
            continue;
        }
        if s.text.len() > MAX_PARSED_STATEMENT {
            let kind = match w(0) {
                "UPDATE" | "DELETE" if has_word(s.text, "WHERE") => Some(OpKind::Backfill {
                    what: w(0).to_string(),
                }),
                "UPDATE" | "DELETE" => Some(OpKind::BulkDestroy {
                    table: words.get(1).map(|t| op::norm_name(t)).unwrap_or_default(),
                    what: format!("{} without WHERE", w(0)),
                    set_columns: Vec::new(),
                }),
                _ => None,
            };
            match kind {
                Some(k) => out.push(mk(k, line)),
                None => out.push(mk(
                    OpKind::Unparsed {
                        understood: false,
                        summary: format!(
                            "{} (a {} KiB statement, too large to parse)",
                            summary(prefix(s.text, 200)),
                            s.text.len() / 1024
                        ),
                    },
                    line,
                )),
            }
            continue;
        }
        let kinds = match parse(s.text, dialect) {
            Ok(stmts) => stmts.iter().flat_map(ast::lower).collect(),
            Err(_) if !mysql && fully_classified(&words) => {
                keywords::classify(s.text).unwrap_or_default()
            }
            Err(_) => match keywords::classify(s.text) {
                // Control flow and declarations inside a routine body are expected, not news.
                Some(kinds) if kinds.is_empty() && group.is_some() => kinds,
                Some(kinds) => {
                    out.push(mk(
                        OpKind::Unparsed {
                            understood: true,
                            summary: summary(s.text),
                        },
                        line,
                    ));
                    kinds
                }
                None => {
                    out.push(mk(
                        OpKind::Unparsed {
                            understood: false,
                            summary: summary(s.text),
                        },
                        line,
                    ));
                    Vec::new()
                }
            },
        };
        for k in kinds {
            let at = column_of(&k)
                .and_then(|c| line_of(s.text, c))
                .map_or(line, |d| line + d);
            out.push(mk(k, at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, d: Dialect) -> Vec<OpKind> {
        let mut g = 0;
        lower(text, d, 1, &mut g)
            .into_iter()
            .map(|o| o.kind)
            // The statement-level op is covered by its own test.
            .filter(|k| !matches!(k, OpKind::AlterTable { .. }))
            .collect()
    }

    #[test]
    fn parsed_and_fallback_agree() {
        let a = kinds("ALTER TABLE t DROP COLUMN c;", Dialect::Mysql);
        assert_eq!(
            a,
            vec![OpKind::DropColumn {
                table: "t".into(),
                column: "c".into()
            }]
        );
        let b = kinds("ALTER TABLE t DROP KEY k, DROP COLUMN c;", Dialect::Mysql);
        assert!(b.contains(&OpKind::DropColumn {
            table: "t".into(),
            column: "c".into()
        }));
    }

    #[test]
    fn clause_lines() {
        let mut g = 0;
        let ops = lower(
            "ALTER TABLE t\n  ADD COLUMN a int,\n  DROP COLUMN b;",
            Dialect::Mysql,
            10,
            &mut g,
        );
        let lines: Vec<u32> = ops.iter().map(|o| o.line).collect();
        // The ALTER TABLE statement itself, then each clause on its own line.
        assert_eq!(lines, vec![10, 11, 12]);
    }

    #[test]
    fn alter_table_statement_op() {
        let pinned = kinds_all(
            "ALTER TABLE t ADD COLUMN a int, ALGORITHM=INPLACE, LOCK=NONE;",
            Dialect::Mysql,
        );
        assert_eq!(
            pinned.first(),
            Some(&OpKind::AlterTable {
                table: "t".into(),
                explicit_algorithm: true
            })
        );
        // The keyword fallback (sqlparser rejects DROP KEY) agrees with the parser.
        let fallback = kinds_all(
            "ALTER TABLE t DROP KEY k, ALGORITHM=INPLACE;",
            Dialect::Mysql,
        );
        assert_eq!(
            fallback
                .iter()
                .find(|k| matches!(k, OpKind::AlterTable { .. })),
            Some(&OpKind::AlterTable {
                table: "t".into(),
                explicit_algorithm: true
            })
        );
        let bare = kinds_all("ALTER TABLE t ADD COLUMN a int;", Dialect::Mysql);
        assert_eq!(
            bare.first(),
            Some(&OpKind::AlterTable {
                table: "t".into(),
                explicit_algorithm: false
            })
        );
    }

    fn kinds_all(text: &str, d: Dialect) -> Vec<OpKind> {
        let mut g = 0;
        lower(text, d, 1, &mut g)
            .into_iter()
            .map(|o| o.kind)
            .collect()
    }
}
