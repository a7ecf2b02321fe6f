//! Migration safety lint: per-file SQL / Rails / Python migration rules and PR-level rules.
//!
//! The gate calls [`lint_change`]; the CLI calls [`lint_source`]. Every front-end (`sql`, `rails`,
//! `python`) lowers a migration to [`op::Op`]s; rules live one per file under `rules/`, registered
//! in [`rules::ALL`], and the engine runs them, applies inline acknowledgements and reports unused
//! ones.

mod ack;
pub mod detect;
mod engine;
pub mod expr;
mod inflect;
pub mod op;
mod python;
mod rails;
pub mod rules;
pub mod run;
pub mod schema;
pub mod sql;
#[cfg(test)]
pub(crate) mod testing;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::model::{ChangedFile, Dialect, FileStatus, Finding};
use op::{Op, OpKind};
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
    if skip_by_name(&path).is_some() {
        return None;
    }
    let lower = file_name(&path).to_ascii_lowercase();
    if lower.ends_with(".sql") {
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

/// Schema dumps and down/undo scripts, which are never linted as migrations.
fn skip_by_name(path: &str) -> Option<run::SkipReason> {
    let name = file_name(path);
    let lower = name.to_ascii_lowercase();
    if lower == "schema.rb" || lower == "structure.sql" {
        return Some(run::SkipReason::SchemaDump);
    }
    let flyway_undo = name.starts_with('U')
        && name[1..].starts_with(|c: char| c.is_ascii_digit())
        && name.contains("__");
    if lower.ends_with(".sql") && (lower.ends_with(".down.sql") || flyway_undo) {
        return Some(run::SkipReason::Down);
    }
    None
}

/// The layout a path says, from the known layouts or, when the path matches `migration-paths`
/// (`by_glob`), from its extension alone.
pub fn kind_by_path(path: &str, by_glob: bool) -> Option<MigrationKind> {
    if let Some(k) = classify(path) {
        return Some(k);
    }
    if !by_glob || skip_by_name(path).is_some() {
        return None;
    }
    let lower = file_name(path).to_ascii_lowercase();
    if lower.ends_with(".rb") {
        Some(MigrationKind::Rails {
            post_deploy: path.contains("post_migrate/"),
        })
    } else if lower.ends_with(".py") && lower != "__init__.py" {
        Some(MigrationKind::Django)
    } else {
        None
    }
}

/// Whether a file is a migration and of which kind, by path or by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recognised {
    Migration(MigrationKind),
    Skip(run::SkipReason),
}

fn content_regexes() -> &'static [regex::Regex; 3] {
    static RE: OnceLock<[regex::Regex; 3]> = OnceLock::new();
    RE.get_or_init(|| {
        let re = |s: &str| regex::Regex::new(s).unwrap_or_else(|_| unreachable!("constant regex"));
        [
            // A class inheriting ActiveRecord::Migration (or GitLab's subclass of it).
            re(r"(?m)^\s*class\s+[\w:]+\s*<\s*(?:::)?(?:ActiveRecord::Migration|Gitlab::Database::Migration)\b"),
            // Django: `class Migration(migrations.Migration):`.
            re(r"(?m)^\s*class\s+\w+\s*\(\s*migrations\.Migration\s*\)"),
            // Alembic: a module-level `revision = '…'`.
            re(r#"(?m)^revision\s*(?::\s*str\s*)?=\s*['"]"#),
        ]
    })
}

/// Recognises a migration by its path (`by_glob`: it matches `migration-paths`) or its content:
/// a Ruby class inheriting `ActiveRecord::Migration`, a Django `migrations.Migration`, an
/// Alembic revision that calls `op.`, any `.sql` file.
pub fn recognise(path: &str, text: &str, by_glob: bool) -> Recognised {
    if let Some(reason) = skip_by_name(path) {
        return Recognised::Skip(reason);
    }
    if let Some(k) = kind_by_path(path, by_glob) {
        return Recognised::Migration(k);
    }
    let lower = file_name(path).to_ascii_lowercase();
    let [rails_re, django_re, alembic_re] = content_regexes();
    if lower.ends_with(".rb") && rails_re.is_match(text) {
        return Recognised::Migration(MigrationKind::Rails {
            post_deploy: path.contains("post_migrate/"),
        });
    }
    if lower.ends_with(".py") {
        if django_re.is_match(text) {
            return Recognised::Migration(MigrationKind::Django);
        }
        if alembic_re.is_match(text) && text.contains("op.") {
            return Recognised::Migration(MigrationKind::Alembic);
        }
    }
    Recognised::Skip(run::SkipReason::NotMigration)
}

/// Escapes control characters (and the bidirectional overrides that reorder text on screen)
/// in text taken from a linted file, so no output (terminal, annotation, comment, Slack) can
/// be rewritten by the file's bytes.
pub fn escape_control(s: &str) -> String {
    let bad = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(bad) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if bad(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Where `revert OtherMigration` finds the other migration's source.
pub trait RevertSource {
    fn source_of(&self, class: &str) -> Option<String>;
}

/// The Rails migrations of one run, by the class they define.
#[derive(Debug, Default)]
pub struct ClassIndex<'a> {
    by_class: HashMap<String, &'a str>,
}

impl<'a> ClassIndex<'a> {
    pub fn from_files(files: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let mut by_class = HashMap::new();
        for (_, text) in files {
            for line in text.lines() {
                let t = line.trim_start();
                if let Some(rest) = t.strip_prefix("class ") {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    if !name.is_empty() {
                        by_class.insert(name, text);
                    }
                }
            }
        }
        ClassIndex { by_class }
    }
}

impl RevertSource for ClassIndex<'_> {
    fn source_of(&self, class: &str) -> Option<String> {
        self.by_class.get(class).map(|t| t.to_string())
    }
}

/// No other migrations known (single-file lint).
struct NoSources;

impl RevertSource for NoSources {
    fn source_of(&self, _: &str) -> Option<String> {
        None
    }
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
    sources: &dyn RevertSource,
) -> Option<FileLint> {
    let Recognised::Migration(kind) = recognise(path, text, false) else {
        return None;
    };
    Some(lint_file_with(
        path,
        text,
        kind,
        opts,
        schema,
        created_before,
        sources,
    ))
}

/// Lints one migration of a known kind.
fn lint_file_with(
    path: &str,
    text: &str,
    kind: MigrationKind,
    opts: &LintOptions,
    schema: Option<&Schema>,
    created_before: &HashSet<String>,
    sources: &dyn RevertSource,
) -> FileLint {
    if text.contains('\0') {
        // Binary content: one blocking finding instead of its bytes read as statements.
        let r = &rules::sg901_unparsed_statement::RULE.doc;
        let f = Finding::new(
            r.id,
            crate::model::Severity::Error,
            "Not a text migration: it holds NUL bytes, so it was not read and nothing in it was \
             checked.",
        )
        .at(escape_control(path), Some(1))
        .with_hint(r.hint);
        return FileLint {
            ops: Vec::new(),
            findings: vec![f],
            kind,
        };
    }
    let mut groups = 0;
    let ops = match kind {
        MigrationKind::Sql => sql::lower(text, opts.dialect, 1, &mut groups),
        MigrationKind::Rails { .. } => {
            let ops = rails::lower(text, opts.dialect, &mut groups);
            resolve_reverts(ops, opts.dialect, sources, &mut groups)
        }
        MigrationKind::Django => python::lower(text, opts.dialect, false, &mut groups),
        MigrationKind::Alembic => python::lower(text, opts.dialect, true, &mut groups),
    };
    let mut cx = rules::Ctx::new(opts, opts.dialect);
    cx.schema = schema;
    // A NOT VALID not-null check added by an earlier migration, validated in this one, lets
    // PostgreSQL skip SET NOT NULL's scan just as if it were added here.
    if let Some(s) = schema {
        cx.pending_checks.extend(
            s.pending_not_null_checks
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    cx.created = created_before.clone();
    cx.post_deploy = matches!(kind, MigrationKind::Rails { post_deploy: true });
    cx.rails = matches!(kind, MigrationKind::Rails { .. });
    let findings = engine::run(path, text, &ops, &mut cx);
    FileLint {
        ops,
        findings,
        kind,
    }
}

/// Replaces each `revert OtherMigration` by the other migration's ops run backwards, located at
/// the `revert` call. Unresolved reverts stay (SG901 reports them).
fn resolve_reverts(
    ops: Vec<Op>,
    dialect: Dialect,
    sources: &dyn RevertSource,
    groups: &mut usize,
) -> Vec<Op> {
    if !ops.iter().any(|o| matches!(o.kind, OpKind::Revert { .. })) {
        return ops;
    }
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let OpKind::Revert { class } = &op.kind else {
            out.push(op);
            continue;
        };
        let Some(src) = sources.source_of(class) else {
            out.push(op);
            continue;
        };
        let inner = rails::lower(&src, dialect, groups);
        let reversed = inner.iter().rev().filter_map(|o| {
            let kind = o.kind.inverse()?;
            Some(Op {
                kind,
                assured: op.assured || o.assured,
                ..op.clone()
            })
        });
        out.extend(reversed);
    }
    out
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
    lint_file(path, text, opts, schema, &HashSet::new(), &NoSources)
        .map(|f| f.findings)
        .unwrap_or_default()
}

/// SG505 ("`down` is not checked") is a reminder, not news per file: the first one stays and
/// says how many other files have rollback code.
pub fn once_per_run(findings: &mut Vec<Finding>) {
    let Some(first) = findings.iter().position(|f| f.rule.0 == "SG505") else {
        return;
    };
    let first_path = findings[first].path.clone();
    let others: HashSet<Option<String>> = findings
        .iter()
        .filter(|f| f.rule.0 == "SG505" && f.path != first_path)
        .map(|f| f.path.clone())
        .collect();
    let mut seen = false;
    findings.retain(|f| {
        if f.rule.0 != "SG505" {
            return true;
        }
        !std::mem::replace(&mut seen, true)
    });
    let n = others.len();
    if n > 0 {
        if let Some(f) = findings.iter_mut().find(|f| f.rule.0 == "SG505") {
            f.message.push_str(&format!(
                " {n} other file{} of this run also {} rollback code, not checked either.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "has" } else { "have" }
            ));
        }
    }
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
        let sources = TreeSources { tree };
        let Some(lint) = lint_file(&f.path, &text, opts, dump.as_ref(), &created, &sources) else {
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
    once_per_run(&mut out);
    out
}

/// `revert CreateWidgets` in the gate: the migration named by Rails' convention
/// (`…_create_widgets.rb`) at the head of the change.
struct TreeSources<'a> {
    tree: &'a dyn SourceTree,
}

impl RevertSource for TreeSources<'_> {
    fn source_of(&self, class: &str) -> Option<String> {
        let suffix = format!("_{}.rb", inflect::underscore(class));
        ["db/migrate/", "db/post_migrate/"].iter().find_map(|dir| {
            self.tree
                .head_paths(dir)
                .into_iter()
                .find(|p| p.ends_with(&suffix))
                .and_then(|p| self.tree.head_file(&p))
        })
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Every rule, in id order.
pub fn registry() -> Vec<RuleDoc> {
    rules::ALL.iter().map(|r| r.doc.clone()).collect()
}
