//! The base branch's history between two commits, as steps: each merged PR at its merge commit,
//! and each commit that no merged PR brought in (a push straight to the branch). Squash, rebase
//! and merge-commit merges all count: a commit belongs to a PR when it is its merge commit or
//! when GitHub lists the PR for it (branch commits of a merge, the rebased commits).

use super::train::Step;
use crate::github::{CompareStatus, GitHub, PullRequest};
use crate::model::CommitSha;
use anyhow::{Context as _, Result};

/// The steps from `base` (exclusive) to `head`, oldest first; empty when `head` is not ahead.
pub async fn steps(gh: &GitHub, base: &CommitSha, head: &CommitSha) -> Result<Vec<Step>> {
    if base == head {
        return Ok(Vec::new());
    }
    let (status, commits) = gh
        .compare_commits(&base.0, &head.0)
        .await
        .with_context(|| {
            format!(
                "listing the commits from {} to {}",
                base.short(),
                head.short()
            )
        })?;
    if !matches!(status, CompareStatus::Ahead | CompareStatus::Diverged) {
        return Ok(Vec::new());
    }
    let merged: Vec<PullRequest> = gh
        .recently_closed_pulls(300)
        .await
        .context("listing merged pull requests")?
        .into_iter()
        .filter(|p| p.merged)
        .collect();
    let mut steps = Vec::new();
    for c in &commits {
        if let Some(pr) = merged
            .iter()
            .find(|p| p.merge_commit_sha.as_ref() == Some(c))
        {
            steps.push(Step::Pr(Box::new(pr.clone())));
            continue;
        }
        let owners = gh
            .pulls_for_commit(c)
            .await
            .with_context(|| format!("finding the PR behind {}", c.short()))?;
        // A branch commit of a PR merged in this range is accounted for by that PR's step.
        let belongs = owners.iter().any(|o| {
            o.merged
                && o.merge_commit_sha
                    .as_ref()
                    .is_some_and(|m| commits.contains(m))
        });
        if !belongs {
            steps.push(Step::Direct(c.clone()));
        }
    }
    Ok(steps)
}
