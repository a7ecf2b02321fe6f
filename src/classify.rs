//! Sorts each changed file into schema, code or ignored, by the `migration-paths` and
//! `ignore-paths` globs.

use crate::model::{ChangedFile, ReleaseKind};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// The default `migration-paths`: the common migration layouts.
pub const DEFAULT_MIGRATION_PATHS: &[&str] = &[
    // Rails (and GitLab-style post-deploy migrations), plus the schema dumps they regenerate.
    "db/migrate/**",
    "db/post_migrate/**",
    "db/schema.rb",
    "db/structure.sql",
    // Flyway.
    "**/db/migration/**/*.sql",
    "**/db/migrations/**",
    // Django, Knex, golang-migrate, sqlx, Prisma, Alembic under any `migrations/` folder.
    "**/migrations/**",
    "**/alembic/versions/**",
    "**/prisma/schema.prisma",
    // Liquibase.
    "**/db/changelog/**",
    "**/liquibase/**",
];

/// The default `ignore-paths`.
pub const DEFAULT_IGNORE_PATHS: &[&str] = &["**/*.md", "docs/**"];

/// What one changed file is, for the separation policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Schema,
    Code,
    Ignored,
}

/// An include/exclude glob list (`!pattern` excludes), compiled once.
#[derive(Debug, Clone)]
pub struct PathMatcher {
    include: GlobSet,
    exclude: GlobSet,
    patterns: Vec<String>,
}

/// A glob that does not compile; the caller names the input.
#[derive(Debug, thiserror::Error)]
#[error("invalid glob `{pattern}`: {reason}")]
pub struct GlobError {
    pub pattern: String,
    pub reason: String,
}

impl PathMatcher {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, GlobError> {
        let mut include = GlobSetBuilder::new();
        let mut exclude = GlobSetBuilder::new();
        let mut kept = Vec::new();
        for raw in patterns {
            let raw = raw.as_ref().trim();
            if raw.is_empty() || raw.starts_with('#') {
                continue;
            }
            let (negated, pattern) = match raw.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, raw),
            };
            let glob = compile(pattern)?;
            if negated {
                exclude.add(glob);
            } else {
                include.add(glob);
            }
            kept.push(raw.to_string());
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| GlobError {
                pattern: kept.join(", "),
                reason: e.to_string(),
            })
        };
        Ok(PathMatcher {
            include: build(include)?,
            exclude: build(exclude)?,
            patterns: kept.clone(),
        })
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.include.is_match(path) && !self.exclude.is_match(path)
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

fn compile(pattern: &str) -> Result<Glob, GlobError> {
    // `*` stays within one directory, like .gitignore and GitHub's path filters.
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| GlobError {
            pattern: pattern.to_string(),
            reason: e.kind().to_string(),
        })
}

/// Splits a multi-line or comma-separated glob input.
pub fn split_patterns(input: &str) -> Vec<String> {
    input
        .split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The classification of a whole change.
#[derive(Debug, Clone, Default)]
pub struct Classification {
    pub schema: Vec<ChangedFile>,
    pub code: Vec<ChangedFile>,
    pub ignored: Vec<ChangedFile>,
    /// Why the change's file list may be incomplete (see `gate::change::Change`).
    pub incomplete: Option<String>,
}

impl Classification {
    pub fn release_kind(&self) -> ReleaseKind {
        match (self.schema.is_empty(), self.code.is_empty()) {
            (true, true) => ReleaseKind::None,
            (false, true) => ReleaseKind::Schema,
            (true, false) => ReleaseKind::Code,
            (false, false) => ReleaseKind::Mixed,
        }
    }

    pub fn total(&self) -> usize {
        self.schema.len() + self.code.len() + self.ignored.len()
    }
}

/// Classifies files with `migrations` and `ignore` matchers.
#[derive(Debug, Clone)]
pub struct Classifier {
    migrations: PathMatcher,
    ignore: PathMatcher,
}

impl Classifier {
    pub fn new(migrations: PathMatcher, ignore: PathMatcher) -> Self {
        Classifier { migrations, ignore }
    }

    pub fn defaults() -> Self {
        // The defaults are constants of this file, covered by tests.
        Classifier {
            migrations: PathMatcher::new(DEFAULT_MIGRATION_PATHS).expect("default globs compile"),
            ignore: PathMatcher::new(DEFAULT_IGNORE_PATHS).expect("default globs compile"),
        }
    }

    pub fn kind_of_path(&self, path: &str) -> FileKind {
        if self.ignore.is_match(path) {
            FileKind::Ignored
        } else if self.migrations.is_match(path) {
            FileKind::Schema
        } else {
            FileKind::Code
        }
    }

    /// A rename counts as schema when either side is schema: moving an applied migration out of
    /// the migrations folder is as much a schema change as editing it. When the other side is
    /// code, the file is both, and shows up in both lists.
    pub fn classify(&self, files: &[ChangedFile]) -> Classification {
        let mut out = Classification::default();
        for file in files {
            let mut kinds = vec![self.kind_of_path(&file.path)];
            if let Some(prev) = &file.previous_path {
                let k = self.kind_of_path(prev);
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
            let relevant: Vec<FileKind> = kinds
                .iter()
                .copied()
                .filter(|k| *k != FileKind::Ignored)
                .collect();
            if relevant.is_empty() {
                out.ignored.push(file.clone());
            }
            for k in relevant {
                match k {
                    FileKind::Schema => out.schema.push(file.clone()),
                    FileKind::Code => out.code.push(file.clone()),
                    FileKind::Ignored => {}
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileStatus;

    fn file(p: &str) -> ChangedFile {
        ChangedFile::new(p, FileStatus::Modified)
    }

    #[test]
    fn default_layouts_are_schema() {
        let c = Classifier::defaults();
        for p in [
            "db/migrate/20240101000000_add_users.rb",
            "db/post_migrate/20240101000000_drop_col.rb",
            "db/schema.rb",
            "db/structure.sql",
            "src/main/resources/db/migration/V2__add_col.sql",
            "shop/migrations/0002_auto.py",
            "migrations/000001_init.up.sql",
            "alembic/versions/abc123_add.py",
            "prisma/migrations/20240101_init/migration.sql",
            "prisma/schema.prisma",
            "db/migrations/20240101_knex.js",
            "src/main/resources/db/changelog/changes.xml",
        ] {
            assert_eq!(c.kind_of_path(p), FileKind::Schema, "{p}");
        }
        for p in [
            "app/models/user.rb",
            "src/lib.rs",
            "config/routes.rb",
            "db/seeds.rb",
        ] {
            assert_eq!(c.kind_of_path(p), FileKind::Code, "{p}");
        }
        for p in ["README.md", "docs/deploy.txt", "db/migrate/README.md"] {
            assert_eq!(c.kind_of_path(p), FileKind::Ignored, "{p}");
        }
    }

    #[test]
    fn star_does_not_cross_directories_and_negation_excludes() {
        let m = PathMatcher::new(&["db/*.sql", "!db/seed.sql"]).unwrap();
        assert!(m.is_match("db/a.sql"));
        assert!(!m.is_match("db/x/a.sql"));
        assert!(!m.is_match("db/seed.sql"));
    }

    #[test]
    fn invalid_glob_is_reported() {
        let err = PathMatcher::new(&["db/[a"]).unwrap_err();
        assert!(err.to_string().contains("db/[a"));
    }

    #[test]
    fn split_accepts_newlines_and_commas() {
        assert_eq!(
            split_patterns(" a/**\n\n b/*.sql , c "),
            vec!["a/**", "b/*.sql", "c"]
        );
    }

    #[test]
    fn release_kind_from_files() {
        let c = Classifier::defaults();
        let mixed = c.classify(&[file("db/migrate/1_a.rb"), file("app/models/a.rb")]);
        assert_eq!(mixed.release_kind(), ReleaseKind::Mixed);
        let schema = c.classify(&[file("db/migrate/1_a.rb"), file("README.md")]);
        assert_eq!(schema.release_kind(), ReleaseKind::Schema);
        assert_eq!(
            c.classify(&[file("docs/a")]).release_kind(),
            ReleaseKind::None
        );
        assert_eq!(c.classify(&[]).release_kind(), ReleaseKind::None);
    }

    #[test]
    fn renames_and_deletions() {
        let c = Classifier::defaults();
        let mut moved = ChangedFile::new("app/legacy/add_users.rb", FileStatus::Renamed);
        moved.previous_path = Some("db/migrate/1_add_users.rb".into());
        let out = c.classify(&[moved]);
        assert_eq!(out.schema.len(), 1);
        assert_eq!(out.code.len(), 1);
        assert_eq!(out.release_kind(), ReleaseKind::Mixed);

        let removed = ChangedFile::new("db/migrate/1_add_users.rb", FileStatus::Removed);
        assert_eq!(c.classify(&[removed]).release_kind(), ReleaseKind::Schema);
    }

    #[test]
    fn three_thousand_files() {
        let c = Classifier::defaults();
        let mut files: Vec<ChangedFile> = (0..2999)
            .map(|i| file(&format!("app/models/m{i}.rb")))
            .collect();
        files.push(file("db/migrate/20240101_x.rb"));
        let out = c.classify(&files);
        assert_eq!(out.total(), 3000);
        assert_eq!(out.code.len(), 2999);
        assert_eq!(out.schema.len(), 1);
    }
}
