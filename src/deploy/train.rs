//! The release train: of the PRs merged (and commits pushed) since the last good deploy, in
//! order, ship the longest prefix that is safe, does not mix schema and code, and does not
//! expand and contract the schema together; leave the rest for next time.

use crate::github::PullRequest;
use crate::model::{CommitSha, ReleaseKind};

/// One step of the base branch's history since the last deployment: a merged PR (at its merge
/// commit), or a commit no merged PR brought in.
#[derive(Debug, Clone)]
pub enum Step {
    /// Boxed: a PR is large, a commit small.
    Pr(Box<PullRequest>),
    Direct(CommitSha),
}

impl Step {
    /// The commit the base branch is at after this step.
    pub fn commit(&self) -> Option<&CommitSha> {
        match self {
            Step::Pr(p) => p.merge_commit_sha.as_ref(),
            Step::Direct(c) => Some(c),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Step::Pr(p) => format!("PR #{}", p.number.0),
            Step::Direct(c) => format!("commit {} (pushed directly)", c.short()),
        }
    }

    pub fn pr(&self) -> Option<&PullRequest> {
        match self {
            Step::Pr(p) => Some(p.as_ref()),
            Step::Direct(_) => None,
        }
    }
}

/// Which way a schema change moves the schema (DESIGN.md §1.4): expand (add) or contract
/// (drop, rename). They need a code deploy between them, so they never share a train.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Expand,
    Contract,
    Both,
}

impl Direction {
    pub fn from_flags(expands: bool, contracts: bool) -> Option<Direction> {
        match (expands, contracts) {
            (true, true) => Some(Direction::Both),
            (true, false) => Some(Direction::Expand),
            (false, true) => Some(Direction::Contract),
            (false, false) => None,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Direction::Expand => "expands",
            Direction::Contract => "contracts",
            Direction::Both => "expands and contracts",
        }
    }
}

/// A step waiting to ship, with what it carries and why it cannot ship (if it cannot).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub step: Step,
    pub kind: ReleaseKind,
    /// For schema changes: which way its migrations move the schema, when that could be read.
    pub direction: Option<Direction>,
    /// Hold label, gate not passed, direct push...: the train stops before this step.
    pub blocked: Option<String>,
}

/// What this run ships and what it leaves.
#[derive(Debug, Clone)]
pub struct TrainPlan {
    pub ship: Vec<Step>,
    pub kind: ReleaseKind,
    /// The steps left for a later run, each with the reason.
    pub left: Vec<(Step, String)>,
}

impl TrainPlan {
    pub fn prs(&self) -> Vec<PullRequest> {
        self.ship.iter().filter_map(|s| s.pr().cloned()).collect()
    }
}

/// Walks the candidates in order. A PR that mixes schema and code on its own (accepted by a
/// label at the gate) travels alone, and so does one that expands and contracts.
pub fn plan(candidates: Vec<Candidate>) -> TrainPlan {
    let mut ship: Vec<Step> = Vec::new();
    let mut kind = ReleaseKind::None;
    let mut direction: Option<Direction> = None;
    let mut left = Vec::new();
    let mut stop: Option<(usize, String)> = None;
    for (i, c) in candidates.iter().enumerate() {
        if let Some(reason) = &c.blocked {
            stop = Some((i, reason.clone()));
            break;
        }
        let merged = kind.merge(c.kind);
        let travels_alone = c.kind == ReleaseKind::Mixed || c.direction == Some(Direction::Both);
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
        if let (Some(train), Some(this)) = (direction, c.direction) {
            if train != this || this == Direction::Both {
                stop = Some((
                    i,
                    format!(
                        "it {} the schema and this train already {} it; expand and contract need a code deploy between them, so it goes in a later release",
                        this.verb(),
                        train.verb()
                    ),
                ));
                break;
            }
        }
        ship.push(c.step.clone());
        kind = merged;
        direction = direction.or(c.direction);
        if travels_alone {
            stop = candidates.get(i + 1).map(|_| {
                (
                    i + 1,
                    format!("{} ships alone: it {}", c.step.label(), alone_why(c)),
                )
            });
            break;
        }
    }
    if let Some((at, reason)) = stop {
        let first = candidates.get(at).map(|c| c.step.label());
        for (j, c) in candidates.into_iter().enumerate().skip(at) {
            let why = if j == at {
                reason.clone()
            } else {
                format!("waits behind {}", first.clone().unwrap_or_default())
            };
            left.push((c.step, why));
        }
    }
    TrainPlan { ship, kind, left }
}

fn alone_why(c: &Candidate) -> &'static str {
    if c.kind == ReleaseKind::Mixed {
        "mixes schema and code"
    } else {
        "expands and contracts the schema"
    }
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
            step: Step::Pr(Box::new(pr(n))),
            kind,
            direction: None,
            blocked: None,
        }
    }

    fn schema(n: u64, d: Direction) -> Candidate {
        Candidate {
            direction: Some(d),
            ..c(n, ReleaseKind::Schema)
        }
    }

    fn numbers(steps: &[Step]) -> Vec<u64> {
        steps
            .iter()
            .filter_map(|s| s.pr().map(|p| p.number.0))
            .collect()
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
        assert_eq!(
            numbers(
                &p.prs()
                    .into_iter()
                    .map(|p| Step::Pr(Box::new(p)))
                    .collect::<Vec<_>>()
            ),
            vec![1, 2, 3]
        );
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
        assert!(p.left[0]
            .1
            .contains("PR #1 ships alone: it mixes schema and code"));
        let p = plan(vec![c(1, Code), c(2, Mixed)]);
        assert_eq!(numbers(&p.ship), vec![1]);
        assert!(plan(vec![]).ship.is_empty());
    }

    #[test]
    fn expand_and_contract_never_share_a_train() {
        use Direction::*;
        let p = plan(vec![
            schema(1, Expand),
            schema(2, Expand),
            schema(3, Contract),
        ]);
        assert_eq!(numbers(&p.ship), vec![1, 2]);
        assert!(
            p.left[0]
                .1
                .contains("it contracts the schema and this train already expands it"),
            "{}",
            p.left[0].1
        );
        let p = plan(vec![
            schema(1, Contract),
            c(2, ReleaseKind::None),
            schema(3, Expand),
        ]);
        assert_eq!(numbers(&p.ship), vec![1, 2]);
        let p = plan(vec![schema(1, Both), schema(2, Expand)]);
        assert_eq!(numbers(&p.ship), vec![1]);
        assert!(p.left[0].1.contains("expands and contracts the schema"));
        let p = plan(vec![schema(1, Expand), schema(2, Both)]);
        assert_eq!(numbers(&p.ship), vec![1]);
        // Unknown direction (unreadable file) does not constrain.
        let mut unknown = schema(2, Expand);
        unknown.direction = None;
        assert_eq!(
            numbers(&plan(vec![schema(1, Contract), unknown]).ship),
            vec![1, 2]
        );
    }

    #[test]
    fn a_direct_push_is_a_step_of_its_own() {
        let direct = Candidate {
            step: Step::Direct(CommitSha("d".repeat(40))),
            kind: ReleaseKind::Code,
            direction: None,
            blocked: Some("pushed directly".into()),
        };
        let p = plan(vec![
            c(1, ReleaseKind::Code),
            direct,
            c(2, ReleaseKind::Code),
        ]);
        assert_eq!(numbers(&p.ship), vec![1]);
        assert_eq!(p.left[0].0.label(), "commit ddddddd (pushed directly)");
        assert_eq!(p.left[1].1, "waits behind commit ddddddd (pushed directly)");
    }
}
