//! The separation policy (keep database deploys separate) and the acceptance of findings by
//! PR labels.

use crate::classify::Classification;
use crate::model::{Acceptance, Finding, ReleaseKind, Severity};

/// What `mixed-changes` does with a PR that changes schema and code together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MixedPolicy {
    Fail,
    Warn,
    Off,
}

impl MixedPolicy {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fail" => Some(MixedPolicy::Fail),
            "warn" => Some(MixedPolicy::Warn),
            "off" => Some(MixedPolicy::Off),
            _ => None,
        }
    }
}

pub const MIXED_RULE: &str = "SG001";
/// The change's file list was cut off (GitHub's 3,000-file cap) and nothing completed it.
pub const INCOMPLETE_RULE: &str = "SG010";

/// Why a change mixes schema and code, in the words the gate, the deploy and the release train
/// all use.
pub fn mixed_message(class: &Classification) -> String {
    let schema = list_paths(class.schema.iter().map(|f| f.path.as_str()));
    let code = list_paths(class.code.iter().map(|f| f.path.as_str()));
    format!(
        "This change ships schema changes ({schema}) together with application code ({code}). \
         During a Blue/Green deployment the old and the new code run at the same time against \
         one database, and a schema change cannot be rolled back without losing data, so the \
         code must be deployable and roll-back-able on its own."
    )
}

const MIXED_HINT: &str =
    "Split it: first a PR with only the expand migration (new tables, nullable \
                columns, indexes), deployed on its own; then a PR with the code that uses it. To \
                remove something, go the other way: the code PR first, the drop in a later PR.";

/// The separation findings of one change: SG001 when it mixes schema and code (as the policy
/// wants), and SG010 when its file list is incomplete — whatever the policy, since a change
/// nobody read cannot be said to be separate.
pub fn separation_findings(class: &Classification, policy: MixedPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(why) = &class.incomplete {
        out.push(
            Finding::new(INCOMPLETE_RULE, Severity::Error, why.clone()).with_hint(
                "Use `actions/checkout` with `fetch-depth: 0` before shipgate so the whole diff is \
                 read from git, or split the change into smaller PRs.",
            ),
        );
    }
    let severity = match policy {
        MixedPolicy::Off => return out,
        MixedPolicy::Fail => Severity::Error,
        MixedPolicy::Warn => Severity::Warning,
    };
    if class.release_kind() != ReleaseKind::Mixed {
        return out;
    }
    let mut f = Finding::new(MIXED_RULE, severity, mixed_message(class)).with_hint(MIXED_HINT);
    if let Some(first) = class.schema.first() {
        f = f.at(first.path.clone(), Some(1));
    }
    out.push(f);
    out
}

/// What the deploy and the release train decide about one change's separation: the change's
/// kind, and why it must not ship (the gate's SG001/SG010 findings that block, not accepted by a
/// label). The same findings and labels as the gate, so both say the same thing.
pub fn separation_refusal(
    class: &Classification,
    policy: MixedPolicy,
    labels: &[String],
    prefix: &str,
) -> Option<String> {
    let mut findings = separation_findings(class, policy);
    apply_labels(&mut findings, labels, prefix);
    let blocking: Vec<String> = findings
        .iter()
        .filter(|f| f.blocks())
        .map(|f| {
            format!(
                "{} (a PR label `{prefix}{}` accepts it on purpose.)",
                f.message, f.rule
            )
        })
        .collect();
    (!blocking.is_empty()).then(|| blocking.join(" "))
}

fn list_paths<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = paths.collect();
    let shown: Vec<String> = all.iter().take(3).map(|p| format!("`{p}`")).collect();
    match all.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

/// Marks findings accepted by a `<prefix><rule-id>` label (rule ids match case-insensitively,
/// so `shipgate:allow-sg102` works too). An inline acceptance already present is kept.
pub fn apply_labels(findings: &mut [Finding], labels: &[String], prefix: &str) {
    for f in findings.iter_mut().filter(|f| f.accepted.is_none()) {
        let wanted = format!("{prefix}{}", f.rule);
        if let Some(label) = labels.iter().find(|l| l.eq_ignore_ascii_case(&wanted)) {
            f.accepted = Some(Acceptance::Label {
                label: label.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Classifier;
    use crate::model::{ChangedFile, FileStatus, Verdict};

    fn mixed() -> Classification {
        Classifier::defaults().classify(&[
            ChangedFile::new("db/migrate/1_add.rb", FileStatus::Added),
            ChangedFile::new("app/models/user.rb", FileStatus::Modified),
        ])
    }

    #[test]
    fn mixed_fails_with_why_and_what_to_do() {
        let f = separation_findings(&mixed(), MixedPolicy::Fail);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule.0, "SG001");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0]
            .message
            .contains("old and the new code run at the same time"));
        assert!(f[0].hint.contains("expand migration"));
        assert_eq!(f[0].path.as_deref(), Some("db/migrate/1_add.rb"));
        assert_eq!(Verdict::from_findings(&f), Verdict::Fail);
    }

    #[test]
    fn warn_and_off() {
        let w = separation_findings(&mixed(), MixedPolicy::Warn);
        assert_eq!(w[0].severity, Severity::Warning);
        assert_eq!(Verdict::from_findings(&w), Verdict::Pass);
        assert!(separation_findings(&mixed(), MixedPolicy::Off).is_empty());
    }

    #[test]
    fn schema_only_has_no_separation_finding() {
        let c = Classifier::defaults()
            .classify(&[ChangedFile::new("db/migrate/1_add.rb", FileStatus::Added)]);
        assert!(separation_findings(&c, MixedPolicy::Fail).is_empty());
    }

    #[test]
    fn label_accepts_rule() {
        let mut f = separation_findings(&mixed(), MixedPolicy::Fail);
        apply_labels(&mut f, &["bug".into()], "shipgate:allow-");
        assert!(f[0].accepted.is_none());
        apply_labels(&mut f, &["shipgate:allow-sg001".into()], "shipgate:allow-");
        assert_eq!(
            f[0].accepted,
            Some(Acceptance::Label {
                label: "shipgate:allow-sg001".into()
            })
        );
        assert_eq!(Verdict::from_findings(&f), Verdict::Pass);
    }

    #[test]
    fn an_incomplete_listing_blocks_whatever_the_policy() {
        let mut c = Classifier::defaults()
            .classify(&[ChangedFile::new("app/models/user.rb", FileStatus::Modified)]);
        c.incomplete = Some("GitHub lists at most 3000 files".into());
        for policy in [MixedPolicy::Fail, MixedPolicy::Warn, MixedPolicy::Off] {
            let f = separation_findings(&c, policy);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].rule.0, INCOMPLETE_RULE);
            assert!(f[0].blocks());
            assert!(f[0].hint.contains("fetch-depth: 0"));
        }
    }

    #[test]
    fn the_deploy_refuses_in_the_gate_s_words() {
        let c = mixed();
        let why = separation_refusal(&c, MixedPolicy::Fail, &[], "shipgate:allow-").unwrap();
        assert!(why.starts_with(&mixed_message(&c)), "{why}");
        assert!(why.contains("`shipgate:allow-SG001`"), "{why}");
        assert!(separation_refusal(
            &c,
            MixedPolicy::Fail,
            &["shipgate:allow-SG001".into()],
            "shipgate:allow-"
        )
        .is_none());
        assert!(separation_refusal(&c, MixedPolicy::Warn, &[], "shipgate:allow-").is_none());
    }

    #[test]
    fn long_lists_are_shortened() {
        let s = list_paths(["a", "b", "c", "d", "e"].into_iter());
        assert_eq!(s, "`a`, `b`, `c` and 2 more");
    }
}
