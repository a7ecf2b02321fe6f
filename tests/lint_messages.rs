//! Snapshots of what a PR author reads: every finding's location, rule, severity, message and
//! hint for a few corpus files, so a wording change is a reviewed diff.

use shipgate::lint::{lint_source, registry, LintOptions};
use shipgate::model::Dialect;

fn render(dialect: Dialect, path: &str, text: &str) -> String {
    let opts = LintOptions {
        dialect,
        ..LintOptions::default()
    };
    lint_source(path, text, &opts)
        .iter()
        .map(|f| {
            let accepted = f
                .accepted
                .as_ref()
                .map(|a| format!("\n    ({})", a.describe()))
                .unwrap_or_default();
            format!(
                "{}:{}:{} {} {}\n    {}\n    hint: {}{accepted}",
                path,
                f.line.unwrap_or(0),
                f.column.unwrap_or(0),
                f.rule,
                f.severity,
                f.message,
                f.hint
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn rails_remove_and_rename() {
    let text =
        include_str!("fixtures/lint/mysql/db/migrate/20120505000000_remove_and_rename_columns.rb");
    insta::assert_snapshot!(render(
        Dialect::Mysql,
        "db/migrate/20120505000000_remove_and_rename_columns.rb",
        text
    ));
}

#[test]
fn mysql_procedure_and_prepare() {
    let a = include_str!("fixtures/lint/mysql/db/migration/V12__posts_message_procedure.sql");
    let b = include_str!("fixtures/lint/mysql/db/migration/V13__task_json_and_pk.sql");
    insta::assert_snapshot!(format!(
        "{}\n\n{}",
        render(
            Dialect::Mysql,
            "db/migration/V12__posts_message_procedure.sql",
            a
        ),
        render(Dialect::Mysql, "db/migration/V13__task_json_and_pk.sql", b)
    ));
}

#[test]
fn postgres_heredoc_and_jsonb() {
    let a = include_str!("fixtures/lint/postgres/db/migrate/20210404000000_heredoc_execute.rb");
    let b = include_str!("fixtures/lint/postgres/migrations/000043_payload_jsonb.up.sql");
    insta::assert_snapshot!(format!(
        "{}\n\n{}",
        render(
            Dialect::Postgres,
            "db/migrate/20210404000000_heredoc_execute.rb",
            a
        ),
        render(
            Dialect::Postgres,
            "migrations/000043_payload_jsonb.up.sql",
            b
        )
    ));
}

#[test]
fn rules_listing() {
    let listing: Vec<String> = registry()
        .iter()
        .map(|r| {
            format!(
                "{} {} [{}] ({})\n    why: {}\n    hint: {}",
                r.id, r.name, r.severity, r.dialects, r.why, r.hint
            )
        })
        .collect();
    insta::assert_snapshot!(listing.join("\n"));
}
