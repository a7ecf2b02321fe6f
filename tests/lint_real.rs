//! False alarms seen on real migration histories, each pinned by a real-shaped migration from
//! `tests/fixtures/lint/postgres/db/migrate/` (sources in each file's header): the alarm is gone,
//! and the real hazard next to it is still reported.

use std::path::Path;

use shipgate::lint::{lint_source, LintOptions};
use shipgate::model::{Dialect, Finding};

fn lint(name: &str) -> Vec<Finding> {
    let rel = format!("db/migrate/{name}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lint/postgres")
        .join(&rel);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let opts = LintOptions {
        dialect: Dialect::Postgres,
        ..LintOptions::default()
    };
    lint_source(&rel, &text, &opts)
}

fn rules(f: &[Finding]) -> Vec<String> {
    f.iter()
        .map(|f| format!("{}@{}", f.rule, f.line.unwrap_or(0)))
        .collect()
}

#[test]
fn unique_index_on_a_column_added_in_the_same_migration() {
    let f = lint("20100516124737_add_open_id.rb");
    assert!(f.iter().all(|f| f.rule.0 != "SG207"), "{:?}", rules(&f));
    // The index is still built without CONCURRENTLY on an existing table.
    assert!(f.iter().any(|f| f.rule.0 == "SG401"), "{:?}", rules(&f));
}

#[test]
fn data_fixed_before_any_ddl_is_no_backfill_under_lock() {
    let f = lint("20240307180830_add_check_constraint_to_redaction_title_and_description.rb");
    assert!(f.iter().all(|f| f.rule.0 != "SG503"), "{:?}", rules(&f));
    assert!(!f.iter().any(Finding::blocks), "{:?}", rules(&f));
}

#[test]
fn a_backfill_after_the_ddl_in_its_transaction_is_still_reported() {
    let f = lint("20121012044047_add_image_use_gravatar_to_users.rb");
    let hits: Vec<&Finding> = f.iter().filter(|f| f.rule.0 == "SG503").collect();
    assert_eq!(hits.len(), 1, "{:?}", rules(&f));
    assert_eq!(hits[0].line, Some(11));
}

#[test]
fn big_codebase_helpers_are_understood() {
    let f = lint("20260101000000_gitlab_style_helpers.rb");
    let got = rules(&f);
    // The concurrent helpers are the safe forms.
    for quiet in ["SG401", "SG402", "SG404", "SG901"] {
        assert!(f.iter().all(|f| f.rule.0 != quiet), "{quiet}: {got:?}");
    }
    // The contract helpers drop and rename columns.
    for (rule, line) in [("SG102", 10), ("SG201", 10), ("SG102", 12)] {
        assert!(
            f.iter().any(|f| f.rule.0 == rule && f.line == Some(line)),
            "{rule}@{line}: {got:?}"
        );
    }
}
