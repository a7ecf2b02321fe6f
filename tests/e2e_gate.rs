//! The gate end to end: the built binary run as the Actions runner runs it, against the
//! simulated GitHub.

mod support;

use serde_json::json;
use support::github::{fixture, GitHubSim, PrSpec};
use support::runner::ActionRun;

fn pr_event(pr: &serde_json::Value) -> serde_json::Value {
    let mut e = fixture("event-pull_request-opened.json");
    e["number"] = pr["number"].clone();
    e["pull_request"] = pr.clone();
    e
}

async fn gate(sim: &GitHubSim, spec: &PrSpec) -> (ActionRun, support::runner::Finished) {
    let pr = sim.add_pr(spec);
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr));
    let done = tokio::task::block_in_place(|| run.run());
    (run, done)
}

#[tokio::test(flavor = "multi_thread")]
async fn mixed_pr_fails_with_check_run_comment_summary_and_outputs() {
    let sim = GitHubSim::start().await;
    let spec = PrSpec::new(
        7,
        &[
            ("db/migrate/20240301000000_add_nickname.rb", "added"),
            ("app/models/user.rb", "modified"),
            ("README.md", "modified"),
        ],
    );
    sim.set_content(
        &spec.head_sha,
        "db/migrate/20240301000000_add_nickname.rb",
        "class AddNickname < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nickname, :string\n  end\nend\n",
    );
    let (_run, done) = gate(&sim, &spec).await;
    assert_eq!(
        done.code(),
        1,
        "stdout: {}\nstderr: {}",
        done.stdout(),
        done.stderr()
    );
    assert_eq!(done.output("verdict").as_deref(), Some("fail"));
    assert_eq!(done.output("release-kind").as_deref(), Some("mixed"));
    assert_eq!(done.output("findings").as_deref(), Some("1"));
    assert!(done.summary.contains("❌ shipgate: Not safe to deploy"));
    assert!(done.summary.contains("SG001"));

    let runs = sim.check_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["name"], "shipgate");
    assert_eq!(runs[0]["conclusion"], "failure");
    assert_eq!(runs[0]["head_sha"], json!(spec.head_sha));
    let ann = &runs[0]["output"]["annotations"][0];
    assert_eq!(ann["path"], "db/migrate/20240301000000_add_nickname.rb");
    assert_eq!(ann["start_line"], 1);
    assert_eq!(ann["annotation_level"], "failure");

    let comments = sim.comments(7);
    assert_eq!(comments.len(), 1);
    let body = comments[0]["body"].as_str().unwrap();
    assert!(body.starts_with("<!-- shipgate:gate -->"));
    assert!(body.contains("Split it"));

    // The token is sent, and never printed.
    let reqs = sim.requests();
    let auth: Vec<_> = reqs.iter().map(|r| r.authorization.clone()).collect();
    assert!(
        auth.iter()
            .all(|a| a.as_deref() == Some("Bearer ghs_testtoken123")),
        "{auth:?}"
    );
    // The only place the token appears is the runner's mask command, which hides it.
    let out = done.stdout();
    assert!(out.contains("::add-mask::ghs_testtoken123"));
    assert!(out
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .all(|l| !l.contains("ghs_testtoken123")));
    assert!(!done.stderr().contains("ghs_testtoken123"));
    assert!(!done.summary.contains("ghs_testtoken123"));
    sim.assert_writes_match_schemas();
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_only_pr_passes() {
    let sim = GitHubSim::start().await;
    let spec = PrSpec::new(8, &[("db/migrate/20240301000000_add_nickname.rb", "added")]);
    sim.set_content(
        &spec.head_sha,
        "db/migrate/20240301000000_add_nickname.rb",
        "class AddNickname < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nickname, :string\n  end\nend\n",
    );
    let (_run, done) = gate(&sim, &spec).await;
    assert_eq!(done.code(), 0, "{}{}", done.stdout(), done.stderr());
    assert_eq!(done.output("verdict").as_deref(), Some("pass"));
    assert_eq!(done.output("release-kind").as_deref(), Some("schema"));
    assert_eq!(sim.check_runs()[0]["conclusion"], "success");
}

#[tokio::test(flavor = "multi_thread")]
async fn code_only_pr_passes() {
    let sim = GitHubSim::start().await;
    let spec = PrSpec::new(
        9,
        &[("app/models/user.rb", "modified"), ("docs/x.md", "added")],
    );
    let (_run, done) = gate(&sim, &spec).await;
    assert_eq!(done.code(), 0, "{}{}", done.stdout(), done.stderr());
    assert_eq!(done.output("release-kind").as_deref(), Some("code"));
    assert_eq!(done.output("findings").as_deref(), Some("0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn second_run_updates_the_comment_in_place() {
    let sim = GitHubSim::start().await;
    let spec = PrSpec::new(10, &[("db/migrate/1_a.rb", "added"), ("app/a.rb", "added")]);
    sim.set_content(
        &spec.head_sha,
        "db/migrate/1_a.rb",
        "class A < ActiveRecord::Migration[7.1]\nend\n",
    );
    let (run, first) = gate(&sim, &spec).await;
    assert_eq!(first.code(), 1);
    // The author adds the acceptance label and the workflow runs again.
    let mut relabeled = spec.clone();
    relabeled.labels = vec!["shipgate:allow-SG001".into()];
    sim.add_pr(&relabeled);
    let second = tokio::task::block_in_place(|| run.run());
    assert_eq!(second.code(), 0, "{}", second.stdout());
    let comments = sim.comments(10);
    assert_eq!(comments.len(), 1, "one sticky comment");
    sim.assert_writes_match_schemas();
    let body = comments[0]["body"].as_str().unwrap();
    assert!(
        body.contains("accepted by label `shipgate:allow-SG001`"),
        "{body}"
    );
    let writes: Vec<String> = sim
        .writes()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        writes,
        vec![
            "POST /repos/octo-org/shop/check-runs",
            "POST /repos/octo-org/shop/issues/10/comments",
            "POST /repos/octo-org/shop/check-runs",
            format!(
                "PATCH /repos/octo-org/shop/issues/comments/{}",
                comments[0]["id"]
            )
            .as_str(),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fork_pr_with_read_only_token_still_reports() {
    let sim = GitHubSim::start().await;
    let mut spec = PrSpec::new(11, &[("db/migrate/1_a.rb", "added"), ("app/a.rb", "added")]);
    spec.fork = true;
    sim.set_content(
        &spec.head_sha,
        "db/migrate/1_a.rb",
        "class A < ActiveRecord::Migration[7.1]\nend\n",
    );
    sim.forbid_writes();
    let (_run, done) = gate(&sim, &spec).await;
    assert_eq!(done.code(), 1, "{}{}", done.stdout(), done.stderr());
    let out = done.stdout();
    assert!(
        out.contains("::warning::shipgate could not publish the check run: the token is read-only")
    );
    assert!(out.contains("::error file=db/migrate/1_a.rb,line=1,title=SG001 error::"));
    assert!(done.summary.contains("SG001"));
    assert_eq!(done.output("verdict").as_deref(), Some("fail"));
    assert!(sim.check_runs().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn files_are_paginated() {
    let sim = GitHubSim::start().await;
    let files: Vec<(String, &str)> = (0..250)
        .map(|i| (format!("app/m{i}.rb"), "added"))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let spec = PrSpec::new(12, &refs);
    let (_run, done) = gate(&sim, &spec).await;
    assert_eq!(done.code(), 0);
    let pages: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/pulls/12/files"))
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(
        pages,
        vec![
            "per_page=100&page=1",
            "per_page=100&page=2",
            "per_page=100&page=3"
        ]
    );
    assert!(done.stdout().contains("changes 250 file(s)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_exits_2_names_it_and_sends_nothing() {
    let sim = GitHubSim::start().await;
    let spec = PrSpec::new(13, &[("db/migrate/1_a.rb", "added")]);
    let pr = sim.add_pr(&spec);
    for (name, value) in [
        ("mixed-changes", "sometimes"),
        ("sql-dialect", "oracle"),
        ("dry-run", "perhaps"),
    ] {
        let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr))
            .input(name, value);
        let done = tokio::task::block_in_place(|| run.run());
        assert_eq!(done.code(), 2, "{name}: {}", done.stderr());
        assert!(
            done.stderr().contains(&format!("input '{name}'")),
            "{}",
            done.stderr()
        );
        assert!(done
            .stdout()
            .contains(&format!("::error title=shipgate::input '{name}'")));
    }
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr))
        .env("INPUT_GITHUB-TOKEN", "");
    let done = tokio::task::block_in_place(|| run.run());
    assert_eq!(done.code(), 2);
    assert!(done.stderr().contains("input 'github-token'"));
    assert!(
        sim.requests().is_empty(),
        "nothing may be sent on bad input"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gate_outside_a_pr_event_is_a_configuration_error() {
    let sim = GitHubSim::start().await;
    let run = ActionRun::new(
        &sim.url(),
        &sim.full_name(),
        "push",
        &fixture("event-push.json"),
    )
    .input("command", "gate");
    let done = tokio::task::block_in_place(|| run.run());
    assert_eq!(done.code(), 2);
    assert!(done.stderr().contains("needs a pull_request event"));
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_writes_nothing_to_github() {
    let sim = GitHubSim::start().await;
    let spec = PrSpec::new(14, &[("db/migrate/1_a.rb", "added"), ("app/a.rb", "added")]);
    sim.set_content(
        &spec.head_sha,
        "db/migrate/1_a.rb",
        "class A < ActiveRecord::Migration[7.1]\nend\n",
    );
    let pr = sim.add_pr(&spec);
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr))
        .input("dry-run", "true");
    let done = tokio::task::block_in_place(|| run.run());
    assert_eq!(done.code(), 1);
    assert!(done.stdout().contains("dry-run: would publish check run"));
    assert!(sim.writes().is_empty());
    assert_eq!(done.output("verdict").as_deref(), Some("fail"));
}

#[tokio::test(flavor = "multi_thread")]
async fn checked_out_workspace_is_read_instead_of_the_contents_api() {
    let sim = GitHubSim::start().await;
    let ws = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| git_in(ws.path(), args);
    git(&["init", "-q"]);
    let file = "src/main/resources/db/migration/V2__drop_email.sql";
    std::fs::create_dir_all(ws.path().join("src/main/resources/db/migration")).unwrap();
    std::fs::write(
        ws.path().join(file),
        "-- drop the old column\nSET lock_wait_timeout = 5;\nALTER TABLE users DROP COLUMN email;\n",
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "drop"]);
    let head = git(&["rev-parse", "HEAD"]);

    let mut spec = PrSpec::new(21, &[(file, "added")]);
    spec.head_sha = head.clone();
    let pr = sim.add_pr(&spec);
    let sarif_dir = tempfile::tempdir().unwrap();
    let sarif_path = sarif_dir.path().join("results/shipgate.sarif");
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr))
        .workspace(ws.path())
        .env("GITHUB_SHA", &head)
        .input("sarif-file", sarif_path.to_str().unwrap());
    let done = tokio::task::block_in_place(|| run.run());
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert!(
        !sim.requests()
            .iter()
            .any(|r| r.path.contains("/contents/") && r.query.contains(&head)),
        "the head file came from the workspace"
    );
    let runs = sim.check_runs();
    let anns = runs[0]["output"]["annotations"].as_array().unwrap();
    let drop = anns
        .iter()
        .find(|a| a["title"].as_str().unwrap_or("").starts_with("SG102"))
        .unwrap_or_else(|| panic!("no SG102 annotation: {anns:?}"));
    assert_eq!(drop["path"], file);
    assert_eq!(drop["start_line"], 3);
    assert_eq!(drop["annotation_level"], "failure");
    // The annotation names the exact way out and the rule's page.
    let message = drop["message"].as_str().unwrap();
    assert!(
        message.contains(
            "To accept it: `-- shipgate:allow SG102 <reason>` on the statement, or the PR label `shipgate:allow-SG102`."
        ),
        "{message}"
    );
    assert!(message.contains("docs/rules/SG102.md"), "{message}");

    // The log shows the statement from the workspace, underlined.
    let out = done.stdout();
    assert!(
        out.contains("3 | ALTER TABLE users DROP COLUMN email;\n  | ^^^^^"),
        "{out}"
    );

    // `sarif-file`: the same findings as SARIF, located relative to the repository root.
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "SG102")
        .unwrap_or_else(|| panic!("{results:?}"));
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        file
    );
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
}

fn git_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// 3,000 code files, then a migration the API never lists.
fn capped_pr(number: u64) -> (PrSpec, Vec<String>) {
    let mut paths: Vec<String> = (0..3000)
        .map(|i| format!("app/models/m{i:04}.rb"))
        .collect();
    paths.push("db/migrate/20240301000000_drop_email.rb".into());
    let refs: Vec<(&str, &str)> = paths.iter().map(|p| (p.as_str(), "added")).collect();
    (PrSpec::new(number, &refs), paths)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_past_the_api_s_file_cap_fails_closed_without_a_checkout() {
    let sim = GitHubSim::start().await;
    let (spec, _) = capped_pr(30);
    let (_run, done) = gate(&sim, &spec).await;
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert_eq!(done.output("verdict").as_deref(), Some("fail"));
    assert!(done.summary.contains("SG010"), "{}", done.summary);
    assert!(done.summary.contains("fetch-depth: 0"));
    assert_eq!(sim.check_runs()[0]["conclusion"], "failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_past_the_api_s_file_cap_is_read_in_full_from_the_checkout() {
    let sim = GitHubSim::start().await;
    let ws = tempfile::tempdir().unwrap();
    git_in(ws.path(), &["init", "-q"]);
    std::fs::write(ws.path().join("README.md"), "shop\n").unwrap();
    git_in(ws.path(), &["add", "-A"]);
    git_in(ws.path(), &["commit", "-q", "-m", "base"]);
    let base = git_in(ws.path(), &["rev-parse", "HEAD"]);
    let (mut spec, paths) = capped_pr(31);
    for p in &paths {
        let full = ws.path().join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        let body = if p.starts_with("db/") {
            "class DropEmail < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :email, :string\n  end\nend\n"
        } else {
            "class M; end\n"
        };
        std::fs::write(full, body).unwrap();
    }
    git_in(ws.path(), &["add", "-A"]);
    git_in(ws.path(), &["commit", "-q", "-m", "head"]);
    let head = git_in(ws.path(), &["rev-parse", "HEAD"]);
    spec.head_sha = head.clone();
    spec.base_sha = base;
    let pr = sim.add_pr(&spec);
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr))
        .workspace(ws.path())
        .env("GITHUB_SHA", &head);
    let done = tokio::task::block_in_place(|| run.run());
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert!(
        done.stdout().contains("changes 3001 file(s)"),
        "{}",
        done.stdout()
    );
    // The migration the API never listed was seen: the change is mixed, and complete.
    assert!(done.summary.contains("SG001"), "{}", done.summary);
    assert!(!done.summary.contains("SG010"), "{}", done.summary);
    assert_eq!(done.output("release-kind").as_deref(), Some("mixed"));
    assert!(
        !sim.requests()
            .iter()
            .any(|r| r.path.ends_with("/pulls/31/files")),
        "the files came from git"
    );
}
