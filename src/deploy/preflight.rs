//! Sense checks printed before a Blue/Green deployment starts: what the group will do at each
//! phase, and a warning when `timeout-minutes` cannot cover the phases before the traffic switch
//! (shipgate would stop the deployment with rollback, and the user should hear that first, not
//! find a silent rollback).

use crate::codedeploy::types::GroupInfo;
use std::time::Duration;

/// One line of the pre-flight report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Printed as a runner warning.
    pub warning: bool,
    pub text: String,
}

impl Check {
    fn info(text: String) -> Check {
        Check {
            warning: false,
            text,
        }
    }

    fn warn(text: String) -> Check {
        Check {
            warning: true,
            text,
        }
    }
}

fn minutes(d: Duration) -> String {
    // As the input was written: `20`, `7.5`, `0.005`.
    let m = format!("{:.3}", d.as_secs_f64() / 60.0);
    m.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The checks for deploying into `group` with this timeout and `wait-for-termination`.
/// `deployment_config` is the input override, if any.
pub fn checks(
    group: &GroupInfo,
    deployment_config: Option<&str>,
    timeout: Duration,
    wait_for_termination: bool,
) -> Vec<Check> {
    let mut out = Vec::new();
    let config = deployment_config
        .or(group.deployment_config.as_deref())
        .unwrap_or("the group's default");
    out.push(Check::info(format!(
        "deployment group {}: Blue/Green, deployment configuration {config}",
        group.name
    )));
    let ready_wait = group.ready_wait_minutes.unwrap_or(0).max(0);
    if group.manual_switch() {
        out.push(Check::info(format!(
            "traffic switch: manual. The replacement fleet waits in Ready for up to {ready_wait} min (then CodeDeploy stops the deployment); this run ends at Ready, and `command: continue` switches the traffic"
        )));
        if ready_wait == 0 {
            out.push(Check::warn(
                "the group's ready wait is 0 minutes: CodeDeploy may stop the deployment before anyone can continue it".into(),
            ));
        }
    } else if ready_wait > 0 {
        out.push(Check::info(format!(
            "traffic switch: automatic, after a ready wait of {ready_wait} min"
        )));
        if timeout.as_secs() <= u64::from(ready_wait.unsigned_abs()) * 60 {
            out.push(Check::warn(format!(
                "timeout-minutes ({}) is not longer than the group's ready wait ({ready_wait} min) before the traffic switch: shipgate would stop the deployment with rollback before it could switch. Raise timeout-minutes above {ready_wait} plus the install time.",
                minutes(timeout)
            )));
        }
    } else {
        out.push(Check::info(
            "traffic switch: automatic, as soon as the replacement fleet is installed".into(),
        ));
    }
    match group.termination_wait_minutes {
        Some(wait) => {
            out.push(Check::info(format!(
                "original fleet: terminated {wait} min after the switch. shipgate reports the release at the switch{}; its timeout never stops a deployment after the switch",
                if wait_for_termination {
                    " and keeps following until the original fleet is gone (wait-for-termination)"
                } else {
                    ""
                }
            )));
            if wait_for_termination && timeout.as_secs() < u64::from(wait.unsigned_abs()) * 60 {
                out.push(Check::info(format!(
                    "wait-for-termination: the termination wait ({wait} min) is longer than timeout-minutes ({}); shipgate stops following at the timeout and leaves the release in place",
                    minutes(timeout)
                )));
            }
        }
        None => out.push(Check::info(
            "original fleet: kept running after the switch (not terminated by CodeDeploy)".into(),
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> GroupInfo {
        GroupInfo {
            application: "shop".into(),
            name: "shop-production".into(),
            deployment_type: Some("BLUE_GREEN".into()),
            compute_platform: Some("Server".into()),
            deployment_config: Some("CodeDeployDefault.AllAtOnce".into()),
            auto_rollback_enabled: true,
            auto_rollback_events: vec![],
            target_revision: None,
            last_attempted: None,
            last_successful: None,
            termination_wait_minutes: Some(60),
            ready_action: Some("CONTINUE_DEPLOYMENT".into()),
            ready_wait_minutes: Some(0),
        }
    }

    #[test]
    fn names_the_configuration_and_both_waits() {
        let c = checks(&group(), None, Duration::from_secs(600), false);
        let text: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        assert!(text[0].contains("CodeDeployDefault.AllAtOnce"), "{text:?}");
        assert!(text[1].contains("automatic, as soon as"), "{text:?}");
        assert!(text[2].contains("terminated 60 min after the switch"));
        assert!(c.iter().all(|c| !c.warning), "{c:?}");
        let over = checks(
            &group(),
            Some("Custom.Half"),
            Duration::from_secs(600),
            false,
        );
        assert!(over[0].text.contains("Custom.Half"));
    }

    #[test]
    fn warns_when_the_timeout_cannot_reach_an_automatic_switch() {
        let mut g = group();
        g.ready_wait_minutes = Some(30);
        let c = checks(&g, None, Duration::from_secs(20 * 60), false);
        let w: Vec<&Check> = c.iter().filter(|c| c.warning).collect();
        assert_eq!(w.len(), 1, "{c:?}");
        assert!(w[0].text.contains("timeout-minutes (20)"), "{}", w[0].text);
        assert_eq!(minutes(Duration::from_secs(450)), "7.5");
        assert_eq!(minutes(Duration::from_millis(300)), "0.005");
        assert!(checks(&g, None, Duration::from_secs(45 * 60), false)
            .iter()
            .all(|c| !c.warning));
    }

    #[test]
    fn a_manual_switch_ends_at_ready_without_a_timeout_warning() {
        let mut g = group();
        g.ready_action = Some("STOP_DEPLOYMENT".into());
        g.ready_wait_minutes = Some(120);
        let c = checks(&g, None, Duration::from_secs(60), false);
        assert!(c[1].text.contains("manual") && c[1].text.contains("120 min"));
        assert!(c.iter().all(|c| !c.warning), "{c:?}");
        g.termination_wait_minutes = None;
        let kept = checks(&g, None, Duration::from_secs(60), true);
        assert!(kept.last().unwrap().text.contains("kept running"));
    }
}
