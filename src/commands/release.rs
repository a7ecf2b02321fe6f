//! `shipgate release`: the PRs merged since the last successful deployment, in merge order;
//! ship the longest prefix that is safe and does not mix schema and code, leave the rest.

use crate::channels::Channels;
use crate::deploy::checks::{pr_block, read_change, release_separation};
use crate::deploy::history;
use crate::deploy::publish::{DeployRun, Kind, Plan};
use crate::deploy::ship::{attach_or_ship, Aws};
use crate::deploy::train;
use crate::gate::policy::MixedPolicy;
use crate::github::{CompareStatus, PullRequest};
use crate::inputs::ConfigError;
use crate::model::ReleaseKind;
use crate::outcome::Outcome;
use crate::runner::{RunContext, Runner};
use crate::settings::DeploySettings;
use anyhow::{Context as _, Result};

pub async fn run(ctx: &RunContext, s: DeploySettings, runner: &Runner) -> Result<Outcome> {
    let cfg = &s.deploy;
    let head = s
        .target
        .as_ref()
        .and_then(|t| t.commit().cloned())
        .ok_or_else(|| {
            ConfigError("no commit to release up to: GITHUB_SHA (or --sha) is not set".into())
        })?;
    let gh = s.github.client()?;
    let aws = Aws::open(cfg).await?;
    let last_good = match &aws.group.last_successful {
        Some(last) => history::deployed_commit(
            &aws.cd
                .deployment(&last.id)
                .await
                .with_context(|| format!("reading the last successful deployment {}", last.id))?,
        ),
        None => None,
    };
    let Some(base) = last_good else {
        return Err(ConfigError(format!(
            "deployment group '{}' has no successful shipgate deployment to start a release train from; deploy once with command: deploy",
            cfg.group
        ))
        .into());
    };
    let (status, commits) = gh
        .compare_commits(&base.0, &head.0)
        .await
        .with_context(|| format!("listing the commits since {}", base.short()))?;
    let mut merged: Vec<(usize, PullRequest)> =
        if matches!(status, CompareStatus::Ahead | CompareStatus::Diverged) {
            gh.recently_closed_pulls(300)
                .await
                .context("listing merged pull requests")?
                .into_iter()
                .filter(|p| p.merged)
                .filter_map(|p| {
                    let at = commits
                        .iter()
                        .position(|c| Some(c) == p.merge_commit_sha.as_ref())?;
                    Some((at, p))
                })
                .collect()
        } else {
            Vec::new()
        };
    merged.sort_by_key(|(at, _)| *at);
    if merged.is_empty() {
        let msg = format!(
            "Nothing to release: no PR was merged since {} ({}), the last successful deployment.",
            base.short(),
            cfg.group
        );
        println!("shipgate: {msg}");
        runner.append_summary(&format!("## shipgate: nothing to release\n\n{msg}\n"))?;
        runner.set_output("deployment-status", "skipped")?;
        runner.set_output("rolled-back", "false")?;
        runner.set_output("pull-requests", "[]")?;
        return Ok(Outcome::Passed);
    }
    let mut candidates = Vec::new();
    for (_, pr) in merged {
        let blocked = pr_block(&gh, cfg, &pr).await?;
        let (kind, mixed) = match blocked {
            Some(_) => (ReleaseKind::None, None),
            // With mixing allowed every PR travels as `none`: the train never splits on kind.
            None if cfg.gate.mixed != MixedPolicy::Fail => (ReleaseKind::None, None),
            None => {
                let change =
                    read_change(&gh, ctx.workspace.as_deref(), std::slice::from_ref(&pr)).await?;
                release_separation(cfg, std::slice::from_ref(&pr), &change)
            }
        };
        candidates.push(train::Candidate {
            pr,
            kind,
            blocked: blocked.or(mixed),
        });
    }
    let plan = train::plan(candidates);
    let commit = plan
        .ship
        .last()
        .and_then(|p| p.merge_commit_sha.clone())
        .unwrap_or_else(|| head.clone());
    let revision = cfg.revision_at(&commit)?;
    let channels = Channels::new(
        Some(gh.clone()),
        cfg.slack.notifier(),
        runner.clone(),
        cfg.dry_run,
    );
    let partial_fixed = commit != head && cfg.revision_is_fixed();
    let mut run = DeployRun::new(
        ctx,
        cfg,
        Plan {
            kind: Kind::Deploy,
            commit,
            revision,
            prs: if partial_fixed {
                plan.ship.clone()
            } else {
                Vec::new()
            },
            left: plan.left.clone(),
        },
        channels,
    );
    if partial_fixed {
        return run
            .refuse("The train can only ship part of what was merged, but `revision` names one fixed artifact. Use `revision: github` or put `{sha}` in the S3 key so each commit has its own artifact.")
            .await;
    }
    if plan.ship.is_empty() {
        let reason = plan
            .left
            .first()
            .map(|(p, why)| {
                format!(
                    "The train cannot leave: PR #{} is first in line and {why}",
                    p.number.0
                )
            })
            .unwrap_or_else(|| "Nothing can ship.".into());
        return run.refuse(&reason).await;
    }
    run.plan.prs = plan.ship;
    let shipping: Vec<String> = run
        .plan
        .prs
        .iter()
        .map(|p| format!("#{}", p.number.0))
        .collect();
    println!(
        "shipgate: release train ships {} ({} changes) up to {}",
        shipping.join(", "),
        plan.kind,
        run.plan.commit.short()
    );
    for (p, why) in &run.plan.left {
        println!(
            "shipgate: PR #{} waits for the next release: {why}",
            p.number.0
        );
    }
    attach_or_ship(&mut run, &aws, &gh).await
}
