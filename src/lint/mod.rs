//! Migration safety lint: per-file SQL / Rails / Python migration rules and PR-level rules.
//!
//! The gate calls [`lint_change`]; the CLI calls [`lint_source`]. Rules live one per file under
//! `rules/`, registered in [`registry`].

use crate::model::{ChangedFile, Dialect, Finding};

/// Server versions and dialect that select the version-dependent rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintOptions {
    pub dialect: Dialect,
    /// `major.minor[.patch]`, e.g. `8.0` or `8.0.29`.
    pub mysql_version: String,
    pub postgres_version: u32,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            dialect: Dialect::Mysql,
            mysql_version: "8.0".into(),
            postgres_version: 16,
        }
    }
}

/// Read access to the two trees of a change. Implemented by the gate over the workspace / git
/// (local) or the GitHub contents API (in Actions).
pub trait SourceTree: Sync {
    /// File contents at the head of the change; `None` when absent or unreadable.
    fn head_file(&self, path: &str) -> Option<String>;
    /// File contents at the base of the change.
    fn base_file(&self, path: &str) -> Option<String>;
    /// Paths at head under `prefix` (e.g. `app/`), for name searches; may be only the changed files.
    fn head_paths(&self, prefix: &str) -> Vec<String>;
}

/// Documentation of one rule, as `shipgate rules` prints it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleDoc {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: crate::model::Severity,
    pub dialects: &'static str,
    pub why: &'static str,
    pub hint: &'static str,
}

/// Lints one migration file's text. Inline acknowledgements are applied (findings stay, marked
/// accepted); unused ones are reported.
pub fn lint_source(_path: &str, _text: &str, _opts: &LintOptions) -> Vec<Finding> {
    Vec::new()
}

/// Lints the schema files of a change, plus the PR-level rules that need several files.
/// `schema` are the changed files the gate classified as schema changes; `all` is every changed file.
pub fn lint_change(
    _schema: &[ChangedFile],
    _all: &[ChangedFile],
    _tree: &dyn SourceTree,
    _opts: &LintOptions,
) -> Vec<Finding> {
    Vec::new()
}

/// Every rule, in id order.
pub fn registry() -> Vec<RuleDoc> {
    Vec::new()
}
