//! Dispatch: turn the parsed CLI and the runner's environment into one command run.

use crate::cli::{Cli, Command, ContextArgs, LintArgs, RulesArgs};
use crate::gate;
use crate::inputs::{ConfigError, InputError, Inputs};
use crate::lint;
use crate::model::{CommitSha, RepoName, Verdict};
use crate::report::findings as fmt;
use crate::runner::{RunContext, Runner};
use anyhow::Result;
use std::process::ExitCode;

/// Exit codes of DESIGN.md: 0 passed/deployed, 1 refused/failed, 2 bad input.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

pub fn context(args: &ContextArgs) -> Result<RunContext> {
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
fn action_command(inputs: &Inputs, ctx: &RunContext) -> Result<Command> {
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
                )
                .into())
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
            )
            .into())
        }
    })
}

pub async fn run(cli: Cli) -> Result<u8> {
    let ctx = context(&cli.context)?;
    let mut inputs = Inputs::from_env();
    for (name, value) in cli.inputs.given() {
        inputs.set(name, value);
    }
    if inputs.get("github-token").is_none() {
        if let Ok(t) = std::env::var("GITHUB_TOKEN") {
            inputs.set("github-token", &t);
        }
    }
    inputs.mask_secrets();
    let runner = Runner::new(&ctx);
    let command = match cli.command {
        Some(c) => c,
        None => action_command(&inputs, &ctx)?,
    };
    match command {
        Command::Gate => verdict_code(gate::action::run(&ctx, &inputs, &runner).await?),
        Command::Check(args) => {
            let req = gate::local::CheckRequest {
                dir: args.dir,
                base: args.base,
                head: args.head,
                labels: args.labels,
                format: args.format,
            };
            verdict_code(gate::local::run(&req, &inputs, &runner)?)
        }
        Command::Lint(args) => run_lint(&args, &inputs),
        Command::Rules(args) => run_rules(&args),
        Command::Deploy | Command::Release | Command::Rollback => {
            crate::deploy::command::run(command_name(&command), &ctx, &inputs, &runner).await
        }
    }
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Deploy => "deploy",
        Command::Release => "release",
        Command::Rollback => "rollback",
        _ => "gate",
    }
}

fn verdict_code(v: Verdict) -> Result<u8> {
    Ok(match v {
        Verdict::Pass => EXIT_OK,
        Verdict::Fail => EXIT_FAILED,
    })
}

fn run_lint(args: &LintArgs, inputs: &Inputs) -> Result<u8> {
    let cfg = gate::config::GateConfig::from_inputs(inputs)?;
    let mut lint_opts = cfg.lint;
    if let Some(d) = args.dialect {
        lint_opts.dialect = d;
    }
    let opts = lint::run::RunOptions {
        paths: args.paths.clone(),
        lint: lint_opts,
        dialect_given: args.dialect.is_some() || inputs.get("sql-dialect").is_some(),
        schema: args.schema.clone(),
        classifier: cfg.classifier,
    };
    let report = lint::run::run(&opts).map_err(|e| ConfigError(e.to_string()))?;
    print_lint_report(&report, args.format, args.verbose);
    Ok(report.exit_code())
}

fn print_lint_report(report: &lint::run::LintReport, format: gate::local::Format, verbose: bool) {
    use gate::local::Format;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&fmt::json(&report.findings)).unwrap_or_default()
        ),
        Format::Github => print!("{}", fmt::workflow_commands(&report.findings)),
        Format::Text => {
            print!("{}", fmt::text(&report.findings));
            if verbose {
                for s in &report.skipped {
                    println!("skipped {} ({})", s.path, s.reason.as_str());
                }
            }
            println!("{}", report.summary());
            println!("{}", report.findings_line());
        }
    }
    if format != Format::Text {
        eprintln!("{}", report.summary());
    }
}

fn run_rules(args: &RulesArgs) -> Result<u8> {
    let rules = lint::registry();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rules)?);
    } else {
        for r in &rules {
            println!("{} {} ({}, {})", r.id, r.name, r.severity, r.dialects);
            println!("  why:   {}", r.why);
            if !r.hint.is_empty() {
                println!("  safer: {}", r.hint);
            }
        }
    }
    Ok(EXIT_OK)
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
