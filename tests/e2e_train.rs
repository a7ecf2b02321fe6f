//! Release trains and rollbacks against the histories real teams have, end to end: the built
//! binary run as the runner runs it, against the simulated GitHub, CodeDeploy (through the real
//! AWS SDK) and Slack. Each test is one of the ways a train or a rollback used to ship what
//! nobody approved (issue 15).

mod codedeploy_sim;
mod support;

use codedeploy_sim::{End, GroupSpec, Plan, Sim};
use serde_json::{json, Value};
use support::github::{fixture, GitHubSim, PrSpec};
use support::runner::{ActionRun, Finished};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The first commit shipgate deployed (PR 42).
const SHA: &str = "c0ffee0000000000000000000000000000000001";
const WEBHOOK_PATH: &str = "/services/T000/B000/trainwebhook";
const TEMPLATE: &str = "s3://shop-artifacts/shop/{sha}.zip";

fn merge(i: u32) -> String {
    format!("{:0>40}", format!("e{i}"))
}

struct World {
    gh: GitHubSim,
    cd: Sim,
    slack: MockServer,
}

impl World {
    /// PR 42 merged as SHA and deployed by shipgate: the group's first good deployment.
    async fn deployed() -> World {
        let gh = GitHubSim::start().await;
        let cd = Sim::start().await;
        cd.add_group("shop", "shop-production", GroupSpec::default());
        let slack = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(WEBHOOK_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&slack)
            .await;
        let w = World { gh, cd, slack };
        w.merged(42, SHA, &[("app/models/user.rb", "modified")]);
        let first = w.run(SHA, "deploy").go();
        assert_eq!(first.code(), 0, "{}\n{}", first.stdout(), first.stderr());
        w
    }

    /// PR `n` merged as `sha`, with a passing gate on its head.
    fn merged(&self, n: u64, sha: &str, files: &[(&str, &str)]) {
        let mut spec = PrSpec::new(n, files);
        spec.merged = true;
        spec.merge_sha = Some(sha.into());
        self.gh.add_pr(&spec);
        let mut st = self.gh.state.lock().unwrap();
        st.commit_pulls.insert(sha.into(), vec![n]);
        st.check_runs.push(json!({
            "id": 100 + n, "name": "shipgate", "head_sha": spec.head_sha,
            "status": "completed", "conclusion": "success",
        }));
    }

    /// main went from `base` to `head` through `commits` (oldest first).
    fn history(&self, base: &str, head: &str, commits: &[&str]) {
        let mut st = self.gh.state.lock().unwrap();
        st.compare
            .insert((base.into(), head.into()), "ahead".into());
        st.compare
            .insert((head.into(), base.into()), "behind".into());
        st.compare_commits.insert(
            (base.into(), head.into()),
            commits.iter().map(|c| c.to_string()).collect(),
        );
    }

    fn run(&self, sha: &str, command: &str) -> Run {
        let mut event = fixture("event-push.json");
        event["after"] = json!(sha);
        Run(
            ActionRun::new(&self.gh.url(), &self.gh.full_name(), "push", &event)
                .env("GITHUB_SHA", sha)
                .env("AWS_ENDPOINT_URL_CODEDEPLOY", &self.cd.server.uri())
                .env("AWS_REGION", "ap-northeast-1")
                .env("AWS_ACCESS_KEY_ID", "AKIDSIMULATED")
                .env("AWS_SECRET_ACCESS_KEY", "simulated-secret")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("SHIPGATE_POLL_MS", "2")
                .input("command", command)
                .input("application", "shop")
                .input("deployment-group", "shop-production")
                .input("revision", TEMPLATE)
                .input("environment", "production")
                .input("environment-url", "https://shop.example.com")
                .input(
                    "slack-webhook-url",
                    &format!("{}{WEBHOOK_PATH}", self.slack.uri()),
                )
                .input("slack-notify", "always"),
        )
    }

    fn creates(&self) -> Vec<Value> {
        self.cd.calls("CreateDeployment")
    }

    fn last_key(&self) -> String {
        self.creates().last().unwrap()["revision"]["s3Location"]["key"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn slack_texts(&self) -> Vec<String> {
        self.slack
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect()
    }

    /// Lets a deployment seeded behind shipgate's back run to its end.
    async fn settle(&self, id: &str) {
        let client = self.cd.client().await;
        for _ in 0..20 {
            if client.deployment(id).await.unwrap().status.is_terminal() {
                return;
            }
        }
        panic!("{id} did not end");
    }
}

struct Run(ActionRun);

impl Run {
    fn input(self, name: &str, value: &str) -> Run {
        Run(self.0.input(name, value))
    }

    fn env(self, name: &str, value: &str) -> Run {
        Run(self.0.env(name, value))
    }

    fn go(&self) -> Finished {
        tokio::task::block_in_place(|| self.0.run())
    }
}

fn all(done: &Finished) -> String {
    format!("{}\n{}\n{}", done.stdout(), done.stderr(), done.summary)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_holds_the_train_until_the_label_is_removed() {
    let w = World::deployed().await;
    let (m1, m2) = (merge(1), merge(2));
    w.merged(60, &m1, &[("app/models/cart.rb", "modified")]);
    w.history(SHA, &m1, &[&m1]);
    let train = w.run(&m1, "release").go();
    assert_eq!(train.code(), 0, "{}", all(&train));
    assert_eq!(w.last_key(), format!("shop/{m1}.zip"));

    // PR 61 merges; then production is rolled back from m1 (PR 60) to SHA. The run's own
    // commit is m2, never deployed: `{sha}` must resolve to the target's commit, not m2.
    w.merged(61, &m2, &[("app/models/order.rb", "modified")]);
    w.history(SHA, &m2, &[&m1, &m2]);
    w.history(&m1, &m2, &[&m2]);
    let back = w.run(&m2, "rollback").go();
    assert_eq!(back.code(), 0, "{}", all(&back));
    assert_eq!(w.last_key(), format!("shop/{SHA}.zip"));
    assert!(w.creates().last().unwrap()["description"]
        .as_str()
        .unwrap()
        .starts_with(&format!("shipgate {SHA} rollback")));
    assert!(back
        .summary
        .contains(&format!("Rollback to s3://shop-artifacts/shop/{SHA}.zip")));
    assert!(
        back.summary.contains("This rollback undoes PR #60")
            && back.summary.contains("`shipgate:hold`"),
        "{}",
        back.summary
    );
    assert_eq!(w.gh.labels(60), vec!["shipgate:hold".to_string()]);
    assert!(w.gh.labels(61).is_empty(), "PR 61 was never deployed");
    let held = w.gh.comments(60);
    let hold_comment = held
        .iter()
        .filter_map(|c| c["body"].as_str())
        .find(|b| b.contains("shipgate:hold production"))
        .expect("a hold comment on PR 60");
    assert!(
        hold_comment.contains("remove the `shipgate:hold` label"),
        "{hold_comment}"
    );
    let slack = w.slack_texts().await;
    assert!(
        slack
            .last()
            .unwrap()
            .contains("This rollback undoes PR #60"),
        "{slack:?}"
    );

    // The next scheduled train stops before the rolled-back PR instead of re-shipping it.
    let next = w.run(&m2, "release").go();
    assert_eq!(next.code(), 1, "{}", all(&next));
    assert!(
        next.stdout()
            .contains("PR #60 is first in line and PR #60 carries the hold label"),
        "{}",
        next.stdout()
    );
    assert_eq!(w.creates().len(), 3, "nothing shipped");
    assert_eq!(
        next.output("revision"),
        None,
        "no revision when nothing was created"
    );
    assert_eq!(
        next.output("environment-url").as_deref(),
        Some("https://shop.example.com")
    );

    // A person removes the label: the train ships both again.
    w.gh.state.lock().unwrap().pulls.get_mut(&60).unwrap()["labels"] = json!([]);
    let resumed = w.run(&m2, "release").go();
    assert_eq!(resumed.code(), 0, "{}", all(&resumed));
    assert_eq!(resumed.output("pull-requests").as_deref(), Some("[60,61]"));
    assert_eq!(w.last_key(), format!("shop/{m2}.zip"));
    w.gh.assert_writes_match_schemas();
    w.gh.assert_no_unexpected();
    assert!(w.cd.problems().is_empty(), "{:?}", w.cd.problems());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_push_inside_a_train_stops_it_unless_direct_pushes_are_allowed() {
    let w = World::deployed().await;
    let (m1, m2) = (merge(1), merge(2));
    let direct = "d".repeat(40);
    w.merged(60, &m1, &[("app/models/cart.rb", "modified")]);
    w.merged(61, &m2, &[("app/models/order.rb", "modified")]);
    w.history(SHA, &m2, &[&m1, &direct, &m2]);
    let done = w.run(&m2, "release").go();
    assert_eq!(done.code(), 0, "{}", all(&done));
    assert_eq!(done.output("pull-requests").as_deref(), Some("[60]"));
    assert_eq!(w.last_key(), format!("shop/{m1}.zip"));
    assert!(
        done.stdout().contains(
            "commit ddddddd (pushed directly) waits for the next release: Commit ddddddd was not brought in by a merged pull request"
        ),
        "{}",
        done.stdout()
    );
    assert!(done
        .stdout()
        .contains("PR #61 waits for the next release: waits behind commit ddddddd"));
    assert!(done
        .summary
        .contains("Left for the next release: commit ddddddd (pushed directly)"));

    // With require-pull-request: false the push is classified from its own diff and listed.
    w.gh.state.lock().unwrap().commit_files.insert(
        direct.clone(),
        vec![("app/controllers/hotfix.rb".into(), "modified".into())],
    );
    w.history(&m1, &m2, &[&direct, &m2]);
    let done = w
        .run(&m2, "release")
        .input("require-pull-request", "false")
        .go();
    assert_eq!(done.code(), 0, "{}", all(&done));
    assert_eq!(done.output("pull-requests").as_deref(), Some("[61]"));
    assert_eq!(w.last_key(), format!("shop/{m2}.zip"));
    assert!(
        done.summary
            .contains("Commit ddddddd was pushed directly (no PR, require-pull-request: false): code changes, not gated."),
        "{}",
        done.summary
    );
    w.gh.assert_no_unexpected();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_over_a_dropped_column_is_refused_unless_allowed_and_then_warned() {
    let w = World::deployed().await;
    let m1 = merge(1);
    w.merged(
        60,
        &m1,
        &[("db/migrate/20261201_drop_users_legacy.rb", "added")],
    );
    w.history(SHA, &m1, &[&m1]);
    let train = w.run(&m1, "release").go();
    assert_eq!(train.code(), 0, "{}", all(&train));

    let refused = w.run(&m1, "rollback").go();
    assert_eq!(refused.code(), 1, "{}", all(&refused));
    assert!(
        refused
            .stdout()
            .contains("would cross schema changes: PR #60 PR 60"),
        "{}",
        refused.stdout()
    );
    assert!(refused.summary.contains("allow-schema-rollback: true"));
    assert_eq!(w.creates().len(), 2, "nothing was rolled back");
    assert!(w.gh.labels(60).is_empty(), "a refusal changes nothing");
    assert!(
        refused.summary.contains("This rollback undoes PR #60")
            && !refused.summary.contains("now carry"),
        "a refusal lists what it would undo and holds nothing: {}",
        refused.summary
    );

    let allowed = w
        .run(&m1, "rollback")
        .input("allow-schema-rollback", "true")
        .go();
    assert_eq!(allowed.code(), 0, "{}", all(&allowed));
    assert_eq!(w.last_key(), format!("shop/{SHA}.zip"));
    let warning = "Rolling back across schema changes (PR #60 PR 60)";
    assert!(
        allowed
            .stdout()
            .contains(&format!("::warning::shipgate: ⚠️ {warning}")),
        "{}",
        allowed.stdout()
    );
    assert!(allowed.summary.contains(warning), "{}", allowed.summary);
    let slack = w.slack_texts().await;
    assert!(slack.last().unwrap().contains(warning), "{slack:?}");
    assert_eq!(w.gh.labels(60), vec!["shipgate:hold".to_string()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_console_deployment_as_the_last_deployment_is_read_from_its_s3_key() {
    let w = World::deployed().await;
    let (m1, m2) = (merge(1), merge(2));
    // Someone deployed m1's artifact from the console: no shipgate description.
    let console = w.cd.seed_deployment_with(
        "shop",
        "shop-production",
        None,
        json!({"revisionType": "S3", "s3Location": {"bucket": "shop-artifacts", "key": format!("shop/{m1}.zip"), "bundleType": "zip"}}),
        Plan::new(0, End::Succeed),
    );
    w.settle(&console).await;
    w.merged(61, &m2, &[("app/models/order.rb", "modified")]);
    w.history(&m1, &m2, &[&m2]);
    let done = w.run(&m2, "release").go();
    assert_eq!(done.code(), 0, "{}", all(&done));
    assert!(
        done.stdout().contains(&format!(
            "runs {} (known from deployment {console})",
            &m1[..7]
        )),
        "{}",
        done.stdout()
    );
    assert_eq!(done.output("pull-requests").as_deref(), Some("[61]"));

    // An artifact nothing can name: a clear message and exit 2, nothing deployed.
    let unknown = w.cd.seed_deployment(
        "shop",
        "shop-production",
        "hotfix from the console",
        Plan::new(0, End::Succeed),
    );
    w.settle(&unknown).await;
    let before = w.creates().len();
    let done = w.run(&m2, "release").go();
    assert_eq!(done.code(), 2, "{}", all(&done));
    assert!(
        done.stderr()
            .contains(&format!("cannot tell which commit deployment {unknown}")),
        "{}",
        done.stderr()
    );
    assert_eq!(w.creates().len(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn codedeploys_automatic_rollback_does_not_stop_later_trains() {
    let w = World::deployed().await;
    let m1 = merge(1);
    w.merged(60, &m1, &[("app/models/cart.rb", "modified")]);
    w.history(SHA, &m1, &[&m1]);
    w.cd.plan(Plan::new(1, End::fail_after_install()));
    let failed = w.run(&m1, "release").go();
    assert_eq!(failed.code(), 1, "{}", all(&failed));
    assert_eq!(failed.output("rolled-back").as_deref(), Some("true"));

    // The group's last success is now CodeDeploy's own rollback to SHA's artifact; the next
    // train starts from SHA instead of exiting 2 for good.
    let again = w.run(&m1, "release").go();
    assert_eq!(again.code(), 0, "{}", all(&again));
    assert!(
        again.stdout().contains(&format!("runs {}", &SHA[..7])),
        "{}",
        again.stdout()
    );
    assert_eq!(again.output("pull-requests").as_deref(), Some("[60]"));
    assert_eq!(w.last_key(), format!("shop/{m1}.zip"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expand_and_a_contract_pr_never_ship_in_one_train() {
    let w = World::deployed().await;
    let (m1, m2) = (merge(1), merge(2));
    let (add, drop) = (
        "db/migrate/20261201_add_users_nickname.rb",
        "db/migrate/20261202_remove_users_legacy.rb",
    );
    w.merged(70, &m1, &[(add, "added")]);
    w.merged(71, &m2, &[(drop, "added")]);
    w.gh.set_content(
        &m1,
        add,
        "class AddUsersNickname < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nickname, :string\n  end\nend\n",
    );
    w.gh.set_content(
        &m2,
        drop,
        "class RemoveUsersLegacy < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :legacy, :string\n  end\nend\n",
    );
    w.history(SHA, &m2, &[&m1, &m2]);
    let done = w.run(&m2, "release").go();
    assert_eq!(done.code(), 0, "{}", all(&done));
    assert_eq!(done.output("pull-requests").as_deref(), Some("[70]"));
    assert_eq!(w.last_key(), format!("shop/{m1}.zip"));
    assert!(
        done.stdout().contains(
            "PR #71 waits for the next release: it contracts the schema and this train already expands it"
        ),
        "{}",
        done.stdout()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_release_window_is_judged_in_its_own_time_zone() {
    let w = World::deployed().await;
    let m1 = merge(1);
    w.merged(60, &m1, &[("app/models/cart.rb", "modified")]);
    w.history(SHA, &m1, &[&m1]);
    let creates = w.creates().len();
    let ops = w.cd.ops().len();
    // Sunday 23:59 UTC is Monday 08:59 in Tokyo: a minute before the window opens.
    let closed = w
        .run(&m1, "release")
        .input("release-window", "Mon-Fri 09:00-17:00 Asia/Tokyo")
        .env("SHIPGATE_NOW", "2026-12-06T23:59:00Z")
        .go();
    assert_eq!(closed.code(), 0, "{}", all(&closed));
    assert!(
        closed.stdout().contains(
            "not released: outside the window `Mon-Fri 09:00-17:00 Asia/Tokyo` (next opens Mon 2026-12-07 09:00 JST)"
        ),
        "{}",
        closed.stdout()
    );
    assert_eq!(
        closed.output("deployment-status").as_deref(),
        Some("skipped")
    );
    assert_eq!(closed.output("revision"), None);
    assert_eq!(w.cd.ops().len(), ops, "a closed window calls no AWS API");

    // Two minutes later it is 09:01 in Tokyo, still Sunday in UTC: open.
    let open = w
        .run(&m1, "release")
        .input("release-window", "Mon-Fri 09:00-17:00 Asia/Tokyo")
        .env("SHIPGATE_NOW", "2026-12-07T00:01:00Z")
        .go();
    assert_eq!(open.code(), 0, "{}", all(&open));
    assert_eq!(w.creates().len(), creates + 1);
    assert_eq!(w.last_key(), format!("shop/{m1}.zip"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_freeze_holds_a_merge_and_force_overrides_it_but_never_the_gate() {
    let w = World::deployed().await;
    let m1 = merge(1);
    w.merged(60, &m1, &[("app/models/cart.rb", "modified")]);
    let creates = w.creates().len();
    let frozen = w
        .run(&m1, "deploy")
        .input("freeze", "2026-12-24..2027-01-03 Asia/Tokyo")
        .env("SHIPGATE_NOW", "2026-12-23T15:30:00Z")
        .go();
    assert_eq!(frozen.code(), 0, "{}", all(&frozen));
    assert!(
        frozen.stdout().contains(
            "not released: a release freeze is on from 2026-12-24 to 2027-01-03 (Asia/Tokyo); releases resume on 2027-01-04"
        ),
        "{}",
        frozen.stdout()
    );
    assert_eq!(w.creates().len(), creates);

    // force cannot ship a PR the gate refused.
    let m2 = merge(2);
    let mut spec = PrSpec::new(61, &[("app/models/order.rb", "modified")]);
    spec.merged = true;
    spec.merge_sha = Some(m2.clone());
    w.gh.add_pr(&spec);
    {
        let mut st = w.gh.state.lock().unwrap();
        st.commit_pulls.insert(m2.clone(), vec![61]);
        st.check_runs.push(json!({
            "id": 999, "name": "shipgate", "head_sha": spec.head_sha,
            "status": "completed", "conclusion": "failure",
        }));
    }
    let refused = w
        .run(&m2, "deploy")
        .input("freeze", "true")
        .input("force", "true")
        .go();
    assert_eq!(refused.code(), 1, "{}", all(&refused));
    assert!(refused.stdout().contains("concluded `failure`"));
    assert_eq!(w.creates().len(), creates);

    // m1 came after the first deploy: the order check compares the two.
    w.history(SHA, &m1, &[&m1]);
    let forced = w
        .run(&m1, "deploy")
        .input("freeze", "true")
        .input("force", "true")
        .go();
    assert_eq!(forced.code(), 0, "{}", all(&forced));
    assert_eq!(w.creates().len(), creates + 1);
    assert_eq!(
        forced.output("revision").unwrap(),
        format!("s3://shop-artifacts/shop/{m1}.zip")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_issue_labelled_shipgate_freeze_holds_the_train() {
    let w = World::deployed().await;
    let m1 = merge(1);
    w.merged(60, &m1, &[("app/models/cart.rb", "modified")]);
    w.history(SHA, &m1, &[&m1]);
    w.gh.add_issue(7, "Year-end freeze", &["shipgate:freeze"], true);
    w.gh.add_issue(8, "Old freeze", &["shipgate:freeze"], false);
    let creates = w.creates().len();
    let frozen = w.run(&m1, "release").go();
    assert_eq!(frozen.code(), 0, "{}", all(&frozen));
    assert!(
        frozen.stdout().contains(
            "not released: a release freeze is on (issue #7 \"Year-end freeze\" carries `shipgate:freeze`"
        ),
        "{}",
        frozen.stdout()
    );
    assert!(frozen.summary.contains("Not released to production"));
    assert_eq!(w.creates().len(), creates);
    let forced = w.run(&m1, "release").input("force", "true").go();
    assert_eq!(forced.code(), 0, "{}", all(&forced));
    assert_eq!(w.creates().len(), creates + 1);
    w.gh.assert_no_unexpected();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contract_waits_for_a_code_deploy_after_the_matching_expand() {
    let w = World::deployed().await;
    let (m1, m2, m3) = (merge(1), merge(2), merge(3));
    let (add, drop) = (
        "db/migrate/20261201_add_users_nickname.rb",
        "db/migrate/20261202_remove_users_name.rb",
    );
    w.merged(70, &m1, &[(add, "added")]);
    w.gh.set_content(
        &m1,
        add,
        "class AddUsersNickname < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nickname, :string\n  end\nend\n",
    );
    w.history(SHA, &m1, &[&m1]);
    let expand = w.run(&m1, "release").go();
    assert_eq!(expand.code(), 0, "{}", all(&expand));

    // The drop of the old column is merged before the code that moves to the new one shipped.
    w.merged(71, &m2, &[(drop, "added")]);
    w.gh.set_content(
        &m2,
        drop,
        "class RemoveUsersName < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :name, :string\n  end\nend\n",
    );
    w.history(&m1, &m2, &[&m2]);
    let held = w.run(&m2, "release").go();
    assert_eq!(held.code(), 1, "{}", all(&held));
    assert!(
        held.stdout()
            .contains("it contracts `users` (expanded by PR #70) right after deployment"),
        "{}",
        held.stdout()
    );
    assert_eq!(w.creates().len(), 2);

    // Once code has shipped since the expand (a history where the code PR reached main before
    // the drop), the contract may follow.
    w.merged(72, &m3, &[("app/models/user.rb", "modified")]);
    w.history(&m1, &m3, &[&m3]);
    let code = w.run(&m3, "release").go();
    assert_eq!(code.code(), 0, "{}", all(&code));
    w.history(&m3, &m2, &[&m2]);
    let contract = w.run(&m2, "release").go();
    assert_eq!(contract.code(), 0, "{}", all(&contract));
    assert_eq!(contract.output("pull-requests").as_deref(), Some("[71]"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_rollback_says_what_it_would_hold_and_writes_nothing() {
    let w = World::deployed().await;
    let m1 = merge(1);
    w.merged(60, &m1, &[("app/models/cart.rb", "modified")]);
    w.history(SHA, &m1, &[&m1]);
    let train = w.run(&m1, "release").go();
    assert_eq!(train.code(), 0, "{}", all(&train));
    let writes = w.gh.writes().len();
    let creates = w.creates().len();
    let slack = w.slack_texts().await.len();
    let dry = w.run(&m1, "rollback").input("dry-run", "true").go();
    assert_eq!(dry.code(), 0, "{}", all(&dry));
    assert!(
        dry.stdout()
            .contains("dry-run: would add the label `shipgate:hold` to PR #60"),
        "{}",
        dry.stdout()
    );
    assert!(dry.summary.contains("This rollback undoes PR #60"));
    assert_eq!(w.gh.writes().len(), writes, "no GitHub write");
    assert_eq!(w.creates().len(), creates, "no deployment");
    assert_eq!(w.slack_texts().await.len(), slack, "no Slack message");
    assert!(w.gh.labels(60).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revert_of_a_held_pr_lets_the_train_go_again() {
    let w = World::deployed().await;
    let (m1, m2) = (merge(1), merge(2));
    w.merged(60, &m1, &[("app/models/cart.rb", "modified")]);
    w.history(SHA, &m1, &[&m1]);
    assert_eq!(w.run(&m1, "release").go().code(), 0);
    let back = w.run(&m1, "rollback").go();
    assert_eq!(back.code(), 0, "{}", all(&back));
    assert_eq!(w.gh.labels(60), vec!["shipgate:hold".to_string()]);

    // The revert lands (GitHub's revert button: `Revert "<title>"`).
    let mut revert = PrSpec::new(62, &[("app/models/cart.rb", "modified")]);
    revert.title = "Revert \"PR 60\"".into();
    revert.merged = true;
    revert.merge_sha = Some(m2.clone());
    w.gh.add_pr(&revert);
    w.gh.state.lock().unwrap().check_runs.push(json!({
        "id": 162, "name": "shipgate", "head_sha": revert.head_sha,
        "status": "completed", "conclusion": "success",
    }));
    w.history(SHA, &m2, &[&m1, &m2]);
    let done = w.run(&m2, "release").go();
    assert_eq!(done.code(), 0, "{}", all(&done));
    assert_eq!(done.output("pull-requests").as_deref(), Some("[60,62]"));
    assert!(
        done.summary
            .contains("PR #60 carries `shipgate:hold` but PR #62 reverts it in this train"),
        "{}",
        done.summary
    );
    assert_eq!(w.last_key(), format!("shop/{m2}.zip"));
}
