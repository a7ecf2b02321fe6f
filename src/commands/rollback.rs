//! `shipgate rollback`: redeploy the newest revision that succeeded before the one the group
//! runs now, exactly as it was deployed (its own S3 location or commit; a `{sha}` template
//! resolves to that deployment's commit, never the run's). It knows what it undoes: the PRs
//! between the two, refused across a schema change unless `allow-schema-rollback`, and held
//! (hold label and a comment) so the next release train does not re-ship them. While a
//! Blue/Green deployment's original fleet still runs (Ready, or the termination wait after the
//! switch), the rollback is instant instead: StopDeployment with rollback routes the traffic
//! back to that fleet, and no new deployment is created.

use crate::channels::Channels;
use crate::codedeploy::types::DeploymentSnapshot;
use crate::deploy::checks::read_change;
use crate::deploy::follow::reroute_back;
use crate::deploy::history::{self, GroupHistory};
use crate::deploy::publish::{DeployRun, Kind, Plan};
use crate::deploy::range;
use crate::deploy::ship::{ship, Aws};
use crate::deploy::train::Step;
use crate::github::{GitHub, PullRequest};
use crate::inputs::ConfigError;
use crate::model::{CommitSha, ReleaseKind};
use crate::outcome::Outcome;
use crate::runner::{self, RunContext, Runner};
use crate::settings::DeploySettings;
use anyhow::Result;

pub async fn run(ctx: &RunContext, s: DeploySettings, runner: &Runner) -> Result<Outcome> {
    let cfg = &s.deploy;
    let gh = s.github.client()?;
    let aws = Aws::open(cfg).await?;
    if let Some(waiting) = history::waiting_deployment(&aws.cd, &aws.group).await? {
        let fallback = s
            .target
            .as_ref()
            .and_then(|t| t.commit().cloned())
            .unwrap_or_else(|| CommitSha(String::new()));
        return instant(ctx, &s, runner, gh, &aws, waiting, fallback).await;
    }
    let history = GroupHistory::load(&aws.cd, &gh, &aws.group, cfg).await?;
    let Some(current) = history.current()? else {
        return Err(ConfigError(format!(
            "deployment group '{}' has no successful deployment, so no earlier successful deployment to roll back to",
            cfg.group
        ))
        .into());
    };
    let Some(target) = history.previous_good(&current)? else {
        return Err(ConfigError(format!(
            "deployment group '{}' has no earlier successful deployment to roll back to (it runs {}, and nothing older that ran another known commit succeeded)",
            cfg.group,
            current.commit.short()
        ))
        .into());
    };
    // The artifact that ran then, byte for byte: the target deployment's own revision.
    let revision = match (&target.deployment.revision, &cfg.revision) {
        (Some(r), _) => r.clone(),
        (None, Some(template)) if !template.is_fixed() => template.at(&target.commit)?,
        (None, _) => {
            return Err(ConfigError(format!(
                "deployment {} does not name its revision, and input 'revision' has no {{sha}} to name it by its commit {}",
                target.deployment.id,
                target.commit.short()
            ))
            .into())
        }
    };
    println!(
        "shipgate: rolling back `{}` from {} to {} ({revision}, last succeeded in deployment {})",
        cfg.group,
        current.commit.short(),
        target.commit.short(),
        target.deployment.id
    );

    // What the rollback undoes.
    let steps = range::steps(&gh, &target.commit, &current.commit).await?;
    let undone: Vec<PullRequest> = steps.iter().filter_map(|s| s.pr().cloned()).collect();
    let direct: Vec<String> = steps
        .iter()
        .filter(|s| matches!(s, Step::Direct(_)))
        .map(Step::label)
        .collect();
    let mut schema_prs = Vec::new();
    for pr in &undone {
        let change = read_change(&gh, ctx.workspace.as_deref(), std::slice::from_ref(pr)).await?;
        let kind = change.classify(&cfg.gate.classifier).release_kind();
        if matches!(kind, ReleaseKind::Schema | ReleaseKind::Mixed) || change.incomplete.is_some() {
            schema_prs.push(pr.clone());
        }
    }
    let mut notes = Vec::new();
    if !undone.is_empty() || !direct.is_empty() {
        let mut what: Vec<String> = undone
            .iter()
            .map(|p| format!("PR #{} {}", p.number.0, p.title))
            .collect();
        what.extend(direct);
        notes.push(format!("This rollback undoes {}.", what.join(", ")));
    }
    let schema_names: Vec<String> = schema_prs
        .iter()
        .map(|p| format!("PR #{} {}", p.number.0, p.title))
        .collect();
    if !schema_prs.is_empty() && cfg.allow_schema_rollback {
        let warning = format!(
            "⚠️ Rolling back across schema changes ({}): the database keeps them (schema is forward-only), so the code of {} runs on the newer schema. allow-schema-rollback: true accepted this.",
            schema_names.join(", "),
            target.commit.short()
        );
        runner::warning(&format!("shipgate: {warning}"));
        notes.insert(0, warning);
    }
    let channels = Channels::new(
        Some(gh.clone()),
        cfg.slack.notifier(),
        runner.clone(),
        cfg.dry_run,
    );
    let plan = Plan {
        kind: Kind::Rollback,
        commit: target.commit.clone(),
        revision,
        prs: Vec::new(),
        left: Vec::new(),
        notes,
    };
    let mut run = DeployRun::new(ctx, cfg, plan, channels);
    if !schema_prs.is_empty() && !cfg.allow_schema_rollback {
        return run
            .refuse(&format!(
                "Rolling back from {} to {} would cross schema changes: {}. Schema changes are forward-only: the database keeps them, and the older code may not work with the new schema (a dropped column it still reads). Fix forward, or set `allow-schema-rollback: true` if the older code is known to work on this schema.",
                current.commit.short(),
                target.commit.short(),
                schema_names.join(", ")
            ))
            .await;
    }
    // Held before the deployment starts: even if the rollback fails, nobody should re-ship
    // these by accident. Said only now: a refusal above holds nothing.
    if !undone.is_empty() {
        run.plan.notes.push(format!(
            "The undone PRs now carry `{}`, so the release train stops before them until the label is removed or a revert lands.",
            cfg.hold_label
        ));
    }
    run.hold_undone(&undone, &current.commit).await;
    ship(&mut run, &aws, None).await
}

/// The instant rollback: stop `waiting` with rollback so CodeDeploy routes the traffic back to
/// the original fleet, which still runs.
async fn instant(
    ctx: &RunContext,
    s: &DeploySettings,
    runner: &Runner,
    gh: GitHub,
    aws: &Aws,
    waiting: DeploymentSnapshot,
    fallback: CommitSha,
) -> Result<Outcome> {
    let cfg = &s.deploy;
    let id = waiting.id.clone();
    println!(
        "shipgate: deployment {id} still has its original fleet ({}); rolling back by stopping it with rollback instead of creating a new deployment",
        crate::deploy::phase::phase(&waiting).describe()
    );
    // What the original fleet runs: the group's last successful deployment (the waiting one
    // has not succeeded yet). Only for the report: the stop itself needs no revision.
    let previous = match &aws.group.last_successful {
        Some(last) if last.id != id => aws.cd.deployment(&last.id).await.ok(),
        _ => None,
    };
    let revision = previous
        .as_ref()
        .and_then(|p| p.revision.clone())
        .or_else(|| waiting.revision.clone())
        .ok_or_else(|| ConfigError(format!("deployment {id} does not name its revision")))?;
    let commit = previous
        .as_ref()
        .and_then(history::deployed_commit)
        .unwrap_or(fallback);
    let channels = Channels::new(Some(gh), cfg.slack.notifier(), runner.clone(), cfg.dry_run);
    let plan = Plan {
        kind: Kind::Rollback,
        commit,
        revision,
        prs: Vec::new(),
        left: Vec::new(),
        notes: Vec::new(),
    };
    let mut run = DeployRun::new(ctx, cfg, plan, channels);
    run.deployment_id = Some(id.clone());
    if cfg.dry_run {
        return run
            .dry_run(&format!(
                "would stop deployment {id} with rollback, routing the traffic back to the original fleet"
            ))
            .await;
    }
    run.region = aws.cd.region();
    let headline = format!("⏪ Rolling back {} to the original fleet", cfg.environment);
    run.start_reporting_as(&format!("Stopping CodeDeploy {id} with rollback"), headline)
        .await;
    let outcome = {
        let _group = runner::group(&format!("CodeDeploy {id} ({}): rollback", cfg.group));
        let mut sink = |line: &str| println!("{line}");
        reroute_back(&aws.cd, &waiting, &cfg.follow, &mut sink).await
    };
    match run.finish_reroute(&outcome).await {
        Ok(o) => Ok(o),
        Err(e) => {
            run.abort(&e).await;
            Err(e)
        }
    }
}
