//! Helpers for the rule tests: lint a snippet and assert on the rule ids found.

use super::schema::Schema;
use super::{lint_source, lint_source_with_schema, LintOptions};
use crate::model::{Dialect, Finding};

pub const MY: Dialect = Dialect::Mysql;
pub const PG: Dialect = Dialect::Postgres;

pub fn opts(d: Dialect) -> LintOptions {
    LintOptions {
        dialect: d,
        ..LintOptions::default()
    }
}

pub fn findings(d: Dialect, path: &str, text: &str) -> Vec<Finding> {
    lint_source(path, text, &opts(d))
}

pub fn findings_with(o: &LintOptions, path: &str, text: &str) -> Vec<Finding> {
    lint_source(path, text, o)
}

/// Wraps DSL lines in a migration class; the body starts on line 3.
pub fn rails(body: &str) -> String {
    let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
    format!("class TestMigration < ActiveRecord::Migration[7.1]\n  def change\n{body}  end\nend\n")
}

fn ids(f: &[Finding]) -> Vec<String> {
    f.iter()
        .map(|f| format!("{}@{}", f.rule, f.line.unwrap_or(0)))
        .collect()
}

#[track_caller]
pub fn fires(d: Dialect, path: &str, text: &str, id: &str) {
    let f = findings(d, path, text);
    assert!(
        f.iter().any(|f| f.rule.0 == id),
        "expected {id} in {:?} for:\n{text}",
        ids(&f)
    );
    for x in f.iter().filter(|f| f.rule.0 == id) {
        assert!(
            x.line.is_some() && !x.message.is_empty() && !x.hint.is_empty(),
            "{x:?}"
        );
    }
}

#[track_caller]
pub fn silent(d: Dialect, path: &str, text: &str, id: &str) {
    let f = findings(d, path, text);
    assert!(
        !f.iter().any(|f| f.rule.0 == id),
        "unexpected {id} in {:?} for:\n{text}",
        ids(&f)
    );
}

#[track_caller]
pub fn with_schema(
    d: Dialect,
    path: &str,
    text: &str,
    dump_path: &str,
    dump: &str,
    id: &str,
    expect: bool,
) {
    let schema = Schema::parse(dump_path, dump, d);
    let f = lint_source_with_schema(path, text, &opts(d), Some(&schema));
    let found = f.iter().any(|f| f.rule.0 == id);
    assert_eq!(
        found,
        expect,
        "{id} expected={expect} in {:?} for:\n{text}",
        ids(&f)
    );
}
