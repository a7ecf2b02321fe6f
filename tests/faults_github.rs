//! The fault matrix for GitHub: the built binary against a simulated GitHub that misbehaves the
//! way the real one does (rate limits with their headers, answers that never come, dropped
//! connections, writes that took effect before the connection broke, refused permissions).
//! Each case checks the outcome, the message and the exit code, within a bounded wall time;
//! the bounds come through `SHIPGATE_HTTP_TIMEOUT_MS` / `SHIPGATE_POLL_MS`, never sleeps.

mod support;

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::github::{fixture, GitHubSim, PrSpec, State};
use support::runner::{ActionRun, Finished};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

/// Far above any bound the runs below configure; a hang would blow through it.
const WALL: Duration = Duration::from_secs(20);

fn pr_event(pr: &Value) -> Value {
    let mut e = fixture("event-pull_request-opened.json");
    e["number"] = pr["number"].clone();
    e["pull_request"] = pr.clone();
    e
}

/// A code-only PR: the gate passes it.
fn code_pr(number: u64) -> PrSpec {
    PrSpec::new(number, &[("app/models/user.rb", "modified")])
}

fn run_gate(sim: &GitHubSim, spec: &PrSpec, env: &[(&str, &str)]) -> (Finished, Duration) {
    let pr = sim.add_pr(spec);
    let mut run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr))
        .env("SHIPGATE_POLL_MS", "2");
    for (k, v) in env {
        run = run.env(k, v);
    }
    let started = Instant::now();
    let done = tokio::task::block_in_place(|| run.run());
    (done, started.elapsed())
}

fn all_text(done: &Finished) -> String {
    format!("{}\n{}", done.stdout(), done.stderr())
}

/// Requests of `verb` whose path ends with `suffix`.
async fn count(sim: &GitHubSim, verb: &str, suffix: &str) -> usize {
    sim.server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().ends_with(suffix))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_with_retry_after_is_retried_and_the_check_run_lands() {
    let sim = GitHubSim::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/check-runs$"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&sim.server)
        .await;
    let (done, took) = run_gate(&sim, &code_pr(21), &[]);
    assert_eq!(done.code(), 0, "{}", all_text(&done));
    assert!(took < WALL);
    assert_eq!(count(&sim, "POST", "/check-runs").await, 3);
    let runs = sim.check_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["conclusion"], "success");
    sim.assert_no_unexpected();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lasting_secondary_limit_on_the_check_run_fails_without_blaming_the_token() {
    let sim = GitHubSim::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/check-runs$"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        })))
        .with_priority(1)
        .mount(&sim.server)
        .await;
    let (done, took) = run_gate(&sim, &code_pr(22), &[]);
    let text = all_text(&done);
    // A passing PR without its check run is not a pass.
    assert_eq!(done.code(), 1, "{text}");
    assert!(took < WALL);
    assert!(text.contains("secondary rate limit"), "{text}");
    assert!(text.contains("Re-run the job"), "{text}");
    assert!(!text.contains("read-only"), "{text}");
    assert!(!text.contains("checks: write"), "{text}");
    // Retried (5 tries), then given up.
    assert_eq!(count(&sim, "POST", "/check-runs").await, 5);
    // The summary and outputs still carry the verdict.
    assert_eq!(done.output("verdict").as_deref(), Some("pass"));
    assert!(sim.check_runs().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_same_repository_refusal_names_the_missing_permissions() {
    let sim = GitHubSim::start().await;
    sim.forbid_writes();
    let spec = PrSpec::new(23, &[("db/migrate/1_a.rb", "added"), ("app/a.rb", "added")]);
    sim.set_content(
        &spec.head_sha,
        "db/migrate/1_a.rb",
        "class A < ActiveRecord::Migration[7.1]\nend\n",
    );
    let (done, _) = run_gate(&sim, &spec, &[]);
    let text = all_text(&done);
    assert_eq!(done.code(), 1, "{text}");
    assert!(
        text.contains("could not publish the check run")
            && text.contains("Add `checks: write` to the workflow's or job's `permissions:`"),
        "{text}"
    );
    assert!(
        text.contains("could not write the PR comment") && text.contains("`pull-requests: write`"),
        "{text}"
    );
    assert!(!text.contains("read-only"), "{text}");
    // Only a fork falls back to the runner's annotations.
    assert!(!done.stdout().contains("::error file="), "{text}");
    // A refusal is not retried.
    assert_eq!(count(&sim, "POST", "/check-runs").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_github_that_never_answers_ends_within_the_configured_bound() {
    let sim = GitHubSim::start().await;
    Mock::given(method("GET"))
        .and(path_regex("/pulls/24$"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(120)))
        .with_priority(1)
        .mount(&sim.server)
        .await;
    let (done, took) = run_gate(&sim, &code_pr(24), &[("SHIPGATE_HTTP_TIMEOUT_MS", "150")]);
    let text = all_text(&done);
    assert_eq!(done.code(), 1, "{text}");
    assert!(took < WALL, "took {took:?}");
    assert!(text.contains("get pull request failed"), "{text}");
    assert!(text.contains("timed out"), "{text}");
    // A read is retried on timeouts.
    assert!(count(&sim, "GET", "/pulls/24").await >= 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_primary_limit_far_from_its_reset_fails_naming_the_reset_time() {
    let sim = GitHubSim::start().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    Mock::given(method("GET"))
        .and(path_regex("/pulls/25$"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(
                    json!({"message": "API rate limit exceeded for installation ID 1."}),
                ),
        )
        .with_priority(1)
        .mount(&sim.server)
        .await;
    let (done, took) = run_gate(&sim, &code_pr(25), &[]);
    let text = all_text(&done);
    assert_eq!(done.code(), 1, "{text}");
    assert!(took < WALL);
    assert!(text.contains("rate limit is used up until"), "{text}");
    assert!(text.contains("UTC (x-ratelimit-reset)"), "{text}");
    assert!(text.contains("re-run the job after that time"), "{text}");
    // Not waited for, not retried.
    assert_eq!(count(&sim, "GET", "/pulls/25").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_primary_limit_with_a_near_reset_is_waited_out() {
    let sim = GitHubSim::start().await;
    // A reset already past: retried at once, within the (fast) bound.
    Mock::given(method("GET"))
        .and(path_regex("/pulls/26$"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "1")
                .set_body_json(json!({"message": "API rate limit exceeded"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&sim.server)
        .await;
    let (done, _) = run_gate(&sim, &code_pr(26), &[]);
    assert_eq!(done.code(), 0, "{}", all_text(&done));
    assert_eq!(count(&sim, "GET", "/pulls/26").await, 2);
}

/// Creates the check run in the simulator's state, then answers too late: the write took
/// effect, the client saw a timeout.
struct CreatedThenSilent {
    state: Arc<Mutex<State>>,
}

impl Respond for CreatedThenSilent {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let mut c = fixture("check-run.json");
        c["id"] = json!(77);
        for k in ["name", "head_sha", "status", "conclusion"] {
            c[k] = body[k].clone();
        }
        c["output"] = body["output"].clone();
        self.state.lock().unwrap().check_runs.push(c.clone());
        ResponseTemplate::new(201)
            .set_body_json(c)
            .set_delay(Duration::from_secs(120))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_run_post_that_timed_out_after_taking_effect_is_looked_up_not_repeated() {
    let sim = GitHubSim::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/check-runs$"))
        .respond_with(CreatedThenSilent {
            state: sim.state.clone(),
        })
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&sim.server)
        .await;
    let (done, took) = run_gate(&sim, &code_pr(27), &[("SHIPGATE_HTTP_TIMEOUT_MS", "300")]);
    assert_eq!(done.code(), 0, "{}", all_text(&done));
    assert!(took < WALL);
    assert_eq!(count(&sim, "POST", "/check-runs").await, 1);
    assert_eq!(count(&sim, "GET", "/check-runs").await, 1);
    assert_eq!(sim.check_runs().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_post_answered_502_after_taking_effect_is_not_posted_twice() {
    let sim = GitHubSim::start().await;
    struct CommentedThen502 {
        state: Arc<Mutex<State>>,
    }
    impl Respond for CommentedThen502 {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let mut c = fixture("issue-comment.json");
            c["id"] = json!(88);
            c["body"] = body["body"].clone();
            self.state
                .lock()
                .unwrap()
                .comments
                .entry(28)
                .or_default()
                .push(c);
            ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>")
        }
    }
    Mock::given(method("POST"))
        .and(path_regex("/issues/28/comments$"))
        .respond_with(CommentedThen502 {
            state: sim.state.clone(),
        })
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&sim.server)
        .await;
    let (done, _) = run_gate(&sim, &code_pr(28), &[]);
    assert_eq!(done.code(), 0, "{}", all_text(&done));
    assert_eq!(count(&sim, "POST", "/issues/28/comments").await, 1);
    assert_eq!(sim.comments(28).len(), 1);
}

/// A "GitHub" that accepts each connection and closes it without a byte.
fn dropping_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn dropped_connections_fail_closed_within_the_bound() {
    let url = dropping_server();
    let spec = code_pr(29);
    let sim = GitHubSim::start().await;
    let pr = sim.add_pr(&spec);
    let run = ActionRun::new(&url, &sim.full_name(), "pull_request", &pr_event(&pr))
        .env("SHIPGATE_POLL_MS", "2")
        .env("SHIPGATE_HTTP_TIMEOUT_MS", "500");
    let started = Instant::now();
    let done = tokio::task::block_in_place(|| run.run());
    let text = all_text(&done);
    assert_eq!(done.code(), 1, "{text}");
    assert!(started.elapsed() < WALL);
    assert!(text.contains("get pull request failed"), "{text}");
    assert!(done.output("verdict").is_none(), "{text}");
    assert!(!text.contains("ghs_testtoken123") || text.contains("::add-mask::ghs_testtoken123"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_event_file_exits_2() {
    let sim = GitHubSim::start().await;
    for (event, command) in [("pull_request", "gate"), ("push", "deploy")] {
        let run = ActionRun::new(&sim.url(), &sim.full_name(), event, &json!({}))
            .input("command", command)
            .input("application", "shop")
            .input("deployment-group", "shop-production")
            .input("revision", "s3://bucket/app.zip");
        std::fs::write(run.path("event.json"), "{ \"pull_request\": ").unwrap();
        let done = tokio::task::block_in_place(|| run.run());
        let text = all_text(&done);
        assert_eq!(done.code(), 2, "{command}: {text}");
        assert!(text.contains("GITHUB_EVENT_PATH"), "{command}: {text}");
    }
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_http_timeout_setting_exits_2() {
    let sim = GitHubSim::start().await;
    let (done, _) = run_gate(&sim, &code_pr(30), &[("SHIPGATE_HTTP_TIMEOUT_MS", "soon")]);
    assert_eq!(done.code(), 2, "{}", all_text(&done));
    assert!(done.stderr().contains("SHIPGATE_HTTP_TIMEOUT_MS"));
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_the_gate_completes_the_check_run_as_neutral() {
    let sim = GitHubSim::start().await;
    let spec = code_pr(31);
    Mock::given(method("GET"))
        .and(path_regex("/pulls/31/files$"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(120)))
        .with_priority(1)
        .mount(&sim.server)
        .await;
    let pr = sim.add_pr(&spec);
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr))
        .env("SHIPGATE_POLL_MS", "2");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_shipgate"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", run.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in &run.env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn shipgate");
    // Wait (bounded) until the gate is inside its file listing, then cancel the job.
    let started = Instant::now();
    while count(&sim, "GET", "/pulls/31/files").await == 0 {
        assert!(started.elapsed() < WALL, "the gate never listed the files");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SAFETY: sending a signal to the child this test spawned, by its pid.
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
    assert!(started.elapsed() < WALL);
    assert!(
        text.contains("the job was cancelled before the gate decided"),
        "{text}"
    );
    let runs = sim.check_runs();
    assert_eq!(runs.len(), 1, "{text}");
    assert_eq!(runs[0]["status"], "completed");
    assert_eq!(runs[0]["conclusion"], "neutral");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_pr_title_is_inert_in_the_log_outputs_and_summary() {
    let sim = GitHubSim::start().await;
    let mut spec = code_pr(32);
    spec.title =
        "x\n::add-mask::pass\r\n::set-output name=verdict::fail\u{1b}[2J%0A::error::forged <!channel>"
            .into();
    let (done, _) = run_gate(&sim, &spec, &[]);
    assert_eq!(done.code(), 0, "{}", all_text(&done));
    let out = done.stdout();
    for line in out.lines() {
        assert!(
            !line.starts_with("::add-mask::pass")
                && !line.starts_with("::set-output")
                && !line.starts_with("::error::forged"),
            "{out}"
        );
    }
    assert!(!out.contains('\u{1b}'), "{out}");
    assert_eq!(done.output("verdict").as_deref(), Some("pass"));
    assert_eq!(
        done.outputs.matches("verdict<<").count(),
        1,
        "{}",
        done.outputs
    );
}
