//! The one seam every report goes out through: the check run, the PR comments, the GitHub
//! Deployment and its statuses, Slack, and the job summary and outputs. A dry run uses the
//! same seam: it records and prints what it would send to GitHub and Slack, and still writes the
//! summary and outputs (they change nothing outside the job).

use crate::github::{
    CheckRunReport, DeploymentState, GitHub, GitHubError, NewDeployment, NewDeploymentStatus,
};
use crate::model::PrNumber;
use crate::runner::Runner;
use crate::slack::{Notifier, SlackError};
use anyhow::Result;
use serde_json::Value;

/// One thing a channel sent (or, in a dry run, would have sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    CheckRun {
        conclusion: String,
        annotations: usize,
    },
    Comment {
        pr: PrNumber,
    },
    Label {
        pr: PrNumber,
        label: String,
    },
    Deployment {
        environment: String,
    },
    DeploymentStatus {
        state: DeploymentState,
        description: String,
    },
    Slack,
}

impl Sent {
    fn describe(&self) -> String {
        match self {
            Sent::CheckRun {
                conclusion,
                annotations,
            } => format!("publish check run ({conclusion}, {annotations} annotation(s))"),
            Sent::Comment { pr } => format!("update the shipgate comment on PR {pr}"),
            Sent::Label { pr, label } => format!("add the label `{label}` to PR {pr}"),
            Sent::Deployment { environment } => {
                format!("create a GitHub Deployment in `{environment}`")
            }
            Sent::DeploymentStatus { state, description } => format!(
                "set the GitHub Deployment status to {} (\"{description}\")",
                state.as_str()
            ),
            Sent::Slack => "notify Slack".to_string(),
        }
    }
}

/// Live: writes go to GitHub and Slack. Dry run: they are recorded and printed.
pub struct Channels {
    github: Option<GitHub>,
    slack: Option<Notifier>,
    runner: Runner,
    dry_run: bool,
    sent: Vec<Sent>,
}

impl Channels {
    pub fn new(
        github: Option<GitHub>,
        slack: Option<Notifier>,
        runner: Runner,
        dry_run: bool,
    ) -> Self {
        Channels {
            github,
            slack,
            runner,
            dry_run,
            sent: Vec::new(),
        }
    }

    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    pub fn has_slack(&self) -> bool {
        self.slack.is_some()
    }

    /// What went out (or would have), in order.
    pub fn sent(&self) -> &[Sent] {
        &self.sent
    }

    /// Records a write; `true` when it must really be sent.
    fn record(&mut self, what: Sent) -> bool {
        if self.dry_run {
            println!("dry-run: would {}", what.describe());
        }
        self.sent.push(what);
        !self.dry_run
    }

    fn github(&self) -> Result<&GitHub, GitHubError> {
        self.github.as_ref().ok_or_else(|| GitHubError::Transport {
            what: "publish".into(),
            message: "no GitHub client is configured for this command".into(),
        })
    }

    /// The check run with its annotations. `Ok(false)`: recorded only (dry run).
    pub async fn check_run(&mut self, check: &CheckRunReport) -> Result<bool, GitHubError> {
        let send = self.record(Sent::CheckRun {
            conclusion: check.conclusion.as_str().to_string(),
            annotations: check.annotations.len(),
        });
        if !send {
            return Ok(false);
        }
        self.github()?.publish_check_run(check).await?;
        Ok(true)
    }

    /// The comment that carries `marker` on `pr`, created or updated in place.
    pub async fn comment(
        &mut self,
        pr: PrNumber,
        marker: &str,
        body: &str,
    ) -> Result<(), GitHubError> {
        if !self.record(Sent::Comment { pr }) {
            return Ok(());
        }
        self.github()?.upsert_comment(pr, marker, body).await?;
        Ok(())
    }

    /// Adds `label` to a PR.
    pub async fn label(&mut self, pr: PrNumber, label: &str) -> Result<(), GitHubError> {
        if !self.record(Sent::Label {
            pr,
            label: label.to_string(),
        }) {
            return Ok(());
        }
        self.github()?.add_labels(pr, &[label]).await
    }

    /// The GitHub Deployment shipgate made for this commit and environment (a re-run reuses
    /// it), or a new one. `Ok(None)` in a dry run.
    pub async fn deployment(&mut self, req: &NewDeployment) -> Result<Option<u64>, GitHubError> {
        if !self.record(Sent::Deployment {
            environment: req.environment.clone(),
        }) {
            return Ok(None);
        }
        let gh = self.github()?;
        let existing = gh
            .deployments(&req.sha, &req.environment)
            .await
            .ok()
            .and_then(|ds| {
                ds.into_iter()
                    .find(|d| d.payload["shipgate"] == serde_json::json!(true))
            });
        match existing {
            Some(d) => Ok(Some(d.id)),
            None => Ok(Some(gh.create_deployment(req).await?.id)),
        }
    }

    pub async fn deployment_status(
        &mut self,
        deployment: Option<u64>,
        status: &NewDeploymentStatus,
    ) -> Result<(), GitHubError> {
        let what = Sent::DeploymentStatus {
            state: status.state,
            description: status.description.clone(),
        };
        if !self.record(what) {
            return Ok(());
        }
        let Some(id) = deployment else {
            return Ok(());
        };
        self.github()?.set_deployment_status(id, status).await
    }

    /// One Slack message (posted, or updated in place through the Web API). Nothing is sent
    /// when no destination is configured.
    pub async fn slack(&mut self, message: &Value) -> Result<(), SlackError> {
        if self.slack.is_none() || !self.record(Sent::Slack) {
            return Ok(());
        }
        match self.slack.as_mut() {
            Some(n) => n.notify(message).await,
            None => Ok(()),
        }
    }

    pub fn summary(&self, markdown: &str) -> Result<()> {
        self.runner.append_summary(markdown)
    }

    pub fn output(&self, name: &str, value: &str) -> Result<()> {
        self.runner.set_output(name, value)
    }
}
