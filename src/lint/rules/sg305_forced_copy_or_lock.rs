//! SG305 forced-copy-or-lock (MySQL): ALGORITHM=COPY / LOCK=SHARED|EXCLUSIVE block writes.

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG305",
        name: "forced-copy-or-lock",
        severity: Severity::Error,
        dialects: "my",
        why: "ALGORITHM=COPY and LOCK=SHARED block writes for the whole operation; LOCK=EXCLUSIVE \
              blocks reads too.",
        hint: "Omit them, or ask for `ALGORITHM=INPLACE, LOCK=NONE` (or `ALGORITHM=INSTANT`) so \
               MySQL fails fast instead of locking.",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::ForcedLock { table, what } = &op.kind else {
        return None;
    };
    (cx.mysql() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "`{what}` on `{table}` blocks writes while it runs."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, rails, silent, MY};

    #[test]
    fn forced() {
        fires(
            MY,
            "a.sql",
            "ALTER TABLE t ADD COLUMN c int, ALGORITHM=COPY;",
            "SG305",
        );
        fires(
            MY,
            "a.sql",
            "ALTER TABLE t ADD INDEX i (c), LOCK=EXCLUSIVE;",
            "SG305",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_index :t, :c, algorithm: :copy"),
            "SG305",
        );
        silent(
            MY,
            "a.sql",
            "ALTER TABLE t ADD INDEX i (c), ALGORITHM=INPLACE, LOCK=NONE;",
            "SG305",
        );
    }

    #[test]
    fn rails_options_on_any_call() {
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_index :t, :c, algorithm: :copy"),
            "SG305",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_index :t, :c, lock: :shared"),
            "SG305",
        );
        fires(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_reference :t, :user, lock: :exclusive"),
            "SG305",
        );
        silent(
            MY,
            "db/migrate/1_a.rb",
            &rails("add_index :t, :c, algorithm: :inplace, lock: :none"),
            "SG305",
        );
    }
}
