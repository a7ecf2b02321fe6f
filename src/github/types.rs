//! Request and answer shapes of the GitHub endpoints shipgate uses, and the domain types the
//! rest of the crate sees.

use crate::model::{CommitSha, PrNumber};
use serde::{Deserialize, Serialize};

/// A pull request, as the gate and the deploy need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullRequest {
    pub number: PrNumber,
    pub title: String,
    pub author: String,
    pub url: String,
    pub state: String,
    pub merged: bool,
    pub merged_at: Option<String>,
    pub merge_commit_sha: Option<CommitSha>,
    pub head_sha: CommitSha,
    pub head_ref: String,
    pub head_repo: Option<String>,
    pub base_sha: CommitSha,
    pub base_ref: String,
    pub base_repo: Option<String>,
    pub labels: Vec<String>,
}

impl PullRequest {
    /// A PR from a fork: its workflow's token is read-only.
    pub fn is_fork(&self) -> bool {
        match (&self.head_repo, &self.base_repo) {
            (Some(h), Some(b)) => h != b,
            // A deleted fork has no head repo.
            (None, Some(_)) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawPull {
    number: u64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    html_url: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    merged: Option<bool>,
    #[serde(default)]
    merged_at: Option<String>,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    user: Option<RawUser>,
    head: RawBranch,
    base: RawBranch,
    #[serde(default)]
    labels: Vec<RawLabel>,
}

#[derive(Debug, Deserialize)]
struct RawUser {
    login: String,
}

#[derive(Debug, Deserialize)]
struct RawBranch {
    sha: String,
    #[serde(rename = "ref", default)]
    reference: String,
    repo: Option<RawRepo>,
}

#[derive(Debug, Deserialize)]
struct RawRepo {
    full_name: String,
}

#[derive(Debug, Deserialize)]
struct RawLabel {
    name: String,
}

impl From<RawPull> for PullRequest {
    fn from(r: RawPull) -> Self {
        PullRequest {
            number: PrNumber(r.number),
            title: r.title,
            author: r.user.map(|u| u.login).unwrap_or_default(),
            url: r.html_url,
            state: r.state,
            // `merged` is absent from list answers; `merged_at` is always there.
            merged: r.merged.unwrap_or(r.merged_at.is_some()),
            merged_at: r.merged_at,
            merge_commit_sha: r.merge_commit_sha.map(CommitSha),
            head_sha: CommitSha(r.head.sha),
            head_ref: r.head.reference,
            head_repo: r.head.repo.map(|x| x.full_name),
            base_sha: CommitSha(r.base.sha),
            base_ref: r.base.reference,
            base_repo: r.base.repo.map(|x| x.full_name),
            labels: r.labels.into_iter().map(|l| l.name).collect(),
        }
    }
}

/// Parses the `pull_request` object of a webhook payload (same shape as the REST answer).
pub fn pull_request_from_event(v: &serde_json::Value) -> Option<PullRequest> {
    serde_json::from_value::<RawPull>(v.clone())
        .ok()
        .map(PullRequest::from)
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDiffEntry {
    pub filename: String,
    pub status: String,
    #[serde(default)]
    pub previous_filename: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawContent {
    #[serde(default)]
    pub content: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawId {
    pub id: u64,
}

/// An issue (PR) comment.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// A check run's conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    Success,
    Failure,
    Neutral,
}

impl Conclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
            Conclusion::Neutral => "neutral",
        }
    }
}

/// One check-run annotation, in the API's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// `notice`, `warning` or `failure`.
    pub annotation_level: &'static str,
    pub message: String,
    pub title: String,
}

/// A completed check run to publish.
#[derive(Debug, Clone)]
pub struct CheckRunReport {
    pub name: String,
    pub head_sha: CommitSha,
    pub conclusion: Conclusion,
    pub title: String,
    pub summary: String,
    pub details_url: Option<String>,
    pub annotations: Vec<Annotation>,
}

/// A check run as listed on a commit.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct CheckRunState {
    pub id: u64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawCheckRuns {
    #[serde(default)]
    pub check_runs: Vec<CheckRunState>,
}

/// How one commit relates to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareStatus {
    Ahead,
    Behind,
    Identical,
    Diverged,
    Unknown,
}

impl CompareStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "ahead" => CompareStatus::Ahead,
            "behind" => CompareStatus::Behind,
            "identical" => CompareStatus::Identical,
            "diverged" => CompareStatus::Diverged,
            _ => CompareStatus::Unknown,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawCompare {
    pub status: String,
    #[serde(default)]
    pub commits: Vec<RawCommit>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawCommit {
    pub sha: String,
}

/// GET a commit: the part shipgate reads (the first 300 files; a direct push that large is
/// reported as cut off by the caller's classification, like a PR past its cap).
#[derive(Debug, Deserialize)]
pub(crate) struct RawCommitFiles {
    #[serde(default)]
    pub files: Vec<RawDiffEntry>,
}

/// A GitHub Deployment to create.
#[derive(Debug, Clone)]
pub struct NewDeployment {
    pub sha: CommitSha,
    pub environment: String,
    pub description: String,
    pub production: bool,
    pub payload: serde_json::Value,
}

/// A GitHub Deployment as listed or created.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct DeploymentRef {
    pub id: u64,
    #[serde(default)]
    pub sha: String,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub payload: serde_json::Value,
}

/// States of a GitHub Deployment status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentState {
    Queued,
    InProgress,
    Success,
    Failure,
    Error,
    Inactive,
}

impl DeploymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentState::Queued => "queued",
            DeploymentState::InProgress => "in_progress",
            DeploymentState::Success => "success",
            DeploymentState::Failure => "failure",
            DeploymentState::Error => "error",
            DeploymentState::Inactive => "inactive",
        }
    }
}

/// A Deployment status to post.
#[derive(Debug, Clone)]
pub struct NewDeploymentStatus {
    pub state: DeploymentState,
    pub description: String,
    pub log_url: Option<String>,
    pub environment_url: Option<String>,
    pub environment: Option<String>,
}

/// An issue of a list (the part shipgate reads).
#[derive(Debug, Deserialize)]
pub(crate) struct RawIssue {
    pub number: u64,
    #[serde(default)]
    pub title: String,
}
