//! The deploy's settings, all validated from the inputs before anything is read or written.

use super::follow::{FollowOptions, PollSchedule};
use super::window::{Freeze, Gate, ReleaseWindow};
use crate::codedeploy::revision::Revision;
use crate::codedeploy::FileExistsBehavior;
use crate::gate::config::GateConfig;
use crate::inputs::{InputError, Inputs};
use crate::model::{CommitSha, RepoName};
use crate::report::slack::SlackNotify;
use crate::retry::{HttpPolicy, RetryPolicy};
use crate::slack::{Notifier, SlackTarget};
use std::time::Duration;

/// What to do when the group already runs a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnActive {
    Wait,
    Fail,
}

/// The `revision` input as a template: `{sha}` in an S3 key and `github` resolve per commit, so a
/// release train or a rollback can name the artifact of the commit it actually ships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionTemplate {
    raw: String,
    repo: Option<RepoName>,
}

impl RevisionTemplate {
    /// Checks the template's shape now (with a placeholder commit), so a typo is exit 2 before
    /// anything is read or written.
    pub fn parse(raw: &str, repo: Option<&RepoName>) -> Result<Self, InputError> {
        let t = RevisionTemplate {
            raw: raw.trim().to_string(),
            repo: repo.cloned(),
        };
        t.at(&CommitSha("0".repeat(40)))?;
        Ok(t)
    }

    /// The revision of `commit`.
    pub fn at(&self, commit: &CommitSha) -> Result<Revision, InputError> {
        Revision::parse(
            &self.raw.replace("{sha}", &commit.0),
            self.repo.as_ref(),
            commit,
        )
        .map_err(|e| InputError::new("revision", strip_input_prefix(&e.to_string())))
    }

    /// The commit whose artifact `revision` is, read back from the `{sha}` in its S3 key: how a
    /// deployment someone else made of one of this pipeline's artifacts (console, CodeDeploy's
    /// own rollback) still tells what it runs.
    pub fn commit_in(&self, revision: &Revision) -> Option<CommitSha> {
        let Revision::S3 { bucket, key, .. } = revision else {
            return None;
        };
        let raw = self.raw.split('?').next().unwrap_or(&self.raw);
        let (prefix, suffix) = raw.strip_prefix("s3://")?.split_once("{sha}")?;
        let location = format!("{bucket}/{key}");
        let middle = location.strip_prefix(prefix)?;
        // The sha is 40 hex digits; whatever follows must be the template's tail with the same
        // sha wherever `{sha}` appears again.
        let sha = middle.get(..40)?;
        if !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        (middle[40..] == suffix.replace("{sha}", sha)).then(|| CommitSha(sha.to_ascii_lowercase()))
    }

    /// An S3 artifact without `{sha}`: the same bundle whatever the commit.
    pub fn is_fixed(&self) -> bool {
        self.raw.starts_with("s3://") && !self.raw.contains("{sha}")
    }
}

/// Where and how Slack is told; the notifier is built when a run needs it.
#[derive(Debug, Clone)]
pub struct SlackSettings {
    pub target: Option<SlackTarget>,
    pub notify: SlackNotify,
    /// `SLACK_API_URL`: the Web API base (tests, proxies).
    pub api_base: Option<String>,
    pub retry: RetryPolicy,
    /// The timeouts of the Slack client (the same as GitHub's).
    pub http: HttpPolicy,
}

impl SlackSettings {
    pub fn notifier(&self) -> Option<Notifier> {
        let target = self.target.clone()?;
        Some(
            Notifier::new(target, self.api_base.clone())
                .with_http(&self.http)
                .with_retry(self.retry.clone()),
        )
    }

    /// A webhook posts once; only the Web API can update a message in place.
    pub fn updates_in_place(&self) -> bool {
        matches!(self.target, Some(SlackTarget::Bot { .. }))
    }
}

/// Overrides from the environment, read once at the edge.
#[derive(Debug, Clone, Default)]
pub struct Tuning {
    /// `SHIPGATE_POLL_MS`: one poll interval for every wait, and fast retries (tests, tuning).
    pub poll: Option<Duration>,
    /// `SLACK_API_URL`.
    pub slack_api: Option<String>,
    /// `SHIPGATE_NOW` (RFC 3339): the clock the release window and freeze are judged by
    /// (tests; a rehearsal of a schedule). The wall clock otherwise.
    pub now: Option<jiff::Timestamp>,
    /// Timeouts and retries of every GitHub and Slack call.
    pub http: HttpPolicy,
}

#[derive(Debug, Clone)]
pub struct DeployConfig {
    pub application: String,
    pub group: String,
    /// `None` only for a rollback without an explicit revision.
    pub revision: Option<RevisionTemplate>,
    pub deployment_config: Option<String>,
    pub environment: String,
    pub environment_url: Option<String>,
    pub file_exists: FileExistsBehavior,
    pub wait: bool,
    /// Bounds the phases before the traffic switch only.
    pub timeout: Duration,
    /// `wait-for-termination`: follow through the original fleet's termination wait.
    pub wait_for_termination: bool,
    /// `deployment-id`: the deployment `continue` acts on.
    pub deployment_id: Option<String>,
    pub auto_rollback: bool,
    pub on_active: OnActive,
    pub hold_label: String,
    pub require_pull_request: bool,
    pub gate: GateConfig,
    pub slack: SlackSettings,
    pub follow: FollowOptions,
    pub retry: RetryPolicy,
    pub dry_run: bool,
    /// `release-window`: when `release` (and `deploy` of a merge) may ship.
    pub release_window: Option<ReleaseWindow>,
    pub freeze: Freeze,
    /// `force`: ship outside the window or during a freeze (never past the gate).
    pub force: bool,
    /// `allow-schema-rollback`: a rollback may cross a release that changed the schema.
    pub allow_schema_rollback: bool,
    /// The moment the window and freeze are judged at, fixed when the run starts.
    pub now: jiff::Timestamp,
}

impl DeployConfig {
    /// Whether the release window and freeze let this run ship now.
    pub fn window_gate(&self) -> Gate {
        super::window::decide(
            self.release_window.as_ref(),
            &self.freeze,
            self.force,
            self.now,
        )
    }

    /// The revision for `commit` (a release train may ship an earlier commit than the run's).
    pub fn revision_at(&self, commit: &CommitSha) -> Result<Revision, InputError> {
        self.revision
            .as_ref()
            .ok_or_else(|| InputError::new("revision", "is required to deploy"))?
            .at(commit)
    }

    /// An S3 artifact without `{sha}`: the same bundle whatever the commit.
    pub fn revision_is_fixed(&self) -> bool {
        self.revision
            .as_ref()
            .is_some_and(RevisionTemplate::is_fixed)
    }

    /// Every deploy input, validated before anything is read or written.
    pub fn from_inputs(
        inputs: &Inputs,
        repo: Option<&RepoName>,
        require_revision: bool,
        tuning: &Tuning,
    ) -> Result<Self, InputError> {
        let application = inputs.required("application")?.to_string();
        let group = inputs.required("deployment-group")?.to_string();
        let revision = match inputs.get("revision") {
            None if require_revision => {
                return Err(InputError::new(
                    "revision",
                    "is required to deploy: s3://bucket/key.zip or github",
                ))
            }
            None => None,
            Some(raw) => Some(RevisionTemplate::parse(raw, repo)?),
        };
        let file_exists =
            FileExistsBehavior::parse(inputs.get_or("file-exists-behavior", "DISALLOW"))
                .map_err(|e| InputError::new("file-exists-behavior", strip_input_prefix(&e)))?;
        let on_active = match inputs
            .choice("on-active-deployment", "wait", &["wait", "fail"])?
            .as_str()
        {
            "fail" => OnActive::Fail,
            _ => OnActive::Wait,
        };
        let minutes = timeout_minutes(inputs)?;
        if minutes > 24.0 * 60.0 {
            return Err(InputError::new(
                "timeout-minutes",
                format!("{minutes} is more than a day; CodeDeploy Blue/Green waits at most 2 days in total"),
            ));
        }
        let timeout = Duration::from_secs_f64(minutes * 60.0);
        let auto_rollback = inputs.bool("auto-rollback", true)?;
        let slack = slack_settings(inputs, tuning)?;
        let environment_url = inputs.get("environment-url").map(str::to_string);
        if let Some(u) = &environment_url {
            if !u.starts_with("https://") && !u.starts_with("http://") {
                return Err(InputError::new(
                    "environment-url",
                    format!("expected an http(s) URL, got '{u}'"),
                ));
            }
        }
        let wait_for_termination = inputs.bool("wait-for-termination", false)?;
        let deployment_id = match inputs.get("deployment-id") {
            None => None,
            Some(id) => {
                let ok = id.len() > 2
                    && id.starts_with("d-")
                    && id[2..].chars().all(|c| c.is_ascii_alphanumeric());
                if !ok {
                    return Err(InputError::new(
                        "deployment-id",
                        format!("expected a CodeDeploy deployment id like d-A1B2C3D4E, got '{id}'"),
                    ));
                }
                Some(id.to_string())
            }
        };
        let (mut follow, retry) = match tuning.poll {
            Some(interval) => {
                let mut o = FollowOptions::fast(timeout, auto_rollback);
                o.poll = PollSchedule(vec![interval]);
                (o, RetryPolicy::fast())
            }
            None => (
                FollowOptions::new(timeout, auto_rollback),
                RetryPolicy::standard(),
            ),
        };
        follow.wait_for_termination = wait_for_termination;
        Ok(DeployConfig {
            environment: inputs.get_or("environment", &group).to_string(),
            application,
            group,
            revision,
            deployment_config: inputs.get("deployment-config").map(str::to_string),
            environment_url,
            file_exists,
            wait: inputs.bool("wait", true)?,
            timeout,
            wait_for_termination,
            deployment_id,
            auto_rollback,
            on_active,
            hold_label: inputs.get_or("hold-label", "shipgate:hold").to_string(),
            require_pull_request: inputs.bool("require-pull-request", true)?,
            gate: GateConfig::from_inputs(inputs)?,
            slack,
            follow,
            retry,
            dry_run: inputs.bool("dry-run", false)?,
            release_window: inputs
                .get("release-window")
                .map(ReleaseWindow::parse)
                .transpose()?,
            freeze: Freeze::parse(inputs.get_or("freeze", "false"))?,
            force: inputs.bool("force", false)?,
            allow_schema_rollback: inputs.bool("allow-schema-rollback", false)?,
            now: tuning.now.unwrap_or_else(jiff::Timestamp::now),
        })
    }
}

fn slack_settings(inputs: &Inputs, tuning: &Tuning) -> Result<SlackSettings, InputError> {
    let notify = SlackNotify::parse(inputs.get_or("slack-notify", "failure"))
        .map_err(|e| InputError::new("slack-notify", strip_input_prefix(&e)))?;
    let webhook = inputs.secret("slack-webhook-url");
    let token = inputs.secret("slack-bot-token");
    let channel = inputs.get("slack-channel").map(str::to_string);
    if let Some(url) = &webhook {
        if !url.expose().starts_with("https://") && !url.expose().starts_with("http://") {
            // Never echo the value: it is a secret.
            return Err(InputError::new(
                "slack-webhook-url",
                "is not a URL (expected https://hooks.slack.com/services/...)",
            ));
        }
    }
    // The webhook wins when both are given.
    let target = match (webhook, token) {
        (Some(url), _) => Some(SlackTarget::Webhook(url)),
        (None, Some(token)) => {
            let channel = channel.ok_or_else(|| {
                InputError::new("slack-channel", "is required with 'slack-bot-token'")
            })?;
            Some(SlackTarget::Bot { token, channel })
        }
        (None, None) => None,
    };
    Ok(SlackSettings {
        target,
        notify,
        api_base: tuning.slack_api.clone(),
        retry: if tuning.poll.is_some() {
            RetryPolicy::fast()
        } else {
            RetryPolicy::standard()
        },
        http: tuning.http.clone(),
    })
}

/// Minutes, fractions allowed (`7.5`).
fn timeout_minutes(inputs: &Inputs) -> Result<f64, InputError> {
    match inputs.get("timeout-minutes") {
        None => Ok(60.0),
        Some(v) => match v.parse::<f64>() {
            Ok(m) if m.is_finite() && m > 0.0 => Ok(m),
            _ => Err(InputError::new(
                "timeout-minutes",
                format!("expected a positive number of minutes, got '{v}'"),
            )),
        },
    }
}

/// Messages from lower layers already say "input 'x': ..."; the InputError adds it again.
fn strip_input_prefix(msg: &str) -> String {
    match msg.strip_prefix("input '") {
        Some(rest) => match rest.split_once("'") {
            Some((_, tail)) => tail.trim_start_matches(':').trim().to_string(),
            None => msg.to_string(),
        },
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Inputs {
        let mut i = Inputs::default();
        i.set("application", "shop");
        i.set("deployment-group", "shop-production");
        i.set("revision", "s3://artifacts/shop/abc.zip");
        i
    }

    fn sha() -> CommitSha {
        CommitSha("a".repeat(40))
    }

    #[test]
    fn defaults() {
        let c = DeployConfig::from_inputs(&base(), None, true, &Tuning::default()).unwrap();
        assert_eq!(c.environment, "shop-production");
        assert!(c.wait && c.auto_rollback && c.require_pull_request && !c.dry_run);
        assert_eq!(c.timeout, Duration::from_secs(3600));
        assert_eq!(c.on_active, OnActive::Wait);
        assert_eq!(c.hold_label, "shipgate:hold");
        assert!(!c.wait_for_termination && !c.follow.wait_for_termination);
        assert_eq!(c.deployment_id, None);
        let mut i = base();
        i.set("wait-for-termination", "true");
        i.set("deployment-id", "d-ABCDEF123");
        let c = DeployConfig::from_inputs(&i, None, true, &Tuning::default()).unwrap();
        assert!(c.wait_for_termination && c.follow.wait_for_termination);
        assert_eq!(c.deployment_id.as_deref(), Some("d-ABCDEF123"));
    }

    #[test]
    fn each_bad_input_is_named() {
        for (name, value) in [
            ("revision", "ftp://x/y.zip"),
            ("revision", "s3://bucket/key.exe"),
            ("file-exists-behavior", "MERGE"),
            ("on-active-deployment", "queue"),
            ("timeout-minutes", "0"),
            ("timeout-minutes", "soon"),
            ("wait", "maybe"),
            ("wait-for-termination", "eventually"),
            ("deployment-id", "12345"),
            ("auto-rollback", "perhaps"),
            ("slack-notify", "sometimes"),
            ("environment-url", "shop.example.com"),
            ("mixed-changes", "x"),
            ("release-window", "weekdays"),
            ("freeze", "sometimes"),
            ("force", "very"),
            ("allow-schema-rollback", "perhaps"),
        ] {
            let mut i = base();
            i.set(name, value);
            let e = DeployConfig::from_inputs(&i, None, true, &Tuning::default()).unwrap_err();
            assert_eq!(e.input, name, "{name}={value}: {e}");
            assert!(!e.message.starts_with("input '"), "{e}");
        }
        for missing in ["application", "deployment-group", "revision"] {
            let mut i = base();
            i.set(missing, "");
            assert_eq!(
                DeployConfig::from_inputs(&i, None, true, &Tuning::default())
                    .unwrap_err()
                    .input,
                missing
            );
        }
    }

    #[test]
    fn sha_placeholder_and_optional_revision() {
        let mut i = base();
        i.set("revision", "s3://artifacts/shop/{sha}.zip");
        let c = DeployConfig::from_inputs(&i, None, true, &Tuning::default()).unwrap();
        assert_eq!(
            c.revision_at(&sha()).unwrap().to_string(),
            format!("s3://artifacts/shop/{}.zip", "a".repeat(40))
        );
        i.set("revision", "");
        assert!(
            DeployConfig::from_inputs(&i, None, false, &Tuning::default())
                .unwrap()
                .revision
                .is_none()
        );
        assert_eq!(
            DeployConfig::from_inputs(&i, None, true, &Tuning::default())
                .unwrap_err()
                .input,
            "revision"
        );
    }

    #[test]
    fn the_sha_is_read_back_from_an_s3_key() {
        let t = RevisionTemplate::parse("s3://artifacts/shop/{sha}/app-{sha}.zip", None).unwrap();
        let r = t.at(&sha()).unwrap();
        assert_eq!(t.commit_in(&r), Some(sha()));
        let other = Revision::parse("s3://artifacts/shop/x.zip", None, &sha()).unwrap();
        assert_eq!(t.commit_in(&other), None);
        let b = CommitSha("b".repeat(40));
        let mixed = Revision::parse(
            &format!("s3://artifacts/shop/{}/app-{}.zip", sha().0, b.0),
            None,
            &sha(),
        )
        .unwrap();
        assert_eq!(t.commit_in(&mixed), None, "both {{sha}} must agree");
        let fixed = RevisionTemplate::parse("s3://artifacts/shop/latest.zip", None).unwrap();
        assert_eq!(fixed.commit_in(&r), None);
        let versioned =
            RevisionTemplate::parse("s3://artifacts/{sha}.zip?versionId=v1", None).unwrap();
        let r = versioned.at(&sha()).unwrap();
        assert_eq!(versioned.commit_in(&r), Some(sha()));
    }

    #[test]
    fn slack_inputs_are_checked_without_echoing_secrets() {
        let mut i = base();
        i.set("slack-bot-token", "xoxb-secret");
        assert_eq!(
            DeployConfig::from_inputs(&i, None, true, &Tuning::default())
                .unwrap_err()
                .input,
            "slack-channel"
        );
        let mut i = base();
        i.set(
            "slack-webhook-url",
            "hooks.slack.com/services/T/B/secretpart",
        );
        let e = DeployConfig::from_inputs(&i, None, true, &Tuning::default()).unwrap_err();
        assert_eq!(e.input, "slack-webhook-url");
        assert!(!e.to_string().contains("secretpart"));
    }
}
