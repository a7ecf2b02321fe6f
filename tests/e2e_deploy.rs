//! The deploy end to end: the built binary run as the runner runs it, against the simulated
//! GitHub, the simulated CodeDeploy (through the real AWS SDK) and a simulated Slack.

mod codedeploy_sim;
mod support;

use codedeploy_sim::{End, GroupSpec, Plan, Sim};
use serde_json::{json, Value};
use support::github::{fixture, GitHubSim, PrSpec};
use support::runner::{ActionRun, Finished};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHA: &str = "c0ffee0000000000000000000000000000000001";
const WEBHOOK_PATH: &str = "/services/T000/B000/supersecretwebhookpart";
const AWS_SECRET: &str = "wJalrXUtnFEMI-simulated-secret";

struct World {
    gh: GitHubSim,
    cd: Sim,
    slack: MockServer,
}

impl World {
    async fn new() -> World {
        let gh = GitHubSim::start().await;
        let cd = Sim::start().await;
        cd.add_group("shop", "shop-production", GroupSpec::default());
        let slack = MockServer::start().await;
        World { gh, cd, slack }
    }

    /// PR 42, merged as SHA, with a passing gate on its head commit.
    fn merged_pr(&self, files: &[(&str, &str)], gate: Option<&str>) -> PrSpec {
        let mut spec = PrSpec::new(42, files);
        spec.title = "Add <!channel> nickname @here".into();
        spec.merged = true;
        spec.merge_sha = Some(SHA.into());
        self.gh.add_pr(&spec);
        let mut st = self.gh.state.lock().unwrap();
        st.commit_pulls.insert(SHA.into(), vec![42]);
        if let Some(conclusion) = gate {
            st.check_runs.push(json!({
                "id": 1, "name": "shipgate", "head_sha": spec.head_sha,
                "status": "completed", "conclusion": conclusion,
            }));
        }
        spec
    }

    fn run(&self) -> ActionRun {
        self.run_for(SHA)
    }

    fn run_for(&self, sha: &str) -> ActionRun {
        let mut event = fixture("event-push.json");
        event["after"] = json!(sha);
        ActionRun::new(&self.gh.url(), &self.gh.full_name(), "push", &event)
            .env("GITHUB_SHA", sha)
            .env("AWS_ENDPOINT_URL_CODEDEPLOY", &self.cd.server.uri())
            .env("AWS_REGION", "ap-northeast-1")
            .env("AWS_ACCESS_KEY_ID", "AKIDSIMULATED")
            .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("SHIPGATE_POLL_MS", "2")
            .input("application", "shop")
            .input("deployment-group", "shop-production")
            .input(
                "revision",
                "s3://shop-artifacts/shop/build.zip?versionId=v7",
            )
            .input("environment", "production")
            .input("environment-url", "https://shop.example.com")
            .input(
                "slack-webhook-url",
                &format!("{}{WEBHOOK_PATH}", self.slack.uri()),
            )
    }

    async fn slack_bodies(&self) -> Vec<Value> {
        self.slack
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }

    fn no_secrets(&self, done: &Finished) {
        let texts = [
            done.stdout()
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .collect::<Vec<_>>()
                .join("\n"),
            done.stderr(),
            done.summary.clone(),
            done.outputs.clone(),
        ];
        for t in texts {
            for secret in ["supersecretwebhookpart", "ghs_testtoken123", AWS_SECRET] {
                assert!(!t.contains(secret), "secret {secret} leaked: {t}");
            }
        }
        for c in self.gh.writes() {
            let body = c.body.to_string();
            assert!(!body.contains("supersecretwebhookpart") && !body.contains(AWS_SECRET));
        }
    }

    fn deployment_states(&self) -> Vec<String> {
        self.gh
            .state
            .lock()
            .unwrap()
            .deployment_statuses
            .iter()
            .map(|(_, b)| b["state"].as_str().unwrap_or("").to_string())
            .collect()
    }
}

fn run_blocking(run: &ActionRun) -> Finished {
    tokio::task::block_in_place(|| run.run())
}

fn ok_slack() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string("ok")
}

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
        vec!["in_progress", "in_progress", "success"]
    );
    let statuses = w.gh.state.lock().unwrap().deployment_statuses.clone();
    assert_eq!(
        statuses[2].1["log_url"],
        "https://github.com/octo-org/shop/actions/runs/4242"
    );
    assert_eq!(statuses[2].1["environment_url"], "https://shop.example.com");
    assert_eq!(statuses[2].1["auto_inactive"], true);
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
            "GET issues/42/comments".into(),
            "PATCH issues/comments/1003".into(),
        ]
    );
    assert_eq!(
        &ops[..3],
        &["GetDeploymentGroup", "ListDeployments", "CreateDeployment"]
    );
    w.gh.assert_no_unexpected();
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
    assert_eq!(paths, vec!["/api/chat.postMessage", "/api/chat.update"]);
    let update: Value = serde_json::from_slice(&reqs[1].body).unwrap();
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
