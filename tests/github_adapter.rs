//! The GitHub adapter against the simulated GitHub: exact requests, pagination, batching.

mod support;

use shipgate::github::{Annotation, CheckRunReport, Conclusion, GitHub};
use shipgate::model::{CommitSha, FileStatus, PrNumber, RepoName};
use shipgate::secret::Secret;
use support::github::{GitHubSim, PrSpec};

fn client(sim: &GitHubSim, base: &str) -> GitHub {
    GitHub::new(
        base,
        Some(&Secret::new("ghs_x")),
        RepoName::parse(&sim.full_name()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn annotations_are_sent_fifty_per_request() {
    let sim = GitHubSim::start().await;
    let gh = client(&sim, &sim.url());
    let annotations: Vec<Annotation> = (0..120)
        .map(|i| Annotation {
            path: "db/migrate/1_a.sql".into(),
            start_line: i + 1,
            end_line: i + 1,
            annotation_level: "warning",
            message: format!("finding {i}"),
            title: "SG301".into(),
        })
        .collect();
    let report = CheckRunReport {
        name: "shipgate".into(),
        head_sha: CommitSha("a".repeat(40)),
        conclusion: Conclusion::Failure,
        title: "t".into(),
        summary: "s".into(),
        details_url: None,
        annotations,
    };
    let id = gh.publish_check_run(&report).await.unwrap();
    let writes = sim.writes();
    let shape: Vec<(String, String, usize)> = writes
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.path.clone(),
                r.body["output"]["annotations"]
                    .as_array()
                    .map_or(0, Vec::len),
            )
        })
        .collect();
    let patch = format!("/repos/octo-org/shop/check-runs/{id}");
    assert_eq!(
        shape,
        vec![
            ("POST".into(), "/repos/octo-org/shop/check-runs".into(), 50),
            ("PATCH".into(), patch.clone(), 50),
            ("PATCH".into(), patch, 20),
        ]
    );
    assert_eq!(writes[0].body["conclusion"], "failure");
    assert_eq!(writes[0].body["status"], "completed");
    assert_eq!(
        sim.check_runs()[0]["output"]["annotations"]
            .as_array()
            .unwrap()
            .len(),
        120
    );
    sim.assert_writes_match_schemas();
}

#[tokio::test]
async fn contents_are_decoded_and_missing_files_are_none() {
    let sim = GitHubSim::start().await;
    let gh = client(&sim, &sim.url());
    let text = "ALTER TABLE users DROP COLUMN email;\n".repeat(10);
    sim.set_content("abc", "db/migrate/V1 init.sql", &text);
    assert_eq!(
        gh.file_at("db/migrate/V1 init.sql", "abc").await.unwrap(),
        Some(text)
    );
    assert_eq!(
        gh.file_at("db/migrate/other.sql", "abc").await.unwrap(),
        None
    );
    let paths: Vec<String> = sim.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths[0],
        "/repos/octo-org/shop/contents/db/migrate/V1%20init.sql"
    );
}

#[tokio::test]
async fn enterprise_base_path_is_kept() {
    let sim = GitHubSim::start().await;
    let gh = client(&sim, &format!("{}/api/v3", sim.url()));
    let spec = PrSpec::new(5, &[("db/migrate/1_a.rb", "removed")]);
    sim.add_pr(&spec);
    let pr = gh.pull_request(PrNumber(5)).await.unwrap();
    assert_eq!(pr.head_sha.0, spec.head_sha);
    let files = gh.pull_request_files(PrNumber(5)).await.unwrap();
    assert_eq!(files[0].status, FileStatus::Removed);
    assert!(sim
        .requests()
        .iter()
        .all(|r| r.path.starts_with("/api/v3/repos/")));
}

#[tokio::test]
async fn api_errors_carry_status_without_the_token() {
    let sim = GitHubSim::start().await;
    let gh = client(&sim, &sim.url());
    let err = gh.pull_request(PrNumber(404)).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(!err.to_string().contains("ghs_x"));
    sim.forbid_writes();
    let err = gh
        .upsert_comment(PrNumber(1), "<!-- m -->", "hello")
        .await
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err}");
}

#[tokio::test]
async fn webhook_pull_request_payload_parses() {
    let event = support::github::fixture("event-pull_request-opened.json");
    let pr = shipgate::github::pull_request_from_event(&event["pull_request"]).unwrap();
    assert_eq!(pr.number, PrNumber(2));
    assert_eq!(pr.labels, vec!["bug".to_string()]);
    assert!(!pr.merged);
    assert!(!pr.is_fork());
}

#[test]
fn request_schemas_reject_bad_bodies() {
    let schemas = support::github::fixture("request-schemas.json");
    let statuses = &schemas["POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"];
    let v = jsonschema::validator_for(statuses).unwrap();
    assert!(v.is_valid(&serde_json::json!({"state": "success"})));
    assert!(!v.is_valid(&serde_json::json!({"state": "shipped"})));
    let check = &schemas["POST /repos/{owner}/{repo}/check-runs"];
    let v = jsonschema::validator_for(check).unwrap();
    assert!(!v.is_valid(&serde_json::json!({"name": "x", "head_sha": "a", "details_url": null})));
}
