//! SG001 mixed-deploy: documented here so `shipgate rules` lists it; the gate implements it,
//! because it needs the classification of every changed file.

use super::Rule;
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG001",
        name: "mixed-deploy",
        severity: Severity::Error,
        dialects: "any",
        why: "The PR changes migration files and application code together. During a Blue/Green \
              cutover old and new code run against one schema, and a schema rollback loses data, \
              so the code deploy must be able to roll back on its own.",
        hint:
            "Split it: PR 1 carries the migration only (expand) and is deployed; PR 2 carries the \
               code. Contract goes the other way: the code PR first, the drop PR later.",
    },
    op: None,
    file: None,
};
