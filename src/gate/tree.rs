//! The two trees of a change, as the lint reads them: from local git, or in Actions from the
//! checked-out workspace with the contents API as the fallback.

use crate::git::Repo;
use crate::github::GitHub;
use crate::lint::SourceTree;
use crate::model::{ChangedFile, CommitSha};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// Both sides read from a local repository at two revisions.
pub struct GitTree {
    pub repo: Repo,
    pub base: String,
    pub head: String,
}

impl SourceTree for GitTree {
    fn head_file(&self, path: &str) -> Option<String> {
        self.repo.show(&self.head, path)
    }

    fn base_file(&self, path: &str) -> Option<String> {
        self.repo.show(&self.base, path)
    }

    fn head_paths(&self, prefix: &str) -> Vec<String> {
        self.repo.ls_tree(&self.head, prefix)
    }

    fn base_paths(&self, prefix: &str) -> Vec<String> {
        self.repo.ls_tree(&self.base, prefix)
    }
}

/// In Actions: head files from the workspace when it is checked out at the PR head (or its
/// merge commit), base files from the workspace's git history when the clone is deep enough,
/// and the contents API for everything else.
pub struct ActionTree {
    pub github: GitHub,
    pub head_sha: CommitSha,
    pub base_sha: CommitSha,
    /// A workspace whose HEAD is the PR head or merge commit.
    pub workspace: Option<PathBuf>,
    /// The PR's changed files: the name search's fallback without a workspace.
    pub changed: Vec<ChangedFile>,
    pub runtime: tokio::runtime::Handle,
    /// Contents already fetched, by (commit, path): the gate asks for a head file again to
    /// prove it was read, and that must not cost a second API call.
    pub fetched: Mutex<HashMap<(String, String), Option<String>>>,
}

impl ActionTree {
    /// Uses the workspace only when its HEAD is one of `accepted` commits.
    pub fn usable_workspace(dir: Option<PathBuf>, accepted: &[&CommitSha]) -> Option<PathBuf> {
        let dir = dir?;
        let head = Repo::new(&dir).rev_parse("HEAD").ok()?;
        accepted.iter().any(|sha| sha.0 == head).then_some(dir)
    }

    fn fetch(&self, path: &str, reference: &CommitSha) -> Option<String> {
        let key = (reference.0.clone(), path.to_string());
        if let Some(hit) = self.fetched.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        // The lint is synchronous and runs on a blocking thread (`spawn_blocking`), where
        // waiting on the runtime's handle is allowed.
        let result = self
            .runtime
            .block_on(self.github.file_at(path, &reference.0));
        let text = match result {
            Ok(text) => text,
            Err(e) => {
                // The gate turns an unread head file into a blocking finding; this says why.
                crate::runner::warning(&format!(
                    "shipgate could not read {path} at {}: {e}",
                    reference.short()
                ));
                None
            }
        };
        if let Ok(mut m) = self.fetched.lock() {
            m.insert(key, text.clone());
        }
        text
    }
}

impl SourceTree for ActionTree {
    fn head_file(&self, path: &str) -> Option<String> {
        match &self.workspace {
            Some(dir) => read_inside(dir, path),
            None => self.fetch(path, &self.head_sha),
        }
    }

    fn base_file(&self, path: &str) -> Option<String> {
        if let Some(dir) = &self.workspace {
            let repo = Repo::new(dir);
            if repo.rev_parse(&self.base_sha.0).is_ok() {
                return repo.show(&self.base_sha.0, path);
            }
        }
        self.fetch(path, &self.base_sha)
    }

    fn head_paths(&self, prefix: &str) -> Vec<String> {
        match &self.workspace {
            Some(dir) => Repo::new(dir).ls_tree("HEAD", prefix),
            None => self
                .changed
                .iter()
                .filter(|f| f.path.starts_with(prefix))
                .map(|f| f.path.clone())
                .collect(),
        }
    }

    fn base_paths(&self, prefix: &str) -> Vec<String> {
        // The contents API has no cheap recursive listing; a shallow clone without the base
        // commit leaves SG003 silent rather than guessing.
        match &self.workspace {
            Some(dir) => {
                let repo = Repo::new(dir);
                if repo.rev_parse(&self.base_sha.0).is_ok() {
                    repo.ls_tree(&self.base_sha.0, prefix)
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        }
    }
}

/// Reads `path` from the checkout only when it resolves inside it: a PR may commit a symlink
/// (or a `..` path) pointing at the runner's own files, and its target is never read.
fn read_inside(dir: &std::path::Path, path: &str) -> Option<String> {
    let root = dir.canonicalize().ok()?;
    let file = dir.join(path).canonicalize().ok()?;
    if !file.starts_with(&root) {
        crate::runner::warning(&format!(
            "shipgate did not read {}: it leads outside the workspace (a symlink or `..`)",
            crate::runner::escape_data(path)
        ));
        return None;
    }
    std::fs::read_to_string(file).ok()
}

#[cfg(test)]
mod inside_tests {
    use super::read_inside;

    #[test]
    fn a_symlink_out_of_the_workspace_is_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.sql"), "DROP TABLE users;").unwrap();
        let ws = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(ws.path().join("db/migrate")).unwrap();
        std::fs::write(ws.path().join("db/migrate/1_ok.sql"), "SELECT 1;").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.sql"),
            ws.path().join("db/migrate/2_link.sql"),
        )
        .unwrap();
        std::os::unix::fs::symlink("1_ok.sql", ws.path().join("db/migrate/3_inner.sql")).unwrap();
        assert_eq!(
            read_inside(ws.path(), "db/migrate/1_ok.sql").as_deref(),
            Some("SELECT 1;")
        );
        assert_eq!(read_inside(ws.path(), "db/migrate/2_link.sql"), None);
        assert_eq!(
            read_inside(ws.path(), "db/migrate/../../../etc/passwd"),
            None
        );
        // A link that stays inside the workspace is fine.
        assert_eq!(
            read_inside(ws.path(), "db/migrate/3_inner.sql").as_deref(),
            Some("SELECT 1;")
        );
    }
}
