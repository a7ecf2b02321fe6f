//! The Slack notifier against a local server speaking Slack's webhook and Web API protocols
//! (answers from `tests/fixtures/slack/`). The server is the simulated Slack, so a request no mock
//! answers fails the test.

mod support;

use serde_json::Value;
use shipgate::report::slack::{render, DeployNotice, NoticeStatus, PrRef};
use shipgate::retry::RetryPolicy;
use shipgate::secret::Secret;
use shipgate::slack::{Notifier, SlackTarget};
use std::time::Duration;
use support::slack::SlackSim;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const POST_OK: &str = include_str!("fixtures/slack/chat.postMessage.ok.json");
const UPDATE_OK: &str = include_str!("fixtures/slack/chat.update.ok.json");
const UPDATE_ERR: &str = include_str!("fixtures/slack/chat.update.error.json");
const WEBHOOK_PATH: &str = "/services/T000/B000/XXXXsecretXXXX";

fn notice(status: NoticeStatus) -> DeployNotice {
    DeployNotice {
        status,
        environment: "production".into(),
        prs: vec![PrRef {
            number: 42,
            title: "Add <!channel> ping & *bold* @here".into(),
            author: "octocat".into(),
            url: "https://github.com/octo/shop/pull/42".into(),
        }],
        commit: "4c0ffee4c0ffee4c0ffee4c0ffee4c0ffee4c0ff".into(),
        commit_url: Some("https://github.com/octo/shop/commit/4c0ffee".into()),
        duration: Some(Duration::from_secs(252)),
        failing_event: Some("AfterInstall failed on i-0abc: ScriptFailed in scripts/m.sh".into()),
        phase: None,
        links: vec![(
            "Run".into(),
            "https://github.com/octo/shop/actions/runs/1".into(),
        )],
        dry_run: false,
        notes: vec![],
    }
}

fn webhook(server: &MockServer) -> Notifier {
    Notifier::new(
        SlackTarget::Webhook(Secret::new(format!("{}{WEBHOOK_PATH}", server.uri()))),
        None,
    )
    .with_retry(RetryPolicy::fast())
}

fn bot(server: &MockServer) -> Notifier {
    Notifier::new(
        SlackTarget::Bot {
            token: Secret::new("xoxb-secret-token"),
            channel: "#deploys".into(),
        },
        Some(format!("{}/api", server.uri())),
    )
    .with_retry(RetryPolicy::fast())
}

fn bodies(reqs: &[Request]) -> Vec<Value> {
    reqs.iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn webhook_posts_block_kit_and_accepts_ok() {
    let server = SlackSim::start().await;
    Mock::given(method("POST"))
        .and(path(WEBHOOK_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .mount(&server)
        .await;
    webhook(&server)
        .notify(&render(&notice(NoticeStatus::RolledBack)))
        .await
        .expect("sent");
    let reqs = server.received_requests().await.unwrap_or_default();
    let body = &bodies(&reqs)[0];
    assert!(body["text"].as_str().unwrap_or("").contains("rolled back"));
    assert_eq!(body["blocks"][0]["type"], "header");
    let all = body.to_string();
    assert!(
        all.contains("<https://github.com/octo/shop/pull/42|#42>"),
        "{all}"
    );
    assert!(all.contains("4m 12s"));
    assert!(all.contains("AfterInstall failed"));
}

#[tokio::test]
async fn pr_titles_cannot_ping_or_format() {
    let server = SlackSim::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    webhook(&server)
        .notify(&render(&notice(NoticeStatus::Failed)))
        .await
        .expect("sent");
    let reqs = server.received_requests().await.unwrap_or_default();
    let raw = String::from_utf8_lossy(&reqs[0].body).to_string();
    let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let all_text = body.to_string();
    assert!(!all_text.contains("<!channel>"), "{all_text}");
    assert!(all_text.contains("&lt;!channel&gt;"), "{all_text}");
    assert!(!all_text.contains("@here"), "{all_text}");
    assert!(!all_text.contains("*bold*"), "{all_text}");
}

#[tokio::test]
async fn bot_posts_once_then_updates_the_same_message() {
    let server = SlackSim::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(header("authorization", "Bearer xoxb-secret-token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(POST_OK, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.update"))
        .and(header("authorization", "Bearer xoxb-secret-token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(UPDATE_OK, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut n = bot(&server);
    n.notify(&render(&notice(NoticeStatus::Started)))
        .await
        .expect("posted");
    assert_eq!(n.message_ts(), Some("1503435956.000247"));
    n.notify(&render(&notice(NoticeStatus::Succeeded)))
        .await
        .expect("updated");
    let reqs = server.received_requests().await.unwrap_or_default();
    let b = bodies(&reqs);
    assert_eq!(b[0]["channel"], "#deploys");
    assert!(b[0].get("ts").is_none());
    // The update goes to the channel id and ts chat.postMessage returned.
    assert_eq!(b[1]["channel"], "C1H9RESGL");
    assert_eq!(b[1]["ts"], "1503435956.000247");
    assert!(b[1]["text"]
        .as_str()
        .unwrap_or("")
        .contains("Deployed to production"));
}

#[tokio::test]
async fn an_update_that_cannot_be_applied_posts_a_new_message() {
    let server = SlackSim::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(POST_OK, "application/json"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.update"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(UPDATE_ERR, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut n = bot(&server);
    n.notify(&render(&notice(NoticeStatus::Started)))
        .await
        .expect("posted");
    n.notify(&render(&notice(NoticeStatus::Failed)))
        .await
        .expect("re-posted");
}

#[tokio::test]
async fn rate_limit_waits_retry_after_then_succeeds() {
    let server = SlackSim::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    // RetryPolicy::fast caps Retry-After at milliseconds; the production cap is a minute.
    webhook(&server)
        .notify(&render(&notice(NoticeStatus::Failed)))
        .await
        .expect("sent after 429");
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        2
    );
}

#[tokio::test]
async fn webhook_errors_never_contain_the_url() {
    let server = SlackSim::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("rollup_error"))
        .mount(&server)
        .await;
    let err = webhook(&server)
        .notify(&render(&notice(NoticeStatus::Failed)))
        .await
        .expect_err("500");
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("500") && text.contains("rollup_error"),
        "{text}"
    );
    assert!(!text.contains("XXXXsecretXXXX"), "{text}");
    assert!(!text.contains(&server.uri()), "{text}");

    let gone = SlackSim::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("channel_not_found"))
        .expect(1) // 4xx is not retried
        .mount(&gone)
        .await;
    let err = webhook(&gone)
        .notify(&render(&notice(NoticeStatus::Failed)))
        .await
        .expect_err("404");
    assert!(err.to_string().contains("channel_not_found"));
}

#[tokio::test]
async fn unreachable_slack_error_has_no_url() {
    // A port nothing listens on (wiremock pools dropped servers, so bind and release one).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let uri = format!("http://127.0.0.1:{port}");
    let mut n = Notifier::new(
        SlackTarget::Webhook(Secret::new(format!("{uri}{WEBHOOK_PATH}"))),
        None,
    )
    .with_retry(RetryPolicy::none());
    let err = n
        .notify(&render(&notice(NoticeStatus::Failed)))
        .await
        .expect_err("down");
    let text = format!("{err} {err:?}");
    eprintln!("{err}");
    assert!(text.contains("could not reach Slack"), "{text}");
    assert!(
        !text.contains("XXXXsecretXXXX") && !text.contains(&uri),
        "{text}"
    );
}

#[tokio::test]
async fn web_api_errors_name_the_error_not_the_token() {
    let server = SlackSim::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"ok": false, "error": "channel_not_found"}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = bot(&server)
        .notify(&render(&notice(NoticeStatus::Failed)))
        .await
        .expect_err("api error");
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("chat.postMessage") && text.contains("channel_not_found"),
        "{text}"
    );
    assert!(!text.contains("xoxb-secret-token"), "{text}");
}
