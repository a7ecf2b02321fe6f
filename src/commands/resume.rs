//! `shipgate continue`: move a Blue/Green deployment to its next phase. From `Ready` (a manual
//! traffic switch) it calls ContinueDeployment with READY_WAIT and follows to the switch; in the
//! termination wait it ends the wait early (TERMINATION_WAIT) and follows until the original
//! fleet is gone. Reported as a deploy is. (The module is `resume`: `continue` is a keyword.)

use crate::channels::Channels;
use crate::codedeploy::types::DeploymentSnapshot;
use crate::codedeploy::{CodeDeployError, WaitType};
use crate::deploy::history;
use crate::deploy::phase::{phase, Phase};
use crate::deploy::publish::{DeployRun, Kind, Plan};
use crate::deploy::ship::{cancel_on_signal, follow_options, follow_reporting, Aws};
use crate::inputs::ConfigError;
use crate::model::CommitSha;
use crate::outcome::Outcome;
use crate::runner::{self, RunContext, Runner};
use crate::settings::DeploySettings;
use anyhow::{Context as _, Result};
use tokio_util::sync::CancellationToken;

/// What `continue` does in each phase; `None`: nothing to continue there. Pure.
pub fn wait_type(p: Phase) -> Option<WaitType> {
    match p {
        Phase::Ready => Some(WaitType::Ready),
        Phase::TerminationWait => Some(WaitType::Termination),
        _ => None,
    }
}

pub async fn run(ctx: &RunContext, s: DeploySettings, runner: &Runner) -> Result<Outcome> {
    let cfg = &s.deploy;
    let gh = s.github.client()?;
    let aws = Aws::open(cfg).await?;
    let snap = target(&aws, cfg).await?;
    let id = snap.id.clone();
    let p = phase(&snap);
    let Some(wait) = wait_type(p) else {
        return Err(ConfigError(format!(
            "deployment {id} is {} ({}): `continue` moves a deployment on from Ready or from its termination wait",
            snap.status,
            p.describe()
        ))
        .into());
    };
    let fallback = s
        .target
        .as_ref()
        .and_then(|t| t.commit().cloned())
        .unwrap_or_else(|| CommitSha(String::new()));
    let commit = history::deployed_commit(&snap).unwrap_or(fallback);
    let revision = snap
        .revision
        .clone()
        .ok_or_else(|| ConfigError(format!("deployment {id} does not name its revision")))?;
    // The PRs the deployment ships get their comment updated; without them it still continues.
    let prs = match gh.pulls_for_commit(&commit).await {
        Ok(prs) => prs.into_iter().filter(|p| p.merged).collect(),
        Err(e) => {
            runner::warning(&format!(
                "shipgate could not find the PRs behind {}: {e}",
                commit.short()
            ));
            Vec::new()
        }
    };
    let channels = Channels::new(Some(gh), cfg.slack.notifier(), runner.clone(), cfg.dry_run);
    let plan = Plan {
        kind: Kind::Deploy,
        commit,
        revision,
        prs,
        left: Vec::new(),
        notes: Vec::new(),
    };
    let mut run = DeployRun::new(ctx, cfg, plan, channels);
    run.deployment_id = Some(id.clone());
    let what = match wait {
        WaitType::Ready => format!("switch the traffic of {id} to the replacement fleet"),
        WaitType::Termination => {
            format!("end the termination wait of {id}: terminate the original fleet now")
        }
    };
    if cfg.dry_run {
        return run.dry_run(&format!("would {what}")).await;
    }
    run.region = aws.cd.region();
    let headline = match wait {
        WaitType::Ready => format!("🚦 Switching traffic in {}", cfg.environment),
        WaitType::Termination => {
            format!("🧹 Terminating the original fleet in {}", cfg.environment)
        }
    };
    run.start_reporting_as(&format!("Continuing CodeDeploy {id}"), headline)
        .await;
    let cancel = cancel_on_signal();
    match continued(&mut run, &aws, &id, wait, &what, &cancel).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            run.abort(&e).await;
            Err(e)
        }
    }
}

/// The deployment to continue: `deployment-id`, or the group's deployment that waits.
async fn target(
    aws: &Aws,
    cfg: &crate::deploy::config::DeployConfig,
) -> Result<DeploymentSnapshot> {
    let snap = match &cfg.deployment_id {
        Some(id) => aws.cd.deployment(id).await.map_err(|e| match e {
            CodeDeployError::DeploymentNotFound(_) => anyhow::Error::new(ConfigError(format!(
                "input 'deployment-id': {e}"
            ))),
            other => anyhow::Error::new(other).context(format!("reading deployment {id}")),
        })?,
        None => history::waiting_deployment(&aws.cd, &aws.group)
            .await?
            .ok_or_else(|| {
                ConfigError(format!(
                    "no deployment of group '{}' waits in Ready or in its termination wait: nothing to continue (input 'deployment-id' names one)",
                    cfg.group
                ))
            })?,
    };
    if snap.group.as_deref().is_some_and(|g| g != cfg.group) {
        return Err(ConfigError(format!(
            "deployment {} belongs to group '{}', not '{}'",
            snap.id,
            snap.group.as_deref().unwrap_or_default(),
            cfg.group
        ))
        .into());
    }
    Ok(snap)
}

async fn continued(
    run: &mut DeployRun<'_>,
    aws: &Aws,
    id: &str,
    wait: WaitType,
    what: &str,
    cancel: &CancellationToken,
) -> Result<Outcome> {
    println!(
        "shipgate: ContinueDeployment {id} ({}): {what}",
        wait.as_str()
    );
    aws.cd
        .continue_deployment(id, wait)
        .await
        .with_context(|| format!("continuing deployment {id}"))?;
    let mut opts = follow_options(run.cfg, &aws.group);
    // The deployment was just told to leave Ready; seeing Ready once more is the lag of the
    // switch starting, not a reason to stop following.
    opts.end_at_ready = false;
    if wait == WaitType::Termination {
        // Ending the termination wait is only done when the original fleet is gone.
        opts.wait_for_termination = true;
    }
    let outcome = follow_reporting(run, aws, id, opts, cancel).await?;
    run.finish(&outcome).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_always_means_the_next_phase() {
        assert_eq!(wait_type(Phase::Ready), Some(WaitType::Ready));
        assert_eq!(
            wait_type(Phase::TerminationWait),
            Some(WaitType::Termination)
        );
        for p in [Phase::Provisioning, Phase::Deploying, Phase::Done] {
            assert_eq!(wait_type(p), None, "{p:?}");
        }
    }
}
