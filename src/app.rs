//! The edge: parse the settings once, dispatch to the command, and map its
//! [`Outcome`] (or error) to the process's exit code.

use crate::cli::{ActionArgs, Cli, Command, ContextArgs};
use crate::commands;
use crate::deploy::config::DeployConfig;
use crate::gate::config::GateConfig;
use crate::inputs::{ConfigError, InputError, Inputs};
use crate::model::{CommitSha, RepoName};
use crate::outcome::Outcome;
use crate::runner::{RunContext, Runner};
use crate::settings::{
    deploy_target, github, pr_number, CheckSettings, CommandSettings, DeploySettings, DeployTarget,
    Environment, GateSettings, LintSettings, RulesSettings, Settings,
};
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes of DESIGN.md: 0 passed/deployed, 1 refused/failed, 2 bad input.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

pub async fn run(cli: Cli) -> Result<u8> {
    let env = Environment::from_process();
    if cli.command.is_none()
        && !env.in_actions
        && cli.inputs.given().is_empty()
        && Inputs::from_env().get("command").is_none()
    {
        // A person at a terminal, not the runner: the overview, not an action run.
        let mut cmd = <Cli as clap::CommandFactory>::command();
        println!("{}", cmd.render_long_help());
        return Ok(EXIT_OK);
    }
    let settings = parse(cli, &env)?;
    let ctx = settings.ctx;
    let runner = Runner::new(&ctx);
    let outcome = match settings.command {
        CommandSettings::Gate(s) => commands::gate::run(&ctx, s, &runner).await?,
        CommandSettings::Check(s) => commands::check::run(&s, &runner)?,
        CommandSettings::Lint(s) => commands::lint::run(&s)?,
        CommandSettings::Rules(s) => commands::rules::run(&s)?,
        CommandSettings::Deploy(s) => commands::deploy::run(&ctx, s, &runner).await?,
        CommandSettings::NothingToDeploy(n) => commands::deploy::nothing_to_deploy(n, &runner)?,
        CommandSettings::Release(s) => commands::release::run(&ctx, s, &runner).await?,
        CommandSettings::Rollback(s) => commands::rollback::run(&ctx, s, &runner).await?,
        CommandSettings::Continue(s) => commands::resume::run(&ctx, s, &runner).await?,
    };
    Ok(exit_code(outcome))
}

pub fn exit_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Passed => EXIT_OK,
        Outcome::Refused | Outcome::Failed | Outcome::RolledBack => EXIT_FAILED,
        Outcome::BadInput => EXIT_BAD_INPUT,
    }
}

/// Maps an error to its exit code: bad input or configuration is 2, anything else 1.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    let bad_input = err.chain().any(|e| {
        e.downcast_ref::<InputError>().is_some() || e.downcast_ref::<ConfigError>().is_some()
    });
    if bad_input {
        EXIT_BAD_INPUT
    } else {
        EXIT_FAILED
    }
}

pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

/// Every setting of the run, validated: a bad value is an [`InputError`] or [`ConfigError`]
/// (exit 2) before any request.
pub fn parse(cli: Cli, env: &Environment) -> Result<Settings> {
    let ctx = context(&cli.context)?;
    let mut inputs = Inputs::from_env();
    for (name, value) in cli.inputs.given() {
        inputs.set(name, value);
    }
    if let Some(c) = &cli.command {
        for (name, value) in c.given_inputs() {
            inputs.set(name, value);
        }
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
        Command::Gate(_) => CommandSettings::Gate(GateSettings {
            gate: GateConfig::from_inputs(&inputs)?,
            dry_run: inputs.bool("dry-run", false)?,
            sarif_file: sarif_file(&inputs),
            pr: pr_number(&ctx, &inputs)?,
            github: github(&ctx, &inputs)?.with_http(tuning.http.clone()),
        }),
        Command::Check(a) => CommandSettings::Check(CheckSettings {
            gate: {
                let mut g = GateConfig::from_inputs(&inputs)?;
                if let Some(d) = a.dialect {
                    g.lint.dialect = d;
                    g.dialect_explicit = true;
                }
                g
            },
            dir: a.dir,
            base: a.base,
            head: a.head,
            labels: a.labels,
            format: a.format,
            sarif_file: sarif_file(&inputs),
        }),
        Command::Lint(a) => {
            let gate = GateConfig::from_inputs(&inputs)?;
            let mut lint = gate.lint;
            if let Some(d) = a.dialect {
                lint.dialect = d;
            }
            CommandSettings::Lint(LintSettings {
                dialect_explicit: a.dialect.is_some() || gate.dialect_explicit,
                schema: a.schema,
                verbose: a.verbose,
                classifier: gate.classifier,
                paths: a.paths,
                format: a.format,
                lint,
                label_prefix: gate.allow_label_prefix,
                sarif_file: sarif_file(&inputs),
            })
        }
        Command::Rules(a) => CommandSettings::Rules(RulesSettings {
            rule: a.rule,
            json: a.json,
        }),
        Command::Deploy(_) => {
            let github = github(&ctx, &inputs)?.with_http(tuning.http.clone());
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
        Command::Release(_) => {
            let github = github(&ctx, &inputs)?.with_http(tuning.http.clone());
            let head = ctx.sha.clone().ok_or_else(|| {
                ConfigError("no commit to release up to: GITHUB_SHA (or --sha) is not set".into())
            })?;
            let deploy = DeployConfig::from_inputs(&inputs, Some(&github.repo), true, &tuning)?;
            CommandSettings::Release(DeploySettings {
                github,
                deploy,
                target: Some(DeployTarget::Commit(head)),
            })
        }
        Command::Rollback(_) => {
            let github = github(&ctx, &inputs)?.with_http(tuning.http.clone());
            let deploy = DeployConfig::from_inputs(&inputs, Some(&github.repo), false, &tuning)?;
            CommandSettings::Rollback(DeploySettings {
                github,
                deploy,
                target: ctx.sha.clone().map(DeployTarget::Commit),
            })
        }
        Command::Continue(_) => {
            let github = github(&ctx, &inputs)?;
            let deploy = DeployConfig::from_inputs(&inputs, Some(&github.repo), false, &tuning)?;
            CommandSettings::Continue(DeploySettings {
                github,
                deploy,
                target: ctx.sha.clone().map(DeployTarget::Commit),
            })
        }
    };
    Ok(Settings { ctx, command })
}

/// The `sarif-file` input; empty means none.
fn sarif_file(inputs: &Inputs) -> Option<PathBuf> {
    inputs
        .get("sarif-file")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
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
                        "no default for event '{}'; set it to gate, deploy, release, rollback or continue",
                        other.unwrap_or("none")
                    ),
                ))
            }
        },
    };
    Ok(match name.as_str() {
        "gate" => Command::Gate(ActionArgs::default()),
        "deploy" => Command::Deploy(ActionArgs::default()),
        "release" => Command::Release(ActionArgs::default()),
        "rollback" => Command::Rollback(ActionArgs::default()),
        "continue" => Command::Continue(ActionArgs::default()),
        other => {
            return Err(InputError::new(
                "command",
                format!("expected gate, deploy, release, rollback or continue, got '{other}'"),
            ))
        }
    })
}
