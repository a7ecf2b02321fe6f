//! SG010 change-not-fully-read: documented here so `shipgate rules` lists it; the gate, the
//! deploy and the release train raise it when a change's file list was cut off.

use super::Rule;
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG010",
        name: "change-not-fully-read",
        severity: Severity::Error,
        dialects: "any",
        why: "GitHub's API lists at most 3,000 files of a pull request. Files past the cap were \
              never read, so shipgate cannot tell whether the change mixes schema and code or what \
              its other migrations do, and a gate must never pass what it did not read.",
        hint: "Check the repository out with `actions/checkout` and `fetch-depth: 0` before \
               shipgate, so it reads the whole diff from git; or split the PR.",
    },
    op: None,
    file: None,
};
