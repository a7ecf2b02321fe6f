//! The reporting of one deploy run: what it ships (fixed when the run is planned) and how each
//! state reaches every channel — GitHub Deployment statuses, the PR comments, the job summary and
//! outputs, and Slack — through [`Channels`]. Once reporting has started, every way out of the
//! run ends in a final state on every channel ([`DeployRun::abort`] for errors).

use super::config::DeployConfig;
use super::follow::{EndState, FollowResult};
use super::phase::{utc, Phase};
use super::train::Step;
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
    /// Release train: merged PRs (and direct pushes) this run leaves for later, with why.
    pub left: Vec<(Step, String)>,
    /// What every channel must also say: the PRs a rollback undoes and holds, a schema warning,
    /// direct pushes a train ships.
    pub notes: Vec<String>,
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
    /// Where the Blue/Green deployment is, in words, for Slack.
    phase_note: Option<String>,
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
            phase_note: None,
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
            .notes
            .iter()
            .cloned()
            .chain(self.plan.left.iter().map(|(step, why)| match step {
                Step::Pr(p) => format!(
                    "Left for the next release: PR #{} {}: {why}",
                    p.number.0, p.title
                ),
                Step::Direct(_) => format!("Left for the next release: {}: {why}", step.label()),
            }))
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
            // Nothing has run yet when a deploy starts or is refused.
            duration: (!matches!(status, NoticeStatus::Started | NoticeStatus::Refused))
                .then(|| self.started.elapsed()),
            failing_event: failing,
            phase: self.phase_note.clone(),
            links,
            dry_run: self.cfg.dry_run,
            notes: self.plan.notes.clone(),
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

    /// The release window is closed or a freeze is on: nothing ships, and that is not a failure.
    pub async fn not_now(&mut self, reason: &str) -> Result<Outcome> {
        println!("shipgate: {reason}");
        let mut r = self.report(format!("⏸️ Not released to {}", self.cfg.environment));
        r.details.push(format!(
            "{reason}. Nothing was deployed; a run inside the window ships it, or re-run with `force: true` (the gate still applies)."
        ));
        self.channels.summary(&report::markdown(&r))?;
        self.outputs("skipped", false)?;
        Ok(Outcome::Passed)
    }

    /// Holds each PR a rollback undid: the hold label (so the next train stops before it) and
    /// a comment saying why and how to resume. Failures are warnings: the rollback matters more.
    pub async fn hold_undone(&mut self, undone: &[PullRequest], from: &CommitSha) {
        let label = self.cfg.hold_label.clone();
        let marker = format!("<!-- shipgate:hold {} -->", self.cfg.environment);
        for pr in undone {
            if let Err(e) = self.channels.label(pr.number, &label).await {
                runner::warning(&format!(
                    "shipgate could not add `{label}` to PR #{}: {e}",
                    pr.number.0
                ));
            }
            let run = self
                .ctx
                .run_url()
                .map(|u| format!(" ([run]({u}))"))
                .unwrap_or_default();
            let body = format!(
                "{marker}\n### ⏸️ Rolled back in `{env}`, held\n\n`{env}` was rolled back from `{from}` to `{to}`{run}, which undoes this PR. It now carries `{label}`, so the release train stops before it.\n\nTo resume: remove the `{label}` label when it may ship again (the next release ships it), or merge its revert (GitHub's Revert button): the train then ships the two together, as no change.",
                env = self.cfg.environment,
                from = from.short(),
                to = self.plan.commit.short(),
            );
            if let Err(e) = self.channels.comment(pr.number, &marker, &body).await {
                runner::warning(&format!(
                    "shipgate could not comment on PR #{}: {e}",
                    pr.number.0
                ));
            }
        }
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
        let headline = format!("🚀 Deploying to {}", self.cfg.environment);
        self.start_reporting_as("Starting the CodeDeploy deployment", headline)
            .await;
    }

    /// [`DeployRun::start_reporting`] for a run that moves an existing deployment on (`continue`,
    /// an instant rollback): the same channels, its own words.
    pub async fn start_reporting_as(&mut self, status: &str, headline: String) {
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
        self.set_github_status(DeploymentState::InProgress, status)
            .await;
        let body = report::markdown(&self.report(headline));
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

    /// A phase change while the deployment runs: the Deployment status (and a Slack bot message)
    /// says where it is. The
    /// first phase is what `mark_started` said; the switch is reported by `finish` unless the
    /// run keeps following through the termination wait.
    pub async fn phase_changed(&mut self, p: Phase) {
        let id = self.deployment_id.clone().unwrap_or_default();
        let text = match p {
            Phase::Deploying => format!("CodeDeploy {id}: deploying to the replacement fleet"),
            Phase::TerminationWait if self.cfg.follow.wait_for_termination => format!(
                "Released: CodeDeploy {id} switched traffic; waiting for the original fleet's termination"
            ),
            _ => return,
        };
        self.set_github_status(DeploymentState::InProgress, &text)
            .await;
        if self.cfg.slack.updates_in_place() {
            // Only a bot message can follow the phases; a webhook posts once, at the end.
            self.phase_note = Some(p.describe().to_string());
            self.notify_slack(NoticeStatus::Started, None).await;
        }
    }

    /// What the report says about the phases: when traffic switched, when the original fleet
    /// goes away, and why the follow ended where it did.
    fn phase_details(&self, o: &FollowResult) -> Vec<String> {
        let mut d = Vec::new();
        if let Some(at) = o.switched_at {
            let mut line = format!(
                "Traffic switched to the replacement fleet at about {}.",
                utc(at)
            );
            match (o.status, o.termination_ends) {
                (EndState::Released, Some(end)) => line.push_str(&format!(
                    " The original fleet is terminated at about {} (termination wait); until then `command: rollback` routes the traffic back in seconds and `command: continue` terminates it now.",
                    utc(end)
                )),
                (EndState::Released, None) => line.push_str(
                    " The group keeps the original fleet running; `command: rollback` routes the traffic back to it.",
                ),
                (EndState::Succeeded, _) => {
                    line.push_str(" The original fleet's termination wait ended and it was terminated.")
                }
                _ => {}
            }
            d.push(line);
        }
        if let Some(n) = &o.note {
            let mut n = n.clone();
            if let Some(first) = n.get(..1) {
                n.replace_range(..1, &first.to_uppercase());
            }
            d.push(format!("{n}."));
        }
        d
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
        let id = o.deployment_id.clone();
        let (headline, state, notice) = match o.status {
            EndState::Succeeded => (
                format!("✅ Deployed to {env}"),
                DeploymentState::Success,
                NoticeStatus::Succeeded,
            ),
            EndState::Released => (
                format!("✅ Released to {env}: traffic is on the replacement fleet"),
                DeploymentState::Success,
                NoticeStatus::Succeeded,
            ),
            EndState::Ready => (
                format!("🚦 {env} is ready for the traffic switch"),
                DeploymentState::InProgress,
                NoticeStatus::Ready,
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
        let phases = self.phase_details(o);
        r.details.extend(phases.iter().cloned());
        if o.status == EndState::Ready {
            r.details.push(format!(
                "CodeDeploy {id} waits in Ready with the replacement fleet installed; the original fleet still serves all traffic. Run shipgate with `command: continue` to switch the traffic, or `command: rollback` to discard the replacement fleet."
            ));
        }
        self.phase_note = match o.status {
            EndState::Ready => Some(format!(
                "Ready for the traffic switch: run `command: continue` (deployment {id})"
            )),
            _ => phases.first().cloned(),
        };
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
        } else if !o.status.is_good() {
            r.rollback = Some(if self.cfg.auto_rollback {
                "no rollback deployment was reported by CodeDeploy".into()
            } else {
                "auto-rollback is off: the previous revision was not restored".into()
            });
        }
        if !o.status.is_good() {
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
        let status_text = match o.status {
            EndState::Ready => {
                format!("CodeDeploy {id} ready for the traffic switch: run `command: continue`")
            }
            _ => headline.clone(),
        };
        self.set_github_status(state, &status_text).await;
        self.comment_prs(&md).await;
        self.notify_slack(notice, failure).await;
        r.log_tail = o.failure.as_ref().and_then(|f| f.log_tail.clone());
        self.channels.summary(&report::markdown(&r))?;
        self.outputs(o.status.as_str(), o.rolled_back)?;
        Ok(match o.status {
            s if s.is_good() => Outcome::Passed,
            _ if o.rolled_back => Outcome::RolledBack,
            _ => Outcome::Failed,
        })
    }

    /// `rollback` while the original fleet still ran: the deployment was stopped with rollback
    /// and CodeDeploy routed the traffic back (no new deployment).
    pub async fn finish_reroute(&mut self, o: &FollowResult) -> Result<Outcome> {
        self.started_reporting = false;
        let env = self.cfg.environment.clone();
        let id = o.deployment_id.clone();
        let ok = o.rolled_back;
        let headline = if ok {
            format!("⏪ Rolled back {env} to the original fleet")
        } else {
            format!("❌ Rolling back {env} to the original fleet failed")
        };
        let mut r = self.report(headline.clone());
        r.duration = Some(o.duration);
        r.timeline = o
            .timeline
            .iter()
            .map(|t| (t.elapsed, t.what.clone()))
            .collect();
        r.rollback = Some(match (&o.rollback_deployment_id, o.rerouted_back) {
            (Some(rb), _) => format!(
                "deployment {id} stopped with rollback; rollback deployment {rb} ({})",
                o.rollback_status.as_ref().map(|s| s.as_str()).unwrap_or("started")
            ),
            (None, true) => format!(
                "deployment {id} stopped with rollback while the original fleet still ran: CodeDeploy routed the traffic back to it, no new deployment"
            ),
            (None, false) => format!("deployment {id} ended {}", o.final_status),
        });
        if let Some(e) = &o.stop_error {
            r.details.push(format!(
                "shipgate could not stop the deployment: {e}. Check it in the console."
            ));
        }
        if ok {
            println!("shipgate: {headline}");
        } else {
            runner::error("shipgate", &headline);
        }
        self.phase_note = r.rollback.clone();
        let md = report::markdown(&r);
        let state = if ok {
            DeploymentState::Success
        } else {
            DeploymentState::Failure
        };
        self.set_github_status(state, &headline).await;
        self.comment_prs(&md).await;
        let notice = if ok {
            NoticeStatus::RolledBack
        } else {
            NoticeStatus::Failed
        };
        self.notify_slack(notice, None).await;
        self.channels.summary(&md)?;
        self.outputs(o.status.as_str(), o.rolled_back)?;
        Ok(if ok { Outcome::Passed } else { Outcome::Failed })
    }
}
