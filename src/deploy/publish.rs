//! The reporting of one deploy run: what it ships (fixed when the run is planned) and how each
//! state reaches every channel — GitHub Deployment statuses, the PR comments, the job summary and
//! outputs, and Slack — through [`Channels`]. Once reporting has started, every way out of the
//! run ends in a final state on every channel ([`DeployRun::abort`] for errors).

use super::config::DeployConfig;
use super::follow::{EndState, FollowResult};
use crate::channels::Channels;
use crate::codedeploy::revision::Revision;
use crate::github::{DeploymentState, NewDeployment, NewDeploymentStatus, PullRequest};
use crate::model::CommitSha;
use crate::outcome::Outcome;
use crate::report::deploy::{self as report, DeployReport};
use crate::report::slack::{self as slack_report, DeployNotice, NoticeStatus, PrRef};
use crate::runner::{self, RunContext};
use anyhow::Result;
use std::time::Instant;

/// A forward deploy, or a rollback to an earlier revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Deploy,
    Rollback,
}

/// What one run ships, decided before anything is published.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kind: Kind,
    pub commit: CommitSha,
    pub revision: Revision,
    pub prs: Vec<PullRequest>,
    /// Release train: merged PRs this run leaves for later, with why.
    pub left: Vec<(PullRequest, String)>,
}

/// One deploy run's reporting state.
pub struct DeployRun<'a> {
    pub ctx: &'a RunContext,
    pub cfg: &'a DeployConfig,
    pub plan: Plan,
    pub channels: Channels,
    pub region: Option<String>,
    pub deployment_id: Option<String>,
    github_deployment: Option<u64>,
    /// Reporting has started: the GitHub Deployment and the PR comments say "in progress".
    started_reporting: bool,
    started: Instant,
}

impl<'a> DeployRun<'a> {
    pub fn new(ctx: &'a RunContext, cfg: &'a DeployConfig, plan: Plan, channels: Channels) -> Self {
        DeployRun {
            ctx,
            cfg,
            plan,
            channels,
            region: None,
            deployment_id: None,
            github_deployment: None,
            started_reporting: false,
            started: Instant::now(),
        }
    }

    /// The text after `shipgate <sha>` in the CodeDeploy description.
    pub fn description_detail(&self) -> String {
        let run = self
            .ctx
            .run_id
            .as_deref()
            .map(|r| format!(" run {r}"))
            .unwrap_or_default();
        if self.plan.kind == Kind::Rollback {
            return format!("rollback{run}");
        }
        let prs: Vec<String> = self
            .plan
            .prs
            .iter()
            .map(|p| format!("#{}", p.number.0))
            .collect();
        if prs.is_empty() {
            format!("direct push{run}")
        } else {
            format!("PR {}{run}", prs.join(","))
        }
    }

    fn console_url(&self) -> Option<String> {
        let id = self.deployment_id.as_ref()?;
        let region = self.region.as_deref()?;
        Some(format!(
            "https://{region}.console.aws.amazon.com/codesuite/codedeploy/deployments/{id}?region={region}"
        ))
    }

    fn report(&self, headline: String) -> DeployReport {
        let headline = match self.plan.kind {
            Kind::Deploy => headline,
            Kind::Rollback => format!("Rollback to {} · {headline}", self.plan.revision),
        };
        let details = self
            .plan
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
            commit: self.plan.commit.0.clone(),
            revision: self.plan.revision.to_string(),
            prs: self.plan.prs.clone(),
            deployment_id: self.deployment_id.clone(),
            console_url: self.console_url(),
            run_url: self.ctx.run_url(),
            commit_url: self.ctx.commit_url(&self.plan.commit),
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
                .plan
                .prs
                .iter()
                .map(|p| PrRef {
                    number: p.number.0,
                    title: p.title.clone(),
                    author: p.author.clone(),
                    url: p.url.clone(),
                })
                .collect(),
            commit: self.plan.commit.0.clone(),
            commit_url: self.ctx.commit_url(&self.plan.commit),
            duration: Some(self.started.elapsed()),
            failing_event: failing,
            links,
            dry_run: self.cfg.dry_run,
        }
    }

    async fn notify_slack(&mut self, status: NoticeStatus, failing: Option<String>) {
        if !self.cfg.slack.notify.should_notify(status) {
            return;
        }
        let message = slack_report::render(&self.notice(status, failing));
        // Slack is a courtesy: its failure never changes the deploy's outcome.
        if let Err(e) = self.channels.slack(&message).await {
            runner::warning(&format!("shipgate could not notify Slack: {e}"));
        }
    }

    async fn comment_prs(&mut self, body: &str) {
        let marker = report::comment_marker(&self.cfg.environment, &self.plan.commit.0);
        for pr in self.plan.prs.clone() {
            if let Err(e) = self
                .channels
                .comment(pr.number, &marker, &format!("{marker}\n{body}"))
                .await
            {
                runner::warning(&format!(
                    "shipgate could not comment on PR #{}: {}",
                    pr.number.0,
                    e.with_permission_hint("pull-requests: write")
                ));
            }
        }
    }

    async fn set_github_status(&mut self, state: DeploymentState, description: &str) {
        if self.github_deployment.is_none() && !self.channels.is_dry_run() {
            return;
        }
        let status = NewDeploymentStatus {
            state,
            description: description.to_string(),
            log_url: self.ctx.run_url(),
            environment_url: self.cfg.environment_url.clone(),
            environment: Some(self.cfg.environment.clone()),
        };
        if let Err(e) = self
            .channels
            .deployment_status(self.github_deployment, &status)
            .await
        {
            runner::warning(&format!(
                "shipgate could not set the GitHub deployment status: {}",
                e.with_permission_hint("deployments: write")
            ));
        }
    }

    /// Outputs; `revision` only when a deployment was created (or attached to).
    fn outputs(&self, status: &str, rolled_back: bool) -> Result<()> {
        let prs: Vec<u64> = self.plan.prs.iter().map(|p| p.number.0).collect();
        self.channels
            .output("deployment-id", self.deployment_id.as_deref().unwrap_or(""))?;
        self.channels.output("deployment-status", status)?;
        self.channels
            .output("rolled-back", if rolled_back { "true" } else { "false" })?;
        if self.deployment_id.is_some() {
            self.channels
                .output("revision", &self.plan.revision.to_string())?;
        }
        self.channels
            .output("pull-requests", &serde_json::to_string(&prs)?)?;
        if let Some(u) = &self.cfg.environment_url {
            self.channels.output("environment-url", u)?;
        }
        Ok(())
    }

    /// shipgate will not ship this: nothing was started.
    pub async fn refuse(&mut self, reason: &str) -> Result<Outcome> {
        runner::error("shipgate refused to deploy", reason);
        let headline = format!("⛔ shipgate refused to deploy to {}", self.cfg.environment);
        let details = [reason.to_string(), "Nothing was deployed.".to_string()];
        self.report_stop(headline, &details, NoticeStatus::Refused, "refused")
            .await?;
        Ok(Outcome::Refused)
    }

    /// A run that ends before anything is followed: PR comments, Slack, summary, outputs.
    async fn report_stop(
        &mut self,
        headline: String,
        details: &[String],
        notice: NoticeStatus,
        status: &str,
    ) -> Result<()> {
        let mut r = self.report(headline);
        r.details.extend(details.iter().cloned());
        let md = report::markdown(&r);
        self.comment_prs(&md).await;
        self.notify_slack(notice, details.first().cloned()).await;
        self.channels.summary(&md)?;
        self.outputs(status, false)
    }

    /// Dry run: everything was decided, nothing is started.
    pub async fn dry_run(&mut self, what: &str) -> Result<Outcome> {
        println!("dry-run: {what}");
        let mut r = self.report(format!(
            "🧪 Dry run: ready to deploy to {}",
            self.cfg.environment
        ));
        r.details
            .push(format!("Dry run: {what}. Nothing was changed."));
        self.channels.summary(&report::markdown(&r))?;
        self.outputs("dry-run", false)?;
        Ok(Outcome::Passed)
    }

    pub async fn already_deployed(&mut self) -> Result<Outcome> {
        let mut r = self.report(format!("✅ Already deployed to {}", self.cfg.environment));
        r.details.push(format!(
            "Commit {} was already deployed successfully; nothing was started.",
            self.plan.commit.short()
        ));
        self.channels.summary(&report::markdown(&r))?;
        self.outputs("succeeded", false)?;
        Ok(Outcome::Passed)
    }

    /// The GitHub Deployment (reused on a re-run), the PR comments and Slack's first message.
    pub async fn start_reporting(&mut self) {
        self.started_reporting = true;
        let req = NewDeployment {
            sha: self.plan.commit.clone(),
            environment: self.cfg.environment.clone(),
            description: format!("shipgate: {}", self.description_detail()),
            production: self.cfg.environment.to_ascii_lowercase().contains("prod"),
            payload: serde_json::json!({
                "shipgate": true,
                "application": self.cfg.application,
                "deployment_group": self.cfg.group,
                "revision": self.plan.revision.to_string(),
            }),
        };
        self.github_deployment = match self.channels.deployment(&req).await {
            Ok(id) => id,
            Err(e) => {
                runner::warning(&format!(
                    "shipgate could not create the GitHub Deployment: {}",
                    e.with_permission_hint("deployments: write")
                ));
                None
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
        if self.cfg.slack.updates_in_place() {
            // Only the Web API can update a message in place; a webhook posts once, at the end.
            self.notify_slack(NoticeStatus::Started, None).await;
        }
    }

    pub async fn mark_started(&mut self) {
        let id = self.deployment_id.clone().unwrap_or_default();
        self.set_github_status(
            DeploymentState::InProgress,
            &format!("CodeDeploy {id} in progress"),
        )
        .await;
    }

    /// The deployment could not start for a reason worth reporting (busy group).
    pub async fn fail_before_start(&mut self, reason: &str) -> Result<Outcome> {
        runner::error("shipgate", reason);
        self.set_github_status(DeploymentState::Error, reason).await;
        let headline = format!("❌ Deploy to {} did not start", self.cfg.environment);
        self.report_stop(
            headline,
            &[reason.to_string()],
            NoticeStatus::Failed,
            "not-started",
        )
        .await?;
        Ok(Outcome::Failed)
    }

    /// An error after reporting started: every channel still reaches a final state, saying
    /// what went wrong and what may still be running.
    pub async fn abort(&mut self, err: &anyhow::Error) {
        if !self.started_reporting {
            return;
        }
        self.started_reporting = false;
        let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
        let what = chain.join(": ");
        let running = match &self.deployment_id {
            Some(id) => format!(
                " CodeDeploy deployment {id} may still be running: check it in the console."
            ),
            None => " Whether CodeDeploy started a deployment is unknown: check the deployment group in the console before re-running.".to_string(),
        };
        let reason = format!("shipgate stopped with an error: {what}.{running}");
        self.set_github_status(DeploymentState::Error, &reason)
            .await;
        let headline = format!(
            "❌ Deploy to {} stopped with an error",
            self.cfg.environment
        );
        let status = if self.deployment_id.is_some() {
            "error"
        } else {
            "not-started"
        };
        if let Err(e) = self
            .report_stop(headline, &[reason], NoticeStatus::Failed, status)
            .await
        {
            runner::warning(&format!("shipgate could not write its report: {e:#}"));
        }
    }

    pub async fn started_only(&mut self) -> Result<Outcome> {
        let id = self.deployment_id.clone().unwrap_or_default();
        self.started_reporting = false;
        let mut r = self.report(format!("🚀 Started deploying to {}", self.cfg.environment));
        r.details.push(format!(
            "`wait: false`: deployment {id} was started and is not followed; the GitHub Deployment stays in progress."
        ));
        self.channels.summary(&report::markdown(&r))?;
        self.outputs("started", false)?;
        Ok(Outcome::Passed)
    }

    pub async fn finish(&mut self, o: &FollowResult) -> Result<Outcome> {
        self.started_reporting = false;
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
            runner::error(
                "shipgate",
                &format!(
                    "{headline}{}",
                    failure
                        .as_deref()
                        .map(|f| format!(": {f}"))
                        .unwrap_or_default()
                ),
            );
        } else {
            println!(
                "shipgate: {headline} ({})",
                slack_report::human_duration(o.duration)
            );
        }
        let md = report::markdown(&r);
        self.set_github_status(state, &headline).await;
        self.comment_prs(&md).await;
        self.notify_slack(notice, failure).await;
        r.log_tail = o.failure.as_ref().and_then(|f| f.log_tail.clone());
        self.channels.summary(&report::markdown(&r))?;
        self.outputs(o.status.as_str(), o.rolled_back)?;
        Ok(match o.status {
            EndState::Succeeded => Outcome::Passed,
            _ if o.rolled_back => Outcome::RolledBack,
            _ => Outcome::Failed,
        })
    }
}
