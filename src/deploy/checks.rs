//! What must hold for a merged PR to ship: no hold label, a passing gate on its head commit,
//! and (for the release train) what it carries.

use super::config::DeployConfig;
use crate::gate::action::CHECK_NAME;
use crate::gate::policy::MIXED_RULE;
use crate::github::{GitHub, PullRequest};
use crate::model::ReleaseKind;
use anyhow::{Context as _, Result};

/// Why one merged PR must not ship: a hold label, or a gate that did not pass on its head.
pub(super) async fn pr_block(
    gh: &GitHub,
    cfg: &DeployConfig,
    pr: &PullRequest,
) -> Result<Option<String>> {
    if pr
        .labels
        .iter()
        .any(|l| l.eq_ignore_ascii_case(&cfg.hold_label))
    {
        return Ok(Some(format!(
            "PR #{} carries the hold label `{}`. Remove the label when it may ship, then re-run this workflow.",
            pr.number.0, cfg.hold_label
        )));
    }
    let runs = gh
        .check_runs(&pr.head_sha, CHECK_NAME)
        .await
        .with_context(|| format!("reading the gate's check run on PR #{}", pr.number.0))?;
    Ok(match runs.first() {
        None => Some(format!(
            "The `{CHECK_NAME}` gate never ran on PR #{}'s head commit {}. Run the gate workflow on the PR (and make it a required check), then re-run this deploy.",
            pr.number.0,
            pr.head_sha.short()
        )),
        Some(run) if run.status != "completed" => Some(format!(
            "The `{CHECK_NAME}` gate on PR #{} is still {}. Wait for it, then re-run this deploy.",
            pr.number.0, run.status
        )),
        Some(run) if run.conclusion.as_deref() != Some("success") => Some(format!(
            "The `{CHECK_NAME}` gate on PR #{} concluded `{}`. Fix its findings (or accept them on purpose) before shipping.",
            pr.number.0,
            run.conclusion.as_deref().unwrap_or("nothing")
        )),
        Some(_) => None,
    })
}

/// What one PR carries, for the train. With `mixed-changes` other than `fail`, mixing is
/// allowed and every PR counts as `none`. A mixed PR without the acceptance label is blocked.
pub(super) async fn pr_kind(
    gh: &GitHub,
    cfg: &DeployConfig,
    pr: &PullRequest,
) -> Result<(ReleaseKind, Option<String>)> {
    if cfg.gate.mixed != crate::gate::policy::MixedPolicy::Fail {
        return Ok((ReleaseKind::None, None));
    }
    let files = gh
        .pull_request_files(pr.number)
        .await
        .with_context(|| format!("listing the files of PR #{}", pr.number.0))?;
    let kind = cfg.gate.classifier.classify(&files).release_kind();
    let accepted = format!("{}{MIXED_RULE}", cfg.gate.allow_label_prefix);
    if kind == ReleaseKind::Mixed && !pr.labels.iter().any(|l| l.eq_ignore_ascii_case(&accepted)) {
        return Ok((
            kind,
            Some(format!(
                "PR #{} mixes schema and code without the `{accepted}` label",
                pr.number.0
            )),
        ));
    }
    Ok((kind, None))
}
