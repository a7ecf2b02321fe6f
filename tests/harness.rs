//! The simulators' teardown checks themselves: a request to a route nobody knows is answered so
//! the caller fails loudly, and fails the test when the simulator is dropped, unless the test
//! opted out with a reason; a known route on a missing object stays a plain 404. Without these,
//! a check that silently stopped firing would look exactly like a suite with no stray requests.

mod codedeploy_sim;
mod support;

use codedeploy_sim::Sim;
use support::github::GitHubSim;
use support::slack::SlackSim;

async fn get(url: String) -> (u16, String) {
    let resp = reqwest::get(url).await.expect("the simulator answers");
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

#[tokio::test]
#[should_panic(expected = "the simulated GitHub got requests to routes it does not know")]
async fn unknown_github_route_answers_501_and_fails_the_test_at_teardown() {
    let sim = GitHubSim::start().await;
    let (status, body) = get(format!("{}/repos/octo-org/shop/branches/main", sim.url())).await;
    assert_eq!(status, 501);
    assert!(
        body.contains("no route for GET /repos/octo-org/shop/branches/main"),
        "{body}"
    );
    assert_eq!(
        sim.unexpected(),
        vec!["GET /repos/octo-org/shop/branches/main"]
    );
}

#[tokio::test]
#[should_panic(expected = "GET /repos/someone/else/pulls/1")]
async fn another_repository_is_unexpected_too() {
    let sim = GitHubSim::start().await;
    let (status, _) = get(format!("{}/repos/someone/else/pulls/1", sim.url())).await;
    assert_eq!(status, 501);
}

#[tokio::test]
async fn missing_objects_on_known_routes_are_404_and_expected() {
    let sim = GitHubSim::start().await;
    for path in [
        "/repos/octo-org/shop/pulls/999",
        "/repos/octo-org/shop/pulls/999/files",
        "/repos/octo-org/shop/contents/db/migrate/1_a.rb?ref=abc",
    ] {
        let (status, body) = get(format!("{}{path}", sim.url())).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Not Found"), "{body}");
    }
    assert!(sim.unexpected().is_empty(), "{:?}", sim.unexpected());
}

#[tokio::test]
async fn an_unknown_write_on_a_read_only_token_is_still_unexpected() {
    let sim = GitHubSim::start().await;
    sim.forbid_writes();
    let resp = reqwest::Client::new()
        .post(format!("{}/repos/octo-org/shop/git/refs", sim.url()))
        .json(&serde_json::json!({"ref": "refs/heads/x", "sha": "0"}))
        .send()
        .await
        .expect("answers");
    assert_eq!(resp.status().as_u16(), 501, "not hidden behind the 403");
    assert_eq!(sim.unexpected().len(), 1);
    sim.allow_unexpected("this test sends the stray request on purpose");
}

#[tokio::test]
async fn allow_unexpected_lets_a_test_opt_out() {
    let sim = GitHubSim::start().await;
    sim.allow_unexpected("this test sends the stray request on purpose");
    let (status, _) = get(format!("{}/rate_limit", sim.url())).await;
    assert_eq!(status, 501);
}

#[tokio::test]
#[should_panic(expected = "the simulated Slack got requests no route answers")]
async fn unrouted_slack_request_answers_501_and_fails_the_test_at_teardown() {
    let slack = SlackSim::start().await;
    slack.accept_webhook("/services/T/B/x").await;
    let client = reqwest::Client::new();
    let ok = client
        .post(format!("{}/services/T/B/x", slack.uri()))
        .body("{}")
        .send()
        .await
        .expect("answers");
    assert_eq!(ok.text().await.unwrap_or_default(), "ok");
    let stray = client
        .post(format!("{}/api/chat.delete", slack.uri()))
        .body("{}")
        .send()
        .await
        .expect("answers");
    assert_eq!(stray.status().as_u16(), 501);
    assert_eq!(slack.unexpected(), vec!["POST /api/chat.delete"]);
}

#[tokio::test]
async fn routed_slack_requests_pass_teardown() {
    let slack = SlackSim::start().await;
    slack.accept_web_api().await;
    let resp = reqwest::Client::new()
        .post(format!("{}/chat.postMessage", slack.api_url()))
        .body(r#"{"channel":"C1","text":"hi"}"#)
        .send()
        .await
        .expect("answers");
    let answer: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(answer["ok"], true);
    assert_eq!(slack.bodies().await[0].1["channel"], "C1");
}

#[tokio::test]
#[should_panic(expected = "operation DeleteApplication is not modelled")]
async fn unknown_codedeploy_operation_fails_the_test_at_teardown() {
    let sim = Sim::start().await;
    let resp = reqwest::Client::new()
        .post(sim.server.uri())
        .header("x-amz-target", "CodeDeploy_20141006.DeleteApplication")
        .header("content-type", "application/x-amz-json-1.1")
        .header("authorization", "AWS4-HMAC-SHA256 simulated")
        .body(r#"{"applicationName":"shop"}"#)
        .send()
        .await
        .expect("answers");
    assert_eq!(resp.status().as_u16(), 400);
    let body = resp.text().await.unwrap_or_default();
    assert!(body.contains("UnknownOperationException"), "{body}");
}

#[tokio::test]
#[should_panic(expected = "no such route: GET /2014-10-06/applications")]
async fn a_request_that_is_not_post_slash_is_a_codedeploy_problem() {
    let sim = Sim::start().await;
    let (status, _) = get(format!("{}/2014-10-06/applications", sim.server.uri())).await;
    assert_eq!(status, 501);
}

#[tokio::test]
async fn allow_problems_lets_a_codedeploy_test_opt_out() {
    let sim = Sim::start().await;
    sim.allow_problems("this test sends the bad request on purpose");
    let (status, _) = get(format!("{}/", sim.server.uri())).await;
    assert_eq!(status, 501);
    assert_eq!(sim.problems(), vec!["no such route: GET /"]);
}
