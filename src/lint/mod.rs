//! Migration safety lint: per-file SQL / Rails / Python migration rules and PR-level rules.
//!
//! The gate calls [`lint_change`]; the CLI calls [`lint_source`]. Every front-end (`sql`, `rails`,
//! `python`) lowers a migration to [`op::Op`]s; rules live one per file under `rules/`, registered
//! in [`rules::ALL`], and the engine runs them, applies inline acknowledgements and reports unused
//! ones.

mod ack;
mod engine;
mod inflect;
pub mod op;
mod python;
mod rails;
pub mod rules;
pub mod schema;
pub mod sql;
#[cfg(test)]
pub(crate) mod testing;

use std::collections::HashSet;

use crate::model::{ChangedFile, Dialect, FileStatus, Finding};
use op::Op;
use schema::Schema;

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
    /// Paths at base under `prefix`, for SG003's "newest applied migration"; empty when the
    /// tree cannot list them, which leaves SG003 silent.
    fn base_paths(&self, prefix: &str) -> Vec<String> {
        let _ = prefix;
        Vec::new()
    }
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

/// What kind of migration a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationKind {
    /// Raw SQL (Flyway, golang-migrate, Knex/Alembic `.sql`, `db/migrate/*.sql`).
    Sql,
    /// Rails; `post_deploy` for `db/post_migrate` (the contract phase).
    Rails {
        post_deploy: bool,
    },
    Django,
    Alembic,
}

/// Decides by path which migration layout a file belongs to; `None` for anything that is not a
/// migration the lint reads (schema dumps, down/undo scripts, other files).
pub fn classify(path: &str) -> Option<MigrationKind> {
    let path = path.replace('\\', "/");
    let name = path.rsplit('/').next().unwrap_or(&path);
    let lower = name.to_ascii_lowercase();
    if lower == "schema.rb" || lower == "structure.sql" {
        return None;
    }
    if lower.ends_with(".sql") {
        let flyway_undo = name.starts_with('U')
            && name[1..].starts_with(|c: char| c.is_ascii_digit())
            && name.contains("__");
        if lower.ends_with(".down.sql") || flyway_undo {
            return None;
        }
        return Some(MigrationKind::Sql);
    }
    let in_dir = |dir: &str| path.starts_with(dir) || path.contains(&format!("/{dir}"));
    if lower.ends_with(".rb") {
        if in_dir("db/post_migrate/") {
            return Some(MigrationKind::Rails { post_deploy: true });
        }
        if in_dir("db/migrate/") {
            return Some(MigrationKind::Rails { post_deploy: false });
        }
        return None;
    }
    if lower.ends_with(".py") && lower != "__init__.py" {
        if in_dir("versions/") {
            return Some(MigrationKind::Alembic);
        }
        if in_dir("migrations/") {
            return Some(MigrationKind::Django);
        }
    }
    None
}

/// One linted file: its ops (for the PR-level rules) and findings.
struct FileLint {
    ops: Vec<Op>,
    findings: Vec<Finding>,
    kind: MigrationKind,
}

fn lint_file(
    path: &str,
    text: &str,
    opts: &LintOptions,
    schema: Option<&Schema>,
    created_before: &HashSet<String>,
) -> Option<FileLint> {
    let kind = classify(path)?;
    let mut groups = 0;
    let ops = match kind {
        MigrationKind::Sql => sql::lower(text, opts.dialect, 1, &mut groups),
        MigrationKind::Rails { .. } => rails::lower(text, opts.dialect, &mut groups),
        MigrationKind::Django => python::lower(text, opts.dialect, false, &mut groups),
        MigrationKind::Alembic => python::lower(text, opts.dialect, true, &mut groups),
    };
    let mut cx = rules::Ctx::new(opts, opts.dialect);
    cx.schema = schema;
    cx.created = created_before.clone();
    cx.post_deploy = matches!(kind, MigrationKind::Rails { post_deploy: true });
    cx.rails = matches!(kind, MigrationKind::Rails { .. });
    let findings = engine::run(path, text, &ops, &mut cx);
    Some(FileLint {
        ops,
        findings,
        kind,
    })
}

/// How one migration file moves the schema: the tables it expands (adds tables, columns,
/// indexes to) and those it contracts (drops, renames), from the same ops and the same
/// expand/contract split SG004 uses. A Rails post-deploy migration is the contract phase
/// whatever it does. `None` when the path is not a migration the lint reads.
pub fn schema_moves(path: &str, text: &str, dialect: Dialect) -> Option<SchemaMoves> {
    let kind = classify(path)?;
    let mut groups = 0;
    let ops = match kind {
        MigrationKind::Sql => sql::lower(text, dialect, 1, &mut groups),
        MigrationKind::Rails { .. } => rails::lower(text, dialect, &mut groups),
        MigrationKind::Django => python::lower(text, dialect, false, &mut groups),
        MigrationKind::Alembic => python::lower(text, dialect, true, &mut groups),
    };
    let post_deploy = matches!(kind, MigrationKind::Rails { post_deploy: true });
    let mut moves = SchemaMoves::default();
    for op in &ops {
        let table = op.table().unwrap_or("?").to_string();
        if op.is_contract() || (post_deploy && op.is_ddl()) {
            moves.contracts.insert(table);
        } else if op.is_expand() {
            moves.expands.insert(table);
        }
    }
    Some(moves)
}

/// See [`schema_moves`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaMoves {
    pub expands: std::collections::BTreeSet<String>,
    pub contracts: std::collections::BTreeSet<String>,
}

impl SchemaMoves {
    pub fn add(&mut self, other: SchemaMoves) {
        self.expands.extend(other.expands);
        self.contracts.extend(other.contracts);
    }
}

/// Lints one migration file's text. Inline acknowledgements are applied (findings stay, marked
/// accepted); unused ones are reported.
pub fn lint_source(path: &str, text: &str, opts: &LintOptions) -> Vec<Finding> {
    lint_source_with_schema(path, text, opts, None)
}

/// [`lint_source`] with the base branch's schema knowledge (column types and nullability).
pub fn lint_source_with_schema(
    path: &str,
    text: &str,
    opts: &LintOptions,
    schema: Option<&Schema>,
) -> Vec<Finding> {
    lint_file(path, text, opts, schema, &HashSet::new())
        .map(|f| f.findings)
        .unwrap_or_default()
}

/// Reads the base branch's schema dump, when there is one.
pub fn base_schema(tree: &dyn SourceTree, dialect: Dialect) -> Option<Schema> {
    ["db/schema.rb", "db/structure.sql"]
        .iter()
        .find_map(|p| tree.base_file(p).map(|t| Schema::parse(p, &t, dialect)))
        .filter(|s| !s.is_empty())
}

/// Lints the schema files of a change, plus the PR-level rules that need several files.
/// `schema` are the changed files the gate classified as schema changes; `all` is every changed file.
pub fn lint_change(
    schema: &[ChangedFile],
    all: &[ChangedFile],
    tree: &dyn SourceTree,
    opts: &LintOptions,
) -> Vec<Finding> {
    let dump = base_schema(tree, opts.dialect);
    let mut out = Vec::new();
    let mut files: Vec<(String, Vec<Op>, bool, bool)> = Vec::new();
    // Migrations run in version order, which their file names carry; a table created by an
    // earlier migration of the same PR is not an "existing table" for the later ones.
    let mut ordered: Vec<&ChangedFile> = schema
        .iter()
        .filter(|f| f.status != FileStatus::Removed)
        .collect();
    ordered.sort_by(|a, b| file_name(&a.path).cmp(file_name(&b.path)));
    let mut created: HashSet<String> = HashSet::new();
    for f in ordered {
        let Some(text) = tree.head_file(&f.path) else {
            continue;
        };
        let Some(lint) = lint_file(&f.path, &text, opts, dump.as_ref(), &created) else {
            continue;
        };
        for op in &lint.ops {
            if let op::OpKind::CreateTable { table, .. } = &op.kind {
                created.insert(table.clone());
            }
        }
        let flagged = lint.findings.iter().any(|x| x.rule.0 == "SG004");
        let rails = matches!(lint.kind, MigrationKind::Rails { .. });
        out.extend(lint.findings);
        files.push((f.path.clone(), lint.ops, flagged, rails));
    }
    out.extend(rules::sg002_edited_applied_migration::check_pr(all, tree));
    out.extend(rules::sg003_non_linear::check_pr(all, tree));
    let with_flag: Vec<(String, Vec<Op>, bool)> = files
        .iter()
        .map(|(p, o, fl, _)| (p.clone(), o.clone(), *fl))
        .collect();
    out.extend(rules::sg004_expand_contract_mixed::check_pr(&with_flag));
    let plain: Vec<(String, Vec<Op>)> = files
        .iter()
        .map(|(p, o, _, _)| (p.clone(), o.clone()))
        .collect();
    out.extend(rules::sg005_dropped_still_referenced::check_pr(
        &plain, tree,
    ));
    let with_rails: Vec<(String, Vec<Op>, bool)> = files
        .iter()
        .map(|(p, o, _, r)| (p.clone(), o.clone(), *r))
        .collect();
    out.extend(rules::sg006_remove_column_not_ignored::check_pr(
        &with_rails,
        tree,
    ));
    out.extend(rules::sg007_sidekiq_enqueue_before_handler::check_pr(
        all, tree,
    ));
    out.extend(rules::sg008_sidekiq_signature_change::check_pr(all, tree));
    out.extend(rules::sg009_schema_dump_drift::check_pr(all, tree));
    out
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Every rule, in id order.
pub fn registry() -> Vec<RuleDoc> {
    rules::ALL.iter().map(|r| r.doc.clone()).collect()
}
