//! The phases of a CodeDeploy Blue/Green deployment as a user sees them, read from one
//! GetDeployment answer. Pure: the follow loop, the reports and `continue` decide on these.
//!
//! CodeDeploy keeps an EC2 Blue/Green deployment `InProgress` from the replacement fleet's
//! provisioning to the end of the original fleet's termination wait (up to two days). The release
//! itself is done at the traffic switch, which only `instanceTerminationWaitTimeStarted` shows.

use crate::codedeploy::types::{DeploymentSnapshot, DeploymentStatus, TargetReport};
use std::time::{Duration, SystemTime};

/// Where a Blue/Green deployment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Created/queued, or running with no target started yet: the replacement fleet is provisioned.
    Provisioning,
    /// The revision is being installed on the replacement fleet.
    Deploying,
    /// The replacement fleet is installed and waits for the traffic switch (`Ready`).
    Ready,
    /// Traffic has moved to the replacement fleet; the original fleet waits out its termination
    /// wait. The release has succeeded.
    TerminationWait,
    /// The deployment will not change any more.
    Done,
}

impl Phase {
    /// Traffic is on the replacement fleet (or the deployment ended): nothing before the switch
    /// is left for `timeout-minutes` to bound.
    pub fn switched(self) -> bool {
        matches!(self, Phase::TerminationWait)
    }

    /// The `continue` command's meaning for this phase.
    pub fn can_continue(self) -> bool {
        matches!(self, Phase::Ready | Phase::TerminationWait)
    }

    /// Words for progress lines, the timeline and the Deployment status.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Provisioning => "replacement fleet provisioning",
            Phase::Deploying => "deploying to the replacement fleet",
            Phase::Ready => "replacement fleet ready for the traffic switch",
            Phase::TerminationWait => {
                "traffic switched to the replacement fleet; original fleet in its termination wait"
            }
            Phase::Done => "done",
        }
    }
}

/// The phase one GetDeployment answer shows.
pub fn phase(s: &DeploymentSnapshot) -> Phase {
    if s.status.is_terminal() {
        return Phase::Done;
    }
    if s.status == DeploymentStatus::Ready {
        return Phase::Ready;
    }
    if s.instance_termination_wait_started {
        return Phase::TerminationWait;
    }
    match s.status {
        DeploymentStatus::Created | DeploymentStatus::Queued => Phase::Provisioning,
        _ => {
            let started = s
                .overview
                .is_some_and(|o| o.in_progress + o.succeeded + o.failed + o.ready > 0);
            if started {
                Phase::Deploying
            } else {
                Phase::Provisioning
            }
        }
    }
}

/// ECS and Lambda deployments do not set `instanceTerminationWaitTimeStarted`; their targets
/// show the switch instead: every target finished `AfterAllowTraffic` with the replacement
/// carrying all the traffic.
pub fn switched_by_targets(targets: &[TargetReport]) -> bool {
    let relevant: Vec<&TargetReport> = targets
        .iter()
        .filter(|t| matches!(t.kind.as_str(), "ECSTarget" | "LambdaTarget"))
        .collect();
    !relevant.is_empty()
        && relevant.iter().all(|t| {
            t.lifecycle_events
                .iter()
                .any(|e| e.name == "AfterAllowTraffic" && e.status.as_deref() == Some("Succeeded"))
        })
}

/// When the original fleet will be terminated: the switch time plus the group's termination wait
/// (`None` when the group keeps the original fleet).
pub fn termination_ends(switched_at: SystemTime, wait_minutes: Option<i32>) -> Option<SystemTime> {
    let minutes = u64::try_from(wait_minutes?).ok()?;
    switched_at.checked_add(Duration::from_secs(minutes * 60))
}

/// `2026-12-04 21:07 UTC`: no time zone database needed for UTC.
pub fn utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// Howard Hinnant's days → (year, month, day) for the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codedeploy::types::{LifecycleEventReport, Overview};

    fn snap(status: DeploymentStatus) -> DeploymentSnapshot {
        DeploymentSnapshot::new("d-1", status)
    }

    #[test]
    fn phases_follow_the_blue_green_lifecycle() {
        assert_eq!(phase(&snap(DeploymentStatus::Created)), Phase::Provisioning);
        let mut s = snap(DeploymentStatus::InProgress);
        s.overview = Some(Overview {
            pending: 2,
            ..Overview::default()
        });
        assert_eq!(phase(&s), Phase::Provisioning, "no target started yet");
        s.overview = Some(Overview {
            pending: 1,
            in_progress: 1,
            ..Overview::default()
        });
        assert_eq!(phase(&s), Phase::Deploying);
        assert_eq!(phase(&snap(DeploymentStatus::Ready)), Phase::Ready);
        s.instance_termination_wait_started = true;
        assert_eq!(phase(&s), Phase::TerminationWait);
        assert!(phase(&s).switched() && phase(&s).can_continue());
        let mut done = snap(DeploymentStatus::Succeeded);
        done.instance_termination_wait_started = true;
        assert_eq!(phase(&done), Phase::Done);
        assert_eq!(phase(&snap(DeploymentStatus::Stopped)), Phase::Done);
        assert!(!Phase::Deploying.can_continue() && !Phase::Deploying.switched());
    }

    #[test]
    fn ecs_switch_is_read_from_the_targets() {
        let target = |status: &str| TargetReport {
            target_id: "svc".into(),
            kind: "ECSTarget".into(),
            lifecycle_events: vec![LifecycleEventReport {
                name: "AfterAllowTraffic".into(),
                status: Some(status.into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(switched_by_targets(&[target("Succeeded")]));
        assert!(!switched_by_targets(&[target("Pending")]));
        assert!(!switched_by_targets(&[]));
        let mut ec2 = target("Succeeded");
        ec2.kind = "InstanceTarget".into();
        assert!(
            !switched_by_targets(&[ec2]),
            "EC2 says so in the deployment"
        );
    }

    #[test]
    fn termination_end_and_utc_clock() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_418_000); // 2026-12-04 21:00
        assert_eq!(utc(t), "2026-12-04 21:00 UTC");
        let end = termination_ends(t, Some(60)).unwrap();
        assert_eq!(utc(end), "2026-12-04 22:00 UTC");
        assert_eq!(termination_ends(t, None), None);
        assert_eq!(utc(SystemTime::UNIX_EPOCH), "1970-01-01 00:00 UTC");
    }
}
