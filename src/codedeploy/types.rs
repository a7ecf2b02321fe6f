//! Plain data about deployment groups, deployments and their targets: what the CodeDeploy adapter
//! returns, so the follow loop, reports and the runner never touch SDK types.

use super::revision::Revision;
use std::fmt;
use std::time::SystemTime;

/// CodeDeploy's `DeploymentStatus`, plus whatever a newer service might add.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeploymentStatus {
    Created,
    Queued,
    InProgress,
    Baking,
    Ready,
    Succeeded,
    Failed,
    Stopped,
    Other(String),
}

impl DeploymentStatus {
    pub fn parse(s: &str) -> DeploymentStatus {
        match s {
            "Created" => Self::Created,
            "Queued" => Self::Queued,
            "InProgress" => Self::InProgress,
            "Baking" => Self::Baking,
            "Ready" => Self::Ready,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Stopped" => Self::Stopped,
            other => Self::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "Created",
            Self::Queued => "Queued",
            Self::InProgress => "InProgress",
            Self::Baking => "Baking",
            Self::Ready => "Ready",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Stopped => "Stopped",
            Self::Other(s) => s,
        }
    }

    /// The deployment will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Stopped)
    }

    /// The statuses a deployment occupying its group can have (what blocks a new deployment).
    pub fn active() -> [DeploymentStatus; 5] {
        [
            Self::Created,
            Self::Queued,
            Self::InProgress,
            Self::Baking,
            Self::Ready,
        ]
    }
}

impl fmt::Display for DeploymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `deploymentOverview`: how many targets are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overview {
    pub pending: i64,
    pub in_progress: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
    pub ready: i64,
}

impl fmt::Display for Overview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pending {}, in progress {}, succeeded {}, failed {}",
            self.pending, self.in_progress, self.succeeded, self.failed
        )?;
        if self.skipped > 0 {
            write!(f, ", skipped {}", self.skipped)?;
        }
        if self.ready > 0 {
            write!(f, ", ready {}", self.ready)?;
        }
        Ok(())
    }
}

/// `rollbackInfo` of a deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollbackInfo {
    /// On a failed/stopped deployment: the deployment that rolls it back.
    pub rollback_deployment_id: Option<String>,
    /// On a rollback deployment: the deployment it rolls back.
    pub rollback_triggering_deployment_id: Option<String>,
    pub message: Option<String>,
}

/// One GetDeployment answer, reduced to what shipgate reports and decides on.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentSnapshot {
    pub id: String,
    pub application: Option<String>,
    pub group: Option<String>,
    pub status: DeploymentStatus,
    pub description: Option<String>,
    pub revision: Option<Revision>,
    pub overview: Option<Overview>,
    /// `errorInformation` code and message.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub rollback: Option<RollbackInfo>,
    /// `creator`: `user`, `codeDeployRollback`, `autoscaling`, ...
    pub creator: Option<String>,
    /// `deploymentStatusMessages` (Blue/Green progress, why it stopped, ...).
    pub status_messages: Vec<String>,
    /// Blue/Green: the original fleet's termination wait has begun (traffic fully shifted).
    pub instance_termination_wait_started: bool,
    pub compute_platform: Option<String>,
    pub create_time: Option<SystemTime>,
    pub start_time: Option<SystemTime>,
    pub complete_time: Option<SystemTime>,
}

impl DeploymentSnapshot {
    /// A bare snapshot, for tests and for building up field by field.
    pub fn new(id: impl Into<String>, status: DeploymentStatus) -> Self {
        DeploymentSnapshot {
            id: id.into(),
            application: None,
            group: None,
            status,
            description: None,
            revision: None,
            overview: None,
            error_code: None,
            error_message: None,
            rollback: None,
            creator: None,
            status_messages: Vec::new(),
            instance_termination_wait_started: false,
            compute_platform: None,
            create_time: None,
            start_time: None,
            complete_time: None,
        }
    }

    /// The rollback deployment CodeDeploy started for this one, if any.
    pub fn rollback_deployment_id(&self) -> Option<&str> {
        self.rollback
            .as_ref()
            .and_then(|r| r.rollback_deployment_id.as_deref())
    }
}

/// `lastAttemptedDeployment` / `lastSuccessfulDeployment` of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastDeployment {
    pub id: String,
    pub status: Option<DeploymentStatus>,
    pub create_time: Option<SystemTime>,
    pub end_time: Option<SystemTime>,
}

/// GetDeploymentGroup, reduced.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInfo {
    pub application: String,
    pub name: String,
    /// `deploymentStyle.deploymentType`: `BLUE_GREEN` or `IN_PLACE`. ECS and Lambda groups are
    /// always Blue/Green even when the style is missing.
    pub deployment_type: Option<String>,
    pub compute_platform: Option<String>,
    pub deployment_config: Option<String>,
    pub auto_rollback_enabled: bool,
    pub auto_rollback_events: Vec<String>,
    /// `targetRevision`: the revision the group is meant to run.
    pub target_revision: Option<Revision>,
    pub last_attempted: Option<LastDeployment>,
    pub last_successful: Option<LastDeployment>,
    /// Blue/Green: minutes the original fleet stays up after the traffic shift (`null` = keep alive).
    pub termination_wait_minutes: Option<i32>,
    /// `deploymentReadyOption.actionOnTimeout`: `CONTINUE_DEPLOYMENT` (switch traffic by itself)
    /// or `STOP_DEPLOYMENT` (wait in `Ready` for ContinueDeployment: a manual switch).
    pub ready_action: Option<String>,
    /// `deploymentReadyOption.waitTimeInMinutes`: how long the replacement fleet waits in `Ready`.
    pub ready_wait_minutes: Option<i32>,
}

impl GroupInfo {
    /// The traffic switch waits for someone to continue the deployment.
    pub fn manual_switch(&self) -> bool {
        self.ready_action.as_deref() == Some("STOP_DEPLOYMENT")
    }

    pub fn is_blue_green(&self) -> bool {
        match self.deployment_type.as_deref() {
            Some(t) => t == "BLUE_GREEN",
            None => matches!(self.compute_platform.as_deref(), Some("ECS" | "Lambda")),
        }
    }
}

/// One lifecycle event of one target, with its diagnostics when the agent reported any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleEventReport {
    pub name: String,
    pub status: Option<String>,
    pub error_code: Option<String>,
    pub script_name: Option<String>,
    pub message: Option<String>,
    pub log_tail: Option<String>,
}

/// One deployment target (EC2 instance, ECS service, Lambda function, CloudFormation resource).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetReport {
    pub target_id: String,
    /// `InstanceTarget`, `ECSTarget`, `LambdaTarget`, `CloudFormationTarget`.
    pub kind: String,
    pub status: Option<String>,
    /// EC2 Blue/Green: `Blue` or `Green`; ECS: the task set labels with their traffic weight.
    pub label: Option<String>,
    pub lifecycle_events: Vec<LifecycleEventReport>,
    /// ECS task sets / Lambda versions: `(label, traffic weight %)`.
    pub traffic: Vec<(String, f64)>,
}

impl TargetReport {
    /// The first lifecycle event that failed on this target.
    pub fn failed_event(&self) -> Option<&LifecycleEventReport> {
        self.lifecycle_events
            .iter()
            .find(|e| e.status.as_deref() == Some("Failed"))
    }
}
