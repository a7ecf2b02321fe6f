//! The deploy's settings, all validated from the inputs before anything is read or written.

use super::codedeploy::FileExistsBehavior;
use super::revision::Revision;
use crate::gate::config::GateConfig;
use crate::inputs::{InputError, Inputs};
use crate::model::{CommitSha, RepoName};
use crate::secret::Secret;
use crate::slack::SlackNotify;
use std::time::Duration;

/// What to do when the group already runs a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnActive {
    Wait,
    Fail,
}

#[derive(Debug, Clone)]
pub struct DeployConfig {
    pub application: String,
    pub group: String,
    /// `None` only for a rollback without an explicit revision.
    pub revision: Option<Revision>,
    /// The `revision` input as given, to derive the revision of another commit.
    pub revision_input: Option<String>,
    pub deployment_config: Option<String>,
    pub environment: String,
    pub environment_url: Option<String>,
    pub file_exists: FileExistsBehavior,
    pub wait: bool,
    pub timeout: Duration,
    pub auto_rollback: bool,
    pub on_active: OnActive,
    pub hold_label: String,
    pub require_pull_request: bool,
    pub gate: GateConfig,
    pub slack_webhook: Option<Secret>,
    pub slack_token: Option<Secret>,
    pub slack_channel: Option<String>,
    pub slack_notify: SlackNotify,
    pub dry_run: bool,
}

impl DeployConfig {
    /// The revision for `commit` (a release train may ship an earlier commit than the run's).
    pub fn revision_at(
        &self,
        repo: Option<&RepoName>,
        commit: &CommitSha,
    ) -> Result<Revision, InputError> {
        let raw = self
            .revision_input
            .as_deref()
            .ok_or_else(|| InputError::new("revision", "is required to deploy"))?;
        Revision::parse(&raw.replace("{sha}", &commit.0), repo, commit)
            .map_err(|e| InputError::new("revision", strip_input_prefix(&e.to_string())))
    }

    /// An S3 artifact without `{sha}`: the same bundle whatever the commit.
    pub fn revision_is_fixed(&self) -> bool {
        self.revision_input
            .as_deref()
            .is_some_and(|r| r.starts_with("s3://") && !r.contains("{sha}"))
    }

    pub fn required_revision(&self) -> Result<Revision, InputError> {
        self.revision
            .clone()
            .ok_or_else(|| InputError::new("revision", "is required to deploy"))
    }

    /// `commit` is the commit to deploy: a `github` revision uses it, and `{sha}` in an S3 key
    /// is replaced by it (so a release train can ship an earlier commit's artifact).
    pub fn from_inputs(
        inputs: &Inputs,
        repo: Option<&RepoName>,
        commit: &CommitSha,
        require_revision: bool,
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
            Some(raw) => Some(
                Revision::parse(&raw.replace("{sha}", &commit.0), repo, commit)
                    .map_err(|e| InputError::new("revision", strip_input_prefix(&e.to_string())))?,
            ),
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
        let slack_notify = SlackNotify::parse(inputs.get_or("slack-notify", "failure"))
            .map_err(|e| InputError::new("slack-notify", strip_input_prefix(&e)))?;
        let slack_token = inputs.secret("slack-bot-token");
        let slack_channel = inputs.get("slack-channel").map(str::to_string);
        if slack_token.is_some()
            && slack_channel.is_none()
            && inputs.get("slack-webhook-url").is_none()
        {
            return Err(InputError::new(
                "slack-channel",
                "is required with 'slack-bot-token'",
            ));
        }
        if let Some(url) = inputs.get("slack-webhook-url") {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                // Never echo the value: it is a secret.
                return Err(InputError::new(
                    "slack-webhook-url",
                    "is not a URL (expected https://hooks.slack.com/services/...)",
                ));
            }
        }
        let environment_url = inputs.get("environment-url").map(str::to_string);
        if let Some(u) = &environment_url {
            if !u.starts_with("https://") && !u.starts_with("http://") {
                return Err(InputError::new(
                    "environment-url",
                    format!("expected an http(s) URL, got '{u}'"),
                ));
            }
        }
        Ok(DeployConfig {
            revision_input: inputs.get("revision").map(str::to_string),
            environment: inputs.get_or("environment", &group).to_string(),
            application,
            group,
            revision,
            deployment_config: inputs.get("deployment-config").map(str::to_string),
            environment_url,
            file_exists,
            wait: inputs.bool("wait", true)?,
            timeout: Duration::from_secs_f64(minutes * 60.0),
            auto_rollback: inputs.bool("auto-rollback", true)?,
            on_active,
            hold_label: inputs.get_or("hold-label", "shipgate:hold").to_string(),
            require_pull_request: inputs.bool("require-pull-request", true)?,
            gate: GateConfig::from_inputs(inputs)?,
            slack_webhook: inputs.secret("slack-webhook-url"),
            slack_token,
            slack_channel,
            slack_notify,
            dry_run: inputs.bool("dry-run", false)?,
        })
    }
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
        let c = DeployConfig::from_inputs(&base(), None, &sha(), true).unwrap();
        assert_eq!(c.environment, "shop-production");
        assert!(c.wait && c.auto_rollback && c.require_pull_request && !c.dry_run);
        assert_eq!(c.timeout, Duration::from_secs(3600));
        assert_eq!(c.on_active, OnActive::Wait);
        assert_eq!(c.hold_label, "shipgate:hold");
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
            ("auto-rollback", "perhaps"),
            ("slack-notify", "sometimes"),
            ("environment-url", "shop.example.com"),
            ("mixed-changes", "x"),
        ] {
            let mut i = base();
            i.set(name, value);
            let e = DeployConfig::from_inputs(&i, None, &sha(), true).unwrap_err();
            assert_eq!(e.input, name, "{name}={value}: {e}");
            assert!(!e.message.starts_with("input '"), "{e}");
        }
        for missing in ["application", "deployment-group", "revision"] {
            let mut i = base();
            i.set(missing, "");
            assert_eq!(
                DeployConfig::from_inputs(&i, None, &sha(), true)
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
        let c = DeployConfig::from_inputs(&i, None, &sha(), true).unwrap();
        assert_eq!(
            c.required_revision().unwrap().to_string(),
            format!("s3://artifacts/shop/{}.zip", "a".repeat(40))
        );
        i.set("revision", "");
        assert!(DeployConfig::from_inputs(&i, None, &sha(), false)
            .unwrap()
            .revision
            .is_none());
        assert_eq!(
            DeployConfig::from_inputs(&i, None, &sha(), true)
                .unwrap_err()
                .input,
            "revision"
        );
    }

    #[test]
    fn slack_inputs_are_checked_without_echoing_secrets() {
        let mut i = base();
        i.set("slack-bot-token", "xoxb-secret");
        assert_eq!(
            DeployConfig::from_inputs(&i, None, &sha(), true)
                .unwrap_err()
                .input,
            "slack-channel"
        );
        let mut i = base();
        i.set(
            "slack-webhook-url",
            "hooks.slack.com/services/T/B/secretpart",
        );
        let e = DeployConfig::from_inputs(&i, None, &sha(), true).unwrap_err();
        assert_eq!(e.input, "slack-webhook-url");
        assert!(!e.to_string().contains("secretpart"));
    }
}
