//! `shipgate release`: the PRs merged (and commits pushed) since the last successful deployment,
//! in order; ship the longest prefix that is safe, accounted for, does not mix schema and code
//! and does not expand and contract together; leave the rest.

use crate::channels::Channels;
use crate::deploy::checks::{
    contract_too_soon, direct_push_refusal, direction, is_held, not_now, pr_block, pr_gate_block,
    read_change, release_separation, reverted_by, schema_moves,
};
use crate::deploy::history::{self, GroupHistory};
use crate::deploy::publish::{DeployRun, Kind, Plan};
use crate::deploy::range;
use crate::deploy::ship::{attach_or_ship, Aws};
use crate::deploy::train::{self, Step};
use crate::gate::change::Change;
use crate::gate::policy::MixedPolicy;
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
    // The window and freeze are decided before any AWS call: a closed window reads nothing.
    if let Some(reason) = not_now(&gh, cfg).await {
        let channels = Channels::new(None, None, runner.clone(), cfg.dry_run);
        let mut run = DeployRun::new(
            ctx,
            cfg,
            Plan {
                kind: Kind::Deploy,
                commit: head.clone(),
                revision: cfg.revision_at(&head)?,
                prs: Vec::new(),
                left: Vec::new(),
                notes: Vec::new(),
            },
            channels,
        );
        return run.not_now(&reason).await;
    }
    let aws = Aws::open(cfg).await?;
    let history = GroupHistory::load(&aws.cd, &gh, &aws.group, cfg).await?;
    let current = history.current()?;
    let Some(base) = current.as_ref().map(|d| d.commit.clone()) else {
        return Err(ConfigError(format!(
            "deployment group '{}' has no successful deployment to start a release train from; deploy once with command: deploy",
            cfg.group
        ))
        .into());
    };
    let steps = range::steps(&gh, &base, &head).await?;
    if steps.is_empty() {
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
    // The tables the release running now expanded: a contract of one of them waits for a code
    // deploy first.
    let mut recent_expands: Vec<(String, u64)> = Vec::new();
    let running = current
        .as_ref()
        .map(|d| d.deployment.id.clone())
        .unwrap_or_default();
    if let Some(d) = &current {
        for n in history::shipped_prs(&d.deployment) {
            let read = async {
                let pr = gh.pull_request(crate::model::PrNumber(n)).await?;
                let change =
                    read_change(&gh, ctx.workspace.as_deref(), std::slice::from_ref(&pr)).await?;
                anyhow::Ok(schema_moves(&gh, cfg, &pr, &change).await)
            };
            match read.await {
                Ok(moves) => recent_expands.extend(moves.expands.into_iter().map(|t| (t, n))),
                // The gate passed on every contract in the train; only its timing is unknown.
                Err(e) => crate::runner::warning(&format!(
                    "shipgate could not read PR #{n}, shipped by {}, to check that no contract follows its expand too soon: {e:#}",
                    d.deployment.id
                )),
            }
        }
    }
    let mut candidates = Vec::new();
    let mut direct_notes = Vec::new();
    let all_prs: Vec<crate::github::PullRequest> =
        steps.iter().filter_map(|s| s.pr().cloned()).collect();
    let mut revert_notes = Vec::new();
    for step in steps {
        let candidate = match &step {
            Step::Pr(pr) => {
                let later: Vec<_> = all_prs
                    .iter()
                    .skip_while(|p| p.number != pr.number)
                    .skip(1)
                    .cloned()
                    .collect();
                // A held PR whose revert is in this train ships with it: together they change
                // nothing, and the train is not stuck behind the label forever.
                let blocked = match reverted_by(pr, &later) {
                    Some(revert) if is_held(pr, &cfg.hold_label) => {
                        revert_notes.push(format!(
                            "PR #{} carries `{}` but PR #{} reverts it in this train; they ship together as no change.",
                            pr.number.0, cfg.hold_label, revert.number.0
                        ));
                        pr_gate_block(&gh, pr).await?
                    }
                    _ => pr_block(&gh, cfg, pr).await?,
                };
                let (kind, mixed, direction) = match blocked {
                    Some(_) => (ReleaseKind::None, None, None),
                    None => {
                        let change =
                            read_change(&gh, ctx.workspace.as_deref(), std::slice::from_ref(pr))
                                .await?;
                        let moves = schema_moves(&gh, cfg, pr, &change).await;
                        let direction = direction(&moves);
                        let too_soon = contract_too_soon(&moves, &recent_expands, &running);
                        // With mixing allowed every PR travels as `none`: the train never
                        // splits on kind (expand and contract still never ride together).
                        if cfg.gate.mixed != MixedPolicy::Fail {
                            (ReleaseKind::None, too_soon, direction)
                        } else {
                            let (k, m) = release_separation(cfg, std::slice::from_ref(pr), &change);
                            (k, m.or(too_soon), direction)
                        }
                    }
                };
                train::Candidate {
                    step: step.clone(),
                    kind,
                    direction,
                    blocked: blocked.or(mixed),
                }
            }
            Step::Direct(commit) => match direct_push_refusal(commit, cfg.require_pull_request) {
                Some(why) => train::Candidate {
                    step: step.clone(),
                    kind: ReleaseKind::None,
                    direction: None,
                    blocked: Some(why),
                },
                None => {
                    // Classified from its own diff, like a PR of one commit.
                    let files = gh
                        .commit_files(commit)
                        .await
                        .with_context(|| format!("listing the files of {}", commit.short()))?;
                    let class = Change::complete(files).classify(&cfg.gate.classifier);
                    direct_notes.push(format!(
                        "Commit {} was pushed directly (no PR, require-pull-request: false): {} changes, not gated.",
                        commit.short(),
                        class.release_kind()
                    ));
                    train::Candidate {
                        step: step.clone(),
                        kind: if cfg.gate.mixed == MixedPolicy::Fail {
                            class.release_kind()
                        } else {
                            ReleaseKind::None
                        },
                        direction: None,
                        blocked: None,
                    }
                }
            },
        };
        candidates.push(candidate);
    }
    let plan = train::plan(candidates);
    let commit = plan
        .ship
        .last()
        .and_then(|s| s.commit().cloned())
        .unwrap_or_else(|| head.clone());
    let revision = cfg.revision_at(&commit)?;
    let channels = Channels::new(
        Some(gh.clone()),
        cfg.slack.notifier(),
        runner.clone(),
        cfg.dry_run,
    );
    let partial_fixed = commit != head && cfg.revision_is_fixed();
    // Only the notes of direct pushes that ship.
    let shipped_direct: Vec<String> = plan
        .ship
        .iter()
        .filter_map(|s| match s {
            Step::Direct(c) => Some(c.short().to_string()),
            Step::Pr(_) => None,
        })
        .collect();
    let shipped_prs: Vec<String> = plan
        .prs()
        .iter()
        .map(|p| format!("PR #{} ", p.number.0))
        .collect();
    let notes = direct_notes
        .into_iter()
        .filter(|n| shipped_direct.iter().any(|c| n.contains(c.as_str())))
        .chain(
            revert_notes
                .into_iter()
                .filter(|n| shipped_prs.iter().any(|p| n.starts_with(p.as_str()))),
        )
        .collect();
    let mut run = DeployRun::new(
        ctx,
        cfg,
        Plan {
            kind: Kind::Deploy,
            commit,
            revision,
            prs: if partial_fixed {
                plan.prs()
            } else {
                Vec::new()
            },
            left: plan.left.clone(),
            notes,
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
            .map(|(step, why)| {
                format!(
                    "The train cannot leave: {} is first in line and {why}",
                    step.label()
                )
            })
            .unwrap_or_else(|| "Nothing can ship.".into());
        return run.refuse(&reason).await;
    }
    run.plan.prs = plan.prs();
    let shipping: Vec<String> = plan.ship.iter().map(label_short).collect();
    println!(
        "shipgate: release train ships {} ({} changes) up to {}",
        shipping.join(", "),
        plan.kind,
        run.plan.commit.short()
    );
    for (step, why) in &run.plan.left {
        println!(
            "shipgate: {} waits for the next release: {why}",
            step.label()
        );
    }
    attach_or_ship(&mut run, &aws, &gh).await
}

fn label_short(s: &Step) -> String {
    match s {
        Step::Pr(p) => format!("#{}", p.number.0),
        Step::Direct(c) => c.short().to_string(),
    }
}
