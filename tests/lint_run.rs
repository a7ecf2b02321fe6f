//! `shipgate lint` as a new user runs it: what it recognises as a migration (by path or by
//! content), what it skips and says so, fail-closed on unreadable input, the schema dump it finds
//! or is given, and the exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn shipgate(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shipgate"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("INPUT_SQL-DIALECT")
        .env_remove("INPUT_MIGRATION-PATHS")
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

fn write(dir: &Path, path: &str, body: &[u8]) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, body).expect("write");
}

const DROP: &str = "class DropLegacy < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :legacy, :string\n  end\nend\n";

#[test]
fn a_rails_migration_outside_migration_paths_is_read_by_its_content() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "db/migrate/20260101_drop.rb", DROP.as_bytes());
    // `cd db/migrate && shipgate lint .`
    let o = shipgate(&["lint", "."], &dir.path().join("db/migrate"));
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("error[SG102]"), "{out}");
    assert!(out.contains("1 migration linted (1 Rails)"), "{out}");
    // A named file anywhere.
    write(dir.path(), "x/20260101_drop.rb", DROP.as_bytes());
    let o = shipgate(&["lint", "x/20260101_drop.rb"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("x/20260101_drop.rb:3:"), "{}", text(&o));
}

#[test]
fn a_folder_without_migrations_is_not_a_pass() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "stuff/README.md", b"# hi\n");
    write(dir.path(), "stuff/notes.txt", b"DROP TABLE users;\n");
    write(
        dir.path(),
        "stuff/app.rb",
        b"class App\n  def drop_table; end\nend\n",
    );
    let o = shipgate(&["lint", "stuff"], dir.path());
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("no migrations found"), "{out}");
    assert!(!out.contains("0 findings"), "{out}");
    // With one migration beside them, the others are skipped and counted, and --verbose names them.
    write(
        dir.path(),
        "stuff/V2__add.sql",
        b"ALTER TABLE users ADD COLUMN n int;\n",
    );
    let o = shipgate(&["lint", "stuff"], dir.path());
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("1 migration linted (1 SQL), 3 files skipped (not migrations)"),
        "{out}"
    );
    assert!(!out.contains("stuff/notes.txt"), "{out}");
    let o = shipgate(&["lint", "--verbose", "stuff"], dir.path());
    let out = text(&o);
    assert!(
        out.contains("skipped stuff/notes.txt (not a migration)"),
        "{out}"
    );
    assert!(
        out.contains("skipped stuff/app.rb (not a migration)"),
        "{out}"
    );
}

#[test]
fn a_named_file_that_is_not_a_migration_is_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "app.rb", b"class App; end\n");
    let o = shipgate(&["lint", "app.rb"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("app.rb is not a migration shipgate can read"),
        "{}",
        text(&o)
    );
}

#[test]
fn binary_input_fails_closed_without_printing_its_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x1b[31mDROP TABLE x;\n".to_vec();
    elf.extend(std::iter::repeat_n(0u8, 64));
    write(dir.path(), "db/migration/V1__x.sql", &elf);
    // Named explicitly: exit 2 with the reason.
    let o = shipgate(&["lint", "db/migration/V1__x.sql"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not a text migration"), "{}", text(&o));
    // Found in a folder: one blocking finding, exit 1, and no raw control bytes anywhere.
    for format in ["text", "json", "github"] {
        let o = shipgate(&["lint", "--format", format, "db"], dir.path());
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{format}: {out}");
        assert!(out.contains("SG901"), "{format}: {out}");
        assert!(out.contains("Not a text migration"), "{format}: {out}");
        assert!(
            !out.contains("ELF") && !out.bytes().any(|b| b == 0x1b || b == 0 || b == 0x7f),
            "{format}: {out:?}"
        );
    }
}

#[test]
fn control_characters_in_sql_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "migrations/V1__x.sql",
        b"FROBNICATE \x1b[2J\x1b]0;pwned\x07 widgets;\n",
    );
    for format in ["text", "json", "github"] {
        let o = shipgate(&["lint", "--format", format, "migrations"], dir.path());
        let out = text(&o);
        assert!(out.contains("SG901"), "{format}: {out}");
        assert!(
            !out.bytes().any(|b| b == 0x1b || b == 0x07),
            "{format}: {out:?}"
        );
    }
}

#[test]
fn schema_flag_and_found_dump_tell_a_safe_change_from_a_rewrite() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "db/migrate/20260101_widen.rb",
        b"class Widen < ActiveRecord::Migration[7.1]\n  def change\n    change_column :users, :name, :text\n  end\nend\n",
    );
    // No dump: the type change cannot be judged, so it is an error.
    let o = shipgate(&["lint", "--dialect", "postgres", "db/migrate"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("SG407"), "{}", text(&o));
    // A dump elsewhere, named with --schema: varchar → text needs no rewrite.
    write(
        dir.path(),
        "dumps/structure.sql",
        b"SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.users (\n    id bigint NOT NULL,\n    name character varying(50)\n);\n",
    );
    let o = shipgate(
        &["lint", "--schema", "dumps/structure.sql", "db/migrate"],
        dir.path(),
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("SG407"), "{out}");
    assert!(
        out.contains("postgres"),
        "dialect detected from the dump: {out}"
    );
    // The same dump found at db/structure.sql above the linted files.
    let dump = std::fs::read(dir.path().join("dumps/structure.sql")).expect("dump");
    write(dir.path(), "db/structure.sql", &dump);
    let o = shipgate(&["lint", "."], &dir.path().join("db/migrate"));
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("schema: "), "{out}");
    // A dump that cannot be read is exit 2.
    let o = shipgate(&["lint", "--schema", "nope.sql", "db/migrate"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn rollback_code_is_reported_once_per_run() {
    let dir = tempfile::tempdir().expect("tmp");
    for i in 1..=3 {
        write(
            dir.path(),
            &format!("db/migrate/2026010{i}_m{i}.rb"),
            format!("class M{i} < ActiveRecord::Migration[7.1]\n  def up\n    add_column :t{i}, :n, :integer\n  end\n\n  def down\n    remove_column :t{i}, :n\n  end\nend\n").as_bytes(),
        );
    }
    let o = shipgate(&["lint", "--format", "json", "db"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let sg505: Vec<&serde_json::Value> = v
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| f["rule"] == "SG505")
        .collect();
    assert_eq!(sg505.len(), 1, "{v}");
    assert!(
        sg505[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2 other files")),
        "{v}"
    );
}

#[test]
fn repeated_findings_fold_into_one_with_a_count() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut seed = String::from("ALTER TABLE kinds ADD COLUMN n int;\n");
    for i in 0..500 {
        seed.push_str(&format!("INSERT INTO kinds (id) VALUES ({i});\n"));
    }
    write(dir.path(), "migrations/V1__seed.sql", seed.as_bytes());
    let o = shipgate(&["lint", "--format", "json", "migrations"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let sg503: Vec<&serde_json::Value> = v
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| f["rule"] == "SG503")
        .collect();
    assert_eq!(sg503.len(), 1, "{v}");
    assert_eq!(sg503[0]["count"], 500, "{v}");
    assert_eq!(sg503[0]["line"], 2, "{v}");
    let o = shipgate(&["lint", "migrations"], dir.path());
    assert!(text(&o).contains("(×500)"), "{}", text(&o));
}

#[test]
fn a_history_without_a_dump_knows_the_types_its_earlier_migrations_set() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "db/migrate/20260101000000_create_users.rb",
        b"class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users do |t|\n      t.string :name, limit: 40\n    end\n  end\nend\n",
    );
    // Same type, only NOT NULL: not a type change (the NOT NULL itself is still reported).
    write(
        dir.path(),
        "db/migrate/20260102000000_require_name.rb",
        b"class RequireName < ActiveRecord::Migration[7.1]\n  def change\n    change_column :users, :name, :string, limit: 40, null: false\n  end\nend\n",
    );
    let o = shipgate(&["lint", "--dialect", "mysql", "db/migrate"], dir.path());
    let out = text(&o);
    assert!(!out.contains("SG301"), "{out}");
    assert!(out.contains("SG204"), "{out}");
    // A real change of type is still one.
    write(
        dir.path(),
        "db/migrate/20260103000000_name_to_text.rb",
        b"class NameToText < ActiveRecord::Migration[7.1]\n  def change\n    change_column :users, :name, :text\n  end\nend\n",
    );
    let o = shipgate(&["lint", "--dialect", "mysql", "db/migrate"], dir.path());
    let out = text(&o);
    assert!(out.contains("from `varchar(40)` to `text`"), "{out}");
}

#[test]
fn revert_of_another_migration_lints_its_operations_reversed() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "db/migrate/20260101000000_add_nickname_to_users.rb",
        b"class AddNicknameToUsers < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nickname, :string\n  end\nend\n",
    );
    write(
        dir.path(),
        "db/migrate/20260201000000_revert_nickname.rb",
        b"class RevertNickname < ActiveRecord::Migration[7.1]\n  def change\n    revert AddNicknameToUsers\n  end\nend\n",
    );
    let o = shipgate(
        &[
            "lint",
            "--dialect",
            "postgres",
            "--format",
            "json",
            "db/migrate",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let drop = v
        .as_array()
        .expect("array")
        .iter()
        .find(|f| f["rule"] == "SG102")
        .unwrap_or_else(|| panic!("the revert drops users.nickname: {v}"));
    assert_eq!(drop["path"], "db/migrate/20260201000000_revert_nickname.rb");
    assert_eq!(drop["line"], 3);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_check_added_not_valid_by_an_earlier_migration_and_validated_here_spares_the_scan() {
    // Real shape: openstreetmap-website tweak_moderation_zones_step_one / step_two.
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "db/migrate/20260101000000_step_one.rb",
        b"class StepOne < ActiveRecord::Migration[8.1]\n  def change\n    add_check_constraint :zones, \"ends_at IS NOT NULL\", name: \"zones_ends_at_null\", validate: false\n  end\nend\n",
    );
    write(
        dir.path(),
        "db/migrate/20260102000000_step_two.rb",
        b"class StepTwo < ActiveRecord::Migration[8.1]\n  def up\n    validate_check_constraint :zones, name: \"zones_ends_at_null\"\n    change_column_null :zones, :ends_at, false\n  end\nend\n",
    );
    let o = shipgate(&["lint", "--dialect", "postgres", "db/migrate"], dir.path());
    let out = text(&o);
    assert!(!out.contains("SG408"), "{out}");
    // Without the earlier migration, the scan is not known to be spared.
    let o = shipgate(
        &[
            "lint",
            "--dialect",
            "postgres",
            "db/migrate/20260102000000_step_two.rb",
        ],
        dir.path(),
    );
    assert!(text(&o).contains("SG408"), "{}", text(&o));
}
