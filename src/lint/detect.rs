//! Which SQL dialect a project uses, read from the files that say so, with the reason, so the
//! output can tell the user why it picked MySQL or PostgreSQL instead of deciding silently.
//!
//! Sources, strongest first: `config/database.yml`'s adapter, the schema dump, `Gemfile.lock`,
//! Django's `ENGINE`, `alembic.ini`'s `sqlalchemy.url`. The explicit flag or input is the
//! caller's business and comes before all of these.

use crate::model::Dialect;
use std::path::Path;

/// The dialect and the sentence that justifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub dialect: Dialect,
    /// e.g. `config/database.yml: adapter postgresql`.
    pub reason: String,
    /// False when no file told and MySQL is only the default.
    pub detected: bool,
}

/// Django settings modules looked at, in order.
const DJANGO_SETTINGS: &[&str] = &[
    "settings.py",
    "config/settings.py",
    "config/settings/base.py",
    "config/settings/production.py",
];

/// Detects the dialect of the project at `root` on disk.
pub fn detect_dir(root: &Path) -> Detection {
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).ok();
    let mut settings: Vec<String> = DJANGO_SETTINGS.iter().map(|s| s.to_string()).collect();
    // `<project>/settings.py` one level down is Django's default layout.
    if let Ok(entries) = std::fs::read_dir(root) {
        let mut dirs: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("settings.py").is_file())
            .filter_map(|e| e.file_name().to_str().map(|n| format!("{n}/settings.py")))
            .collect();
        dirs.sort();
        settings.extend(dirs);
    }
    detect_with(&read, &settings)
}

/// Detects the dialect through a file reader (paths relative to the project root), e.g. a git
/// tree or the contents API.
pub fn detect(read: &dyn Fn(&str) -> Option<String>) -> Detection {
    let settings: Vec<String> = DJANGO_SETTINGS.iter().map(|s| s.to_string()).collect();
    detect_with(read, &settings)
}

fn detect_with(read: &dyn Fn(&str) -> Option<String>, django_settings: &[String]) -> Detection {
    let found = |dialect: Dialect, reason: String| Detection {
        dialect,
        reason,
        detected: true,
    };
    if let Some(text) = read("config/database.yml") {
        if let Some((adapter, d)) = database_yml(&text) {
            return found(d, format!("config/database.yml: adapter {adapter}"));
        }
    }
    if let Some(text) = read("db/structure.sql") {
        if let Some((what, d)) = structure_sql(&text) {
            return found(d, format!("db/structure.sql: {what}"));
        }
    }
    if let Some(text) = read("db/schema.rb") {
        if let Some(what) = schema_rb(&text) {
            return found(Dialect::Postgres, format!("db/schema.rb: {what}"));
        }
    }
    if let Some(text) = read("Gemfile.lock") {
        if let Some((gem, d)) = gemfile_lock(&text) {
            return found(d, format!("Gemfile.lock: gem {gem}"));
        }
    }
    for path in django_settings {
        if let Some(text) = read(path) {
            if let Some((engine, d)) = django_engine(&text) {
                return found(d, format!("{path}: ENGINE {engine}"));
            }
        }
    }
    if let Some(text) = read("alembic.ini") {
        if let Some((scheme, d)) = alembic_url(&text) {
            return found(d, format!("alembic.ini: sqlalchemy.url {scheme}://…"));
        }
    }
    Detection {
        dialect: Dialect::Mysql,
        reason: "nothing tells (no database.yml adapter, schema dump, Gemfile.lock gem, Django \
                 ENGINE or alembic.ini url): using MySQL"
            .into(),
        detected: false,
    }
}

fn adapter_dialect(adapter: &str) -> Option<Dialect> {
    match adapter {
        "postgresql" | "postgis" | "postgres" => Some(Dialect::Postgres),
        "mysql2" | "trilogy" | "mysql" => Some(Dialect::Mysql),
        _ => None,
    }
}

/// The first `adapter:` line that names a known adapter (ERB like `<%= ... %>` is skipped).
fn database_yml(text: &str) -> Option<(String, Dialect)> {
    text.lines().find_map(|l| {
        let l = l.split('#').next().unwrap_or("").trim();
        let value = l.strip_prefix("adapter:")?.trim().trim_matches(['"', '\'']);
        adapter_dialect(value).map(|d| (value.to_string(), d))
    })
}

/// Statements only one of the two servers' dumps contain.
fn structure_sql(text: &str) -> Option<(&'static str, Dialect)> {
    const SIGNS: &[(&str, &str, Dialect)] = &[
        ("set search_path", "SET search_path", Dialect::Postgres),
        ("create extension", "CREATE EXTENSION", Dialect::Postgres),
        ("pg_catalog.", "pg_catalog", Dialect::Postgres),
        ("engine=innodb", "ENGINE=InnoDB", Dialect::Mysql),
        ("/*!40101", "MySQL version comments", Dialect::Mysql),
    ];
    let lower = text.to_ascii_lowercase();
    SIGNS
        .iter()
        .filter_map(|(needle, what, d)| lower.find(needle).map(|pos| (pos, *what, *d)))
        .min_by_key(|(pos, ..)| *pos)
        .map(|(_, what, d)| (what, d))
}

/// `enable_extension` exists only for PostgreSQL; a MySQL schema.rb has no such sign.
fn schema_rb(text: &str) -> Option<&'static str> {
    text.lines()
        .any(|l| l.trim_start().starts_with("enable_extension"))
        .then_some("enable_extension")
}

/// The database gem in the lockfile's specs (`    pg (1.5.4)`).
fn gemfile_lock(text: &str) -> Option<(&'static str, Dialect)> {
    for l in text.lines() {
        let name = l.trim_start().split(' ').next().unwrap_or("");
        let indented = l.starts_with("    ") && !l.starts_with("      ");
        if !indented {
            continue;
        }
        match name {
            "pg" => return Some(("pg", Dialect::Postgres)),
            "mysql2" => return Some(("mysql2", Dialect::Mysql)),
            "trilogy" => return Some(("trilogy", Dialect::Mysql)),
            _ => {}
        }
    }
    None
}

/// `'ENGINE': 'django.db.backends.postgresql'` (also `postgresql_psycopg2`, `postgis`, `mysql`).
fn django_engine(text: &str) -> Option<(String, Dialect)> {
    text.lines().find_map(|l| {
        let l = l.split('#').next().unwrap_or("");
        let pos = l.find("ENGINE")?;
        let value = l[pos + "ENGINE".len()..]
            .trim_start_matches(['"', '\'', ' ', ':', '='])
            .split(['"', '\''])
            .next()?
            .trim();
        let d = if value.contains("postg") {
            Dialect::Postgres
        } else if value.contains("mysql") {
            Dialect::Mysql
        } else {
            return None;
        };
        Some((value.to_string(), d))
    })
}

/// `sqlalchemy.url = postgresql+psycopg2://…`; only the scheme goes into the reason, since the
/// rest of a URL can hold a password.
fn alembic_url(text: &str) -> Option<(String, Dialect)> {
    text.lines().find_map(|l| {
        let (key, value) = l.split_once('=')?;
        if key.trim() != "sqlalchemy.url" {
            return None;
        }
        let scheme = value.trim().split("://").next()?.trim();
        let base = scheme.split('+').next().unwrap_or(scheme);
        let d = match base {
            "postgresql" | "postgres" => Dialect::Postgres,
            "mysql" | "mariadb" => Dialect::Mysql,
            _ => return None,
        };
        Some((scheme.to_string(), d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(files: &[(&str, &str)]) -> Detection {
        let map: HashMap<String, String> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        detect(&|p: &str| map.get(p).cloned())
    }

    #[test]
    fn database_yml_adapter_comes_first() {
        let d = with(&[
            (
                "config/database.yml",
                "default: &default\n  adapter: postgresql\n  encoding: unicode\n",
            ),
            ("Gemfile.lock", "GEM\n  specs:\n    mysql2 (0.5.5)\n"),
        ]);
        assert_eq!(d.dialect, Dialect::Postgres);
        assert_eq!(d.reason, "config/database.yml: adapter postgresql");
        assert!(d.detected);
        for (adapter, want) in [
            ("postgis", Dialect::Postgres),
            ("mysql2", Dialect::Mysql),
            ("trilogy", Dialect::Mysql),
            ("\"mysql\"", Dialect::Mysql),
        ] {
            let d = with(&[(
                "config/database.yml",
                &format!("production:\n  adapter: {adapter}\n"),
            )]);
            assert_eq!(d.dialect, want, "{adapter}");
        }
    }

    #[test]
    fn unknown_adapter_falls_through_to_the_next_source() {
        let d = with(&[
            ("config/database.yml", "dev:\n  adapter: sqlite3\n"),
            ("Gemfile.lock", "GEM\n  specs:\n    pg (1.5.4)\n"),
        ]);
        assert_eq!(d.dialect, Dialect::Postgres);
        assert_eq!(d.reason, "Gemfile.lock: gem pg");
    }

    #[test]
    fn structure_sql_syntax() {
        let pg = with(&[(
            "db/structure.sql",
            "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\nCREATE EXTENSION IF NOT EXISTS plpgsql;\n",
        )]);
        assert_eq!(pg.dialect, Dialect::Postgres);
        assert_eq!(pg.reason, "db/structure.sql: pg_catalog");
        let my = with(&[(
            "db/structure.sql",
            "CREATE TABLE `users` (\n  `id` bigint NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n",
        )]);
        assert_eq!(my.dialect, Dialect::Mysql);
        assert_eq!(my.reason, "db/structure.sql: ENGINE=InnoDB");
    }

    #[test]
    fn schema_rb_extensions_mean_postgres() {
        let d = with(&[(
            "db/schema.rb",
            "ActiveRecord::Schema[7.1].define(version: 1) do\n  enable_extension \"plpgsql\"\nend\n",
        )]);
        assert_eq!(d.dialect, Dialect::Postgres);
        assert_eq!(d.reason, "db/schema.rb: enable_extension");
        // A schema.rb without extensions says nothing: the next source decides.
        let d = with(&[
            ("db/schema.rb", "ActiveRecord::Schema.define do\nend\n"),
            ("Gemfile.lock", "GEM\n  specs:\n    trilogy (2.6.0)\n"),
        ]);
        assert_eq!(d.reason, "Gemfile.lock: gem trilogy");
    }

    #[test]
    fn gemfile_lock_reads_specs_not_dependencies() {
        // `pg` as a dependency of another gem (six spaces) is not the app's adapter.
        let d = with(&[(
            "Gemfile.lock",
            "GEM\n  specs:\n    que (2.0)\n      pg (>= 1.0)\n    mysql2 (0.5.5)\n",
        )]);
        assert_eq!(d.dialect, Dialect::Mysql);
        assert_eq!(d.reason, "Gemfile.lock: gem mysql2");
    }

    #[test]
    fn django_engine() {
        let d = with(&[(
            "config/settings.py",
            "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n    }\n}\n",
        )]);
        assert_eq!(d.dialect, Dialect::Postgres);
        assert_eq!(
            d.reason,
            "config/settings.py: ENGINE django.db.backends.postgresql"
        );
        let d = with(&[(
            "settings.py",
            "DATABASES = {\"default\": {\"ENGINE\": \"django.db.backends.mysql\"}}\n",
        )]);
        assert_eq!(d.dialect, Dialect::Mysql);
    }

    #[test]
    fn django_project_folder_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("mysite")).unwrap();
        std::fs::write(
            dir.path().join("mysite/settings.py"),
            "DATABASES = {'default': {'ENGINE': 'django.contrib.gis.db.backends.postgis'}}\n",
        )
        .unwrap();
        let d = detect_dir(dir.path());
        assert_eq!(d.dialect, Dialect::Postgres);
        assert_eq!(
            d.reason,
            "mysite/settings.py: ENGINE django.contrib.gis.db.backends.postgis"
        );
    }

    #[test]
    fn alembic_url_without_the_password() {
        let d = with(&[(
            "alembic.ini",
            "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql+psycopg2://app:s3cret@db/app\n",
        )]);
        assert_eq!(d.dialect, Dialect::Postgres);
        assert_eq!(
            d.reason,
            "alembic.ini: sqlalchemy.url postgresql+psycopg2://…"
        );
        assert!(!d.reason.contains("s3cret"));
        let d = with(&[("alembic.ini", "sqlalchemy.url = mysql+pymysql://u@h/db\n")]);
        assert_eq!(d.dialect, Dialect::Mysql);
    }

    #[test]
    fn nothing_tells_is_mysql_and_says_so() {
        let d = with(&[("README.md", "# app\n")]);
        assert_eq!(d.dialect, Dialect::Mysql);
        assert!(!d.detected);
        assert!(d.reason.starts_with("nothing tells"), "{}", d.reason);
    }
}
