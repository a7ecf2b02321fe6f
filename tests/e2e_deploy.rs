//! The deploy end to end: the built binary run as the runner runs it, against the simulated
//! GitHub, the simulated CodeDeploy (through the real AWS SDK) and a simulated Slack.

mod codedeploy_sim;
mod deploy_world;
mod support;

use codedeploy_sim::{End, GroupSpec, Plan};
use deploy_world::{ok_slack, run_blocking, World, SHA, WEBHOOK_PATH};
use serde_json::{json, Value};
use support::github::{fixture, PrSpec};
use support::runner::ActionRun;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn merged_pr_ships_and_succeeds() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/models/user.rb", "modified")], Some("success"));
    let done = run_blocking(&w.run().input("slack-notify", "always"));
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    let id = done.output("deployment-id").unwrap();
    assert!(id.starts_with("d-"), "{id}");
    assert_eq!(
        done.output("deployment-status").as_deref(),
        Some("succeeded")
    );
    assert_eq!(done.output("rolled-back").as_deref(), Some("false"));
    assert_eq!(done.output("pull-requests").as_deref(), Some("[42]"));
    assert_eq!(
        done.output("revision").as_deref(),
        Some("s3://shop-artifacts/shop/build.zip?versionId=v7")
    );

    // CodeDeploy: group checked, then one deployment with the overrides, followed to the end.
    let ops = w.cd.ops();
    assert_eq!(ops[0], "GetDeploymentGroup");
    assert_eq!(ops.iter().filter(|o| *o == "CreateDeployment").count(), 1);
    assert!(ops.iter().filter(|o| *o == "GetDeployment").count() >= 2);
    let create = &w.cd.calls("CreateDeployment")[0];
    assert_eq!(create["autoRollbackConfiguration"]["enabled"], true);
    assert_eq!(
        create["autoRollbackConfiguration"]["events"],
        json!(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"])
    );
    assert_eq!(create["fileExistsBehavior"], "DISALLOW");
    assert_eq!(create["revision"]["s3Location"]["version"], "v7");
    assert_eq!(create["revision"]["s3Location"]["bundleType"], "zip");
    let desc = create["description"].as_str().unwrap();
    assert!(
        desc.starts_with(&format!("shipgate {SHA} PR #42")),
        "{desc}"
    );
    assert!(w.cd.problems().is_empty(), "{:?}", w.cd.problems());

    // GitHub: one Deployment, in_progress then success; one PR comment, updated in place.
    let deployments = w.gh.state.lock().unwrap().deployments.clone();
    assert_eq!(deployments.len(), 1);
    assert_eq!(deployments[0]["environment"], "production");
    assert_eq!(
        w.deployment_states(),
        vec!["in_progress", "in_progress", "in_progress", "success"]
    );
    let statuses = w.gh.state.lock().unwrap().deployment_statuses.clone();
    // The phase shows in the Deployment status as it happens.
    assert!(
        statuses[2].1["description"]
            .as_str()
            .unwrap_or("")
            .contains("deploying to the replacement fleet"),
        "{:?}",
        statuses[2].1
    );
    assert_eq!(
        statuses[3].1["log_url"],
        "https://github.com/octo-org/shop/actions/runs/4242"
    );
    assert_eq!(statuses[3].1["environment_url"], "https://shop.example.com");
    assert_eq!(statuses[3].1["auto_inactive"], true);
    let comments = w.gh.comments(42);
    assert_eq!(comments.len(), 1);
    assert!(comments[0]["body"]
        .as_str()
        .unwrap()
        .contains("✅ Deployed to production"));
    assert!(done.summary.contains("✅ Deployed to production"));
    assert!(done.summary.contains(&id));
    assert!(done.stdout().contains("::group::CodeDeploy"));
    let slack = w.slack_bodies().await;
    assert_eq!(slack.len(), 1, "a webhook gets one message, at the end");
    assert!(slack[0].to_string().contains("Deployed to production"));
    // The call budget of a one-PR deploy, recorded in docs/performance.md.
    let gh_calls: Vec<String> =
        w.gh.requests()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r.method,
                    r.path.trim_start_matches("/repos/octo-org/shop/")
                )
            })
            .collect();
    assert_eq!(
        gh_calls,
        vec![
            format!("GET commits/{SHA}/pulls"),
            "GET commits/00000000000000000000000000000000000042aa/check-runs".into(),
            "GET pulls/42/files".into(),
            // An open issue labelled shipgate:freeze would hold the merge.
            "GET issues".into(),
            "GET deployments".into(),
            "POST deployments".into(),
            "POST deployments/1001/statuses".into(),
            "GET issues/42/comments".into(),
            "POST issues/42/comments".into(),
            "POST deployments/1001/statuses".into(),
            "POST deployments/1001/statuses".into(),
            "POST deployments/1001/statuses".into(),
            "GET issues/42/comments".into(),
            "PATCH issues/comments/1003".into(),
        ]
    );
    assert_eq!(
        &ops[..3],
        &["GetDeploymentGroup", "ListDeployments", "CreateDeployment"]
    );
    w.gh.assert_writes_match_schemas();
    w.no_secrets(&done);
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_deployment_is_rolled_back_reported_and_told_to_slack() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .and(path(WEBHOOK_PATH))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/models/user.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(2, End::fail_after_install()));
    let done = run_blocking(&w.run());
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert_eq!(done.output("rolled-back").as_deref(), Some("true"));
    assert_eq!(done.output("deployment-status").as_deref(), Some("failed"));
    let out = done.stdout();
    assert!(out.contains("AfterInstall"), "{out}");
    assert!(done.summary.contains("failed and was rolled back"));
    assert!(done.summary.contains("ScriptFailed"));
    assert!(done.summary.contains("<summary>Log tail</summary>"));
    assert!(done.summary.contains("relation \"orders\" does not exist"));
    let comment = w.gh.comments(42)[0]["body"].as_str().unwrap().to_string();
    assert!(
        !comment.contains("Log tail"),
        "log tails stay out of PR comments"
    );
    w.gh.assert_writes_match_schemas();
    assert!(done
        .summary
        .contains("**Rollback:** rollback deployment d-"));
    assert_eq!(
        w.deployment_states().last().map(String::as_str),
        Some("failure")
    );

    let slack = w.slack_bodies().await;
    assert_eq!(slack.len(), 1, "one message on failure");
    let text = slack[0].to_string();
    assert!(text.contains("rolled back"), "{text}");
    assert!(text.contains("AfterInstall"), "{text}");
    assert!(
        !text.contains("<!channel>"),
        "PR titles cannot mention: {text}"
    );
    w.no_secrets(&done);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_gate_is_refused_before_any_aws_call() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/models/user.rb", "modified")], None);
    let done = run_blocking(&w.run());
    assert_eq!(done.code(), 1);
    assert!(
        done.stdout().contains("never ran on PR #42"),
        "{}",
        done.stdout()
    );
    assert!(w.cd.ops().is_empty(), "no AWS call: {:?}", w.cd.ops());
    assert!(w.gh.state.lock().unwrap().deployments.is_empty());
    assert_eq!(done.output("deployment-status").as_deref(), Some("refused"));
    let comments = w.gh.comments(42);
    assert_eq!(comments.len(), 1);
    assert!(comments[0]["body"].as_str().unwrap().contains("refused"));
    assert_eq!(
        w.slack_bodies().await.len(),
        1,
        "a refusal is a failure to report"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_gate_hold_label_and_mixed_release_are_refused() {
    for case in ["failed-gate", "hold", "mixed"] {
        let w = World::new().await;
        let files: &[(&str, &str)] = if case == "mixed" {
            &[("db/migrate/1_a.rb", "added"), ("app/a.rb", "modified")]
        } else {
            &[("app/a.rb", "modified")]
        };
        let gate = if case == "failed-gate" {
            "failure"
        } else {
            "success"
        };
        let mut spec = w.merged_pr(files, Some(gate));
        if case == "hold" {
            spec.labels = vec!["shipgate:hold".into()];
            w.gh.add_pr(&spec);
        }
        let done = run_blocking(&w.run().input("slack-notify", "never"));
        assert_eq!(done.code(), 1, "{case}: {}", done.stdout());
        let expected = match case {
            "failed-gate" => "concluded `failure`",
            "hold" => "hold label `shipgate:hold`",
            _ => "together with application code",
        };
        assert!(
            done.stdout().contains(expected),
            "{case}: {}",
            done.stdout()
        );
        assert!(w.cd.ops().is_empty(), "{case}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn active_deployment_is_waited_for() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let other = w.cd.seed_deployment(
        "shop",
        "shop-production",
        "console deploy",
        Plan::new(3, End::Succeed),
    );
    let done = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    assert!(
        done.stdout()
            .contains(&format!("deployment {other} is active")),
        "{}",
        done.stdout()
    );
    assert_eq!(w.cd.status(&other).as_deref(), Some("Succeeded"));
    let creates =
        w.cd.ops()
            .iter()
            .filter(|o| *o == "CreateDeployment")
            .count();
    assert_eq!(creates, 2, "refused once while busy, then started");
    assert_eq!(w.cd.deployment_ids().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn active_deployment_with_fail_policy_exits_1() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let other = w.cd.seed_deployment(
        "shop",
        "shop-production",
        "console deploy",
        Plan::new(50, End::Succeed),
    );
    let done = run_blocking(
        &w.run()
            .input("on-active-deployment", "fail")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 1);
    assert!(done.stdout().contains(&other));
    assert_eq!(
        w.deployment_states().last().map(String::as_str),
        Some("error")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rerun_attaches_to_the_deployment_it_started() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let ours = w.cd.seed_deployment(
        "shop",
        "shop-production",
        &format!("shipgate {SHA} PR #42 run 4241"),
        Plan::new(3, End::Succeed),
    );
    let done = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    assert!(done
        .stdout()
        .contains("following it instead of starting another"));
    assert_eq!(done.output("deployment-id").as_deref(), Some(ours.as_str()));
    assert!(!w.cd.ops().contains(&"CreateDeployment".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_stops_with_rollback() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(0, End::Hang));
    let done = run_blocking(
        &w.run()
            .input("timeout-minutes", "0.005")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert_eq!(
        done.output("deployment-status").as_deref(),
        Some("timed-out")
    );
    let stop = w.cd.calls("StopDeployment");
    assert_eq!(stop.len(), 1);
    assert_eq!(stop[0]["autoRollbackEnabled"], true);
    assert!(done.summary.contains("timed out and was stopped"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_deployment_with_rollback() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(0, End::Hang));
    let run = w.run().input("slack-notify", "never");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_shipgate"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in &run.env {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let pid = child.id() as i32;
    let mut started = false;
    for _ in 0..500 {
        if !w.cd.deployment_ids().is_empty()
            && w.cd.ops().iter().filter(|o| *o == "GetDeployment").count() > 2
        {
            started = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(started, "deployment never started: {:?}", w.cd.ops());
    // SAFETY: sends SIGTERM to the child we spawned.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let out = tokio::task::block_in_place(|| child.wait_with_output()).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stop = w.cd.calls("StopDeployment");
    assert_eq!(stop.len(), 1);
    assert_eq!(stop[0]["autoRollbackEnabled"], true);
    let outputs = std::fs::read_to_string(run.path("output")).unwrap();
    assert!(outputs.contains("cancelled"), "{outputs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_revision_and_bad_group_exit_2_naming_the_input() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let done = run_blocking(&w.run().input("revision", "s3://bucket/artifact.exe"));
    assert_eq!(done.code(), 2);
    assert!(
        done.stderr().contains("input 'revision'"),
        "{}",
        done.stderr()
    );
    assert!(w.gh.requests().is_empty() && w.cd.ops().is_empty());

    let done = run_blocking(&w.run().input("deployment-group", "nope"));
    assert_eq!(done.code(), 2, "{}", done.stderr());
    assert!(
        done.stderr().contains("deployment-group"),
        "{}",
        done.stderr()
    );
    assert!(!w.cd.ops().contains(&"CreateDeployment".to_string()));
    assert!(w.gh.writes().is_empty());

    w.cd.add_group(
        "shop",
        "in-place",
        GroupSpec {
            blue_green: false,
            ..GroupSpec::default()
        },
    );
    let done = run_blocking(&w.run().input("deployment-group", "in-place"));
    assert_eq!(done.code(), 2);
    assert!(
        done.stderr().contains("not a Blue/Green group"),
        "{}",
        done.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_429_is_retried_after_retry_after() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_string("rate_limited"),
        )
        .up_to_n_times(1)
        .mount(&w.slack)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(1, End::fail_after_install()));
    let done = run_blocking(&w.run());
    assert_eq!(done.code(), 1);
    assert_eq!(w.slack_bodies().await.len(), 2, "429, then the retry");
    assert!(!done.stdout().contains("could not notify Slack"));
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_down_does_not_change_the_outcome() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal_error"))
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let done = run_blocking(&w.run().input("slack-notify", "always"));
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    assert!(done
        .stdout()
        .contains("::warning::shipgate could not notify Slack"));
    assert_eq!(
        done.output("deployment-status").as_deref(),
        Some("succeeded")
    );
    w.no_secrets(&done);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_reads_but_writes_nothing() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let done = run_blocking(
        &w.run()
            .input("dry-run", "true")
            .input("slack-notify", "always"),
    );
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    assert!(done
        .stdout()
        .contains("dry-run: would create a GitHub Deployment"));
    assert!(w.gh.writes().is_empty(), "{:?}", w.gh.writes());
    let ops = w.cd.ops();
    assert!(ops.contains(&"GetDeploymentGroup".to_string()));
    assert!(!ops
        .iter()
        .any(|o| o == "CreateDeployment" || o == "StopDeployment"));
    assert!(w.slack_bodies().await.is_empty());
    assert_eq!(done.output("deployment-status").as_deref(), Some("dry-run"));
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_unmerged_pr_deploys_nothing() {
    let w = World::new().await;
    let mut event = fixture("event-pull_request-closed.json");
    event["pull_request"]["merged"] = json!(false);
    let run = ActionRun::new(&w.gh.url(), &w.gh.full_name(), "pull_request", &event)
        .input("command", "deploy");
    let done = run_blocking(&run);
    assert_eq!(done.code(), 0);
    assert!(done.stdout().contains("closed without merging"));
    assert!(w.gh.requests().is_empty() && w.cd.ops().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn direct_push_needs_require_pull_request_false() {
    let w = World::new().await;
    let done = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(done.code(), 1);
    assert!(done
        .stdout()
        .contains("not brought in by a merged pull request"));
    assert!(w.cd.ops().is_empty());
    let done = run_blocking(
        &w.run()
            .input("require-pull-request", "false")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    assert_eq!(done.output("pull-requests").as_deref(), Some("[]"));
}

#[tokio::test(flavor = "multi_thread")]
async fn older_commit_than_last_attempt_is_refused() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let newer = "beef000000000000000000000000000000000002";
    let id = w.cd.seed_deployment(
        "shop",
        "shop-production",
        &format!("shipgate {newer} PR #43"),
        Plan::new(0, End::Succeed),
    );
    let client = w.cd.client().await;
    for _ in 0..10 {
        if client.deployment(&id).await.unwrap().status.is_terminal() {
            break;
        }
    }
    w.gh.state
        .lock()
        .unwrap()
        .compare
        .insert((newer.into(), SHA.into()), "behind".into());
    let done = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert!(
        done.stdout().contains("is older than beef000"),
        "{}",
        done.stdout()
    );
    assert!(!w.cd.ops().contains(&"CreateDeployment".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_redeploys_the_previous_good_revision() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let first = run_blocking(
        &w.run()
            .input("revision", "s3://shop-artifacts/shop/{sha}.zip")
            .input("slack-notify", "never"),
    );
    assert_eq!(first.code(), 0, "{}", first.stdout());
    let newer = "beef000000000000000000000000000000000002";
    // The newer commit descends from the first: the order check must be able to tell.
    w.gh.state
        .lock()
        .unwrap()
        .compare
        .insert((SHA.into(), newer.into()), "ahead".into());
    let second = run_blocking(
        &w.run_for(newer)
            .input("revision", "s3://shop-artifacts/shop/{sha}.zip")
            .input("require-pull-request", "false")
            .input("slack-notify", "never"),
    );
    assert_eq!(second.code(), 0, "{}", second.stdout());
    assert_eq!(
        second.output("revision").unwrap(),
        format!("s3://shop-artifacts/shop/{newer}.zip")
    );
    // What the rollback undoes: one commit pushed straight to main.
    {
        let mut st = w.gh.state.lock().unwrap();
        st.compare
            .insert((SHA.into(), newer.into()), "ahead".into());
        st.compare_commits
            .insert((SHA.into(), newer.into()), vec![newer.into()]);
    }

    let back = run_blocking(
        &w.run_for(newer)
            .input("command", "rollback")
            .input("revision", "")
            .input("slack-notify", "never"),
    );
    assert_eq!(back.code(), 0, "{}\n{}", back.stdout(), back.stderr());
    let creates = w.cd.calls("CreateDeployment");
    assert_eq!(creates.len(), 3);
    assert_eq!(
        creates[2]["revision"]["s3Location"]["key"],
        format!("shop/{SHA}.zip")
    );
    assert!(creates[2]["description"]
        .as_str()
        .unwrap()
        .starts_with(&format!("shipgate {SHA} rollback")));
    assert!(back
        .summary
        .contains(&format!("Rollback to s3://shop-artifacts/shop/{SHA}.zip")));
    assert!(
        back.summary
            .contains("undoes commit beef000 (pushed directly)"),
        "{}",
        back.summary
    );
    assert_eq!(
        back.output("deployment-status").as_deref(),
        Some("succeeded")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_without_history_is_a_configuration_error() {
    let w = World::new().await;
    let done = run_blocking(&w.run().input("command", "rollback").input("revision", ""));
    assert_eq!(done.code(), 2, "{}", done.stderr());
    assert!(
        done.stderr().contains("no earlier successful deployment"),
        "{}",
        done.stderr()
    );
    assert!(!w.cd.ops().contains(&"CreateDeployment".to_string()));
}

/// A first deploy of SHA, then PRs 50 (schema), 51 (schema) and 52 (code) merged after it.
async fn train_world() -> (World, Vec<String>) {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let first = run_blocking(
        &w.run()
            .input("revision", "s3://shop-artifacts/shop/{sha}.zip")
            .input("slack-notify", "never"),
    );
    assert_eq!(first.code(), 0, "{}", first.stdout());
    let merges: Vec<String> = (1..=3)
        .map(|i| format!("{:0>40}", format!("e{i}")))
        .collect();
    for (i, (n, file)) in [
        (50, "db/migrate/2_add_x.rb"),
        (51, "db/migrate/3_add_y.rb"),
        (52, "app/models/x.rb"),
    ]
    .iter()
    .enumerate()
    {
        let mut spec = PrSpec::new(*n, &[(file, "added")]);
        spec.merged = true;
        spec.merge_sha = Some(merges[i].clone());
        w.gh.add_pr(&spec);
        w.gh.state.lock().unwrap().check_runs.push(json!({
            "id": 100 + n, "name": "shipgate", "head_sha": spec.head_sha,
            "status": "completed", "conclusion": "success",
        }));
    }
    let head = merges[2].clone();
    let mut st = w.gh.state.lock().unwrap();
    // f1 and f2 are branch commits of PRs 50 and 52 (merge-commit merges list them too).
    st.commit_pulls.insert("f1".repeat(20), vec![50]);
    st.commit_pulls.insert("f2".repeat(20), vec![52]);
    st.compare
        .insert((SHA.into(), head.clone()), "ahead".into());
    st.compare_commits.insert(
        (SHA.into(), head.clone()),
        vec![
            "f1".repeat(20),
            merges[0].clone(),
            merges[1].clone(),
            "f2".repeat(20),
            merges[2].clone(),
        ],
    );
    drop(st);
    (w, merges)
}

#[tokio::test(flavor = "multi_thread")]
async fn release_train_ships_the_longest_unmixed_prefix() {
    let (w, merges) = train_world().await;
    let done = run_blocking(
        &w.run_for(&merges[2])
            .input("command", "release")
            .input("revision", "s3://shop-artifacts/shop/{sha}.zip")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    assert!(
        done.stdout()
            .contains("release train ships #50, #51 (schema changes)"),
        "{}",
        done.stdout()
    );
    assert!(done
        .stdout()
        .contains("PR #52 waits for the next release: it carries code changes"));
    assert_eq!(done.output("pull-requests").as_deref(), Some("[50,51]"));
    let creates = w.cd.calls("CreateDeployment");
    assert_eq!(creates.len(), 2);
    assert_eq!(
        creates[1]["revision"]["s3Location"]["key"],
        format!("shop/{}.zip", merges[1])
    );
    assert!(done.summary.contains("Left for the next release: PR #52"));
    assert_eq!(w.gh.comments(50).len(), 1);
    assert_eq!(w.gh.comments(52).len(), 0, "PR 52 did not ship");
    w.gh.assert_writes_match_schemas();
}

#[tokio::test(flavor = "multi_thread")]
async fn release_train_with_a_fixed_artifact_cannot_ship_part_of_the_train() {
    let (w, merges) = train_world().await;
    let done = run_blocking(
        &w.run_for(&merges[2])
            .input("command", "release")
            .input("revision", "s3://shop-artifacts/shop/latest.zip")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 1, "{}", done.stdout());
    assert!(done.stdout().contains("names one fixed artifact"));
    assert_eq!(
        w.cd.calls("CreateDeployment").len(),
        1,
        "only the first deploy"
    );
}

fn slack_fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_bot_posts_at_start_and_updates_in_place() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(slack_fixture("chat.postMessage.ok.json")),
        )
        .mount(&w.slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.update"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(slack_fixture("chat.update.ok.json")),
        )
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let done = run_blocking(
        &w.run()
            .env("INPUT_SLACK-WEBHOOK-URL", "")
            .env("SLACK_API_URL", &format!("{}/api", w.slack.uri()))
            .input("slack-bot-token", "xoxb-secret-bot-token")
            .input("slack-channel", "C1H9RESGL")
            .input("slack-notify", "always"),
    );
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    let reqs = w.slack.received_requests().await.unwrap();
    let paths: Vec<&str> = reqs.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        vec![
            "/api/chat.postMessage",
            "/api/chat.update",
            "/api/chat.update"
        ]
    );
    // The phase shows in the message as it happens, then the final state replaces it.
    let phase: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert!(
        phase
            .to_string()
            .contains("deploying to the replacement fleet"),
        "{phase}"
    );
    let update: Value = serde_json::from_slice(&reqs[2].body).unwrap();
    assert_eq!(update["ts"], "1503435956.000247");
    assert_eq!(update["channel"], "C1H9RESGL");
    assert!(update.to_string().contains("Deployed to production"));
    let auth = reqs[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(auth, "Bearer xoxb-secret-bot-token");
    for text in [done.stdout(), done.stderr(), done.summary.clone()] {
        let visible: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        assert!(!visible.join("\n").contains("xoxb-secret-bot-token"));
    }
}

/// 3,000 code files listed by the API, and a migration past the cap that nobody can see.
fn capped_files() -> Vec<(String, &'static str)> {
    (0..3001)
        .map(|i| (format!("app/models/m{i}.rb"), "modified"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_whose_file_list_was_cut_off_is_not_deployed() {
    let w = World::new().await;
    let files = capped_files();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    w.merged_pr(&refs, Some("success"));
    let done = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert!(
        done.stdout().contains("GitHub lists at most 3000 files"),
        "{}",
        done.stdout()
    );
    assert!(done.stdout().contains("fetch-depth: 0"));
    assert_eq!(done.output("deployment-status").as_deref(), Some("refused"));
    assert_eq!(done.output("revision"), None, "nothing was deployed");
    assert!(!w.cd.ops().iter().any(|o| o == "CreateDeployment"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_train_stops_before_a_pr_whose_file_list_was_cut_off() {
    let (w, merges) = train_world().await;
    let files = capped_files();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let mut big = PrSpec::new(50, &refs);
    big.merged = true;
    big.merge_sha = Some(merges[0].clone());
    w.gh.add_pr(&big);
    let done = run_blocking(
        &w.run_for(&merges[2])
            .input("command", "release")
            .input("revision", "s3://shop-artifacts/shop/{sha}.zip")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert!(
        done.stdout().contains("PR #50 is first in line"),
        "{}",
        done.stdout()
    );
    assert!(done.stdout().contains("GitHub lists at most 3000 files"));
}

/// The GitHub Deployment's last status, and the shipped PR's shipgate comment.
fn final_state(w: &World) -> (String, String) {
    let states = w.deployment_states();
    let comments = w.gh.comments(42);
    let body = comments
        .last()
        .and_then(|c| c["body"].as_str())
        .unwrap_or_default()
        .to_string();
    (states.last().cloned().unwrap_or_default(), body)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_deployment_error_leaves_no_channel_in_progress() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/models/user.rb", "modified")], Some("success"));
    w.cd.fail("CreateDeployment", "InvalidRoleException", 1, false);
    let done = run_blocking(&w.run());
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    let (state, comment) = final_state(&w);
    assert_eq!(state, "error", "{:?}", w.deployment_states());
    assert!(
        comment.contains("stopped with an error") && !comment.contains("🚀 Deploying"),
        "{comment}"
    );
    assert!(comment.contains("InvalidRoleException"), "{comment}");
    let slack = w.slack_bodies().await;
    assert_eq!(slack.len(), 1, "Slack is told about the failure");
    assert!(slack[0]["text"].as_str().unwrap_or("").contains("failed"));
    assert_eq!(
        done.output("deployment-status").as_deref(),
        Some("not-started")
    );
    assert!(done.summary.contains("stopped with an error"));
    w.no_secrets(&done);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_deployment_that_took_effect_before_an_error_is_followed() {
    let w = World::new().await;
    w.merged_pr(&[("app/models/user.rb", "modified")], Some("success"));
    // A 5xx after AWS accepted the request: the deployment runs; shipgate must find it.
    w.cd.fail("CreateDeployment", "InternalFailure", 1, true);
    let done = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    assert_eq!(w.cd.deployment_ids().len(), 1, "one deployment, not two");
    assert_eq!(
        done.output("deployment-status").as_deref(),
        Some("succeeded")
    );
    assert_eq!(final_state(&w).0, "success");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_while_following_still_reaches_a_final_state_everywhere() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/models/user.rb", "modified")], Some("success"));
    w.cd.fail("GetDeployment", "AccessDeniedException", 100, false);
    let done = run_blocking(&w.run());
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    let (state, comment) = final_state(&w);
    assert_eq!(state, "error");
    assert!(comment.contains("may still be running"), "{comment}");
    assert_eq!(w.slack_bodies().await.len(), 1);
    assert_eq!(done.output("deployment-status").as_deref(), Some("error"));
    let id = done.output("deployment-id").unwrap_or_default();
    assert!(
        id.starts_with("d-"),
        "the started deployment is named: {id}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_github_writes_never_stop_the_deploy_or_its_final_report() {
    for (method_name, fragment) in [
        ("POST", "/deployments/"),
        ("POST", "/comments"),
        ("POST", "/deployments"),
    ] {
        let w = World::new().await;
        Mock::given(method("POST"))
            .respond_with(ok_slack())
            .mount(&w.slack)
            .await;
        w.merged_pr(&[("app/models/user.rb", "modified")], Some("success"));
        w.gh.fail(method_name, fragment, 500);
        let done = run_blocking(&w.run().input("slack-notify", "always"));
        assert_eq!(done.code(), 0, "{fragment}: {}", done.stdout());
        assert!(
            done.stdout().contains("::warning::shipgate could not"),
            "{fragment}: {}",
            done.stdout()
        );
        assert_eq!(
            done.output("deployment-status").as_deref(),
            Some("succeeded"),
            "{fragment}"
        );
        assert!(done.summary.contains("✅ Deployed to production"));
        let slack = w.slack_bodies().await;
        assert!(
            slack
                .last()
                .and_then(|b| b["text"].as_str())
                .is_some_and(|t| t.contains("Deployed to")),
            "{fragment}: {slack:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_slack_never_changes_the_final_github_state() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/models/user.rb", "modified")], Some("success"));
    let done = run_blocking(&w.run().input("slack-notify", "always"));
    assert_eq!(done.code(), 0, "{}", done.stdout());
    let (state, comment) = final_state(&w);
    assert_eq!(state, "success");
    assert!(comment.contains("✅ Deployed to production"), "{comment}");
}

// ---- Blue/Green phases (issue 13) ----

/// A group whose replacement fleet waits in Ready for a manual switch (for up to an hour).
const MANUAL_GROUP: &str = "shop-manual";

fn manual_group(w: &World) {
    w.cd.add_group(
        "shop",
        MANUAL_GROUP,
        GroupSpec {
            manual_switch: true,
            ready_wait_minutes: 60,
            termination_wait_minutes: 60,
            ..GroupSpec::default()
        },
    );
}

fn status_descriptions(w: &World) -> Vec<String> {
    w.gh.state
        .lock()
        .unwrap()
        .deployment_statuses
        .iter()
        .map(|(_, b)| b["description"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_termination_wait_longer_than_the_timeout_is_released_at_the_switch() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    // The original fleet waits "forever" after the switch, far beyond timeout-minutes.
    w.cd.plan(Plan::new(1, End::Succeed).with_termination_wait(u32::MAX));
    let done = run_blocking(
        &w.run()
            .input("timeout-minutes", "0.01")
            .input("slack-notify", "always"),
    );
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    let id = done.output("deployment-id").unwrap();
    assert_eq!(
        done.output("deployment-status").as_deref(),
        Some("succeeded")
    );
    assert_eq!(done.output("rolled-back").as_deref(), Some("false"));
    assert!(w.cd.calls("StopDeployment").is_empty(), "{:?}", w.cd.ops());
    assert_eq!(w.cd.status(&id).as_deref(), Some("InProgress"));
    let out = done.stdout();
    for line in [
        "shipgate: pre-flight: deployment group shop-production: Blue/Green, deployment configuration CodeDeployDefault.AllAtOnce",
        "shipgate: pre-flight: original fleet: terminated 5 min after the switch",
        "phase: replacement fleet provisioning",
        "phase: deploying to the replacement fleet",
        "phase: traffic switched to the replacement fleet; original fleet in its termination wait (termination wait ends about ",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    assert!(!out.contains("timed out"), "{out}");
    assert!(done
        .summary
        .contains("✅ Released to production: traffic is on the replacement fleet"));
    assert!(done
        .summary
        .contains("The original fleet is terminated at about "));
    assert!(done
        .summary
        .contains("phase: deploying to the replacement fleet"));
    assert_eq!(
        w.deployment_states().last().map(String::as_str),
        Some("success")
    );
    let slack = w.slack_bodies().await;
    assert_eq!(slack.len(), 1);
    let text = slack[0].to_string();
    assert!(
        text.contains("*Phase*") && text.contains("Traffic switched"),
        "{text}"
    );
    assert!(w.cd.problems().is_empty(), "{:?}", w.cd.problems());
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_termination_follows_until_the_original_fleet_is_gone() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(1, End::Succeed).with_termination_wait(3));
    let done = run_blocking(
        &w.run()
            .input("wait-for-termination", "true")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    let id = done.output("deployment-id").unwrap();
    assert_eq!(w.cd.status(&id).as_deref(), Some("Succeeded"));
    assert_eq!(
        done.output("deployment-status").as_deref(),
        Some("succeeded")
    );
    assert!(done.summary.contains("✅ Deployed to production"));
    assert!(
        done.summary
            .contains("termination wait ended and it was terminated"),
        "{}",
        done.summary
    );
    assert!(status_descriptions(&w)
        .iter()
        .any(|d| d.starts_with("Released: CodeDeploy")));
    assert_eq!(
        w.deployment_states().last().map(String::as_str),
        Some("success")
    );

    // A termination wait longer than the timeout: following stops, the release stays.
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(1, End::Succeed).with_termination_wait(u32::MAX));
    let done = run_blocking(
        &w.run()
            .input("wait-for-termination", "true")
            .input("timeout-minutes", "0.005")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    assert!(w.cd.calls("StopDeployment").is_empty(), "{:?}", w.cd.ops());
    assert!(
        done.summary
            .contains("stopped following at timeout-minutes"),
        "{}",
        done.summary
    );
    assert_eq!(
        done.output("deployment-status").as_deref(),
        Some("succeeded")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manual_switch_ends_at_ready_and_continue_moves_it_on() {
    let w = World::new().await;
    manual_group(&w);
    Mock::given(method("POST"))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));

    // Nothing waits yet: `continue` has nothing to act on (bad configuration, exit 2).
    let nothing = run_blocking(
        &w.run()
            .input("command", "continue")
            .input("deployment-group", MANUAL_GROUP),
    );
    assert_eq!(nothing.code(), 2, "{}", nothing.stderr());
    assert!(
        nothing.stderr().contains("nothing to continue"),
        "{}",
        nothing.stderr()
    );

    w.cd.plan(Plan::new(1, End::Succeed).with_termination_wait(u32::MAX));
    let done = run_blocking(
        &w.run()
            .input("deployment-group", MANUAL_GROUP)
            .input("timeout-minutes", "0.005"),
    );
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    let id = done.output("deployment-id").unwrap();
    assert_eq!(done.output("deployment-status").as_deref(), Some("ready"));
    assert_eq!(w.cd.status(&id).as_deref(), Some("Ready"), "left in Ready");
    assert!(w.cd.calls("StopDeployment").is_empty(), "{:?}", w.cd.ops());
    assert!(done.stdout().contains(
        "pre-flight: traffic switch: manual. The replacement fleet waits in Ready for up to 60 min"
    ));
    assert!(done
        .stdout()
        .contains("phase: replacement fleet ready for the traffic switch"));
    assert!(done
        .summary
        .contains("🚦 production is ready for the traffic switch"));
    assert_eq!(
        w.deployment_states().last().map(String::as_str),
        Some("in_progress")
    );
    assert!(status_descriptions(&w)
        .last()
        .is_some_and(|d| d.contains("ready for the traffic switch")));
    let slack = w.slack_bodies().await;
    assert_eq!(
        slack.len(),
        1,
        "Ready is told even under slack-notify: failure"
    );
    assert!(slack[0]
        .to_string()
        .contains("ready for the traffic switch"));

    // A human approved: `continue` switches the traffic and reports the release.
    let cont = run_blocking(
        &w.run()
            .input("command", "continue")
            .input("deployment-group", MANUAL_GROUP)
            .input("slack-notify", "never"),
    );
    assert_eq!(cont.code(), 0, "{}\n{}", cont.stdout(), cont.stderr());
    let calls = w.cd.calls("ContinueDeployment");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["deploymentId"], id.as_str());
    assert_eq!(calls[0]["deploymentWaitType"], "READY_WAIT");
    assert_eq!(cont.output("deployment-id").as_deref(), Some(id.as_str()));
    assert_eq!(
        cont.output("deployment-status").as_deref(),
        Some("succeeded")
    );
    assert!(
        cont.summary.contains("✅ Released to production"),
        "{}",
        cont.summary
    );
    assert!(w.cd.termination_started(&id));
    assert_eq!(
        w.gh.state.lock().unwrap().deployments.len(),
        1,
        "same Deployment"
    );
    assert_eq!(
        w.deployment_states().last().map(String::as_str),
        Some("success")
    );
    assert_eq!(w.gh.comments(42).len(), 1, "the PR comment is updated");

    // In the termination wait, `continue` ends it now: the original fleet is terminated.
    let end = run_blocking(
        &w.run()
            .input("command", "continue")
            .input("deployment-group", MANUAL_GROUP)
            .input("deployment-id", &id)
            .input("slack-notify", "never"),
    );
    assert_eq!(end.code(), 0, "{}\n{}", end.stdout(), end.stderr());
    let calls = w.cd.calls("ContinueDeployment");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1]["deploymentWaitType"], "TERMINATION_WAIT");
    assert_eq!(w.cd.status(&id).as_deref(), Some("Succeeded"));
    assert!(end.summary.contains("✅ Deployed to production"));
    assert_eq!(w.cd.calls("CreateDeployment").len(), 1);
    assert!(w.cd.problems().is_empty(), "{:?}", w.cd.problems());
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_in_the_termination_wait_routes_traffic_back_without_a_new_deployment() {
    let w = World::new().await;
    Mock::given(method("POST"))
        .respond_with(ok_slack())
        .mount(&w.slack)
        .await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(1, End::Succeed).with_termination_wait(u32::MAX));
    let done = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    let id = done.output("deployment-id").unwrap();

    let back = run_blocking(&w.run().input("command", "rollback"));
    assert_eq!(back.code(), 0, "{}\n{}", back.stdout(), back.stderr());
    let stop = w.cd.calls("StopDeployment");
    assert_eq!(stop.len(), 1);
    assert_eq!(stop[0]["deploymentId"], id.as_str());
    assert_eq!(stop[0]["autoRollbackEnabled"], true);
    assert_eq!(w.cd.calls("CreateDeployment").len(), 1, "no new deployment");
    assert_eq!(w.cd.status(&id).as_deref(), Some("Stopped"));
    assert_eq!(back.output("rolled-back").as_deref(), Some("true"));
    assert_eq!(back.output("deployment-id").as_deref(), Some(id.as_str()));
    assert!(back
        .summary
        .contains("Rolled back production to the original fleet"));
    assert!(
        back.summary
            .contains("CodeDeploy routed the traffic back to it, no new deployment"),
        "{}",
        back.summary
    );
    let slack = w.slack_bodies().await;
    assert_eq!(slack.len(), 1);
    assert!(slack[0].to_string().contains("routed the traffic back"));
    assert!(w.cd.problems().is_empty(), "{:?}", w.cd.problems());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_after_the_switch_leaves_the_release_serving() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(0, End::Succeed).with_termination_wait(u32::MAX));
    let run = w
        .run()
        .input("wait-for-termination", "true")
        .input("slack-notify", "never");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_shipgate"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in &run.env {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let pid = child.id() as i32;
    let mut switched = false;
    for _ in 0..500 {
        let ids = w.cd.deployment_ids();
        if ids.first().is_some_and(|id| w.cd.termination_started(id))
            && w.cd.ops().iter().filter(|o| *o == "GetDeployment").count() > 4
        {
            switched = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(switched, "never switched: {:?}", w.cd.ops());
    // SAFETY: sends SIGTERM to the child we spawned.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let out = tokio::task::block_in_place(|| child.wait_with_output()).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(w.cd.calls("StopDeployment").is_empty(), "{:?}", w.cd.ops());
    let id = w.cd.deployment_ids()[0].clone();
    assert_eq!(w.cd.status(&id).as_deref(), Some("InProgress"));
    let outputs = std::fs::read_to_string(run.path("output")).unwrap();
    assert!(outputs.contains("succeeded"), "{outputs}");
    let summary = std::fs::read_to_string(run.path("summary")).unwrap();
    assert!(
        summary.contains("cancelled after the traffic switch"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_shorter_than_the_ready_wait_is_warned_about_before_the_deployment_starts() {
    let w = World::new().await;
    w.cd.add_group(
        "shop",
        "shop-delayed",
        GroupSpec {
            ready_wait_minutes: 30,
            ..GroupSpec::default()
        },
    );
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(0, End::Hang));
    let done = run_blocking(
        &w.run()
            .input("deployment-group", "shop-delayed")
            .input("timeout-minutes", "0.005")
            .input("slack-notify", "never"),
    );
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    let out = done.stdout();
    let warning = out
        .find("::warning::shipgate: pre-flight: timeout-minutes (0.005) is not longer than the group's ready wait (30 min)")
        .unwrap_or_else(|| panic!("no pre-flight warning in\n{out}"));
    let started = out.find("started CodeDeploy deployment").expect("started");
    assert!(
        warning < started,
        "the warning comes before the deployment starts"
    );
    assert!(out.contains("pre-flight: traffic switch: automatic, after a ready wait of 30 min"));
    // Before the switch the timeout still stops the deployment with rollback, as before.
    assert_eq!(w.cd.calls("StopDeployment")[0]["autoRollbackEnabled"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_next_deploy_waits_for_a_released_deployment_and_says_how_to_end_its_wait() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    w.cd.plan(Plan::new(1, End::Succeed).with_termination_wait(4));
    let first = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(first.code(), 0, "{}\n{}", first.stdout(), first.stderr());
    let released = first.output("deployment-id").unwrap();
    assert_eq!(w.cd.status(&released).as_deref(), Some("InProgress"));

    let newer = "beef000000000000000000000000000000000002";
    // The newer commit descends from the first: the order check must be able to tell.
    w.gh.state
        .lock()
        .unwrap()
        .compare
        .insert((SHA.into(), newer.into()), "ahead".into());
    let second = run_blocking(
        &w.run_for(newer)
            .input("require-pull-request", "false")
            .input("slack-notify", "never"),
    );
    assert_eq!(second.code(), 0, "{}\n{}", second.stdout(), second.stderr());
    let out = second.stdout();
    assert!(
        out.contains(&format!(
            "{released} is released and waits out its original fleet's termination wait"
        )),
        "{out}"
    );
    assert_eq!(w.cd.status(&released).as_deref(), Some("Succeeded"));
    assert_eq!(
        w.cd.calls("CreateDeployment").len(),
        3,
        "one refused while busy"
    );
    assert!(w.cd.calls("StopDeployment").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_order_check_refuses_instead_of_deploying_blind() {
    let w = World::new().await;
    w.merged_pr(&[("app/a.rb", "modified")], Some("success"));
    let other = "beef000000000000000000000000000000000003";
    let id = w.cd.seed_deployment(
        "shop",
        "shop-production",
        &format!("shipgate {other} PR #43"),
        Plan::new(0, End::Succeed),
    );
    let client = w.cd.client().await;
    for _ in 0..10 {
        if client.deployment(&id).await.unwrap().status.is_terminal() {
            break;
        }
    }
    // GitHub cannot answer the comparison (the simulator knows no such pair: 404).
    let done = run_blocking(&w.run().input("slack-notify", "never"));
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert!(
        done.stdout()
            .contains("cannot tell whether deploying would roll production back"),
        "{}",
        done.stdout()
    );
    assert!(!w.cd.ops().contains(&"CreateDeployment".to_string()));
}
