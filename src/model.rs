//! Domain types shared by the gate, the lint, the deploy flow and the reports.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A full or abbreviated git commit id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommitSha(pub String);

impl CommitSha {
    pub fn short(&self) -> &str {
        let end = self.0.len().min(7);
        &self.0[..end]
    }
}

impl fmt::Display for CommitSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A pull request number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PrNumber(pub u64);

impl fmt::Display for PrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// `owner/name` of a GitHub repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoName {
    pub owner: String,
    pub name: String,
}

impl RepoName {
    /// Parses `owner/name`; `None` when either half is missing.
    pub fn parse(s: &str) -> Option<Self> {
        let (owner, name) = s.trim().split_once('/')?;
        if owner.is_empty() || name.is_empty() || name.contains('/') {
            return None;
        }
        Some(Self {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// What a release (a PR or a train of PRs) carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseKind {
    Schema,
    Code,
    Mixed,
    None,
}

impl ReleaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseKind::Schema => "schema",
            ReleaseKind::Code => "code",
            ReleaseKind::Mixed => "mixed",
            ReleaseKind::None => "none",
        }
    }

    /// Combines the kinds of two parts of one release.
    pub fn merge(self, other: ReleaseKind) -> ReleaseKind {
        use ReleaseKind::*;
        match (self, other) {
            (None, k) | (k, None) => k,
            (Schema, Schema) => Schema,
            (Code, Code) => Code,
            _ => Mixed,
        }
    }
}

impl fmt::Display for ReleaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a finding is. `Error` fails the gate unless accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable rule id such as `SG001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(pub String);

impl RuleId {
    pub fn new(id: &str) -> Self {
        RuleId(id.to_string())
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a finding no longer counts against the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "lowercase")]
pub enum Acceptance {
    /// A PR label `shipgate:allow-<rule>`.
    Label { label: String },
    /// An inline `shipgate:allow <rule> <reason>` comment, or `safety_assured`.
    Inline { reason: String },
}

impl Acceptance {
    pub fn describe(&self) -> String {
        match self {
            Acceptance::Label { label } => format!("accepted by label `{label}`"),
            Acceptance::Inline { reason } if reason.is_empty() => "accepted inline".to_string(),
            Acceptance::Inline { reason } => format!("accepted inline: {reason}"),
        }
    }
}

/// One problem found in a change, located as precisely as known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// Repository-relative path; `None` for PR-level findings with no single file.
    pub path: Option<String>,
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
    pub hint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Acceptance>,
    /// How many identical findings of one file this one stands for (the lint folds repeats,
    /// keeping the first location); 1 for a single finding.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

impl Finding {
    pub fn new(rule: &str, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            rule: RuleId::new(rule),
            severity,
            path: None,
            line: None,
            column: None,
            message: message.into(),
            hint: String::new(),
            accepted: None,
            count: 1,
        }
    }

    /// ` (×52188)` for a folded finding, empty otherwise: what renderers append to the message.
    pub fn repeat_suffix(&self) -> String {
        if self.count > 1 {
            format!(" (×{})", self.count)
        } else {
            String::new()
        }
    }

    pub fn at(mut self, path: impl Into<String>, line: Option<u32>) -> Self {
        self.path = Some(path.into());
        self.line = line;
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    /// True when this finding, as it stands, fails the gate.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Error && self.accepted.is_none()
    }
}

/// The gate's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }

    pub fn from_findings(findings: &[Finding]) -> Verdict {
        if findings.iter().any(Finding::blocks) {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SQL dialect of raw SQL migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Mysql,
    Postgres,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Mysql => "mysql",
            Dialect::Postgres => "postgres",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_kind_merges_to_mixed_only_across_kinds() {
        use ReleaseKind::*;
        assert_eq!(None.merge(Schema), Schema);
        assert_eq!(Code.merge(Code), Code);
        assert_eq!(Schema.merge(Code), Mixed);
        assert_eq!(Mixed.merge(None), Mixed);
    }

    #[test]
    fn repo_name_rejects_malformed() {
        assert!(RepoName::parse("octo/hello").is_some());
        assert!(RepoName::parse("octo").is_none());
        assert!(RepoName::parse("/x").is_none());
        assert!(RepoName::parse("a/b/c").is_none());
    }

    #[test]
    fn accepted_errors_do_not_block() {
        let mut f = Finding::new("SG102", Severity::Error, "drop");
        assert_eq!(
            Verdict::from_findings(std::slice::from_ref(&f)),
            Verdict::Fail
        );
        f.accepted = Some(Acceptance::Label {
            label: "shipgate:allow-SG102".into(),
        });
        assert_eq!(Verdict::from_findings(&[f]), Verdict::Pass);
    }
}

/// How a file changed in a PR or diff (GitHub's `status` of a diff entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    Modified,
    Removed,
    Renamed,
    Copied,
    Changed,
    Unchanged,
}

impl FileStatus {
    /// Maps GitHub's diff-entry status; unknown values count as `changed`.
    pub fn from_github(s: &str) -> FileStatus {
        match s {
            "added" => FileStatus::Added,
            "removed" => FileStatus::Removed,
            "modified" => FileStatus::Modified,
            "renamed" => FileStatus::Renamed,
            "copied" => FileStatus::Copied,
            "unchanged" => FileStatus::Unchanged,
            _ => FileStatus::Changed,
        }
    }
}

/// One file of a change set, with where it came from when it moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFile {
    pub path: String,
    pub status: FileStatus,
    pub previous_path: Option<String>,
}

impl ChangedFile {
    pub fn new(path: impl Into<String>, status: FileStatus) -> Self {
        ChangedFile {
            path: path.into(),
            status,
            previous_path: None,
        }
    }
}
