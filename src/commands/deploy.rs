//! `shipgate deploy`: prove the merged work is safe to ship, start a CodeDeploy Blue/Green
//! deployment (or attach to the one a previous run started), follow it to the end, and report
//! it to GitHub Deployments, the PRs, the job summary, the outputs and Slack.

use crate::channels::Channels;
use crate::deploy::checks::{
    direct_push_refusal, not_now, pr_block, read_change, release_separation,
};
use crate::deploy::publish::{DeployRun, Kind, Plan};
use crate::deploy::ship::{attach_or_ship, Aws};
use crate::gate::policy::MixedPolicy;
use crate::github::{GitHub, PullRequest};
use crate::inputs::ConfigError;
use crate::model::PrNumber;
use crate::outcome::Outcome;
use crate::runner::{self, RunContext, Runner};
use crate::settings::{DeploySettings, DeployTarget};
use anyhow::{Context as _, Result};

pub async fn run(ctx: &RunContext, s: DeploySettings, runner: &Runner) -> Result<Outcome> {
    let cfg = &s.deploy;
    let target = s.target.clone().ok_or_else(|| {
        ConfigError("no commit to deploy: GITHUB_SHA (or --sha) is not set".into())
    })?;
    let commit = match &target {
        DeployTarget::NotMerged(n) => return nothing_to_deploy(*n, runner),
        DeployTarget::MergedPr { commit, .. } | DeployTarget::Commit(commit) => commit.clone(),
    };
    let revision = cfg.revision_at(&commit)?;
    let gh = s.github.client()?;

    // 1. What ships, and is it safe to ship? Only reads until every check passed.
    let prs: Vec<PullRequest> = match &target {
        DeployTarget::MergedPr { number, .. } => vec![gh
            .pull_request(*number)
            .await
            .with_context(|| format!("reading PR {number}"))?],
        _ => gh
            .pulls_for_commit(&commit)
            .await
            .with_context(|| format!("finding the PR behind {}", commit.short()))?
            .into_iter()
            .filter(|p| p.merged)
            .collect(),
    };
    let refusal = refusal(ctx, &gh, &s, &prs, &commit).await?;
    let channels = Channels::new(
        Some(gh.clone()),
        cfg.slack.notifier(),
        runner.clone(),
        cfg.dry_run,
    );
    let plan = Plan {
        kind: Kind::Deploy,
        commit,
        revision,
        prs,
        left: Vec::new(),
        notes: Vec::new(),
    };
    let mut run = DeployRun::new(ctx, cfg, plan, channels);
    if let Some(reason) = refusal {
        return run.refuse(&reason).await;
    }
    // The gate passed; the window and freeze hold a merge the same way as a train (`force`
    // overrides them, never the gate above).
    if let Some(reason) = not_now(&gh, cfg).await {
        return run.not_now(&reason).await;
    }
    let aws = Aws::open(cfg).await?;
    attach_or_ship(&mut run, &aws, &gh).await
}

/// A PR closed without merging: say so, ship nothing.
pub fn nothing_to_deploy(n: PrNumber, runner: &Runner) -> Result<Outcome> {
    println!("shipgate: PR {n} was closed without merging: nothing to deploy");
    runner.append_summary(&format!(
        "## shipgate: nothing to deploy\n\nPR {n} was closed without merging.\n"
    ))?;
    runner.set_output("deployment-status", "skipped")?;
    runner.set_output("rolled-back", "false")?;
    runner.set_output("pull-requests", "[]")?;
    Ok(Outcome::Passed)
}

/// Why this release must not ship, if it must not. Reads only.
async fn refusal(
    ctx: &RunContext,
    gh: &GitHub,
    s: &DeploySettings,
    prs: &[PullRequest],
    commit: &crate::model::CommitSha,
) -> Result<Option<String>> {
    let cfg = &s.deploy;
    if prs.is_empty() {
        if let Some(why) = direct_push_refusal(commit, cfg.require_pull_request) {
            return Ok(Some(why));
        }
        runner::warning(&format!(
            "shipgate: deploying {} with no PR behind it (require-pull-request: false)",
            commit.short()
        ));
        return Ok(None);
    }
    for pr in prs {
        if let Some(reason) = pr_block(gh, cfg, pr).await? {
            return Ok(Some(reason));
        }
    }
    if cfg.gate.mixed != MixedPolicy::Fail {
        // Mixing is allowed; the gate, which passed on every PR, already refused any change
        // whose files it could not read.
        return Ok(None);
    }
    let change = read_change(gh, ctx.workspace.as_deref(), prs).await?;
    Ok(release_separation(cfg, prs, &change).1)
}
