//! The fault matrix for AWS: the built binary against the simulated CodeDeploy answering the
//! credential errors AWS answers for expired or invalid credentials. The message says what is
//! wrong, which credential sources were found (never their values) and what to check; nothing
//! is started, and it is a configuration error (exit 2).

mod codedeploy_sim;
mod support;

use codedeploy_sim::{GroupSpec, Sim};
use serde_json::json;
use support::github::{fixture, GitHubSim, PrSpec};
use support::runner::ActionRun;

const SHA: &str = "c0ffee0000000000000000000000000000000001";
const AWS_SECRET: &str = "wJalrXUtnFEMI-simulated-secret";
const SESSION: &str = "FwoGZXIvYXdzEBYaDSimulatedSessionToken";

async fn world() -> (GitHubSim, Sim) {
    let gh = GitHubSim::start().await;
    let cd = Sim::start().await;
    cd.add_group("shop", "shop-production", GroupSpec::default());
    let mut spec = PrSpec::new(42, &[("app/models/user.rb", "modified")]);
    spec.merged = true;
    spec.merge_sha = Some(SHA.into());
    gh.add_pr(&spec);
    let mut st = gh.state.lock().unwrap();
    st.commit_pulls.insert(SHA.into(), vec![42]);
    st.check_runs.push(json!({
        "id": 1, "name": "shipgate", "head_sha": spec.head_sha,
        "status": "completed", "conclusion": "success",
    }));
    drop(st);
    (gh, cd)
}

fn run(gh: &GitHubSim, cd: &Sim) -> ActionRun {
    let mut event = fixture("event-push.json");
    event["after"] = json!(SHA);
    ActionRun::new(&gh.url(), &gh.full_name(), "push", &event)
        .env("GITHUB_SHA", SHA)
        .env("AWS_ENDPOINT_URL_CODEDEPLOY", &cd.server.uri())
        .env("AWS_REGION", "ap-northeast-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDSIMULATED")
        .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
        .env("AWS_SESSION_TOKEN", SESSION)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("SHIPGATE_POLL_MS", "2")
        .input("application", "shop")
        .input("deployment-group", "shop-production")
        .input("revision", "s3://shop-artifacts/shop/build.zip")
        .input("environment", "production")
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_or_invalid_credentials_are_explained_and_start_nothing() {
    for (code, state) in [
        ("ExpiredTokenException", "expired"),
        ("UnrecognizedClientException", "invalid"),
    ] {
        let (gh, cd) = world().await;
        cd.fail("GetDeploymentGroup", code, 100, false);
        let r = run(&gh, &cd);
        let done = tokio::task::block_in_place(|| r.run());
        let text = format!("{}\n{}", done.stdout(), done.stderr());
        assert_eq!(done.code(), 2, "{code}: {text}");
        assert!(
            text.contains(&format!("the AWS credentials are {state} ({code})")),
            "{text}"
        );
        assert!(
            text.contains("environment (AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN)"),
            "{text}"
        );
        assert!(
            text.contains("aws-actions/configure-aws-credentials"),
            "{text}"
        );
        assert!(text.contains("id-token: write"), "{text}");
        assert!(text.contains("trust policy"), "{text}");
        for secret in ["AKIDSIMULATED", AWS_SECRET, SESSION] {
            assert!(!text.contains(secret), "{secret} printed: {text}");
        }
        // A credential error is not retried, and nothing was started.
        let ops = cd.ops();
        assert_eq!(ops, vec!["GetDeploymentGroup"], "{code}");
    }
}

/// Creates the GitHub Deployment in the simulator's state, then answers after a pause: the
/// window in which the test cancels the job, before CreateDeployment.
struct SlowDeployment {
    state: std::sync::Arc<std::sync::Mutex<support::github::State>>,
}

impl wiremock::Respond for SlowDeployment {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let mut d = fixture("deployment.json");
        d["id"] = json!(5005);
        for k in ["environment", "description", "payload"] {
            d[k] = body[k].clone();
        }
        d["sha"] = body["ref"].clone();
        d["ref"] = body["ref"].clone();
        self.state.lock().unwrap().deployments.push(d.clone());
        wiremock::ResponseTemplate::new(201)
            .set_body_json(d)
            .set_delay(std::time::Duration::from_millis(800))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_before_create_deployment_starts_nothing_and_marks_the_deployment() {
    use wiremock::matchers::{method, path_regex};
    let (gh, cd) = world().await;
    wiremock::Mock::given(method("POST"))
        .and(path_regex("/deployments$"))
        .respond_with(SlowDeployment {
            state: gh.state.clone(),
        })
        .with_priority(1)
        .mount(&gh.server)
        .await;
    let r = run(&gh, &cd);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_shipgate"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", r.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in &r.env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn shipgate");
    let started = std::time::Instant::now();
    loop {
        let posted = gh
            .server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .any(|q| q.method.as_str() == "POST" && q.url.path().ends_with("/deployments"));
        if posted {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no GitHub Deployment was requested"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // SAFETY: a signal to the child this test spawned, by its pid.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let out = tokio::task::block_in_place(|| child.wait_with_output()).expect("wait");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "cancelled before the CodeDeploy deployment was created; nothing was started"
        ),
        "{text}"
    );
    assert!(
        !cd.ops().iter().any(|op| op == "CreateDeployment"),
        "{:?}",
        cd.ops()
    );
    let statuses = gh.state.lock().unwrap().deployment_statuses.clone();
    let last = statuses.last().map(|(_, s)| s["state"].clone());
    assert_eq!(last, Some(json!("error")), "{statuses:?}");
}
