//! Inline acknowledgements: statement, line-before, trailing and file-level forms, Ruby and SQL,
//! `safety_assured`, and SG903 for the ones that accept nothing.

use shipgate::lint::{lint_source, LintOptions};
use shipgate::model::{Acceptance, Dialect, Finding, Severity};

fn lint(d: Dialect, path: &str, text: &str) -> Vec<Finding> {
    lint_source(
        path,
        text,
        &LintOptions {
            dialect: d,
            ..LintOptions::default()
        },
    )
}

fn accepted(f: &[Finding], rule: &str) -> Option<String> {
    f.iter()
        .find(|f| f.rule.0 == rule)
        .and_then(|f| match &f.accepted {
            Some(Acceptance::Inline { reason }) => Some(reason.clone()),
            _ => None,
        })
}

#[test]
fn sql_line_before_and_trailing() {
    let f = lint(
        Dialect::Mysql,
        "V1__x.sql",
        "-- shipgate:allow SG102 column unused since release 41\n-- (see ticket 7)\nALTER TABLE users\n  DROP COLUMN nickname;\nDROP TABLE old_sessions; -- shipgate:allow SG101 empty since 2023\n",
    );
    assert_eq!(
        accepted(&f, "SG102").as_deref(),
        Some("column unused since release 41")
    );
    assert_eq!(accepted(&f, "SG101").as_deref(), Some("empty since 2023"));
    assert!(!f.iter().any(|f| f.rule.0 == "SG903"), "{f:#?}");
    // Accepted findings stay in the list: the gate shows them.
    assert!(f
        .iter()
        .any(|f| f.rule.0 == "SG102" && f.severity == Severity::Error));
}

#[test]
fn ack_for_another_statement_does_not_leak() {
    let f = lint(
        Dialect::Postgres,
        "V1__x.sql",
        "-- shipgate:allow SG102 only the first\nALTER TABLE a DROP COLUMN x;\nALTER TABLE b DROP COLUMN y;\n",
    );
    let sg102: Vec<&Finding> = f.iter().filter(|f| f.rule.0 == "SG102").collect();
    assert_eq!(sg102.len(), 2);
    assert!(sg102[0].accepted.is_some());
    assert!(sg102[1].accepted.is_none());
}

#[test]
fn file_level_ack_accepts_every_finding_of_the_rule() {
    let f = lint(
        Dialect::Postgres,
        "V1__x.sql",
        "CREATE INDEX a ON t (a);\nCREATE INDEX b ON t (b);\n-- shipgate:allow-file SG401 t has 12 rows\n",
    );
    // The two identical findings fold into one that counts both and names the other line.
    let sg401: Vec<&Finding> = f.iter().filter(|f| f.rule.0 == "SG401").collect();
    assert_eq!(sg401.len(), 1);
    assert_eq!(sg401[0].count, 2);
    assert!(
        sg401[0].message.ends_with("Also at line 2."),
        "{}",
        sg401[0].message
    );
    assert!(sg401.iter().all(|f| f.accepted.is_some()));
}

#[test]
fn ruby_acks_and_safety_assured() {
    let src = "class M < ActiveRecord::Migration[7.1]\n  def change\n    # shipgate:allow SG201 alias_attribute keeps old readers working\n    rename_column :users, :login, :handle\n    safety_assured { remove_column :users, :legacy }\n    safety_assured do\n      drop_table :old_things\n    end\n  end\nend\n";
    let f = lint(Dialect::Postgres, "db/migrate/1_m.rb", src);
    assert_eq!(
        accepted(&f, "SG201").as_deref(),
        Some("alias_attribute keeps old readers working")
    );
    assert_eq!(accepted(&f, "SG102").as_deref(), Some("safety_assured"));
    assert_eq!(accepted(&f, "SG101").as_deref(), Some("safety_assured"));
}

#[test]
fn unused_acks_are_reported() {
    let f = lint(
        Dialect::Mysql,
        "db/migrate/1_m.rb",
        "class M < ActiveRecord::Migration[7.1]\n  def change\n    # shipgate:allow SG102 stale\n    add_column :users, :x, :string\n  end\nend\n# shipgate:allow-file SG999 typo\n",
    );
    let unused: Vec<&Finding> = f.iter().filter(|f| f.rule.0 == "SG903").collect();
    assert_eq!(unused.len(), 2, "{f:#?}");
    assert!(unused.iter().all(|f| f.severity == Severity::Info));
    assert_eq!(unused[0].line, Some(3));
}

#[test]
fn down_and_undo_scripts_and_dumps_are_not_linted() {
    for path in [
        "db/migrate/1_x.down.sql",
        "db/migration/U2__undo.sql",
        "db/structure.sql",
        "db/schema.rb",
        "README.md",
    ] {
        assert!(
            lint(Dialect::Mysql, path, "DROP TABLE users;").is_empty(),
            "{path}"
        );
    }
    assert!(!lint(Dialect::Mysql, "db/migrate/1_x.up.sql", "DROP TABLE users;").is_empty());
}
