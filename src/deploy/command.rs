//! `shipgate deploy | release | rollback`: the post-merge flow.

use crate::inputs::Inputs;
use crate::runner::{RunContext, Runner};
use anyhow::Result;

pub async fn run(
    command: &str,
    _ctx: &RunContext,
    _inputs: &Inputs,
    _runner: &Runner,
) -> Result<u8> {
    Err(crate::inputs::ConfigError(format!("'{command}' is not available in this build")).into())
}
