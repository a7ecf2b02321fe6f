//! The gate when GitHub answers errors: it may not vouch for a migration it could not read.

mod support;

use serde_json::Value;
use support::github::{fixture, GitHubSim, PrSpec};
use support::runner::ActionRun;

fn pr_event(pr: &Value) -> Value {
    let mut e = fixture("event-pull_request-opened.json");
    e["number"] = pr["number"].clone();
    e["pull_request"] = pr.clone();
    e
}

#[tokio::test(flavor = "multi_thread")]
async fn a_migration_that_could_not_be_read_does_not_pass() {
    let sim = GitHubSim::start().await;
    let spec = PrSpec::new(31, &[("db/migrate/20240303000000_drop_email.rb", "added")]);
    sim.set_content(
        &spec.head_sha,
        "db/migrate/20240303000000_drop_email.rb",
        "class DropEmail < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :email\n  end\nend\n",
    );
    // GitHub has a bad minute on the contents API, and only there.
    sim.fail("GET", "/contents/", 502);
    let pr = sim.add_pr(&spec);
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr));
    let done = tokio::task::block_in_place(|| run.run());
    assert_ne!(
        done.output("verdict").as_deref(),
        Some("pass"),
        "{}\n{}",
        done.stdout(),
        done.stderr()
    );
    assert_eq!(done.code(), 1);
    assert!(
        done.summary.contains("SG010")
            && done
                .summary
                .contains("could not read `db/migrate/20240303000000_drop_email.rb`"),
        "{}",
        done.summary
    );
    assert!(
        done.stdout()
            .contains("::warning::shipgate could not read db/migrate/"),
        "the log says why: {}",
        done.stdout()
    );
    assert!(
        sim.check_runs()
            .iter()
            .all(|c| c["conclusion"] != "success"),
        "{:?}",
        sim.check_runs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_errors_are_answered_and_expected() {
    // The helper the test above relies on: the fault is answered, recorded, and not unexpected.
    let sim = GitHubSim::start().await;
    sim.fail("GET", "/pulls/5", 503);
    let resp = reqwest::get(format!("{}/repos/octo-org/shop/pulls/5", sim.url()))
        .await
        .expect("answers");
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(sim.requests().len(), 1);
    assert!(sim.unexpected().is_empty());
}
