//! SG304 table-default-charset (MySQL): online in 8.0 (with a rebuild), not before 5.7.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG304",
        name: "table-default-charset",
        severity: Severity::Warning,
        dialects: "my",
        why: "Changing a table's default character set or collation rebuilds it when the encoding \
              differs (8.0 allows DML meanwhile); MySQL 5.6 cannot do it online at all.",
        hint: "Use an online schema change tool, or schedule a maintenance window.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::TableCharset { table } = &op.kind else {
        return None;
    };
    if !cx.mysql() || !cx.existing(table) {
        return None;
    }
    let hit = Hit::new(format!(
        "Changes the default character set / collation of `{table}`: the table may be rebuilt."
    ));
    Some(if cx.mysql_before(5, 7, 0) {
        hit.with_severity(Severity::Error)
    } else {
        hit
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{findings_with, fires, silent, MY};
    use crate::lint::LintOptions;
    use crate::model::Severity;

    #[test]
    fn charset() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE posts DEFAULT CHARACTER SET utf8mb4;",
            "SG304",
        );
        fires(
            MY,
            "a.sql",
            "ALTER TABLE posts COLLATE utf8mb4_bin;",
            "SG304",
        );
        silent(
            MY,
            "a.sql",
            "CREATE TABLE posts (id int) DEFAULT CHARSET=utf8mb4;",
            "SG304",
        );
        let opts = LintOptions {
            mysql_version: "5.6".into(),
            ..LintOptions::default()
        };
        let f = findings_with(&opts, "a.sql", "ALTER TABLE posts CHARACTER SET utf8mb4;");
        assert!(f
            .iter()
            .any(|f| f.rule.0 == "SG304" && f.severity == Severity::Error));
    }
}
