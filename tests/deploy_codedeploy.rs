//! The real aws-sdk-codedeploy client, through shipgate's adapter and follow loop, against the
//! simulated CodeDeploy in `tests/codedeploy_sim/`.

mod codedeploy_sim;

use codedeploy_sim::{End, GroupSpec, Plan, Sim};
use shipgate::codedeploy::{deployment_description, FileExistsBehavior};
use shipgate::deploy::follow::{EndState, FollowOptions};
use shipgate::deploy::{
    follow, wait_for_active, CodeDeployError, CreateRequest, DeploymentStatus, Revision,
};
use shipgate::model::{CommitSha, RepoName};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const APP: &str = "shop";
const GROUP: &str = "shop-production";

fn sha() -> CommitSha {
    CommitSha("4c0ffee4c0ffee4c0ffee4c0ffee4c0ffee4c0ff".into())
}

fn request(auto_rollback: Option<bool>) -> CreateRequest {
    CreateRequest {
        application: APP.into(),
        group: GROUP.into(),
        revision: Revision::parse(
            "s3://shop-artifacts/shop/4c0ffee.zip?versionId=v1",
            None,
            &sha(),
        )
        .expect("valid revision"),
        deployment_config: None,
        description: deployment_description(&sha(), "production run 7"),
        file_exists_behavior: Some(FileExistsBehavior::Overwrite),
        auto_rollback,
    }
}

async fn sim() -> Sim {
    let sim = Sim::start().await;
    sim.add_group(APP, GROUP, GroupSpec::default());
    sim
}

fn sink(lines: &mut Vec<String>) -> impl FnMut(&str) + Send + '_ {
    move |l: &str| lines.push(l.to_string())
}

#[tokio::test]
async fn successful_blue_green_deployment_is_followed_to_the_end() {
    let sim = sim().await;
    let cd = sim.client().await;
    let group = cd.blue_green_group(APP, GROUP).await.expect("group");
    assert!(group.is_blue_green());
    assert!(group.auto_rollback_enabled);
    assert_eq!(group.termination_wait_minutes, Some(5));

    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    let mut lines = Vec::new();
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_secs(10), true),
        &CancellationToken::new(),
        &mut sink(&mut lines),
    )
    .await
    .expect("followed");

    assert_eq!(out.status, EndState::Succeeded);
    assert_eq!(out.final_status, DeploymentStatus::Succeeded);
    assert!(!out.rolled_back);
    assert!(out.failure.is_none());
    let text = lines.join("\n");
    assert!(text.contains("status Created"), "{text}");
    assert!(text.contains("status InProgress"), "{text}");
    assert!(text.contains("status Succeeded"), "{text}");
    assert!(text.contains("termination wait started"), "{text}");
    // One line per change: the second InProgress poll changed nothing and printed nothing.
    let in_progress = lines
        .iter()
        .filter(|l| l.contains("status InProgress"))
        .count();
    assert_eq!(in_progress, 1, "{text}");
    assert!(out.timeline.iter().any(|t| t.what.contains("Succeeded")));
    // Lifecycle events of the targets are printed while it runs.
    assert!(
        text.contains("i-0aaa1111bbbb2222c: ApplicationStop Succeeded"),
        "{text}"
    );

    // The request is what the SDK sent, in the model's shape.
    let created = sim.calls("CreateDeployment");
    let body = &created[0];
    assert_eq!(body["revision"]["revisionType"], "S3");
    assert_eq!(body["revision"]["s3Location"]["bundleType"], "zip");
    assert_eq!(body["revision"]["s3Location"]["version"], "v1");
    assert_eq!(body["fileExistsBehavior"], "OVERWRITE");
    assert_eq!(body["autoRollbackConfiguration"]["enabled"], true);
    assert_eq!(
        body["autoRollbackConfiguration"]["events"],
        serde_json::json!(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"])
    );
    assert!(body.get("deploymentConfigName").is_none());
    assert_eq!(sim.problems(), Vec::<String>::new());

    // The group now remembers it.
    let group = cd.deployment_group(APP, GROUP).await.expect("group");
    assert_eq!(group.last_successful.map(|l| l.id), Some(id.clone()));
    assert!(matches!(group.target_revision, Some(Revision::S3 { .. })));
}

#[tokio::test]
async fn failure_names_the_lifecycle_event_and_follows_the_rollback() {
    let sim = sim().await;
    sim.plan(Plan::new(1, End::fail_after_install()));
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    let mut lines = Vec::new();
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_secs(10), true),
        &CancellationToken::new(),
        &mut sink(&mut lines),
    )
    .await
    .expect("followed");

    assert_eq!(out.status, EndState::Failed);
    let failure = out.failure.clone().expect("failure detail");
    assert_eq!(failure.lifecycle_event.as_deref(), Some("AfterInstall"));
    assert_eq!(failure.script_error_code.as_deref(), Some("ScriptFailed"));
    assert_eq!(
        failure.script_name.as_deref(),
        Some("scripts/after_install.sh")
    );
    assert_eq!(failure.target_id.as_deref(), Some("i-0aaa1111bbbb2222c"));
    assert_eq!(failure.error_code.as_deref(), Some("HEALTH_CONSTRAINTS"));
    assert!(failure
        .log_tail
        .unwrap_or_default()
        .contains("relation \"orders\""));
    let text = lines.join("\n");
    assert!(
        text.contains("AfterInstall failed on i-0aaa1111bbbb2222c: ScriptFailed"),
        "{text}"
    );

    assert!(out.rolled_back);
    let rb = out.rollback_deployment_id.clone().expect("rollback id");
    assert_ne!(rb, id);
    assert_eq!(out.rollback_status, Some(DeploymentStatus::Succeeded));
    assert!(
        text.contains(&format!("rollback deployment {rb} started")),
        "{text}"
    );

    let ops = sim.ops();
    let tail: Vec<&str> = ops
        .iter()
        .map(String::as_str)
        .skip_while(|o| *o != "ListDeploymentTargets")
        .collect();
    assert_eq!(tail.first(), Some(&"ListDeploymentTargets"));
    assert_eq!(tail.get(1), Some(&"BatchGetDeploymentTargets"));
    assert!(!ops.iter().any(|o| o == "StopDeployment"), "{ops:?}");
    assert_eq!(sim.problems(), Vec::<String>::new());
}

#[tokio::test]
async fn rollback_info_that_appears_late_is_still_found() {
    let sim = sim().await;
    let mut plan = Plan::new(1, End::fail_after_install());
    plan.rollback_info_lag = 2;
    sim.plan(plan);
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_secs(10), true),
        &CancellationToken::new(),
        &mut |_: &str| {},
    )
    .await
    .expect("followed");
    assert!(out.rolled_back, "{out:?}");
    assert!(out.rollback_deployment_id.is_some());
}

#[tokio::test]
async fn timeout_stops_the_deployment_with_rollback() {
    let sim = sim().await;
    sim.plan(Plan::new(0, End::Hang));
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    let mut lines = Vec::new();
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_millis(60), true),
        &CancellationToken::new(),
        &mut sink(&mut lines),
    )
    .await
    .expect("followed");

    assert_eq!(out.status, EndState::TimedOut);
    assert_eq!(out.final_status, DeploymentStatus::Stopped);
    assert!(out.rolled_back);
    assert!(out.rollback_deployment_id.is_some());
    let stops = sim.calls("StopDeployment");
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0]["deploymentId"], id.as_str());
    assert_eq!(stops[0]["autoRollbackEnabled"], true);
    assert!(lines
        .iter()
        .any(|l| l.contains("timed out: stopping deployment")));
    assert_eq!(sim.problems(), Vec::<String>::new());
}

#[tokio::test]
async fn cancellation_stops_the_deployment_with_rollback() {
    let sim = sim().await;
    sim.plan(Plan::new(0, End::Hang));
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    let token = CancellationToken::new();
    let canceller = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        canceller.cancel();
    });
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_secs(30), true),
        &token,
        &mut |_: &str| {},
    )
    .await
    .expect("followed");
    assert_eq!(out.status, EndState::Cancelled);
    assert!(out.rolled_back);
    assert_eq!(sim.calls("StopDeployment")[0]["autoRollbackEnabled"], true);
    assert_eq!(sim.status(&id).as_deref(), Some("Stopped"));
}

#[tokio::test]
async fn timeout_without_auto_rollback_stops_without_rollback() {
    let sim = sim().await;
    sim.plan(Plan::new(0, End::Hang));
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(false)))
        .await
        .expect("created");
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_millis(40), false),
        &CancellationToken::new(),
        &mut |_: &str| {},
    )
    .await
    .expect("followed");
    assert_eq!(out.status, EndState::TimedOut);
    assert!(!out.rolled_back);
    assert_eq!(sim.calls("StopDeployment")[0]["autoRollbackEnabled"], false);
    assert_eq!(
        sim.calls("CreateDeployment")[0]["autoRollbackConfiguration"],
        serde_json::json!({"enabled": false})
    );
}

#[tokio::test]
async fn busy_group_yields_the_active_deployment_id_and_can_be_waited_for() {
    let sim = sim().await;
    let other = sim.seed_deployment(APP, GROUP, "deployed by hand", Plan::new(2, End::Succeed));
    let cd = sim.client().await;
    let err = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect_err("busy");
    assert_eq!(
        err,
        CodeDeployError::ActiveDeployment {
            group: GROUP.into(),
            id: Some(other.clone())
        }
    );
    assert!(err.to_string().contains(&other));

    let done = wait_for_active(
        &cd,
        &other,
        &FollowOptions::fast(Duration::from_secs(10), true),
        &CancellationToken::new(),
        &mut |_: &str| {},
    )
    .await
    .expect("waited");
    assert_eq!(done.status, DeploymentStatus::Succeeded);
    // Waiting never stops someone else's deployment.
    assert!(sim.calls("StopDeployment").is_empty());
    cd.create_deployment(&request(Some(true)))
        .await
        .expect("free now");
}

#[tokio::test]
async fn waiting_for_a_deployment_that_never_ends_times_out_without_stopping_it() {
    let sim = sim().await;
    let other = sim.seed_deployment(APP, GROUP, "stuck", Plan::new(0, End::Hang));
    let cd = sim.client().await;
    let err = wait_for_active(
        &cd,
        &other,
        &FollowOptions::fast(Duration::from_millis(30), true),
        &CancellationToken::new(),
        &mut |_: &str| {},
    )
    .await
    .expect_err("times out");
    assert!(err.to_string().contains(&other), "{err}");
    assert!(sim.calls("StopDeployment").is_empty());
}

#[tokio::test]
async fn throttling_is_retried_with_backoff() {
    let sim = sim().await;
    sim.throttle("CreateDeployment", 2);
    sim.throttle("GetDeployment", 3);
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(None))
        .await
        .expect("created after throttling");
    let snap = cd.deployment(&id).await.expect("read after throttling");
    assert_eq!(snap.status, DeploymentStatus::Created);
    let ops = sim.ops();
    assert_eq!(
        ops,
        vec![
            "CreateDeployment!",
            "CreateDeployment!",
            "CreateDeployment",
            "GetDeployment!",
            "GetDeployment!",
            "GetDeployment!",
            "GetDeployment",
        ]
    );
    // Only one deployment exists: a throttled create is safe to repeat.
    assert_eq!(sim.deployment_ids().len(), 1);
}

#[tokio::test]
async fn throttling_that_never_ends_is_a_typed_error() {
    let sim = sim().await;
    sim.throttle("GetDeploymentGroup", 100);
    let cd = sim.client().await;
    let err = cd
        .deployment_group(APP, GROUP)
        .await
        .expect_err("throttled");
    assert!(
        matches!(
            err,
            CodeDeployError::Throttled {
                op: "GetDeploymentGroup",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn missing_application_group_and_in_place_group_are_typed_errors() {
    let sim = sim().await;
    sim.add_group(
        APP,
        "shop-inplace",
        GroupSpec {
            blue_green: false,
            ..GroupSpec::default()
        },
    );
    let cd = sim.client().await;
    assert_eq!(
        cd.deployment_group("nope", GROUP)
            .await
            .expect_err("no app"),
        CodeDeployError::ApplicationNotFound("nope".into())
    );
    assert_eq!(
        cd.blue_green_group(APP, "nope")
            .await
            .expect_err("no group"),
        CodeDeployError::GroupNotFound {
            application: APP.into(),
            group: "nope".into()
        }
    );
    let err = cd
        .blue_green_group(APP, "shop-inplace")
        .await
        .expect_err("in place");
    assert_eq!(
        err,
        CodeDeployError::NotBlueGreen {
            group: "shop-inplace".into(),
            kind: "IN_PLACE".into()
        }
    );
    // Nothing was created on any refusal.
    assert!(!sim.ops().iter().any(|o| o.starts_with("CreateDeployment")));
}

#[tokio::test]
async fn a_rerun_finds_the_deployment_it_already_started() {
    let sim = sim().await;
    sim.set_list_page_size(1); // force pagination
    sim.seed_deployment(
        APP,
        GROUP,
        "shipgate 1111111111111111111111111111111111111111 old",
        Plan::new(0, End::Succeed),
    );
    let cd = sim.client().await;
    let first = cd.deployment(&sim.deployment_ids()[0]).await.expect("poll");
    let _ = cd.deployment(&first.id).await; // let it finish
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");

    let found = cd
        .find_deployment_for_commit(APP, GROUP, &sha(), &DeploymentStatus::active())
        .await
        .expect("listed")
        .expect("found");
    assert_eq!(found.id, id);
    let none = cd
        .find_deployment_for_commit(APP, GROUP, &CommitSha("2".repeat(40)), &[])
        .await
        .expect("listed");
    assert!(none.is_none());
    let list_calls = sim.calls("ListDeployments");
    assert!(
        list_calls.iter().any(|c| c.get("nextToken").is_some()),
        "paginated: {list_calls:?}"
    );
    assert_eq!(sim.problems(), Vec::<String>::new());
}

#[tokio::test]
async fn ecs_targets_report_task_set_traffic() {
    let sim = Sim::start().await;
    sim.add_group(
        APP,
        GROUP,
        GroupSpec {
            platform: "ECS".into(),
            ..GroupSpec::default()
        },
    );
    let cd = sim.client().await;
    let group = cd.blue_green_group(APP, GROUP).await.expect("group");
    assert_eq!(group.compute_platform.as_deref(), Some("ECS"));
    let id = cd.create_deployment(&request(None)).await.expect("created");
    let mut lines = Vec::new();
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_secs(10), true),
        &CancellationToken::new(),
        &mut sink(&mut lines),
    )
    .await
    .expect("followed");
    assert!(out.succeeded());
    assert!(
        lines
            .iter()
            .any(|l| l.contains("traffic Blue 100%, Green 0%")),
        "{lines:?}"
    );
    let targets = cd.targets(&id).await.expect("targets");
    assert_eq!(targets[0].kind, "ECSTarget");
    assert!(targets[0].traffic.contains(&("Green".to_string(), 100.0)));
    assert_eq!(sim.problems(), Vec::<String>::new());
}

#[tokio::test]
async fn github_revision_is_sent_as_a_github_location() {
    let sim = sim().await;
    let cd = sim.client().await;
    let repo = RepoName::parse("octo/shop").expect("repo");
    let mut req = request(None);
    req.revision = Revision::parse("github", Some(&repo), &sha()).expect("rev");
    req.deployment_config = Some("CodeDeployDefault.OneAtATime".into());
    cd.create_deployment(&req).await.expect("created");
    let body = &sim.calls("CreateDeployment")[0];
    assert_eq!(body["revision"]["revisionType"], "GitHub");
    assert_eq!(
        body["revision"]["gitHubLocation"]["repository"],
        "octo/shop"
    );
    assert_eq!(
        body["revision"]["gitHubLocation"]["commitId"],
        sha().0.as_str()
    );
    assert_eq!(body["deploymentConfigName"], "CodeDeployDefault.OneAtATime");
    assert!(body.get("autoRollbackConfiguration").is_none());
    assert_eq!(sim.problems(), Vec::<String>::new());
}

#[tokio::test]
async fn stopping_a_finished_deployment_is_a_typed_error() {
    let sim = sim().await;
    sim.plan(Plan::new(0, End::Succeed));
    let cd = sim.client().await;
    let id = cd.create_deployment(&request(None)).await.expect("created");
    while !cd.deployment(&id).await.expect("poll").status.is_terminal() {}
    assert_eq!(
        cd.stop_deployment(&id, true).await.expect_err("done"),
        CodeDeployError::AlreadyCompleted(id.clone())
    );
    assert_eq!(
        cd.deployment("d-NOPE00000").await.expect_err("missing"),
        CodeDeployError::DeploymentNotFound("d-NOPE00000".into())
    );
}

#[tokio::test]
async fn attaching_to_a_finished_deployment_reports_it_without_stopping() {
    let sim = sim().await;
    sim.plan(Plan::new(0, End::fail_after_install()));
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    while !cd.deployment(&id).await.expect("poll").status.is_terminal() {}
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_secs(5), true),
        &CancellationToken::new(),
        &mut |_: &str| {},
    )
    .await
    .expect("followed");
    assert_eq!(out.status, EndState::Failed);
    assert_eq!(
        out.failure.and_then(|f| f.lifecycle_event).as_deref(),
        Some("AfterInstall")
    );
    assert!(sim.calls("StopDeployment").is_empty());
}

#[tokio::test]
async fn long_throttling_while_polling_does_not_abandon_the_deployment() {
    let sim = sim().await;
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    // More throttled answers than one call's retry budget (5 attempts).
    sim.throttle("GetDeployment", 7);
    let mut lines = Vec::new();
    let out = follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_secs(10), true),
        &CancellationToken::new(),
        &mut sink(&mut lines),
    )
    .await
    .expect("followed");
    assert!(out.succeeded(), "{lines:?}");
    assert_eq!(
        lines.iter().filter(|l| l.contains("still waiting")).count(),
        1,
        "{lines:?}"
    );
}

#[tokio::test]
async fn script_output_in_diagnostics_cannot_issue_workflow_commands() {
    let sim = sim().await;
    sim.plan(Plan::new(
        0,
        End::Fail {
            event: "ValidateService".into(),
            error_code: "ScriptFailed".into(),
            script: "scripts/validate.sh".into(),
            message: "failed\n::error::injected".into(),
            log_tail: "[stdout]::add-mask::hunter2\n[stdout]  ::stop-commands::x\n::set-output name=a::b\n".into(),
        },
    ));
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    let mut lines = Vec::new();
    follow(
        &cd,
        &id,
        &FollowOptions::fast(Duration::from_secs(10), true),
        &CancellationToken::new(),
        &mut sink(&mut lines),
    )
    .await
    .expect("followed");
    assert!(lines.iter().any(|l| l.contains("set-output")), "{lines:?}");
    for l in &lines {
        let t = l.trim_start();
        assert!(!t.starts_with("::") && !t.starts_with("##["), "{l:?}");
        assert!(!l.contains('\n'), "{l:?}");
    }
}

// ---- Blue/Green phases (issue 13) ----

#[tokio::test]
async fn a_cancel_after_the_switch_leaves_the_release_serving() {
    use shipgate::deploy::phase::Phase;
    let sim = sim().await;
    sim.plan(Plan::new(1, End::Succeed).with_termination_wait(u32::MAX));
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    let token = CancellationToken::new();
    let canceller = token.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The job is cancelled the moment the switch is seen: no timing involved.
    tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            if p == Phase::TerminationWait {
                canceller.cancel();
            }
        }
    });
    let mut opts = FollowOptions::fast(Duration::from_secs(30), true);
    opts.wait_for_termination = true;
    opts.termination_wait_minutes = Some(5);
    opts.phase_updates = Some(tx);
    let mut lines = Vec::new();
    let out = follow(&cd, &id, &opts, &token, &mut sink(&mut lines))
        .await
        .expect("followed");
    assert_eq!(out.status, EndState::Released, "{lines:?}");
    assert!(out.succeeded());
    assert!(out.switched_at.is_some() && out.termination_ends.is_some());
    assert!(out
        .note
        .as_deref()
        .is_some_and(|n| n.contains("cancelled after the traffic switch")));
    assert!(sim.calls("StopDeployment").is_empty());
    assert_eq!(sim.status(&id).as_deref(), Some("InProgress"));
    assert_eq!(sim.problems(), Vec::<String>::new());
}

#[tokio::test]
async fn a_manual_switch_group_ends_at_ready_and_a_rollback_there_keeps_the_original_fleet() {
    use shipgate::deploy::follow::reroute_back;
    use shipgate::deploy::phase::{phase, Phase};
    let sim = Sim::start().await;
    sim.add_group(
        APP,
        GROUP,
        GroupSpec {
            manual_switch: true,
            ready_wait_minutes: 30,
            ..GroupSpec::default()
        },
    );
    let cd = sim.client().await;
    let group = cd.blue_green_group(APP, GROUP).await.expect("group");
    assert!(group.manual_switch());
    assert_eq!(group.ready_wait_minutes, Some(30));
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    let mut opts = FollowOptions::fast(Duration::from_secs(30), true);
    opts.end_at_ready = group.manual_switch();
    let out = follow(
        &cd,
        &id,
        &opts,
        &CancellationToken::new(),
        &mut |_: &str| {},
    )
    .await
    .expect("followed");
    assert_eq!(out.status, EndState::Ready);
    assert_eq!(out.status.as_str(), "ready");
    assert_eq!(out.phase, Phase::Ready);
    assert_eq!(sim.status(&id).as_deref(), Some("Ready"));

    let before = cd.deployment(&id).await.expect("read");
    assert_eq!(phase(&before), Phase::Ready);
    let mut lines = Vec::new();
    let back = reroute_back(&cd, &before, &opts, &mut sink(&mut lines)).await;
    assert!(back.rerouted_back && back.rolled_back, "{lines:?}");
    assert_eq!(back.status, EndState::Stopped);
    assert!(back.rollback_deployment_id.is_none());
    assert!(lines
        .iter()
        .any(|l| l.contains("the original fleet kept the traffic throughout")));
    assert_eq!(sim.calls("StopDeployment")[0]["autoRollbackEnabled"], true);
    assert_eq!(sim.deployment_ids().len(), 1, "no rollback deployment");
    assert_eq!(sim.problems(), Vec::<String>::new());
}

#[tokio::test]
async fn continue_deployment_is_sent_as_the_model_says() {
    use shipgate::codedeploy::WaitType;
    let sim = Sim::start().await;
    sim.add_group(
        APP,
        GROUP,
        GroupSpec {
            manual_switch: true,
            ..GroupSpec::default()
        },
    );
    sim.plan(Plan::new(0, End::Succeed).with_termination_wait(u32::MAX));
    let cd = sim.client().await;
    let id = cd
        .create_deployment(&request(Some(true)))
        .await
        .expect("created");
    // Not Ready yet: CodeDeploy refuses, and the adapter passes the reason on.
    let early = cd.continue_deployment(&id, WaitType::Ready).await;
    assert_eq!(
        early.as_ref().err().and_then(|e| e.code()),
        Some("DeploymentIsNotInReadyStateException"),
        "{early:?}"
    );
    for _ in 0..3 {
        cd.deployment(&id).await.expect("poll");
    }
    assert_eq!(sim.status(&id).as_deref(), Some("Ready"));
    cd.continue_deployment(&id, WaitType::Ready)
        .await
        .expect("continued");
    assert!(
        cd.deployment(&id)
            .await
            .expect("poll")
            .instance_termination_wait_started
    );
    cd.continue_deployment(&id, WaitType::Termination)
        .await
        .expect("termination wait ended");
    assert_eq!(
        cd.deployment(&id).await.expect("poll").status,
        DeploymentStatus::Succeeded
    );
    let calls = sim.calls("ContinueDeployment");
    assert_eq!(calls[2]["deploymentWaitType"], "TERMINATION_WAIT");
    assert_eq!(sim.problems(), Vec::<String>::new());
}
