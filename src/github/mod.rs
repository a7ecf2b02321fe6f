//! The GitHub port: every GitHub REST call shipgate makes goes through [`GitHub`]
//! (octocrab inside). The rest of the crate sees only domain types.

mod types;

pub use types::*;

use crate::model::{ChangedFile, CommitSha, FileStatus, PrNumber, RepoName};
use crate::retry::{parse_retry_after, retry_within, HttpPolicy, RetryDecision};
use crate::secret::Secret;
use base64::Engine as _;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

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
    /// A primary (`x-ratelimit-remaining: 0`) or secondary rate limit that outlasted the
    /// retries. Never a permission problem: the same token succeeds once the limit passes.
    #[error("GitHub rate-limited {what} (HTTP {status}): {message}")]
    RateLimited {
        status: u16,
        what: String,
        message: String,
    },
}

impl GitHubError {
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Api { status, .. } | GitHubError::RateLimited { status, .. } => {
                Some(*status)
            }
            GitHubError::Transport { .. } => None,
        }
    }

    /// The token may not write here (a fork PR's read-only token, or a workflow whose
    /// `permissions:` lack the scope). A rate limit answered with 403 is not one.
    pub fn is_permission_denied(&self) -> bool {
        matches!(
            self,
            GitHubError::Api {
                status: 401 | 403,
                ..
            }
        )
    }

    /// The error, and when the token was refused, which `permissions:` entry to add.
    pub fn with_permission_hint(&self, permission: &str) -> String {
        if self.is_permission_denied() {
            format!("{self}. Add `{permission}` to the workflow's or job's `permissions:` (a PR from a fork only ever gets a read-only token)")
        } else {
            self.to_string()
        }
    }

    pub fn is_rate_limited(&self) -> bool {
        matches!(self, GitHubError::RateLimited { .. })
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, GitHubError::Api { status: 404, .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Patch,
}

/// One failed attempt, with what it means for the next one.
#[derive(Debug)]
struct Failed {
    error: GitHubError,
    decision: RetryDecision,
    /// The request may have reached GitHub and taken effect (timeout, dropped connection,
    /// 5xx): a creating POST looks the object up before it is sent again.
    maybe_applied: bool,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// A client for one repository.
#[derive(Clone)]
pub struct GitHub {
    client: Octocrab,
    repo: RepoName,
    policy: HttpPolicy,
}

impl GitHub {
    /// `api_url` is `GITHUB_API_URL` (`https://api.github.com`, or `https://HOST/api/v3`).
    /// Production timeouts and retries ([`HttpPolicy::standard`]).
    pub fn new(api_url: &str, token: Option<&Secret>, repo: RepoName) -> anyhow::Result<Self> {
        Self::with_policy(api_url, token, repo, HttpPolicy::standard())
    }

    /// A client whose every call follows `policy`: timeouts, bounded total time, and retries
    /// (octocrab's own retry layer is off, so there is exactly one retry loop: ours).
    pub fn with_policy(
        api_url: &str,
        token: Option<&Secret>,
        repo: RepoName,
        policy: HttpPolicy,
    ) -> anyhow::Result<Self> {
        let mut builder = Octocrab::builder()
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(policy.connect_timeout))
            .set_read_timeout(Some(policy.request_timeout))
            .set_write_timeout(Some(policy.request_timeout))
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
        Ok(GitHub {
            client,
            repo,
            policy,
        })
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
        let uri = with_query(what, route, params)?;
        let v = self
            .call(Method::Get, what, &uri, None, || async { Ok(None) })
            .await?;
        decode(what, v)
    }

    async fn post<R: DeserializeOwned>(
        &self,
        what: &str,
        route: String,
        body: &Value,
    ) -> Result<R, GitHubError> {
        self.write(Method::Post, what, route, body).await
    }

    async fn patch<R: DeserializeOwned>(
        &self,
        what: &str,
        route: String,
        body: &Value,
    ) -> Result<R, GitHubError> {
        self.write(Method::Patch, what, route, body).await
    }

    /// A PATCH (idempotent: sending it twice leaves the same state) or a POST whose repetition
    /// is harmless (a deployment status: the latest one wins).
    async fn write<R: DeserializeOwned>(
        &self,
        method: Method,
        what: &str,
        route: String,
        body: &Value,
    ) -> Result<R, GitHubError> {
        let v = self
            .call(method, what, &route, Some(body), || async { Ok(None) })
            .await?;
        decode(what, v)
    }

    /// A POST that creates something (check run, comment, deployment). After an attempt that
    /// may have taken effect (timeout, dropped connection, 5xx), `lookup` runs before the next
    /// one and its find is the answer, so a retry never creates a second object.
    async fn create<R, L, LF>(
        &self,
        what: &str,
        route: String,
        body: &Value,
        lookup: L,
    ) -> Result<R, GitHubError>
    where
        R: DeserializeOwned,
        L: Fn() -> LF,
        LF: std::future::Future<Output = Result<Option<Value>, GitHubError>>,
    {
        let v = self
            .call(Method::Post, what, &route, Some(body), lookup)
            .await?;
        decode(what, v)
    }

    /// The one request loop: each attempt bounded by the request timeout, the whole call by
    /// the policy's budget, retries decided by [`classify`] through [`retry_within`].
    async fn call<L, LF>(
        &self,
        method: Method,
        what: &str,
        uri: &str,
        body: Option<&Value>,
        lookup: L,
    ) -> Result<Value, GitHubError>
    where
        L: Fn() -> LF,
        LF: std::future::Future<Output = Result<Option<Value>, GitHubError>>,
    {
        let started = tokio::time::Instant::now();
        let maybe_applied = std::cell::Cell::new(false);
        let budget = self.policy.budget;
        let op = || async {
            if maybe_applied.get() {
                match lookup().await {
                    Ok(Some(found)) => {
                        tracing::debug!("{what}: the earlier attempt took effect; using it");
                        return Ok(found);
                    }
                    Ok(None) => {}
                    Err(error) => {
                        return Err(Failed {
                            decision: retry_decision(&error),
                            error,
                            maybe_applied: true,
                        })
                    }
                }
            }
            let left = budget.saturating_sub(started.elapsed());
            let timeout = self.policy.request_timeout.min(left);
            let res = self.attempt(method, what, uri, body, timeout).await;
            if let Err(f) = &res {
                maybe_applied.set(maybe_applied.get() || f.maybe_applied);
            }
            res
        };
        retry_within(
            what,
            &self.policy.retry,
            Some(budget),
            |f: &Failed| f.decision.clone(),
            op,
        )
        .await
        .map_err(|f| f.error)
    }

    async fn attempt(
        &self,
        method: Method,
        what: &str,
        uri: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Value, Failed> {
        let transport = |message: String| Failed {
            error: GitHubError::Transport {
                what: what.to_string(),
                message,
            },
            decision: RetryDecision::Retry,
            maybe_applied: method != Method::Get,
        };
        let exchange = async {
            let res = match method {
                Method::Get => self.client._get(uri).await,
                Method::Post => self.client._post(uri, body).await,
                Method::Patch => self.client._patch(uri, body).await,
            }
            .map_err(|e| transport(error_text(&e)))?;
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            let text = self
                .client
                .body_to_string(res)
                .await
                .map_err(|e| transport(format!("the answer broke off: {}", error_text(&e))))?;
            Ok::<_, Failed>((status, headers, text))
        };
        let (status, headers, text) = match tokio::time::timeout(timeout, exchange).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(transport(format!(
                    "no answer within {} ms (timed out; is GITHUB_API_URL reachable?)",
                    timeout.as_millis()
                )))
            }
        };
        if (200..300).contains(&status) {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|e| Failed {
                error: GitHubError::Transport {
                    what: what.to_string(),
                    message: format!("unreadable answer (HTTP {status}): {e}"),
                },
                // A write that answered 2xx took effect: never repeat it.
                decision: if method == Method::Get {
                    RetryDecision::Retry
                } else {
                    RetryDecision::Stop
                },
                maybe_applied: false,
            });
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let max_wait = self.policy.retry.max_retry_after.min(self.policy.budget);
        let (error, decision) = classify(what, status, &headers, &text, now, max_wait);
        Err(Failed {
            maybe_applied: status >= 500 && method != Method::Get,
            error,
            decision,
        })
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
                // A comment that did arrive carries the marker: find it instead of posting twice.
                let lookup = || async {
                    Ok(self
                        .issue_comments(number)
                        .await?
                        .into_iter()
                        .find(|c| c.body.as_deref().is_some_and(|b| b.contains(marker)))
                        .map(|c| json!(c)))
                };
                self.create(
                    "create PR comment",
                    self.route(&format!("issues/{}/comments", number.0)),
                    &body,
                    lookup,
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
        // A check run that did arrive is the newest one of this name, state and conclusion on
        // the commit: find it instead of creating a second.
        let lookup = || async {
            Ok(self
                .check_runs(&run.head_sha, &run.name)
                .await?
                .into_iter()
                .find(|c| {
                    c.status == "completed"
                        && c.conclusion.as_deref() == Some(run.conclusion.as_str())
                })
                .map(|c| json!({ "id": c.id })))
        };
        let created: RawId = self
            .create("create check run", self.route("check-runs"), &body, lookup)
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
        // A deployment that did arrive carries exactly this payload: find it instead of
        // creating a second (GitHub would run its environment protection twice).
        let lookup = || async {
            Ok(self
                .deployments(&req.sha, &req.environment)
                .await?
                .into_iter()
                .find(|d| d.payload == req.payload)
                .map(|d| json!(d)))
        };
        self.create(
            "create deployment",
            self.route("deployments"),
            &body,
            lookup,
        )
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

fn with_query<P: Serialize + ?Sized>(
    what: &str,
    route: String,
    params: Option<&P>,
) -> Result<String, GitHubError> {
    let Some(params) = params else {
        return Ok(route);
    };
    let query = serde_urlencoded::to_string(params).map_err(|e| GitHubError::Transport {
        what: what.to_string(),
        message: format!("could not encode the query: {e}"),
    })?;
    Ok(if query.is_empty() {
        route
    } else {
        format!("{route}?{query}")
    })
}

/// octocrab's error with its sources, never the request (which carries the token header only
/// in the request, not in these texts).
fn error_text(e: &octocrab::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// How a retry loop treats a failure it did not classify itself (a lookup's error).
fn retry_decision(e: &GitHubError) -> RetryDecision {
    match e {
        GitHubError::Transport { .. } => RetryDecision::Retry,
        GitHubError::Api { status, .. } if *status >= 500 => RetryDecision::Retry,
        _ => RetryDecision::Stop,
    }
}

fn header<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Maps an error answer to the error and what to do next, from its status, headers and
/// GitHub's message (`now` and the reset are Unix seconds). Rate limits are recognised the way
/// GitHub documents them:
/// - primary: `x-ratelimit-remaining: 0` on a 403/429; waited out until `x-ratelimit-reset`
///   when that is at most `max_wait` away, else a failure naming the reset time;
/// - secondary: a 403/429 with `retry-after`, or whose message says "secondary rate limit" /
///   "abuse", or any 429; retried after `retry-after` (or the policy's cap).
fn classify(
    what: &str,
    status: u16,
    headers: &http::HeaderMap,
    body: &str,
    now: u64,
    max_wait: Duration,
) -> (GitHubError, RetryDecision) {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| truncate(body.trim(), 200));
    let what = what.to_string();
    let limited_status = matches!(status, 403 | 429);
    let remaining = header(headers, "x-ratelimit-remaining");
    let reset = header(headers, "x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok());
    let retry_after = header(headers, "retry-after").and_then(parse_retry_after);
    let lower = message.to_ascii_lowercase();
    if limited_status && remaining == Some("0") && retry_after.is_none() {
        // A reset already past (clock skew, a slow answer) is retried at once.
        let wait = reset.map(|r| Duration::from_secs(r.saturating_sub(now)));
        let until = reset.map_or_else(|| "an unknown time".to_string(), utc_time);
        return match wait {
            Some(w) if w <= max_wait => (
                GitHubError::RateLimited {
                    status,
                    what,
                    message: format!(
                        "the token's API rate limit is used up until {until} (x-ratelimit-reset); still limited after waiting"
                    ),
                },
                RetryDecision::After(w),
            ),
            _ => (
                GitHubError::RateLimited {
                    status,
                    what,
                    message: format!(
                        "the token's API rate limit is used up until {until} (x-ratelimit-reset), longer than shipgate waits ({max_wait:?}); re-run the job after that time"
                    ),
                },
                RetryDecision::Stop,
            ),
        };
    }
    let secondary = status == 429
        || (limited_status
            && (retry_after.is_some()
                || lower.contains("secondary rate limit")
                || lower.contains("abuse")
                || remaining == Some("0")));
    if secondary {
        return (
            GitHubError::RateLimited {
                status,
                what,
                message: format!(
                    "secondary rate limit (too many requests in a short time; not a permission problem), still limited after retrying: {message}"
                ),
            },
            RetryDecision::After(retry_after.unwrap_or(Duration::from_secs(60))),
        );
    }
    let decision = if status >= 500 {
        RetryDecision::Retry
    } else {
        RetryDecision::Stop
    };
    (
        GitHubError::Api {
            status,
            what,
            message,
        },
        decision,
    )
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC` (no date crate for one message).
fn utc_time(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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

    fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    const NOW: u64 = 1_780_000_000;
    const WAIT: Duration = Duration::from_secs(60);

    #[test]
    fn retry_after_is_honoured_on_429_and_403() {
        for status in [429, 403] {
            let (e, d) = classify(
                "create check run",
                status,
                &headers(&[("retry-after", "1")]),
                r#"{"message":"You have exceeded a secondary rate limit."}"#,
                NOW,
                WAIT,
            );
            assert_eq!(d, RetryDecision::After(Duration::from_secs(1)));
            assert!(e.is_rate_limited() && !e.is_permission_denied(), "{e}");
            assert!(e.to_string().contains("not a permission problem"), "{e}");
        }
    }

    #[test]
    fn secondary_limit_is_recognised_from_the_message_alone() {
        let (e, d) = classify(
            "create check run",
            403,
            &http::HeaderMap::new(),
            r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#,
            NOW,
            WAIT,
        );
        assert!(e.is_rate_limited(), "{e}");
        assert_eq!(d, RetryDecision::After(Duration::from_secs(60)));
    }

    #[test]
    fn primary_limit_waits_for_a_near_reset_and_names_a_far_one() {
        let near = (NOW + 5).to_string();
        let (_, d) = classify(
            "get pull request",
            403,
            &headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &near)]),
            r#"{"message":"API rate limit exceeded for installation ID 1."}"#,
            NOW,
            WAIT,
        );
        assert_eq!(d, RetryDecision::After(Duration::from_secs(5)));
        let far = (NOW + 3600).to_string();
        let (e, d) = classify(
            "get pull request",
            403,
            &headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &far)]),
            r#"{"message":"API rate limit exceeded for installation ID 1."}"#,
            NOW,
            WAIT,
        );
        assert_eq!(d, RetryDecision::Stop);
        assert!(e.is_rate_limited() && !e.is_permission_denied());
        assert!(
            e.to_string().contains("until 2026-05-28 21:26:40 UTC"),
            "{e}"
        );
    }

    #[test]
    fn a_plain_403_is_a_permission_problem_and_5xx_is_retried() {
        let (e, d) = classify(
            "create check run",
            403,
            &headers(&[("x-ratelimit-remaining", "4999")]),
            r#"{"message":"Resource not accessible by integration"}"#,
            NOW,
            WAIT,
        );
        assert!(e.is_permission_denied(), "{e}");
        assert_eq!(d, RetryDecision::Stop);
        let (e, d) = classify(
            "list check runs",
            502,
            &http::HeaderMap::new(),
            "<html>",
            NOW,
            WAIT,
        );
        assert_eq!(e.status(), Some(502));
        assert_eq!(d, RetryDecision::Retry);
    }

    #[test]
    fn only_a_refusal_gets_a_permission_hint() {
        let refused = GitHubError::Api {
            status: 403,
            what: "create deployment".into(),
            message: "Resource not accessible by integration".into(),
        };
        assert!(refused
            .with_permission_hint("deployments: write")
            .contains("Add `deployments: write` to the workflow's or job's `permissions:`"));
        let limited = GitHubError::RateLimited {
            status: 403,
            what: "create deployment".into(),
            message: "secondary rate limit".into(),
        };
        assert!(!limited
            .with_permission_hint("deployments: write")
            .contains("permissions"));
    }

    #[test]
    fn utc_time_formats_unix_seconds() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn truncate_counts_chars() {
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("héllo wörld", 5), "héll…");
    }
}
