//! What people read after a deploy, as insta snapshots of what the built binary actually sent
//! and wrote: the job summary, the comment on the shipped PR, the GitHub Deployment statuses, and
//! every Slack body (incoming webhook, or `chat.postMessage` / `chat.update` with a bot token),
//! for a success, a failure rolled back, and a refusal. Run times are replaced by `<duration>`.

mod codedeploy_sim;
mod deploy_world;
mod support;

use codedeploy_sim::{End, Plan};
use deploy_world::{run_blocking, World, WEBHOOK_PATH};
use regex::Regex;
use serde_json::Value;
use support::runner::{ActionRun, Finished};

/// The Slack destination of a scenario.
#[derive(Clone, Copy)]
enum Slack {
    Webhook,
    Bot,
}

/// How a scenario ends.
#[derive(Clone, Copy)]
enum Outcome {
    Success,
    RolledBack,
    /// No gate ever ran on the PR.
    Refused,
}

async fn scenario(slack: Slack, outcome: Outcome) -> String {
    let w = World::new().await;
    let gate = match outcome {
        Outcome::Refused => None,
        _ => Some("success"),
    };
    w.merged_pr(&[("app/models/user.rb", "modified")], gate);
    if let Outcome::RolledBack = outcome {
        w.cd.plan(Plan::new(2, End::fail_after_install()));
    }
    let mut run = w.run().input("slack-notify", "always");
    match slack {
        Slack::Webhook => w.slack.accept_webhook(WEBHOOK_PATH).await,
        Slack::Bot => {
            w.slack.accept_web_api().await;
            run = run
                .env("INPUT_SLACK-WEBHOOK-URL", "")
                .env("SLACK_API_URL", &w.slack.api_url())
                .input("slack-bot-token", "xoxb-secret-bot-token")
                .input("slack-channel", "C1H9RESGL");
        }
    }
    let done = run_blocking(&run);
    let want = match outcome {
        Outcome::Success => 0,
        _ => 1,
    };
    assert_eq!(done.code(), want, "{}\n{}", done.stdout(), done.stderr());
    w.no_secrets(&done);
    let doc = document(&w, &done).await;
    normalise(&doc, &run)
}

async fn document(w: &World, done: &Finished) -> String {
    let mut doc = format!(
        "exit code: {}\noutputs: deployment-status={} rolled-back={} pull-requests={}\n",
        done.code(),
        done.output("deployment-status").unwrap_or_default(),
        done.output("rolled-back").unwrap_or_default(),
        done.output("pull-requests").unwrap_or_default(),
    );
    doc.push_str(&format!("\n===== job summary\n{}", done.summary));
    let comments = w.gh.comments(42);
    assert_eq!(
        comments.len(),
        1,
        "one deploy comment on PR #42, kept up to date"
    );
    doc.push_str(&format!(
        "\n===== PR #42 comment\n{}\n",
        comments[0]["body"].as_str().unwrap_or("<missing>")
    ));
    let statuses = w.gh.state.lock().unwrap().deployment_statuses.clone();
    if !statuses.is_empty() {
        doc.push_str("\n===== GitHub deployment statuses\n");
        for (id, s) in statuses {
            doc.push_str(&format!(
                "deployment {id}: {} — {}\n",
                s["state"].as_str().unwrap_or("<missing>"),
                s["description"].as_str().unwrap_or("<none>"),
            ));
        }
    }
    for (path, mut body) in w.slack.bodies().await {
        normalise_json(&mut body);
        // The webhook's path is a secret in production; name it instead of printing it.
        let to = if path == WEBHOOK_PATH {
            "incoming webhook".to_string()
        } else {
            path
        };
        doc.push_str(&format!(
            "\n===== Slack: {to}\n{}\n",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        ));
    }
    doc
}

/// Replaces what changes from run to run: elapsed times, and the temporary directory.
fn normalise(doc: &str, run: &ActionRun) -> String {
    let doc = doc.replace(&run.dir.path().display().to_string(), "<tmp>");
    durations(&doc)
}

/// `4m 12s`, `1h 03m`, `12s` (slack::human_duration's forms) become `<duration>`.
fn durations(text: &str) -> String {
    let duration = Regex::new(r"\b(\d+h \d{2}m|\d+m \d{2}s|\d+s)\b").expect("regex");
    duration.replace_all(text, "<duration>").into_owned()
}

/// The same inside every string of a Slack body, before it is printed with `\n` escapes (which
/// would hide the word boundary in front of a duration).
fn normalise_json(v: &mut Value) {
    match v {
        Value::String(s) => *s = durations(s),
        Value::Array(items) => items.iter_mut().for_each(normalise_json),
        Value::Object(map) => map.values_mut().for_each(normalise_json),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_success() {
    insta::assert_snapshot!(scenario(Slack::Webhook, Outcome::Success).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_failure_rolled_back() {
    insta::assert_snapshot!(scenario(Slack::Webhook, Outcome::RolledBack).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_refusal() {
    insta::assert_snapshot!(scenario(Slack::Webhook, Outcome::Refused).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn bot_success() {
    insta::assert_snapshot!(scenario(Slack::Bot, Outcome::Success).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn bot_failure_rolled_back() {
    insta::assert_snapshot!(scenario(Slack::Bot, Outcome::RolledBack).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn bot_refusal() {
    insta::assert_snapshot!(scenario(Slack::Bot, Outcome::Refused).await);
}
