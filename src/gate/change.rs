//! One change set: the files a PR (or a release of several PRs) changes, read completely, or
//! marked incomplete so that no decision passes on files nobody read.

use crate::classify::{Classification, Classifier};
use crate::git::Repo;
use crate::github::{GitHub, GitHubError, PullRequest, MAX_PR_FILES};
use crate::model::ChangedFile;
use std::path::Path;

/// Where the list of files came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeSource {
    /// The checked-out repository had both commits: the diff is complete.
    Git,
    /// GitHub's PR files API, which lists at most [`MAX_PR_FILES`] files.
    Api,
    /// Given by the caller (tests, a local diff).
    Given,
}

/// The files of one change, and whether that is all of them.
#[derive(Debug, Clone)]
pub struct Change {
    pub files: Vec<ChangedFile>,
    pub source: ChangeSource,
    /// Why the list may be incomplete; `None` when every changed file is listed.
    pub incomplete: Option<String>,
}

impl Change {
    /// The change's classification, carrying over whether its list is complete.
    pub fn classify(&self, classifier: &Classifier) -> Classification {
        let mut c = classifier.classify(&self.files);
        c.incomplete = self.incomplete.clone();
        c
    }

    /// A complete list given by the caller.
    pub fn complete(files: Vec<ChangedFile>) -> Change {
        Change {
            files,
            source: ChangeSource::Given,
            incomplete: None,
        }
    }

    /// Several PRs shipped together: incomplete when any part is.
    pub fn union(parts: Vec<Change>) -> Change {
        let mut files = Vec::new();
        let mut incomplete = Vec::new();
        for p in parts {
            files.extend(p.files);
            incomplete.extend(p.incomplete);
        }
        Change {
            files,
            source: ChangeSource::Given,
            incomplete: (!incomplete.is_empty()).then(|| incomplete.join(" ")),
        }
    }
}

/// The message for a PR whose files GitHub cut off and no checkout could complete.
pub fn capped_message(pr: &PullRequest, listed: usize) -> String {
    format!(
        "GitHub lists at most {MAX_PR_FILES} files of a pull request and PR #{} lists {listed}: \
         shipgate could not read the rest, so it cannot tell whether this change mixes schema and \
         code or what its other migrations do. Check the repository out with \
         `actions/checkout` and `fetch-depth: 0` before shipgate, so it reads the whole diff from \
         git, or split the PR.",
        pr.number.0
    )
}

/// Every changed file of `pr`: from the git checkout when it has both the base and the head
/// commit (complete, no API call), else from the API; an API list cut off at its cap is
/// marked incomplete.
pub async fn pr_change(
    gh: &GitHub,
    workspace: Option<&Path>,
    pr: &PullRequest,
) -> Result<Change, GitHubError> {
    if let Some(files) = workspace.and_then(|dir| git_diff(dir, pr)) {
        return Ok(Change {
            files,
            source: ChangeSource::Git,
            incomplete: None,
        });
    }
    let files = gh.pull_request_files(pr.number).await?;
    let incomplete = (files.len() >= MAX_PR_FILES).then(|| capped_message(pr, files.len()));
    Ok(Change {
        files,
        source: ChangeSource::Api,
        incomplete,
    })
}

/// The PR's diff as GitHub shows it (from the merge base), when the checkout has both commits.
fn git_diff(dir: &Path, pr: &PullRequest) -> Option<Vec<ChangedFile>> {
    let repo = Repo::new(dir);
    repo.rev_parse(&pr.base_sha.0).ok()?;
    let head = repo.rev_parse(&pr.head_sha.0).ok()?;
    let base = repo.merge_base(&pr.base_sha.0, &head).ok()?;
    match repo.changed_files(&base, &head) {
        Ok(files) => Some(files),
        Err(e) => {
            tracing::info!("git diff of PR #{} failed: {e:#}", pr.number.0);
            None
        }
    }
}
