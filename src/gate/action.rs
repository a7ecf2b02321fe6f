//! `shipgate gate` in Actions (or with `--repo --pr` from a terminal): read the PR from the
//! GitHub API, decide, and report as a check run, one sticky comment, the summary and outputs.

use super::config::GateConfig;
use super::evaluate::{evaluate, Evaluation};
use super::tree::ActionTree;
use crate::github::{CheckRunReport, Conclusion, GitHub, GitHubError, PullRequest, MAX_PR_FILES};
use crate::inputs::{ConfigError, InputError, Inputs};
use crate::model::{PrNumber, RepoName, Verdict};
use crate::report::text::{color_for_stdout, render_text, TextOptions};
use crate::report::{findings as fmt, gate as report};
use crate::runner::{RunContext, Runner};
use anyhow::{Context as _, Result};

/// The name of the check run the deploy looks for.
pub const CHECK_NAME: &str = "shipgate";

/// Settings every GitHub-facing command needs.
pub struct GitHubSetup {
    pub github: GitHub,
    pub repo: RepoName,
}

pub fn github_setup(ctx: &RunContext, inputs: &Inputs) -> Result<GitHubSetup> {
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
    let github = GitHub::new(&ctx.api_url, Some(&token), repo.clone())?;
    Ok(GitHubSetup { github, repo })
}

/// The PR this run gates: the `pull-request` input / `--pr`, else the event's PR.
pub fn pr_number(ctx: &RunContext, inputs: &Inputs) -> Result<PrNumber> {
    if let Some(v) = inputs.get("pull-request") {
        let n = v.trim_start_matches('#').parse::<u64>().map_err(|_| {
            InputError::new("pull-request", format!("expected a PR number, got '{v}'"))
        })?;
        return Ok(PrNumber(n));
    }
    let event = ctx.event()?;
    event
        .pointer("/pull_request/number")
        .or_else(|| event.get("number"))
        .and_then(|n| n.as_u64())
        .map(PrNumber)
        .ok_or_else(|| {
            ConfigError(format!(
                "the gate needs a pull_request event (this is '{}') or a PR number (input 'pull-request' / --pr)",
                ctx.event_name.as_deref().unwrap_or("no event")
            ))
            .into()
        })
}

pub async fn run(ctx: &RunContext, inputs: &Inputs, runner: &Runner) -> Result<Verdict> {
    let cfg = GateConfig::from_inputs(inputs)?;
    let dry_run = inputs.bool("dry-run", false)?;
    let setup = github_setup(ctx, inputs)?;
    let number = pr_number(ctx, inputs)?;
    let gh = setup.github;

    let pr = gh
        .pull_request(number)
        .await
        .with_context(|| format!("reading PR {number}"))?;
    let files = gh
        .pull_request_files(number)
        .await
        .with_context(|| format!("listing the files of PR {number}"))?;
    println!(
        "shipgate: PR {number} \"{}\" changes {} file(s)",
        pr.title,
        files.len()
    );
    if files.len() >= MAX_PR_FILES {
        println!("::warning::GitHub lists at most {MAX_PR_FILES} files of a PR; files beyond that were not checked. Split the PR.");
    }

    let accepted_heads = ctx
        .sha
        .iter()
        .chain(std::iter::once(&pr.head_sha))
        .collect::<Vec<_>>();
    let workspace = ActionTree::usable_workspace(ctx.workspace.clone(), &accepted_heads);
    if workspace.is_none() {
        tracing::info!(
            "workspace not checked out at the PR head; reading files through the contents API"
        );
    }
    let text_workspace = workspace.clone();
    let tree = ActionTree {
        github: gh.clone(),
        head_sha: pr.head_sha.clone(),
        base_sha: pr.base_sha.clone(),
        workspace,
        changed: files.clone(),
        runtime: tokio::runtime::Handle::current(),
    };
    let labels = pr.labels.clone();
    let prefix = cfg.allow_label_prefix.clone();
    let eval = tokio::task::spawn_blocking(move || evaluate(&files, &tree, &labels, &cfg))
        .await
        .context("the lint stopped unexpectedly")?;

    publish(ctx, runner, &gh, &pr, &eval, dry_run, &prefix).await?;
    // The log shows the statements from the workspace, and only when it is at the PR head.
    let sources = |p: &str| {
        text_workspace
            .as_ref()
            .and_then(|w| std::fs::read_to_string(w.join(p)).ok())
    };
    let opts = TextOptions {
        color: color_for_stdout(),
        label_prefix: prefix.clone(),
    };
    print!("{}", render_text(&eval.findings, &sources, &opts));
    println!(
        "shipgate: verdict {} (release kind {})",
        eval.verdict, eval.release_kind
    );
    super::local::write_sarif_input(inputs, &eval.findings, &prefix)?;
    Ok(eval.verdict)
}

async fn publish(
    ctx: &RunContext,
    runner: &Runner,
    gh: &GitHub,
    pr: &PullRequest,
    eval: &Evaluation,
    dry_run: bool,
    label_prefix: &str,
) -> Result<()> {
    let links = report::ReportLinks {
        commit: Some(pr.head_sha.0.clone()),
        run_url: ctx.run_url(),
        label_prefix: Some(label_prefix.to_string()),
    };
    let markdown = report::markdown(eval, &links);
    let check = CheckRunReport {
        name: CHECK_NAME.to_string(),
        head_sha: pr.head_sha.clone(),
        conclusion: match eval.verdict {
            Verdict::Pass => Conclusion::Success,
            Verdict::Fail => Conclusion::Failure,
        },
        title: report::title(eval),
        summary: markdown.clone(),
        details_url: ctx.run_url(),
        annotations: fmt::annotations(&eval.findings, label_prefix),
    };

    let mut annotated = false;
    if dry_run {
        println!(
            "dry-run: would publish check run '{CHECK_NAME}' ({}, {} annotation(s)) and update the PR comment",
            check.conclusion.as_str(),
            check.annotations.len()
        );
    } else {
        match gh.publish_check_run(&check).await {
            Ok(_) => annotated = true,
            Err(e) => warn_write_failure("publish the check run", &e),
        }
        if let Err(e) = gh
            .upsert_comment(
                pr.number,
                report::COMMENT_MARKER,
                &report::comment(eval, &links),
            )
            .await
        {
            warn_write_failure("write the PR comment", &e);
        }
    }
    if !annotated {
        // Without a check run (read-only token, dry run) the runner's own annotations carry
        // the findings to the diff.
        print!("{}", fmt::workflow_commands(&eval.findings, label_prefix));
    }
    runner.append_summary(&markdown)?;
    runner.set_output("verdict", eval.verdict.as_str())?;
    runner.set_output("release-kind", eval.release_kind.as_str())?;
    runner.set_output("findings", &eval.open_findings().count().to_string())?;
    Ok(())
}

fn warn_write_failure(what: &str, e: &GitHubError) {
    if e.is_permission_denied() {
        println!(
            "::warning::shipgate could not {what}: the token is read-only here (a PR from a fork, or missing `checks: write` / `pull-requests: write` permissions). The summary, annotations and exit code still carry the verdict."
        );
    } else {
        println!("::warning::shipgate could not {what}: {e}");
    }
}
