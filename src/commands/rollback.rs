//! `shipgate rollback`: redeploy the newest revision that succeeded before the one the group
//! runs now (or the `revision` input), with the same reporting. No gate or order check: going
//! back is the point. While a Blue/Green deployment's original fleet still runs (Ready, or the
//! termination wait after the switch), the rollback is instant instead: StopDeployment with
//! rollback routes the traffic back to that fleet, and no new deployment is created.

use crate::channels::Channels;
use crate::codedeploy::types::DeploymentSnapshot;
use crate::deploy::follow::reroute_back;
use crate::deploy::history;
use crate::deploy::publish::{DeployRun, Kind, Plan};
use crate::deploy::ship::{ship, Aws};
use crate::github::GitHub;
use crate::inputs::ConfigError;
use crate::model::CommitSha;
use crate::outcome::Outcome;
use crate::runner::{self, RunContext, Runner};
use crate::settings::DeploySettings;
use anyhow::{Context as _, Result};

pub async fn run(ctx: &RunContext, s: DeploySettings, runner: &Runner) -> Result<Outcome> {
    let cfg = &s.deploy;
    let fallback = s
        .target
        .as_ref()
        .and_then(|t| t.commit().cloned())
        .unwrap_or_else(|| CommitSha(String::new()));
    let gh = s.github.client()?;
    let aws = Aws::open(cfg).await?;
    if let Some(waiting) = history::waiting_deployment(&aws.cd, &aws.group).await? {
        return instant(ctx, &s, runner, gh, &aws, waiting, fallback).await;
    }
    let (revision, commit) = match &cfg.revision {
        Some(template) => {
            let r = template.at(&fallback)?;
            let c = r.commit().cloned().unwrap_or(fallback);
            (r, c)
        }
        None => {
            let Some(previous) = history::previous_good(&aws.cd, &aws.group)
                .await
                .context("looking for the last good revision")?
            else {
                return Err(ConfigError(format!(
                    "deployment group '{}' has no earlier successful deployment to roll back to; give input 'revision'",
                    cfg.group
                ))
                .into());
            };
            let revision = previous.revision.clone().ok_or_else(|| {
                ConfigError(format!(
                    "deployment {} does not name its revision",
                    previous.id
                ))
            })?;
            println!(
                "shipgate: rolling back to {revision} (last succeeded in deployment {})",
                previous.id
            );
            let commit = history::deployed_commit(&previous).unwrap_or(fallback);
            (revision, commit)
        }
    };
    let channels = Channels::new(Some(gh), cfg.slack.notifier(), runner.clone(), cfg.dry_run);
    let plan = Plan {
        kind: Kind::Rollback,
        commit,
        revision,
        prs: Vec::new(),
        left: Vec::new(),
    };
    let mut run = DeployRun::new(ctx, cfg, plan, channels);
    ship(&mut run, &aws, None).await
}

/// The instant rollback: stop `waiting` with rollback so CodeDeploy routes the traffic back to
/// the original fleet, which still runs.
async fn instant(
    ctx: &RunContext,
    s: &DeploySettings,
    runner: &Runner,
    gh: GitHub,
    aws: &Aws,
    waiting: DeploymentSnapshot,
    fallback: CommitSha,
) -> Result<Outcome> {
    let cfg = &s.deploy;
    let id = waiting.id.clone();
    println!(
        "shipgate: deployment {id} still has its original fleet ({}); rolling back by stopping it with rollback instead of creating a new deployment",
        crate::deploy::phase::phase(&waiting).describe()
    );
    // What the original fleet runs: the group's last successful deployment (the waiting one
    // has not succeeded yet). Only for the report: the stop itself needs no revision.
    let previous = match &aws.group.last_successful {
        Some(last) if last.id != id => aws.cd.deployment(&last.id).await.ok(),
        _ => None,
    };
    let revision = previous
        .as_ref()
        .and_then(|p| p.revision.clone())
        .or_else(|| waiting.revision.clone())
        .ok_or_else(|| ConfigError(format!("deployment {id} does not name its revision")))?;
    let commit = previous
        .as_ref()
        .and_then(history::deployed_commit)
        .unwrap_or(fallback);
    let channels = Channels::new(Some(gh), cfg.slack.notifier(), runner.clone(), cfg.dry_run);
    let plan = Plan {
        kind: Kind::Rollback,
        commit,
        revision,
        prs: Vec::new(),
        left: Vec::new(),
    };
    let mut run = DeployRun::new(ctx, cfg, plan, channels);
    run.deployment_id = Some(id.clone());
    if cfg.dry_run {
        return run
            .dry_run(&format!(
                "would stop deployment {id} with rollback, routing the traffic back to the original fleet"
            ))
            .await;
    }
    run.region = aws.cd.region();
    let headline = format!("⏪ Rolling back {} to the original fleet", cfg.environment);
    run.start_reporting_as(&format!("Stopping CodeDeploy {id} with rollback"), headline)
        .await;
    let outcome = {
        let _group = runner::group(&format!("CodeDeploy {id} ({}): rollback", cfg.group));
        let mut sink = |line: &str| println!("{line}");
        reroute_back(&aws.cd, &waiting, &cfg.follow, &mut sink).await
    };
    match run.finish_reroute(&outcome).await {
        Ok(o) => Ok(o),
        Err(e) => {
            run.abort(&e).await;
            Err(e)
        }
    }
}
