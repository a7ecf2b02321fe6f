//! What must hold for merged work to ship: no hold label, a passing gate on each PR's head, and
//! a release that keeps schema and code apart. The decisions are pure functions of what was
//! read; the reads are the small async functions beside them.

use super::config::DeployConfig;
use super::train::Direction;
use super::window::Gate;
use crate::classify::FileKind;
use crate::gate::change::{pr_change, Change};
use crate::gate::policy;
use crate::gate::CHECK_NAME;
use crate::github::{CheckRunState, GitHub, PullRequest};
use crate::lint::SchemaMoves;
use crate::model::FileStatus;
use crate::model::{CommitSha, ReleaseKind};
use anyhow::{Context as _, Result};
use std::path::Path;

/// Why one merged PR must not ship, from its labels and the gate's check runs on its head
/// (newest first). Pure.
pub fn gate_refusal(pr: &PullRequest, runs: &[CheckRunState], hold_label: &str) -> Option<String> {
    if is_held(pr, hold_label) {
        return Some(format!(
            "PR #{} carries the hold label `{hold_label}`. Remove the label when it may ship, then re-run this workflow.",
            pr.number.0
        ));
    }
    run_refusal(pr, runs)
}

pub fn is_held(pr: &PullRequest, hold_label: &str) -> bool {
    pr.labels.iter().any(|l| l.eq_ignore_ascii_case(hold_label))
}

/// The later PR that reverts `pr` (GitHub's revert button titles it `Revert "<title>"`), if
/// one is among `later`: a held PR and its revert ship together as no change at all. Pure.
pub fn reverted_by<'a>(pr: &PullRequest, later: &'a [PullRequest]) -> Option<&'a PullRequest> {
    let title = format!("Revert \"{}\"", pr.title);
    later.iter().find(|p| p.title == title)
}

/// Why the gate's check runs on a PR's head (newest first) do not let it ship. Pure.
pub fn run_refusal(pr: &PullRequest, runs: &[CheckRunState]) -> Option<String> {
    match runs.first() {
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
    }
}

/// Why a commit that no merged PR brought in must not ship. Pure.
pub fn direct_push_refusal(commit: &CommitSha, require_pull_request: bool) -> Option<String> {
    require_pull_request.then(|| format!(
        "Commit {} was not brought in by a merged pull request, so no gate has checked it. Merge it through a PR, or set `require-pull-request: false` to deploy direct pushes.",
        commit.short()
    ))
}

/// The separation decision of a release: its kind, and why it must not ship. The whole release
/// is one change (DESIGN.md §1.4); a label on any of its PRs accepts a finding, as at the gate.
pub fn release_separation(
    cfg: &DeployConfig,
    prs: &[PullRequest],
    change: &Change,
) -> (ReleaseKind, Option<String>) {
    let class = change.classify(&cfg.gate.classifier);
    let labels: Vec<String> = prs.iter().flat_map(|p| p.labels.clone()).collect();
    let refusal = policy::separation_refusal(
        &class,
        cfg.gate.mixed,
        &labels,
        &cfg.gate.allow_label_prefix,
    );
    (class.release_kind(), refusal)
}

/// Reads the gate's check runs on a PR's head and decides.
pub async fn pr_block(gh: &GitHub, cfg: &DeployConfig, pr: &PullRequest) -> Result<Option<String>> {
    let runs = gh
        .check_runs(&pr.head_sha, CHECK_NAME)
        .await
        .with_context(|| format!("reading the gate's check run on PR #{}", pr.number.0))?;
    Ok(gate_refusal(pr, &runs, &cfg.hold_label))
}

/// [`pr_block`] without the hold label: for a held PR whose revert ships with it.
pub async fn pr_gate_block(gh: &GitHub, pr: &PullRequest) -> Result<Option<String>> {
    let runs = gh
        .check_runs(&pr.head_sha, CHECK_NAME)
        .await
        .with_context(|| format!("reading the gate's check run on PR #{}", pr.number.0))?;
    Ok(run_refusal(pr, &runs))
}

/// How a PR's migrations move the schema, read from each migration at the PR's merge commit
/// with the lint's expand/contract knowledge. Migrations that cannot be read add nothing (the
/// separation and the gate still apply to them).
pub async fn schema_moves(
    gh: &GitHub,
    cfg: &DeployConfig,
    pr: &PullRequest,
    change: &Change,
) -> SchemaMoves {
    let at = pr.merge_commit_sha.as_ref().unwrap_or(&pr.head_sha);
    let mut moves = SchemaMoves::default();
    for f in &change.files {
        if f.status == FileStatus::Removed
            || cfg.gate.classifier.kind_of_path(&f.path) != FileKind::Schema
        {
            continue;
        }
        match gh.file_at(&f.path, &at.0).await {
            Ok(Some(text)) => {
                if let Some(m) = crate::lint::schema_moves(&f.path, &text, cfg.gate.lint.dialect) {
                    moves.add(m);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::info!("reading {} of PR #{}: {e}", f.path, pr.number.0),
        }
    }
    moves
}

/// The direction of a set of moves (`None`: no expand or contract was read).
pub fn direction(moves: &SchemaMoves) -> Option<Direction> {
    Direction::from_flags(!moves.expands.is_empty(), !moves.contracts.is_empty())
}

/// Why a contract must wait: it contracts a table that the release the group runs now expanded,
/// so no code deploy has happened since that expand (DESIGN.md §1.4: expand, deploy the code,
/// then contract). `recent`: the tables that release expanded, with the PR that did. Pure.
pub fn contract_too_soon(
    moves: &SchemaMoves,
    recent: &[(String, u64)],
    deployment: &str,
) -> Option<String> {
    let hit: Vec<String> = moves
        .contracts
        .iter()
        .filter_map(|t| {
            recent
                .iter()
                .find(|(r, _)| r == t)
                .map(|(_, pr)| format!("`{t}` (expanded by PR #{pr})"))
        })
        .collect();
    (!hit.is_empty()).then(|| format!(
        "it contracts {} right after deployment {deployment} expanded it, with no code deploy since; ship the code that moves to the new schema first",
        hit.join(", ")
    ))
}

/// The label that freezes releases when an open issue carries it (DESIGN.md: `freeze`).
pub const FREEZE_LABEL: &str = "shipgate:freeze";

/// Why this run must not ship now: the release window, the `freeze` input, or an open issue
/// labelled `shipgate:freeze`. `force` overrides all three (never the gate, checked elsewhere).
/// The issue search failing (a token without `issues: read`) is a warning, not a freeze.
pub async fn not_now(gh: &GitHub, cfg: &DeployConfig) -> Option<String> {
    if let Gate::Closed(reason) = cfg.window_gate() {
        return Some(reason);
    }
    if cfg.force {
        return None;
    }
    match gh.open_issues_with_label(FREEZE_LABEL).await {
        Ok(issues) => issues.first().map(|(n, title)| {
            format!(
                "not released: a release freeze is on (issue #{n} \"{title}\" carries `{FREEZE_LABEL}`; close it or remove the label to resume)"
            )
        }),
        Err(e) => {
            crate::runner::warning(&format!(
                "shipgate could not look for open issues labelled `{FREEZE_LABEL}` (needs `issues: read`): {e}"
            ));
            None
        }
    }
}

/// Every file the PRs change, read completely or marked incomplete.
pub async fn read_change(
    gh: &GitHub,
    workspace: Option<&Path>,
    prs: &[PullRequest],
) -> Result<Change> {
    let mut parts = Vec::new();
    for pr in prs {
        parts.push(
            pr_change(gh, workspace, pr)
                .await
                .with_context(|| format!("listing the files of PR #{}", pr.number.0))?,
        );
    }
    Ok(Change::union(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChangedFile, PrNumber};

    fn pr(labels: &[&str]) -> PullRequest {
        PullRequest {
            number: PrNumber(7),
            title: "t".into(),
            author: "a".into(),
            url: "u".into(),
            state: "closed".into(),
            merged: true,
            merged_at: None,
            merge_commit_sha: None,
            head_sha: CommitSha("a".repeat(40)),
            head_ref: "b".into(),
            head_repo: None,
            base_sha: CommitSha("b".repeat(40)),
            base_ref: "main".into(),
            base_repo: None,
            labels: labels.iter().map(|l| l.to_string()).collect(),
        }
    }

    fn run(status: &str, conclusion: Option<&str>) -> CheckRunState {
        CheckRunState {
            id: 1,
            name: CHECK_NAME.into(),
            status: status.into(),
            conclusion: conclusion.map(str::to_string),
            html_url: None,
        }
    }

    #[test]
    fn the_gate_must_have_passed_on_the_head() {
        let p = pr(&[]);
        assert!(gate_refusal(&p, &[], "shipgate:hold")
            .unwrap()
            .contains("never ran"));
        assert!(
            gate_refusal(&p, &[run("in_progress", None)], "shipgate:hold")
                .unwrap()
                .contains("still in_progress")
        );
        assert!(
            gate_refusal(&p, &[run("completed", Some("failure"))], "shipgate:hold")
                .unwrap()
                .contains("concluded `failure`")
        );
        assert!(gate_refusal(&p, &[run("completed", Some("success"))], "shipgate:hold").is_none());
        let mut revert = pr(&[]);
        revert.title = "Revert \"t\"".into();
        assert_eq!(
            reverted_by(&p, std::slice::from_ref(&revert)).map(|r| r.title.as_str()),
            Some("Revert \"t\"")
        );
        assert!(reverted_by(&p, std::slice::from_ref(&p)).is_none());
        let held = pr(&["Shipgate:Hold"]);
        assert!(
            gate_refusal(&held, &[run("completed", Some("success"))], "shipgate:hold")
                .unwrap()
                .contains("hold label")
        );
    }

    #[test]
    fn a_contract_waits_for_a_code_deploy_after_its_expand() {
        let mut moves = SchemaMoves::default();
        moves.contracts.insert("users".into());
        let recent = vec![("users".to_string(), 70)];
        let why = contract_too_soon(&moves, &recent, "d-7").unwrap();
        assert!(
            why.contains("`users` (expanded by PR #70) right after deployment d-7"),
            "{why}"
        );
        assert!(contract_too_soon(&moves, &[("orders".into(), 70)], "d-7").is_none());
        assert!(contract_too_soon(&moves, &[], "d-7").is_none());
        assert_eq!(direction(&moves), Some(Direction::Contract));
        assert_eq!(direction(&SchemaMoves::default()), None);
    }

    #[test]
    fn a_release_whose_files_were_cut_off_does_not_ship() {
        let inputs = {
            let mut i = crate::inputs::Inputs::default();
            i.set("application", "shop");
            i.set("deployment-group", "g");
            i.set("revision", "s3://bucket/shop.zip");
            i
        };
        let cfg = DeployConfig::from_inputs(&inputs, None, true, &Default::default()).unwrap();
        let mut change = Change::complete(vec![ChangedFile::new(
            "app/models/user.rb",
            FileStatus::Modified,
        )]);
        assert_eq!(
            release_separation(&cfg, &[pr(&[])], &change),
            (ReleaseKind::Code, None)
        );
        change.incomplete = Some("GitHub lists at most 3000 files".into());
        let (_, why) = release_separation(&cfg, &[pr(&[])], &change);
        assert!(why.unwrap().contains("at most 3000 files"));
        change
            .files
            .push(ChangedFile::new("db/migrate/1_a.rb", FileStatus::Added));
        change.incomplete = None;
        let (kind, why) = release_separation(&cfg, &[pr(&[])], &change);
        assert_eq!(kind, ReleaseKind::Mixed);
        assert!(why.unwrap().contains("together with application code"));
        let (_, why) = release_separation(&cfg, &[pr(&["shipgate:allow-SG001"])], &change);
        assert!(why.is_none());
    }
}
