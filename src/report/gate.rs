//! The gate's report in markdown: one text for the PR comment, the job summary and the
//! check run's summary, so the author reads the same thing wherever they look.

use super::hint;
use super::md_escape;
use super::rules::rule_url;
use crate::gate::evaluate::Evaluation;
use crate::model::{Finding, Severity, Verdict};

/// Hidden marker that finds the gate's comment again on later runs.
pub const COMMENT_MARKER: &str = "<!-- shipgate:gate -->";
/// The API refuses bodies over 65,536 characters; stay well below.
const MAX_LISTED: usize = 60;

/// Where the report points to.
#[derive(Debug, Clone, Default)]
pub struct ReportLinks {
    pub commit: Option<String>,
    pub run_url: Option<String>,
    /// The `allow-label-prefix` the ways out are written with; `None` is the default prefix.
    pub label_prefix: Option<String>,
}

impl ReportLinks {
    fn prefix(&self) -> String {
        // A backtick would end the code span the label is shown in.
        self.label_prefix
            .as_deref()
            .unwrap_or("shipgate:allow-")
            .replace('`', "'")
    }
}

pub fn title(eval: &Evaluation) -> String {
    let errors = eval.count(Severity::Error);
    let warnings = eval.count(Severity::Warning);
    match eval.verdict {
        Verdict::Fail => format!("Not safe to deploy: {errors} error{}", plural(errors)),
        Verdict::Pass if warnings > 0 => {
            format!("Safe to deploy, {warnings} warning{}", plural(warnings))
        }
        Verdict::Pass => "Safe to deploy".to_string(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The markdown body of the report.
pub fn markdown(eval: &Evaluation, links: &ReportLinks) -> String {
    let mut md = String::new();
    let icon = match eval.verdict {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
    };
    md.push_str(&format!("## {icon} shipgate: {}\n\n", title(eval)));
    let c = &eval.classification;
    let accepted = eval
        .findings
        .iter()
        .filter(|f| f.accepted.is_some())
        .count();
    md.push_str(&format!(
        "**Release kind:** `{}` · **Files:** {} schema, {} code, {} ignored · **Findings:** {} error{}, {} warning{}, {} accepted\n\n",
        eval.release_kind,
        c.schema.len(),
        c.code.len(),
        c.ignored.len(),
        eval.count(Severity::Error),
        plural(eval.count(Severity::Error)),
        eval.count(Severity::Warning),
        plural(eval.count(Severity::Warning)),
        accepted,
    ));

    let open: Vec<&Finding> = eval.open_findings().collect();
    if open.is_empty() && accepted == 0 {
        md.push_str(match eval.release_kind {
            crate::model::ReleaseKind::Schema => {
                "This PR changes only the schema, and its migrations look safe for a Blue/Green deploy. Deploy it on its own, before the code that uses it.\n\n"
            }
            crate::model::ReleaseKind::None => "Nothing here changes code or schema.\n\n",
            _ => "Nothing found that would break a zero-downtime deploy.\n\n",
        });
    }
    if !open.is_empty() {
        md.push_str("### Findings\n\n");
        for f in open.iter().take(MAX_LISTED) {
            md.push_str(&finding_item(f, &links.prefix()));
        }
        if open.len() > MAX_LISTED {
            md.push_str(&format!(
                "\n…and {} more, listed as annotations on the check run.\n",
                open.len() - MAX_LISTED
            ));
        }
        md.push('\n');
    }
    let accepted: Vec<&Finding> = eval
        .findings
        .iter()
        .filter(|f| f.accepted.is_some())
        .collect();
    if !accepted.is_empty() {
        md.push_str("### Accepted\n\n");
        for f in accepted.iter().take(MAX_LISTED) {
            let how = f
                .accepted
                .as_ref()
                .map(|a| a.describe())
                .unwrap_or_default();
            md.push_str(&format!(
                "- **[{}]({})** {} {} — {}\n",
                f.rule,
                rule_url(&f.rule.0),
                location(f),
                md_escape(&(f.message.clone() + &f.repeat_suffix())),
                md_escape(&how)
            ));
        }
        md.push('\n');
    }
    if eval.verdict == Verdict::Fail {
        let ways: Vec<hint::WayOut> = eval
            .findings
            .iter()
            .filter(|f| f.blocks())
            .map(|f| hint::way_out(f, &links.prefix()))
            .collect();
        let mut labels: Vec<String> = ways.iter().map(|w| format!("`{}`", w.label)).collect();
        labels.sort();
        labels.dedup();
        let inline = if ways.iter().any(|w| w.inline.is_some()) {
            "; or accept one statement with the inline comment shown under it"
        } else {
            ""
        };
        md.push_str(&format!(
            "To accept every blocking finding on purpose, add the label{} {} to the PR{inline}.\n\n",
            plural(labels.len()),
            labels.join(", ")
        ));
    }
    let mut footer = Vec::new();
    if let Some(sha) = &links.commit {
        footer.push(format!("checked `{}`", &sha[..sha.len().min(7)]));
    }
    if let Some(url) = &links.run_url {
        footer.push(format!("[workflow run]({url})"));
    }
    if !footer.is_empty() {
        md.push_str(&format!("<sub>shipgate · {}</sub>\n", footer.join(" · ")));
    }
    md
}

fn location(f: &Finding) -> String {
    match (&f.path, f.line) {
        (Some(p), Some(l)) => format!("`{}:{l}`", p.replace('`', "'")),
        (Some(p), None) => format!("`{}`", p.replace('`', "'")),
        _ => String::new(),
    }
}

fn finding_item(f: &Finding, label_prefix: &str) -> String {
    let icon = match f.severity {
        Severity::Error => "❌",
        Severity::Warning => "⚠️",
        Severity::Info => "ℹ️",
    };
    let mut s = format!(
        "- {icon} **[{}]({})** {} {}\n",
        f.rule,
        rule_url(&f.rule.0),
        location(f),
        md_escape(&f.message)
    );
    let help = hint::help(f);
    if !help.is_empty() {
        s.push_str(&format!("  <br>**Safer:** {}\n", md_escape(&help)));
    }
    if f.blocks() {
        let way = hint::way_out(f, label_prefix);
        match &way.inline {
            Some(c) => s.push_str(&format!(
                "  <br>**To accept:** label `{}`, or `{c}` on the statement\n",
                way.label
            )),
            None => s.push_str(&format!("  <br>**To accept:** label `{}`\n", way.label)),
        }
    }
    s
}

/// The PR comment: the report plus the hidden marker.
pub fn comment(eval: &Evaluation, links: &ReportLinks) -> String {
    format!("{COMMENT_MARKER}\n{}", markdown(eval, links))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Classifier;
    use crate::model::{Acceptance, ChangedFile, FileStatus, ReleaseKind};

    fn eval(findings: Vec<Finding>) -> Evaluation {
        let classification = Classifier::defaults().classify(&[
            ChangedFile::new("db/migrate/1_a.rb", FileStatus::Added),
            ChangedFile::new("app/models/a.rb", FileStatus::Modified),
        ]);
        Evaluation {
            verdict: Verdict::from_findings(&findings),
            release_kind: ReleaseKind::Mixed,
            classification,
            findings,
        }
    }

    #[test]
    fn failing_report_lists_findings_hints_and_how_to_accept() {
        let e = eval(vec![Finding::new(
            "SG001",
            Severity::Error,
            "mixes @core | stuff",
        )
        .at("db/migrate/1_a.rb", Some(1))
        .with_hint("split it")]);
        let md = comment(
            &e,
            &ReportLinks {
                commit: Some("abcdef0123".into()),
                run_url: Some("https://github.com/o/r/actions/runs/1".into()),
                label_prefix: None,
            },
        );
        assert!(md.starts_with(COMMENT_MARKER));
        assert!(md.contains("## ❌ shipgate: Not safe to deploy: 1 error"));
        assert!(md.contains("**Release kind:** `mixed` · **Files:** 1 schema, 1 code, 0 ignored"));
        assert!(md.contains("- ❌ **[SG001](https://github.com/shipgate/shipgate/blob/main/docs/rules/SG001.md)** `db/migrate/1_a.rb:1` mixes @\u{200d}core \\| stuff"));
        assert!(md.contains("**Safer:** split it"));
        assert!(md.contains("**To accept:** label `shipgate:allow-SG001`\n"));
        assert!(md.contains("add the label `shipgate:allow-SG001` to the PR"));
        assert!(md.contains("checked `abcdef0`"));
    }

    #[test]
    fn ways_out_use_the_configured_prefix_and_the_files_comment_syntax() {
        let e = eval(vec![
            Finding::new("SG102", Severity::Error, "drop").at("db/migration/V2__x.sql", Some(3)),
            Finding::new("SG102", Severity::Error, "drop").at("db/migrate/2_x.rb", Some(4)),
        ]);
        let md = markdown(
            &e,
            &ReportLinks {
                label_prefix: Some("ok`/".into()),
                ..ReportLinks::default()
            },
        );
        assert!(
            md.contains("**To accept:** label `ok'/SG102`, or `-- shipgate:allow SG102 <reason>` on the statement"),
            "{md}"
        );
        assert!(md.contains("`# shipgate:allow SG102 <reason>`"), "{md}");
        // One label accepts both findings, so it is listed once.
        assert!(md.contains("add the label `ok'/SG102` to the PR; or accept one statement"));
    }

    #[test]
    fn accepted_findings_are_listed_with_reason() {
        let mut f = Finding::new("SG102", Severity::Error, "drop").at("db/migrate/1_a.rb", Some(3));
        f.accepted = Some(Acceptance::Label {
            label: "shipgate:allow-SG102".into(),
        });
        let md = markdown(&eval(vec![f]), &ReportLinks::default());
        assert!(md.contains("✅ shipgate: Safe to deploy"));
        assert!(md.contains("### Accepted"));
        assert!(md.contains("accepted by label `shipgate:allow-SG102`"));
    }

    #[test]
    fn long_lists_are_capped() {
        let many: Vec<Finding> = (0..70)
            .map(|i| Finding::new("SG201", Severity::Error, format!("f{i}")))
            .collect();
        let md = markdown(&eval(many), &ReportLinks::default());
        assert!(md.contains("…and 10 more"));
    }
}
