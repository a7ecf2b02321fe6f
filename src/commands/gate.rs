//! `shipgate gate` in Actions (or with `--repo --pull-request` from a terminal): read the PR from
//! the GitHub API (its files from the checkout when it has them), decide, and report as a check
//! run, one sticky comment, the summary and outputs.

use crate::channels::Channels;
use crate::gate::change::pr_change;
use crate::gate::evaluate::{evaluate, Evaluation};
use crate::gate::tree::ActionTree;
use crate::gate::CHECK_NAME;
use crate::github::{CheckRunReport, Conclusion, GitHubError, PullRequest};
use crate::lint::SourceTree as _;
use crate::model::Verdict;
use crate::outcome::Outcome;
use crate::report::text::{color_for_stdout, render_text, TextOptions};
use crate::report::{findings as fmt, gate as report};
use crate::runner::{self, RunContext, Runner};
use crate::settings::GateSettings;
use anyhow::{Context as _, Result};

pub async fn run(ctx: &RunContext, s: GateSettings, runner: &Runner) -> Result<Outcome> {
    let gh = s.github.client()?;
    let number = s.pr;
    let pr = gh
        .pull_request(number)
        .await
        .with_context(|| format!("reading PR {number}"))?;
    let accepted_heads = ctx
        .sha
        .iter()
        .chain(std::iter::once(&pr.head_sha))
        .collect::<Vec<_>>();
    let workspace = ActionTree::usable_workspace(ctx.workspace.clone(), &accepted_heads);
    let change = pr_change(&gh, ctx.workspace.as_deref(), &pr)
        .await
        .with_context(|| format!("listing the files of PR {number}"))?;
    println!(
        "shipgate: PR {number} \"{}\" changes {} file(s)",
        pr.title.replace(['\r', '\n'], " "),
        change.files.len()
    );
    if workspace.is_none() {
        tracing::info!(
            "workspace not checked out at the PR head; reading files through the contents API"
        );
    }
    let files = change.files.clone();
    // The log shows the statements from the workspace, and only when it is at the PR head.
    let text_workspace = workspace.clone();
    let tree = ActionTree {
        github: gh.clone(),
        head_sha: pr.head_sha.clone(),
        base_sha: pr.base_sha.clone(),
        workspace,
        changed: files,
        runtime: tokio::runtime::Handle::current(),
        fetched: Default::default(),
    };
    let labels = pr.labels.clone();
    let prefix = s.gate.allow_label_prefix.clone();
    let mut cfg = s.gate;
    let eval = tokio::task::spawn_blocking(move || {
        let line = cfg.resolve_dialect(&|p: &str| tree.head_file(p));
        println!("shipgate: {line}");
        evaluate(&change, &tree, &labels, &cfg)
    })
    .await
    .context("the lint stopped unexpectedly")?;

    let mut channels = Channels::new(Some(gh), None, runner.clone(), s.dry_run);
    let sources = |p: &str| {
        text_workspace
            .as_ref()
            .and_then(|w| std::fs::read_to_string(w.join(p)).ok())
    };
    publish(ctx, &mut channels, &pr, &eval, &prefix, &sources).await?;
    super::write_sarif_file(s.sarif_file.as_deref(), &eval.findings, &prefix)?;
    Ok(Outcome::from_verdict(eval.verdict))
}

async fn publish(
    ctx: &RunContext,
    channels: &mut Channels,
    pr: &PullRequest,
    eval: &Evaluation,
    label_prefix: &str,
    sources: &(dyn Fn(&str) -> Option<String> + Sync),
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

    let annotated = match channels.check_run(&check).await {
        Ok(sent) => sent,
        Err(e) => {
            warn_write_failure("publish the check run", &e);
            false
        }
    };
    if let Err(e) = channels
        .comment(
            pr.number,
            report::COMMENT_MARKER,
            &report::comment(eval, &links),
        )
        .await
    {
        warn_write_failure("write the PR comment", &e);
    }
    if !annotated {
        // Without a check run (read-only token, dry run) the runner's own annotations carry
        // the findings to the diff.
        print!("{}", fmt::workflow_commands(&eval.findings, label_prefix));
    }
    let opts = TextOptions {
        color: color_for_stdout(),
        label_prefix: label_prefix.to_string(),
    };
    print!("{}", render_text(&eval.findings, sources, &opts));
    println!(
        "shipgate: verdict {} (release kind {})",
        eval.verdict, eval.release_kind
    );

    channels.summary(&markdown)?;
    channels.output("verdict", eval.verdict.as_str())?;
    channels.output("release-kind", eval.release_kind.as_str())?;
    channels.output("findings", &eval.open_findings().count().to_string())?;
    Ok(())
}

fn warn_write_failure(what: &str, e: &GitHubError) {
    if e.is_permission_denied() {
        runner::warning(&format!(
            "shipgate could not {what}: the token is read-only here (a PR from a fork, or missing `checks: write` / `pull-requests: write` permissions). The summary, annotations and exit code still carry the verdict."
        ));
    } else {
        runner::warning(&format!("shipgate could not {what}: {e}"));
    }
}
