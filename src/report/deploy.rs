//! The deploy's report in markdown: the job summary and the comment on each shipped PR.

use super::md_escape;
use super::slack::human_duration as human;
use crate::github::PullRequest;
use std::time::Duration;

/// Hidden marker of the deploy comment for one environment and commit, so a re-run or a later
/// state updates the same comment.
pub fn comment_marker(environment: &str, commit: &str) -> String {
    format!(
        "<!-- shipgate:deploy {} {commit} -->",
        environment.replace("--", "-")
    )
}

/// Everything the deploy report says.
#[derive(Debug, Clone, Default)]
pub struct DeployReport {
    /// One line: "✅ Deployed to production", "❌ Refused", ...
    pub headline: String,
    pub environment: String,
    pub commit: String,
    pub revision: String,
    pub prs: Vec<PullRequest>,
    pub deployment_id: Option<String>,
    pub console_url: Option<String>,
    pub run_url: Option<String>,
    pub commit_url: Option<String>,
    /// `(elapsed since start, what)`.
    pub timeline: Vec<(Duration, String)>,
    pub duration: Option<Duration>,
    /// Why it failed / what to do, already in words.
    pub details: Vec<String>,
    pub rollback: Option<String>,
    /// The failing script's log tail: job summary only, never the PR comment.
    pub log_tail: Option<String>,
}

pub fn markdown(r: &DeployReport) -> String {
    let mut md = format!("## {}\n\n", r.headline);
    let short = &r.commit[..r.commit.len().min(7)];
    let commit = match &r.commit_url {
        Some(u) => format!("[`{short}`]({u})"),
        None => format!("`{short}`"),
    };
    md.push_str(&format!(
        "**Environment:** `{}` · **Commit:** {commit} · **Revision:** `{}`",
        md_escape(&r.environment),
        r.revision.replace('`', "'")
    ));
    if let Some(id) = &r.deployment_id {
        match &r.console_url {
            Some(u) => md.push_str(&format!(" · **Deployment:** [`{id}`]({u})")),
            None => md.push_str(&format!(" · **Deployment:** `{id}`")),
        }
    }
    if let Some(d) = r.duration {
        md.push_str(&format!(" · **Duration:** {}", human(d)));
    }
    md.push_str("\n\n");
    if !r.prs.is_empty() {
        md.push_str("**Pull requests:** ");
        let prs: Vec<String> = r
            .prs
            .iter()
            .map(|p| {
                format!(
                    "[#{}]({}) {} (@\u{200d}{})",
                    p.number.0,
                    p.url,
                    md_escape(&p.title),
                    md_escape(&p.author)
                )
            })
            .collect();
        md.push_str(&prs.join(", "));
        md.push_str("\n\n");
    }
    for d in &r.details {
        md.push_str(&format!("> {}\n", md_escape(d)));
    }
    if !r.details.is_empty() {
        md.push('\n');
    }
    if let Some(rb) = &r.rollback {
        md.push_str(&format!("**Rollback:** {}\n\n", md_escape(rb)));
    }
    if let Some(tail) = &r.log_tail {
        md.push_str(&format!(
            "<details><summary>Log tail</summary>\n\n<pre>{}</pre>\n</details>\n\n",
            html_escape(&last_chars(tail, 4000))
        ));
    }
    if !r.timeline.is_empty() {
        md.push_str("| at | what |\n|---|---|\n");
        for (at, what) in &r.timeline {
            md.push_str(&format!("| +{} | {} |\n", human(*at), md_escape(what)));
        }
        md.push('\n');
    }
    if let Some(u) = &r.run_url {
        md.push_str(&format!("<sub>shipgate · [workflow run]({u})</sub>\n"));
    }
    md
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The end of a long log, where the error is.
fn last_chars(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n - max).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CommitSha, PrNumber};

    #[test]
    fn report_has_links_timeline_and_escaped_titles() {
        let pr = PullRequest {
            number: PrNumber(7),
            title: "Add <!channel> | nick".into(),
            author: "mona".into(),
            url: "https://github.com/o/r/pull/7".into(),
            state: "closed".into(),
            merged: true,
            merged_at: None,
            merge_commit_sha: None,
            head_sha: CommitSha("h".into()),
            head_ref: "f".into(),
            head_repo: None,
            base_sha: CommitSha("b".into()),
            base_ref: "main".into(),
            base_repo: None,
            labels: vec![],
        };
        let r = DeployReport {
            headline: "❌ Deploy to production failed and was rolled back".into(),
            environment: "production".into(),
            commit: "abcdef0123456789".into(),
            revision: "s3://b/k.zip".into(),
            prs: vec![pr],
            deployment_id: Some("d-123".into()),
            console_url: Some("https://console/d-123".into()),
            run_url: Some("https://github.com/o/r/actions/runs/1".into()),
            commit_url: None,
            timeline: vec![
                (Duration::from_secs(0), "created".into()),
                (Duration::from_secs(75), "Failed".into()),
            ],
            duration: Some(Duration::from_secs(75)),
            details: vec!["AfterInstall failed on i-1: ScriptFailed".into()],
            rollback: Some("d-456 Succeeded".into()),
            log_tail: Some(format!(
                "{}\n[stderr]<b>relation missing</b>",
                "x".repeat(5000)
            )),
        };
        let md = markdown(&r);
        assert!(md.contains("**Deployment:** [`d-123`](https://console/d-123)"));
        assert!(md.contains("**Duration:** 1m 15s"));
        assert!(md.contains("[#7](https://github.com/o/r/pull/7) Add &lt;!channel&gt; \\| nick"));
        assert!(md.contains("| +1m 15s | Failed |"));
        assert!(md.contains("> AfterInstall failed on i-1: ScriptFailed"));
        assert!(md.contains("**Rollback:** d-456 Succeeded"));
        assert!(md.contains("<pre>…"));
        assert!(md.contains("[stderr]&lt;b&gt;relation missing&lt;/b&gt;</pre>"));
    }

    #[test]
    fn marker_is_per_environment_and_commit() {
        assert_ne!(comment_marker("prod", "a"), comment_marker("staging", "a"));
        assert_ne!(comment_marker("prod", "a"), comment_marker("prod", "b"));
    }
}
