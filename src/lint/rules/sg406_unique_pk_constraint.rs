//! SG406 unique/pk-constraint (PostgreSQL): ADD PRIMARY KEY / UNIQUE builds its index under
//! ACCESS EXCLUSIVE unless it attaches one built concurrently (`USING INDEX`).

use super::{Ctx, Hit, Rule};
use crate::lint::op::{Op, OpKind};
use crate::lint::RuleDoc;
use crate::model::Severity;

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG406",
        name: "unique-pk-constraint",
        severity: Severity::Error,
        dialects: "pg",
        why: "ADD PRIMARY KEY (or UNIQUE) builds its index while holding ACCESS EXCLUSIVE: reads \
              and writes block until it is built.",
        hint: "`CREATE UNIQUE INDEX CONCURRENTLY idx …`, then `ADD CONSTRAINT … PRIMARY KEY USING \
               INDEX idx` (or `UNIQUE USING INDEX idx`).",
    },
    op: Some(check),
    file: None,
};

fn check(op: &Op, cx: &Ctx) -> Option<Hit> {
    let OpKind::AddPrimaryKey {
        table,
        using_index: false,
    } = &op.kind
    else {
        return None;
    };
    (cx.postgres() && cx.existing(table)).then(|| {
        Hit::new(format!(
            "Adds a primary key to `{table}` by building its index under ACCESS EXCLUSIVE."
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{fires, silent, PG};

    #[test]
    fn pk() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t DROP CONSTRAINT t_pkey, ADD PRIMARY KEY (id, tenant_id);",
            "SG406",
        );
        let safe = "CREATE UNIQUE INDEX CONCURRENTLY t_pk2 ON t (id, tenant_id);\nALTER TABLE t DROP CONSTRAINT t_pkey, ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_pk2;";
        silent(PG, "a.sql", safe, "SG406");
    }

    #[test]
    fn inline_primary_key_and_rails_primary_key_type() {
        fires(
            PG,
            "a.sql",
            "ALTER TABLE t ADD COLUMN id bigserial PRIMARY KEY;",
            "SG406",
        );
        fires(
            PG,
            "db/migrate/1_a.rb",
            &crate::lint::testing::rails("add_column :t, :id, :primary_key"),
            "SG406",
        );
        silent(
            PG,
            "a.sql",
            "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;",
            "SG406",
        );
    }
}
