//! Lowers statements parsed by sqlparser to ops. Rarely used clause forms are rendered back to SQL
//! and read by the keyword classifier, so both paths agree on what a clause means.

use sqlparser::ast::{
    AlterColumnOperation, AlterTableAlgorithm, AlterTableLock, AlterTableOperation, ColumnDef,
    ColumnOption, Expr, ObjectType, RenameTableNameKind, Statement,
};

use super::keywords::{classify, clause_ops, tokenize};
use crate::lint::op::{norm_name, IndexKind, OpKind};

pub fn lower(stmt: &Statement) -> Vec<OpKind> {
    match stmt {
        Statement::AlterTable {
            name, operations, ..
        } => {
            let table = norm_name(&name.to_string());
            let explicit_algorithm = operations.iter().any(|op| {
                matches!(
                    op,
                    AlterTableOperation::Algorithm { .. } | AlterTableOperation::Lock { .. }
                )
            });
            std::iter::once(OpKind::AlterTable {
                table: table.clone(),
                explicit_algorithm,
            })
            .chain(operations.iter().flat_map(|op| alter_op(&table, op)))
            .collect()
        }
        Statement::CreateTable(ct) => vec![OpKind::CreateTable {
            table: norm_name(&ct.name.to_string()),
            force: false,
        }],
        Statement::CreateIndex(ci) => vec![OpKind::AddIndex {
            table: norm_name(&ci.table_name.to_string()),
            unique: ci.unique,
            concurrently: ci.concurrently,
            kind: IndexKind::Plain,
            columns: ci
                .columns
                .iter()
                .filter_map(|c| match &c.column.expr {
                    Expr::Identifier(id) => Some(norm_name(&id.value)),
                    _ => None,
                })
                .collect(),
        }],
        Statement::Drop {
            object_type, names, ..
        } => match object_type {
            ObjectType::Table => names
                .iter()
                .map(|n| OpKind::DropTable {
                    table: norm_name(&n.to_string()),
                })
                .collect(),
            ObjectType::Schema | ObjectType::Database => names
                .iter()
                .map(|n| OpKind::DropSchema {
                    what: format!("{} `{}`", object_type.to_string().to_lowercase(), n),
                })
                .collect(),
            ObjectType::Index => vec![OpKind::DropIndex {
                table: "?".into(),
                concurrently: stmt
                    .to_string()
                    .to_ascii_uppercase()
                    .contains("CONCURRENTLY"),
            }],
            _ => Vec::new(),
        },
        Statement::Truncate { table_names, .. } => table_names
            .iter()
            .map(|t| OpKind::BulkDestroy {
                table: norm_name(&t.name.to_string()),
                what: "TRUNCATE".into(),
                set_columns: Vec::new(),
            })
            .collect(),
        Statement::Delete(d) if d.selection.is_some() => vec![OpKind::Backfill {
            what: "DELETE".into(),
        }],
        Statement::Update {
            selection: Some(_), ..
        } => vec![OpKind::Backfill {
            what: "UPDATE".into(),
        }],
        // Without WHERE: the classifier names the table.
        Statement::Delete(_) | Statement::Update { .. } => {
            classify(&stmt.to_string()).unwrap_or_default()
        }
        Statement::Insert(_) => vec![OpKind::Backfill {
            what: "INSERT".into(),
        }],
        Statement::RenameTable(v) => v
            .iter()
            .map(|r| OpKind::RenameTable {
                from: norm_name(&r.old_name.to_string()),
                to: norm_name(&r.new_name.to_string()),
            })
            .collect(),
        // Routines parsed whole are stored, not run: their bodies are not migration steps.
        Statement::CreateFunction(_)
        | Statement::CreateTrigger(_)
        | Statement::CreateProcedure { .. } => Vec::new(),
        other => classify(&other.to_string()).unwrap_or_default(),
    }
}

fn column_def(table: &str, c: &ColumnDef, positioned: bool) -> Vec<OpKind> {
    let rendered = c.to_string().to_ascii_uppercase();
    let ty = c.data_type.to_string().to_ascii_lowercase();
    let column = norm_name(&c.name.value);
    let mut not_null = false;
    let mut default = None;
    let mut stored = false;
    // Inline constraints build or check as their ALTER TABLE … ADD forms do.
    let mut extra = Vec::new();
    for o in &c.options {
        match &o.option {
            ColumnOption::NotNull => not_null = true,
            ColumnOption::Unique { is_primary, .. } => {
                if *is_primary {
                    not_null = true;
                    extra.push(OpKind::AddPrimaryKey {
                        table: table.to_string(),
                        using_index: false,
                    });
                } else {
                    extra.push(OpKind::AddIndex {
                        table: table.to_string(),
                        unique: true,
                        concurrently: false,
                        kind: IndexKind::Plain,
                        columns: vec![column.clone()],
                    });
                }
            }
            ColumnOption::ForeignKey { .. } => extra.push(OpKind::AddForeignKey {
                table: table.to_string(),
                not_valid: false,
                name: Some(super::keywords::INLINE_FK.into()),
            }),
            ColumnOption::Check(e) => extra.push(OpKind::AddCheck {
                table: table.to_string(),
                name: o.name.as_ref().map(|n| norm_name(&n.value)),
                not_valid: false,
                not_null_column: crate::lint::expr::not_null_check(&e.to_string()),
            }),
            ColumnOption::Default(e) => default = Some(e.to_string()),
            ColumnOption::Generated { .. } => {
                stored = rendered.contains("STORED");
                // An identity column is filled from its sequence, row by row, like a serial.
                if rendered.contains("IDENTITY") && default.is_none() {
                    default = Some("nextval(identity)".into());
                }
            }
            _ => {}
        }
    }
    if default.is_none() && ty.ends_with("serial") {
        default = Some("nextval(serial)".into());
    }
    let mut ops = vec![OpKind::AddColumn {
        table: table.to_string(),
        column,
        not_null,
        default,
        auto_increment: rendered.contains("AUTO_INCREMENT"),
        stored_generated: stored,
        positioned,
        ty: Some(ty),
    }];
    ops.extend(extra);
    ops
}

fn not_null_in(options: &[ColumnOption]) -> bool {
    options.iter().any(|o| {
        matches!(
            o,
            ColumnOption::NotNull
                | ColumnOption::Unique {
                    is_primary: true,
                    ..
                }
        )
    })
}

fn alter_op(table: &str, op: &AlterTableOperation) -> Vec<OpKind> {
    let t = || table.to_string();
    match op {
        AlterTableOperation::AddColumn {
            column_def: c,
            column_position,
            ..
        } => column_def(table, c, column_position.is_some()),
        AlterTableOperation::DropColumn { column_names, .. } => column_names
            .iter()
            .map(|c| OpKind::DropColumn {
                table: t(),
                column: norm_name(&c.value),
            })
            .collect(),
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => vec![OpKind::RenameColumn {
            table: t(),
            from: norm_name(&old_column_name.value),
            to: norm_name(&new_column_name.value),
        }],
        AlterTableOperation::RenameTable { table_name } => {
            let (RenameTableNameKind::As(n) | RenameTableNameKind::To(n)) = table_name;
            vec![OpKind::RenameTable {
                from: t(),
                to: norm_name(&n.to_string()),
            }]
        }
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            ..
        } => {
            let (old, new) = (norm_name(&old_name.value), norm_name(&new_name.value));
            let mut ops = Vec::new();
            if old != new {
                ops.push(OpKind::RenameColumn {
                    table: t(),
                    from: old.clone(),
                    to: new,
                });
            }
            ops.push(OpKind::ChangeColumn {
                table: t(),
                column: old,
                ty: Some(data_type.to_string().to_ascii_lowercase()),
                not_null: Some(not_null_in(options)),
            });
            ops
        }
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            ..
        } => vec![OpKind::ChangeColumn {
            table: t(),
            column: norm_name(&col_name.value),
            ty: Some(data_type.to_string().to_ascii_lowercase()),
            not_null: Some(not_null_in(options)),
        }],
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = norm_name(&column_name.value);
            match op {
                AlterColumnOperation::SetNotNull => vec![OpKind::SetNotNull { table: t(), column }],
                AlterColumnOperation::DropNotNull => {
                    vec![OpKind::LoosenColumn {
                        table: t(),
                        column,
                        what: "DROP NOT NULL".into(),
                        sets_default: false,
                        from_none: false,
                    }]
                }
                AlterColumnOperation::SetDefault { value } => {
                    vec![OpKind::LoosenColumn {
                        table: t(),
                        column,
                        what: "SET DEFAULT".into(),
                        sets_default: !matches!(
                            value,
                            Expr::Value(v) if v.value == sqlparser::ast::Value::Null
                        ),
                        from_none: false,
                    }]
                }
                AlterColumnOperation::DropDefault => {
                    vec![OpKind::LoosenColumn {
                        table: t(),
                        column,
                        what: "DROP DEFAULT".into(),
                        sets_default: false,
                        from_none: false,
                    }]
                }
                AlterColumnOperation::SetDataType { data_type, .. } => vec![OpKind::ChangeColumn {
                    table: t(),
                    column,
                    ty: Some(data_type.to_string().to_ascii_lowercase()),
                    not_null: None,
                }],
                _ => Vec::new(),
            }
        }
        AlterTableOperation::DropPrimaryKey { .. } => vec![OpKind::DropPrimaryKey { table: t() }],
        AlterTableOperation::DropForeignKey { .. } => {
            vec![OpKind::DropConstraint {
                table: t(),
                what: "a foreign key".into(),
            }]
        }
        AlterTableOperation::DropConstraint { .. } => {
            vec![OpKind::DropConstraint {
                table: t(),
                what: "a constraint".into(),
            }]
        }
        AlterTableOperation::DropIndex { .. } => vec![OpKind::DropIndex {
            table: t(),
            concurrently: false,
        }],
        AlterTableOperation::ValidateConstraint { name } => {
            vec![OpKind::ValidateConstraint {
                table: t(),
                name: norm_name(&name.value),
            }]
        }
        AlterTableOperation::Algorithm { algorithm, .. } => match algorithm {
            AlterTableAlgorithm::Copy => vec![OpKind::ForcedLock {
                table: t(),
                what: "ALGORITHM=COPY".into(),
            }],
            _ => Vec::new(),
        },
        AlterTableOperation::Lock { lock, .. } => match lock {
            AlterTableLock::Shared => vec![OpKind::ForcedLock {
                table: t(),
                what: "LOCK=SHARED".into(),
            }],
            AlterTableLock::Exclusive => vec![OpKind::ForcedLock {
                table: t(),
                what: "LOCK=EXCLUSIVE".into(),
            }],
            _ => Vec::new(),
        },
        // Constraints, partitions and the rest: read the rendered clause by keywords.
        other => clause_ops(table, &tokenize(&other.to_string())),
    }
}
