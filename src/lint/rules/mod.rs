//! The rule registry: one module per rule, each with its documentation, its check and its tests.
//! Adding a rule is adding one file here and one line to [`ALL`].

use std::collections::{HashMap, HashSet};

use super::op::Op;
use super::schema::Schema;
use super::{LintOptions, RuleDoc};
use crate::model::{Dialect, Severity};

pub mod sg001_mixed_deploy;
pub mod sg002_edited_applied_migration;
pub mod sg003_non_linear;
pub mod sg004_expand_contract_mixed;
pub mod sg005_dropped_still_referenced;
pub mod sg006_remove_column_not_ignored;
pub mod sg007_sidekiq_enqueue_before_handler;
pub mod sg008_sidekiq_signature_change;
pub mod sg009_schema_dump_drift;
pub mod sg010_change_not_fully_read;
pub mod sg101_drop_table;
pub mod sg102_drop_column;
pub mod sg103_drop_schema;
pub mod sg104_bulk_data_destruction;
pub mod sg105_drop_constraint;
pub mod sg106_drop_index;
pub mod sg201_rename_column;
pub mod sg202_rename_table;
pub mod sg203_add_required_column;
pub mod sg204_set_not_null;
pub mod sg205_nullability_default_loosening;
pub mod sg206_enum_incompatible;
pub mod sg207_add_unique;
pub mod sg301_column_type_change;
pub mod sg302_primary_key_change;
pub mod sg303_convert_charset;
pub mod sg304_table_default_charset;
pub mod sg305_forced_copy_or_lock;
pub mod sg306_add_auto_increment;
pub mod sg307_add_stored_generated;
pub mod sg308_fulltext_spatial_index;
pub mod sg309_add_foreign_key;
pub mod sg310_table_rebuild;
pub mod sg311_column_reorder;
pub mod sg312_no_explicit_algorithm;
pub mod sg314_instant_row_versions;
pub mod sg401_index_not_concurrent;
pub mod sg402_drop_index_not_concurrent;
pub mod sg403_concurrently_in_transaction;
pub mod sg404_fk_not_valid;
pub mod sg405_constraint_not_valid;
pub mod sg406_unique_pk_constraint;
pub mod sg407_alter_type;
pub mod sg408_pg_set_not_null;
pub mod sg409_volatile_default;
pub mod sg410_exclusive_maintenance;
pub mod sg412_json_not_jsonb;
pub mod sg501_opaque_execute;
pub mod sg502_execute_sql;
pub mod sg503_backfill_in_schema_migration;
pub mod sg504_change_table_inspection;
pub mod sg505_down_ignored;
pub mod sg901_unparsed_statement;
pub mod sg902_dynamic_sql;
pub mod sg903_unused_ack;

/// Every rule, in id order.
pub const ALL: &[Rule] = &[
    sg001_mixed_deploy::RULE,
    sg002_edited_applied_migration::RULE,
    sg003_non_linear::RULE,
    sg004_expand_contract_mixed::RULE,
    sg005_dropped_still_referenced::RULE,
    sg006_remove_column_not_ignored::RULE,
    sg007_sidekiq_enqueue_before_handler::RULE,
    sg008_sidekiq_signature_change::RULE,
    sg009_schema_dump_drift::RULE,
    sg010_change_not_fully_read::RULE,
    sg101_drop_table::RULE,
    sg102_drop_column::RULE,
    sg103_drop_schema::RULE,
    sg104_bulk_data_destruction::RULE,
    sg105_drop_constraint::RULE,
    sg106_drop_index::RULE,
    sg201_rename_column::RULE,
    sg202_rename_table::RULE,
    sg203_add_required_column::RULE,
    sg204_set_not_null::RULE,
    sg205_nullability_default_loosening::RULE,
    sg206_enum_incompatible::RULE,
    sg207_add_unique::RULE,
    sg301_column_type_change::RULE,
    sg302_primary_key_change::RULE,
    sg303_convert_charset::RULE,
    sg304_table_default_charset::RULE,
    sg305_forced_copy_or_lock::RULE,
    sg306_add_auto_increment::RULE,
    sg307_add_stored_generated::RULE,
    sg308_fulltext_spatial_index::RULE,
    sg309_add_foreign_key::RULE,
    sg310_table_rebuild::RULE,
    sg311_column_reorder::RULE,
    sg312_no_explicit_algorithm::RULE,
    sg314_instant_row_versions::RULE,
    sg401_index_not_concurrent::RULE,
    sg402_drop_index_not_concurrent::RULE,
    sg403_concurrently_in_transaction::RULE,
    sg404_fk_not_valid::RULE,
    sg405_constraint_not_valid::RULE,
    sg406_unique_pk_constraint::RULE,
    sg407_alter_type::RULE,
    sg408_pg_set_not_null::RULE,
    sg409_volatile_default::RULE,
    sg410_exclusive_maintenance::RULE,
    sg412_json_not_jsonb::RULE,
    sg501_opaque_execute::RULE,
    sg502_execute_sql::RULE,
    sg503_backfill_in_schema_migration::RULE,
    sg504_change_table_inspection::RULE,
    sg505_down_ignored::RULE,
    sg901_unparsed_statement::RULE,
    sg902_dynamic_sql::RULE,
    sg903_unused_ack::RULE,
];

/// Looks a rule up by id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().find(|r| r.doc.id == id)
}

/// A check over one op.
pub type OpCheck = fn(&Op, &Ctx) -> Option<Hit>;
/// A check over a whole file's ops; returns the index of the op each hit is located at.
pub type FileCheck = fn(&[Op], &Ctx) -> Vec<(usize, Hit)>;

/// One rule: its documentation and the checks the engine runs. PR-level rules have neither check
/// here; `lint_change` calls their modules directly.
pub struct Rule {
    pub doc: RuleDoc,
    pub op: Option<OpCheck>,
    pub file: Option<FileCheck>,
}

/// What a check found: the message, and a severity when it differs from the rule's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub message: String,
    pub severity: Option<Severity>,
}

impl Hit {
    pub fn new(message: impl Into<String>) -> Self {
        Hit {
            message: message.into(),
            severity: None,
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
}

/// What the checks know about the file being linted. The engine updates the tracked state
/// (`created`, validated checks) as it walks the ops in order, so a rule sees what came before.
pub struct Ctx<'a> {
    pub dialect: Dialect,
    pub opts: &'a LintOptions,
    pub schema: Option<&'a Schema>,
    /// `db/post_migrate`: the contract phase.
    pub post_deploy: bool,
    /// The ops come from a Rails migration (so AR model caching applies).
    pub rails: bool,
    /// Tables created earlier in this file.
    pub created: HashSet<String>,
    /// (table, column) with a validated `CHECK (column IS NOT NULL)` earlier in the file.
    pub not_null_checked: HashSet<(String, String)>,
    /// Not-yet-validated not-null checks, by constraint name.
    pub pending_checks: HashMap<String, (String, String)>,
    /// Tables this file drops (anywhere in it).
    pub dropped_in_file: HashSet<String>,
    /// Columns added earlier in this file: (table, column) → added with a default.
    pub added_columns: HashMap<(String, String), bool>,
    /// MySQL `SET foreign_key_checks = 0` is in effect.
    pub fk_checks_off: bool,
    /// Constraints added NOT VALID inside a transaction, so a VALIDATE in the same transaction
    /// is seen.
    pub not_valid_in_tx: Vec<NotValidAdd>,
}

impl<'a> Ctx<'a> {
    pub fn new(opts: &'a LintOptions, dialect: Dialect) -> Self {
        Ctx {
            dialect,
            opts,
            schema: None,
            post_deploy: false,
            rails: false,
            created: HashSet::new(),
            not_null_checked: HashSet::new(),
            pending_checks: HashMap::new(),
            dropped_in_file: HashSet::new(),
            added_columns: HashMap::new(),
            fk_checks_off: false,
            not_valid_in_tx: Vec::new(),
        }
    }

    pub fn mysql(&self) -> bool {
        self.dialect == Dialect::Mysql
    }

    pub fn postgres(&self) -> bool {
        self.dialect == Dialect::Postgres
    }

    pub fn postgres_version(&self) -> u32 {
        self.opts.postgres_version
    }

    /// "Existing table": not created earlier in this file.
    pub fn existing(&self, table: &str) -> bool {
        !self.created.contains(table)
    }

    /// True when the configured MySQL version is older than `major.minor.patch`.
    pub fn mysql_before(&self, major: u32, minor: u32, patch: u32) -> bool {
        parse_version(&self.opts.mysql_version) < (major, minor, patch)
    }

    /// The column's type and nullability on the base branch, when a schema dump tells it.
    pub fn column(&self, table: &str, column: &str) -> Option<&super::schema::Column> {
        self.schema.and_then(|s| s.column(table, column))
    }
}

/// A constraint added NOT VALID inside a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotValidAdd {
    pub tx: u32,
    pub table: String,
    /// Empty when unnamed.
    pub name: String,
    pub line: u32,
    pub foreign_key: bool,
}

impl Ctx<'_> {
    /// The NOT VALID add a `VALIDATE CONSTRAINT name` on `table` in transaction `tx` completes.
    pub fn validated_in_same_tx(&self, op: &Op, table: &str, name: &str) -> Option<&NotValidAdd> {
        let tx = op.tx?;
        self.not_valid_in_tx
            .iter()
            .find(|a| a.tx == tx && a.table == table && (a.name == name || a.name.is_empty()))
    }
}

/// `8.0.29` → (8, 0, 29); missing parts are 0, garbage is 0.
pub fn parse_version(v: &str) -> (u32, u32, u32) {
    let mut it = v
        .trim()
        .split('.')
        .map(|p| p.trim().parse::<u32>().unwrap_or(0));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}
