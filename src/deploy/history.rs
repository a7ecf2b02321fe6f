//! The group's deployment history: which commit it runs and last attempted (so an old re-run
//! cannot roll production back by accident, and a train knows where it starts), even when the
//! last deployment was made by someone else or by CodeDeploy's own automatic rollback.

use super::config::{DeployConfig, RevisionTemplate};
use crate::codedeploy::types::{DeploymentSnapshot, GroupInfo};
use crate::codedeploy::CodeDeploy;
use crate::github::{CompareStatus, GitHub};
use crate::inputs::ConfigError;
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

/// The PR numbers shipgate wrote in a deployment's description (`shipgate <sha> PR #4,#5 run 9`).
pub fn shipped_prs(d: &DeploymentSnapshot) -> Vec<u64> {
    let Some(desc) = d.description.as_deref() else {
        return Vec::new();
    };
    let mut words = desc.split_whitespace();
    if words.next() != Some("shipgate") {
        return Vec::new();
    }
    words
        .skip_while(|w| *w != "PR")
        .nth(1)
        .map(|list| {
            list.split(',')
                .filter_map(|n| n.trim_start_matches('#').parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// CodeDeploy's own rollback deployments: `creator` is `codeDeployRollback` in the service
/// model (`autoRollback` is accepted too, as some tooling reports it), and `rollbackInfo` names
/// the deployment they undo.
pub fn is_codedeploy_rollback(d: &DeploymentSnapshot) -> bool {
    matches!(
        d.creator.as_deref(),
        Some("codeDeployRollback" | "autoRollback")
    ) || d
        .rollback
        .as_ref()
        .is_some_and(|r| r.rollback_triggering_deployment_id.is_some())
}

/// What else tells which commit a deployment ran, when the deployment itself does not say.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The `revision` input: `{sha}` in an S3 key reads the commit back.
    pub template: Option<RevisionTemplate>,
    /// The group's deployments (any status, any order).
    pub deployments: Vec<DeploymentSnapshot>,
    /// GitHub Deployments of the environment, newest first: (commit, the revision their payload
    /// names).
    pub github: Vec<(CommitSha, String)>,
}

impl Evidence {
    /// The commit from the deployment alone: its GitHub revision, shipgate's description, or
    /// the `{sha}` in its S3 key.
    fn own_commit(&self, d: &DeploymentSnapshot) -> Option<CommitSha> {
        deployed_commit(d).or_else(|| {
            let r = d.revision.as_ref()?;
            self.template.as_ref()?.commit_in(r)
        })
    }

    /// The commit `d` runs, and how that is known. Pure. A deployment someone else made (the
    /// console, CodeDeploy's automatic rollback) is matched by its revision to one that names
    /// its commit, or to a GitHub Deployment of the environment; a CodeDeploy rollback that
    /// does not name its revision is followed to the last success before the release it undid.
    pub fn commit_of(&self, d: &DeploymentSnapshot) -> Option<(CommitSha, String)> {
        if let Some(c) = self.own_commit(d) {
            return Some((c, format!("deployment {}", d.id)));
        }
        let Some(revision) = &d.revision else {
            if !is_codedeploy_rollback(d) {
                return None;
            }
            let undone = d
                .rollback
                .as_ref()?
                .rollback_triggering_deployment_id
                .as_deref()?;
            let before = self
                .deployments
                .iter()
                .find(|x| x.id == undone)?
                .create_time;
            let restored = self
                .newest_first()
                .into_iter()
                .filter(|x| x.id != d.id && x.status.as_str() == "Succeeded")
                .find(|x| x.create_time < before)?;
            let (c, how) = self.commit_of(restored)?;
            return Some((
                c,
                format!("{how}, restored by CodeDeploy's rollback {}", d.id),
            ));
        };
        let same = self
            .newest_first()
            .into_iter()
            .filter(|x| x.id != d.id && x.revision.as_ref() == Some(revision))
            .find_map(|x| Some((self.own_commit(x)?, x.id.clone())));
        if let Some((c, from)) = same {
            return Some((c, format!("the same revision as deployment {from}")));
        }
        let shown = revision.to_string();
        self.github.iter().find(|(_, r)| *r == shown).map(|(c, _)| {
            (
                c.clone(),
                "a GitHub Deployment of the same revision".to_string(),
            )
        })
    }

    fn newest_first(&self) -> Vec<&DeploymentSnapshot> {
        let mut all: Vec<&DeploymentSnapshot> = self.deployments.iter().collect();
        all.sort_by_key(|d| std::cmp::Reverse(d.create_time));
        all
    }
}

/// A deployment and the commit it ran.
#[derive(Debug, Clone)]
pub struct Deployed {
    pub deployment: DeploymentSnapshot,
    pub commit: CommitSha,
}

/// The group's history as far as it can be known: CodeDeploy's deployments and the
/// environment's GitHub Deployments.
pub struct GroupHistory {
    pub evidence: Evidence,
    pub last_successful: Option<String>,
    group: String,
}

impl GroupHistory {
    pub async fn load(
        cd: &CodeDeploy,
        gh: &GitHub,
        group: &GroupInfo,
        cfg: &DeployConfig,
    ) -> Result<GroupHistory> {
        let ids = cd
            .list_deployments(&group.application, &group.name, &[])
            .await
            .context("listing the group's deployments")?;
        let deployments = cd
            .batch_deployments(&ids)
            .await
            .context("reading the group's deployments")?;
        let github = match gh.environment_deployments(&cfg.environment, 100).await {
            Ok(ds) => ds
                .into_iter()
                .filter_map(|d| {
                    let r = d.payload.get("revision")?.as_str()?.to_string();
                    Some((CommitSha(d.sha), r))
                })
                .collect(),
            Err(e) => {
                crate::runner::warning(&format!(
                    "shipgate could not read the GitHub Deployments of `{}`: {e}",
                    cfg.environment
                ));
                Vec::new()
            }
        };
        Ok(GroupHistory {
            evidence: Evidence {
                template: cfg.revision.clone(),
                deployments,
                github,
            },
            last_successful: group.last_successful.as_ref().map(|l| l.id.clone()),
            group: group.name.clone(),
        })
    }

    fn unknown(&self, d: &DeploymentSnapshot) -> ConfigError {
        ConfigError(format!(
            "cannot tell which commit deployment {} of `{}` runs (created by {}, revision {}): it was not made by shipgate, its revision is not a GitHub commit, its S3 key has no `{{sha}}` matching input 'revision', and no other deployment or GitHub Deployment of the environment names that revision. Deploy a known commit once with command: deploy",
            d.id,
            self.group,
            d.creator.as_deref().unwrap_or("someone"),
            d.revision.as_ref().map(|r| r.to_string()).unwrap_or_else(|| "unnamed".into()),
        ))
    }

    /// What the group runs now: its last successful deployment, with its commit. `Ok(None)`:
    /// nothing ever succeeded. Err (exit 2) when the commit cannot be told.
    pub fn current(&self) -> Result<Option<Deployed>> {
        let Some(id) = &self.last_successful else {
            return Ok(None);
        };
        let Some(d) = self.evidence.deployments.iter().find(|d| &d.id == id) else {
            return Err(ConfigError(format!(
                "the group's last successful deployment {id} is not in its deployment list"
            ))
            .into());
        };
        let (commit, how) = self.evidence.commit_of(d).ok_or_else(|| self.unknown(d))?;
        println!(
            "shipgate: `{}` runs {} (known from {how})",
            self.group,
            commit.short()
        );
        Ok(Some(Deployed {
            deployment: d.clone(),
            commit,
        }))
    }

    /// What a rollback redeploys: the newest successful deployment, older than the current
    /// one, that ran a different commit.
    pub fn previous_good(&self, current: &Deployed) -> Result<Option<Deployed>> {
        for d in self.evidence.newest_first() {
            if d.status.as_str() != "Succeeded"
                || d.id == current.deployment.id
                || d.create_time > current.deployment.create_time
            {
                continue;
            }
            let Some((commit, _)) = self.evidence.commit_of(d) else {
                // An unknowable deployment cannot be a rollback target: redeploying it would
                // ship something nobody can name.
                continue;
            };
            if commit != current.commit {
                return Ok(Some(Deployed {
                    deployment: d.clone(),
                    commit,
                }));
            }
        }
        Ok(None)
    }
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
        d.description = Some(format!("shipgate {sha} PR #4,#15 run 9"));
        assert_eq!(shipped_prs(&d), vec![4, 15]);
        d.description = Some(format!("shipgate {sha} rollback run 9"));
        assert!(shipped_prs(&d).is_empty());
    }

    fn s3(key: &str, version: Option<&str>) -> crate::codedeploy::revision::Revision {
        crate::codedeploy::revision::Revision::S3 {
            bucket: "shop-artifacts".into(),
            key: key.into(),
            bundle_type: crate::codedeploy::revision::BundleType::Zip,
            version: version.map(str::to_string),
        }
    }

    fn at(id: &str, secs: u64, status: &str) -> DeploymentSnapshot {
        let mut d = DeploymentSnapshot::new(id, DeploymentStatus::parse(status));
        d.create_time = Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs));
        d
    }

    #[test]
    fn others_deployments_are_matched_to_a_commit() {
        let a = CommitSha("a".repeat(40));
        let b = CommitSha("b".repeat(40));
        let mut ours = at("d-1", 10, "Succeeded");
        ours.description = Some(format!("shipgate {} PR #4", a.0));
        ours.revision = Some(s3("shop/build.zip", Some("v1")));
        let mut failed = at("d-2", 20, "Failed");
        failed.description = Some(format!("shipgate {} PR #5", b.0));
        failed.revision = Some(s3("shop/build.zip", Some("v2")));
        // CodeDeploy's automatic rollback: no description, the restored revision.
        let mut auto = at("d-3", 30, "Succeeded");
        auto.creator = Some("codeDeployRollback".into());
        auto.revision = Some(s3("shop/build.zip", Some("v1")));
        let mut ev = Evidence {
            template: None,
            deployments: vec![ours.clone(), failed.clone(), auto.clone()],
            github: vec![],
        };
        let (c, how) = ev.commit_of(&auto).unwrap();
        assert_eq!(c, a);
        assert!(how.contains("same revision as deployment d-1"), "{how}");
        assert!(is_codedeploy_rollback(&auto));

        // A rollback that does not name its revision: the last success before what it undid.
        let mut bare = at("d-4", 40, "Succeeded");
        bare.creator = Some("autoRollback".into());
        bare.rollback = Some(crate::codedeploy::types::RollbackInfo {
            rollback_triggering_deployment_id: Some("d-2".into()),
            ..Default::default()
        });
        ev.deployments.push(bare.clone());
        let (c, how) = ev.commit_of(&bare).unwrap();
        assert_eq!(c, a);
        assert!(
            how.contains("restored by CodeDeploy's rollback d-4"),
            "{how}"
        );

        // A console deploy of an artifact only a GitHub Deployment names.
        let mut console = at("d-5", 50, "Succeeded");
        console.revision = Some(s3("shop/hotfix.zip", None));
        assert!(ev.commit_of(&console).is_none(), "nothing tells");
        ev.github = vec![(b.clone(), "s3://shop-artifacts/shop/hotfix.zip".into())];
        assert_eq!(ev.commit_of(&console).unwrap().0, b);

        // The `{sha}` in the key, under the pipeline's template.
        let mut by_key = at("d-6", 60, "Succeeded");
        by_key.revision = Some(s3(&format!("shop/{}.zip", b.0), None));
        assert!(ev.commit_of(&by_key).is_none());
        ev.template =
            Some(RevisionTemplate::parse("s3://shop-artifacts/shop/{sha}.zip", None).unwrap());
        assert_eq!(ev.commit_of(&by_key).unwrap().0, b);
    }
}
