//! The intermediate form every front-end (SQL, Rails, Python) lowers a migration to: one [`Op`] per
//! schema or data operation, located in the source file. Rules only ever look at ops, so one rule
//! covers every layout that can express the operation.

/// Kind of index an op builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Plain,
    Fulltext,
    Spatial,
}

/// One schema or data operation. Names are lower-cased and unqualified; `?` when dynamic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpKind {
    CreateTable {
        table: String,
        /// Rails `force: true/:cascade`: drops an existing table first.
        force: bool,
    },
    DropTable {
        table: String,
    },
    DropSchema {
        what: String,
    },
    /// TRUNCATE, DELETE/UPDATE without WHERE, `Model.delete_all`.
    BulkDestroy {
        table: String,
        what: String,
        /// For an UPDATE, the columns it sets (empty when unknown or not an UPDATE).
        set_columns: Vec<String>,
    },
    AddColumn {
        table: String,
        column: String,
        not_null: bool,
        /// The default expression as written, when there is one.
        default: Option<String>,
        auto_increment: bool,
        stored_generated: bool,
        /// Rails `after:`/`first:`, SQL `FIRST`/`AFTER`.
        positioned: bool,
        /// The column type as written, lower-cased, when the front-end knows it.
        ty: Option<String>,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    RenameTable {
        from: String,
        to: String,
    },
    /// MODIFY / CHANGE / ALTER COLUMN TYPE / change_column. `ty` is the new type, normalised.
    ChangeColumn {
        table: String,
        column: String,
        ty: Option<String>,
        not_null: Option<bool>,
    },
    SetNotNull {
        table: String,
        column: String,
    },
    /// DROP NOT NULL, SET/DROP DEFAULT, change_column_default, change_column_null true.
    LoosenColumn {
        table: String,
        column: String,
        what: String,
        /// A default is set (not dropped); with `from_none`, where the migration says there was
        /// none before (`change_column_default … from: nil`).
        sets_default: bool,
        from_none: bool,
    },
    AddIndex {
        table: String,
        unique: bool,
        concurrently: bool,
        kind: IndexKind,
        /// The indexed columns, when known (empty for expressions or dynamic names).
        columns: Vec<String>,
    },
    DropIndex {
        table: String,
        concurrently: bool,
    },
    AddForeignKey {
        table: String,
        not_valid: bool,
        /// The constraint name, when given (to pair a later VALIDATE with it).
        name: Option<String>,
    },
    AddCheck {
        table: String,
        name: Option<String>,
        not_valid: bool,
        /// The column when the check is `col IS NOT NULL`.
        not_null_column: Option<String>,
    },
    ValidateConstraint {
        table: String,
        name: String,
    },
    DropConstraint {
        table: String,
        what: String,
    },
    AddPrimaryKey {
        table: String,
        /// PostgreSQL `ADD PRIMARY KEY USING INDEX`: attaches an index built beforehand.
        using_index: bool,
    },
    DropPrimaryKey {
        table: String,
    },
    ConvertCharset {
        table: String,
    },
    TableCharset {
        table: String,
    },
    /// `ALGORITHM=COPY`, `LOCK=SHARED|EXCLUSIVE` and the Rails equivalents.
    ForcedLock {
        table: String,
        what: String,
    },
    /// ENGINE=, FORCE, OPTIMIZE, ROW_FORMAT, partitioning.
    TableRebuild {
        table: String,
        what: String,
    },
    /// A data change: UPDATE/INSERT/DELETE with a target, `update_all`, `in_batches`...
    Backfill {
        what: String,
    },
    /// Rails `execute` whose SQL is built at run time.
    OpaqueExecute {
        why: String,
    },
    /// SQL hidden in strings or routine bodies; the ops found inside carry the same `group`.
    Dynamic {
        what: String,
        group: usize,
    },
    /// One `ALTER TABLE` statement as a whole (its clauses are ops of their own); SG312 needs to
    /// know whether it pins `ALGORITHM` / `LOCK`.
    AlterTable {
        table: String,
        explicit_algorithm: bool,
    },
    /// PostgreSQL `ALTER TYPE … RENAME VALUE`.
    RenameEnumValue {
        type_name: String,
        from: String,
        to: String,
    },
    /// Rails `rename_schema`, PostgreSQL `ALTER SCHEMA … RENAME TO`.
    RenameSchema {
        from: String,
        to: String,
    },
    /// `SET foreign_key_checks = 0|1` (MySQL): foreign keys added while off are not checked.
    ForeignKeyChecks {
        enabled: bool,
    },
    /// Rails `revert OtherMigration`: replaced by the other migration's ops, reversed, when the
    /// linted tree holds it.
    Revert {
        class: String,
    },
    /// A method call in a Rails migration that looks like DDL but that shipgate does not know.
    UnknownCall {
        name: String,
    },
    /// A Rails `change_table` block; its `t.*` calls are ops of their own.
    ChangeTableBlock {
        table: String,
    },
    /// Rails code the lint deliberately skips (`def down`, `dir.down`, `revert`).
    NotChecked {
        what: String,
    },
    /// A statement the parser rejected; `understood` when the keyword fallback classified it.
    Unparsed {
        understood: bool,
        summary: String,
    },
}

/// An operation with where it came from and the facts rules need about its surroundings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub kind: OpKind,
    /// 1-based first line of the statement or call.
    pub line: u32,
    /// First and last line of the whole statement or call: an acknowledgement anywhere in it,
    /// or just before it, applies.
    pub first_line: u32,
    pub end_line: u32,
    pub column: Option<u32>,
    /// Inside a Rails `safety_assured { }` block.
    pub assured: bool,
    /// Runs inside a transaction (explicit BEGIN, or a Rails migration without
    /// `disable_ddl_transaction!`).
    pub in_transaction: bool,
    /// Found inside dynamic SQL (a string or a routine body); the id of its [`OpKind::Dynamic`].
    pub group: Option<usize>,
    /// Which transaction of the file the op runs in (ops with the same id share one); `None`
    /// outside any transaction.
    pub tx: Option<u32>,
}

impl Op {
    pub fn new(kind: OpKind, line: u32) -> Self {
        Op {
            kind,
            line,
            first_line: line,
            end_line: line,
            column: None,
            assured: false,
            in_transaction: false,
            group: None,
            tx: None,
        }
    }

    /// The table the op works on, when it has exactly one.
    pub fn table(&self) -> Option<&str> {
        use OpKind::*;
        match &self.kind {
            CreateTable { table, .. }
            | DropTable { table }
            | BulkDestroy { table, .. }
            | AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | ChangeColumn { table, .. }
            | SetNotNull { table, .. }
            | LoosenColumn { table, .. }
            | AddIndex { table, .. }
            | DropIndex { table, .. }
            | AddForeignKey { table, .. }
            | AddCheck { table, .. }
            | ValidateConstraint { table, .. }
            | DropConstraint { table, .. }
            | AddPrimaryKey { table, .. }
            | DropPrimaryKey { table }
            | ConvertCharset { table }
            | TableCharset { table }
            | ForcedLock { table, .. }
            | TableRebuild { table, .. }
            | AlterTable { table, .. } => Some(table),
            RenameTable { from, .. } => Some(from),
            _ => None,
        }
    }

    /// Expand operations add schema (table, column, index); see SG004.
    pub fn is_expand(&self) -> bool {
        matches!(
            self.kind,
            OpKind::CreateTable { force: false, .. }
                | OpKind::AddColumn { .. }
                | OpKind::AddIndex { .. }
        )
    }

    /// Contract operations remove or rename schema; see SG004.
    pub fn is_contract(&self) -> bool {
        matches!(
            self.kind,
            OpKind::DropTable { .. }
                | OpKind::DropColumn { .. }
                | OpKind::RenameColumn { .. }
                | OpKind::RenameTable { .. }
                | OpKind::CreateTable { force: true, .. }
        )
    }

    /// Schema (DDL) rather than data operations; see SG503.
    pub fn is_ddl(&self) -> bool {
        !matches!(
            self.kind,
            OpKind::Backfill { .. }
                | OpKind::BulkDestroy { .. }
                | OpKind::OpaqueExecute { .. }
                | OpKind::Dynamic { .. }
                | OpKind::Unparsed { .. }
                | OpKind::ChangeTableBlock { .. }
                | OpKind::NotChecked { .. }
                | OpKind::ForeignKeyChecks { .. }
                | OpKind::Revert { .. }
                | OpKind::UnknownCall { .. }
        )
    }
}

impl OpKind {
    /// What running this operation backwards does (Rails `revert`), when Rails can reverse it;
    /// `None` for ops with no inverse (type changes, data changes) or no schema effect.
    pub fn inverse(&self) -> Option<OpKind> {
        use OpKind::*;
        Some(match self.clone() {
            CreateTable { table, .. } => DropTable { table },
            DropTable { table } => CreateTable {
                table,
                force: false,
            },
            AddColumn { table, column, .. } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn {
                table,
                column,
                not_null: false,
                default: None,
                auto_increment: false,
                stored_generated: false,
                positioned: false,
                ty: None,
            },
            RenameColumn { table, from, to } => RenameColumn {
                table,
                from: to,
                to: from,
            },
            RenameTable { from, to } => RenameTable { from: to, to: from },
            RenameSchema { from, to } => RenameSchema { from: to, to: from },
            AddIndex {
                table,
                concurrently,
                ..
            } => DropIndex {
                table,
                concurrently,
            },
            DropIndex {
                table,
                concurrently,
            } => AddIndex {
                table,
                unique: false,
                concurrently,
                kind: IndexKind::Plain,
                columns: Vec::new(),
            },
            AddForeignKey { table, .. } => DropConstraint {
                table,
                what: "a foreign key".into(),
            },
            AddCheck { table, .. } => DropConstraint {
                table,
                what: "a check constraint".into(),
            },
            SetNotNull { table, column } => LoosenColumn {
                table,
                column,
                what: "DROP NOT NULL".into(),
                sets_default: false,
                from_none: false,
            },
            LoosenColumn {
                table,
                column,
                what,
                ..
            } if what == "DROP NOT NULL" => SetNotNull { table, column },
            LoosenColumn {
                table,
                column,
                what,
                ..
            } => LoosenColumn {
                table,
                column,
                what,
                sets_default: false,
                from_none: false,
            },
            _ => return None,
        })
    }
}

/// Lower-cases an identifier and strips quoting and schema qualification (`public."Users"` → `users`).
pub fn norm_name(raw: &str) -> String {
    let last = raw.rsplit('.').next().unwrap_or(raw);
    last.trim()
        .trim_matches(|c| c == '`' || c == '"' || c == '[' || c == ']' || c == '\'' || c == ':')
        .to_ascii_lowercase()
}
