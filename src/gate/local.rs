//! `shipgate check`: the gate on a local git diff, with no GitHub access.

use super::config::GateConfig;
use super::evaluate::{evaluate, Evaluation};
use super::tree::GitTree;
use crate::git::Repo;
use crate::inputs::{ConfigError, Inputs};
use crate::model::Verdict;
use crate::report::{findings as fmt, gate as report};
use crate::runner::Runner;
use anyhow::Result;
use std::path::PathBuf;

/// Output format of the CLI's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
}

pub struct CheckRequest {
    pub dir: PathBuf,
    pub base: String,
    pub head: String,
    pub labels: Vec<String>,
    pub format: Format,
}

pub fn run(req: &CheckRequest, inputs: &Inputs, runner: &Runner) -> Result<Verdict> {
    let cfg = GateConfig::from_inputs(inputs)?;
    let repo = Repo::new(&req.dir);
    repo.require_cli()?;
    let head = repo.rev_parse(&req.head).map_err(|_| {
        ConfigError(format!(
            "--head: '{}' is not a commit in {}",
            req.head,
            req.dir.display()
        ))
    })?;
    repo.rev_parse(&req.base).map_err(|_| {
        ConfigError(format!(
            "--base: '{}' is not a commit in {}",
            req.base,
            req.dir.display()
        ))
    })?;
    // Like a PR: compare against the point where the branch left its base.
    let base = repo.merge_base(&req.base, &head)?;
    let files = repo.changed_files(&base, &head)?;
    let tree = GitTree {
        repo,
        base,
        head: head.clone(),
    };
    let eval = evaluate(&files, &tree, &req.labels, &cfg);
    print(&eval, req, &head);
    runner.append_summary(&report::markdown(
        &eval,
        &report::ReportLinks {
            commit: Some(head),
            run_url: None,
        },
    ))?;
    Ok(eval.verdict)
}

fn print(eval: &Evaluation, req: &CheckRequest, head: &str) {
    match req.format {
        Format::Json => {
            let v = serde_json::json!({
                "verdict": eval.verdict.as_str(),
                "release_kind": eval.release_kind.as_str(),
                "findings": fmt::json(&eval.findings),
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Github => print!("{}", fmt::workflow_commands(&eval.findings)),
        Format::Text => {
            let c = &eval.classification;
            println!(
                "shipgate check {}..{}: {} schema, {} code, {} ignored file(s); release kind {}",
                req.base,
                &head[..head.len().min(7)],
                c.schema.len(),
                c.code.len(),
                c.ignored.len(),
                eval.release_kind
            );
            print!("{}", fmt::text(&eval.findings));
            println!("verdict: {} — {}", eval.verdict, report::title(eval));
        }
    }
}
