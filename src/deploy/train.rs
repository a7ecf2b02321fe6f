//! The release train: of the PRs merged since the last good deploy, in merge order, ship the
//! longest prefix that is safe and does not mix schema and code; leave the rest for next time.

use crate::github::PullRequest;
use crate::model::ReleaseKind;

/// A merged PR waiting to ship, with what it carries and why it cannot ship (if it cannot).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub pr: PullRequest,
    pub kind: ReleaseKind,
    /// Hold label, gate not passed, ...: the train stops before this PR.
    pub blocked: Option<String>,
}

/// What this run ships and what it leaves.
#[derive(Debug, Clone)]
pub struct TrainPlan {
    pub ship: Vec<PullRequest>,
    pub kind: ReleaseKind,
    /// The PRs left for a later run, each with the reason.
    pub left: Vec<(PullRequest, String)>,
}

/// Walks the candidates in merge order. A PR that mixes schema and code on its own (accepted by
/// a label at the gate) travels alone.
pub fn plan(candidates: Vec<Candidate>) -> TrainPlan {
    let mut ship: Vec<PullRequest> = Vec::new();
    let mut kind = ReleaseKind::None;
    let mut left = Vec::new();
    let mut stop: Option<(usize, String)> = None;
    for (i, c) in candidates.iter().enumerate() {
        if let Some(reason) = &c.blocked {
            stop = Some((i, reason.clone()));
            break;
        }
        let merged = kind.merge(c.kind);
        let travels_alone = c.kind == ReleaseKind::Mixed;
        if merged == ReleaseKind::Mixed && !(travels_alone && ship.is_empty()) {
            stop = Some((
                i,
                format!(
                    "it carries {} changes and this train already ships {} changes; it goes in the next release",
                    c.kind, kind
                ),
            ));
            break;
        }
        ship.push(c.pr.clone());
        kind = merged;
        if travels_alone {
            stop = candidates.get(i + 1).map(|_| {
                (
                    i + 1,
                    format!(
                        "PR #{} mixes schema and code and ships alone",
                        c.pr.number.0
                    ),
                )
            });
            break;
        }
    }
    if let Some((at, reason)) = stop {
        for (j, c) in candidates.into_iter().enumerate().skip(at) {
            let why = if j == at {
                reason.clone()
            } else {
                format!("waits behind PR #{}", left_head(&left, &c))
            };
            left.push((c.pr, why));
        }
    }
    TrainPlan { ship, kind, left }
}

fn left_head(left: &[(PullRequest, String)], c: &Candidate) -> u64 {
    left.first()
        .map(|(p, _)| p.number.0)
        .unwrap_or(c.pr.number.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CommitSha, PrNumber};

    fn pr(n: u64) -> PullRequest {
        PullRequest {
            number: PrNumber(n),
            title: format!("PR {n}"),
            author: "a".into(),
            url: String::new(),
            state: "closed".into(),
            merged: true,
            merged_at: None,
            merge_commit_sha: Some(CommitSha(format!("{n:040}"))),
            head_sha: CommitSha(format!("h{n}")),
            head_ref: String::new(),
            head_repo: None,
            base_sha: CommitSha(String::new()),
            base_ref: "main".into(),
            base_repo: None,
            labels: vec![],
        }
    }

    fn c(n: u64, kind: ReleaseKind) -> Candidate {
        Candidate {
            pr: pr(n),
            kind,
            blocked: None,
        }
    }

    fn numbers(prs: &[PullRequest]) -> Vec<u64> {
        prs.iter().map(|p| p.number.0).collect()
    }

    #[test]
    fn ships_the_longest_unmixed_prefix() {
        use ReleaseKind::*;
        let p = plan(vec![
            c(1, Schema),
            c(2, None),
            c(3, Schema),
            c(4, Code),
            c(5, Schema),
        ]);
        assert_eq!(numbers(&p.ship), vec![1, 2, 3]);
        assert_eq!(p.kind, Schema);
        assert_eq!(p.left.len(), 2);
        assert!(p.left[0].1.contains("carries code changes"));
        assert_eq!(p.left[1].1, "waits behind PR #4");
    }

    #[test]
    fn a_blocked_pr_stops_the_train() {
        use ReleaseKind::*;
        let mut held = c(2, Code);
        held.blocked = Some("hold label".into());
        let p = plan(vec![c(1, Code), held, c(3, Code)]);
        assert_eq!(numbers(&p.ship), vec![1]);
        assert_eq!(p.left[0].1, "hold label");
        let mut first = c(1, Code);
        first.blocked = Some("gate failed".into());
        assert!(plan(vec![first]).ship.is_empty());
    }

    #[test]
    fn an_accepted_mixed_pr_travels_alone() {
        use ReleaseKind::*;
        let p = plan(vec![c(1, Mixed), c(2, Code)]);
        assert_eq!(numbers(&p.ship), vec![1]);
        assert!(p.left[0].1.contains("ships alone"));
        let p = plan(vec![c(1, Code), c(2, Mixed)]);
        assert_eq!(numbers(&p.ship), vec![1]);
        assert!(plan(vec![]).ship.is_empty());
    }
}
