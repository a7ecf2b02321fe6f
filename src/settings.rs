//! Settings, parsed once at the edge: the CLI flags, the action's `INPUT_*` variables and the
//! runner's environment become one typed value per command, validated before any request. Below
//! this module nothing reads a raw input or an environment variable again.

use crate::cli::{Cli, Command, ContextArgs};
use crate::deploy::config::{DeployConfig, Tuning};
use crate::gate::config::GateConfig;
use crate::github::{pull_request_from_event, GitHub};
use crate::inputs::{ConfigError, InputError, Inputs};
use crate::lint::LintOptions;
use crate::model::{CommitSha, PrNumber, RepoName};
use crate::report::Format;
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
    /// `GITHUB_ACTIONS=true`.
    pub in_actions: bool,
}

impl Environment {
    pub fn from_process() -> Self {
        Environment {
            github_token: crate::runner::env_var("GITHUB_TOKEN"),
            slack_api_url: crate::runner::env_var("SLACK_API_URL"),
            poll_ms: crate::runner::env_var("SHIPGATE_POLL_MS"),
            in_actions: crate::runner::RunContext::in_actions(),
        }
    }

    fn tuning(&self) -> Result<Tuning, ConfigError> {
        let poll = match &self.poll_ms {
            None => None,
            Some(v) => Some(Duration::from_millis(v.parse::<u64>().map_err(|_| {
                ConfigError(format!(
                    "SHIPGATE_POLL_MS: expected milliseconds as a whole number, got '{v}'"
                ))
            })?)),
        };
        Ok(Tuning {
            poll,
            slack_api: self.slack_api_url.clone(),
        })
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
}

/// How to reach GitHub for one repository.
#[derive(Debug, Clone)]
pub struct GitHubSettings {
    pub api_url: String,
    pub token: Secret,
    pub repo: RepoName,
}

impl GitHubSettings {
    pub fn client(&self) -> Result<GitHub> {
        GitHub::new(&self.api_url, Some(&self.token), self.repo.clone())
    }
}

#[derive(Debug)]
pub struct GateSettings {
    pub github: GitHubSettings,
    pub pr: PrNumber,
    pub gate: GateConfig,
    pub dry_run: bool,
}

#[derive(Debug)]
pub struct CheckSettings {
    pub dir: PathBuf,
    pub base: String,
    pub head: String,
    pub labels: Vec<String>,
    pub format: Format,
    pub gate: GateConfig,
}

#[derive(Debug)]
pub struct LintSettings {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub lint: LintOptions,
}

#[derive(Debug)]
pub struct RulesSettings {
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
    /// `rollback`: the run's commit, when known.
    pub target: Option<DeployTarget>,
}

impl Settings {
    /// Everything validated: a bad value is an [`InputError`] or [`ConfigError`] (exit 2)
    /// before any request.
    pub fn parse(cli: Cli, env: &Environment) -> Result<Settings> {
        let ctx = context(&cli.context)?;
        let mut inputs = Inputs::from_env();
        for (name, value) in cli.inputs.given() {
            inputs.set(name, value);
        }
        if inputs.get("github-token").is_none() {
            if let Some(t) = &env.github_token {
                inputs.set("github-token", t);
            }
        }
        inputs.mask_secrets();
        let command = match cli.command {
            Some(c) => c,
            None => action_command(&inputs, &ctx)?,
        };
        let tuning = env.tuning()?;
        let command = match command {
            Command::Gate => CommandSettings::Gate(GateSettings {
                gate: GateConfig::from_inputs(&inputs)?,
                dry_run: inputs.bool("dry-run", false)?,
                pr: pr_number(&ctx, &inputs)?,
                github: github(&ctx, &inputs)?,
            }),
            Command::Check(a) => CommandSettings::Check(CheckSettings {
                gate: GateConfig::from_inputs(&inputs)?,
                dir: a.dir,
                base: a.base,
                head: a.head,
                labels: a.labels,
                format: a.format,
            }),
            Command::Lint(a) => {
                let mut lint = GateConfig::from_inputs(&inputs)?.lint;
                if let Some(d) = a.dialect {
                    lint.dialect = d;
                }
                CommandSettings::Lint(LintSettings {
                    paths: a.paths,
                    format: a.format,
                    lint,
                })
            }
            Command::Rules(a) => CommandSettings::Rules(RulesSettings { json: a.json }),
            Command::Deploy => {
                let github = github(&ctx, &inputs)?;
                let target = deploy_target(&ctx)?;
                if let DeployTarget::NotMerged(n) = target {
                    return Ok(Settings {
                        ctx,
                        command: CommandSettings::NothingToDeploy(n),
                    });
                }
                let deploy = DeployConfig::from_inputs(&inputs, Some(&github.repo), true, &tuning)?;
                CommandSettings::Deploy(DeploySettings {
                    github,
                    deploy,
                    target: Some(target),
                })
            }
            Command::Release => {
                let github = github(&ctx, &inputs)?;
                let head = ctx.sha.clone().ok_or_else(|| {
                    ConfigError(
                        "no commit to release up to: GITHUB_SHA (or --sha) is not set".into(),
                    )
                })?;
                let deploy = DeployConfig::from_inputs(&inputs, Some(&github.repo), true, &tuning)?;
                CommandSettings::Release(DeploySettings {
                    github,
                    deploy,
                    target: Some(DeployTarget::Commit(head)),
                })
            }
            Command::Rollback => {
                let github = github(&ctx, &inputs)?;
                let deploy =
                    DeployConfig::from_inputs(&inputs, Some(&github.repo), false, &tuning)?;
                CommandSettings::Rollback(DeploySettings {
                    github,
                    deploy,
                    target: ctx.sha.clone().map(DeployTarget::Commit),
                })
            }
        };
        Ok(Settings { ctx, command })
    }
}

pub fn context(args: &ContextArgs) -> Result<RunContext, ConfigError> {
    let repository = match &args.repo {
        Some(r) => Some(RepoName::parse(r).ok_or_else(|| {
            ConfigError(format!(
                "GITHUB_REPOSITORY / --repo: expected owner/name, got '{r}'"
            ))
        })?),
        None => None,
    };
    Ok(RunContext {
        event_name: args.event_name.clone(),
        event_path: args.event_path.clone(),
        repository,
        sha: args.sha.clone().map(CommitSha),
        api_url: args.api_url.clone(),
        server_url: args.server_url.clone(),
        run_id: args.run_id.clone(),
        workspace: args.workspace.clone(),
        output_path: args.output.clone(),
        summary_path: args.summary.clone(),
    })
}

/// The command an action run performs: the `command` input, else the event's default.
fn action_command(inputs: &Inputs, ctx: &RunContext) -> Result<Command, InputError> {
    let name = match inputs.get("command") {
        Some(c) => c.to_ascii_lowercase(),
        None => match ctx.event_name.as_deref() {
            Some("pull_request" | "pull_request_target") => "gate".into(),
            Some("push") => "deploy".into(),
            Some("schedule" | "workflow_dispatch") => "release".into(),
            other => {
                return Err(InputError::new(
                    "command",
                    format!(
                        "no default for event '{}'; set it to gate, deploy, release or rollback",
                        other.unwrap_or("none")
                    ),
                ))
            }
        },
    };
    Ok(match name.as_str() {
        "gate" => Command::Gate,
        "deploy" => Command::Deploy,
        "release" => Command::Release,
        "rollback" => Command::Rollback,
        other => {
            return Err(InputError::new(
                "command",
                format!("expected gate, deploy, release or rollback, got '{other}'"),
            ))
        }
    })
}

fn github(ctx: &RunContext, inputs: &Inputs) -> Result<GitHubSettings> {
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
fn pr_number(ctx: &RunContext, inputs: &Inputs) -> Result<PrNumber> {
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

fn deploy_target(ctx: &RunContext) -> Result<DeployTarget, ConfigError> {
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
