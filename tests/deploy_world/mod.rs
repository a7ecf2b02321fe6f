//! The world of a deploy run: the simulated GitHub, CodeDeploy and Slack, a merged PR, and the
//! binary's environment as the runner sets it. Shared by the deploy end-to-end and snapshot tests;
//! a test binary using it also declares `mod codedeploy_sim;` and `mod support;`.
#![allow(dead_code)] // each test binary uses a different part

use crate::codedeploy_sim::{GroupSpec, Sim};
use crate::support::github::{fixture, GitHubSim, PrSpec};
use crate::support::runner::{ActionRun, Finished};
use crate::support::slack::SlackSim;
use serde_json::{json, Value};
use wiremock::ResponseTemplate;

pub const SHA: &str = "c0ffee0000000000000000000000000000000001";
pub const WEBHOOK_PATH: &str = "/services/T000/B000/supersecretwebhookpart";
pub const AWS_SECRET: &str = "wJalrXUtnFEMI-simulated-secret";

/// The three simulated services of a deploy run.
pub struct World {
    pub gh: GitHubSim,
    pub cd: Sim,
    pub slack: SlackSim,
}

impl World {
    pub async fn new() -> World {
        let gh = GitHubSim::start().await;
        let cd = Sim::start().await;
        cd.add_group("shop", "shop-production", GroupSpec::default());
        let slack = SlackSim::start().await;
        World { gh, cd, slack }
    }

    /// PR 42, merged as SHA, with a passing gate on its head commit.
    pub fn merged_pr(&self, files: &[(&str, &str)], gate: Option<&str>) -> PrSpec {
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

    pub fn run(&self) -> ActionRun {
        self.run_for(SHA)
    }

    pub fn run_for(&self, sha: &str) -> ActionRun {
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

    pub async fn slack_bodies(&self) -> Vec<Value> {
        self.slack
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }

    pub fn no_secrets(&self, done: &Finished) {
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

    pub fn deployment_states(&self) -> Vec<String> {
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

pub fn run_blocking(run: &ActionRun) -> Finished {
    tokio::task::block_in_place(|| run.run())
}

pub fn ok_slack() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string("ok")
}
