//! The local git repository, through the `git` CLI: the diff of a change and file contents at
//! a revision, for `shipgate check` and for reading base-branch files from the workspace. Where
//! no git CLI is installed (the action's image), commits, files and listings are read from the
//! object store directly (`store`); only the diff of `shipgate check` needs the CLI.

mod store;

use crate::model::{ChangedFile, FileStatus};
use anyhow::{anyhow, bail, Context as _, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Whether a `git` CLI can be started, asked once per process.
fn cli_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        Command::new("git")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// A git work tree.
#[derive(Debug, Clone)]
pub struct Repo {
    dir: PathBuf,
}

impl Repo {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Repo { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => anyhow!("git is not installed (no `git` on PATH)"),
                _ => anyhow!(e).context("running git"),
            })?;
        if !out.status.success() {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(out.stdout)
    }

    /// That the folder exists, git runs, and the folder is inside a repository, with the real
    /// reason when not.
    pub fn check_usable(&self) -> Result<()> {
        if !self.dir.is_dir() {
            bail!("{} is not a folder", self.dir.display());
        }
        self.run(&["rev-parse", "--git-dir"])
            .map(|_| ())
            .with_context(|| format!("{} is not a git repository", self.dir.display()))
    }

    /// Fails, naming the problem, when the git CLI is not installed: `shipgate check` diffs
    /// with it.
    pub fn require_cli(&self) -> Result<()> {
        if cli_available() {
            return Ok(());
        }
        self.run(&["--version"]).map(|_| ())
    }

    fn store(&self) -> Result<std::sync::Arc<store::Store>> {
        store::Store::for_work_tree(&self.dir)
    }

    /// The full commit id of `rev`.
    pub fn rev_parse(&self, rev: &str) -> Result<String> {
        if !cli_available() {
            return Ok(self.store()?.commit(rev)?.hex());
        }
        let spec = format!("{rev}^{{commit}}");
        let out = self.run(&["rev-parse", "--verify", "--quiet", &spec])?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }

    pub fn merge_base(&self, a: &str, b: &str) -> Result<String> {
        let out = self.run(&["merge-base", a, b])?;
        Ok(String::from_utf8_lossy(&out).trim().to_string())
    }

    /// The files changed from `base` to `head`, with renames detected, as a PR shows them.
    pub fn changed_files(&self, base: &str, head: &str) -> Result<Vec<ChangedFile>> {
        let out = self.run(&[
            "diff",
            "--name-status",
            "-z",
            "-M",
            "--no-color",
            base,
            head,
        ])?;
        parse_name_status(&out)
    }

    /// A file's text at `rev`; `None` when it does not exist there.
    pub fn show(&self, rev: &str, path: &str) -> Option<String> {
        if !cli_available() {
            let store = self.store().ok()?;
            let commit = store.commit(rev).ok()?;
            return match store.file(&commit, path) {
                Ok(bytes) => bytes.map(|b| String::from_utf8_lossy(&b).into_owned()),
                Err(e) => {
                    tracing::warn!("could not read {path} at {rev} from git: {e:#}");
                    None
                }
            };
        }
        let spec = format!("{rev}:{path}");
        self.run(&["show", &spec])
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Tracked paths at `rev` under `prefix`.
    pub fn ls_tree(&self, rev: &str, prefix: &str) -> Vec<String> {
        if !cli_available() {
            let paths = self
                .store()
                .and_then(|s| s.commit(rev).and_then(|c| s.paths(&c, prefix)));
            return paths.unwrap_or_else(|e| {
                tracing::warn!("could not list {prefix} at {rev} from git: {e:#}");
                Vec::new()
            });
        }
        // git takes "." for the whole tree; an empty pathspec is an error.
        let prefix = if prefix.is_empty() { "." } else { prefix };
        self.run(&["ls-tree", "-r", "-z", "--name-only", rev, "--", prefix])
            .map(|out| {
                out.split(|b| *b == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Parses `git diff --name-status -z` output.
fn parse_name_status(out: &[u8]) -> Result<Vec<ChangedFile>> {
    let mut fields = out
        .split(|b| *b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned());
    let mut files = Vec::new();
    while let Some(code) = fields.next() {
        if code.is_empty() {
            continue;
        }
        let mut next = || {
            fields
                .next()
                .filter(|f| !f.is_empty())
                .with_context(|| format!("truncated git diff output after status {code}"))
        };
        let file = match code.chars().next() {
            Some('R') | Some('C') => {
                let from = next()?;
                let to = next()?;
                let status = if code.starts_with('R') {
                    FileStatus::Renamed
                } else {
                    FileStatus::Copied
                };
                ChangedFile {
                    path: to,
                    status,
                    previous_path: Some(from),
                }
            }
            Some('A') => ChangedFile::new(next()?, FileStatus::Added),
            Some('D') => ChangedFile::new(next()?, FileStatus::Removed),
            Some('M') => ChangedFile::new(next()?, FileStatus::Modified),
            _ => ChangedFile::new(next()?, FileStatus::Changed),
        };
        files.push(file);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_statuses_and_renames() {
        let out = b"M\0app/a.rb\0R087\0db/migrate/1.rb\0db/migrate/2.rb\0D\0old.sql\0A\0new file.sql\0T\0link\0";
        let files = parse_name_status(out).unwrap();
        assert_eq!(files.len(), 5);
        assert_eq!(files[1].status, FileStatus::Renamed);
        assert_eq!(files[1].path, "db/migrate/2.rb");
        assert_eq!(files[1].previous_path.as_deref(), Some("db/migrate/1.rb"));
        assert_eq!(files[2].status, FileStatus::Removed);
        assert_eq!(files[3].path, "new file.sql");
        assert_eq!(files[4].status, FileStatus::Changed);
    }

    #[test]
    fn truncated_output_is_an_error() {
        assert!(parse_name_status(b"R100\0only-one\0").is_err());
    }
}
