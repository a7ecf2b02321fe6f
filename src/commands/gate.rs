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
    // Registered before the first request, so a cancellation at any point is seen.
    let mut cancelled = std::pin::pin!(cancellation());
    let gh = s.github.client()?;
    let number = s.pr;
    let pr = tokio::select! {
        pr = gh.pull_request(number) => pr.with_context(|| format!("reading PR {number}"))?,
        _ = &mut cancelled => anyhow::bail!("the job was cancelled before PR {number} was read; nothing was reported"),
    };
    let dry_run = s.dry_run;
    let prefix = s.gate.allow_label_prefix.clone();
    let sarif_file = s.sarif_file.clone();
    let (eval, text_workspace) = tokio::select! {
        eval = decide(ctx, s, &gh, &pr) => eval?,
        _ = &mut cancelled => {
            report_cancelled(ctx, &gh, &pr, runner, dry_run).await;
            anyhow::bail!("the job was cancelled before the gate decided; the check run says so (neutral)");
        }
    };
    // Publishing is bounded by the HTTP policy; it finishes so no channel is left half-written.
    let mut channels = Channels::new(Some(gh), None, runner.clone(), dry_run);
    let sources = |p: &str| {
        text_workspace
            .as_ref()
            .and_then(|w| std::fs::read_to_string(w.join(p)).ok())
    };
    publish(ctx, &mut channels, &pr, &eval, &prefix, &sources).await?;
    super::write_sarif_file(sarif_file.as_deref(), &eval.findings, &prefix)?;
    Ok(Outcome::from_verdict(eval.verdict))
}

/// Resolves on SIGTERM (the runner cancelling the job) or SIGINT.
fn cancellation() -> impl std::future::Future<Output = ()> {
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let term = async {
            match term {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
        runner::warning("shipgate: the job is being cancelled");
    }
}

/// A completed, neutral check run: a cancelled gate never leaves the PR with a check in
/// progress, nor with a pass it did not decide.
async fn report_cancelled(
    ctx: &RunContext,
    gh: &crate::github::GitHub,
    pr: &PullRequest,
    runner: &Runner,
    dry_run: bool,
) {
    let check = CheckRunReport {
        name: CHECK_NAME.to_string(),
        head_sha: pr.head_sha.clone(),
        conclusion: Conclusion::Neutral,
        title: "shipgate was cancelled".to_string(),
        summary: "The job was cancelled before shipgate decided. Re-run the job to gate this PR."
            .to_string(),
        details_url: ctx.run_url(),
        annotations: Vec::new(),
    };
    let mut channels = Channels::new(Some(gh.clone()), None, runner.clone(), dry_run);
    if let Err(e) = channels.check_run(&check).await {
        runner::warning(&format!(
            "shipgate could not mark the check run as cancelled: {e}"
        ));
    }
}

async fn decide(
    ctx: &RunContext,
    s: GateSettings,
    gh: &crate::github::GitHub,
    pr: &PullRequest,
) -> Result<(Evaluation, Option<std::path::PathBuf>)> {
    let number = s.pr;
    let gh = gh.clone();
    let accepted_heads = ctx
        .sha
        .iter()
        .chain(std::iter::once(&pr.head_sha))
        .collect::<Vec<_>>();
    let workspace = ActionTree::usable_workspace(ctx.workspace.clone(), &accepted_heads);
    let change = pr_change(&gh, ctx.workspace.as_deref(), pr)
        .await
        .with_context(|| format!("listing the files of PR {number}"))?;
    println!(
        "shipgate: PR {number} \"{}\" changes {} file(s)",
        // Control characters (newlines, ANSI escapes) would start a workflow command or
        // repaint the log: the title is shown inert, on one line.
        pr.title
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>(),
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
    let mut cfg = s.gate;
    let eval = tokio::task::spawn_blocking(move || {
        let line = cfg.resolve_dialect(&|p: &str| tree.head_file(p));
        println!("shipgate: {line}");
        evaluate(&change, &tree, &labels, &cfg)
    })
    .await
    .context("the lint stopped unexpectedly")?;
    Ok((eval, text_workspace))
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

    // A check run that could not be written on a same-repository PR fails the job: the PR
    // would otherwise lack its required check, or pass on the job's status alone.
    let mut fatal: Option<String> = None;
    let annotated = match channels.check_run(&check).await {
        Ok(sent) => sent,
        Err(e) => {
            match write_failure(pr, WriteKind::CheckRun, &e) {
                Failure::Warn(text) => runner::warning(&text),
                Failure::Fatal(text) => fatal = Some(text),
            }
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
        match write_failure(pr, WriteKind::Comment, &e) {
            Failure::Warn(text) | Failure::Fatal(text) => runner::warning(&text),
        }
    }
    if !annotated && (pr.is_fork() || channels.is_dry_run()) {
        // Without a check run (a fork PR's read-only token, dry run) the runner's own
        // annotations carry the findings to the diff.
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
    match fatal {
        Some(text) => Err(anyhow::anyhow!(text)),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteKind {
    CheckRun,
    Comment,
}

impl WriteKind {
    fn what(self) -> &'static str {
        match self {
            WriteKind::CheckRun => "publish the check run",
            WriteKind::Comment => "write the PR comment",
        }
    }

    /// The `permissions:` entry the write needs.
    fn permission(self) -> &'static str {
        match self {
            WriteKind::CheckRun => "checks: write",
            WriteKind::Comment => "pull-requests: write",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Failure {
    /// Reported as a warning; the run goes on.
    Warn(String),
    /// Fails the job once the summary and outputs are written.
    Fatal(String),
}

/// What a failed check-run or comment write means. Only a fork PR's read-only token is an
/// expected refusal (its findings go out as annotations); on a same-repository PR a refusal
/// names the missing `permissions:` entry, and a rate limit says so, never blaming the token.
fn write_failure(pr: &PullRequest, kind: WriteKind, e: &GitHubError) -> Failure {
    let what = kind.what();
    let fatal = |text: String| match kind {
        WriteKind::CheckRun => Failure::Fatal(text),
        WriteKind::Comment => Failure::Warn(text),
    };
    if e.is_permission_denied() && pr.is_fork() {
        return Failure::Warn(format!(
            "shipgate could not {what}: the token is read-only (a PR from a fork gets a read-only token). The summary, annotations and exit code still carry the verdict."
        ));
    }
    if e.is_permission_denied() {
        return fatal(format!(
            "shipgate could not {what}: GitHub refused the token ({e}). Add `{}` to the workflow's or job's `permissions:` (a `permissions:` block drops every scope it does not list).",
            kind.permission()
        ));
    }
    if e.is_rate_limited() {
        return fatal(format!(
            "shipgate could not {what}: {e}. Re-run the job once the limit has passed."
        ));
    }
    fatal(format!("shipgate could not {what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CommitSha, PrNumber};

    fn pr(fork: bool) -> PullRequest {
        PullRequest {
            number: PrNumber(1),
            title: "t".into(),
            author: "a".into(),
            url: String::new(),
            state: "open".into(),
            merged: false,
            merged_at: None,
            merge_commit_sha: None,
            head_sha: CommitSha("a".repeat(40)),
            head_ref: "f".into(),
            head_repo: Some(if fork { "someone/shop" } else { "o/shop" }.into()),
            base_sha: CommitSha("b".repeat(40)),
            base_ref: "main".into(),
            base_repo: Some("o/shop".into()),
            labels: vec![],
        }
    }

    fn denied() -> GitHubError {
        GitHubError::Api {
            status: 403,
            what: "create check run".into(),
            message: "Resource not accessible by integration".into(),
        }
    }

    #[test]
    fn a_same_repository_refusal_names_the_permission_and_fails() {
        let Failure::Fatal(text) = write_failure(&pr(false), WriteKind::CheckRun, &denied()) else {
            panic!("not fatal");
        };
        assert!(text.contains("`checks: write`"), "{text}");
        let Failure::Warn(text) = write_failure(&pr(false), WriteKind::Comment, &denied()) else {
            panic!("not a warning");
        };
        assert!(text.contains("`pull-requests: write`"), "{text}");
    }

    #[test]
    fn only_a_fork_falls_back_quietly() {
        let Failure::Warn(text) = write_failure(&pr(true), WriteKind::CheckRun, &denied()) else {
            panic!("not a warning");
        };
        assert!(text.contains("read-only (a PR from a fork"), "{text}");
    }

    #[test]
    fn a_rate_limit_never_blames_the_token() {
        let e = GitHubError::RateLimited {
            status: 403,
            what: "create check run".into(),
            message: "secondary rate limit".into(),
        };
        for fork in [false, true] {
            let Failure::Fatal(text) = write_failure(&pr(fork), WriteKind::CheckRun, &e) else {
                panic!("not fatal");
            };
            assert!(
                !text.contains("read-only") && !text.contains("permissions"),
                "{text}"
            );
        }
    }
}
