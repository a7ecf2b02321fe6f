//! The GitHub port: every GitHub REST call shipgate makes goes through [`GitHub`]
//! (octocrab inside). The rest of the crate sees only domain types.

mod types;

pub use types::*;

use crate::model::{ChangedFile, CommitSha, FileStatus, PrNumber, RepoName};
use crate::secret::Secret;
use base64::Engine as _;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// The API answers at most this many files for one PR.
pub const MAX_PR_FILES: usize = 3000;
const PER_PAGE: usize = 100;
/// The check-runs API limits `output.summary` to 65,535 characters.
const MAX_SUMMARY: usize = 65_000;
/// The check-runs API takes at most this many annotations per request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;

/// A failed GitHub call. The text never contains the token.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    #[error("GitHub answered {status} to {what}: {message}")]
    Api {
        status: u16,
        what: String,
        message: String,
    },
    #[error("GitHub request {what} failed: {message}")]
    Transport { what: String, message: String },
}

impl GitHubError {
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Api { status, .. } => Some(*status),
            GitHubError::Transport { .. } => None,
        }
    }

    /// The token may not write here (a fork PR's read-only token answers 403, sometimes 404).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

#[derive(Debug, Clone, Copy)]
enum Write {
    Post,
    Patch,
}

/// A client for one repository.
#[derive(Clone)]
pub struct GitHub {
    client: Octocrab,
    repo: RepoName,
}

impl GitHub {
    /// `api_url` is `GITHUB_API_URL` (`https://api.github.com`, or `https://HOST/api/v3`).
    pub fn new(api_url: &str, token: Option<&Secret>, repo: RepoName) -> anyhow::Result<Self> {
        let mut builder = Octocrab::builder()
            .base_uri(api_url.trim_end_matches('/'))
            .map_err(|e| anyhow::anyhow!("invalid GitHub API URL {api_url}: {e}"))?;
        if let Some(t) = token {
            builder = builder.personal_token(t.expose().to_string());
        }
        let client = builder
            .build()
            .map_err(|e| {
                anyhow::anyhow!(
                    "could not set up the GitHub client; is the system CA store (ca-certificates) installed? ({e})"
                )
            })?;
        Ok(GitHub { client, repo })
    }

    pub fn repo(&self) -> &RepoName {
        &self.repo
    }

    fn route(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{}", self.repo.owner, self.repo.name, rest)
    }

    async fn get<R: DeserializeOwned, P: Serialize + ?Sized>(
        &self,
        what: &str,
        route: String,
        params: Option<&P>,
    ) -> Result<R, GitHubError> {
        let v: Value = self
            .client
            .get(&route, params)
            .await
            .map_err(|e| map_error(what, e))?;
        decode(what, v)
    }

    async fn post<R: DeserializeOwned>(
        &self,
        what: &str,
        route: String,
        body: &Value,
    ) -> Result<R, GitHubError> {
        self.write(Write::Post, what, route, body).await
    }

    async fn patch<R: DeserializeOwned>(
        &self,
        what: &str,
        route: String,
        body: &Value,
    ) -> Result<R, GitHubError> {
        self.write(Write::Patch, what, route, body).await
    }

    async fn write<R: DeserializeOwned>(
        &self,
        method: Write,
        what: &str,
        route: String,
        body: &Value,
    ) -> Result<R, GitHubError> {
        let sent: Result<Value, octocrab::Error> = match method {
            Write::Post => self.client.post(&route, Some(body)).await,
            Write::Patch => self.client.patch(&route, Some(body)).await,
        };
        decode(what, sent.map_err(|e| map_error(what, e))?)
    }

    /// Fetches every page of a list endpoint (100 per page) up to `limit` items.
    async fn get_all<R: DeserializeOwned>(
        &self,
        what: &str,
        route: String,
        extra: &[(&str, String)],
        limit: usize,
    ) -> Result<Vec<R>, GitHubError> {
        let mut out = Vec::new();
        for page in 1.. {
            let mut params: Vec<(&str, String)> = extra.to_vec();
            params.push(("per_page", PER_PAGE.to_string()));
            params.push(("page", page.to_string()));
            let items: Vec<R> = self.get(what, route.clone(), Some(&params)).await?;
            let n = items.len();
            out.extend(items);
            if n < PER_PAGE || out.len() >= limit {
                break;
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    pub async fn pull_request(&self, number: PrNumber) -> Result<PullRequest, GitHubError> {
        let raw: RawPull = self
            .get(
                "get pull request",
                self.route(&format!("pulls/{}", number.0)),
                None::<&()>,
            )
            .await?;
        Ok(raw.into())
    }

    /// Every changed file of a PR (the API stops at 3,000).
    pub async fn pull_request_files(
        &self,
        number: PrNumber,
    ) -> Result<Vec<ChangedFile>, GitHubError> {
        let raw: Vec<RawDiffEntry> = self
            .get_all(
                "list pull request files",
                self.route(&format!("pulls/{}/files", number.0)),
                &[],
                MAX_PR_FILES,
            )
            .await?;
        Ok(raw
            .into_iter()
            .map(|e| ChangedFile {
                path: e.filename,
                status: FileStatus::from_github(&e.status),
                previous_path: e.previous_filename,
            })
            .collect())
    }

    /// A file's text at `reference`; `None` when it does not exist there.
    pub async fn file_at(
        &self,
        path: &str,
        reference: &str,
    ) -> Result<Option<String>, GitHubError> {
        let route = self.route(&format!("contents/{}", encode_path(path)));
        let res: Result<RawContent, _> = self
            .get("get file contents", route, Some(&[("ref", reference)]))
            .await;
        match res {
            Ok(c) => {
                let cleaned: String = c.content.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(cleaned)
                    .map_err(|e| GitHubError::Transport {
                        what: format!("decode contents of {path}"),
                        message: e.to_string(),
                    })?;
                Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn issue_comments(&self, number: PrNumber) -> Result<Vec<Comment>, GitHubError> {
        self.get_all(
            "list PR comments",
            self.route(&format!("issues/{}/comments", number.0)),
            &[],
            usize::MAX,
        )
        .await
    }

    /// Creates the comment that carries `marker`, or updates it in place when a previous run
    /// left one, so a PR has one shipgate comment however often it is pushed to.
    pub async fn upsert_comment(
        &self,
        number: PrNumber,
        marker: &str,
        body: &str,
    ) -> Result<Comment, GitHubError> {
        let existing = self
            .issue_comments(number)
            .await?
            .into_iter()
            .find(|c| c.body.as_deref().is_some_and(|b| b.contains(marker)));
        let body = json!({ "body": body });
        match existing {
            Some(c) => {
                self.patch(
                    "update PR comment",
                    self.route(&format!("issues/comments/{}", c.id)),
                    &body,
                )
                .await
            }
            None => {
                self.post(
                    "create PR comment",
                    self.route(&format!("issues/{}/comments", number.0)),
                    &body,
                )
                .await
            }
        }
    }

    /// Creates a completed check run and uploads every annotation, 50 per request.
    pub async fn publish_check_run(&self, run: &CheckRunReport) -> Result<u64, GitHubError> {
        let mut batches = run.annotations.chunks(ANNOTATIONS_PER_REQUEST);
        let first = batches.next().unwrap_or(&[]);
        let mut body = json!({
            "name": run.name,
            "head_sha": run.head_sha.0,
            "status": "completed",
            "conclusion": run.conclusion.as_str(),
            "output": {
                "title": run.title,
                "summary": truncate(&run.summary, MAX_SUMMARY),
                "annotations": first,
            }
        });
        // The schema types it as a string: an absent URL must be absent, not null.
        if let Some(url) = &run.details_url {
            body["details_url"] = json!(url);
        }
        let created: RawId = self
            .post("create check run", self.route("check-runs"), &body)
            .await?;
        for batch in batches {
            let body = json!({
                "output": {
                    "title": run.title,
                    "summary": truncate(&run.summary, MAX_SUMMARY),
                    "annotations": batch,
                }
            });
            let _: Value = self
                .patch(
                    "add check run annotations",
                    self.route(&format!("check-runs/{}", created.id)),
                    &body,
                )
                .await?;
        }
        Ok(created.id)
    }

    /// Check runs named `name` on a commit, newest first.
    pub async fn check_runs(
        &self,
        sha: &CommitSha,
        name: &str,
    ) -> Result<Vec<CheckRunState>, GitHubError> {
        let res: RawCheckRuns = self
            .get(
                "list check runs",
                self.route(&format!("commits/{}/check-runs", sha.0)),
                Some(&[("check_name", name), ("filter", "latest")]),
            )
            .await?;
        Ok(res.check_runs)
    }

    /// The PRs that brought a commit in (for a merge commit on the base branch: the merged PR).
    pub async fn pulls_for_commit(&self, sha: &CommitSha) -> Result<Vec<PullRequest>, GitHubError> {
        let raw: Vec<RawPull> = self
            .get(
                "list pull requests of a commit",
                self.route(&format!("commits/{}/pulls", sha.0)),
                None::<&()>,
            )
            .await?;
        Ok(raw.into_iter().map(PullRequest::from).collect())
    }

    /// The files one commit changed (a push straight to the base branch).
    pub async fn commit_files(&self, sha: &CommitSha) -> Result<Vec<ChangedFile>, GitHubError> {
        let raw: RawCommitFiles = self
            .get(
                "get a commit",
                self.route(&format!("commits/{}", sha.0)),
                None::<&()>,
            )
            .await?;
        Ok(raw
            .files
            .into_iter()
            .map(|e| ChangedFile {
                path: e.filename,
                status: FileStatus::from_github(&e.status),
                previous_path: e.previous_filename,
            })
            .collect())
    }

    /// How `head` relates to `base`: `ahead`, `behind`, `identical` or `diverged`.
    pub async fn compare(&self, base: &str, head: &str) -> Result<CompareStatus, GitHubError> {
        let res: RawCompare = self
            .get(
                "compare commits",
                self.route(&format!("compare/{base}...{head}")),
                None::<&()>,
            )
            .await?;
        Ok(CompareStatus::parse(&res.status))
    }

    /// The commits from `base` (exclusive) to `head`, oldest first, and how they relate.
    pub async fn compare_commits(
        &self,
        base: &str,
        head: &str,
    ) -> Result<(CompareStatus, Vec<CommitSha>), GitHubError> {
        let mut commits = Vec::new();
        let mut status = CompareStatus::Unknown;
        for page in 1..=10 {
            let res: RawCompare = self
                .get(
                    "compare commits",
                    self.route(&format!("compare/{base}...{head}")),
                    Some(&[("per_page", "100".to_string()), ("page", page.to_string())]),
                )
                .await?;
            status = CompareStatus::parse(&res.status);
            let n = res.commits.len();
            commits.extend(res.commits.into_iter().map(|c| CommitSha(c.sha)));
            if n < 100 {
                break;
            }
        }
        Ok((status, commits))
    }

    /// Recently closed PRs, newest update first (up to `limit`).
    pub async fn recently_closed_pulls(
        &self,
        limit: usize,
    ) -> Result<Vec<PullRequest>, GitHubError> {
        let raw: Vec<RawPull> = self
            .get_all(
                "list closed pull requests",
                self.route("pulls"),
                &[
                    ("state", "closed".to_string()),
                    ("sort", "updated".to_string()),
                    ("direction", "desc".to_string()),
                ],
                limit,
            )
            .await?;
        Ok(raw.into_iter().map(PullRequest::from).collect())
    }

    pub async fn create_deployment(
        &self,
        req: &NewDeployment,
    ) -> Result<DeploymentRef, GitHubError> {
        let body = json!({
            "ref": req.sha.0,
            "environment": req.environment,
            "description": req.description,
            "auto_merge": false,
            // The gate already decided; GitHub's own required-contexts check would refuse
            // commits whose statuses live on the PR head rather than the merge commit.
            "required_contexts": [],
            "payload": req.payload,
            "production_environment": req.production,
            "transient_environment": false,
            "task": "deploy",
        });
        self.post("create deployment", self.route("deployments"), &body)
            .await
    }

    pub async fn deployments(
        &self,
        sha: &CommitSha,
        environment: &str,
    ) -> Result<Vec<DeploymentRef>, GitHubError> {
        self.get(
            "list deployments",
            self.route("deployments"),
            Some(&[("sha", sha.0.as_str()), ("environment", environment)]),
        )
        .await
    }

    /// The environment's GitHub Deployments, newest first (up to `limit`): part of the history
    /// that tells which commit a deployment shipgate did not make was built from.
    pub async fn environment_deployments(
        &self,
        environment: &str,
        limit: usize,
    ) -> Result<Vec<DeploymentRef>, GitHubError> {
        self.get_all(
            "list deployments",
            self.route("deployments"),
            &[("environment", environment.to_string())],
            limit,
        )
        .await
    }

    /// Open issues (and PRs) carrying `label`, as `(number, title)`, at most a page.
    pub async fn open_issues_with_label(
        &self,
        label: &str,
    ) -> Result<Vec<(u64, String)>, GitHubError> {
        let raw: Vec<RawIssue> = self
            .get(
                "list issues",
                self.route("issues"),
                Some(&[("labels", label), ("state", "open"), ("per_page", "10")]),
            )
            .await?;
        Ok(raw.into_iter().map(|i| (i.number, i.title)).collect())
    }

    /// Adds labels to a PR (an issue, for this API), keeping those it has.
    pub async fn add_labels(&self, number: PrNumber, labels: &[&str]) -> Result<(), GitHubError> {
        let _: Value = self
            .post(
                "add labels",
                self.route(&format!("issues/{}/labels", number.0)),
                &json!({ "labels": labels }),
            )
            .await?;
        Ok(())
    }

    pub async fn set_deployment_status(
        &self,
        deployment: u64,
        status: &NewDeploymentStatus,
    ) -> Result<(), GitHubError> {
        let mut body = json!({
            "state": status.state.as_str(),
            "description": truncate(&status.description, 140),
            "auto_inactive": true,
        });
        if let Some(u) = &status.log_url {
            body["log_url"] = json!(u);
        }
        if let Some(u) = &status.environment_url {
            body["environment_url"] = json!(u);
        }
        if let Some(e) = &status.environment {
            body["environment"] = json!(e);
        }
        let _: Value = self
            .post(
                "create deployment status",
                self.route(&format!("deployments/{deployment}/statuses")),
                &body,
            )
            .await?;
        Ok(())
    }
}

fn decode<R: DeserializeOwned>(what: &str, v: Value) -> Result<R, GitHubError> {
    serde_json::from_value(v).map_err(|e| GitHubError::Transport {
        what: what.to_string(),
        message: format!("unexpected answer: {e}"),
    })
}

fn map_error(what: &str, e: octocrab::Error) -> GitHubError {
    match e {
        octocrab::Error::GitHub { source, .. } => GitHubError::Api {
            status: source.status_code.as_u16(),
            what: what.to_string(),
            message: source.message.clone(),
        },
        other => GitHubError::Transport {
            what: what.to_string(),
            message: other.to_string(),
        },
    }
}

/// Percent-encodes each path segment, keeping the slashes.
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_per_segment() {
        assert_eq!(
            encode_path("db/migrate/2024 a#b.rb"),
            "db/migrate/2024%20a%23b.rb"
        );
    }

    #[test]
    fn truncate_counts_chars() {
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("héllo wörld", 5), "héll…");
    }
}
