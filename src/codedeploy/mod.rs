//! The CodeDeploy adapter: the only module that calls `aws-sdk-codedeploy`. It turns SDK types into
//! the plain data of [`types`] and SDK errors into [`CodeDeployError`], retrying throttling
//! and transient failures through [`crate::retry`].

pub mod revision;
pub mod types;

use crate::model::{CommitSha, RepoName};
use crate::retry::{retry, RetryDecision, RetryPolicy};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_codedeploy::config::http::HttpResponse;
use aws_sdk_codedeploy::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_codedeploy::types as sdk;
use aws_sdk_codedeploy::Client;
use revision::{BundleType, Revision};
use std::time::SystemTime;
use types::{
    DeploymentSnapshot, DeploymentStatus, GroupInfo, LastDeployment, LifecycleEventReport,
    Overview, RollbackInfo, TargetReport,
};

/// CodeDeploy's own limit for BatchGetDeployments / BatchGetDeploymentTargets.
const BATCH_LIMIT: usize = 25;
/// How many ListDeployments pages a search for an earlier deployment reads at most.
const MAX_LIST_PAGES: usize = 10;
/// How far back a re-run looks for the deployment it already started (GitHub keeps re-runs
/// possible for 30 days, but an older re-run is refused by the "older than last" check anyway).
pub const RERUN_WINDOW: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Why a CodeDeploy call failed, in the terms callers branch on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeDeployError {
    #[error(
        "CodeDeploy application '{0}' does not exist (check input 'application' and the region)"
    )]
    ApplicationNotFound(String),
    #[error(
        "deployment group '{group}' does not exist in CodeDeploy application '{application}' (check input 'deployment-group')"
    )]
    GroupNotFound { application: String, group: String },
    #[error(
        "deployment group '{group}' is not a Blue/Green group (deploymentType {kind}); shipgate deploys only Blue/Green groups"
    )]
    NotBlueGreen { group: String, kind: String },
    #[error("deployment group '{group}' already has an active deployment {}", .id.as_deref().unwrap_or("(id not given)"))]
    ActiveDeployment { group: String, id: Option<String> },
    #[error("CodeDeploy deployment '{0}' does not exist")]
    DeploymentNotFound(String),
    #[error("CodeDeploy deployment '{0}' has already completed")]
    AlreadyCompleted(String),
    #[error("CodeDeploy kept throttling {op} after {attempts} attempts")]
    Throttled { op: &'static str, attempts: u32 },
    #[error("CodeDeploy {op} failed: {code}: {message}")]
    Api {
        op: &'static str,
        code: String,
        message: String,
        status: Option<u16>,
    },
    /// Network trouble, a timeout or an unreadable answer: worth retrying.
    #[error("CodeDeploy {op} could not be completed: {message}")]
    Transport { op: &'static str, message: String },
    /// The request could not be built or signed (no credentials, no region): retrying won't help.
    #[error("CodeDeploy {op} could not be sent: {message} (check the AWS credentials and region)")]
    Setup { op: &'static str, message: String },
    /// AWS refused or could not find the credentials. `found` names the sources present
    /// (never their values).
    #[error(
        "CodeDeploy {op}: the AWS credentials are {state} ({code}). Credentials found: {found}. Check that the job runs aws-actions/configure-aws-credentials before shipgate (with `role-to-assume` and the region), that it has `permissions: id-token: write`, and that the role's trust policy allows this repository and branch (token.actions.githubusercontent.com:sub); for access keys, that the secrets are set and current"
    )]
    Credentials {
        op: &'static str,
        /// `missing`, `expired` or `invalid`.
        state: &'static str,
        code: String,
        found: String,
    },
}

impl CodeDeployError {
    fn is_throttling(&self) -> bool {
        matches!(self, CodeDeployError::Throttled { .. })
            || matches!(self, CodeDeployError::Api { code, .. } if is_throttling_code(code))
    }

    /// Worth another try: throttling, 5xx and network trouble.
    pub fn is_transient(&self) -> bool {
        match self {
            CodeDeployError::Api { status, code, .. } => {
                is_throttling_code(code) || status.is_some_and(|s| s >= 500)
            }
            CodeDeployError::Transport { .. } | CodeDeployError::Throttled { .. } => true,
            _ => false,
        }
    }

    /// The AWS error code, for errors that carry one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CodeDeployError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

fn is_throttling_code(code: &str) -> bool {
    matches!(
        code,
        "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "RequestThrottled"
            | "RequestThrottledException"
    )
}

/// The SDK's own time bounds, so no CodeDeploy call can hang: connect, one attempt, and the
/// whole operation (our retries wrap operations, each bounded).
pub fn sdk_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .read_timeout(std::time::Duration::from_secs(30))
        .operation_attempt_timeout(std::time::Duration::from_secs(30))
        .operation_timeout(std::time::Duration::from_secs(60))
        .build()
}

/// `Some("missing" | "expired" | "invalid")` when the error is about the credentials
/// themselves (not about what they may do: AccessDenied is a policy question).
fn credential_problem(e: &CodeDeployError) -> Option<&'static str> {
    match e {
        CodeDeployError::Api { code, .. } => match code.as_str() {
            "ExpiredTokenException" | "ExpiredToken" | "RequestExpired" => Some("expired"),
            "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch"
            | "IncompleteSignature"
            | "MissingAuthenticationToken" => Some("invalid"),
            _ => None,
        },
        CodeDeployError::Setup { message, .. }
            if message.to_ascii_lowercase().contains("credential") =>
        {
            Some("missing")
        }
        _ => None,
    }
}

/// Which credential sources of the SDK's default chain are present, by the names of their
/// variables and files only; `present` answers "is this variable set?". Values are never read.
pub fn credential_sources(present: &dyn Fn(&str) -> bool) -> String {
    let mut found = Vec::new();
    if present("AWS_ACCESS_KEY_ID") {
        found.push(if present("AWS_SESSION_TOKEN") {
            "environment (AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN)"
        } else {
            "environment (AWS_ACCESS_KEY_ID, no AWS_SESSION_TOKEN)"
        });
    }
    if present("AWS_WEB_IDENTITY_TOKEN_FILE") {
        found.push(if present("AWS_ROLE_ARN") {
            "web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)"
        } else {
            "web identity token file without AWS_ROLE_ARN"
        });
    }
    if present("AWS_PROFILE") {
        found.push("profile (AWS_PROFILE)");
    }
    if present("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        || present("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    {
        found.push("container credentials endpoint");
    }
    if found.is_empty() {
        "none in the environment (no AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE or AWS_PROFILE; only a shared config file or the instance metadata service could supply them)".to_string()
    } else {
        found.join(", ")
    }
}

/// Reads the active deployment's id out of DeploymentLimitExceededException's message, e.g.
/// "The Deployment Group 'shop-production' already has an active Deployment 'd-ABCDEFGHI'".
pub fn active_deployment_id(message: &str) -> Option<String> {
    message
        .rsplit(|c: char| c == '\'' || c == '"' || c.is_whitespace())
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ',' | ')' | '(')))
        .filter(|w| {
            w.len() > 2 && w.starts_with("d-") && w[2..].chars().all(|c| c.is_ascii_alphanumeric())
        })
        .map(str::to_string)
        .next()
}

/// The description shipgate puts on each deployment it creates; the commit sha in it is how a
/// re-run of the same job finds the deployment it already started.
pub fn deployment_description(commit: &CommitSha, detail: &str) -> String {
    let mut d = format!("shipgate {} {}", commit.0, detail.trim());
    // CodeDeploy rejects long descriptions (DescriptionTooLongException); keep well under.
    if d.chars().count() > 100 {
        d = d.chars().take(100).collect();
    }
    d.trim_end().to_string()
}

/// True when `description` was written by [`deployment_description`] for `commit`.
pub fn description_matches(description: &str, commit: &CommitSha) -> bool {
    let mut words = description.split_whitespace();
    words.next() == Some("shipgate") && words.next() == Some(commit.0.as_str())
}

/// How to reach CodeDeploy. Everything unset comes from the standard AWS chain (environment,
/// profile, web identity/OIDC, IMDS), including `AWS_ENDPOINT_URL_CODEDEPLOY` / `AWS_ENDPOINT_URL`.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Explicit endpoint (tests, VPC endpoints); wins over the environment.
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub retry: RetryPolicy,
}

/// `file-exists-behavior` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileExistsBehavior {
    Disallow,
    Overwrite,
    Retain,
}

impl FileExistsBehavior {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "" | "DISALLOW" => Ok(Self::Disallow),
            "OVERWRITE" => Ok(Self::Overwrite),
            "RETAIN" => Ok(Self::Retain),
            other => Err(format!(
                "input 'file-exists-behavior': '{other}' is not DISALLOW, OVERWRITE or RETAIN"
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Disallow => "DISALLOW",
            Self::Overwrite => "OVERWRITE",
            Self::Retain => "RETAIN",
        }
    }
}

/// What to deploy, where.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub application: String,
    pub group: String,
    pub revision: Revision,
    /// `None`: the group's own deployment configuration.
    pub deployment_config: Option<String>,
    pub description: String,
    pub file_exists_behavior: Option<FileExistsBehavior>,
    /// `Some(true)`: roll back on failure and on stop; `Some(false)`: never; `None`: the group's.
    pub auto_rollback: Option<bool>,
}

/// StopDeployment's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopResult {
    /// `Pending` or `Succeeded`.
    pub status: Option<String>,
    pub message: Option<String>,
}

/// ContinueDeployment's `deploymentWaitType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitType {
    /// The replacement fleet waits in `Ready`: start the traffic switch.
    Ready,
    /// Traffic has switched; the original fleet waits to be terminated: terminate it now.
    Termination,
}

impl WaitType {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitType::Ready => "READY_WAIT",
            WaitType::Termination => "TERMINATION_WAIT",
        }
    }
}

/// A CodeDeploy client with shipgate's retry policy.
#[derive(Debug, Clone)]
pub struct CodeDeploy {
    client: Client,
    retry: RetryPolicy,
}

impl CodeDeploy {
    /// Loads the standard AWS configuration chain and applies `opts` on top.
    pub async fn connect(opts: ClientOptions) -> CodeDeploy {
        // The SDK's own retries are off so throttling is retried once, by our policy, not twice.
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .timeout_config(sdk_timeouts());
        if let Some(region) = opts.region.clone() {
            loader = loader.region(Region::new(region));
        }
        if let Some(url) = opts.endpoint_url.clone() {
            loader = loader.endpoint_url(url);
        }
        let conf = loader.load().await;
        Self::from_sdk_config(&conf, opts.retry)
    }

    /// Builds the client from an already loaded configuration (tests pass static credentials).
    pub fn from_sdk_config(conf: &SdkConfig, retry: RetryPolicy) -> CodeDeploy {
        let conf = aws_sdk_codedeploy::config::Builder::from(conf)
            .retry_config(RetryConfig::disabled())
            .timeout_config(sdk_timeouts())
            .build();
        CodeDeploy {
            client: Client::from_conf(conf),
            retry,
        }
    }

    /// The region requests go to, for console links.
    pub fn region(&self) -> Option<String> {
        self.client.config().region().map(|r| r.to_string())
    }

    /// Runs one call with the retry policy; `only_throttling` for calls that must not repeat after
    /// an ambiguous failure (CreateDeployment might have succeeded before the connection broke).
    async fn call<T, F, Fut>(
        &self,
        op: &'static str,
        only_throttling: bool,
        f: F,
    ) -> Result<T, CodeDeployError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, CodeDeployError>>,
    {
        let classify = |e: &CodeDeployError| {
            let again = if only_throttling {
                e.is_throttling()
            } else {
                e.is_transient()
            };
            if again {
                RetryDecision::Retry
            } else {
                RetryDecision::Stop
            }
        };
        retry(op, &self.retry, classify, f).await.map_err(|e| {
            if let Some(state) = credential_problem(&e) {
                CodeDeployError::Credentials {
                    op,
                    state,
                    code: e.code().unwrap_or("no credentials").to_string(),
                    found: credential_sources(&|name| std::env::var_os(name).is_some()),
                }
            } else if e.is_throttling() {
                CodeDeployError::Throttled {
                    op,
                    attempts: self.retry.attempts.max(1),
                }
            } else {
                e
            }
        })
    }

    /// The group, checked to exist.
    pub async fn deployment_group(
        &self,
        application: &str,
        group: &str,
    ) -> Result<GroupInfo, CodeDeployError> {
        let out = self
            .call("GetDeploymentGroup", false, || async {
                self.client
                    .get_deployment_group()
                    .application_name(application)
                    .deployment_group_name(group)
                    .send()
                    .await
                    .map_err(|e| api_error("GetDeploymentGroup", e))
            })
            .await
            .map_err(|e| not_found(e, application, group))?;
        let info = out
            .deployment_group_info()
            .ok_or_else(|| CodeDeployError::GroupNotFound {
                application: application.into(),
                group: group.into(),
            })?;
        Ok(group_info(application, group, info))
    }

    /// The group, checked to exist and to be Blue/Green.
    pub async fn blue_green_group(
        &self,
        application: &str,
        group: &str,
    ) -> Result<GroupInfo, CodeDeployError> {
        let info = self.deployment_group(application, group).await?;
        if !info.is_blue_green() {
            return Err(CodeDeployError::NotBlueGreen {
                group: group.into(),
                kind: info
                    .deployment_type
                    .clone()
                    .unwrap_or_else(|| "IN_PLACE".into()),
            });
        }
        Ok(info)
    }

    /// Starts a deployment and returns its id. A busy group yields
    /// [`CodeDeployError::ActiveDeployment`] with the running deployment's id.
    pub async fn create_deployment(&self, req: &CreateRequest) -> Result<String, CodeDeployError> {
        let revision = revision_location(&req.revision);
        let rollback = req.auto_rollback.map(|enabled| {
            let mut b = sdk::AutoRollbackConfiguration::builder().enabled(enabled);
            if enabled {
                b = b
                    .events(sdk::AutoRollbackEvent::DeploymentFailure)
                    .events(sdk::AutoRollbackEvent::DeploymentStopOnRequest);
            }
            b.build()
        });
        let out = self
            .call("CreateDeployment", true, || async {
                self.client
                    .create_deployment()
                    .application_name(&req.application)
                    .deployment_group_name(&req.group)
                    .revision(revision.clone())
                    .set_deployment_config_name(req.deployment_config.clone())
                    .description(&req.description)
                    .set_file_exists_behavior(
                        req.file_exists_behavior
                            .map(|f| sdk::FileExistsBehavior::from(f.as_str())),
                    )
                    .set_auto_rollback_configuration(rollback.clone())
                    .send()
                    .await
                    .map_err(|e| api_error("CreateDeployment", e))
            })
            .await
            .map_err(|e| match e {
                CodeDeployError::Api {
                    ref code,
                    ref message,
                    ..
                } if code == "DeploymentLimitExceededException" => {
                    CodeDeployError::ActiveDeployment {
                        group: req.group.clone(),
                        id: active_deployment_id(message),
                    }
                }
                other => not_found(other, &req.application, &req.group),
            })?;
        out.deployment_id()
            .map(str::to_string)
            .ok_or_else(|| CodeDeployError::Transport {
                op: "CreateDeployment",
                message: "the answer has no deploymentId".into(),
            })
    }

    /// One deployment's current state.
    pub async fn deployment(&self, id: &str) -> Result<DeploymentSnapshot, CodeDeployError> {
        let out = self
            .call("GetDeployment", false, || async {
                self.client
                    .get_deployment()
                    .deployment_id(id)
                    .send()
                    .await
                    .map_err(|e| api_error("GetDeployment", e))
            })
            .await
            .map_err(|e| deployment_not_found(e, id))?;
        out.deployment_info()
            .map(snapshot)
            .ok_or_else(|| CodeDeployError::DeploymentNotFound(id.into()))
    }

    /// Ids of the group's deployments with one of `statuses` (all when empty), every page.
    pub async fn list_deployments(
        &self,
        application: &str,
        group: &str,
        statuses: &[DeploymentStatus],
    ) -> Result<Vec<String>, CodeDeployError> {
        self.list_deployments_since(application, group, statuses, None)
            .await
    }

    /// Like [`CodeDeploy::list_deployments`], only deployments created at or after `since`.
    pub async fn list_deployments_since(
        &self,
        application: &str,
        group: &str,
        statuses: &[DeploymentStatus],
        since: Option<SystemTime>,
    ) -> Result<Vec<String>, CodeDeployError> {
        let range = since.map(|t| {
            sdk::TimeRange::builder()
                .start(aws_sdk_codedeploy::primitives::DateTime::from(t))
                .build()
        });
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_LIST_PAGES {
            let page = self
                .call("ListDeployments", false, || async {
                    let mut req = self
                        .client
                        .list_deployments()
                        .application_name(application)
                        .deployment_group_name(group)
                        .set_next_token(token.clone())
                        .set_create_time_range(range.clone());
                    for s in statuses {
                        req = req.include_only_statuses(sdk::DeploymentStatus::from(s.as_str()));
                    }
                    req.send()
                        .await
                        .map_err(|e| api_error("ListDeployments", e))
                })
                .await
                .map_err(|e| not_found(e, application, group))?;
            ids.extend(page.deployments().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(ids)
    }

    /// Several deployments at once (chunked to CodeDeploy's batch limit).
    pub async fn batch_deployments(
        &self,
        ids: &[String],
    ) -> Result<Vec<DeploymentSnapshot>, CodeDeployError> {
        let mut all = Vec::new();
        for chunk in ids.chunks(BATCH_LIMIT) {
            let out = self
                .call("BatchGetDeployments", false, || async {
                    self.client
                        .batch_get_deployments()
                        .set_deployment_ids(Some(chunk.to_vec()))
                        .send()
                        .await
                        .map_err(|e| api_error("BatchGetDeployments", e))
                })
                .await?;
            all.extend(out.deployments_info().iter().map(snapshot));
        }
        Ok(all)
    }

    /// The newest deployment of the group, among `statuses` (all when empty), that shipgate
    /// started for `commit`: what a re-run of the same job attaches to instead of deploying twice.
    /// Only the last [`RERUN_WINDOW`] is searched, so a group with years of history costs a few
    /// calls, not hundreds.
    pub async fn find_deployment_for_commit(
        &self,
        application: &str,
        group: &str,
        commit: &CommitSha,
        statuses: &[DeploymentStatus],
    ) -> Result<Option<DeploymentSnapshot>, CodeDeployError> {
        let since = SystemTime::now().checked_sub(RERUN_WINDOW);
        let ids = self
            .list_deployments_since(application, group, statuses, since)
            .await?;
        let mut found: Vec<DeploymentSnapshot> = self
            .batch_deployments(&ids)
            .await?
            .into_iter()
            .filter(|d| {
                d.description
                    .as_deref()
                    .is_some_and(|desc| description_matches(desc, commit))
            })
            .collect();
        found.sort_by_key(|d| d.create_time);
        Ok(found.pop())
    }

    /// Stops a deployment; with `auto_rollback` CodeDeploy starts a rollback deployment.
    pub async fn stop_deployment(
        &self,
        id: &str,
        auto_rollback: bool,
    ) -> Result<StopResult, CodeDeployError> {
        let out = self
            .call("StopDeployment", false, || async {
                self.client
                    .stop_deployment()
                    .deployment_id(id)
                    .auto_rollback_enabled(auto_rollback)
                    .send()
                    .await
                    .map_err(|e| api_error("StopDeployment", e))
            })
            .await
            .map_err(|e| match e {
                CodeDeployError::Api { ref code, .. }
                    if code == "DeploymentAlreadyCompletedException" =>
                {
                    CodeDeployError::AlreadyCompleted(id.into())
                }
                other => deployment_not_found(other, id),
            })?;
        Ok(StopResult {
            status: out.status().map(|s| s.as_str().to_string()),
            message: out.status_message().map(str::to_string),
        })
    }

    /// Moves a Blue/Green deployment to its next phase: `Ready` → traffic switch (READY_WAIT), or
    /// ends the original fleet's termination wait early (TERMINATION_WAIT).
    pub async fn continue_deployment(
        &self,
        id: &str,
        wait: WaitType,
    ) -> Result<(), CodeDeployError> {
        self.call("ContinueDeployment", false, || async {
            self.client
                .continue_deployment()
                .deployment_id(id)
                .deployment_wait_type(sdk::DeploymentWaitType::from(wait.as_str()))
                .send()
                .await
                .map_err(|e| api_error("ContinueDeployment", e))
        })
        .await
        .map_err(|e| match e {
            CodeDeployError::Api { ref code, .. }
                if code == "DeploymentAlreadyCompletedException" =>
            {
                CodeDeployError::AlreadyCompleted(id.into())
            }
            other => deployment_not_found(other, id),
        })?;
        Ok(())
    }

    /// Every target of a deployment with its lifecycle events and diagnostics. Falls back to the
    /// older instances API for EC2 deployments the targets API does not answer for.
    pub async fn targets(&self, id: &str) -> Result<Vec<TargetReport>, CodeDeployError> {
        match self.targets_via_targets_api(id).await {
            Ok(t) => Ok(t),
            Err(CodeDeployError::Api { code, .. })
                if code != "DeploymentNotStartedException"
                    && code != "DeploymentDoesNotExistException" =>
            {
                self.targets_via_instances_api(id).await
            }
            Err(e) => Err(e),
        }
    }

    async fn targets_via_targets_api(
        &self,
        id: &str,
    ) -> Result<Vec<TargetReport>, CodeDeployError> {
        let mut target_ids = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_LIST_PAGES {
            let page = self
                .call("ListDeploymentTargets", false, || async {
                    self.client
                        .list_deployment_targets()
                        .deployment_id(id)
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| api_error("ListDeploymentTargets", e))
                })
                .await?;
            target_ids.extend(page.target_ids().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut reports = Vec::new();
        for chunk in target_ids.chunks(BATCH_LIMIT) {
            let out = self
                .call("BatchGetDeploymentTargets", false, || async {
                    self.client
                        .batch_get_deployment_targets()
                        .deployment_id(id)
                        .set_target_ids(Some(chunk.to_vec()))
                        .send()
                        .await
                        .map_err(|e| api_error("BatchGetDeploymentTargets", e))
                })
                .await?;
            reports.extend(out.deployment_targets().iter().map(target_report));
        }
        Ok(reports)
    }

    #[allow(deprecated)] // the instances API is the documented fallback for EC2/on-premises
    async fn targets_via_instances_api(
        &self,
        id: &str,
    ) -> Result<Vec<TargetReport>, CodeDeployError> {
        let list = self
            .call("ListDeploymentInstances", false, || async {
                self.client
                    .list_deployment_instances()
                    .deployment_id(id)
                    .send()
                    .await
                    .map_err(|e| api_error("ListDeploymentInstances", e))
            })
            .await?;
        let mut reports = Vec::new();
        for chunk in list.instances_list().chunks(BATCH_LIMIT) {
            let out = self
                .call("BatchGetDeploymentInstances", false, || async {
                    self.client
                        .batch_get_deployment_instances()
                        .deployment_id(id)
                        .set_instance_ids(Some(chunk.to_vec()))
                        .send()
                        .await
                        .map_err(|e| api_error("BatchGetDeploymentInstances", e))
                })
                .await?;
            reports.extend(out.instances_summary().iter().map(|i| TargetReport {
                target_id: i.instance_id().unwrap_or_default().to_string(),
                kind: "InstanceTarget".into(),
                status: i.status().map(|s| s.as_str().to_string()),
                label: i.instance_type().map(|t| t.as_str().to_string()),
                lifecycle_events: events(i.lifecycle_events()),
                traffic: Vec::new(),
            }));
        }
        Ok(reports)
    }
}

/// Any SDK error as a [`CodeDeployError::Api`] or [`CodeDeployError::Transport`].
fn api_error<E>(op: &'static str, err: SdkError<E, HttpResponse>) -> CodeDeployError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            CodeDeployError::Api {
                op,
                code: e.code().unwrap_or("UnknownError").to_string(),
                message: e.message().unwrap_or_default().to_string(),
                status,
            }
        }
        SdkError::DispatchFailure(d) if !(d.is_io() || d.is_timeout()) => CodeDeployError::Setup {
            op,
            message: DisplayErrorContext(&err).to_string(),
        },
        SdkError::ConstructionFailure(_) => CodeDeployError::Setup {
            op,
            message: DisplayErrorContext(&err).to_string(),
        },
        _ => CodeDeployError::Transport {
            op,
            message: DisplayErrorContext(&err).to_string(),
        },
    }
}

fn not_found(e: CodeDeployError, application: &str, group: &str) -> CodeDeployError {
    match e {
        CodeDeployError::Api { ref code, .. } if code == "ApplicationDoesNotExistException" => {
            CodeDeployError::ApplicationNotFound(application.into())
        }
        CodeDeployError::Api { ref code, .. } if code == "DeploymentGroupDoesNotExistException" => {
            CodeDeployError::GroupNotFound {
                application: application.into(),
                group: group.into(),
            }
        }
        other => other,
    }
}

fn deployment_not_found(e: CodeDeployError, id: &str) -> CodeDeployError {
    match e {
        CodeDeployError::Api { ref code, .. } if code == "DeploymentDoesNotExistException" => {
            CodeDeployError::DeploymentNotFound(id.into())
        }
        other => other,
    }
}

fn time(t: Option<&aws_sdk_codedeploy::primitives::DateTime>) -> Option<SystemTime> {
    t.and_then(|t| SystemTime::try_from(*t).ok())
}

fn revision_location(r: &Revision) -> sdk::RevisionLocation {
    match r {
        Revision::S3 {
            bucket,
            key,
            bundle_type,
            version,
        } => sdk::RevisionLocation::builder()
            .revision_type(sdk::RevisionLocationType::S3)
            .s3_location(
                sdk::S3Location::builder()
                    .bucket(bucket)
                    .key(key)
                    .bundle_type(sdk::BundleType::from(bundle_type.as_str()))
                    .set_version(version.clone())
                    .build(),
            )
            .build(),
        Revision::GitHub { repository, commit } => sdk::RevisionLocation::builder()
            .revision_type(sdk::RevisionLocationType::GitHub)
            .git_hub_location(
                sdk::GitHubLocation::builder()
                    .repository(repository.to_string())
                    .commit_id(&commit.0)
                    .build(),
            )
            .build(),
    }
}

fn revision(r: &sdk::RevisionLocation) -> Option<Revision> {
    if let Some(s3) = r.s3_location() {
        let key = s3.key()?.to_string();
        let bundle_type = match s3.bundle_type().map(|b| b.as_str()) {
            Some("zip") => BundleType::Zip,
            Some("tar") => BundleType::Tar,
            Some("tgz") => BundleType::Tgz,
            Some("YAML") => BundleType::Yaml,
            Some("JSON") => BundleType::Json,
            _ => BundleType::from_key(&key)?,
        };
        return Some(Revision::S3 {
            bucket: s3.bucket()?.to_string(),
            key,
            bundle_type,
            version: s3.version().map(str::to_string),
        });
    }
    let gh = r.git_hub_location()?;
    Some(Revision::GitHub {
        repository: RepoName::parse(gh.repository()?)?,
        commit: CommitSha(gh.commit_id()?.to_string()),
    })
}

fn last(d: Option<&sdk::LastDeploymentInfo>) -> Option<LastDeployment> {
    let d = d?;
    Some(LastDeployment {
        id: d.deployment_id()?.to_string(),
        status: d.status().map(|s| DeploymentStatus::parse(s.as_str())),
        create_time: time(d.create_time()),
        end_time: time(d.end_time()),
    })
}

fn group_info(application: &str, group: &str, g: &sdk::DeploymentGroupInfo) -> GroupInfo {
    let rollback = g.auto_rollback_configuration();
    let termination = g
        .blue_green_deployment_configuration()
        .and_then(|b| b.terminate_blue_instances_on_deployment_success());
    let ready = g
        .blue_green_deployment_configuration()
        .and_then(|b| b.deployment_ready_option());
    GroupInfo {
        application: g.application_name().unwrap_or(application).to_string(),
        name: g.deployment_group_name().unwrap_or(group).to_string(),
        deployment_type: g
            .deployment_style()
            .and_then(|s| s.deployment_type())
            .map(|t| t.as_str().to_string()),
        compute_platform: g.compute_platform().map(|p| p.as_str().to_string()),
        deployment_config: g.deployment_config_name().map(str::to_string),
        auto_rollback_enabled: rollback.is_some_and(|r| r.enabled()),
        auto_rollback_events: rollback
            .map(|r| r.events().iter().map(|e| e.as_str().to_string()).collect())
            .unwrap_or_default(),
        target_revision: g.target_revision().and_then(revision),
        last_attempted: last(g.last_attempted_deployment()),
        last_successful: last(g.last_successful_deployment()),
        termination_wait_minutes: termination
            .filter(|t| t.action().map(|a| a.as_str()) == Some("TERMINATE"))
            .map(|t| t.termination_wait_time_in_minutes()),
        ready_action: ready
            .and_then(|r| r.action_on_timeout())
            .map(|a| a.as_str().to_string()),
        ready_wait_minutes: ready.map(|r| r.wait_time_in_minutes()),
    }
}

fn snapshot(d: &sdk::DeploymentInfo) -> DeploymentSnapshot {
    DeploymentSnapshot {
        id: d.deployment_id().unwrap_or_default().to_string(),
        application: d.application_name().map(str::to_string),
        group: d.deployment_group_name().map(str::to_string),
        status: d
            .status()
            .map(|s| DeploymentStatus::parse(s.as_str()))
            .unwrap_or_else(|| DeploymentStatus::Other("unknown".into())),
        description: d.description().map(str::to_string),
        revision: d.revision().and_then(revision),
        overview: d.deployment_overview().map(|o| Overview {
            pending: o.pending(),
            in_progress: o.in_progress(),
            succeeded: o.succeeded(),
            failed: o.failed(),
            skipped: o.skipped(),
            ready: o.ready(),
        }),
        error_code: d
            .error_information()
            .and_then(|e| e.code())
            .map(|c| c.as_str().to_string()),
        error_message: d
            .error_information()
            .and_then(|e| e.message())
            .map(str::to_string),
        rollback: d.rollback_info().map(|r| RollbackInfo {
            rollback_deployment_id: r.rollback_deployment_id().map(str::to_string),
            rollback_triggering_deployment_id: r
                .rollback_triggering_deployment_id()
                .map(str::to_string),
            message: r.rollback_message().map(str::to_string),
        }),
        creator: d.creator().map(|c| c.as_str().to_string()),
        status_messages: d.deployment_status_messages().to_vec(),
        instance_termination_wait_started: d.instance_termination_wait_time_started(),
        compute_platform: d.compute_platform().map(|p| p.as_str().to_string()),
        create_time: time(d.create_time()),
        start_time: time(d.start_time()),
        complete_time: time(d.complete_time()),
    }
}

fn events(list: &[sdk::LifecycleEvent]) -> Vec<LifecycleEventReport> {
    list.iter()
        .map(|e| {
            let diag = e.diagnostics();
            LifecycleEventReport {
                name: e.lifecycle_event_name().unwrap_or_default().to_string(),
                status: e.status().map(|s| s.as_str().to_string()),
                error_code: diag
                    .and_then(|d| d.error_code())
                    .map(|c| c.as_str().to_string()),
                script_name: diag.and_then(|d| d.script_name()).map(str::to_string),
                message: diag.and_then(|d| d.message()).map(str::to_string),
                log_tail: diag.and_then(|d| d.log_tail()).map(str::to_string),
            }
        })
        .collect()
}

fn target_report(t: &sdk::DeploymentTarget) -> TargetReport {
    if let Some(i) = t.instance_target() {
        return TargetReport {
            target_id: i.target_id().unwrap_or_default().to_string(),
            kind: "InstanceTarget".into(),
            status: i.status().map(|s| s.as_str().to_string()),
            label: i.instance_label().map(|l| l.as_str().to_string()),
            lifecycle_events: events(i.lifecycle_events()),
            traffic: Vec::new(),
        };
    }
    if let Some(e) = t.ecs_target() {
        return TargetReport {
            target_id: e.target_id().unwrap_or_default().to_string(),
            kind: "ECSTarget".into(),
            status: e.status().map(|s| s.as_str().to_string()),
            label: None,
            lifecycle_events: events(e.lifecycle_events()),
            traffic: e
                .task_sets_info()
                .iter()
                .map(|ts| {
                    let label = ts
                        .task_set_label()
                        .map(|l| l.as_str().to_string())
                        .or_else(|| ts.identifer().map(str::to_string))
                        .unwrap_or_default();
                    (label, ts.traffic_weight())
                })
                .collect(),
        };
    }
    if let Some(l) = t.lambda_target() {
        let info = l.lambda_function_info();
        return TargetReport {
            target_id: l.target_id().unwrap_or_default().to_string(),
            kind: "LambdaTarget".into(),
            status: l.status().map(|s| s.as_str().to_string()),
            label: info.and_then(|i| i.function_alias()).map(str::to_string),
            lifecycle_events: events(l.lifecycle_events()),
            traffic: info
                .map(|i| {
                    vec![(
                        format!("version {}", i.target_version().unwrap_or("?")),
                        i.target_version_weight(),
                    )]
                })
                .unwrap_or_default(),
        };
    }
    if let Some(c) = t.cloud_formation_target() {
        return TargetReport {
            target_id: c.target_id().unwrap_or_default().to_string(),
            kind: "CloudFormationTarget".into(),
            status: c.status().map(|s| s.as_str().to_string()),
            label: c.resource_type().map(str::to_string),
            lifecycle_events: events(c.lifecycle_events()),
            traffic: vec![("target".into(), c.target_version_weight())],
        };
    }
    TargetReport {
        kind: t
            .deployment_target_type()
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        ..TargetReport::default()
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn credential_sources_are_named_never_valued() {
        let env = ["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"];
        let found = credential_sources(&|n| env.contains(&n));
        assert_eq!(
            found,
            "web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)"
        );
        let found = credential_sources(&|n| n == "AWS_ACCESS_KEY_ID" || n == "AWS_PROFILE");
        assert!(
            found.contains("AWS_ACCESS_KEY_ID, no AWS_SESSION_TOKEN"),
            "{found}"
        );
        assert!(found.contains("profile (AWS_PROFILE)"), "{found}");
        assert!(credential_sources(&|_| false).starts_with("none in the environment"));
    }

    #[test]
    fn credential_errors_are_told_apart_from_permissions() {
        let api = |code: &str| CodeDeployError::Api {
            op: "GetDeploymentGroup",
            code: code.into(),
            message: "The security token included in the request is invalid".into(),
            status: Some(400),
        };
        assert_eq!(
            credential_problem(&api("ExpiredTokenException")),
            Some("expired")
        );
        assert_eq!(
            credential_problem(&api("UnrecognizedClientException")),
            Some("invalid")
        );
        assert_eq!(credential_problem(&api("AccessDeniedException")), None);
        let setup = CodeDeployError::Setup {
            op: "GetDeploymentGroup",
            message: "failed to construct request: no credentials in the property bag".into(),
        };
        assert_eq!(credential_problem(&setup), Some("missing"));
    }

    use super::*;

    #[test]
    fn parses_active_deployment_id_from_message() {
        let m =
            "The Deployment Group 'shop-production' already has an active Deployment 'd-ABCDEFGHI'";
        assert_eq!(active_deployment_id(m).as_deref(), Some("d-ABCDEFGHI"));
        assert_eq!(
            active_deployment_id("active deployment d-X1Y2Z3W4V.").as_deref(),
            Some("d-X1Y2Z3W4V")
        );
        assert_eq!(active_deployment_id("busy"), None);
    }

    #[test]
    fn description_round_trips_the_commit() {
        let sha = CommitSha("a".repeat(40));
        let d = deployment_description(&sha, "production run 42 ".repeat(10).as_str());
        assert!(d.chars().count() <= 100);
        assert!(description_matches(&d, &sha));
        assert!(!description_matches(&d, &CommitSha("b".repeat(40))));
        assert!(!description_matches("deployed by hand", &sha));
    }

    #[test]
    fn throttling_is_transient_but_not_found_is_not() {
        let t = CodeDeployError::Api {
            op: "GetDeployment",
            code: "ThrottlingException".into(),
            message: "Rate exceeded".into(),
            status: Some(400),
        };
        assert!(t.is_transient());
        assert!(!CodeDeployError::DeploymentNotFound("d-1".into()).is_transient());
        assert!(FileExistsBehavior::parse("overwrite").is_ok());
        assert!(FileExistsBehavior::parse("clobber")
            .unwrap_err()
            .contains("file-exists-behavior"));
    }
}
