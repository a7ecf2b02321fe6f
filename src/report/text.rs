//! Findings for a terminal, the way rustc and squawk show them: grouped by file, the statement's
//! lines with the span underlined, a `help:` line with the hint in the file's own names and
//! language, the exact way to accept the finding, the rule's page, and a closing line with the
//! totals per severity and per rule.
//!
//! Pure: the caller passes the source of each file and decides about colour.

use super::hint::{self, Lang};
use super::rules::rule_url;
use crate::model::{Finding, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use std::collections::BTreeMap;

/// How to render.
#[derive(Debug, Clone)]
pub struct TextOptions {
    /// ANSI colours (see [`color_wanted`]).
    pub color: bool,
    /// The PR label prefix that accepts a rule (`shipgate:allow-`).
    pub label_prefix: String,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            color: false,
            label_prefix: "shipgate:allow-".into(),
        }
    }
}

/// Colour only on a terminal, unless `NO_COLOR` (any non-empty value) says never or
/// `CLICOLOR_FORCE` (non-empty, not `0`) says always; `NO_COLOR` wins (no-color.org).
pub fn color_wanted(
    is_terminal: bool,
    no_color: Option<&str>,
    clicolor_force: Option<&str>,
) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if clicolor_force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    is_terminal
}

/// [`color_wanted`] for standard output, from the process environment.
pub fn color_for_stdout() -> bool {
    use std::io::IsTerminal;
    color_wanted(
        std::io::stdout().is_terminal(),
        std::env::var("NO_COLOR").ok().as_deref(),
        std::env::var("CLICOLOR_FORCE").ok().as_deref(),
    )
}

/// Every finding, grouped by file (PR-level findings last), then the totals line.
/// `sources` returns a file's text by its repository-relative path.
pub fn render_text(
    findings: &[Finding],
    sources: &dyn Fn(&str) -> Option<String>,
    opts: &TextOptions,
) -> String {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut by_file: BTreeMap<Option<&str>, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_file.entry(f.path.as_deref()).or_default().push(f);
    }
    // `None` sorts first in a BTreeMap; PR-level findings read better after the files.
    let mut groups: Vec<(Option<&str>, Vec<&Finding>)> = by_file.into_iter().collect();
    let pr_level_first = usize::from(groups.first().is_some_and(|(p, _)| p.is_none()));
    groups.rotate_left(pr_level_first);

    let mut out = String::new();
    for (path, mut list) in groups {
        list.sort_by_key(|f| (f.line, f.rule.0.clone()));
        let source = path.and_then(sources);
        let header = match path {
            Some(p) => clean(p),
            None => "(the change as a whole)".to_string(),
        };
        out.push_str(&bold(&header, opts.color));
        out.push('\n');
        for f in list {
            out.push_str(&renderer.render(&[finding_group(f, source.as_deref(), opts)]));
            out.push_str("\n\n");
        }
    }
    out.push_str(&totals(findings));
    out.push('\n');
    out
}

fn bold(s: &str, color: bool) -> String {
    if color {
        format!("\x1b[1;4m{s}\x1b[0m")
    } else {
        format!("── {s}")
    }
}

fn level(f: &Finding) -> Level<'static> {
    if f.accepted.is_some() {
        return Level::NOTE;
    }
    match f.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn finding_group<'a>(f: &'a Finding, source: Option<&'a str>, opts: &TextOptions) -> Group<'a> {
    let mut title = clean(&f.message) + &f.repeat_suffix();
    if let Some(a) = &f.accepted {
        title = format!("{} ({title})", a.describe());
    }
    let mut group = Group::with_title(level(f).primary_title(title).id(f.rule.0.clone()));
    let snippet = match (&f.path, f.line, source) {
        // A PR-level finding on line 1 only points at the file; its first line says nothing.
        (Some(path), Some(line), Some(text)) if !(line <= 1 && hint::pr_level(&f.rule.0)) => {
            let sql = Lang::of_path(Some(path)) == Lang::Sql;
            statement(text, line, f.column, sql).map(|st| {
                Snippet::source(st.text)
                    .line_start(st.first_line as usize)
                    .path(clean(path))
                    .annotation(AnnotationKind::Primary.span(st.span))
            })
        }
        _ => None,
    };
    group = match (snippet, &f.path) {
        (Some(s), _) => group.element(s),
        (None, Some(path)) => {
            let mut origin = Origin::path(clean(path));
            if let Some(l) = f.line {
                origin = origin.line(l as usize);
            }
            group.element(origin)
        }
        (None, None) => group,
    };
    if f.accepted.is_none() {
        let help = hint::help(f);
        if !help.is_empty() {
            group = group.element(Level::HELP.message(clean(&help)));
        }
        if f.severity == Severity::Error {
            let way = hint::way_out(f, &opts.label_prefix);
            let accept = match &way.inline {
                Some(c) => format!("`{c}` on the statement, or the PR label `{}`", way.label),
                None => format!("the PR label `{}`", way.label),
            };
            group = group.element(Level::NOTE.with_name("accept").message(clean(&accept)));
        }
    }
    group.element(Level::NOTE.with_name("docs").message(rule_url(&f.rule.0)))
}

/// The lines of the statement a finding is on, and the span to underline inside them.
struct Statement {
    text: String,
    first_line: u32,
    span: std::ops::Range<usize>,
}

/// Longest statement shown; longer ones are cut (the underline still starts at the finding).
const MAX_LINES: usize = 8;

/// Finds the statement starting at `line` (1-based) / `column` (1-based, 0 or `None` = first
/// non-blank): in a SQL file up to its `;`, elsewhere (Ruby, Python, and SQL inside their
/// strings) until brackets balance and no line continues.
fn statement(text: &str, line: u32, column: Option<u32>, sql: bool) -> Option<Statement> {
    let lines: Vec<&str> = text.lines().collect();
    let start = (line as usize).checked_sub(1)?;
    let first = lines.get(start)?;
    let first = clean(first);
    let indent = first.len() - first.trim_start().len();
    let col = column
        .filter(|c| *c > 0)
        .map(|c| c as usize - 1)
        .filter(|c| *c < first.len() && first.is_char_boundary(*c))
        // A column inside the indentation is relative to an embedded SQL string, not the line.
        .map(|c| c.max(indent))
        .unwrap_or(indent);
    let mut taken = vec![first];
    let mut depth: i32 = 0;
    let mut idx = start;
    loop {
        let current = &taken[taken.len() - 1];
        let from = if taken.len() == 1 { col } else { 0 };
        let code = strip_comment(&current[from..]);
        for c in code.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        let trimmed = code.trim_end();
        let ends = if trimmed.ends_with(';') {
            true
        } else if depth > 0 || trimmed.ends_with(',') || trimmed.ends_with('\\') {
            false
        } else {
            // SQL statements run to their `;`; a Ruby/Python call ends with its line.
            !(sql && looks_like_sql_open(&taken, col))
        };
        idx += 1;
        if ends || taken.len() >= MAX_LINES || idx >= lines.len() {
            break;
        }
        taken.push(clean(lines[idx]));
    }
    // Trailing blank lines underline nothing.
    while taken.len() > 1 && taken.last().is_some_and(|l| l.trim().is_empty()) {
        taken.pop();
    }
    let text = taken.join("\n");
    let last = taken.last()?;
    let last_start = text.len() - last.len();
    let last_code = strip_comment(if taken.len() == 1 {
        last
    } else {
        last.as_str()
    });
    let mut end = last_start + last_code.trim_end().len();
    if end <= col {
        end = text.len().max(col + 1).min(text.len());
    }
    Some(Statement {
        text,
        first_line: line,
        span: col..end.max(col),
    })
}

/// True while a SQL statement (no `;` yet) is still open: the first line starts with a SQL
/// keyword and nothing so far ended it.
fn looks_like_sql_open(taken: &[String], col: usize) -> bool {
    let head = taken[0][col..].trim_start().to_ascii_uppercase();
    const SQL: &[&str] = &[
        "ALTER ",
        "CREATE ",
        "DROP ",
        "UPDATE ",
        "INSERT ",
        "DELETE ",
        "RENAME ",
        "TRUNCATE ",
        "SET ",
        "DO ",
        "REINDEX",
        "VACUUM",
        "CLUSTER",
        "OPTIMIZE ",
        "PREPARE ",
        "EXECUTE ",
        "COMMENT ",
        "GRANT ",
    ];
    SQL.iter().any(|k| head.starts_with(k))
}

/// Code before a trailing `--` or `#` comment (quotes are not tracked: this only bounds the
/// underline).
fn strip_comment(s: &str) -> &str {
    let cut = [s.find("-- "), s.find(" #")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(s.len());
    &s[..cut]
}

/// Untrusted text for a terminal: control characters (escape sequences) and bidirectional
/// overrides become U+FFFD; tabs become spaces so columns line up.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => ' ',
            '\n' => '\n',
            c if c.is_control() => '\u{FFFD}',
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// `3 errors, 1 warning, 2 accepted (SG102 ×2, SG201, ...)`, or a line saying nothing was found.
pub fn totals(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings".to_string();
    }
    let open = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.accepted.is_none() && f.severity == s)
            .count()
    };
    let accepted = findings.iter().filter(|f| f.accepted.is_some()).count();
    let mut parts = Vec::new();
    for (s, one, many) in [
        (Severity::Error, "error", "errors"),
        (Severity::Warning, "warning", "warnings"),
        (Severity::Info, "info", "infos"),
    ] {
        let n = open(s);
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    if accepted > 0 {
        parts.push(format!("{accepted} accepted"));
    }
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *per_rule.entry(f.rule.0.as_str()).or_default() += 1;
    }
    let rules: Vec<String> = per_rule
        .into_iter()
        .map(|(r, n)| {
            if n == 1 {
                r.to_string()
            } else {
                format!("{r} ×{n}")
            }
        })
        .collect();
    let blocking = findings.iter().filter(|f| f.blocks()).count();
    format!(
        "{}: {} ({}); {blocking} blocking",
        if findings.len() == 1 {
            "1 finding".to_string()
        } else {
            format!("{} findings", findings.len())
        },
        parts.join(", "),
        rules.join(", ")
    )
}

/// The language label used by callers that print the file kind.
pub fn lang_name(path: &str) -> &'static str {
    match Lang::of_path(Some(path)) {
        Lang::Sql => "SQL",
        Lang::Ruby => "Ruby",
        Lang::Python => "Python",
        Lang::Other => "file",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Acceptance;

    fn src(path: &str) -> Option<String> {
        match path {
            "db/migrate/1_a.rb" => Some(
                "class A < ActiveRecord::Migration[7.1]\n  def change\n    add_index :orders,\n      [:user_id, :state]\n    remove_column :users, :email\n  end\nend\n"
                    .into(),
            ),
            "V1__x.sql" => Some(
                "-- comment\nALTER TABLE users\n  DROP COLUMN email;\nSELECT 1;\n".into(),
            ),
            _ => None,
        }
    }

    #[test]
    fn statements_span_to_their_end() {
        let t = src("V1__x.sql").unwrap();
        let s = statement(&t, 2, Some(1), true).unwrap();
        assert_eq!(s.text, "ALTER TABLE users\n  DROP COLUMN email;");
        assert_eq!(
            &s.text[s.span.clone()],
            "ALTER TABLE users\n  DROP COLUMN email;"
        );
        let r = src("db/migrate/1_a.rb").unwrap();
        let s = statement(&r, 3, Some(5), false).unwrap();
        assert_eq!(s.text, "    add_index :orders,\n      [:user_id, :state]");
        let s = statement(&r, 5, None, false).unwrap();
        assert_eq!(&s.text[s.span.clone()], "remove_column :users, :email");
        assert!(statement(&r, 99, None, false).is_none());
        // `execute "…"` in Ruby is one line, whatever SQL keyword its string starts with.
        let e = "    execute \"CREATE INDEX i ON t (c)\"\n\n    # next\n";
        let s = statement(e, 1, Some(1), false).unwrap();
        assert_eq!(
            &s.text[s.span.clone()],
            "execute \"CREATE INDEX i ON t (c)\""
        );
    }

    #[test]
    fn odd_sources_never_panic() {
        let texts = [
            "",
            "\n\n",
            "   \n",
            "\x1b\x1b\x1bALTER TABLE t DROP c;",
            "é\tü ALTER TABLE t (\n",
            "x\u{202e}y;\r\nz",
        ];
        for t in texts {
            for line in 0..4 {
                for column in [None, Some(0), Some(1), Some(2), Some(3), Some(40)] {
                    let mut f = Finding::new("SG102", Severity::Error, "m").at("a.sql", Some(line));
                    f.column = column;
                    let out = render_text(&[f], &|_| Some(t.to_string()), &TextOptions::default());
                    assert!(out.contains("SG102"));
                    assert!(
                        !out.contains('\x1b') && !out.contains('\u{202e}'),
                        "{out:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn colour_rules() {
        assert!(color_wanted(true, None, None));
        assert!(!color_wanted(false, None, None));
        assert!(!color_wanted(true, Some("1"), None));
        assert!(color_wanted(true, Some(""), None));
        assert!(color_wanted(false, None, Some("1")));
        assert!(!color_wanted(false, None, Some("0")));
        assert!(!color_wanted(false, Some("1"), Some("1")));
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let f = Finding::new("SG102", Severity::Error, "drops `a\x1b[31mred`")
            .at("x\x1b]8;;evil\x07.sql", Some(1));
        let out = render_text(
            &[f],
            &|_| Some("DROP\x1b[2J TABLE a;\n".into()),
            &TextOptions::default(),
        );
        assert!(!out.contains('\x1b'), "{out:?}");
        assert!(!out.contains('\x07'));
    }

    #[test]
    fn colour_only_when_asked() {
        let f = Finding::new("SG102", Severity::Error, "m").at("V1__x.sql", Some(2));
        let plain = render_text(std::slice::from_ref(&f), &src, &TextOptions::default());
        assert!(!plain.contains('\x1b'));
        let opts = TextOptions {
            color: true,
            ..TextOptions::default()
        };
        assert!(render_text(&[f], &src, &opts).contains("\x1b["));
    }

    #[test]
    fn snapshot_grouped_with_code_help_and_totals() {
        let mut accepted = Finding::new(
            "SG401",
            Severity::Error,
            "Builds an index on `orders` without CONCURRENTLY.",
        )
        .at("db/migrate/1_a.rb", Some(3));
        accepted.column = Some(5);
        accepted.accepted = Some(Acceptance::Label {
            label: "shipgate:allow-SG401".into(),
        });
        let findings = vec![
            Finding::new("SG001", Severity::Error, "Mixes schema and code.").with_hint("Split it."),
            Finding::new(
                "SG102",
                Severity::Error,
                "Drops column `email` of `users`: the data is gone for good.",
            )
            .at("V1__x.sql", Some(2))
            .with_hint("generic"),
            Finding::new(
                "SG102",
                Severity::Error,
                "Drops column `email` of `users`: the data is gone for good.",
            )
            .at("db/migrate/1_a.rb", Some(5))
            .with_hint("generic"),
            accepted,
            Finding::new("SG312", Severity::Info, "No ALGORITHM.")
                .at("V1__x.sql", Some(2))
                .with_hint("Append `, ALGORITHM=INSTANT`."),
            Finding::new("SG901", Severity::Warning, "Unparsed.").at("gone.sql", Some(3)),
        ];
        insta::assert_snapshot!(render_text(&findings, &src, &TextOptions::default()));
    }

    #[test]
    fn totals_line() {
        assert_eq!(totals(&[]), "no findings");
        let fs = vec![
            Finding::new("SG102", Severity::Error, "a"),
            Finding::new("SG102", Severity::Error, "b"),
            Finding::new("SG312", Severity::Info, "c"),
        ];
        assert_eq!(
            totals(&fs),
            "3 findings: 2 errors, 1 info (SG102 ×2, SG312); 2 blocking"
        );
    }
}
