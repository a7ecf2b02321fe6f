//! The group's deployment history: which commit it last attempted, so an old re-run cannot
//! roll production back by accident.

use crate::codedeploy::types::{DeploymentSnapshot, GroupInfo};
use crate::codedeploy::CodeDeploy;
use crate::github::{CompareStatus, GitHub};
use crate::model::CommitSha;
use anyhow::{Context as _, Result};

/// The commit a deployment shipped: its GitHub revision, or the sha shipgate put in its
/// description (`shipgate <sha> ...`).
pub fn deployed_commit(d: &DeploymentSnapshot) -> Option<CommitSha> {
    if let Some(c) = d.revision.as_ref().and_then(|r| r.commit()) {
        return Some(c.clone());
    }
    let mut words = d.description.as_deref()?.split_whitespace();
    if words.next() != Some("shipgate") {
        return None;
    }
    let sha = words.next()?;
    (sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| CommitSha(sha.to_string()))
}

/// The newest successful deployment whose revision differs from what the group runs now: what
/// a rollback redeploys.
pub async fn previous_good(
    cd: &CodeDeploy,
    group: &GroupInfo,
) -> Result<Option<DeploymentSnapshot>> {
    let ids = cd
        .list_deployments(
            &group.application,
            &group.name,
            &[crate::codedeploy::types::DeploymentStatus::parse(
                "Succeeded",
            )],
        )
        .await?;
    let mut done = cd.batch_deployments(&ids).await?;
    done.sort_by_key(|d| std::cmp::Reverse(d.create_time));
    let current = match &group.last_successful {
        Some(last) => done
            .iter()
            .find(|d| d.id == last.id)
            .and_then(|d| d.revision.clone())
            .or_else(|| group.target_revision.clone()),
        None => group.target_revision.clone(),
    };
    Ok(done
        .into_iter()
        .find(|d| d.revision.is_some() && d.revision != current))
}

/// The group's newest deployment whose original fleet still runs next to an installed
/// replacement: waiting in `Ready`, or in its termination wait after the switch. What
/// `continue` moves on and what `rollback` routes back instantly.
pub async fn waiting_deployment(
    cd: &CodeDeploy,
    group: &GroupInfo,
) -> Result<Option<DeploymentSnapshot>> {
    use crate::codedeploy::types::DeploymentStatus;
    let ids = cd
        .list_deployments(
            &group.application,
            &group.name,
            &[DeploymentStatus::Ready, DeploymentStatus::InProgress],
        )
        .await
        .context("listing the group's running deployments")?;
    let mut waiting: Vec<DeploymentSnapshot> = cd
        .batch_deployments(&ids)
        .await
        .context("reading the group's running deployments")?
        .into_iter()
        .filter(|d| super::phase::phase(d).can_continue())
        .collect();
    waiting.sort_by_key(|d| d.create_time);
    Ok(waiting.pop())
}

/// A refusal when `commit` is older than (an ancestor of) the commit the group last attempted.
pub async fn older_than_last(
    cd: &CodeDeploy,
    gh: &GitHub,
    group: &GroupInfo,
    commit: &CommitSha,
) -> Result<Option<String>> {
    let Some(last) = &group.last_attempted else {
        return Ok(None);
    };
    let snapshot = cd
        .deployment(&last.id)
        .await
        .with_context(|| format!("reading the group's last deployment {}", last.id))?;
    let Some(last_commit) = deployed_commit(&snapshot) else {
        println!(
            "shipgate: the group's last deployment {} does not name its commit; skipping the order check",
            last.id
        );
        return Ok(None);
    };
    if last_commit == *commit {
        return Ok(None);
    }
    match gh.compare(&last_commit.0, &commit.0).await {
        Ok(CompareStatus::Behind) => Ok(Some(format!(
            "Commit {} is older than {}, which deployment {} last put into `{}`. Deploying it would roll production back; to go back on purpose, use the rollback command or revert the change in a new PR.",
            commit.short(),
            last_commit.short(),
            last.id,
            group.name
        ))),
        Ok(CompareStatus::Diverged) => {
            crate::runner::warning(&format!(
                "shipgate: {} and the last deployed {} have diverged (force push?); deploying anyway",
                commit.short(),
                last_commit.short()
            ));
            Ok(None)
        }
        Ok(_) => Ok(None),
        // Without the comparison nobody knows whether this would roll production back:
        // refuse, and say how to get past it.
        Err(e) => Ok(Some(format!(
            "shipgate could not compare {} with {}, which deployment {} last put into `{}` ({e}), so it cannot tell whether deploying would roll production back. Re-run the workflow; to go back on purpose, use the rollback command.",
            commit.short(),
            last_commit.short(),
            last.id,
            group.name
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codedeploy::types::DeploymentStatus;

    #[test]
    fn commit_from_description() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let mut d = DeploymentSnapshot::new("d-1", DeploymentStatus::parse("Succeeded"));
        d.description = Some(format!("shipgate {sha} PR #4 run 9"));
        assert_eq!(deployed_commit(&d), Some(CommitSha(sha.into())));
        d.description = Some("manual deploy".into());
        assert_eq!(deployed_commit(&d), None);
        d.description = Some("shipgate nothex".into());
        assert_eq!(deployed_commit(&d), None);
    }
}
