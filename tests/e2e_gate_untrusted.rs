//! The gate with hostile PR content: what the author controls must not become a workflow command
//! in the log (the runner acts on any stdout line that starts with `::`).

mod support;

use support::github::{fixture, GitHubSim, PrSpec};
use support::runner::ActionRun;

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_title_cannot_inject_workflow_commands() {
    let sim = GitHubSim::start().await;
    let mut spec = PrSpec::new(7, &[("app/a.rb", "added")]);
    // The REST API takes any string as a title; the UI is not the only way to open a PR.
    spec.title = "fix\n::stop-commands::pwned\r\n::error title=pwned::injected".into();
    let pr = sim.add_pr(&spec);
    let mut event = fixture("event-pull_request-opened.json");
    event["number"] = pr["number"].clone();
    event["pull_request"] = pr.clone();
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &event);
    let done = tokio::task::block_in_place(|| run.run());
    assert_eq!(done.code(), 0, "{}\n{}", done.stdout(), done.stderr());
    let out = done.stdout();
    let injected: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("pwned") && l.trim_start_matches('\r').starts_with("::"))
        .collect();
    assert!(injected.is_empty(), "{injected:?}");
}
