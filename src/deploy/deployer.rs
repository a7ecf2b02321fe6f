//! The state of one deploy run and its reporting to every channel: GitHub Deployments, the PR
//! comments, the job summary and outputs, and Slack.

use super::checks::pr_block;
use super::codedeploy::{CodeDeploy, CodeDeployError, CreateRequest};
use super::config::{DeployConfig, OnActive};
use super::follow::{wait_for_active, EndState, FollowOptions, Outcome};
use super::revision::Revision;
use crate::app::{EXIT_FAILED, EXIT_OK};
use crate::gate::policy::MIXED_RULE;
use crate::github::{DeploymentState, GitHub, NewDeployment, NewDeploymentStatus, PullRequest};
use crate::inputs::ConfigError;
use crate::model::{ChangedFile, CommitSha, ReleaseKind};
use crate::report::deploy::{self as report, DeployReport};
use crate::retry::RetryPolicy;
use crate::runner::{self, RunContext, Runner};
use crate::slack::{DeployNotice, NoticeStatus, Notifier, PrRef};
use anyhow::{Context as _, Result};
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// A forward deploy, or a rollback to an earlier revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Deploy,
    Rollback,
}

/// The deploy's state and its reporting to every channel.
pub(super) struct Deployer<'a> {
    pub(super) ctx: &'a RunContext,
    pub(super) runner: &'a Runner,
    pub(super) gh: &'a GitHub,
    pub(super) cfg: &'a DeployConfig,
    pub(super) commit: CommitSha,
    pub(super) revision: Revision,
    pub(super) kind: Kind,
    pub(super) prs: Vec<PullRequest>,
    /// Release train: merged PRs this run leaves for later, with why.
    pub(super) left: Vec<(PullRequest, String)>,
    pub(super) region: Option<String>,
    pub(super) deployment_id: Option<String>,
    pub(super) github_deployment: Option<u64>,
    pub(super) slack: Option<Notifier>,
    pub(super) started: Instant,
}

impl<'a> Deployer<'a> {
    pub(super) fn new(
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

    pub(super) fn description_detail(&self) -> String {
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
    pub(super) async fn refusal(&self) -> Result<Option<String>> {
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
    pub(super) async fn mixed_release(&self) -> Result<Option<String>> {
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

    pub(super) fn console_url(&self) -> Option<String> {
        let id = self.deployment_id.as_ref()?;
        let region = self.region.as_deref()?;
        Some(format!(
            "https://{region}.console.aws.amazon.com/codesuite/codedeploy/deployments/{id}?region={region}"
        ))
    }

    pub(super) fn report(&self, headline: String) -> DeployReport {
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
            commit_url: self.ctx.commit_url(&self.commit),
            ..Default::default()
        }
    }

    pub(super) fn notice(&self, status: NoticeStatus, failing: Option<String>) -> DeployNotice {
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
            commit_url: self.ctx.commit_url(&self.commit),
            duration: Some(self.started.elapsed()),
            failing_event: failing,
            links,
            dry_run: self.cfg.dry_run,
        }
    }

    pub(super) async fn notify_slack(&mut self, status: NoticeStatus, failing: Option<String>) {
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

    pub(super) async fn comment_prs(&self, body: &str) {
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

    pub(super) async fn set_github_status(&self, state: DeploymentState, description: &str) {
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

    pub(super) fn outputs(&self, status: &str, rolled_back: bool) -> Result<()> {
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

    pub(super) async fn refuse(&mut self, reason: &str) -> Result<u8> {
        println!(
            "::error title=shipgate refused to deploy::{}",
            runner::escape_data(reason)
        );
        let headline = format!("⛔ shipgate refused to deploy to {}", self.cfg.environment);
        let details = [reason.to_string(), "Nothing was deployed.".to_string()];
        self.report_stop(headline, &details, NoticeStatus::Refused, "refused")
            .await
    }

    /// Reports a run that ends before anything is followed: PR comments (unless dry run),
    /// Slack, summary, outputs; exit 1.
    async fn report_stop(
        &mut self,
        headline: String,
        details: &[String],
        notice: NoticeStatus,
        status: &str,
    ) -> Result<u8> {
        let mut r = self.report(headline);
        r.details.extend(details.iter().cloned());
        let md = report::markdown(&r);
        if !self.cfg.dry_run {
            self.comment_prs(&md).await;
        }
        self.notify_slack(notice, details.first().cloned()).await;
        self.runner.append_summary(&md)?;
        self.outputs(status, false)?;
        Ok(EXIT_FAILED)
    }

    pub(super) async fn dry_run(
        &mut self,
        request: &CreateRequest,
        attach: Option<&str>,
    ) -> Result<u8> {
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

    pub(super) async fn already_deployed(&mut self) -> Result<u8> {
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
    pub(super) async fn start_reporting(&mut self) {
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

    pub(super) async fn mark_started(&mut self) {
        let id = self.deployment_id.clone().unwrap_or_default();
        self.set_github_status(
            DeploymentState::InProgress,
            &format!("CodeDeploy {id} in progress"),
        )
        .await;
    }

    /// Creates the deployment; a busy group is waited for (`on-active-deployment: wait`) or is a
    /// refusal (`fail`). The inner `Err` is a reason to report.
    pub(super) async fn create(
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

    pub(super) async fn fail_before_start(&mut self, reason: &str) -> Result<u8> {
        println!("::error title=shipgate::{}", runner::escape_data(reason));
        self.set_github_status(DeploymentState::Error, reason).await;
        let headline = format!("❌ Deploy to {} did not start", self.cfg.environment);
        self.report_stop(
            headline,
            &[reason.to_string()],
            NoticeStatus::Failed,
            "not-started",
        )
        .await
    }

    pub(super) async fn started_only(&mut self) -> Result<u8> {
        let id = self.deployment_id.clone().unwrap_or_default();
        let mut r = self.report(format!("🚀 Started deploying to {}", self.cfg.environment));
        r.details.push(format!(
            "`wait: false`: deployment {id} was started and is not followed; the GitHub Deployment stays in progress."
        ));
        self.runner.append_summary(&report::markdown(&r))?;
        self.outputs("started", false)?;
        Ok(EXIT_OK)
    }

    pub(super) async fn finish(&mut self, o: &Outcome) -> Result<u8> {
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
            println!(
                "shipgate: {headline} ({})",
                crate::slack::human_duration(o.duration)
            );
        }
        let md = report::markdown(&r);
        self.set_github_status(state, &headline).await;
        self.comment_prs(&md).await;
        self.notify_slack(notice, failure).await;
        r.log_tail = o.failure.as_ref().and_then(|f| f.log_tail.clone());
        self.runner.append_summary(&report::markdown(&r))?;
        self.outputs(o.status.as_str(), o.rolled_back)?;
        Ok(if o.succeeded() { EXIT_OK } else { EXIT_FAILED })
    }
}
