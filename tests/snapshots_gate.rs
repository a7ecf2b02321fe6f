//! What a PR author reads after the gate, as insta snapshots of what the built binary actually
//! sent to the simulated GitHub (check run title, summary and annotations; the sticky PR comment)
//! and wrote to the job summary, one snapshot per scenario. A wording change is a reviewed diff.

mod support;

use serde_json::Value;
use support::github::{fixture, GitHubSim, PrSpec};
use support::runner::{ActionRun, Finished};

const ADD_COLUMN: &str = "class AddNickname < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nickname, :string\n  end\nend\n";
const DROP_COLUMN: &str = "class DropEmail < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :email, :string\n  end\nend\n";

fn pr_event(pr: &Value) -> Value {
    let mut e = fixture("event-pull_request-opened.json");
    e["number"] = pr["number"].clone();
    e["pull_request"] = pr.clone();
    e
}

/// A PR whose head SHA reads differently from the base and from `GITHUB_SHA`, so the snapshot
/// shows which commit a text names (`PrSpec::new` pads with zeros: all start `0000000`).
fn pr_spec(number: u64, files: &[(&str, &str)]) -> PrSpec {
    let mut spec = PrSpec::new(number, files);
    spec.head_sha = format!("{:a<40}", format!("{number}bead"));
    spec
}

fn gate(sim: &GitHubSim, spec: &PrSpec) -> Finished {
    let pr = sim.add_pr(spec);
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr));
    tokio::task::block_in_place(|| run.run())
}

/// Every text the run showed a person, in the order they meet it, in one document.
fn document(sim: &GitHubSim, pr: u64, done: &Finished) -> String {
    let mut doc = format!(
        "exit code: {}\noutputs: verdict={} release-kind={} findings={}\n",
        done.code(),
        done.output("verdict").unwrap_or_default(),
        done.output("release-kind").unwrap_or_default(),
        done.output("findings").unwrap_or_default(),
    );
    let runs = sim.check_runs();
    assert_eq!(runs.len(), 1, "one check run per gate run");
    let run = &runs[0];
    let output = &run["output"];
    doc.push_str(&format!(
        "\n===== check run `{}`: {}\ntitle: {}\n----- summary\n{}\n",
        text(&run["name"]),
        text(&run["conclusion"]),
        text(&output["title"]),
        text(&output["summary"]),
    ));
    let annotations = output["annotations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !annotations.is_empty() {
        doc.push_str("----- annotations\n");
        for a in annotations {
            doc.push_str(&format!(
                "{} {}:{}-{} {}\n  {}\n",
                text(&a["annotation_level"]),
                text(&a["path"]),
                a["start_line"],
                a["end_line"],
                text(&a["title"]),
                text(&a["message"]).replace('\n', "\n  "),
            ));
        }
    }
    let comments = sim.comments(pr);
    assert_eq!(comments.len(), 1, "one sticky comment");
    doc.push_str(&format!(
        "\n===== PR #{pr} comment\n{}\n",
        text(&comments[0]["body"])
    ));
    doc.push_str(&format!("\n===== job summary\n{}", done.summary));
    doc
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("<missing>").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn mixed_pr_fails() {
    let sim = GitHubSim::start().await;
    let spec = pr_spec(
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
        ADD_COLUMN,
    );
    let done = gate(&sim, &spec);
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    insta::assert_snapshot!(document(&sim, 7, &done));
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_only_pr_passes() {
    let sim = GitHubSim::start().await;
    let spec = pr_spec(8, &[("db/migrate/20240301000000_add_nickname.rb", "added")]);
    sim.set_content(
        &spec.head_sha,
        "db/migrate/20240301000000_add_nickname.rb",
        ADD_COLUMN,
    );
    let done = gate(&sim, &spec);
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    insta::assert_snapshot!(document(&sim, 8, &done));
}

#[tokio::test(flavor = "multi_thread")]
async fn code_only_pr_passes() {
    let sim = GitHubSim::start().await;
    let spec = pr_spec(
        9,
        &[("app/models/user.rb", "modified"), ("docs/x.md", "added")],
    );
    let done = gate(&sim, &spec);
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    insta::assert_snapshot!(document(&sim, 9, &done));
}

#[tokio::test(flavor = "multi_thread")]
async fn unsafe_migration_fails_with_a_hint() {
    let sim = GitHubSim::start().await;
    let spec = pr_spec(15, &[("db/migrate/20240302000000_drop_email.rb", "added")]);
    sim.set_content(
        &spec.head_sha,
        "db/migrate/20240302000000_drop_email.rb",
        DROP_COLUMN,
    );
    // The model still reads the column: SG006 looks it up on the base branch.
    sim.set_content(
        &spec.base_sha,
        "app/models/user.rb",
        "class User < ApplicationRecord\n  validates :email, presence: true\nend\n",
    );
    let done = gate(&sim, &spec);
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    insta::assert_snapshot!(document(&sim, 15, &done));
}

#[tokio::test(flavor = "multi_thread")]
async fn finding_accepted_by_label_passes() {
    let sim = GitHubSim::start().await;
    let mut spec = pr_spec(
        10,
        &[
            ("db/migrate/20240301000000_add_nickname.rb", "added"),
            ("app/models/user.rb", "modified"),
        ],
    );
    spec.labels = vec!["shipgate:allow-SG001".into()];
    sim.set_content(
        &spec.head_sha,
        "db/migrate/20240301000000_add_nickname.rb",
        ADD_COLUMN,
    );
    let done = gate(&sim, &spec);
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    insta::assert_snapshot!(document(&sim, 10, &done));
}

#[tokio::test(flavor = "multi_thread")]
async fn fork_pr_with_a_read_only_token_reports_in_the_log() {
    // No check run and no comment can be written: the workflow commands in the log (which the
    // runner turns into annotations) and the job summary are all the author gets.
    let sim = GitHubSim::start().await;
    let mut spec = pr_spec(11, &[("db/migrate/1_a.rb", "added"), ("app/a.rb", "added")]);
    spec.fork = true;
    sim.set_content(
        &spec.head_sha,
        "db/migrate/1_a.rb",
        "class A < ActiveRecord::Migration[7.1]\nend\n",
    );
    sim.forbid_writes();
    let done = gate(&sim, &spec);
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert!(sim.check_runs().is_empty() && sim.comments(11).is_empty());
    let log: Vec<String> = done
        .stdout()
        .lines()
        // The mask command carries the token itself; the runner never shows it.
        .filter(|l| !l.starts_with("::add-mask::"))
        .map(str::to_string)
        .collect();
    insta::assert_snapshot!(format!(
        "exit code: {}\n\n===== log\n{}\n\n===== job summary\n{}",
        done.code(),
        log.join("\n"),
        done.summary
    ));
}
