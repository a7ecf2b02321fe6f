//! What a report tells the author to do about one finding: a hint written with the real table
//! and column names of the statement and in the language of the file, and the exact label or
//! inline comment that accepts the finding.
//!
//! The rules keep one generic hint each (the rule reference prints it); the names come from the
//! finding's message, whose wording the rules pin in their snapshot tests. When a message does
//! not carry the names, the rule's own hint is used unchanged.

use crate::model::Finding;

/// The language a migration file is written in, which decides the comment syntax and whether
/// Rails' DSL can be suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sql,
    Ruby,
    Python,
    /// No file (PR-level findings) or an unknown extension.
    Other,
}

impl Lang {
    pub fn of_path(path: Option<&str>) -> Lang {
        let Some(path) = path else {
            return Lang::Other;
        };
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".sql") {
            Lang::Sql
        } else if lower.ends_with(".rb") {
            Lang::Ruby
        } else if lower.ends_with(".py") {
            Lang::Python
        } else {
            Lang::Other
        }
    }

    fn comment(self) -> Option<&'static str> {
        match self {
            Lang::Sql => Some("--"),
            Lang::Ruby | Lang::Python => Some("#"),
            Lang::Other => None,
        }
    }
}

/// The two ways to accept a finding on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WayOut {
    /// The PR label, e.g. `shipgate:allow-SG102`.
    pub label: String,
    /// The comment to put on the statement or the line before it, in the file's comment syntax;
    /// `None` for findings that have no file (a label is the only way).
    pub inline: Option<String>,
}

/// How to accept `f`: the label with the configured prefix and the inline comment that
/// `lint::ack` recognises.
pub fn way_out(f: &Finding, label_prefix: &str) -> WayOut {
    let rule = &f.rule.0;
    let inline = match Lang::of_path(f.path.as_deref()).comment() {
        // SG001 and the other PR-level rules are about the change set, not a statement.
        Some(c) if f.line.is_some() && !pr_level(rule) => {
            Some(format!("{c} shipgate:allow {rule} <reason>"))
        }
        _ => None,
    };
    WayOut {
        label: format!("{label_prefix}{rule}"),
        inline,
    }
}

/// Rules decided over the whole change (SG001, SG006, ...), which the lint's inline comments
/// cannot accept: in the registry they are the rules without a per-statement or per-file check.
/// Only a label accepts them.
pub fn pr_level(rule: &str) -> bool {
    crate::lint::rules::by_id(rule).is_some_and(|r| r.op.is_none() && r.file.is_none())
}

/// Backticked words of a message, in order: `` `users.email` `` → `users.email`.
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// `table.column` → (table, column).
fn table_column(s: &str) -> Option<(&str, &str)> {
    let (t, c) = s.rsplit_once('.')?;
    (!t.is_empty() && !c.is_empty() && !c.contains(' ')).then_some((t, c))
}

/// Ruby class name of a model from its table (`line_items` → `LineItem`), for the hint only.
fn model_name(table: &str) -> String {
    let singular = table
        .strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| {
            table
                .strip_suffix("ses")
                .map(|s| format!("{s}s"))
                .or_else(|| table.strip_suffix('s').map(str::to_string))
        })
        .unwrap_or_else(|| table.to_string());
    singular
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The hint for `f`, with its names and in its file's language.
pub fn help(f: &Finding) -> String {
    let lang = Lang::of_path(f.path.as_deref());
    specific(f, lang).unwrap_or_else(|| f.hint.clone())
}

fn specific(f: &Finding, lang: Lang) -> Option<String> {
    let q = quoted(&f.message);
    let rails = lang == Lang::Ruby;
    match f.rule.0.as_str() {
        "SG006" => {
            // "Removes `users.legacy_code` but the deployed model `app/models/user.rb` ..."
            let (table, column) = table_column(q.first()?)?;
            let model = q.get(1).copied().unwrap_or("the model");
            Some(format!(
                "Add `self.ignored_columns += [\"{column}\"]` to `{model}` and deploy it; remove \
                 `{table}.{column}` in a later PR."
            ))
        }
        "SG102" => {
            // "Drops column `private_flag` of `projects`: ..."
            let (column, table) = (q.first()?, q.get(1)?);
            let post_deploy = f
                .path
                .as_deref()
                .is_some_and(|p| p.contains("db/post_migrate/"));
            Some(if rails && post_deploy {
                // Already the contract step: what is left is making sure nothing still uses it.
                format!(
                    "This is the contract step: check that the deployed `{}` already has \
                     `self.ignored_columns += [\"{column}\"]` and that no code uses \
                     `{table}.{column}`, then accept it.",
                    model_name(table)
                )
            } else if rails {
                format!(
                    "Add `self.ignored_columns += [\"{column}\"]` to `{}` and deploy that first; \
                     then remove `{table}.{column}` in a post-deploy (contract) migration.",
                    model_name(table)
                )
            } else {
                format!(
                    "Deploy code that no longer reads or writes `{table}.{column}` first (Rails: \
                     `self.ignored_columns += [\"{column}\"]`); then drop it in a later contract \
                     migration."
                )
            })
        }
        "SG201" => {
            // "Renames column `projects.code` to `path`: ..."
            let (table, from) = table_column(q.first()?)?;
            let to = q.get(1)?;
            Some(if rails {
                format!(
                    "Keep the database name and add `alias_attribute :{to}, :{from}` to `{}`; or \
                     expand/contract: add `{table}.{to}`, dual-write, backfill, move reads, then \
                     drop `{from}`.",
                    model_name(table)
                )
            } else {
                format!(
                    "Expand/contract: add `{table}.{to}`, write both columns, backfill, move reads \
                     to `{to}`, stop writing `{from}`, then drop `{from}` in a later PR."
                )
            })
        }
        "SG203" => {
            // "Adds `users.nickname` as NOT NULL without a default: ..."
            let (table, column) = table_column(q.first()?)?;
            Some(if rails {
                format!(
                    "Add it nullable (`add_column :{table}, :{column}, …` without `null: false`), \
                     backfill, then `change_column_null :{table}, :{column}, false` in a later \
                     migration once all code writes it."
                )
            } else {
                format!(
                    "Add `{table}.{column}` nullable or with a constant DEFAULT, backfill, and \
                     enforce NOT NULL in a later migration once all code writes it."
                )
            })
        }
        "SG401" => {
            let table = q.first()?;
            Some(if rails {
                format!(
                    "`add_index :{table}, …, algorithm: :concurrently` with \
                     `disable_ddl_transaction!` in the migration class."
                )
            } else {
                format!(
                    "`CREATE INDEX CONCURRENTLY … ON {table} …`, in a migration that runs outside \
                     a transaction."
                )
            })
        }
        "SG503" => Some(match lang {
            Lang::Ruby => "Move the backfill to its own data migration or post-deploy task, \
                           batched (`in_batches`), with `disable_ddl_transaction!`."
                .to_string(),
            Lang::Python => "Move the data change to its own migration (Django: `RunPython` in a \
                             separate migration with `atomic = False`), batched."
                .to_string(),
            _ => "Move the UPDATE/INSERT/DELETE to its own migration file, so it runs in its own \
                  transaction, in batches (`WHERE … LIMIT`)."
                .to_string(),
        }),
        "SG204" | "SG408" => {
            // "Makes `users.email` NOT NULL: …" / "SET NOT NULL on `users.email` scans …"
            let (table, column) = table_column(q.first()?)?;
            if table.contains('<') {
                return None;
            }
            let check = format!("{table}_{column}_null");
            Some(if rails {
                format!(
                    "Deploy code that always writes `{column}` and backfill it; then \
                     `add_check_constraint :{table}, \"{column} IS NOT NULL\", name: \"{check}\", \
                     validate: false`, `validate_check_constraint :{table}, name: \"{check}\"` in a \
                     second migration, and `change_column_null :{table}, :{column}, false`."
                )
            } else if f.rule.0 == "SG204"
                && lang == Lang::Sql
                && !f.message.contains("SET NOT NULL")
            {
                format!(
                    "Deploy code that always writes `{column}`, backfill the NULL rows of `{table}` \
                     in batches, then enforce NOT NULL (on PostgreSQL through a validated CHECK)."
                )
            } else {
                format!(
                    "`ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT \
                     VALID`; `ALTER TABLE {table} VALIDATE CONSTRAINT {check}` in another migration; \
                     then `SET NOT NULL` and drop the check."
                )
            })
        }
        "SG409" => {
            // "Adds `webhooks.delivery_id` with volatile default `gen_random_uuid()`: …"
            let (table, column) = table_column(q.first()?)?;
            let default = q.get(1).copied().unwrap_or("…");
            Some(if rails {
                format!(
                    "`add_column :{table}, :{column}, …` without `default:`; then \
                     `change_column_default :{table}, :{column}, -> {{ \"{default}\" }}`; then \
                     backfill existing rows in batches."
                )
            } else {
                format!(
                    "`ALTER TABLE {table} ADD COLUMN {column} …` without the default; then `ALTER \
                     TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}`; then backfill \
                     existing rows in batches."
                )
            })
        }
        "SG202" => {
            // "Renames table `from` to `to`: …"
            let (from, to) = (q.first()?, q.get(1)?);
            Some(if rails {
                format!(
                    "Keep `{from}` and set `self.table_name = \"{from}\"` in the model; or create \
                     `{to}`, dual-write, backfill, move reads, then drop `{from}` in a later PR."
                )
            } else {
                format!(
                    "Create `{to}`, dual-write, backfill, move reads, then drop `{from}` in a later \
                     PR; on PostgreSQL a view named `{from}` can bridge the deploy."
                )
            })
        }
        "SG404" | "SG405" if !rails => Some(
            "Add it with `NOT VALID`, then `VALIDATE CONSTRAINT` in a separate migration."
                .to_string(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn f(rule: &str, path: &str, message: &str) -> Finding {
        Finding::new(rule, Severity::Error, message)
            .at(path, Some(3))
            .with_hint("generic")
    }

    #[test]
    fn sg006_names_the_real_column_and_model() {
        let h = help(&f(
            "SG006",
            "db/migrate/1_x.rb",
            "Removes `users.legacy_code` but the deployed model `app/models/user.rb` does not list it in `ignored_columns`: running processes fail after the drop.",
        ));
        assert_eq!(
            h,
            "Add `self.ignored_columns += [\"legacy_code\"]` to `app/models/user.rb` and deploy it; remove `users.legacy_code` in a later PR."
        );
    }

    #[test]
    fn sg503_speaks_the_files_language() {
        let msg = "UPDATE runs in the same migration as schema changes: the tables stay locked until it finishes.";
        let sql = help(&f("SG503", "db/migration/V2__x.sql", msg));
        assert!(!sql.contains("disable_ddl_transaction"), "{sql}");
        assert!(sql.contains("own migration file"));
        assert!(help(&f("SG503", "db/migrate/2_x.rb", msg)).contains("disable_ddl_transaction!"));
        assert!(help(&f("SG503", "app/migrations/0002_x.py", msg)).contains("RunPython"));
    }

    #[test]
    fn sg102_and_sg201_use_the_statement_names() {
        let h = help(&f(
            "SG102",
            "db/migrate/1_x.rb",
            "Drops column `private_flag` of `projects`: gone.",
        ));
        assert!(
            h.contains("[\"private_flag\"]") && h.contains("`Project`"),
            "{h}"
        );
        let h = help(&f(
            "SG201",
            "a.sql",
            "Renames column `projects.code` to `path`: running code still uses `code`.",
        ));
        assert!(
            h.contains("add `projects.path`") && h.contains("drop `code`"),
            "{h}"
        );
        assert!(!h.contains("alias_attribute"));
    }

    #[test]
    fn not_null_and_volatile_default_use_the_names() {
        let h = help(&f(
            "SG408",
            "V3__x.sql",
            "SET NOT NULL on `accounts.email` scans the table under ACCESS EXCLUSIVE.",
        ));
        assert!(h.contains("ALTER TABLE accounts ADD CONSTRAINT accounts_email_null CHECK (email IS NOT NULL) NOT VALID"), "{h}");
        let h = help(&f(
            "SG204",
            "db/migrate/1_x.rb",
            "Makes `users.email` NOT NULL: old code may still write NULL.",
        ));
        assert!(
            h.contains("change_column_null :users, :email, false"),
            "{h}"
        );
        // Names computed at run time give no safe code to copy: the rule's own hint.
        let h = help(&f(
            "SG204",
            "db/migrate/1_x.rb",
            "Makes `<dynamic>.email` NOT NULL.",
        ));
        assert_eq!(h, "generic");
        let h = help(&f(
            "SG409",
            "V4__x.sql",
            "Adds `webhooks.delivery_id` with volatile default `gen_random_uuid()`: rewritten.",
        ));
        assert!(h.contains("SET DEFAULT gen_random_uuid()"), "{h}");
        let h = help(&f(
            "SG202",
            "db/migrate/1_x.rb",
            "Renames table `users` to `accounts`: x",
        ));
        assert!(h.contains("self.table_name = \"users\""), "{h}");
    }

    #[test]
    fn unknown_wording_falls_back_to_the_rule_hint() {
        assert_eq!(help(&f("SG102", "a.sql", "something else")), "generic");
        assert_eq!(
            help(&f("SG310", "a.sql", "`FORCE` rebuilds `t`.")),
            "generic"
        );
    }

    #[test]
    fn way_out_per_language() {
        let w = way_out(&f("SG102", "db/migrate/1_x.rb", "m"), "shipgate:allow-");
        assert_eq!(w.label, "shipgate:allow-SG102");
        assert_eq!(w.inline.as_deref(), Some("# shipgate:allow SG102 <reason>"));
        // SG006 is decided over the PR (the base-branch model), so no comment can accept it.
        let w = way_out(&f("SG006", "db/migrate/1_x.rb", "m"), "shipgate:allow-");
        assert_eq!(w.inline, None);
        let w = way_out(&f("SG401", "V1__x.sql", "m"), "ok-");
        assert_eq!(w.label, "ok-SG401");
        assert_eq!(
            w.inline.as_deref(),
            Some("-- shipgate:allow SG401 <reason>")
        );
        let w = way_out(&f("SG001", "db/migrate/1_x.rb", "m"), "shipgate:allow-");
        assert_eq!(w.inline, None);
        let w = way_out(
            &Finding::new("SG004", Severity::Error, "pr"),
            "shipgate:allow-",
        );
        assert_eq!(w.inline, None);
    }

    #[test]
    fn model_names() {
        assert_eq!(model_name("users"), "User");
        assert_eq!(model_name("line_items"), "LineItem");
        assert_eq!(model_name("categories"), "Category");
        assert_eq!(model_name("addresses"), "Address");
    }
}
