//! SG308 fulltext-spatial-index (MySQL): these index builds do not permit concurrent DML.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{IndexKind, Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG308",
        name: "fulltext-spatial-index",
        severity: Severity::Error,
        dialects: "my",
        why: "Building a FULLTEXT or SPATIAL index does not permit concurrent DML (and the first \
              FULLTEXT index rebuilds the table).",
        hint: "Build it with an online schema change tool, or in a maintenance window.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddIndex { table, kind, .. } = &op.kind else {
        return None;
    };
    let name = match kind {
        IndexKind::Fulltext => "FULLTEXT",
        IndexKind::Spatial => "SPATIAL",
        IndexKind::Plain => return None,
    };
    (cx.mysql() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Adds a {name} index to `{table}`: writes are blocked while it builds."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY};

    #[test]
    fn fulltext() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE posts ADD FULLTEXT INDEX ft_body (body);",
            "SG308",
        );
        fires(
            MY,
            "a.sql",
            "CREATE FULLTEXT INDEX ft_body ON posts (body);",
            "SG308",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_index :posts, :body, type: :fulltext"),
            "SG308",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE posts ADD INDEX i_body (body(20));",
            "SG308",
        );
    }
}
