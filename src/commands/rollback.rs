//! `shipgate rollback`: redeploy the newest revision that succeeded before the one the group
//! runs now (or the `revision` input), with the same reporting. No gate or order check: going
//! back is the point.

use crate::channels::Channels;
use crate::deploy::history;
use crate::deploy::publish::{DeployRun, Kind, Plan};
use crate::deploy::ship::{ship, Aws};
use crate::inputs::ConfigError;
use crate::model::CommitSha;
use crate::outcome::Outcome;
use crate::runner::{RunContext, Runner};
use crate::settings::DeploySettings;
use anyhow::{Context as _, Result};

pub async fn run(ctx: &RunContext, s: DeploySettings, runner: &Runner) -> Result<Outcome> {
    let cfg = &s.deploy;
    let fallback = s
        .target
        .as_ref()
        .and_then(|t| t.commit().cloned())
        .unwrap_or_else(|| CommitSha(String::new()));
    let gh = s.github.client()?;
    let aws = Aws::open(cfg).await?;
    let (revision, commit) = match &cfg.revision {
        Some(template) => {
            let r = template.at(&fallback)?;
            let c = r.commit().cloned().unwrap_or(fallback);
            (r, c)
        }
        None => {
            let Some(previous) = history::previous_good(&aws.cd, &aws.group)
                .await
                .context("looking for the last good revision")?
            else {
                return Err(ConfigError(format!(
                    "deployment group '{}' has no earlier successful deployment to roll back to; give input 'revision'",
                    cfg.group
                ))
                .into());
            };
            let revision = previous.revision.clone().ok_or_else(|| {
                ConfigError(format!(
                    "deployment {} does not name its revision",
                    previous.id
                ))
            })?;
            println!(
                "shipgate: rolling back to {revision} (last succeeded in deployment {})",
                previous.id
            );
            let commit = history::deployed_commit(&previous).unwrap_or(fallback);
            (revision, commit)
        }
    };
    let channels = Channels::new(Some(gh), cfg.slack.notifier(), runner.clone(), cfg.dry_run);
    let plan = Plan {
        kind: Kind::Rollback,
        commit,
        revision,
        prs: Vec::new(),
        left: Vec::new(),
    };
    let mut run = DeployRun::new(ctx, cfg, plan, channels);
    ship(&mut run, &aws, None).await
}
