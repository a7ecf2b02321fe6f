//! The separation policy (keep database deploys separate) and the acceptance of findings by
//! PR labels.

use super::classify::Classification;
use crate::model::{Acceptance, Finding, Severity};

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

/// The SG001 finding for a change that mixes schema and code, if the policy wants one.
pub fn separation_findings(class: &Classification, policy: MixedPolicy) -> Vec<Finding> {
    let severity = match policy {
        MixedPolicy::Off => return Vec::new(),
        MixedPolicy::Fail => Severity::Error,
        MixedPolicy::Warn => Severity::Warning,
    };
    if class.schema.is_empty() || class.code.is_empty() {
        return Vec::new();
    }
    let schema = list_paths(class.schema.iter().map(|f| f.path.as_str()));
    let code = list_paths(class.code.iter().map(|f| f.path.as_str()));
    let message = format!(
        "This change ships schema changes ({schema}) together with application code ({code}). \
         During a Blue/Green deployment the old and the new code run at the same time against \
         one database, and a schema change cannot be rolled back without losing data, so the \
         code must be deployable and roll-back-able on its own."
    );
    let hint = "Split it: first a PR with only the expand migration (new tables, nullable \
                columns, indexes), deployed on its own; then a PR with the code that uses it. To \
                remove something, go the other way: the code PR first, the drop in a later PR.";
    let anchor = class.schema.first().map(|f| f.path.clone());
    let mut f = Finding::new(MIXED_RULE, severity, message).with_hint(hint);
    if let Some(path) = anchor {
        f = f.at(path, Some(1));
    }
    vec![f]
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
    use crate::gate::classify::Classifier;
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
    fn long_lists_are_shortened() {
        let s = list_paths(["a", "b", "c", "d", "e"].into_iter());
        assert_eq!(s, "`a`, `b`, `c` and 2 more");
    }
}
