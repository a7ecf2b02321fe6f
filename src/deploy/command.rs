//! `shipgate deploy`: prove the merged work is safe to ship, start a CodeDeploy Blue/Green
//! deployment (or attach to the one a previous run started), follow it to the end, and report
//! it to GitHub Deployments, the PRs, the job summary, the outputs and Slack.

use super::checks::{pr_block, pr_kind};
use super::codedeploy::{
    deployment_description, ClientOptions, CodeDeploy, CodeDeployError, CreateRequest,
};
use super::config::DeployConfig;
use super::deployer::{Deployer, Kind};
use super::follow::{follow, FollowOptions, PollSchedule};
use super::history;
use super::train;
use crate::app::EXIT_OK;
use crate::gate::action::github_setup;
use crate::github::{pull_request_from_event, CompareStatus, PullRequest};
use crate::inputs::{ConfigError, Inputs};
use crate::model::{CommitSha, ReleaseKind};
use crate::retry::RetryPolicy;
use crate::runner::{self, RunContext, Runner};
use anyhow::{Context as _, Result};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub async fn run(command: &str, ctx: &RunContext, inputs: &Inputs, runner: &Runner) -> Result<u8> {
    match command {
        "deploy" => deploy(ctx, inputs, runner).await,
        "rollback" => rollback(ctx, inputs, runner).await,
        "release" => release(ctx, inputs, runner).await,
        other => Err(ConfigError(format!(
            "command '{other}' is not supported by this version of shipgate; use command: deploy"
        ))
        .into()),
    }
}

/// What the event says ships, before any API call.
enum Target {
    /// A `pull_request` event that closed without merging.
    NotMerged(u64),
    /// A merged PR (pull_request closed) with its merge commit.
    MergedPr { number: u64, commit: CommitSha },
    /// A commit on the base branch (push, workflow_dispatch, CLI).
    Commit(CommitSha),
}

fn target(ctx: &RunContext) -> Result<Target> {
    let event = ctx.event()?;
    if matches!(
        ctx.event_name.as_deref(),
        Some("pull_request" | "pull_request_target")
    ) {
        let pr = pull_request_from_event(&event["pull_request"]).ok_or_else(|| {
            ConfigError("the pull_request event has no readable pull_request object".into())
        })?;
        if !pr.merged {
            return Ok(Target::NotMerged(pr.number.0));
        }
        let commit = pr.merge_commit_sha.clone().ok_or_else(|| {
            ConfigError(format!(
                "PR {} is merged but has no merge_commit_sha",
                pr.number
            ))
        })?;
        return Ok(Target::MergedPr {
            number: pr.number.0,
            commit,
        });
    }
    let sha = event
        .get("after")
        .and_then(|v| v.as_str())
        .filter(|s| s.len() == 40 && !s.chars().all(|c| c == '0'))
        .map(|s| CommitSha(s.to_string()))
        .or_else(|| ctx.sha.clone())
        .ok_or_else(|| {
            ConfigError("no commit to deploy: GITHUB_SHA (or --sha) is not set".into())
        })?;
    Ok(Target::Commit(sha))
}

/// Test and tuning knob: `SHIPGATE_POLL_MS` replaces the poll schedule and retry backoff.
fn follow_options(cfg: &DeployConfig) -> (FollowOptions, RetryPolicy) {
    match runner::env_var("SHIPGATE_POLL_MS").and_then(|v| v.parse::<u64>().ok()) {
        Some(ms) => {
            let mut o = FollowOptions::fast(cfg.timeout, cfg.auto_rollback);
            o.poll = PollSchedule(vec![Duration::from_millis(ms)]);
            (o, RetryPolicy::fast())
        }
        None => (
            FollowOptions::new(cfg.timeout, cfg.auto_rollback),
            RetryPolicy::standard(),
        ),
    }
}

async fn deploy(ctx: &RunContext, inputs: &Inputs, runner: &Runner) -> Result<u8> {
    let setup = github_setup(ctx, inputs)?;
    let target = target(ctx)?;
    let commit = match &target {
        Target::NotMerged(n) => {
            println!("shipgate: PR #{n} was closed without merging: nothing to deploy");
            runner.append_summary(&format!(
                "## shipgate: nothing to deploy\n\nPR #{n} was closed without merging.\n"
            ))?;
            runner.set_output("deployment-status", "skipped")?;
            runner.set_output("rolled-back", "false")?;
            runner.set_output("pull-requests", "[]")?;
            return Ok(EXIT_OK);
        }
        Target::MergedPr { commit, .. } | Target::Commit(commit) => commit.clone(),
    };
    let cfg = DeployConfig::from_inputs(inputs, Some(&setup.repo), &commit, true)?;
    let revision = cfg.required_revision()?;
    let gh = setup.github;
    let mut d = Deployer::new(ctx, runner, &gh, &cfg, commit.clone(), revision)?;

    // 1. What ships, and is it safe to ship? Only reads until every check passed.
    d.prs = match &target {
        Target::MergedPr { number, .. } => vec![gh
            .pull_request(crate::model::PrNumber(*number))
            .await
            .with_context(|| format!("reading PR #{number}"))?],
        _ => gh
            .pulls_for_commit(&commit)
            .await
            .with_context(|| format!("finding the PR behind {}", commit.short()))?
            .into_iter()
            .filter(|p| p.merged)
            .collect(),
    };
    if let Some(reason) = d.refusal().await? {
        return d.refuse(&reason).await;
    }
    let aws = Aws::open(&cfg).await?;
    d.region = aws.cd.region();
    attach_or_ship(&mut d, &aws).await
}

/// `shipgate rollback`: redeploy the newest revision that succeeded before the one the group
/// runs now (or the `revision` input), with the same reporting. No gate or order check: going
/// back is the point.
async fn rollback(ctx: &RunContext, inputs: &Inputs, runner: &Runner) -> Result<u8> {
    let setup = github_setup(ctx, inputs)?;
    let fallback = ctx.sha.clone().unwrap_or_else(|| CommitSha(String::new()));
    let cfg = DeployConfig::from_inputs(inputs, Some(&setup.repo), &fallback, false)?;
    let gh = setup.github;
    let aws = Aws::open(&cfg).await?;
    let (revision, commit) = match cfg.revision.clone() {
        Some(r) => {
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
    let mut d = Deployer::new(ctx, runner, &gh, &cfg, commit, revision)?;
    d.kind = Kind::Rollback;
    d.region = aws.cd.region();
    ship(&mut d, &aws, None).await
}

/// `shipgate release`: the PRs merged since the last successful deployment, in merge order;
/// ship the longest prefix that is safe and does not mix schema and code, leave the rest.
async fn release(ctx: &RunContext, inputs: &Inputs, runner: &Runner) -> Result<u8> {
    let setup = github_setup(ctx, inputs)?;
    let head = ctx.sha.clone().ok_or_else(|| {
        ConfigError("no commit to release up to: GITHUB_SHA (or --sha) is not set".into())
    })?;
    let cfg = DeployConfig::from_inputs(inputs, Some(&setup.repo), &head, true)?;
    let gh = setup.github;
    let aws = Aws::open(&cfg).await?;
    let last_good = match &aws.group.last_successful {
        Some(last) => history::deployed_commit(
            &aws.cd
                .deployment(&last.id)
                .await
                .with_context(|| format!("reading the last successful deployment {}", last.id))?,
        ),
        None => None,
    };
    let Some(base) = last_good else {
        return Err(ConfigError(format!(
            "deployment group '{}' has no successful shipgate deployment to start a release train from; deploy once with command: deploy",
            cfg.group
        ))
        .into());
    };
    let (status, commits) = gh
        .compare_commits(&base.0, &head.0)
        .await
        .with_context(|| format!("listing the commits since {}", base.short()))?;
    let mut merged: Vec<(usize, PullRequest)> =
        if matches!(status, CompareStatus::Ahead | CompareStatus::Diverged) {
            gh.recently_closed_pulls(300)
                .await
                .context("listing merged pull requests")?
                .into_iter()
                .filter(|p| p.merged)
                .filter_map(|p| {
                    let at = commits
                        .iter()
                        .position(|c| Some(c) == p.merge_commit_sha.as_ref())?;
                    Some((at, p))
                })
                .collect()
        } else {
            Vec::new()
        };
    merged.sort_by_key(|(at, _)| *at);
    if merged.is_empty() {
        let msg = format!(
            "Nothing to release: no PR was merged since {} ({}), the last successful deployment.",
            base.short(),
            cfg.group
        );
        println!("shipgate: {msg}");
        runner.append_summary(&format!("## shipgate: nothing to release\n\n{msg}\n"))?;
        runner.set_output("deployment-status", "skipped")?;
        runner.set_output("rolled-back", "false")?;
        runner.set_output("pull-requests", "[]")?;
        return Ok(EXIT_OK);
    }
    let mut candidates = Vec::new();
    for (_, pr) in merged {
        let blocked = pr_block(&gh, &cfg, &pr).await?;
        let (kind, mixed) = match blocked {
            Some(_) => (ReleaseKind::None, None),
            None => pr_kind(&gh, &cfg, &pr).await?,
        };
        candidates.push(train::Candidate {
            pr,
            kind,
            blocked: blocked.or(mixed),
        });
    }
    let plan = train::plan(candidates);
    let commit = plan
        .ship
        .last()
        .and_then(|p| p.merge_commit_sha.clone())
        .unwrap_or_else(|| head.clone());
    let revision = match cfg.revision_at(Some(&setup.repo), &commit)? {
        r if commit != head && cfg.revision_is_fixed() => {
            let mut d = Deployer::new(ctx, runner, &gh, &cfg, commit.clone(), r)?;
            d.prs = plan.ship.clone();
            d.left = plan.left.clone();
            return d
                .refuse("The train can only ship part of what was merged, but `revision` names one fixed artifact. Use `revision: github` or put `{sha}` in the S3 key so each commit has its own artifact.")
                .await;
        }
        r => r,
    };
    let mut d = Deployer::new(ctx, runner, &gh, &cfg, commit, revision)?;
    d.left = plan.left.clone();
    if plan.ship.is_empty() {
        let reason = plan
            .left
            .first()
            .map(|(p, why)| {
                format!(
                    "The train cannot leave: PR #{} is first in line and {why}",
                    p.number.0
                )
            })
            .unwrap_or_else(|| "Nothing can ship.".into());
        return d.refuse(&reason).await;
    }
    d.prs = plan.ship;
    let shipping: Vec<String> = d.prs.iter().map(|p| format!("#{}", p.number.0)).collect();
    println!(
        "shipgate: release train ships {} ({} changes) up to {}",
        shipping.join(", "),
        plan.kind,
        d.commit.short()
    );
    for (p, why) in &d.left {
        println!(
            "shipgate: PR #{} waits for the next release: {why}",
            p.number.0
        );
    }
    d.region = aws.cd.region();
    attach_or_ship(&mut d, &aws).await
}

/// CodeDeploy, the checked group and how to follow.
struct Aws {
    cd: CodeDeploy,
    group: crate::deploy::types::GroupInfo,
    follow_opts: FollowOptions,
}

impl Aws {
    /// The group must exist and be Blue/Green (else exit 2).
    async fn open(cfg: &DeployConfig) -> Result<Aws> {
        let (follow_opts, retry) = follow_options(cfg);
        let cd = CodeDeploy::connect(ClientOptions {
            endpoint_url: None,
            region: None,
            retry,
        })
        .await;
        let group = cd
            .blue_green_group(&cfg.application, &cfg.group)
            .await
            .map_err(config_or_runtime)?;
        Ok(Aws {
            cd,
            group,
            follow_opts,
        })
    }
}

/// A re-run attaches to the deployment it already started for this commit; a new commit must
/// not be older than the group's last attempt. Then ship.
async fn attach_or_ship(d: &mut Deployer<'_>, aws: &Aws) -> Result<u8> {
    let cfg = d.cfg;
    let commit = d.commit.clone();
    let existing = aws
        .cd
        .find_deployment_for_commit(&cfg.application, &cfg.group, &commit, &[])
        .await
        .context("looking for a deployment already started for this commit")?;
    if let Some(prev) = existing {
        if !prev.status.is_terminal() {
            println!(
                "shipgate: deployment {} for {} is already running ({}); following it instead of starting another",
                prev.id,
                commit.short(),
                prev.status.as_str()
            );
            return ship(d, aws, Some(prev.id.clone())).await;
        } else if prev.status.as_str() == "Succeeded" {
            println!(
                "shipgate: {} was already deployed by {}; nothing to do",
                commit.short(),
                prev.id
            );
            d.deployment_id = Some(prev.id.clone());
            return d.already_deployed().await;
        }
    }
    // Never roll production back by accident: refuse a commit older than the last attempt.
    if let Some(reason) = history::older_than_last(&aws.cd, d.gh, &aws.group, &commit).await? {
        return d.refuse(&reason).await;
    }
    ship(d, aws, None).await
}

/// Start (or attach to) the deployment, follow it, report.
async fn ship(d: &mut Deployer<'_>, aws: &Aws, attach: Option<String>) -> Result<u8> {
    let cfg = d.cfg;
    let request = CreateRequest {
        application: cfg.application.clone(),
        group: cfg.group.clone(),
        revision: d.revision.clone(),
        deployment_config: cfg.deployment_config.clone(),
        description: deployment_description(&d.commit, &d.description_detail()),
        file_exists_behavior: Some(cfg.file_exists),
        auto_rollback: Some(cfg.auto_rollback),
    };
    if cfg.dry_run {
        return d.dry_run(&request, attach.as_deref()).await;
    }
    d.start_reporting().await;
    let cancel = cancel_on_signal();
    let id = match attach {
        Some(id) => id,
        None => match d
            .create(&aws.cd, &request, &aws.follow_opts, &cancel)
            .await?
        {
            Ok(id) => id,
            Err(reason) => return d.fail_before_start(&reason).await,
        },
    };
    d.deployment_id = Some(id.clone());
    d.mark_started().await;
    if !cfg.wait {
        return d.started_only().await;
    }
    let outcome = {
        let _group = runner::group(&format!("CodeDeploy {id} ({})", cfg.group));
        let mut sink = |line: &str| println!("{line}");
        follow(&aws.cd, &id, &aws.follow_opts, &cancel, &mut sink)
            .await
            .with_context(|| format!("following deployment {id}"))?
    };
    d.finish(&outcome).await
}

fn config_or_runtime(e: CodeDeployError) -> anyhow::Error {
    match e {
        CodeDeployError::ApplicationNotFound(_)
        | CodeDeployError::GroupNotFound { .. }
        | CodeDeployError::NotBlueGreen { .. }
        | CodeDeployError::Setup { .. } => ConfigError(e.to_string()).into(),
        other => anyhow::Error::new(other).context("reading the deployment group"),
    }
}

/// SIGTERM (job cancelled) or SIGINT cancels the follow, which stops the deployment with rollback.
fn cancel_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
        println!("::warning::shipgate: the job is being cancelled; stopping the deployment");
        t.cancel();
    });
    token
}
