//! The edge: parse the settings once, dispatch to the command, and map its
//! [`Outcome`] (or error) to the process's exit code.

use crate::cli::Cli;
use crate::commands;
use crate::inputs::{ConfigError, InputError};
use crate::outcome::Outcome;
use crate::runner::Runner;
use crate::settings::{CommandSettings, Environment, Settings};
use anyhow::Result;
use std::process::ExitCode;

/// Exit codes of DESIGN.md: 0 passed/deployed, 1 refused/failed, 2 bad input.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

pub async fn run(cli: Cli) -> Result<u8> {
    let settings = Settings::parse(cli, &Environment::from_process())?;
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
