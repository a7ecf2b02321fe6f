//! Rails migrations (`db/migrate/*.rb`, `db/post_migrate/*.rb`) read with Prism, Ruby's own
//! parser, and lowered to ops: the schema DSL, `change_table` blocks, `execute` SQL (linted as SQL
//! with lines mapped back), backfills, and `safety_assured { }` as an acknowledgement.

use ruby_prism::{CallNode, DefNode, Node, Visit};

use std::collections::HashSet;

use super::expr::not_null_check;
use super::op::{norm_name, IndexKind, Op, OpKind};
use super::schema::rails_type;
use super::sql;
use crate::model::Dialect;

/// Larger Ruby files are not parsed (a real migration is a few KiB); SG901 says so.
const MAX_RUBY_BYTES: usize = 256 * 1024;
/// Stack per input byte for the tree walk. Every nesting level needs at least one byte of source
/// and about 2 KiB of stack in a debug build, so this bounds the deepest tree any input can
/// build; the reservation is virtual, only the pages used are committed.
const STACK_PER_BYTE: usize = 3 * 1024;

/// Lowers a Rails migration to ops. Never panics: Prism recovers from syntax errors, and what it
/// recovered is linted, with an SG901 notice for the error. The tree walk recurses once per
/// nesting level, so it runs on a thread whose stack fits the deepest tree the input can hold.
pub fn lower(text: &str, dialect: Dialect, next_group: &mut usize) -> Vec<Op> {
    let refuse = |summary: &str| {
        vec![Op::new(
            OpKind::Unparsed {
                understood: false,
                summary: summary.to_string(),
            },
            1,
        )]
    };
    if text.len() > MAX_RUBY_BYTES {
        return refuse("Ruby file larger than 256 KiB: not parsed");
    }
    let first_group = *next_group;
    let stack = (16 << 20) + text.len() * STACK_PER_BYTE;
    let joined = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("shipgate-rails-lint".into())
            .stack_size(stack)
            .spawn_scoped(s, || {
                let mut g = first_group;
                let ops = lower_here(text, dialect, &mut g);
                (ops, g)
            })
            .map(|h| h.join())
    });
    match joined {
        Ok(Ok((ops, g))) => {
            *next_group = g;
            ops
        }
        _ => refuse("Ruby file could not be parsed"),
    }
}

fn lower_here(text: &str, dialect: Dialect, next_group: &mut usize) -> Vec<Op> {
    let result = ruby_prism::parse(text.as_bytes());
    // Methods the migration defines itself are its own helpers, not unknown DDL.
    let own_methods: HashSet<String> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("def "))
        .map(|r| {
            r.trim_start_matches("self.")
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '!' | '?'))
                .collect()
        })
        .collect();
    let mut v = Lowerer {
        dialect,
        ops: Vec::new(),
        assured: 0,
        tables: Vec::new(),
        disable_ddl_transaction: false,
        next_group,
        own_methods,
    };
    v.visit(&result.node());
    if let Some(err) = result.errors().next() {
        let line = err.location().start_line().max(1) as u32;
        let msg = String::from_utf8_lossy(err.message()).into_owned();
        v.ops.push(Op::new(
            OpKind::Unparsed {
                understood: true,
                summary: format!("Ruby syntax error: {msg}"),
            },
            line,
        ));
    }
    let in_tx = !v.disable_ddl_transaction;
    let mut ops = v.ops;
    for op in &mut ops {
        op.in_transaction = in_tx;
        // Rails runs the whole migration in one transaction unless told not to.
        op.tx = in_tx.then_some(0);
    }
    ops.sort_by_key(|o| o.line);
    // `Model.in_batches.update_all` is one backfill, not two.
    ops.dedup_by(|a, b| {
        a.line == b.line
            && matches!(a.kind, OpKind::Backfill { .. })
            && matches!(b.kind, OpKind::Backfill { .. })
    });
    ops
}

struct Lowerer<'g> {
    dialect: Dialect,
    ops: Vec<Op>,
    /// Depth of `safety_assured { }` blocks around the current node.
    assured: u32,
    /// Tables of the enclosing `change_table` / `create_table` blocks.
    tables: Vec<String>,
    disable_ddl_transaction: bool,
    next_group: &'g mut usize,
    own_methods: HashSet<String>,
}

/// Call arguments split into positional and `key: value` pairs.
struct Args<'pr> {
    pos: Vec<Node<'pr>>,
    kw: Vec<(String, Node<'pr>)>,
}

impl<'pr> Args<'pr> {
    fn of(call: &CallNode<'pr>) -> Self {
        let mut pos = Vec::new();
        let mut kw = Vec::new();
        if let Some(args) = call.arguments() {
            for a in args.arguments().iter() {
                if let Some(h) = a.as_keyword_hash_node() {
                    for el in h.elements().iter() {
                        if let Some(assoc) = el.as_assoc_node() {
                            if let Some(k) = literal(&assoc.key()) {
                                kw.push((k, assoc.value()));
                            }
                        }
                    }
                } else {
                    pos.push(a);
                }
            }
        }
        Args { pos, kw }
    }

    /// Positional argument `i` as a name; `?` when it is computed at run time.
    fn name(&self, i: usize) -> String {
        self.pos
            .get(i)
            .and_then(literal)
            .map(|s| norm_name(&s))
            .unwrap_or_else(|| "?".to_string())
    }

    fn get(&self, key: &str) -> Option<&Node<'pr>> {
        self.kw.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// `key: <anything but false/nil>`.
    fn truthy(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.as_false_node().is_none() && v.as_nil_node().is_none())
    }

    fn is_false(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v.as_false_node().is_some())
    }

    fn sym(&self, key: &str) -> Option<String> {
        self.get(key).and_then(literal)
    }

    fn int(&self, key: &str) -> Option<u32> {
        self.get(key)
            .and_then(|v| v.as_integer_node())
            .and_then(|i| {
                std::str::from_utf8(i.location().as_slice())
                    .ok()?
                    .parse()
                    .ok()
            })
    }

    /// A `default:` that is present and not `nil`, as the SQL Rails writes: a lambda's string
    /// is an SQL expression (`-> { "now()" }` → `now()`), a Ruby string a quoted literal.
    fn default(&self) -> Option<String> {
        let v = self.get("default").filter(|v| v.as_nil_node().is_none())?;
        Some(default_sql(v))
    }

    /// The value node of a nested hash option (`foreign_key: { validate: false }`).
    fn nested(&self, key: &str, inner: &str) -> Option<Node<'pr>> {
        let v = self.get(key)?;
        let h = v.as_hash_node()?;
        h.elements().iter().find_map(|el| {
            let a = el.as_assoc_node()?;
            (literal(&a.key())? == inner).then(|| a.value())
        })
    }

    fn nested_is_false(&self, key: &str, inner: &str) -> bool {
        self.nested(key, inner)
            .is_some_and(|v| v.as_false_node().is_some())
    }

    fn nested_truthy(&self, key: &str, inner: &str) -> bool {
        self.nested(key, inner)
            .is_some_and(|v| v.as_false_node().is_none() && v.as_nil_node().is_none())
    }

    /// A nested hash option, e.g. `index: { algorithm: :concurrently }` → `algorithm` → `concurrently`.
    fn nested_sym(&self, key: &str, inner: &str) -> Option<String> {
        let v = self.get(key)?;
        let h = v.as_hash_node()?;
        h.elements().iter().find_map(|el| {
            let a = el.as_assoc_node()?;
            (literal(&a.key())? == inner).then(|| literal(&a.value()))?
        })
    }
}

/// The text of a symbol or string literal.
fn literal(node: &Node<'_>) -> Option<String> {
    if let Some(s) = node.as_symbol_node() {
        return Some(String::from_utf8_lossy(s.unescaped()).into_owned());
    }
    if let Some(s) = node.as_string_node() {
        return Some(String::from_utf8_lossy(s.unescaped()).into_owned());
    }
    None
}

/// A Rails default as SQL: a lambda (`-> { "gen_random_uuid()" }`) is its SQL text, a string a
/// quoted literal (so `"f(x)"` is no call), anything else (numbers, booleans) as written.
fn default_sql(v: &Node<'_>) -> String {
    let raw = String::from_utf8_lossy(v.location().as_slice()).into_owned();
    if let Some(s) = v.as_string_node() {
        return format!(
            "'{}'",
            String::from_utf8_lossy(s.unescaped()).replace('\'', "''")
        );
    }
    if v.as_lambda_node().is_some() || raw.starts_with("lambda") || raw.starts_with("proc") {
        let inner = raw
            .find(['"', '\''])
            .and_then(|a| raw.rfind(['"', '\'']).filter(|b| *b > a).map(|b| (a, b)));
        if let Some((a, b)) = inner {
            return raw[a + 1..b].to_string();
        }
        // A lambda without a literal string: its SQL is computed.
        return "unknown_function()".to_string();
    }
    raw
}

/// The names in an argument: a symbol/string, or an array of them (`[:a, :b]`, `%i[a b]`).
fn names_in(node: Option<&Node<'_>>) -> Vec<String> {
    let Some(node) = node else {
        return Vec::new();
    };
    if let Some(arr) = node.as_array_node() {
        return arr
            .elements()
            .iter()
            .filter_map(|e| literal(&e))
            .map(|s| norm_name(&s))
            .collect();
    }
    literal(node)
        .map(|s| vec![norm_name(&s)])
        .unwrap_or_default()
}

/// Names of the constants passed to `revert` (`revert CreateWidgets, AddNames`).
fn constant_names(call: &CallNode<'_>) -> Vec<String> {
    let Some(args) = call.arguments() else {
        return Vec::new();
    };
    args.arguments()
        .iter()
        .filter(|a| a.as_constant_read_node().is_some() || a.as_constant_path_node().is_some())
        .map(|a| String::from_utf8_lossy(a.location().as_slice()).into_owned())
        .collect()
}

/// Calls shipgate knows and that change nothing old code depends on (no finding, not unknown).
const UNDERSTOOD: &[&str] = &[
    "create_enum",
    "add_enum_value",
    "rename_index",
    "enable_extension",
    "disable_extension",
    "create_schema",
    "change_table_comment",
    "change_column_comment",
    "add_column_with_default",
];

/// Whether a receiver-less call looks like a schema change by its name.
fn looks_like_ddl(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "add_", "remove_", "drop_", "create_", "rename_", "change_", "alter_", "truncate",
    ];
    const SUFFIXES: &[&str] = &[
        "_index",
        "_indexes",
        "_column",
        "_columns",
        "_table",
        "_constraint",
        "_foreign_key",
        "_primary_key",
        "_enum",
        "_enumeration",
        "_schema",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Every argument of a call as names (for `remove_columns :t, :a, :b` and `t.remove :a, :b`).
fn names_from(args: &Args<'_>, start: usize) -> Vec<String> {
    (start..args.pos.len()).map(|i| args.name(i)).collect()
}

const BACKFILL: &[&str] = &[
    "update_all",
    "in_batches",
    "find_each",
    "find_in_batches",
    "update_column",
    "update_columns",
    "insert_all",
    "insert_all!",
    "upsert_all",
];

const COLUMN_TYPES: &[&str] = &[
    "string",
    "text",
    "integer",
    "bigint",
    "float",
    "decimal",
    "numeric",
    "datetime",
    "timestamp",
    "time",
    "date",
    "binary",
    "blob",
    "boolean",
    "json",
    "jsonb",
    "uuid",
    "inet",
    "citext",
    "hstore",
    "virtual",
    "enum",
];

impl Lowerer<'_> {
    fn push(&mut self, kind: OpKind, call: &CallNode<'_>) {
        let loc = call.location();
        let at = call.message_loc().unwrap_or(call.location());
        let mut op = Op::new(kind, at.start_line().max(1) as u32);
        op.end_line = (loc.end_line().max(1) as u32).max(op.line);
        op.column = Some(at.start_column() + 1);
        op.assured = self.assured > 0;
        self.ops.push(op);
    }

    fn push_at(&mut self, kind: OpKind, line: i32, column: u32) {
        let mut op = Op::new(kind, line.max(1) as u32);
        op.column = Some(column + 1);
        op.assured = self.assured > 0;
        self.ops.push(op);
    }

    fn add_column(
        &mut self,
        call: &CallNode<'_>,
        table: String,
        column: String,
        ty: &str,
        a: &Args<'_>,
    ) {
        let virtual_col = ty == "virtual";
        let ty = ty.to_ascii_lowercase();
        // `:primary_key`, `:serial`, `:bigserial`: filled from a sequence, row by row.
        let sequence = ty == "primary_key" || ty.ends_with("serial");
        let default = a
            .default()
            .or_else(|| sequence.then(|| "nextval(serial)".to_string()));
        self.push(
            OpKind::AddColumn {
                table: table.clone(),
                column,
                not_null: a.is_false("null") || ty == "primary_key",
                default,
                auto_increment: sequence,
                stored_generated: virtual_col && a.truthy("stored"),
                positioned: a.get("after").is_some() || a.truthy("first"),
                // As the dialect stores it, limits included, so a later change compares.
                ty: Some(rails_type(
                    self.dialect,
                    &ty,
                    a.int("limit"),
                    a.int("precision"),
                    a.int("scale"),
                )),
            },
            call,
        );
        if ty == "primary_key" || a.truthy("primary_key") {
            self.push(
                OpKind::AddPrimaryKey {
                    table: table.clone(),
                    using_index: false,
                },
                call,
            );
        }
        self.forced_lock(call, table, a);
    }

    fn add_index(
        &mut self,
        call: &CallNode<'_>,
        table: String,
        columns: Vec<String>,
        a: &Args<'_>,
    ) {
        let kind = match a.sym("type").as_deref() {
            Some("fulltext") => IndexKind::Fulltext,
            Some("spatial") => IndexKind::Spatial,
            _ => IndexKind::Plain,
        };
        self.push(
            OpKind::AddIndex {
                table: table.clone(),
                unique: a.truthy("unique"),
                concurrently: a.sym("algorithm").as_deref() == Some("concurrently"),
                kind,
                columns,
            },
            call,
        );
        self.forced_lock(call, table, a);
    }

    /// MySQL `algorithm: :copy`, `lock: :shared/:exclusive` on any DSL call that takes them.
    fn forced_lock(&mut self, call: &CallNode<'_>, table: String, a: &Args<'_>) {
        if a.sym("algorithm").as_deref() == Some("copy") {
            self.push(
                OpKind::ForcedLock {
                    table: table.clone(),
                    what: "algorithm: :copy".into(),
                },
                call,
            );
        }
        if let Some(lock @ ("shared" | "exclusive")) = a.sym("lock").as_deref() {
            self.push(
                OpKind::ForcedLock {
                    table,
                    what: format!("lock: :{lock}"),
                },
                call,
            );
        }
    }

    /// `add_reference` / `t.references`: a column, usually an index, maybe a foreign key.
    fn add_reference(&mut self, call: &CallNode<'_>, table: String, reference: &str, a: &Args<'_>) {
        let column = format!("{reference}_id");
        self.push(
            OpKind::AddColumn {
                table: table.clone(),
                column: column.clone(),
                not_null: a.is_false("null"),
                default: a.default(),
                auto_increment: false,
                stored_generated: false,
                positioned: false,
                ty: None,
            },
            call,
        );
        if !a.is_false("index") {
            let concurrently =
                a.nested_sym("index", "algorithm").as_deref() == Some("concurrently");
            let unique = a.nested_truthy("index", "unique");
            self.push(
                OpKind::AddIndex {
                    table: table.clone(),
                    unique,
                    concurrently,
                    kind: IndexKind::Plain,
                    columns: vec![column],
                },
                call,
            );
        }
        if a.truthy("foreign_key") {
            // `foreign_key: { validate: false }` is the NOT VALID form.
            let not_valid = a.nested_is_false("foreign_key", "validate");
            self.push(
                OpKind::AddForeignKey {
                    table: table.clone(),
                    not_valid,
                    name: a.nested_sym("foreign_key", "name"),
                },
                call,
            );
        }
        self.forced_lock(call, table, a);
    }

    fn change_column(
        &mut self,
        call: &CallNode<'_>,
        table: String,
        column: String,
        ty: Option<String>,
        a: &Args<'_>,
    ) {
        let ty = ty.map(|t| {
            rails_type(
                self.dialect,
                &t,
                a.int("limit"),
                a.int("precision"),
                a.int("scale"),
            )
        });
        let not_null = a.get("null").map(|v| v.as_false_node().is_some());
        self.push(
            OpKind::ChangeColumn {
                table: table.clone(),
                column: column.clone(),
                ty,
                not_null,
            },
            call,
        );
        if not_null == Some(true) {
            self.push(
                OpKind::SetNotNull {
                    table: table.clone(),
                    column,
                },
                call,
            );
        }
        self.forced_lock(call, table, a);
    }

    /// `execute` / `connection.execute`: literal SQL is linted as SQL, the rest is opaque.
    fn execute(&mut self, call: &CallNode<'_>, a: &Args<'_>) {
        let Some(first) = a.pos.first() else {
            return;
        };
        // `<<~SQL.squish` and friends: the SQL is the receiver of a string method.
        let receiver = first.as_call_node().filter(|c| {
            matches!(
                c.name().as_slice(),
                b"squish" | b"strip" | b"freeze" | b"chomp" | b"dup"
            )
        });
        let inner_arg = receiver.and_then(|c| c.receiver());
        let arg = inner_arg.as_ref().unwrap_or(first);
        if let Some(s) = arg.as_string_node() {
            let sql_text = String::from_utf8_lossy(s.unescaped()).into_owned();
            let first_line = s.content_loc().start_line().max(1) as u32;
            let mut inner = sql::lower(&sql_text, self.dialect, first_line, self.next_group);
            for op in &mut inner {
                op.assured = self.assured > 0;
                op.column = None;
            }
            self.ops.extend(inner);
            return;
        }
        // A squiggly heredoc is an interpolated node of plain parts (one per dedented line).
        if let Some(is) = arg.as_interpolated_string_node() {
            let parts: Vec<_> = is.parts().iter().collect();
            let plain: Option<Vec<_>> = parts.iter().map(|p| p.as_string_node()).collect();
            if let Some(plain) = plain.filter(|p| !p.is_empty()) {
                let sql_text: String = plain
                    .iter()
                    .map(|p| String::from_utf8_lossy(p.unescaped()))
                    .collect();
                let first_line = plain[0].location().start_line().max(1) as u32;
                let mut inner = sql::lower(&sql_text, self.dialect, first_line, self.next_group);
                for op in &mut inner {
                    op.assured = self.assured > 0;
                    op.column = None;
                }
                self.ops.extend(inner);
                return;
            }
        }
        let why = if arg.as_interpolated_string_node().is_some() {
            "the SQL string is interpolated"
        } else {
            "the SQL is not a literal string"
        };
        self.push(
            OpKind::OpaqueExecute {
                why: why.to_string(),
            },
            call,
        );
    }

    /// A DSL call without receiver (or on `connection`). Returns true when handled.
    fn dsl(&mut self, call: &CallNode<'_>, name: &str) {
        let a = Args::of(call);
        match name {
            "disable_ddl_transaction!" => self.disable_ddl_transaction = true,
            "add_column" => {
                let ty = a.name(2);
                self.add_column(call, a.name(0), a.name(1), &ty, &a);
            }
            "add_timestamps" => {
                for c in ["created_at", "updated_at"] {
                    // Rails ≥ 5 makes timestamps NOT NULL unless told otherwise.
                    let not_null = !a.truthy("null");
                    self.push(
                        OpKind::AddColumn {
                            table: a.name(0),
                            column: c.into(),
                            not_null,
                            default: a.default(),
                            auto_increment: false,
                            stored_generated: false,
                            positioned: false,
                            ty: Some("datetime".into()),
                        },
                        call,
                    );
                }
            }
            "remove_column" => self.push(
                OpKind::DropColumn {
                    table: a.name(0),
                    column: a.name(1),
                },
                call,
            ),
            "remove_columns" => {
                let table = a.name(0);
                for column in names_from(&a, 1) {
                    self.push(
                        OpKind::DropColumn {
                            table: table.clone(),
                            column,
                        },
                        call,
                    );
                }
            }
            "remove_reference" | "remove_belongs_to" => {
                let column = format!("{}_id", a.name(1));
                self.push(
                    OpKind::DropColumn {
                        table: a.name(0),
                        column,
                    },
                    call,
                );
            }
            "remove_timestamps" => {
                for c in ["created_at", "updated_at"] {
                    self.push(
                        OpKind::DropColumn {
                            table: a.name(0),
                            column: c.into(),
                        },
                        call,
                    );
                }
            }
            "change_column" => {
                let ty = a.pos.get(2).and_then(literal);
                self.change_column(call, a.name(0), a.name(1), ty, &a);
            }
            "change_column_null" => {
                let (table, column) = (a.name(0), a.name(1));
                match a.pos.get(2) {
                    Some(v) if v.as_true_node().is_some() => self.push(
                        OpKind::LoosenColumn {
                            table,
                            column,
                            what: "DROP NOT NULL".into(),
                            sets_default: false,
                            from_none: false,
                        },
                        call,
                    ),
                    _ => {
                        // A fourth argument is a value Rails writes into every NULL row first.
                        if a.pos.get(3).is_some_and(|v| v.as_nil_node().is_none()) {
                            self.push(
                                OpKind::Backfill {
                                    what: format!(
                                        "`change_column_null` with a default (an UPDATE of \
                                         every NULL `{table}.{column}`)"
                                    ),
                                },
                                call,
                            );
                        }
                        self.push(OpKind::SetNotNull { table, column }, call)
                    }
                }
            }
            "change_column_default" => {
                // `from: nil, to: x` or a plain new value: is a default being set, and was there
                // none before (by the migration's own word)?
                let to = a.get("to").or_else(|| a.pos.get(2));
                let sets_default = to.is_some_and(|v| v.as_nil_node().is_none());
                let from_none = a.get("from").is_some_and(|v| v.as_nil_node().is_some());
                self.push(
                    OpKind::LoosenColumn {
                        table: a.name(0),
                        column: a.name(1),
                        what: "change_column_default".into(),
                        sets_default,
                        from_none,
                    },
                    call,
                )
            }
            "rename_column" => self.push(
                OpKind::RenameColumn {
                    table: a.name(0),
                    from: a.name(1),
                    to: a.name(2),
                },
                call,
            ),
            "rename_table" => self.push(
                OpKind::RenameTable {
                    from: a.name(0),
                    to: a.name(1),
                },
                call,
            ),
            "drop_table" => self.push(OpKind::DropTable { table: a.name(0) }, call),
            "drop_join_table" => {
                let (x, y) = (a.name(0), a.name(1));
                let table = a
                    .sym("table_name")
                    .map(|t| norm_name(&t))
                    .unwrap_or_else(|| {
                        let mut v = [x, y];
                        v.sort();
                        format!("{}_{}", v[0], v[1])
                    });
                self.push(OpKind::DropTable { table }, call);
            }
            "create_table" | "create_join_table" => {
                let force = a.truthy("force");
                self.push(
                    OpKind::CreateTable {
                        table: a.name(0),
                        force,
                    },
                    call,
                );
            }
            "add_index" => {
                let columns = names_in(a.pos.get(1));
                self.add_index(call, a.name(0), columns, &a)
            }
            // GitLab's helpers: the concurrent forms, outside a transaction.
            "add_concurrent_index" => {
                let columns = names_in(a.pos.get(1));
                self.push(
                    OpKind::AddIndex {
                        table: a.name(0),
                        unique: a.truthy("unique"),
                        concurrently: true,
                        kind: IndexKind::Plain,
                        columns,
                    },
                    call,
                )
            }
            "remove_concurrent_index" | "remove_concurrent_index_by_name" => self.push(
                OpKind::DropIndex {
                    table: a.name(0),
                    concurrently: true,
                },
                call,
            ),
            // Adds the key NOT VALID and validates it in a separate statement.
            "add_concurrent_foreign_key" => self.push(
                OpKind::AddForeignKey {
                    table: a.name(0),
                    not_valid: true,
                    name: a.sym("name"),
                },
                call,
            ),
            // Adds a column of the new type, copies the data over with a trigger and batches.
            "change_column_type_concurrently" | "rename_column_concurrently" => {
                let (table, column) = (a.name(0), a.name(1));
                let new = if name == "rename_column_concurrently" {
                    a.name(2)
                } else {
                    format!("{column}_for_type_change")
                };
                self.push(
                    OpKind::AddColumn {
                        table: table.clone(),
                        column: new,
                        not_null: false,
                        default: None,
                        auto_increment: false,
                        stored_generated: false,
                        positioned: false,
                        ty: a.pos.get(2).and_then(literal),
                    },
                    call,
                );
                self.push(
                    OpKind::Backfill {
                        what: format!("`{name}` (copies every `{table}.{column}`)"),
                    },
                    call,
                );
            }
            // The contract half: the old column is dropped (and the new one renamed into place).
            "cleanup_concurrent_column_type_change" | "cleanup_concurrent_column_rename" => {
                let (table, column) = (a.name(0), a.name(1));
                self.push(
                    OpKind::DropColumn {
                        table: table.clone(),
                        column: column.clone(),
                    },
                    call,
                );
                if name == "cleanup_concurrent_column_type_change" {
                    self.push(
                        OpKind::RenameColumn {
                            table,
                            from: format!("{column}_for_type_change"),
                            to: column,
                        },
                        call,
                    );
                }
            }
            // `using_index:` attaches an index built beforehand: nothing is built here.
            "add_unique_constraint" if a.get("using_index").is_none() => {
                let columns = names_in(a.pos.get(1));
                self.push(
                    OpKind::AddIndex {
                        table: a.name(0),
                        unique: true,
                        concurrently: false,
                        kind: IndexKind::Plain,
                        columns,
                    },
                    call,
                );
            }
            "add_unique_constraint" => {}
            "add_exclusion_constraint" => self.push(
                OpKind::TableRebuild {
                    table: a.name(0),
                    what: "ADD EXCLUDE".into(),
                },
                call,
            ),
            "rename_enum_value" => self.push(
                OpKind::RenameEnumValue {
                    type_name: a.name(0),
                    from: a.sym("from").unwrap_or_else(|| "?".into()),
                    to: a.sym("to").unwrap_or_else(|| "?".into()),
                },
                call,
            ),
            "rename_schema" => self.push(
                OpKind::RenameSchema {
                    from: a.name(0),
                    to: a.name(1),
                },
                call,
            ),
            "drop_schema" => self.push(
                OpKind::DropSchema {
                    what: format!("schema `{}`", a.name(0)),
                },
                call,
            ),
            "remove_index" => {
                let concurrently = a.sym("algorithm").as_deref() == Some("concurrently");
                self.push(
                    OpKind::DropIndex {
                        table: a.name(0),
                        concurrently,
                    },
                    call,
                );
            }
            "add_reference" | "add_belongs_to" => {
                let r = a.name(1);
                self.add_reference(call, a.name(0), &r, &a);
            }
            "add_foreign_key" => self.push(
                OpKind::AddForeignKey {
                    table: a.name(0),
                    not_valid: a.is_false("validate"),
                    name: a.sym("name"),
                },
                call,
            ),
            "remove_foreign_key" => self.push(
                OpKind::DropConstraint {
                    table: a.name(0),
                    what: "a foreign key".into(),
                },
                call,
            ),
            "add_check_constraint" => {
                let expr = a.pos.get(1).and_then(literal).unwrap_or_default();
                self.push(
                    OpKind::AddCheck {
                        table: a.name(0),
                        name: a.sym("name"),
                        not_valid: a.is_false("validate"),
                        not_null_column: not_null_check(&expr),
                    },
                    call,
                );
            }
            "remove_check_constraint" => self.push(
                OpKind::DropConstraint {
                    table: a.name(0),
                    what: "a check constraint".into(),
                },
                call,
            ),
            "validate_check_constraint" | "validate_foreign_key" => {
                if let Some(name) = a.sym("name") {
                    self.push(
                        OpKind::ValidateConstraint {
                            table: a.name(0),
                            name,
                        },
                        call,
                    );
                }
            }
            "execute" => self.execute(call, &a),
            other
                if looks_like_ddl(other)
                    && !UNDERSTOOD.contains(&other)
                    && !self.own_methods.contains(other) =>
            {
                self.push(
                    OpKind::UnknownCall {
                        name: other.to_string(),
                    },
                    call,
                )
            }
            _ => {}
        }
    }

    /// `t.<method>` inside `change_table :table do |t|`.
    fn table_call(&mut self, call: &CallNode<'_>, table: String, name: &str) {
        let a = Args::of(call);
        match name {
            "remove" => {
                for column in names_from(&a, 0) {
                    self.push(
                        OpKind::DropColumn {
                            table: table.clone(),
                            column,
                        },
                        call,
                    );
                }
            }
            "remove_references" | "remove_belongs_to" => {
                let column = format!("{}_id", a.name(0));
                self.push(OpKind::DropColumn { table, column }, call);
            }
            "remove_timestamps" => {
                for c in ["created_at", "updated_at"] {
                    self.push(
                        OpKind::DropColumn {
                            table: table.clone(),
                            column: c.into(),
                        },
                        call,
                    );
                }
            }
            "rename" => self.push(
                OpKind::RenameColumn {
                    table,
                    from: a.name(0),
                    to: a.name(1),
                },
                call,
            ),
            "change" => {
                let ty = a.pos.get(1).and_then(literal);
                let column = a.name(0);
                self.change_column(call, table, column, ty, &a);
            }
            "change_null" if a.pos.get(1).is_some_and(|v| v.as_false_node().is_some()) => self
                .push(
                    OpKind::SetNotNull {
                        table,
                        column: a.name(0),
                    },
                    call,
                ),
            "change_default" => {
                let to = a.get("to").or_else(|| a.pos.get(1));
                self.push(
                    OpKind::LoosenColumn {
                        table,
                        column: a.name(0),
                        what: "change_default".into(),
                        sets_default: to.is_some_and(|v| v.as_nil_node().is_none()),
                        from_none: a.get("from").is_some_and(|v| v.as_nil_node().is_some()),
                    },
                    call,
                )
            }
            "index" => {
                let columns = names_in(a.pos.first());
                self.add_index(call, table, columns, &a)
            }
            "remove_index" => {
                let concurrently = a.sym("algorithm").as_deref() == Some("concurrently");
                self.push(
                    OpKind::DropIndex {
                        table,
                        concurrently,
                    },
                    call,
                );
            }
            "references" | "belongs_to" => {
                for r in names_from(&a, 0) {
                    self.add_reference(call, table.clone(), &r, &a);
                }
            }
            "timestamps" => {
                for c in ["created_at", "updated_at"] {
                    self.push(
                        OpKind::AddColumn {
                            table: table.clone(),
                            column: c.into(),
                            not_null: !a.truthy("null"),
                            default: a.default(),
                            auto_increment: false,
                            stored_generated: false,
                            positioned: false,
                            ty: Some("datetime".into()),
                        },
                        call,
                    );
                }
            }
            "column" => {
                let ty = a.name(1);
                self.add_column(call, table, a.name(0), &ty, &a);
            }
            "check_constraint" => {
                let expr = a.pos.first().and_then(literal).unwrap_or_default();
                self.push(
                    OpKind::AddCheck {
                        table,
                        name: a.sym("name"),
                        not_valid: a.is_false("validate"),
                        not_null_column: not_null_check(&expr),
                    },
                    call,
                );
            }
            "foreign_key" => self.push(
                OpKind::AddForeignKey {
                    table,
                    not_valid: a.is_false("validate"),
                    name: a.sym("name"),
                },
                call,
            ),
            ty if COLUMN_TYPES.contains(&ty) => {
                let ty = if ty == "virtual" {
                    "virtual".to_string()
                } else {
                    ty.to_string()
                };
                for column in names_from(&a, 0) {
                    self.add_column(call, table.clone(), column, &ty, &a);
                }
            }
            _ => {}
        }
    }

    /// Data changes through models: `Model.update_all`, `Model.delete_all`, `in_batches`...
    fn model_call(&mut self, call: &CallNode<'_>, name: &str) {
        let chain = call
            .receiver()
            .map(|r| String::from_utf8_lossy(r.location().as_slice()).into_owned())
            .unwrap_or_default();
        let model = chain
            .split(['.', '('])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let targeted =
            chain.contains(".where") || chain.contains(".find") || chain.contains("in_batches");
        if matches!(name, "delete_all" | "destroy_all") {
            if targeted {
                self.push(
                    OpKind::Backfill {
                        what: format!("`{chain}.{name}`"),
                    },
                    call,
                );
            } else if model.starts_with(|c: char| c.is_ascii_uppercase()) {
                self.push(
                    OpKind::BulkDestroy {
                        table: model.clone(),
                        what: format!("`{model}.{name}`"),
                        set_columns: Vec::new(),
                    },
                    call,
                );
            }
        } else if BACKFILL.contains(&name) && !chain.is_empty() {
            self.push(
                OpKind::Backfill {
                    what: format!("`{}.{name}`", chain.lines().next().unwrap_or("")),
                },
                call,
            );
        }
    }
}

impl<'pr> Visit<'pr> for Lowerer<'_> {
    fn visit_def_node(&mut self, node: &DefNode<'pr>) {
        // `down` is not checked (like strong_migrations): a schema rollback is no rollback plan.
        if node.name().as_slice() == b"down" {
            if node.body().is_some() {
                let at = node.name_loc();
                self.push_at(
                    OpKind::NotChecked {
                        what: "`def down`".into(),
                    },
                    at.start_line(),
                    at.start_column(),
                );
            }
            return;
        }
        ruby_prism::visit_def_node(self, node);
    }

    fn visit_call_node(&mut self, node: &CallNode<'pr>) {
        let name = String::from_utf8_lossy(node.name().as_slice()).into_owned();
        let receiver = node.receiver();
        // `reversible do |dir| dir.down { } end`: rollback code, not checked.
        if name == "down" && receiver.is_some() {
            let r = receiver
                .as_ref()
                .map(|r| String::from_utf8_lossy(r.location().as_slice()).into_owned())
                .unwrap_or_default();
            self.push(
                OpKind::NotChecked {
                    what: format!("`{r}.down`"),
                },
                node,
            );
            return;
        }
        // `revert` runs forward: `revert OtherMigration` undoes that migration (resolved by the
        // caller, which knows the other files), `revert { … }` undoes the block's operations.
        if name == "revert" && receiver.is_none() {
            for class in constant_names(node) {
                self.push(OpKind::Revert { class }, node);
            }
            if node.block().is_some() {
                let from = self.ops.len();
                ruby_prism::visit_call_node(self, node);
                let inner: Vec<Op> = self.ops.drain(from..).collect();
                let line = node.location().start_line().max(1) as u32;
                for o in inner.into_iter().rev() {
                    if let Some(kind) = o.kind.inverse() {
                        self.ops.push(Op { kind, line, ..o });
                    }
                }
            }
            return;
        }
        // Discourse drops columns and tables through helpers that first make them read-only.
        if name == "execute_drop" {
            let r = receiver
                .as_ref()
                .map(|r| String::from_utf8_lossy(r.location().as_slice()).into_owned())
                .unwrap_or_default();
            let a = Args::of(node);
            if r.ends_with("ColumnDropper") {
                let table = a.name(0);
                for column in names_in(a.pos.get(1)) {
                    self.push(
                        OpKind::DropColumn {
                            table: table.clone(),
                            column,
                        },
                        node,
                    );
                }
                return;
            }
            if r.ends_with("TableDropper") {
                self.push(OpKind::DropTable { table: a.name(0) }, node);
                return;
            }
        }
        match &receiver {
            None => match name.as_str() {
                "safety_assured" => {
                    self.assured += 1;
                    ruby_prism::visit_call_node(self, node);
                    self.assured -= 1;
                    return;
                }
                "change_table" | "create_table" | "create_join_table" => {
                    if name == "change_table" && node.block().is_some() {
                        let table = Args::of(node).name(0);
                        self.push(OpKind::ChangeTableBlock { table }, node);
                    }
                    self.dsl(node, &name);
                    let table = Args::of(node).name(0);
                    self.tables.push(table);
                    ruby_prism::visit_call_node(self, node);
                    self.tables.pop();
                    return;
                }
                _ => self.dsl(node, &name),
            },
            Some(r) => {
                let is_block_var = r.as_local_variable_read_node().is_some()
                    || r.as_call_node().is_some_and(|c| c.is_variable_call());
                let text = String::from_utf8_lossy(r.location().as_slice()).into_owned();
                if is_block_var && !self.tables.is_empty() && text != "connection" {
                    let table = self.tables.last().cloned().unwrap_or_else(|| "?".into());
                    self.table_call(node, table, &name);
                } else if text.ends_with("connection") && name == "execute" {
                    let a = Args::of(node);
                    self.execute(node, &a);
                } else {
                    self.model_call(node, &name);
                }
            }
        }
        ruby_prism::visit_call_node(self, node);
    }
}
