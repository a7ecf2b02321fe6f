//! The gate's settings, validated from the inputs.

use super::policy::MixedPolicy;
use crate::classify::{
    split_patterns, Classifier, PathMatcher, DEFAULT_IGNORE_PATHS, DEFAULT_MIGRATION_PATHS,
};
use crate::inputs::{InputError, Inputs};
use crate::lint::LintOptions;
use crate::model::Dialect;

/// Everything the gate decides with.
#[derive(Debug, Clone)]
pub struct GateConfig {
    pub classifier: Classifier,
    pub mixed: MixedPolicy,
    pub lint: LintOptions,
    pub allow_label_prefix: String,
    /// `sql-dialect` named a dialect; `false` for `detect` (the default), which the command
    /// resolves from the repository's own files before linting.
    pub dialect_explicit: bool,
}

impl GateConfig {
    pub fn from_inputs(inputs: &Inputs) -> Result<Self, InputError> {
        let migrations = matcher(inputs, "migration-paths", DEFAULT_MIGRATION_PATHS)?;
        let ignore = matcher(inputs, "ignore-paths", DEFAULT_IGNORE_PATHS)?;
        let mixed = inputs.choice("mixed-changes", "fail", &["fail", "warn", "off"])?;
        let mixed = MixedPolicy::parse(&mixed)
            .ok_or_else(|| InputError::new("mixed-changes", "expected fail, warn or off"))?;
        let raw_dialect = inputs.get_or("sql-dialect", "detect");
        let dialect_explicit = !raw_dialect.eq_ignore_ascii_case("detect");
        let dialect = if dialect_explicit {
            parse_dialect(raw_dialect).ok_or_else(|| {
                InputError::new(
                    "sql-dialect",
                    format!("expected detect, mysql or postgres, got '{raw_dialect}'"),
                )
            })?
        } else {
            Dialect::Mysql
        };
        let mysql_version = inputs.get_or("mysql-version", "8.0").to_string();
        if !is_version(&mysql_version) {
            return Err(InputError::new(
                "mysql-version",
                format!("expected a version like 5.7, 8.0 or 8.0.29, got '{mysql_version}'"),
            ));
        }
        let pg = inputs.get_or("postgres-version", "16");
        let postgres_version = pg
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|m| (9..=99).contains(m))
            .ok_or_else(|| {
                InputError::new(
                    "postgres-version",
                    format!("expected a major version like 12 or 16, got '{pg}'"),
                )
            })?;
        let prefix = inputs
            .get_or("allow-label-prefix", "shipgate:allow-")
            .to_string();
        Ok(GateConfig {
            classifier: Classifier::new(migrations, ignore),
            mixed,
            lint: LintOptions {
                dialect,
                mysql_version,
                postgres_version,
            },
            allow_label_prefix: prefix,
            dialect_explicit,
        })
    }
}

fn matcher(inputs: &Inputs, name: &str, default: &[&str]) -> Result<PathMatcher, InputError> {
    let patterns: Vec<String> = match inputs.get(name) {
        Some(v) => split_patterns(v),
        None => default.iter().map(|s| s.to_string()).collect(),
    };
    PathMatcher::new(&patterns).map_err(|e| InputError::new(name, e.to_string()))
}

impl GateConfig {
    /// Resolves `sql-dialect: detect` from the project's files (read through `read`, paths
    /// relative to the repository root) and says which dialect is used and why.
    pub fn resolve_dialect(&mut self, read: &dyn Fn(&str) -> Option<String>) -> String {
        if self.dialect_explicit {
            return format!(
                "SQL dialect: {} (set by sql-dialect / --dialect)",
                self.lint.dialect.as_str()
            );
        }
        let d = crate::lint::detect::detect(read);
        self.lint.dialect = d.dialect;
        dialect_line(&d)
    }
}

/// "SQL dialect: postgres (config/database.yml: adapter postgresql)".
pub fn dialect_line(d: &crate::lint::detect::Detection) -> String {
    if d.detected {
        format!("SQL dialect: {} ({})", d.dialect.as_str(), d.reason)
    } else {
        format!(
            "SQL dialect: {} ({}; set sql-dialect / --dialect to choose)",
            d.dialect.as_str(),
            d.reason
        )
    }
}

pub fn parse_dialect(s: &str) -> Option<Dialect> {
    match s.trim().to_ascii_lowercase().as_str() {
        "mysql" | "mariadb" => Some(Dialect::Mysql),
        "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
        _ => None,
    }
}

fn is_version(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<GateConfig, InputError> {
        let mut i = Inputs::default();
        for (k, v) in pairs {
            i.set(k, v);
        }
        GateConfig::from_inputs(&i)
    }

    #[test]
    fn defaults_are_valid() {
        let mut c = cfg(&[]).unwrap();
        assert!(!c.dialect_explicit);
        let line = c.resolve_dialect(&|p: &str| {
            (p == "config/database.yml").then(|| "production:\n  adapter: postgresql\n".to_string())
        });
        assert_eq!(c.lint.dialect, Dialect::Postgres);
        assert!(line.contains("postgres (config/database.yml"), "{line}");
        let mut c = cfg(&[]).unwrap();
        let line = c.resolve_dialect(&|_: &str| None);
        assert!(
            line.contains("mysql") && line.contains("to choose"),
            "{line}"
        );
        // action.yml's default is the word `detect`, as the runner passes it.
        assert!(!cfg(&[("sql-dialect", "Detect")]).unwrap().dialect_explicit);
        let mut c = cfg(&[("sql-dialect", "postgres")]).unwrap();
        c.resolve_dialect(&|_: &str| Some("adapter: mysql2".into()));
        assert_eq!(c.lint.dialect, Dialect::Postgres, "an explicit choice wins");
        let c = cfg(&[]).unwrap();
        assert_eq!(c.mixed, MixedPolicy::Fail);
        assert_eq!(c.lint.dialect, Dialect::Mysql);
        assert_eq!(c.lint.postgres_version, 16);
        assert_eq!(c.allow_label_prefix, "shipgate:allow-");
    }

    #[test]
    fn bad_values_name_their_input() {
        for (name, value) in [
            ("mixed-changes", "sometimes"),
            ("sql-dialect", "oracle"),
            ("mysql-version", "eight"),
            ("postgres-version", "x"),
            ("migration-paths", "db/[a"),
        ] {
            let e = cfg(&[(name, value)]).unwrap_err();
            assert_eq!(e.input, name, "{e}");
        }
    }

    #[test]
    fn custom_globs_replace_defaults() {
        let c = cfg(&[
            ("migration-paths", "schema/**\n"),
            ("sql-dialect", "PostgreSQL"),
        ])
        .unwrap();
        use crate::classify::FileKind;
        assert_eq!(c.classifier.kind_of_path("schema/1.sql"), FileKind::Schema);
        assert_eq!(c.classifier.kind_of_path("db/migrate/1.rb"), FileKind::Code);
        assert_eq!(c.lint.dialect, Dialect::Postgres);
    }
}
