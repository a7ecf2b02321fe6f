//! SG003 non-linear: a new migration whose version sorts before the newest one already on the
//! base branch in the same directory.

use std::cmp::Ordering;

use super::Rule;
use crate::lint::{classify, MigrationKind, RuleDoc, SourceTree};
use crate::model::{ChangedFile, FileStatus, Finding, Severity};

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG003",
        name: "non-linear",
        severity: Severity::Warning,
        dialects: "any",
        why: "Production has already run a newer migration than this one. Flyway refuses an \
              out-of-order version by default; Rails runs it late, after migrations that were \
              written later and may depend on the schema it changes. Either way the order \
              differs between environments.",
        hint: "Regenerate the migration's version (timestamp) so it sorts after every migration \
               on the base branch.",
    },
    op: None,
    file: None,
};

/// Reports every added migration that sorts before the newest base migration of its directory.
pub fn check_pr(all: &[ChangedFile], tree: &dyn SourceTree) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut newest_by_dir: Vec<(String, Option<(Version, String)>)> = Vec::new();
    for f in all {
        if f.status != FileStatus::Added || !versioned(&f.path) {
            continue;
        }
        let Some(version) = version(&f.path) else {
            continue;
        };
        let dir = dir_of(&f.path).to_string();
        let newest = match newest_by_dir.iter().find(|(d, _)| *d == dir) {
            Some((_, n)) => n.clone(),
            None => {
                let n = newest_on_base(tree, &dir, all);
                newest_by_dir.push((dir.clone(), n.clone()));
                n
            }
        };
        let Some((top, top_path)) = newest else {
            continue;
        };
        if version.cmp(&top) == Ordering::Less {
            out.push(
                Finding::new(
                    RULE.doc.id,
                    RULE.doc.severity,
                    format!(
                        "`{}` has version {}, older than `{}` ({}) already on the base branch: \
                         it will run out of order.",
                        f.path,
                        version.text,
                        file_name(&top_path),
                        top.text
                    ),
                )
                .at(f.path.clone(), Some(1))
                .with_hint(RULE.doc.hint),
            );
        }
    }
    out
}

/// The newest versioned migration under `dir` on the base branch, ignoring files this change
/// adds (a base listing that lags behind must not compare a file with itself).
fn newest_on_base(
    tree: &dyn SourceTree,
    dir: &str,
    all: &[ChangedFile],
) -> Option<(Version, String)> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    tree.base_paths(&prefix)
        .into_iter()
        .filter(|p| dir_of(p) == dir && versioned(p))
        .filter(|p| {
            !all.iter()
                .any(|f| f.status == FileStatus::Added && f.path == *p)
        })
        .filter_map(|p| version(&p).map(|v| (v, p)))
        .max_by(|a, b| a.0.cmp(&b.0))
}

/// A migration whose file name orders it; Alembic orders by `down_revision` links, and its
/// revision ids are random hex that may start with a digit.
fn versioned(path: &str) -> bool {
    !matches!(classify(path), None | Some(MigrationKind::Alembic))
}

fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A migration version: numeric parts compared as numbers of any length.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    parts: Vec<String>,
    text: String,
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let num = |a: &str, b: &str| a.len().cmp(&b.len()).then_with(|| a.cmp(b));
        for (a, b) in self.parts.iter().zip(&other.parts) {
            match num(a, b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        self.parts.len().cmp(&other.parts.len())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The version a file name carries: Flyway `V1_2__x.sql` / `V1.2__x.sql` → 1.2, Rails
/// `20240101120000_x.rb`, golang-migrate `000042_x.up.sql`, Django `0007_x.py`. `None` for names
/// without one (Flyway repeatables, Alembic's hash revisions).
fn version(path: &str) -> Option<Version> {
    let name = file_name(path);
    let (raw, flyway) = match name.strip_prefix('V') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains("__") => {
            (rest.split("__").next().unwrap_or(""), true)
        }
        _ => {
            let end = name
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(name.len());
            (&name[..end], false)
        }
    };
    let parts: Vec<String> = if flyway {
        raw.split(['.', '_']).map(strip_zeros).collect()
    } else {
        vec![strip_zeros(raw)]
    };
    if raw.is_empty() || parts.iter().any(|p| !p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    Some(Version {
        parts,
        text: raw.to_string(),
    })
}

fn strip_zeros(s: &str) -> String {
    let t = s.trim_start_matches('0');
    if t.is_empty() && !s.is_empty() {
        "0".into()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::version;

    #[test]
    fn versions() {
        let v = |p: &str| version(p).map(|v| v.parts);
        assert_eq!(
            v("db/migration/V1_10__x.sql"),
            Some(vec!["1".to_string(), "10".into()])
        );
        assert!(version("db/migration/V1_10__x.sql") > version("db/migration/V1.9__y.sql"));
        assert!(version("db/migrate/20240101000000_a.rb") > version("db/migrate/2023_b.rb"));
        assert!(version("m/000010_a.up.sql") > version("m/000009_b.up.sql"));
        assert_eq!(v("alembic/versions/ae1027a6acf_x.py"), None);
        assert_eq!(v("db/migration/R__views.sql"), None);
        assert_eq!(v("db/migration/V__x.sql"), None);
    }
}
