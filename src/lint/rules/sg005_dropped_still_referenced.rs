//! SG005 dropped-still-referenced: a dropped or renamed column/table name still appears in `app/`
//! at the PR head, so the code that runs after the migration still uses it.

use regex::Regex;

use super::Rule;
use crate::lint::inflect::{camelize, singularize};
use crate::lint::op::{Op, OpKind};
use crate::lint::{RuleDoc, SourceTree};
use crate::model::{Finding, Severity};

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG005",
        name: "dropped-still-referenced",
        severity: Severity::Error,
        dialects: "rb (also SQL, by name search)",
        why: "A dropped or renamed column or table is still referenced in application code at the \
              PR head; contract order is UI → API → DB, so the code must stop using it first.",
        hint:
            "Remove the usages (or add the column to `ignored_columns`) and deploy that; drop or \
               rename in a later PR.",
    },
    op: None,
    file: None,
};

/// Upper bound on files read, so a monorepo cannot make the gate crawl.
const MAX_FILES: usize = 5000;

struct Target {
    what: String,
    pattern: Regex,
    path: String,
    line: u32,
}

fn targets(path: &str, ops: &[Op]) -> Vec<Target> {
    let mut out = Vec::new();
    for op in ops {
        let (what, pattern) = match &op.kind {
            OpKind::DropColumn { table, column }
            | OpKind::RenameColumn {
                table,
                from: column,
                ..
            } => {
                if column == "?" {
                    continue;
                }
                let c = regex::escape(column);
                (
                    format!("column `{table}.{column}`"),
                    // SQL names are case-insensitive; Ruby symbols and strings are lower case anyway.
                    format!(r#"(?i)(?:[:.]{c}\b|["']{c}["']|\b{c}:\s|\b{c}=)"#),
                )
            }
            OpKind::DropTable { table } | OpKind::RenameTable { from: table, .. } => {
                if table == "?" {
                    continue;
                }
                let model = regex::escape(&camelize(&singularize(table)));
                let t = regex::escape(table);
                (
                    format!("table `{table}`"),
                    format!(r#"(?:(?i:[:"'`\s]{t}\b)|\b{model}\b)"#),
                )
            }
            _ => continue,
        };
        if let Ok(pattern) = Regex::new(&pattern) {
            out.push(Target {
                what,
                pattern,
                path: path.to_string(),
                line: op.line,
            });
        }
    }
    out
}

/// `files` are the linted schema files and their ops.
pub fn check_pr(files: &[(String, Vec<Op>)], tree: &dyn SourceTree) -> Vec<Finding> {
    let targets: Vec<Target> = files.iter().flat_map(|(p, ops)| targets(p, ops)).collect();
    if targets.is_empty() {
        return Vec::new();
    }
    let mut refs: Vec<Vec<String>> = vec![Vec::new(); targets.len()];
    for app_path in tree.head_paths("app/").into_iter().take(MAX_FILES) {
        let Some(text) = tree.head_file(&app_path) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            // Listing the column in ignored_columns is the safe pattern, not a use.
            if line.contains("ignored_columns") {
                continue;
            }
            for (t, r) in targets.iter().zip(refs.iter_mut()) {
                if r.len() < 3 && t.pattern.is_match(line) {
                    r.push(format!("{app_path}:{}", n + 1));
                }
            }
        }
    }
    targets
        .iter()
        .zip(refs)
        .filter(|(_, r)| !r.is_empty())
        .map(|(t, r)| {
            Finding::new(
                RULE.doc.id,
                RULE.doc.severity,
                format!(
                    "The migration removes {}, but the code at the PR head still references it \
                     ({}).",
                    t.what,
                    r.join(", ")
                ),
            )
            .at(t.path.clone(), Some(t.line))
            .with_hint(RULE.doc.hint)
        })
        .collect()
}
