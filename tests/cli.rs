//! The CLI as a user runs it locally: `lint`, `rules` and `check`, no GitHub or AWS.

use std::path::Path;
use std::process::{Command, Output};

fn shipgate(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shipgate"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run shipgate")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write(dir: &Path, path: &str, body: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

#[test]
fn lint_finds_the_line_and_exits_1_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/V3__users.sql",
        "-- widen\nALTER TABLE users MODIFY email TEXT;\n\nALTER TABLE users DROP COLUMN legacy;\n",
    );
    let o = shipgate(&["lint", "migrations"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("migrations/V3__users.sql:2:"), "{out}");
    assert!(out.contains("error[SG301]"), "{out}");
    assert!(out.contains("migrations/V3__users.sql:4:"), "{out}");
    assert!(out.contains("error[SG102]"), "{out}");

    let o = shipgate(&["lint", "--format", "json", "migrations"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let drop = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SG102")
        .unwrap();
    assert_eq!(drop["severity"], "error");
    assert_eq!(drop["path"], "migrations/V3__users.sql");
    assert_eq!(drop["line"], 4);
    assert!(drop["hint"].as_str().unwrap().len() > 10);

    let o = shipgate(&["lint", "--format", "github", "migrations"], dir.path());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("::error file=migrations/V3__users.sql,line=4")
    );
}

#[test]
fn lint_dialect_flag_and_safe_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "db/001.sql",
        "CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n",
    );
    let o = shipgate(&["lint", "--dialect", "postgres", "db"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    write(
        dir.path(),
        "db/002.sql",
        "CREATE INDEX idx_users_name ON users (name);\n",
    );
    let o = shipgate(&["lint", "--dialect", "postgres", "db"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("SG401"));
}

#[test]
fn lint_of_a_missing_path_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = shipgate(&["lint", "nope.sql"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("cannot read nope.sql"));
}

#[test]
fn rules_lists_every_required_rule() {
    let dir = tempfile::tempdir().unwrap();
    let o = shipgate(&["rules", "--json"], dir.path());
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let numbers = [1, 2, 4, 5, 6, 7, 101, 102, 103, 104, 201, 202, 203, 204]
        .into_iter()
        .chain(301..=309)
        .chain([
            401, 403, 404, 405, 407, 408, 409, 501, 502, 503, 901, 902, 903,
        ]);
    for n in numbers {
        let id = format!("SG{n:03}");
        assert!(
            ids.contains(&id.as_str()),
            "{id} missing from `shipgate rules`"
        );
    }
    let o = shipgate(&["rules"], dir.path());
    assert!(String::from_utf8_lossy(&o.stdout).contains("SG001 mixed-deploy (error"));
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn check_gates_the_local_diff() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "--initial-branch=main"]);
    write(
        d,
        "app/models/user.rb",
        "class User < ApplicationRecord\nend\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(
        d,
        "db/migrate/20240301000000_add_nick.rb",
        "class AddNick < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nick, :string\n  end\nend\n",
    );
    write(
        d,
        "app/models/user.rb",
        "class User < ApplicationRecord\n  validates :nick, length: { maximum: 20 }\nend\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "feature"]);

    let o = shipgate(&["check", "--base", "main"], d);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("1 schema, 1 code"), "{out}");
    assert!(out.contains("error[SG001]"), "{out}");

    let o = shipgate(
        &[
            "check",
            "--base",
            "main",
            "--label",
            "shipgate:allow-SG001",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["release_kind"], "mixed");
    assert_eq!(
        v["findings"][0]["accepted"],
        "accepted by label `shipgate:allow-SG001`"
    );

    // SARIF: the accepted finding is suppressed, and the log is valid SARIF 2.1.0.
    let o = shipgate(
        &[
            "check",
            "--base",
            "main",
            "--label",
            "shipgate:allow-SG001",
            "--format",
            "sarif",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/sarif/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&v), "{v:#}");
    let sg001 = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "SG001")
        .unwrap();
    assert_eq!(sg001["suppressions"][0]["kind"], "external");

    let o = shipgate(&["check", "--base", "nosuchbranch"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--base: 'nosuchbranch' is not a commit"));

    let o = shipgate(
        &["check", "--base", "main", "--mixed-changes", "sometimes"],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("input 'mixed-changes'"));
}

#[test]
fn rules_prints_one_rule_page_and_explain_is_an_alias() {
    let dir = tempfile::tempdir().unwrap();
    let o = shipgate(&["rules", "SG102"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.starts_with("# SG102 drop-column\n"), "{out}");
    assert!(out.contains("## How to accept it"));
    assert!(out.contains("https://github.com/shipgate/shipgate/blob/main/docs/rules/SG102.md"));
    // The listing links every rule's page too.
    let all = shipgate(&["rules"], dir.path());
    let listing = String::from_utf8_lossy(&all.stdout).to_string();
    let docs: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with("  docs:  "))
        .collect();
    assert!(docs.len() > 50, "{listing}");
    assert!(listing
        .contains("  docs:  https://github.com/shipgate/shipgate/blob/main/docs/rules/SG102.md\n"));
    let e = shipgate(&["explain", "sg102"], dir.path());
    assert_eq!(e.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&e.stdout), out);
}

#[test]
fn unknown_rule_is_exit_2_with_near_matches() {
    let dir = tempfile::tempdir().unwrap();
    let o = shipgate(&["rules", "SG10"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    insta::assert_snapshot!(err.trim_end(), @"error: no rule 'SG10'; did you mean SG010, SG101, SG102, SG103, SG104, SG105, SG106, SG310?");
}

#[test]
fn lint_sarif_format_and_sarif_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "db/migration/V2__drop.sql",
        "ALTER TABLE users DROP COLUMN email;\n",
    );
    let sarif_path = dir.path().join("out/shipgate.sarif");
    let o = shipgate(
        &[
            "lint",
            "--format",
            "sarif",
            "--sarif-file",
            sarif_path.to_str().unwrap(),
            "db/migration",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let r = &v["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "SG102");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "db/migration/V2__drop.sql"
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(written, v);
}

#[test]
fn plain_shipgate_outside_the_runner_prints_the_overview() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_shipgate"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run shipgate");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    for cmd in [
        "gate", "deploy", "release", "rollback", "check", "lint", "rules",
    ] {
        assert!(out.contains(cmd), "{cmd} missing from the overview: {out}");
    }
    assert!(!out.contains("no default for event"), "{out}");
}

#[test]
fn each_command_s_help_shows_its_own_options_with_a_description() {
    let dir = tempfile::tempdir().unwrap();
    let help = |cmd: &str| text(&shipgate(&[cmd, "--help"], dir.path()));
    let lint = help("lint");
    assert!(
        lint.contains("--dialect") && lint.contains("--schema"),
        "{lint}"
    );
    for action_only in [
        "--slack-webhook-url",
        "--deployment-group",
        "--revision",
        "--repo",
    ] {
        assert!(
            !lint.contains(action_only),
            "lint --help lists {action_only}: {lint}"
        );
    }
    let rules = help("rules");
    assert!(!rules.contains("--migration-paths"), "{rules}");
    let deploy = help("deploy");
    assert!(
        deploy.contains("--deployment-group") && deploy.contains("--timeout-minutes"),
        "{deploy}"
    );
    // Every option has its one-line description, with the default where there is one.
    assert!(deploy.contains("[default: 60]"), "{deploy}");
    // The old flag name still works, as a hidden alias.
    write(
        dir.path(),
        "db/migrate/1_a.sql",
        "ALTER TABLE t ADD COLUMN c int;\n",
    );
    let o = shipgate(&["lint", "--sql-dialect", "postgres", "db"], dir.path());
    assert!(text(&o).contains("postgres"), "{}", text(&o));
}
