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
    },
    AddIndex {
        table: String,
        unique: bool,
        concurrently: bool,
        kind: IndexKind,
    },
    DropIndex {
        table: String,
        concurrently: bool,
    },
    AddForeignKey {
        table: String,
        not_valid: bool,
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
        )
    }
}

/// Lower-cases an identifier and strips quoting and schema qualification (`public."Users"` → `users`).
pub fn norm_name(raw: &str) -> String {
    let last = raw.rsplit('.').next().unwrap_or(raw);
    last.trim()
        .trim_matches(|c| c == '`' || c == '"' || c == '[' || c == ']' || c == '\'' || c == ':')
        .to_ascii_lowercase()
}
