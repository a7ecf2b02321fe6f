//! The deploy's Slack message: what it says (Block Kit JSON), when it goes out, and the escaping
//! that keeps a PR titled `<!channel>` from pinging anyone. Pure: the transport is
//! [`crate::slack`].

use serde_json::{json, Value};
use std::time::Duration;

/// How many PRs a message lists before "and N more".
const MAX_PRS: usize = 10;

/// The `slack-notify` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlackNotify {
    Failure,
    Always,
    Never,
}

impl SlackNotify {
    pub fn parse(s: &str) -> Result<SlackNotify, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "failure" => Ok(SlackNotify::Failure),
            "always" => Ok(SlackNotify::Always),
            "never" => Ok(SlackNotify::Never),
            other => Err(format!(
                "input 'slack-notify': '{other}' is not failure, always or never"
            )),
        }
    }

    /// Whether a message with this status goes out under this policy.
    pub fn should_notify(self, status: NoticeStatus) -> bool {
        match self {
            SlackNotify::Never => false,
            SlackNotify::Always => true,
            // Ready needs a person: it is told like a failure is.
            SlackNotify::Failure => status.is_failure() || status == NoticeStatus::Ready,
        }
    }
}

/// What the message announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeStatus {
    Started,
    Succeeded,
    Failed,
    RolledBack,
    TimedOut,
    Cancelled,
    /// shipgate refused to deploy (gate failed, hold label, older commit).
    Refused,
    /// The replacement fleet waits in `Ready` for someone to switch the traffic.
    Ready,
}

impl NoticeStatus {
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            NoticeStatus::Started | NoticeStatus::Succeeded | NoticeStatus::Ready
        )
    }

    fn headline(self, env: &str) -> String {
        match self {
            NoticeStatus::Started => format!(":rocket: Deploying to {env}"),
            NoticeStatus::Succeeded => format!(":white_check_mark: Deployed to {env}"),
            NoticeStatus::Failed => format!(":x: Deploy to {env} failed"),
            NoticeStatus::RolledBack => {
                format!(":rewind: Deploy to {env} failed and was rolled back")
            }
            NoticeStatus::TimedOut => {
                format!(":hourglass: Deploy to {env} timed out and was stopped")
            }
            NoticeStatus::Cancelled => format!(":octagonal_sign: Deploy to {env} was cancelled"),
            NoticeStatus::Refused => format!(":no_entry: Deploy to {env} refused"),
            NoticeStatus::Ready => {
                format!(":vertical_traffic_light: {env} is ready for the traffic switch")
            }
        }
    }
}

/// A pull request shipped by the deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrRef {
    pub number: u64,
    pub title: String,
    pub author: String,
    pub url: String,
}

/// Everything a deploy message says, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployNotice {
    pub status: NoticeStatus,
    pub environment: String,
    pub prs: Vec<PrRef>,
    /// Full or short sha.
    pub commit: String,
    pub commit_url: Option<String>,
    pub duration: Option<Duration>,
    /// "AfterInstall failed on i-0abc: ScriptFailed in scripts/migrate.sh: ...".
    pub failing_event: Option<String>,
    /// Where the Blue/Green deployment is: "Traffic switched ... terminated at about ...".
    pub phase: Option<String>,
    /// `(label, url)`: the run, the CodeDeploy console, the GitHub deployment.
    pub links: Vec<(String, String)>,
    pub dry_run: bool,
    /// What the run also wants people to know (the PRs a rollback holds, a schema warning).
    pub notes: Vec<String>,
}

/// Escapes user text for Slack mrkdwn: `&`, `<`, `>` (so `<!channel>`, `<@U123>` and
/// `<http://evil|link>` stay text), breaks `@channel` / `@here` / `@everyone`, and neutralises the
/// formatting characters that would let a title bold, strike or code-format the rest of a line.
pub fn escape_mrkdwn(text: &str) -> String {
    let text = neutralise_broadcasts(text);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let word_edge = |j: Option<usize>| match j.and_then(|j| chars.get(j)) {
            Some(n) => !n.is_alphanumeric(),
            None => true,
        };
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Look-alikes: mrkdwn has no backslash escape.
            '*' => out.push('\u{2217}'),
            '~' => out.push('\u{223C}'),
            '`' => out.push('\u{02CB}'),
            // `snake_case` never formats; only a `_` at a word edge can open or close italics.
            '_' if word_edge(i.checked_sub(1)) || word_edge(Some(i + 1)) => out.push('\u{02CD}'),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// For `plain_text` fields (no mrkdwn parsing): keeps the text readable, but never lets it form a
/// `<...>` control sequence or a broadcast word.
pub fn escape_plain(text: &str) -> String {
    neutralise_broadcasts(text)
        .replace('<', "\u{2039}")
        .replace('>', "\u{203A}")
        .replace(['\n', '\r'], " ")
}

/// Inserts a word joiner after the `@` of `@channel`, `@here`, `@everyone` (any case).
fn neutralise_broadcasts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('@') {
        out.push_str(&rest[..=pos]);
        rest = &rest[pos + 1..];
        let lower = rest.to_ascii_lowercase();
        if ["channel", "here", "everyone"]
            .iter()
            .any(|w| lower.starts_with(w))
        {
            out.push('\u{2060}');
        }
    }
    out.push_str(rest);
    out
}

/// A URL safe to put in `<url|label>`, or `None` (then the label is shown without a link).
fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '|'));
    ok.then(|| url.replace('&', "&amp;"))
}

fn link(url: &str, label: &str) -> String {
    let label = escape_mrkdwn(label).replace('|', "\u{2223}");
    match safe_url(url) {
        Some(u) => format!("<{u}|{label}>"),
        None => label,
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(max.saturating_sub(1)).collect::<String>()
        )
    }
}

/// `4m 12s`, `1h 03m`, `12s`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The message as Slack JSON: fallback `text` plus Block Kit `blocks`. Pure, for snapshots.
pub fn render(n: &DeployNotice) -> Value {
    let env = if n.environment.trim().is_empty() {
        "production".to_string()
    } else {
        n.environment.trim().to_string()
    };
    let dry = if n.dry_run { "[dry run] " } else { "" };
    let headline = format!("{dry}{}", n.status.headline(&escape_plain(&env)));
    let short_sha: String = n.commit.chars().take(7).collect();

    let mut fields =
        vec![json!({"type": "mrkdwn", "text": format!("*Environment*\n{}", escape_mrkdwn(&env))})];
    let commit = match &n.commit_url {
        Some(u) => link(u, &short_sha),
        None => escape_mrkdwn(&short_sha),
    };
    fields.push(json!({"type": "mrkdwn", "text": format!("*Commit*\n{commit}")}));
    if let Some(d) = n.duration {
        fields
            .push(json!({"type": "mrkdwn", "text": format!("*Duration*\n{}", human_duration(d))}));
    }
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": truncate(&headline, 150), "emoji": true}}),
        json!({"type": "section", "fields": fields}),
    ];
    if !n.prs.is_empty() {
        let mut lines: Vec<String> = n
            .prs
            .iter()
            .take(MAX_PRS)
            .map(|p| {
                format!(
                    "• {} {} — {}",
                    link(&p.url, &format!("#{}", p.number)),
                    escape_mrkdwn(&truncate(&p.title, 150)),
                    escape_mrkdwn(&p.author)
                )
            })
            .collect();
        if n.prs.len() > MAX_PRS {
            lines.push(format!("…and {} more", n.prs.len() - MAX_PRS));
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&format!("*Pull requests*\n{}", lines.join("\n")), 3000)}}));
    }
    if let Some(p) = &n.phase {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&format!("*Phase*\n{}", escape_mrkdwn(p)), 3000)}}));
    }
    if let Some(f) = &n.failing_event {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&format!("*Failure*\n{}", escape_mrkdwn(f)), 3000)}}));
    }
    if !n.notes.is_empty() {
        let lines: Vec<String> = n
            .notes
            .iter()
            .map(|l| format!("• {}", escape_mrkdwn(l)))
            .collect();
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&format!("*Notes*\n{}", lines.join("\n")), 3000)}}));
    }
    let links: Vec<String> = n
        .links
        .iter()
        .map(|(label, url)| link(url, label))
        .collect();
    if !links.is_empty() {
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(&links.join(" · "), 3000)}]}));
    }
    let prs: Vec<String> = n.prs.iter().map(|p| format!("#{}", p.number)).collect();
    let mut text = format!("{dry}{}", n.status.headline(&escape_mrkdwn(&env)));
    if !prs.is_empty() {
        text.push_str(&format!(" ({})", prs.join(", ")));
    }
    json!({"text": text, "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_sequences_and_broadcasts() {
        assert_eq!(
            escape_mrkdwn("<!channel> & <@U123> <http://x|y>"),
            "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;http://x|y&gt;"
        );
        let e = escape_mrkdwn("ping @channel and @Here, @everyone; mail a@b.c");
        assert!(!e.contains("@channel") && !e.contains("@Here") && !e.contains("@everyone"));
        assert!(e.contains("a@b.c"));
        assert!(escape_plain("<!here> @here").starts_with('\u{2039}'));
        assert!(!escape_plain("@here").contains("@here"));
    }

    #[test]
    fn neutralises_markdown_breakers_but_keeps_snake_case() {
        let e = escape_mrkdwn("*bold* ~strike~ `code` _it_ drop users.legacy_flag");
        assert!(!e.contains('*') && !e.contains('~') && !e.contains('`'));
        assert!(e.contains("legacy_flag"));
        assert!(!e.contains(" _it_"));
        assert_eq!(escape_mrkdwn("line\nbreak"), "line break");
    }

    #[test]
    fn unsafe_urls_are_not_linked() {
        assert_eq!(link("javascript:alert(1)", "x"), "x");
        assert_eq!(
            link("https://a/b?c=1&d=2", "x|y"),
            "<https://a/b?c=1&amp;d=2|x\u{2223}y>"
        );
        assert_eq!(link("https://a/b|evil", "x"), "x");
    }

    #[test]
    fn policy_notifies_failures_by_default() {
        let p = SlackNotify::parse("").unwrap();
        assert!(p.should_notify(NoticeStatus::RolledBack));
        assert!(p.should_notify(NoticeStatus::Refused));
        assert!(!p.should_notify(NoticeStatus::Succeeded));
        assert!(!p.should_notify(NoticeStatus::Started));
        assert!(SlackNotify::Always.should_notify(NoticeStatus::Succeeded));
        assert!(!SlackNotify::Never.should_notify(NoticeStatus::Failed));
        assert!(SlackNotify::parse("sometimes")
            .unwrap_err()
            .contains("slack-notify"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_secs(12)), "12s");
        assert_eq!(human_duration(Duration::from_secs(252)), "4m 12s");
        assert_eq!(human_duration(Duration::from_secs(3780)), "1h 03m");
    }
}
