//! PR-level rules through `lint_change`, over an in-memory base and head tree.

use std::collections::HashMap;

use shipgate::lint::{lint_change, registry, LintOptions, SourceTree};
use shipgate::model::{ChangedFile, Dialect, FileStatus, Finding, Severity};

#[derive(Default)]
struct Tree {
    head: HashMap<String, String>,
    base: HashMap<String, String>,
}

impl Tree {
    fn head(mut self, p: &str, t: &str) -> Self {
        self.head.insert(p.into(), t.into());
        self
    }
    fn base(mut self, p: &str, t: &str) -> Self {
        self.base.insert(p.into(), t.into());
        self
    }
}

impl SourceTree for Tree {
    fn head_file(&self, path: &str) -> Option<String> {
        self.head.get(path).cloned()
    }
    fn base_file(&self, path: &str) -> Option<String> {
        self.base.get(path).cloned()
    }
    fn head_paths(&self, prefix: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .head
            .keys()
            .filter(|p| p.starts_with(prefix))
            .cloned()
            .collect();
        v.sort();
        v
    }
    fn base_paths(&self, prefix: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .base
            .keys()
            .filter(|p| p.starts_with(prefix))
            .cloned()
            .collect();
        v.sort();
        v
    }
}

fn migration(body: &str) -> String {
    format!("class M < ActiveRecord::Migration[7.1]\n  def change\n    {body}\n  end\nend\n")
}

fn changed(path: &str, status: FileStatus) -> ChangedFile {
    ChangedFile::new(path, status)
}

fn run(tree: &Tree, schema: &[ChangedFile], all: &[ChangedFile], dialect: Dialect) -> Vec<Finding> {
    let opts = LintOptions {
        dialect,
        ..LintOptions::default()
    };
    lint_change(schema, all, tree, &opts)
}

fn rules(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.rule.0.as_str()).collect()
}

const MIG: &str = "db/migrate/20240101000000_m.rb";

#[test]
fn sg002_edited_renamed_or_deleted_applied_migration() {
    let old = migration("add_column :users, :a, :string");
    let tree = Tree::default()
        .base(MIG, &old)
        .head(MIG, &migration("add_column :users, :b, :string"))
        .base("db/migrate/20230101000000_gone.rb", &old)
        .base("db/schema.rb", "ActiveRecord::Schema.define do\nend\n");
    let mut renamed = changed("db/migrate/20250101000000_m.rb", FileStatus::Renamed);
    renamed.previous_path = Some("db/migrate/20230101000000_gone.rb".into());
    let all = vec![
        changed(MIG, FileStatus::Modified),
        changed("db/migrate/20230101000000_gone.rb", FileStatus::Removed),
        renamed,
        changed("db/schema.rb", FileStatus::Modified),
        changed("db/migrate/20250202000000_new.rb", FileStatus::Added),
    ];
    let f = run(&tree, &[], &all, Dialect::Postgres);
    let sg002: Vec<&Finding> = f.iter().filter(|f| f.rule.0 == "SG002").collect();
    assert_eq!(sg002.len(), 3, "{f:#?}");
    assert!(sg002
        .iter()
        .all(|f| f.severity == Severity::Error && !f.hint.is_empty()));
    assert!(!sg002
        .iter()
        .any(|f| f.path.as_deref() == Some("db/schema.rb")));
}

#[test]
fn sg004_expand_in_one_file_contract_in_another() {
    let a = "db/migrate/1_add.rb";
    let b = "db/migrate/2_remove.rb";
    let tree = Tree::default()
        .head(a, &migration("add_column :users, :handle, :string"))
        .head(b, &migration("remove_column :users, :login"));
    let files = [changed(a, FileStatus::Added), changed(b, FileStatus::Added)];
    let f = run(&tree, &files, &files, Dialect::Mysql);
    let sg004: Vec<&Finding> = f.iter().filter(|f| f.rule.0 == "SG004").collect();
    assert_eq!(sg004.len(), 1, "{f:#?}");
    assert_eq!(sg004[0].path.as_deref(), Some(b));
    // Expand alone is fine.
    let only = [changed(a, FileStatus::Added)];
    assert!(!rules(&run(&tree, &only, &only, Dialect::Mysql)).contains(&"SG004"));
}

#[test]
fn sg005_dropped_name_still_used_in_app() {
    let tree = Tree::default()
        .head(MIG, &migration("remove_column :users, :nickname"))
        .head(
            "app/views/users/show.html.erb",
            "<h1><%= @user.name %></h1>\n<p><%= @user.nickname %></p>\n",
        )
        .head(
            "app/models/user.rb",
            "class User < ApplicationRecord\n  self.ignored_columns += [\"nickname\"]\nend\n",
        );
    let files = [changed(MIG, FileStatus::Added)];
    let f = run(&tree, &files, &files, Dialect::Postgres);
    let hit = f.iter().find(|f| f.rule.0 == "SG005").expect("SG005");
    assert!(
        hit.message.contains("app/views/users/show.html.erb:2"),
        "{}",
        hit.message
    );
    assert_eq!(hit.line, Some(3));
    // Once the views stop using it (only ignored_columns mentions it) the rule is silent.
    let clean = Tree::default()
        .head(MIG, &migration("remove_column :users, :nickname"))
        .head(
            "app/views/users/show.html.erb",
            "<h1><%= @user.name %></h1>\n",
        )
        .head(
            "app/models/user.rb",
            "class User < ApplicationRecord\n  self.ignored_columns += [\"nickname\"]\nend\n",
        );
    assert!(!rules(&run(&clean, &files, &files, Dialect::Postgres)).contains(&"SG005"));
}

#[test]
fn sg005_dropped_table_model_still_present() {
    let tree = Tree::default()
        .head(MIG, &migration("drop_table :coupons"))
        .head(
            "app/models/coupon.rb",
            "class Coupon < ApplicationRecord\nend\n",
        );
    let files = [changed(MIG, FileStatus::Added)];
    assert!(rules(&run(&tree, &files, &files, Dialect::Mysql)).contains(&"SG005"));
}

#[test]
fn sg006_remove_column_needs_ignored_columns_on_base() {
    let files = [changed(MIG, FileStatus::Added)];
    let unsafe_tree = Tree::default()
        .head(MIG, &migration("remove_column :users, :nickname"))
        .base(
            "app/models/user.rb",
            "class User < ApplicationRecord\nend\n",
        );
    let f = run(&unsafe_tree, &files, &files, Dialect::Postgres);
    let hit = f.iter().find(|f| f.rule.0 == "SG006").expect("SG006");
    assert!(hit.message.contains("app/models/user.rb"));
    assert!(hit.hint.contains("ignored_columns"));
    let safe_tree = Tree::default()
        .head(MIG, &migration("remove_column :users, :nickname"))
        .base(
            "app/models/user.rb",
            "class User < ApplicationRecord\n  self.ignored_columns += [\"nickname\"]\nend\n",
        );
    assert!(!rules(&run(&safe_tree, &files, &files, Dialect::Postgres)).contains(&"SG006"));
}

#[test]
fn sg007_new_worker_enqueued_in_same_pr() {
    let worker = "app/workers/welcome_email_worker.rb";
    let ctrl = "app/controllers/users_controller.rb";
    let base_ctrl =
        "class UsersController\n  def create\n    @user = User.create!(params)\n  end\nend\n";
    let head_ctrl = "class UsersController\n  def create\n    @user = User.create!(params)\n    WelcomeEmailWorker.perform_async(@user.id)\n  end\nend\n";
    let tree = Tree::default()
        .head(
            worker,
            "class WelcomeEmailWorker\n  include Sidekiq::Worker\n  def perform(id); end\nend\n",
        )
        .head(ctrl, head_ctrl)
        .base(ctrl, base_ctrl);
    let all = [
        changed(worker, FileStatus::Added),
        changed(ctrl, FileStatus::Modified),
    ];
    let f = run(&tree, &[], &all, Dialect::Mysql);
    let hit = f.iter().find(|f| f.rule.0 == "SG007").expect("SG007");
    assert_eq!((hit.path.as_deref(), hit.line), (Some(ctrl), Some(4)));
    assert_eq!(hit.severity, Severity::Warning);
    // The worker alone (handler first) is the safe order.
    let only = [changed(worker, FileStatus::Added)];
    assert!(!rules(&run(&tree, &[], &only, Dialect::Mysql)).contains(&"SG007"));
}

#[test]
fn base_schema_dump_tells_varchar_growth_from_type_change() {
    let dump = "ActiveRecord::Schema[7.1].define(version: 1) do\n  create_table \"users\", charset: \"utf8mb4\" do |t|\n    t.string \"name\", limit: 40\n  end\nend\n";
    let grow = Tree::default().base("db/schema.rb", dump).head(
        MIG,
        &migration("change_column :users, :name, :string, limit: 60"),
    );
    let files = [changed(MIG, FileStatus::Added)];
    assert!(!rules(&run(&grow, &files, &files, Dialect::Mysql)).contains(&"SG301"));
    let cross = Tree::default().base("db/schema.rb", dump).head(
        MIG,
        &migration("change_column :users, :name, :string, limit: 100"),
    );
    assert!(rules(&run(&cross, &files, &files, Dialect::Mysql)).contains(&"SG301"));
    let pg_dump = "CREATE TABLE public.users (\n    name character varying(40)\n);\n";
    let pg = Tree::default().base("db/structure.sql", pg_dump).head(
        "db/migrate/2.sql",
        "ALTER TABLE users ALTER COLUMN name TYPE text;",
    );
    let files = [changed("db/migrate/2.sql", FileStatus::Added)];
    assert!(!rules(&run(&pg, &files, &files, Dialect::Postgres)).contains(&"SG407"));
}

#[test]
fn removed_or_unreadable_schema_files_are_skipped() {
    let tree = Tree::default();
    let files = [
        changed(MIG, FileStatus::Removed),
        changed("db/migrate/x.sql", FileStatus::Added),
    ];
    assert!(run(&tree, &files, &[], Dialect::Mysql).is_empty());
}

#[test]
fn registry_lists_every_required_rule_in_id_order() {
    let r = registry();
    let ids: Vec<&str> = r.iter().map(|d| d.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "ids must be unique and in order");
    let required = [
        "SG001", "SG002", "SG004", "SG005", "SG006", "SG007", "SG101", "SG102", "SG103", "SG104",
        "SG201", "SG202", "SG203", "SG204", "SG301", "SG302", "SG303", "SG304", "SG305", "SG306",
        "SG307", "SG308", "SG309", "SG401", "SG403", "SG404", "SG405", "SG407", "SG408", "SG409",
        "SG501", "SG502", "SG503", "SG901", "SG902", "SG903",
    ];
    for id in required {
        assert!(ids.contains(&id), "{id} missing from registry");
    }
    for d in &r {
        assert!(
            !d.why.is_empty() && !d.hint.is_empty() && !d.dialects.is_empty(),
            "{}",
            d.id
        );
        assert!(
            d.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{} name not kebab-case",
            d.id
        );
    }
    let sg001 = r.iter().find(|d| d.id == "SG001").expect("SG001");
    assert_eq!(sg001.severity, Severity::Error);
}

#[test]
fn tables_created_earlier_in_the_pr_are_not_existing_tables() {
    let a = "db/migrate/20240101000000_create_coupons.rb";
    let b = "db/migrate/20240102000000_index_coupons.rb";
    let tree = Tree::default()
        .head(
            a,
            &migration("create_table :coupons do |t|\n      t.string :code\n    end"),
        )
        .head(b, &migration("add_index :coupons, :code"));
    // Listed out of order on purpose: version order decides.
    let files = [changed(b, FileStatus::Added), changed(a, FileStatus::Added)];
    let f = run(&tree, &files, &files, Dialect::Postgres);
    assert!(!rules(&f).contains(&"SG401"), "{f:#?}");
    // Alone, the index migration is on an existing table.
    let only = [changed(b, FileStatus::Added)];
    assert!(rules(&run(&tree, &only, &only, Dialect::Postgres)).contains(&"SG401"));
}

#[test]
fn sg008_perform_signature_change() {
    let w = "app/sidekiq/export_worker.rb";
    let base = "class ExportWorker\n  include Sidekiq::Job\n  def perform(user_id)\n  end\nend\n";
    let breaking = Tree::default().base(w, base).head(
        w,
        "class ExportWorker\n  include Sidekiq::Job\n  def perform(user_id, format)\n  end\nend\n",
    );
    let all = [changed(w, FileStatus::Modified)];
    let f = run(&breaking, &[], &all, Dialect::Mysql);
    let hit = f.iter().find(|f| f.rule.0 == "SG008").expect("SG008");
    assert_eq!(hit.line, Some(3));
    // Appending an optional parameter is the safe way.
    let optional = Tree::default()
        .base(w, base)
        .head(w, "class ExportWorker\n  include Sidekiq::Job\n  def perform(user_id, format = \"csv\")\n  end\nend\n");
    assert!(!rules(&run(&optional, &[], &all, Dialect::Mysql)).contains(&"SG008"));
}

#[test]
fn sg009_migration_without_schema_dump() {
    let tree = Tree::default()
        .base("db/schema.rb", "ActiveRecord::Schema.define do\nend\n")
        .head(MIG, &migration("add_column :users, :x, :string"));
    let only_migration = [changed(MIG, FileStatus::Added)];
    let f = run(&tree, &only_migration, &only_migration, Dialect::Mysql);
    assert!(f
        .iter()
        .any(|f| f.rule.0 == "SG009" && f.severity == Severity::Info));
    let with_dump = [
        changed(MIG, FileStatus::Added),
        changed("db/schema.rb", FileStatus::Modified),
    ];
    assert!(!rules(&run(&tree, &only_migration, &with_dump, Dialect::Mysql)).contains(&"SG009"));
}

#[test]
fn sg003_new_migration_older_than_newest_on_base() {
    let body = migration("add_column :users, :a, :string");
    let tree = Tree::default()
        .base("db/migrate/20240101000000_a.rb", &body)
        .base("db/migrate/20240301000000_b.rb", &body)
        .base("db/post_migrate/20240101000000_p.rb", &body)
        .head("db/migrate/20240201000000_late.rb", &body)
        .head("db/migrate/20240401000000_fresh.rb", &body)
        .head("db/post_migrate/20240201000000_q.rb", &body);
    let all = vec![
        changed("db/migrate/20240201000000_late.rb", FileStatus::Added),
        changed("db/migrate/20240401000000_fresh.rb", FileStatus::Added),
        changed("db/post_migrate/20240201000000_q.rb", FileStatus::Added),
    ];
    let f = run(&tree, &all, &all, Dialect::Postgres);
    let sg003: Vec<&Finding> = f.iter().filter(|f| f.rule.0 == "SG003").collect();
    assert_eq!(sg003.len(), 1, "{f:#?}");
    assert_eq!(
        sg003[0].path.as_deref(),
        Some("db/migrate/20240201000000_late.rb")
    );
    assert_eq!(sg003[0].severity, Severity::Warning);
    assert!(sg003[0].message.contains("20240301000000_b.rb"));
}

#[test]
fn sg003_flyway_versions_compare_numerically() {
    let sql = "ALTER TABLE t ADD COLUMN c int, ALGORITHM=INSTANT;";
    let tree = Tree::default()
        .base("sql/db/migration/V1_9__a.sql", sql)
        .base("sql/db/migration/R__views.sql", sql)
        .head("sql/db/migration/V1_10__b.sql", sql)
        .head("sql/db/migration/V1_8_1__c.sql", sql);
    let late = [changed("sql/db/migration/V1_8_1__c.sql", FileStatus::Added)];
    let f = run(&tree, &late, &late, Dialect::Mysql);
    assert!(rules(&f).contains(&"SG003"), "{f:#?}");
    let linear = [changed("sql/db/migration/V1_10__b.sql", FileStatus::Added)];
    assert!(!rules(&run(&tree, &linear, &linear, Dialect::Mysql)).contains(&"SG003"));
    // A tree that cannot list the base says nothing.
    let unlisted = [changed("db/migrate/1_a.rb", FileStatus::Added)];
    assert!(
        !rules(&run(&Tree::default(), &unlisted, &unlisted, Dialect::Mysql)).contains(&"SG003")
    );
}
