//! The Slack message as users see it: an insta snapshot of the Block Kit JSON (a wording change is
//! a reviewed diff, see README's Development section) and properties of the escaping over arbitrary
//! titles.

use proptest::prelude::*;
use shipgate::report::slack::{
    escape_mrkdwn, escape_plain, render, DeployNotice, NoticeStatus, PrRef,
};
use std::time::Duration;

fn notice() -> DeployNotice {
    DeployNotice {
        status: NoticeStatus::RolledBack,
        environment: "production".into(),
        prs: vec![
            PrRef {
                number: 41,
                title: "Add orders.status column".into(),
                author: "mona".into(),
                url: "https://github.com/octo/shop/pull/41".into(),
            },
            PrRef {
                number: 42,
                title: "<!channel> *urgent* fix for @here & `users_tbl`".into(),
                author: "octocat".into(),
                url: "https://github.com/octo/shop/pull/42".into(),
            },
        ],
        commit: "4c0ffee4c0ffee4c0ffee4c0ffee4c0ffee4c0ff".into(),
        commit_url: Some("https://github.com/octo/shop/commit/4c0ffee4c0ffee4c0ffee4c0ffee4c0ffee4c0ff".into()),
        duration: Some(Duration::from_secs(754)),
        failing_event: Some(
            "AfterInstall failed on i-0aaa1111bbbb2222c: ScriptFailed in scripts/after_install.sh: exit code 1".into(),
        ),
        phase: None,
        links: vec![
            ("Run".into(), "https://github.com/octo/shop/actions/runs/77".into()),
            (
                "CodeDeploy d-SIM000001".into(),
                "https://ap-northeast-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-SIM000001?region=ap-northeast-1".into(),
            ),
        ],
        dry_run: false,
        notes: vec![],
    }
}

#[test]
fn rolled_back_notice() {
    // Pretty JSON as a string: insta's `json` feature is not needed, and the escaped PR title
    // reads as Slack will receive it.
    insta::assert_snapshot!(serde_json::to_string_pretty(&render(&notice())).expect("json"));
}

#[test]
fn dry_run_is_said_in_the_headline() {
    let mut n = notice();
    n.dry_run = true;
    let v = render(&n);
    assert!(v["text"].as_str().unwrap_or("").starts_with("[dry run]"));
    assert!(v["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap_or("")
        .starts_with("[dry run]"));
}

#[test]
fn long_pr_lists_are_cut_with_a_count() {
    let mut n = notice();
    n.prs = (1..=25)
        .map(|i| PrRef {
            number: i,
            title: format!("change {i}"),
            author: "mona".into(),
            url: format!("https://github.com/octo/shop/pull/{i}"),
        })
        .collect();
    let all = render(&n).to_string();
    assert!(all.contains("and 15 more"), "{all}");
    assert!(!all.contains("pull/11|"), "{all}");
}

proptest! {
    #[test]
    fn escaped_text_never_forms_controls_or_broadcasts(s in ".{0,80}", w in "(?i)(channel|here|everyone)") {
        let input = format!("{s}<!{w}> @{w} {s}");
        for out in [escape_mrkdwn(&input), escape_plain(&input)] {
            prop_assert!(!out.contains('<') && !out.contains('>'));
            let lower = out.to_lowercase();
            for b in ["@channel", "@here", "@everyone"] {
                prop_assert!(!lower.contains(b), "{out}");
            }
            prop_assert!(!out.contains('\n'));
        }
        let m = escape_mrkdwn(&input);
        // Every `&` starts one of the three entities.
        for (i, _) in m.match_indices('&') {
            let rest = &m[i..];
            prop_assert!(rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;"));
        }
        prop_assert!(!m.contains('*') && !m.contains('`') && !m.contains('~'));
    }
}
