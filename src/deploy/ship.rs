//! Shipping a planned release: open the Blue/Green group, attach to the deployment a previous
//! run started (or refuse an older commit), create the deployment, follow it, report. Shared by
//! `deploy`, `release` and `rollback`.

use super::config::{DeployConfig, OnActive};
use super::follow::{follow, wait_for_active, FollowOptions, FollowResult};
use super::history;
use super::preflight;
use super::publish::DeployRun;
use crate::codedeploy::types::GroupInfo;
use crate::codedeploy::{
    deployment_description, ClientOptions, CodeDeploy, CodeDeployError, CreateRequest,
};
use crate::github::GitHub;
use crate::inputs::ConfigError;
use crate::outcome::Outcome;
use crate::runner;
use anyhow::{Context as _, Result};
use tokio_util::sync::CancellationToken;

/// CodeDeploy and the checked group.
pub struct Aws {
    pub cd: CodeDeploy,
    pub group: GroupInfo,
}

impl Aws {
    /// The group must exist and be Blue/Green (else exit 2).
    pub async fn open(cfg: &DeployConfig) -> Result<Aws> {
        let cd = CodeDeploy::connect(ClientOptions {
            endpoint_url: None,
            region: None,
            retry: cfg.retry.clone(),
        })
        .await;
        let group = cd
            .blue_green_group(&cfg.application, &cfg.group)
            .await
            .map_err(config_or_runtime)?;
        Ok(Aws { cd, group })
    }
}

fn config_or_runtime(e: CodeDeployError) -> anyhow::Error {
    match e {
        CodeDeployError::ApplicationNotFound(_)
        | CodeDeployError::GroupNotFound { .. }
        | CodeDeployError::NotBlueGreen { .. }
        | CodeDeployError::Setup { .. }
        | CodeDeployError::Credentials { .. } => ConfigError(e.to_string()).into(),
        other => anyhow::Error::new(other).context("reading the deployment group"),
    }
}

/// A re-run attaches to the deployment it already started for this commit; a new commit must
/// not be older than the group's last attempt. Then ship.
pub async fn attach_or_ship(run: &mut DeployRun<'_>, aws: &Aws, gh: &GitHub) -> Result<Outcome> {
    let cfg = run.cfg;
    let commit = run.plan.commit.clone();
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
            return ship(run, aws, Some(prev.id.clone())).await;
        } else if prev.status.as_str() == "Succeeded" {
            println!(
                "shipgate: {} was already deployed by {}; nothing to do",
                commit.short(),
                prev.id
            );
            run.deployment_id = Some(prev.id.clone());
            return run.already_deployed().await;
        }
    }
    // Never roll production back by accident: refuse a commit older than the last attempt.
    if let Some(reason) = history::older_than_last(&aws.cd, gh, &aws.group, &commit).await? {
        return run.refuse(&reason).await;
    }
    ship(run, aws, None).await
}

fn create_request(run: &DeployRun<'_>) -> CreateRequest {
    let cfg = run.cfg;
    CreateRequest {
        application: cfg.application.clone(),
        group: cfg.group.clone(),
        revision: run.plan.revision.clone(),
        deployment_config: cfg.deployment_config.clone(),
        description: deployment_description(&run.plan.commit, &run.description_detail()),
        file_exists_behavior: Some(cfg.file_exists),
        auto_rollback: Some(cfg.auto_rollback),
    }
}

/// Start (or attach to) the deployment, follow it, report. Once reporting has started, an
/// error on any later step still leaves every channel in a final state.
pub async fn ship(run: &mut DeployRun<'_>, aws: &Aws, attach: Option<String>) -> Result<Outcome> {
    let request = create_request(run);
    if attach.is_none() {
        print_preflight(run.cfg, &aws.group);
    }
    if run.cfg.dry_run {
        let what = match &attach {
            Some(id) => format!("would follow the running deployment {id}"),
            None => format!(
                "would create a GitHub Deployment for `{}` in `{}` and a CodeDeploy deployment of `{}` into `{}/{}` (auto-rollback {}, fileExistsBehavior {:?}, description \"{}\")",
                run.plan.commit.short(),
                run.cfg.environment,
                request.revision,
                request.application,
                request.group,
                run.cfg.auto_rollback,
                run.cfg.file_exists,
                request.description
            ),
        };
        return run.dry_run(&what).await;
    }
    run.region = aws.cd.region();
    // Listening before the GitHub Deployment exists: a cancellation from here on is reported,
    // never a Deployment left `in_progress`.
    let cancel = cancel_on_signal();
    run.start_reporting().await;
    match started_and_followed(run, aws, &request, attach, &cancel).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            run.abort(&e).await;
            Err(e)
        }
    }
}

async fn started_and_followed(
    run: &mut DeployRun<'_>,
    aws: &Aws,
    request: &CreateRequest,
    attach: Option<String>,
    cancel: &CancellationToken,
) -> Result<Outcome> {
    let id = match attach {
        Some(id) => id,
        None => match create(run, aws, request, cancel).await? {
            Ok(id) => id,
            Err(reason) => return run.fail_before_start(&reason).await,
        },
    };
    run.deployment_id = Some(id.clone());
    run.mark_started().await;
    if !run.cfg.wait {
        return run.started_only().await;
    }
    let opts = follow_options(run.cfg, &aws.group);
    let outcome = follow_reporting(run, aws, &id, opts, cancel).await?;
    run.finish(&outcome).await
}

/// The pre-flight sense checks: what the group does at each phase, and a warning when the
/// timeout cannot cover the phases before the switch.
pub fn print_preflight(cfg: &DeployConfig, group: &GroupInfo) {
    let checks = preflight::checks(
        group,
        cfg.deployment_config.as_deref(),
        cfg.timeout,
        cfg.wait_for_termination,
    );
    for c in checks {
        if c.warning {
            runner::warning(&format!("shipgate: pre-flight: {}", c.text));
        } else {
            println!("shipgate: pre-flight: {}", c.text);
        }
    }
}

/// How to follow a deployment of this group: end at Ready when the group waits for a manual
/// switch, and know its termination wait.
pub fn follow_options(cfg: &DeployConfig, group: &GroupInfo) -> FollowOptions {
    let mut o = cfg.follow.clone();
    o.end_at_ready = group.manual_switch();
    o.termination_wait_minutes = group.termination_wait_minutes;
    o
}

/// Follows `id` in a log group while each phase change reaches the Deployment status.
pub async fn follow_reporting(
    run: &mut DeployRun<'_>,
    aws: &Aws,
    id: &str,
    mut opts: FollowOptions,
    cancel: &CancellationToken,
) -> Result<FollowResult> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    opts.phase_updates = Some(tx);
    let _group = runner::group(&format!("CodeDeploy {id} ({})", run.cfg.group));
    let following = async move {
        let mut sink = |line: &str| println!("{line}");
        // `opts` (and with it the sender) is dropped when the follow ends, which ends `updates`.
        follow(&aws.cd, id, &opts, cancel, &mut sink).await
    };
    let updates = async {
        while let Some(p) = rx.recv().await {
            run.phase_changed(p).await;
        }
    };
    let (result, ()) = tokio::join!(following, updates);
    result.with_context(|| format!("following deployment {id}"))
}

/// Creates the deployment; a busy group is waited for (`on-active-deployment: wait`) or is a
/// reason to report (`fail`). After an ambiguous failure (the call may have taken effect), the
/// group is searched for the deployment so that none runs unfollowed.
async fn create(
    run: &DeployRun<'_>,
    aws: &Aws,
    request: &CreateRequest,
    cancel: &CancellationToken,
) -> Result<std::result::Result<String, String>> {
    let cfg = run.cfg;
    for _ in 0..5 {
        if cancel.is_cancelled() {
            return Ok(Err(
                "The job was cancelled before the CodeDeploy deployment was created; nothing was started."
                    .to_string(),
            ));
        }
        match aws.cd.create_deployment(request).await {
            Ok(id) => {
                println!("shipgate: started CodeDeploy deployment {id}");
                return Ok(Ok(id));
            }
            Err(CodeDeployError::ActiveDeployment { id, .. }) => {
                let running = id.unwrap_or_else(|| "(unknown)".into());
                if cfg.on_active == OnActive::Fail {
                    return Ok(Err(format!(
                        "Deployment group `{}` already runs deployment {running} and `on-active-deployment` is `fail`. Re-run when it has finished.",
                        cfg.group
                    )));
                }
                let _group = runner::group(&format!("waiting for {running}"));
                let mut sink = |line: &str| println!("{line}");
                if let Err(e) =
                    wait_for_active(&aws.cd, &running, &cfg.follow, cancel, &mut sink).await
                {
                    return Ok(Err(format!(
                        "Deployment group `{}` stayed busy with {running}: {e}",
                        cfg.group
                    )));
                }
            }
            Err(e) => {
                if e.is_transient() {
                    if let Ok(Some(found)) = aws
                        .cd
                        .find_deployment_for_commit(
                            &cfg.application,
                            &cfg.group,
                            &run.plan.commit,
                            &[],
                        )
                        .await
                    {
                        if !found.status.is_terminal() {
                            println!(
                                "shipgate: CreateDeployment failed ({e}) but deployment {} for {} exists; following it",
                                found.id,
                                run.plan.commit.short()
                            );
                            return Ok(Ok(found.id));
                        }
                    }
                }
                return Err(anyhow::Error::new(e).context("starting the CodeDeploy deployment"));
            }
        }
    }
    Ok(Err(format!(
        "Deployment group `{}` stayed busy with other deployments; gave up after 5 attempts.",
        cfg.group
    )))
}

/// SIGTERM (job cancelled) or SIGINT cancels the follow, which stops the deployment with rollback.
pub fn cancel_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    // Registered now, not when the task first runs, so a signal right after this call counts.
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    tokio::spawn(async move {
        let term = async {
            match term {
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
        runner::warning("shipgate: the job is being cancelled; stopping the deployment");
        t.cancel();
    });
    token
}
