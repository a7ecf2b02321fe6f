//! The `lint` command as a library: walks the named paths, recognises migrations by path
//! (`migration-paths` and the known layouts) or by content, reads the schema dump, lints each
//! migration and says what it understood. The CLI only parses flags, prints and exits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::schema::{self, Schema};
use super::{escape_control, lint_file_with, recognise, LintOptions, MigrationKind, Recognised};
use crate::classify::{Classifier, FileKind};
use crate::model::{Dialect, Finding, Severity};

/// Files larger than this are not read: a real migration is far smaller, and reading a huge file
/// whole would break the memory bound. The file gets a blocking finding instead.
const MAX_FILE_BYTES: u64 = 32 << 20;

/// What to lint and how, with every flag resolved.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Files or directories (recursed).
    pub paths: Vec<PathBuf>,
    pub lint: LintOptions,
    /// False when neither `--dialect` nor `sql-dialect` said: the schema dump decides, else
    /// `lint.dialect` stays.
    pub dialect_given: bool,
    /// `--schema FILE`; without it, `db/schema.rb` / `db/structure.sql` above the linted files.
    pub schema: Option<PathBuf>,
    /// `migration-paths` / `ignore-paths`.
    pub classifier: Classifier,
}

/// Why the run could not start or a named path could not be linted (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a migration shipgate can read: {reason}")]
    NotAMigration { path: String, reason: String },
    #[error("{path}: no migrations found ({skipped} file(s) skipped: not migrations)")]
    NoMigrations { path: String, skipped: usize },
    #[error("cannot read the schema dump {path}: {reason}")]
    Schema { path: String, reason: String },
}

/// Why a file was not linted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Neither its path nor its content says it is a migration.
    NotMigration,
    /// `schema.rb` / `structure.sql`: read as schema knowledge, not linted.
    SchemaDump,
    /// `*.down.sql`, Flyway `U…__` undo scripts.
    Down,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotMigration => "not a migration",
            SkipReason::SchemaDump => "schema dump",
            SkipReason::Down => "down/undo migration",
        }
    }
}

/// A file the run did not lint, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: SkipReason,
}

/// What one run did: findings, the files it linted and skipped, the schema it used.
#[derive(Debug, Clone)]
pub struct LintReport {
    pub findings: Vec<Finding>,
    /// Display path and kind of every linted migration, in lint order.
    pub linted: Vec<(String, MigrationKind)>,
    pub skipped: Vec<Skipped>,
    /// The schema dump the run knew the columns from, when there was one.
    pub schema: Option<String>,
    pub dialect: Dialect,
    /// Where the dialect came from: `flag`, the schema dump's path, or `default`.
    pub dialect_source: String,
    /// How many migrations the dump's knowledge applied to (those newer than its version).
    pub schema_used_for: usize,
}

impl LintReport {
    /// `12 migrations linted (9 Rails, 3 SQL), 4 files skipped (not migrations)`.
    pub fn summary(&self) -> String {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, k) in &self.linted {
            *kinds.entry(k.label()).or_default() += 1;
        }
        let n = self.linted.len();
        let mut s = format!("{n} migration{} linted", plural(n));
        if !kinds.is_empty() {
            let parts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
            s.push_str(&format!(" ({})", parts.join(", ")));
        }
        let not_migrations = self
            .skipped
            .iter()
            .filter(|x| x.reason == SkipReason::NotMigration)
            .count();
        let other = self.skipped.len() - not_migrations;
        if not_migrations > 0 {
            s.push_str(&format!(
                ", {not_migrations} file{} skipped (not migrations)",
                plural(not_migrations)
            ));
        }
        if other > 0 {
            s.push_str(&format!(
                ", {other} file{} skipped (schema dumps, down migrations)",
                plural(other)
            ));
        }
        s
    }

    /// `5 findings, 2 blocking (postgres from db/structure.sql; schema: db/structure.sql)`.
    pub fn findings_line(&self) -> String {
        let n: usize = self.findings.len();
        let schema = match &self.schema {
            Some(p) if self.schema_used_for < self.linted.len() => format!(
                "schema: {p}, for the {} migration{} it does not include yet",
                self.schema_used_for,
                plural(self.schema_used_for)
            ),
            Some(p) => format!("schema: {p}"),
            None => "no schema dump".to_string(),
        };
        format!(
            "{n} finding{}, {} blocking ({}, dialect from {}; {schema})",
            plural(n),
            self.blocking(),
            self.dialect.as_str(),
            self.dialect_source
        )
    }

    pub fn blocking(&self) -> usize {
        self.findings.iter().filter(|f| f.blocks()).count()
    }
}

impl MigrationKind {
    /// How the summary line names the kind.
    pub fn label(self) -> &'static str {
        match self {
            MigrationKind::Sql => "SQL",
            MigrationKind::Rails { .. } => "Rails",
            MigrationKind::Django => "Django",
            MigrationKind::Alembic => "Alembic",
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A file found under the named paths.
struct Candidate {
    path: PathBuf,
    /// Named on the command line itself (not found in a directory).
    explicit: bool,
}

/// Runs the lint over `opts.paths`.
pub fn run(opts: &RunOptions) -> Result<LintReport, RunError> {
    let mut candidates = Vec::new();
    for p in &opts.paths {
        let meta = std::fs::metadata(p).map_err(|source| RunError::Unreadable {
            path: display(p),
            source,
        })?;
        if meta.is_dir() {
            let before = candidates.len();
            walk(p, &mut candidates).map_err(|source| RunError::Unreadable {
                path: display(p),
                source,
            })?;
            if candidates.len() == before {
                return Err(RunError::NoMigrations {
                    path: display(p),
                    skipped: 0,
                });
            }
        } else {
            candidates.push(Candidate {
                path: p.clone(),
                explicit: true,
            });
        }
    }

    let (dump, dump_path, dump_dialect, mut dump_findings) = load_schema(opts, &candidates)?;
    let mut lint = opts.lint.clone();
    let dialect_source = match (opts.dialect_given, dump_dialect) {
        (true, _) => "flag".to_string(),
        (false, Some(d)) => {
            lint.dialect = d;
            dump_path.clone().unwrap_or_default()
        }
        (false, None) => "default".to_string(),
    };
    // Parse the dump in the dialect finally chosen.
    let dump = match (dump, &dump_path) {
        (Some((path, text)), Some(_)) => {
            let (s, problems) = Schema::parse_reporting(&path, &text, lint.dialect);
            dump_findings.extend(problems);
            Some(s).filter(|s| !s.is_empty())
        }
        _ => None,
    };

    let mut report = LintReport {
        findings: Vec::new(),
        linted: Vec::new(),
        skipped: Vec::new(),
        schema: dump.as_ref().and(dump_path.clone()),
        dialect: lint.dialect,
        dialect_source,
        schema_used_for: 0,
    };
    let mut per_dir_skipped: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut files: Vec<(String, String, MigrationKind)> = Vec::new();
    for c in &candidates {
        let shown = display(&c.path);
        let root = opts
            .paths
            .iter()
            .find(|p| c.path.starts_with(p))
            .map(|p| display(p))
            .unwrap_or_default();
        match read_candidate(c, &shown, &opts.classifier)? {
            Read::Migration { text, kind } => {
                per_dir_skipped.entry(root).or_default().0 += 1;
                files.push((shown, text, kind));
            }
            Read::Unreadable { kind, why } => {
                per_dir_skipped.entry(root).or_default().0 += 1;
                report.linted.push((shown.clone(), kind));
                report.findings.push(unreadable_finding(&shown, &why));
            }
            Read::Skip(reason) => {
                per_dir_skipped.entry(root).or_default().1 += 1;
                report.skipped.push(Skipped {
                    path: shown,
                    reason,
                });
            }
        }
    }
    // A named directory that holds no migration at all is a mistake, not a pass.
    for p in &opts.paths {
        let key = display(p);
        if let Some((0, skipped)) = per_dir_skipped.get(&key) {
            if p.is_dir() {
                return Err(RunError::NoMigrations {
                    path: key,
                    skipped: *skipped,
                });
            }
        }
    }
    // Migrations run in version order, which their file names carry.
    files.sort_by(|a, b| super::file_name(&a.0).cmp(super::file_name(&b.0)));
    let classes = super::ClassIndex::from_files(
        files
            .iter()
            .filter(|(_, _, k)| matches!(k, MigrationKind::Rails { .. }))
            .map(|(p, t, _)| (p.as_str(), t.as_str())),
    );
    // The schema as the migrations before each one left it, for migrations the dump cannot tell.
    let mut history = Schema::default();
    for (shown, text, kind) in &files {
        // A dump describes the schema after every migration it includes: for those, it tells
        // the columns' final types, not the ones the migration started from, so it is only used
        // for the migrations after its version (the pending ones, as in the gate).
        let applied = matches!(kind, MigrationKind::Rails { .. })
            && dump
                .as_ref()
                .and_then(|d| d.version)
                .zip(migration_version(shown))
                .is_some_and(|(dump_v, v)| v <= dump_v);
        if !applied && dump.is_some() {
            report.schema_used_for += 1;
        }
        let known = match dump.as_ref().filter(|_| !applied) {
            Some(d) => Some(d),
            None => (!history.is_empty()).then_some(&history),
        };
        let lint_out = lint_file_with(
            shown,
            text,
            *kind,
            &lint,
            known,
            &Default::default(),
            &classes,
        );
        // Rollback code (`down`) never runs forward: only the migration's own ops are replayed.
        for op in &lint_out.ops {
            history.apply(op);
        }
        report.findings.extend(lint_out.findings);
        report.linted.push((shown.clone(), *kind));
    }
    report.findings.extend(dump_findings);
    super::once_per_run(&mut report.findings);
    Ok(report)
}

enum Read {
    Migration {
        text: String,
        kind: MigrationKind,
    },
    /// A migration by its path that is not text: linted as one blocking finding.
    Unreadable {
        kind: MigrationKind,
        why: String,
    },
    Skip(SkipReason),
}

fn read_candidate(c: &Candidate, shown: &str, classifier: &Classifier) -> Result<Read, RunError> {
    let unreadable = |source| RunError::Unreadable {
        path: shown.to_string(),
        source,
    };
    let by_path = classifier.kind_of_path(shown.trim_start_matches('/')) == FileKind::Schema;
    let size = std::fs::metadata(&c.path).map_err(unreadable)?.len();
    let path_kind = super::kind_by_path(shown, by_path);
    if size > MAX_FILE_BYTES {
        let why = format!("it is larger than {} MiB", MAX_FILE_BYTES >> 20);
        return match path_kind {
            Some(kind) if !c.explicit => Ok(Read::Unreadable { kind, why }),
            _ if c.explicit => Err(RunError::NotAMigration {
                path: shown.to_string(),
                reason: why,
            }),
            _ => Ok(Read::Skip(SkipReason::NotMigration)),
        };
    }
    let bytes = std::fs::read(&c.path).map_err(unreadable)?;
    let text = if bytes.contains(&0) {
        Err("it holds NUL bytes")
    } else {
        String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text")
    };
    let text = match text {
        Ok(t) => t,
        Err(why) => {
            return match (path_kind, c.explicit) {
                (_, true) => Err(RunError::NotAMigration {
                    path: shown.to_string(),
                    reason: format!("not a text migration: {why}"),
                }),
                (Some(kind), false) => Ok(Read::Unreadable {
                    kind,
                    why: why.to_string(),
                }),
                (None, false) => Ok(Read::Skip(SkipReason::NotMigration)),
            }
        }
    };
    match recognise(shown, &text, by_path) {
        Recognised::Migration(kind) => Ok(Read::Migration { text, kind }),
        Recognised::Skip(reason) if c.explicit => Err(RunError::NotAMigration {
            path: shown.to_string(),
            reason: match reason {
                SkipReason::NotMigration => "neither its path (migration-paths, db/migrate/, \
                    migrations/, versions/, *.sql) nor its content (an ActiveRecord::Migration \
                    class, a Django migrations.Migration, an Alembic revision) says it is one"
                    .to_string(),
                other => format!("it is a {}", other.as_str()),
            },
        }),
        Recognised::Skip(reason) => Ok(Read::Skip(reason)),
    }
}

fn unreadable_finding(path: &str, why: &str) -> Finding {
    let rule = &super::rules::sg901_unparsed_statement::RULE.doc;
    Finding::new(
        rule.id,
        Severity::Error,
        format!("Not a text migration: {why}, so it was not read and nothing in it was checked."),
    )
    .at(path, Some(1))
    .with_hint("Migrations must be UTF-8 text. If this file is not a migration, move it out of the migration folders or exclude it from `migration-paths`.")
}

/// Reads `--schema FILE`, or the first `db/schema.rb` / `db/structure.sql` above the linted
/// files. Returns the text (parsed later, in the final dialect), its path, the dialect it
/// reveals, and findings about it.
#[allow(clippy::type_complexity)]
fn load_schema(
    opts: &RunOptions,
    candidates: &[Candidate],
) -> Result<
    (
        Option<(String, String)>,
        Option<String>,
        Option<Dialect>,
        Vec<Finding>,
    ),
    RunError,
> {
    let path = match &opts.schema {
        Some(p) => Some(p.clone()),
        None => candidates.iter().find_map(|c| find_dump_above(&c.path)),
    };
    let Some(path) = path else {
        return Ok((None, None, None, Vec::new()));
    };
    let shown = display(&path);
    let bytes = std::fs::read(&path).map_err(|e| RunError::Schema {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) if !t.contains('\0') => t,
        _ => {
            let e = RunError::Schema {
                path: shown.clone(),
                reason: "not UTF-8 text".into(),
            };
            // An explicit dump that cannot be read is an error; a found one is only reported.
            if opts.schema.is_some() {
                return Err(e);
            }
            let f = Finding::new(
                "SG901",
                Severity::Warning,
                format!("The schema dump `{shown}` is not text; column types are unknown."),
            )
            .at(shown.clone(), Some(1))
            .with_hint("Pass a readable dump with `--schema FILE`.");
            return Ok((None, None, None, vec![f]));
        }
    };
    let dialect = schema::detect_dialect(&shown, &text);
    Ok((
        Some((shown.clone(), text)),
        Some(shown),
        dialect,
        Vec::new(),
    ))
}

/// `db/schema.rb` or `db/structure.sql` in a directory above `file` (its own dir included).
fn find_dump_above(file: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(file).ok()?;
    for dir in abs.ancestors().skip(1) {
        for cand in [
            "db/structure.sql",
            "db/schema.rb",
            "structure.sql",
            "schema.rb",
        ] {
            // `structure.sql` directly in a folder only counts for the `db` folder itself.
            if !cand.starts_with("db/") && dir.file_name().is_none_or(|n| n != "db") {
                continue;
            }
            let p = dir.join(cand);
            if p.is_file() {
                return Some(relative(&p));
            }
        }
    }
    None
}

/// `p` relative to the working directory when it is below it, for display.
fn relative(p: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| p.to_path_buf())
}

fn walk(dir: &Path, out: &mut Vec<Candidate>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        if e.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        // Symlinked directories are not followed: no loops, and the tree is the repository's.
        let meta = std::fs::symlink_metadata(&e)?;
        if meta.is_dir() {
            walk(&e, out)?;
        } else if meta.is_file() || std::fs::metadata(&e).is_ok_and(|m| m.is_file()) {
            out.push(Candidate {
                path: e,
                explicit: false,
            });
        }
    }
    Ok(())
}

/// The version a Rails migration's file name starts with (`20260101120000_add_x.rb`, `042_x.rb`).
fn migration_version(path: &str) -> Option<u64> {
    let name = super::file_name(path);
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A path as shown to the user: `./` dropped, control characters escaped.
fn display(p: &Path) -> String {
    let s = p.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    escape_control(s)
}
