//! Each command's typed settings, and the parsers that build them from the action's inputs and
//! the run's context. The edge (`app.rs`) calls them once, before any request; below it nothing
//! reads a raw input or an environment variable again.

use crate::deploy::config::{DeployConfig, Tuning};
use crate::gate::config::GateConfig;
use crate::github::{pull_request_from_event, GitHub};
use crate::inputs::{ConfigError, InputError, Inputs};
use crate::lint::LintOptions;
use crate::model::{CommitSha, PrNumber, RepoName};
use crate::report::Format;
use crate::retry::HttpPolicy;
use crate::runner::RunContext;
use crate::secret::Secret;
use anyhow::Result;
use std::path::PathBuf;
use std::time::Duration;

/// The variables of the process environment shipgate reads, read once.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `GITHUB_TOKEN`: the token when the `github-token` input is not given.
    pub github_token: Option<String>,
    /// `SLACK_API_URL`.
    pub slack_api_url: Option<String>,
    /// `SHIPGATE_POLL_MS`.
    pub poll_ms: Option<String>,
    /// `SHIPGATE_NOW`: see [`Tuning::now`].
    pub now: Option<String>,
    /// `SHIPGATE_HTTP_TIMEOUT_MS`: every HTTP connect and request timeout (tests, tuning).
    pub http_timeout_ms: Option<String>,
    /// `GITHUB_ACTIONS=true`.
    pub in_actions: bool,
}

impl Environment {
    pub fn from_process() -> Self {
        Environment {
            github_token: crate::runner::env_var("GITHUB_TOKEN"),
            slack_api_url: crate::runner::env_var("SLACK_API_URL"),
            poll_ms: crate::runner::env_var("SHIPGATE_POLL_MS"),
            now: crate::runner::env_var("SHIPGATE_NOW"),
            http_timeout_ms: crate::runner::env_var("SHIPGATE_HTTP_TIMEOUT_MS"),
            in_actions: crate::runner::RunContext::in_actions(),
        }
    }

    pub fn tuning(&self) -> Result<Tuning, ConfigError> {
        let poll = match &self.poll_ms {
            None => None,
            Some(v) => Some(Duration::from_millis(v.parse::<u64>().map_err(|_| {
                ConfigError(format!(
                    "SHIPGATE_POLL_MS: expected milliseconds as a whole number, got '{v}'"
                ))
            })?)),
        };
        let now = match &self.now {
            None => None,
            Some(v) => Some(v.parse::<jiff::Timestamp>().map_err(|e| {
                ConfigError(format!(
                    "SHIPGATE_NOW: expected an RFC 3339 time like 2026-12-07T09:30:00Z, got '{v}': {e}"
                ))
            })?),
        };
        Ok(Tuning {
            poll,
            slack_api: self.slack_api_url.clone(),
            now,
            http: self.http_policy()?,
        })
    }

    /// The HTTP policy of every GitHub and Slack call: fast retries with `SHIPGATE_POLL_MS`,
    /// every timeout set by `SHIPGATE_HTTP_TIMEOUT_MS`.
    pub fn http_policy(&self) -> Result<HttpPolicy, ConfigError> {
        let policy = if self.poll_ms.is_some() {
            HttpPolicy::fast()
        } else {
            HttpPolicy::standard()
        };
        match &self.http_timeout_ms {
            None => Ok(policy),
            Some(v) => match v.parse::<u64>() {
                Ok(ms) if ms > 0 => Ok(policy.with_timeout(Duration::from_millis(ms))),
                _ => Err(ConfigError(format!(
                    "SHIPGATE_HTTP_TIMEOUT_MS: expected milliseconds as a whole number above 0, got '{v}'"
                ))),
            },
        }
    }
}

/// One command run, fully configured.
#[derive(Debug)]
pub struct Settings {
    pub ctx: RunContext,
    pub command: CommandSettings,
}

/// Each command's own typed settings.
#[derive(Debug)]
pub enum CommandSettings {
    Gate(GateSettings),
    Check(CheckSettings),
    Lint(LintSettings),
    Rules(RulesSettings),
    Deploy(DeploySettings),
    /// `deploy` on a PR that closed without merging: nothing to configure or to do.
    NothingToDeploy(PrNumber),
    Release(DeploySettings),
    Rollback(DeploySettings),
    /// `continue`: move a Blue/Green deployment to its next phase.
    Continue(DeploySettings),
}

/// How to reach GitHub for one repository.
#[derive(Debug, Clone)]
pub struct GitHubSettings {
    pub api_url: String,
    pub token: Secret,
    pub repo: RepoName,
    /// Timeouts and retries of every call.
    pub http: HttpPolicy,
}

impl GitHubSettings {
    pub fn client(&self) -> Result<GitHub> {
        GitHub::with_policy(
            &self.api_url,
            Some(&self.token),
            self.repo.clone(),
            self.http.clone(),
        )
    }

    pub fn with_http(self, http: HttpPolicy) -> Self {
        GitHubSettings { http, ..self }
    }
}

#[derive(Debug)]
pub struct GateSettings {
    pub github: GitHubSettings,
    pub pr: PrNumber,
    pub gate: GateConfig,
    pub dry_run: bool,
    /// `sarif-file`: also write the findings there as SARIF 2.1.0.
    pub sarif_file: Option<PathBuf>,
}

#[derive(Debug)]
pub struct CheckSettings {
    pub dir: PathBuf,
    pub base: String,
    pub head: String,
    pub labels: Vec<String>,
    pub format: Format,
    pub gate: GateConfig,
    pub sarif_file: Option<PathBuf>,
}

#[derive(Debug)]
pub struct LintSettings {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub lint: LintOptions,
    /// `--dialect` / `sql-dialect` chose the dialect; else it is detected from the project.
    pub dialect_explicit: bool,
    /// `--schema FILE`; else `db/schema.rb` / `db/structure.sql` above the linted files.
    pub schema: Option<PathBuf>,
    /// List the files skipped as not migrations.
    pub verbose: bool,
    /// `migration-paths` / `ignore-paths`: a path they name is a migration.
    pub classifier: crate::classify::Classifier,
    /// The PR label prefix the ways out are written with.
    pub label_prefix: String,
    pub sarif_file: Option<PathBuf>,
}

#[derive(Debug)]
pub struct RulesSettings {
    /// One rule's page instead of the listing.
    pub rule: Option<String>,
    pub json: bool,
}

/// What the run's event says ships, before any API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployTarget {
    /// A `pull_request` event that closed without merging.
    NotMerged(PrNumber),
    /// A merged PR (pull_request closed) with its merge commit.
    MergedPr { number: PrNumber, commit: CommitSha },
    /// A commit on the base branch (push, workflow_dispatch, CLI).
    Commit(CommitSha),
}

impl DeployTarget {
    pub fn commit(&self) -> Option<&CommitSha> {
        match self {
            DeployTarget::NotMerged(_) => None,
            DeployTarget::MergedPr { commit, .. } | DeployTarget::Commit(commit) => Some(commit),
        }
    }
}

#[derive(Debug)]
pub struct DeploySettings {
    pub github: GitHubSettings,
    pub deploy: DeployConfig,
    /// `deploy`: what the event ships; `release`: the commit the train may go up to;
    /// `rollback` and `continue`: the run's commit, when known.
    pub target: Option<DeployTarget>,
}

pub fn github(ctx: &RunContext, inputs: &Inputs) -> Result<GitHubSettings> {
    let token = inputs.secret("github-token").ok_or_else(|| {
        InputError::new(
            "github-token",
            "is required to call the GitHub API (the default is ${{ github.token }})",
        )
    })?;
    let repo = ctx
        .repository
        .clone()
        .ok_or_else(|| ConfigError("GITHUB_REPOSITORY (or --repo owner/name) is not set".into()))?;
    Ok(GitHubSettings {
        api_url: ctx.api_url.clone(),
        token,
        repo,
        http: HttpPolicy::standard(),
    })
}

/// The event payload; an unreadable or corrupt event file is a configuration error.
fn event(ctx: &RunContext) -> Result<serde_json::Value, ConfigError> {
    ctx.event().map_err(|e| {
        let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
        ConfigError(format!(
            "{} (GITHUB_EVENT_PATH must name the runner's event file)",
            chain.join(": ")
        ))
    })
}

/// The PR this run gates: the `pull-request` input / `--pull-request`, else the event's PR.
pub fn pr_number(ctx: &RunContext, inputs: &Inputs) -> Result<PrNumber> {
    if let Some(v) = inputs.get("pull-request") {
        let n = v.trim_start_matches('#').parse::<u64>().map_err(|_| {
            InputError::new("pull-request", format!("expected a PR number, got '{v}'"))
        })?;
        return Ok(PrNumber(n));
    }
    let event = event(ctx)?;
    event
        .pointer("/pull_request/number")
        .or_else(|| event.get("number"))
        .and_then(|n| n.as_u64())
        .map(PrNumber)
        .ok_or_else(|| {
            ConfigError(format!(
                "the gate needs a pull_request event (this is '{}') or a PR number (input 'pull-request' / --pull-request)",
                ctx.event_name.as_deref().unwrap_or("no event")
            ))
            .into()
        })
}

pub fn deploy_target(ctx: &RunContext) -> Result<DeployTarget, ConfigError> {
    let event = event(ctx)?;
    if matches!(
        ctx.event_name.as_deref(),
        Some("pull_request" | "pull_request_target")
    ) {
        let pr = pull_request_from_event(&event["pull_request"]).ok_or_else(|| {
            ConfigError("the pull_request event has no readable pull_request object".into())
        })?;
        if !pr.merged {
            return Ok(DeployTarget::NotMerged(pr.number));
        }
        let commit = pr.merge_commit_sha.clone().ok_or_else(|| {
            ConfigError(format!(
                "PR {} is merged but has no merge_commit_sha",
                pr.number
            ))
        })?;
        return Ok(DeployTarget::MergedPr {
            number: pr.number,
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
    Ok(DeployTarget::Commit(sha))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(poll: Option<&str>) -> Environment {
        Environment {
            poll_ms: poll.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn poll_override_is_validated_once() {
        assert_eq!(
            env(Some("20")).tuning().unwrap().poll,
            Some(Duration::from_millis(20))
        );
        assert!(env(None).tuning().unwrap().poll.is_none());
        let e = env(Some("fast")).tuning().unwrap_err();
        assert!(e.0.contains("SHIPGATE_POLL_MS"), "{e}");
    }

    #[test]
    fn the_clock_override_is_rfc3339_or_a_configuration_error() {
        let mut e = env(None);
        assert!(e.tuning().unwrap().now.is_none());
        e.now = Some("2026-12-07T00:01:00Z".into());
        assert_eq!(
            e.tuning().unwrap().now,
            Some("2026-12-07T00:01:00Z".parse().unwrap())
        );
        e.now = Some("monday morning".into());
        let err = e.tuning().unwrap_err();
        assert!(err.0.contains("SHIPGATE_NOW"), "{err}");
    }

    #[test]
    fn a_corrupt_event_file_is_a_configuration_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, "{ not json").unwrap();
        let ctx = RunContext {
            event_name: Some("push".into()),
            event_path: Some(path),
            ..Default::default()
        };
        let e = deploy_target(&ctx).unwrap_err();
        assert!(e.0.contains("parsing the event payload"), "{e}");
    }
}
