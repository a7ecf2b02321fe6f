//! SG902 dynamic-sql: DDL hidden in strings (PREPARE/EXECUTE) or routine bodies. The ops found
//! inside are linted normally; this finding names which rules they hit.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG902",
        name: "dynamic-sql",
        severity: Severity::Warning,
        dialects: "my, pg",
        why: "SQL built in strings and run with PREPARE/EXECUTE, or DDL inside stored procedure / \
              DO bodies, hides what actually runs; the scan of its strings is best effort.",
        hint: "Write the DDL as plain statements, or review it and acknowledge with \
               `shipgate:allow SG902 <reason>`.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, _cx: &Ctx) -> Option<Hit> {
    let OpKind::Dynamic { what, .. } = &op.kind else {
        return None;
    };
    // The engine appends the ids of the rules the hidden statements hit.
    Some(Hit::new(format!(
        "{what} runs SQL that is built or stored at run time"
    )))
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{findings, fires, silent, MY};

    #[test]
    fn prepare_and_procedures() {
        let src = "SET @s = CONCAT('ALTER TABLE ', @t, ' DROP COLUMN legacy');\nPREPARE stmt FROM @s;\nEXECUTE stmt;\n";
        let f = findings(MY, "a.sql", src);
        let d = f.iter().find(|f| f.rule.0 == "SG902").expect("SG902");
        assert!(d.message.contains("SG102"), "{}", d.message);
        let proc_src = "DELIMITER //\nCREATE PROCEDURE m()\nBEGIN\n  ALTER TABLE Posts MODIFY COLUMN Message text;\nEND //\nDELIMITER ;\nCALL m();\n";
        fires(MY, "a.sql", proc_src, "SG902");
        fires(MY, "a.sql", proc_src, "SG301");
        silent(MY, "a.sql", "SET @x = 'hello';\nSELECT @x;", "SG902");
    }
}
