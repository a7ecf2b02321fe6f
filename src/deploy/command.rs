//! `shipgate deploy`: prove the merged work is safe to ship, start a CodeDeploy Blue/Green
//! deployment (or attach to the one a previous run started), follow it to the end, and report
//! it to GitHub Deployments, the PRs, the job summary, the outputs and Slack.

use super::codedeploy::{
    deployment_description, ClientOptions, CodeDeploy, CodeDeployError, CreateRequest,
};
use super::config::{DeployConfig, OnActive};
use super::follow::{follow, wait_for_active, EndState, FollowOptions, Outcome, PollSchedule};
use super::history;
use super::revision::Revision;
use super::train;
use crate::app::{EXIT_FAILED, EXIT_OK};
use crate::gate::action::{github_setup, CHECK_NAME};
use crate::gate::policy::MIXED_RULE;
use crate::github::{
    pull_request_from_event, CompareStatus, DeploymentState, GitHub, NewDeployment,
    NewDeploymentStatus, PullRequest,
};
use crate::inputs::{ConfigError, Inputs};
use crate::model::{ChangedFile, CommitSha, ReleaseKind};
use crate::report::deploy::{self as report, DeployReport};
use crate::retry::RetryPolicy;
use crate::runner::{self, RunContext, Runner};
use crate::slack::{DeployNotice, NoticeStatus, Notifier, PrRef};
use anyhow::{Context as _, Result};
use std::time::{Duration, Instant};
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
    let aws = Aws::connect(&cfg, &mut d).await?;
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
    let (follow_opts, retry) = follow_options(&cfg);
    let cd = connect(retry).await;
    let group = cd
        .blue_green_group(&cfg.application, &cfg.group)
        .await
        .map_err(config_or_runtime)?;
    let (revision, commit) = match cfg.revision.clone() {
        Some(r) => {
            let c = r.commit().cloned().unwrap_or(fallback);
            (r, c)
        }
        None => {
            let Some(previous) = history::previous_good(&cd, &group)
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
    d.region = cd.region();
    let aws = Aws {
        cd,
        group,
        follow_opts,
    };
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
    let (follow_opts, retry) = follow_options(&cfg);
    let cd = connect(retry).await;
    let group = cd
        .blue_green_group(&cfg.application, &cfg.group)
        .await
        .map_err(config_or_runtime)?;
    let last_good = match &group.last_successful {
        Some(last) => history::deployed_commit(
            &cd.deployment(&last.id)
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
    d.region = cd.region();
    let aws = Aws {
        cd,
        group,
        follow_opts,
    };
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
    async fn connect(cfg: &DeployConfig, d: &mut Deployer<'_>) -> Result<Aws> {
        let (follow_opts, retry) = follow_options(cfg);
        let cd = connect(retry).await;
        d.region = cd.region();
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

async fn connect(retry: RetryPolicy) -> CodeDeploy {
    CodeDeploy::connect(ClientOptions {
        endpoint_url: None,
        region: None,
        retry,
    })
    .await
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

/// Why one merged PR must not ship: a hold label, or a gate that did not pass on its head.
async fn pr_block(gh: &GitHub, cfg: &DeployConfig, pr: &PullRequest) -> Result<Option<String>> {
    if pr
        .labels
        .iter()
        .any(|l| l.eq_ignore_ascii_case(&cfg.hold_label))
    {
        return Ok(Some(format!(
            "PR #{} carries the hold label `{}`. Remove the label when it may ship, then re-run this workflow.",
            pr.number.0, cfg.hold_label
        )));
    }
    let runs = gh
        .check_runs(&pr.head_sha, CHECK_NAME)
        .await
        .with_context(|| format!("reading the gate's check run on PR #{}", pr.number.0))?;
    Ok(match runs.first() {
        None => Some(format!(
            "The `{CHECK_NAME}` gate never ran on PR #{}'s head commit {}. Run the gate workflow on the PR (and make it a required check), then re-run this deploy.",
            pr.number.0,
            pr.head_sha.short()
        )),
        Some(run) if run.status != "completed" => Some(format!(
            "The `{CHECK_NAME}` gate on PR #{} is still {}. Wait for it, then re-run this deploy.",
            pr.number.0, run.status
        )),
        Some(run) if run.conclusion.as_deref() != Some("success") => Some(format!(
            "The `{CHECK_NAME}` gate on PR #{} concluded `{}`. Fix its findings (or accept them on purpose) before shipping.",
            pr.number.0,
            run.conclusion.as_deref().unwrap_or("nothing")
        )),
        Some(_) => None,
    })
}

/// What one PR carries, for the train. With `mixed-changes` other than `fail`, mixing is
/// allowed and every PR counts as `none`. A mixed PR without the acceptance label is blocked.
async fn pr_kind(
    gh: &GitHub,
    cfg: &DeployConfig,
    pr: &PullRequest,
) -> Result<(ReleaseKind, Option<String>)> {
    if cfg.gate.mixed != crate::gate::policy::MixedPolicy::Fail {
        return Ok((ReleaseKind::None, None));
    }
    let files = gh
        .pull_request_files(pr.number)
        .await
        .with_context(|| format!("listing the files of PR #{}", pr.number.0))?;
    let kind = cfg.gate.classifier.classify(&files).release_kind();
    let accepted = format!("{}{MIXED_RULE}", cfg.gate.allow_label_prefix);
    if kind == ReleaseKind::Mixed && !pr.labels.iter().any(|l| l.eq_ignore_ascii_case(&accepted)) {
        return Ok((
            kind,
            Some(format!(
                "PR #{} mixes schema and code without the `{accepted}` label",
                pr.number.0
            )),
        ));
    }
    Ok((kind, None))
}

/// A forward deploy, or a rollback to an earlier revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Deploy,
    Rollback,
}

/// The deploy's state and its reporting to every channel.
struct Deployer<'a> {
    ctx: &'a RunContext,
    runner: &'a Runner,
    gh: &'a GitHub,
    cfg: &'a DeployConfig,
    commit: CommitSha,
    revision: Revision,
    kind: Kind,
    prs: Vec<PullRequest>,
    /// Release train: merged PRs this run leaves for later, with why.
    left: Vec<(PullRequest, String)>,
    region: Option<String>,
    deployment_id: Option<String>,
    github_deployment: Option<u64>,
    slack: Option<Notifier>,
    started: Instant,
}

impl<'a> Deployer<'a> {
    fn new(
        ctx: &'a RunContext,
        runner: &'a Runner,
        gh: &'a GitHub,
        cfg: &'a DeployConfig,
        commit: CommitSha,
        revision: Revision,
    ) -> Result<Self> {
        let slack = Notifier::from_inputs(
            cfg.slack_webhook.clone(),
            cfg.slack_token.clone(),
            cfg.slack_channel.clone(),
            runner::env_var("SLACK_API_URL"),
        )
        .map_err(|e| ConfigError(e.to_string()))?;
        let slack = match runner::env_var("SHIPGATE_POLL_MS") {
            Some(_) => slack.map(|n| n.with_retry(RetryPolicy::fast())),
            None => slack,
        };
        Ok(Deployer {
            ctx,
            runner,
            gh,
            cfg,
            commit,
            revision,
            kind: Kind::Deploy,
            prs: Vec::new(),
            left: Vec::new(),
            region: None,
            deployment_id: None,
            github_deployment: None,
            slack,
            started: Instant::now(),
        })
    }

    fn description_detail(&self) -> String {
        if self.kind == Kind::Rollback {
            let run = self
                .ctx
                .run_id
                .as_deref()
                .map(|r| format!(" run {r}"))
                .unwrap_or_default();
            return format!("rollback{run}");
        }
        let prs: Vec<String> = self
            .prs
            .iter()
            .map(|p| format!("#{}", p.number.0))
            .collect();
        let run = self
            .ctx
            .run_id
            .as_deref()
            .map(|r| format!(" run {r}"))
            .unwrap_or_default();
        if prs.is_empty() {
            format!("direct push{run}")
        } else {
            format!("PR {}{run}", prs.join(","))
        }
    }

    /// Why this release must not ship, if it must not. Reads only.
    async fn refusal(&self) -> Result<Option<String>> {
        if self.prs.is_empty() {
            if self.cfg.require_pull_request {
                return Ok(Some(format!(
                    "Commit {} was not brought in by a merged pull request, so no gate has checked it. Merge it through a PR, or set `require-pull-request: false` to deploy direct pushes.",
                    self.commit.short()
                )));
            }
            println!("::warning::shipgate: deploying {} with no PR behind it (require-pull-request: false)", self.commit.short());
            return Ok(None);
        }
        for pr in &self.prs {
            if let Some(reason) = pr_block(self.gh, self.cfg, pr).await? {
                return Ok(Some(reason));
            }
        }
        self.mixed_release().await
    }

    /// The whole release must carry schema or code, not both (DESIGN.md §1.4).
    async fn mixed_release(&self) -> Result<Option<String>> {
        if self.cfg.gate.mixed != crate::gate::policy::MixedPolicy::Fail {
            return Ok(None);
        }
        let accepted = format!("{}{MIXED_RULE}", self.cfg.gate.allow_label_prefix);
        let mut files: Vec<ChangedFile> = Vec::new();
        for pr in &self.prs {
            if pr.labels.iter().any(|l| l.eq_ignore_ascii_case(&accepted)) {
                return Ok(None);
            }
            files.extend(
                self.gh
                    .pull_request_files(pr.number)
                    .await
                    .with_context(|| format!("listing the files of PR #{}", pr.number.0))?,
            );
        }
        let class = self.cfg.gate.classifier.classify(&files);
        if class.release_kind() == ReleaseKind::Mixed {
            return Ok(Some(format!(
                "This release mixes schema changes ({} file(s)) and code changes ({} file(s)). Old and new code run together during Blue/Green and schema cannot roll back: ship the migration and the code as separate releases.",
                class.schema.len(),
                class.code.len()
            )));
        }
        Ok(None)
    }

    fn console_url(&self) -> Option<String> {
        let id = self.deployment_id.as_ref()?;
        let region = self.region.as_deref()?;
        Some(format!(
            "https://{region}.console.aws.amazon.com/codesuite/codedeploy/deployments/{id}?region={region}"
        ))
    }

    fn report(&self, headline: String) -> DeployReport {
        let headline = match self.kind {
            Kind::Deploy => headline,
            Kind::Rollback => format!("Rollback to {} · {headline}", self.revision),
        };
        let details = self
            .left
            .iter()
            .map(|(p, why)| {
                format!(
                    "Left for the next release: PR #{} {}: {why}",
                    p.number.0, p.title
                )
            })
            .collect();
        DeployReport {
            headline,
            details,
            environment: self.cfg.environment.clone(),
            commit: self.commit.0.clone(),
            revision: self.revision.to_string(),
            prs: self.prs.clone(),
            deployment_id: self.deployment_id.clone(),
            console_url: self.console_url(),
            run_url: self.ctx.run_url(),
            commit_url: self.ctx.repository.as_ref().map(|r| {
                format!(
                    "{}/{r}/commit/{}",
                    self.ctx.server_url.trim_end_matches('/'),
                    self.commit
                )
            }),
            ..Default::default()
        }
    }

    fn notice(&self, status: NoticeStatus, failing: Option<String>) -> DeployNotice {
        let mut links = Vec::new();
        if let Some(u) = self.ctx.run_url() {
            links.push(("Workflow run".to_string(), u));
        }
        if let Some(u) = self.console_url() {
            links.push(("CodeDeploy".to_string(), u));
        }
        if let Some(u) = &self.cfg.environment_url {
            links.push((self.cfg.environment.clone(), u.clone()));
        }
        DeployNotice {
            status,
            environment: self.cfg.environment.clone(),
            prs: self
                .prs
                .iter()
                .map(|p| PrRef {
                    number: p.number.0,
                    title: p.title.clone(),
                    author: p.author.clone(),
                    url: p.url.clone(),
                })
                .collect(),
            commit: self.commit.0.clone(),
            commit_url: self.ctx.repository.as_ref().map(|r| {
                format!(
                    "{}/{r}/commit/{}",
                    self.ctx.server_url.trim_end_matches('/'),
                    self.commit
                )
            }),
            duration: Some(self.started.elapsed()),
            failing_event: failing,
            links,
            dry_run: self.cfg.dry_run,
        }
    }

    async fn notify_slack(&mut self, status: NoticeStatus, failing: Option<String>) {
        if self.cfg.dry_run || !self.cfg.slack_notify.should_notify(status) {
            return;
        }
        let notice = self.notice(status, failing);
        if let Some(slack) = self.slack.as_mut() {
            // Slack is a courtesy: its failure never changes the deploy's outcome.
            if let Err(e) = slack.notify(&notice).await {
                println!("::warning::shipgate could not notify Slack: {e}");
            }
        }
    }

    async fn comment_prs(&self, body: &str) {
        let marker = report::comment_marker(&self.cfg.environment, &self.commit.0);
        for pr in &self.prs {
            if let Err(e) = self
                .gh
                .upsert_comment(pr.number, &marker, &format!("{marker}\n{body}"))
                .await
            {
                println!(
                    "::warning::shipgate could not comment on PR #{}: {e}",
                    pr.number.0
                );
            }
        }
    }

    async fn set_github_status(&self, state: DeploymentState, description: &str) {
        let Some(id) = self.github_deployment else {
            return;
        };
        let status = NewDeploymentStatus {
            state,
            description: description.to_string(),
            log_url: self.ctx.run_url(),
            environment_url: self.cfg.environment_url.clone(),
            environment: Some(self.cfg.environment.clone()),
        };
        if let Err(e) = self.gh.set_deployment_status(id, &status).await {
            println!("::warning::shipgate could not set the GitHub deployment status: {e}");
        }
    }

    fn outputs(&self, status: &str, rolled_back: bool) -> Result<()> {
        let prs: Vec<u64> = self.prs.iter().map(|p| p.number.0).collect();
        self.runner
            .set_output("deployment-id", self.deployment_id.as_deref().unwrap_or(""))?;
        self.runner.set_output("deployment-status", status)?;
        self.runner
            .set_output("rolled-back", if rolled_back { "true" } else { "false" })?;
        self.runner
            .set_output("revision", &self.revision.to_string())?;
        self.runner
            .set_output("pull-requests", &serde_json::to_string(&prs)?)?;
        Ok(())
    }

    async fn refuse(&mut self, reason: &str) -> Result<u8> {
        println!(
            "::error title=shipgate refused to deploy::{}",
            runner::escape_data(reason)
        );
        let mut r = self.report(format!(
            "⛔ shipgate refused to deploy to {}",
            self.cfg.environment
        ));
        r.details.push(reason.to_string());
        r.details.push("Nothing was deployed.".to_string());
        let md = report::markdown(&r);
        if !self.cfg.dry_run {
            self.comment_prs(&md).await;
        }
        self.notify_slack(NoticeStatus::Refused, Some(reason.to_string()))
            .await;
        self.runner.append_summary(&md)?;
        self.outputs("refused", false)?;
        Ok(EXIT_FAILED)
    }

    async fn dry_run(&mut self, request: &CreateRequest, attach: Option<&str>) -> Result<u8> {
        let what = match attach {
            Some(id) => format!("would follow the running deployment {id}"),
            None => format!(
                "would create a GitHub Deployment for `{}` in `{}` and a CodeDeploy deployment of `{}` into `{}/{}` (auto-rollback {}, fileExistsBehavior {:?}, description \"{}\")",
                self.commit.short(),
                self.cfg.environment,
                request.revision,
                request.application,
                request.group,
                self.cfg.auto_rollback,
                self.cfg.file_exists,
                request.description
            ),
        };
        println!("dry-run: {what}");
        let mut r = self.report(format!(
            "🧪 Dry run: ready to deploy to {}",
            self.cfg.environment
        ));
        r.details
            .push(format!("Dry run: {what}. Nothing was changed."));
        self.runner.append_summary(&report::markdown(&r))?;
        self.outputs("dry-run", false)?;
        Ok(EXIT_OK)
    }

    async fn already_deployed(&mut self) -> Result<u8> {
        let mut r = self.report(format!("✅ Already deployed to {}", self.cfg.environment));
        r.details.push(format!(
            "Commit {} was already deployed successfully; nothing was started.",
            self.commit.short()
        ));
        self.runner.append_summary(&report::markdown(&r))?;
        self.outputs("succeeded", false)?;
        Ok(EXIT_OK)
    }

    /// The GitHub Deployment (reused on a re-run), the PR comments and Slack's first message.
    async fn start_reporting(&mut self) {
        let existing = self
            .gh
            .deployments(&self.commit, &self.cfg.environment)
            .await
            .ok()
            .and_then(|ds| {
                ds.into_iter()
                    .find(|d| d.payload["shipgate"] == serde_json::json!(true))
            });
        self.github_deployment = match existing {
            Some(d) => Some(d.id),
            None => {
                let req = NewDeployment {
                    sha: self.commit.clone(),
                    environment: self.cfg.environment.clone(),
                    description: format!("shipgate: {}", self.description_detail()),
                    production: self.cfg.environment.to_ascii_lowercase().contains("prod"),
                    payload: serde_json::json!({
                        "shipgate": true,
                        "application": self.cfg.application,
                        "deployment_group": self.cfg.group,
                        "revision": self.revision.to_string(),
                    }),
                };
                match self.gh.create_deployment(&req).await {
                    Ok(d) => Some(d.id),
                    Err(e) => {
                        println!("::warning::shipgate could not create the GitHub Deployment (needs `deployments: write`): {e}");
                        None
                    }
                }
            }
        };
        self.set_github_status(
            DeploymentState::InProgress,
            "Starting the CodeDeploy deployment",
        )
        .await;
        let body =
            report::markdown(&self.report(format!("🚀 Deploying to {}", self.cfg.environment)));
        self.comment_prs(&body).await;
        if self.slack.is_some() && self.cfg.slack_webhook.is_none() {
            // Only the Web API can update a message in place; a webhook posts once, at the end.
            self.notify_slack(NoticeStatus::Started, None).await;
        }
    }

    async fn mark_started(&mut self) {
        let id = self.deployment_id.clone().unwrap_or_default();
        self.set_github_status(
            DeploymentState::InProgress,
            &format!("CodeDeploy {id} in progress"),
        )
        .await;
    }

    /// Creates the deployment; a busy group is waited for (`on-active-deployment: wait`) or is a
    /// refusal (`fail`). The inner `Err` is a reason to report.
    async fn create(
        &self,
        cd: &CodeDeploy,
        request: &CreateRequest,
        opts: &FollowOptions,
        cancel: &CancellationToken,
    ) -> Result<std::result::Result<String, String>> {
        for _ in 0..5 {
            match cd.create_deployment(request).await {
                Ok(id) => {
                    println!("shipgate: started CodeDeploy deployment {id}");
                    return Ok(Ok(id));
                }
                Err(CodeDeployError::ActiveDeployment { id, .. }) => {
                    let running = id.unwrap_or_else(|| "(unknown)".into());
                    if self.cfg.on_active == OnActive::Fail {
                        return Ok(Err(format!(
                            "Deployment group `{}` already runs deployment {running} and `on-active-deployment` is `fail`. Re-run when it has finished.",
                            self.cfg.group
                        )));
                    }
                    let _group = runner::group(&format!("waiting for {running}"));
                    let mut sink = |line: &str| println!("{line}");
                    if let Err(e) = wait_for_active(cd, &running, opts, cancel, &mut sink).await {
                        return Ok(Err(format!(
                            "Deployment group `{}` stayed busy with {running}: {e}",
                            self.cfg.group
                        )));
                    }
                }
                Err(e) => {
                    return Err(anyhow::Error::new(e).context("starting the CodeDeploy deployment"))
                }
            }
        }
        Ok(Err(format!(
            "Deployment group `{}` stayed busy with other deployments; gave up after 5 attempts.",
            self.cfg.group
        )))
    }

    async fn fail_before_start(&mut self, reason: &str) -> Result<u8> {
        println!("::error title=shipgate::{}", runner::escape_data(reason));
        self.set_github_status(DeploymentState::Error, reason).await;
        let mut r = self.report(format!(
            "❌ Deploy to {} did not start",
            self.cfg.environment
        ));
        r.details.push(reason.to_string());
        let md = report::markdown(&r);
        self.comment_prs(&md).await;
        self.notify_slack(NoticeStatus::Failed, Some(reason.to_string()))
            .await;
        self.runner.append_summary(&md)?;
        self.outputs("not-started", false)?;
        Ok(EXIT_FAILED)
    }

    async fn started_only(&mut self) -> Result<u8> {
        let id = self.deployment_id.clone().unwrap_or_default();
        let mut r = self.report(format!("🚀 Started deploying to {}", self.cfg.environment));
        r.details.push(format!(
            "`wait: false`: deployment {id} was started and is not followed; the GitHub Deployment stays in progress."
        ));
        self.runner.append_summary(&report::markdown(&r))?;
        self.outputs("started", false)?;
        Ok(EXIT_OK)
    }

    async fn finish(&mut self, o: &Outcome) -> Result<u8> {
        let env = self.cfg.environment.clone();
        let (headline, state, notice) = match o.status {
            EndState::Succeeded => (
                format!("✅ Deployed to {env}"),
                DeploymentState::Success,
                NoticeStatus::Succeeded,
            ),
            EndState::Failed | EndState::Stopped if o.rolled_back => (
                format!("⏪ Deploy to {env} failed and was rolled back"),
                DeploymentState::Failure,
                NoticeStatus::RolledBack,
            ),
            EndState::Failed | EndState::Stopped => (
                format!("❌ Deploy to {env} {}", o.status.as_str()),
                DeploymentState::Failure,
                NoticeStatus::Failed,
            ),
            EndState::TimedOut => (
                format!("⌛ Deploy to {env} timed out and was stopped"),
                DeploymentState::Error,
                NoticeStatus::TimedOut,
            ),
            EndState::Cancelled => (
                format!("🛑 Deploy to {env} was cancelled and stopped"),
                DeploymentState::Error,
                NoticeStatus::Cancelled,
            ),
        };
        let failure = o.failure.as_ref().map(|f| f.summary());
        let mut r = self.report(headline.clone());
        r.duration = Some(o.duration);
        r.timeline = o
            .timeline
            .iter()
            .map(|t| (t.elapsed, t.what.clone()))
            .collect();
        if let Some(f) = &failure {
            r.details.push(f.clone());
        }
        if let Some(e) = &o.stop_error {
            r.details.push(format!(
                "shipgate could not stop the deployment: {e}. Check it in the console."
            ));
        }
        if let Some(rb) = &o.rollback_deployment_id {
            r.rollback = Some(format!(
                "rollback deployment {rb} ({})",
                o.rollback_status
                    .as_ref()
                    .map(|s| s.as_str())
                    .unwrap_or("started")
            ));
        } else if o.status != EndState::Succeeded {
            r.rollback = Some(if self.cfg.auto_rollback {
                "no rollback deployment was reported by CodeDeploy".into()
            } else {
                "auto-rollback is off: the previous revision was not restored".into()
            });
        }
        if o.status != EndState::Succeeded {
            println!(
                "::error title=shipgate::{}",
                runner::escape_data(&format!(
                    "{headline}{}",
                    failure
                        .as_deref()
                        .map(|f| format!(": {f}"))
                        .unwrap_or_default()
                ))
            );
        } else {
            println!("shipgate: {headline} ({})", report::human(o.duration));
        }
        let md = report::markdown(&r);
        self.set_github_status(state, &headline).await;
        self.comment_prs(&md).await;
        self.notify_slack(notice, failure).await;
        self.runner.append_summary(&md)?;
        self.outputs(o.status.as_str(), o.rolled_back)?;
        Ok(if o.succeeded() { EXIT_OK } else { EXIT_FAILED })
    }
}
