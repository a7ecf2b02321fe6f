//! Dispatch: turn the parsed CLI and the runner's environment into one command run.

use crate::cli::{Cli, Command, ContextArgs, LintArgs, RulesArgs};
use crate::gate;
use crate::inputs::{ConfigError, InputError, Inputs};
use crate::lint::{self, LintOptions};
use crate::model::{CommitSha, Finding, RepoName, Verdict};
use crate::report::findings as fmt;
use crate::runner::{RunContext, Runner};
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};
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
    let mut cfg = gate::config::GateConfig::from_inputs(inputs)?.lint;
    if let Some(d) = args.dialect {
        cfg.dialect = d;
    }
    let mut files = Vec::new();
    for p in &args.paths {
        collect_files(p, &mut files)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", p.display())))?;
    }
    let mut findings: Vec<Finding> = Vec::new();
    // The texts read once, kept for the snippets of the text output.
    let mut sources: std::collections::HashMap<String, String> = Default::default();
    for path in &files {
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let text = String::from_utf8_lossy(&text).into_owned();
        let display = path.to_string_lossy().trim_start_matches("./").to_string();
        findings.extend(lint::lint_source(&display, &text, &cfg));
        sources.insert(display, text);
    }
    let prefix = inputs.get_or("allow-label-prefix", "shipgate:allow-");
    print_findings(
        &findings,
        args.format,
        files.len(),
        &cfg,
        &|p: &str| sources.get(p).cloned(),
        prefix,
    );
    gate::local::write_sarif_input(inputs, &findings, prefix)?;
    Ok(if findings.iter().any(Finding::blocks) {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}

fn print_findings(
    findings: &[Finding],
    format: gate::local::Format,
    files: usize,
    cfg: &LintOptions,
    sources: &dyn Fn(&str) -> Option<String>,
    label_prefix: &str,
) {
    use crate::report::{sarif, text};
    use gate::local::Format;
    match format {
        Format::Sarif => print!(
            "{}",
            sarif::sarif_text(findings, &lint::registry(), label_prefix)
        ),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&fmt::json(findings)).unwrap_or_default()
        ),
        Format::Github => print!("{}", fmt::workflow_commands(findings, label_prefix)),
        Format::Text => {
            let opts = text::TextOptions {
                color: text::color_for_stdout(),
                label_prefix: label_prefix.to_string(),
            };
            print!("{}", text::render_text(findings, sources, &opts));
            let blocking = findings.iter().filter(|f| f.blocks()).count();
            println!(
                "{files} file(s) linted ({}), {} finding(s), {blocking} blocking",
                cfg.dialect.as_str(),
                findings.len()
            );
        }
    }
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            collect_files(&e, out)?;
        }
    } else {
        std::fs::metadata(path)?;
        out.push(path.to_path_buf());
    }
    Ok(())
}

fn run_rules(args: &RulesArgs) -> Result<u8> {
    use crate::report::rules as pages;
    let rules = lint::registry();
    if let Some(id) = &args.rule {
        let Some(doc) = rules.iter().find(|r| r.id.eq_ignore_ascii_case(id.trim())) else {
            let near = pages::near_matches(id);
            let hint = if near.is_empty() {
                "`shipgate rules` lists them all".to_string()
            } else {
                format!("did you mean {}?", near.join(", "))
            };
            return Err(ConfigError(format!(
                "no rule '{}'; {hint}",
                crate::report::text::clean(id)
            ))
            .into());
        };
        if args.json {
            println!("{}", serde_json::to_string_pretty(doc)?);
        } else {
            match pages::page(doc.id) {
                Some(page) => print!("{page}"),
                None => println!(
                    "{} {}\n\n{}\n\nSafer: {}",
                    doc.id, doc.name, doc.why, doc.hint
                ),
            }
            println!("\n{}", pages::rule_url(doc.id));
        }
        return Ok(EXIT_OK);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rules)?);
    } else {
        for r in &rules {
            println!("{} {} ({}, {})", r.id, r.name, r.severity, r.dialects);
            println!("  why:   {}", r.why);
            if !r.hint.is_empty() {
                println!("  safer: {}", r.hint);
            }
            println!("  docs:  {}", pages::rule_url(r.id));
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
