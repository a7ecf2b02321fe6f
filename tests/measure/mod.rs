//! Peak memory of a create-and-follow deploy, side by side with the gate's: the binary run as
//! the runner runs it, against the simulated GitHub, CodeDeploy (through the real AWS SDK) and
//! Slack. Each run's peak RSS is read from `wait4` for that child alone. Shared by
//! `benches/deploy.rs` and `tests/memory.rs`; the including crate declares `codedeploy_sim` and
//! `support`.

use crate::codedeploy_sim::{GroupSpec, Sim};
use crate::support::github::{fixture, GitHubSim, PrSpec};
use crate::support::runner::ActionRun;
use serde_json::json;
use std::process::{Command, Stdio};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHA: &str = "c0ffee0000000000000000000000000000000001";

/// Runs the binary with `run`'s environment; returns (exit code, peak RSS in KiB).
// `wait4` reaps the child (std's `wait` would not report its rusage).
#[allow(clippy::zombie_processes)]
fn measured(bin: &str, run: &ActionRun) -> (i32, i64) {
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", run.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in &run.env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn shipgate");
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: waits for the child this function spawned; wait4 fills `status` and `usage`.
    let usage = unsafe {
        libc::wait4(
            child.id() as libc::pid_t,
            &mut status,
            0,
            usage.as_mut_ptr(),
        );
        usage.assume_init()
    };
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

fn median(mut v: Vec<i64>) -> i64 {
    v.sort();
    v[v.len() / 2]
}

fn mib(kib: i64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Five rounds of a deploy and a gate with `bin`; the medians, as one line.
pub fn peak_rss_report(bin: &str) -> String {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut deploy = Vec::new();
    let mut gate = Vec::new();
    for _ in 0..5 {
        let (gh, cd, slack) = rt.block_on(async {
            let gh = GitHubSim::start().await;
            let cd = Sim::start().await;
            cd.add_group("shop", "shop-production", GroupSpec::default());
            let slack = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
                .mount(&slack)
                .await;
            (gh, cd, slack)
        });
        let mut spec = PrSpec::new(42, &[("app/models/user.rb", "modified")]);
        spec.merged = true;
        spec.merge_sha = Some(SHA.into());
        gh.add_pr(&spec);
        {
            let mut st = gh.state.lock().unwrap();
            st.commit_pulls.insert(SHA.into(), vec![42]);
            st.check_runs.push(json!({
                "id": 1, "name": "shipgate", "head_sha": spec.head_sha,
                "status": "completed", "conclusion": "success",
            }));
        }
        let mut event = fixture("event-push.json");
        event["after"] = json!(SHA);
        let run = ActionRun::new(&gh.url(), &gh.full_name(), "push", &event)
            .env("GITHUB_SHA", SHA)
            .env("AWS_ENDPOINT_URL_CODEDEPLOY", &cd.server.uri())
            .env("AWS_REGION", "ap-northeast-1")
            .env("AWS_ACCESS_KEY_ID", "AKIDSIMULATED")
            .env("AWS_SECRET_ACCESS_KEY", "simulated")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("SHIPGATE_POLL_MS", "2")
            .input("application", "shop")
            .input("deployment-group", "shop-production")
            .input("revision", "s3://shop-artifacts/shop/build.zip")
            .input("environment", "production")
            .input("slack-notify", "always")
            .input(
                "slack-webhook-url",
                &format!("{}/services/T0/B0/x", slack.uri()),
            );
        let (code, kib) = measured(bin, &run);
        assert_eq!(code, 0, "the deploy did not succeed");
        deploy.push(kib);

        let pr = gh.add_pr(&PrSpec::new(43, &[("app/models/user.rb", "modified")]));
        let mut event = fixture("event-pull_request-opened.json");
        event["number"] = pr["number"].clone();
        event["pull_request"] = pr;
        let run = ActionRun::new(&gh.url(), &gh.full_name(), "pull_request", &event);
        let (code, kib) = measured(bin, &run);
        assert_eq!(code, 0, "the gate did not pass");
        gate.push(kib);
    }
    format!(
        "peak RSS, median of 5: deploy (create and follow, Slack) {}, gate (code-only PR) {}; deploy target 14.0 MiB",
        mib(median(deploy)),
        mib(median(gate))
    )
}
