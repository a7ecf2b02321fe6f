//! A simulated Slack: a wiremock server that speaks the incoming-webhook and Web API protocols
//! (answers from `tests/fixtures/slack/`), and fails the test at teardown when a request reached
//! no route, like the simulated GitHub. Tests may still mount their own mocks on it (a 429, a
//! 500); anything no mock matches is answered 501 and recorded as unexpected.

use serde_json::Value;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const POST_OK: &str = include_str!("../fixtures/slack/chat.postMessage.ok.json");
const UPDATE_OK: &str = include_str!("../fixtures/slack/chat.update.ok.json");

#[derive(Default)]
struct Unexpected {
    requests: Vec<String>,
    allowed: Option<String>,
}

pub struct SlackSim {
    pub server: MockServer,
    unexpected: Arc<Mutex<Unexpected>>,
}

/// So `Mock::mount(&sim)`, `sim.uri()` and `sim.received_requests()` work as on the server.
impl Deref for SlackSim {
    type Target = MockServer;
    fn deref(&self) -> &MockServer {
        &self.server
    }
}

impl SlackSim {
    /// A server with no route but the fallback: mount [`SlackSim::accept_webhook`],
    /// [`SlackSim::accept_web_api`] or a test's own mocks.
    pub async fn start() -> SlackSim {
        let server = MockServer::start().await;
        let unexpected = Arc::new(Mutex::new(Unexpected::default()));
        Mock::given(any())
            .respond_with(Fallback {
                unexpected: unexpected.clone(),
            })
            // Below every mock a test mounts (wiremock's default priority is 5).
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        SlackSim { server, unexpected }
    }

    /// The incoming webhook at `webhook_path`, answering `ok` as Slack does.
    pub async fn accept_webhook(&self, webhook_path: &str) {
        Mock::given(method("POST"))
            .and(path(webhook_path))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&self.server)
            .await;
    }

    /// `chat.postMessage` and `chat.update` under `/api`, answering Slack's own examples.
    pub async fn accept_web_api(&self) {
        for (name, answer) in [("chat.postMessage", POST_OK), ("chat.update", UPDATE_OK)] {
            Mock::given(method("POST"))
                .and(path(format!("/api/{name}")))
                .respond_with(ResponseTemplate::new(200).set_body_raw(answer, "application/json"))
                .mount(&self.server)
                .await;
        }
    }

    /// The Web API base URL to give shipgate (`SLACK_API_URL`).
    pub fn api_url(&self) -> String {
        format!("{}/api", self.server.uri())
    }

    /// `(path, JSON body)` of every request received, in order.
    pub async fn bodies(&self) -> Vec<(String, Value)> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| {
                (
                    r.url.path().to_string(),
                    serde_json::from_slice(&r.body).unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    pub fn unexpected(&self) -> Vec<String> {
        self.unexpected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .requests
            .clone()
    }

    /// Lets this test send requests no mock answers; say why.
    pub fn allow_unexpected(&self, reason: &str) {
        assert!(
            !reason.trim().is_empty(),
            "say why unexpected requests are fine"
        );
        self.unexpected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .allowed = Some(reason.to_string());
    }
}

impl Drop for SlackSim {
    fn drop(&mut self) {
        // A second panic while unwinding would abort and hide the first failure.
        if std::thread::panicking() {
            return;
        }
        let u = self.unexpected.lock().unwrap_or_else(|p| p.into_inner());
        if u.allowed.is_none() && !u.requests.is_empty() {
            panic!(
                "the simulated Slack got requests no route answers (answered 501): {:?}\nmount \
                 the route in the test, or call slack.allow_unexpected(\"why\")",
                u.requests
            );
        }
    }
}

struct Fallback {
    unexpected: Arc<Mutex<Unexpected>>,
}

impl Respond for Fallback {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        // The path only: a webhook URL's path is a secret in production, but here it is a test
        // value, and naming it is what makes the failure readable.
        let what = format!("{} {}", req.method, req.url.path());
        self.unexpected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .requests
            .push(what.clone());
        ResponseTemplate::new(501).set_body_string(format!("no_route: {what}"))
    }
}
