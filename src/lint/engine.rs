//! Runs the rules over a file's ops, applies acknowledgements and reports unused ones.

use std::collections::{BTreeSet, HashMap};

use super::ack::{self, Ack};
use super::op::{Op, OpKind};
use super::rules::{Ctx, Hit, ALL};
use crate::model::{Acceptance, Finding, Severity};

/// Contract rules that drop to warning in post-deploy migrations, where contracting belongs.
const CONTRACT: &[&str] = &["SG101", "SG102", "SG201", "SG202"];

struct Pending {
    finding: Finding,
    first_line: u32,
    end_line: u32,
    assured: bool,
    group: Option<usize>,
    /// For SG902: the group it reports on.
    reports_group: Option<usize>,
}

fn make(path: &str, rule: &'static super::rules::Rule, op: &Op, hit: Hit, cx: &Ctx) -> Pending {
    let mut severity = hit.severity.unwrap_or(rule.doc.severity);
    if cx.post_deploy && CONTRACT.contains(&rule.doc.id) && severity == Severity::Error {
        severity = Severity::Warning;
    }
    // Names computed at run time (`change_column_null table, …` in a loop) read as such.
    let message = hit
        .message
        .replace("`?.", "`<dynamic>.")
        .replace("`?`", "`<dynamic>`");
    // Messages quote the file's own text: never let its bytes reach a terminal or a comment raw.
    let message = super::escape_control(&message);
    let mut finding = Finding::new(rule.doc.id, severity, message)
        .at(super::escape_control(path), Some(op.line))
        .with_hint(rule.doc.hint);
    finding.column = op.column;
    Pending {
        finding,
        first_line: op.first_line.min(op.line),
        end_line: op.end_line,
        assured: op.assured,
        group: op.group,
        reports_group: match &op.kind {
            OpKind::Dynamic { group, .. } => Some(*group),
            _ => None,
        },
    }
}

/// Lints ops of one file; `text` is read for acknowledgements.
pub fn run(path: &str, text: &str, ops: &[Op], cx: &mut Ctx) -> Vec<Finding> {
    let mut pending = Vec::new();
    cx.dropped_in_file = ops
        .iter()
        .filter_map(|o| match &o.kind {
            OpKind::DropTable { table } => Some(table.clone()),
            _ => None,
        })
        .collect();
    for op in ops {
        for rule in ALL {
            if let Some(check) = rule.op {
                if let Some(hit) = check(op, cx) {
                    pending.push(make(path, rule, op, hit, cx));
                }
            }
        }
        track(op, cx);
    }
    for rule in ALL {
        if let Some(check) = rule.file {
            for (i, hit) in check(ops, cx) {
                if let Some(op) = ops.get(i) {
                    pending.push(make(path, rule, op, hit, cx));
                }
            }
        }
    }
    describe_dynamic(&mut pending);
    let mut acks = ack::parse(text);
    let mut out: Vec<Finding> = pending.into_iter().map(|p| accept(p, &mut acks)).collect();
    for a in acks.iter().filter(|a| !a.used) {
        let form = if a.file_level {
            "shipgate:allow-file"
        } else {
            "shipgate:allow"
        };
        let r = &super::rules::sg903_unused_ack::RULE.doc;
        out.push(
            Finding::new(
                r.id,
                r.severity,
                format!("`{form} {}` accepts no finding here.", a.ids.join(",")),
            )
            .at(path, Some(a.line))
            .with_hint(r.hint),
        );
    }
    out.sort_by(|a, b| (a.line, &a.rule).cmp(&(b.line, &b.rule)));
    fold(out)
}

/// Folds identical findings of one file (same rule, severity, message and acceptance) into the
/// first, with a count: a seed file of 50,000 INSERTs is one SG503 "(×50000)", not 50,000 lines.
fn fold(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len().min(1024));
    // Lines of the repeats, kept while few enough to be worth reading.
    let mut lines: Vec<Vec<u32>> = Vec::new();
    let mut seen: HashMap<(String, Severity, String, Option<String>), usize> = HashMap::new();
    for f in findings {
        let key = (
            f.rule.0.clone(),
            f.severity,
            f.message.clone(),
            f.accepted.as_ref().map(Acceptance::describe),
        );
        match seen.get(&key) {
            Some(&i) => {
                out[i].count += f.count;
                if lines[i].len() < FOLD_LINES_SHOWN {
                    lines[i].extend(f.line);
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push(f);
                lines.push(Vec::new());
            }
        }
    }
    for (f, more) in out.iter_mut().zip(lines) {
        if f.count > 1 && f.count as usize <= FOLD_LINES_SHOWN + 1 && !more.is_empty() {
            let list: Vec<String> = more.iter().map(u32::to_string).collect();
            f.message
                .push_str(&format!(" Also at line {}.", list.join(", ")));
        }
    }
    out
}

/// A folded finding names the lines of its repeats when there are at most this many.
const FOLD_LINES_SHOWN: usize = 9;

/// Updates what later ops can rely on: tables created, NOT NULL proven by a validated check.
fn track(op: &Op, cx: &mut Ctx) {
    match &op.kind {
        OpKind::CreateTable { table, .. } => {
            cx.created.insert(table.clone());
        }
        OpKind::AddCheck {
            table,
            name,
            not_valid,
            not_null_column: Some(col),
        } => {
            if *not_valid {
                if let Some(n) = name {
                    cx.pending_checks
                        .insert(n.clone(), (table.clone(), col.clone()));
                }
            } else {
                cx.not_null_checked.insert((table.clone(), col.clone()));
            }
        }
        OpKind::ValidateConstraint { name, .. } => {
            if let Some(tc) = cx.pending_checks.remove(name) {
                cx.not_null_checked.insert(tc);
            }
        }
        OpKind::ForeignKeyChecks { enabled } => cx.fk_checks_off = !enabled,
        _ => {}
    }
    // NOT VALID constraints added inside a transaction, so a VALIDATE in the same one is seen.
    let not_valid = match &op.kind {
        OpKind::AddForeignKey {
            not_valid: true,
            name,
            table,
        } => Some((name.clone(), table, true)),
        OpKind::AddCheck {
            not_valid: true,
            name,
            table,
            ..
        } => Some((name.clone(), table, false)),
        _ => None,
    };
    if let (Some((name, table, foreign_key)), Some(tx)) = (not_valid, op.tx) {
        cx.not_valid_in_tx.push(super::rules::NotValidAdd {
            tx,
            table: table.clone(),
            name: name.unwrap_or_default(),
            line: op.line,
            foreign_key,
        });
    }
    if let OpKind::AddColumn {
        table,
        column,
        default,
        ..
    } = &op.kind
    {
        cx.added_columns
            .insert((table.clone(), column.clone()), default.is_some());
    }
    // After a data change, columns added earlier may hold values: they can collide.
    if matches!(
        op.kind,
        OpKind::Backfill { .. } | OpKind::BulkDestroy { .. }
    ) {
        for v in cx.added_columns.values_mut() {
            *v = true;
        }
    }
}

/// Completes SG902 messages with the rules the hidden statements hit.
fn describe_dynamic(pending: &mut [Pending]) {
    let groups: Vec<(usize, String)> = pending
        .iter()
        .filter_map(|p| p.group.map(|g| (g, p.finding.rule.0.clone())))
        // File-level rules say nothing about what the hidden SQL does.
        .filter(|(_, r)| !matches!(r.as_str(), "SG901" | "SG902" | "SG004" | "SG503"))
        .collect();
    for p in pending.iter_mut() {
        let Some(g) = p.reports_group else {
            continue;
        };
        let ids: BTreeSet<&str> = groups
            .iter()
            .filter(|(x, _)| *x == g)
            .map(|(_, r)| r.as_str())
            .collect();
        if ids.is_empty() {
            let unknown = p.finding.message.starts_with("`PREPARE");
            p.finding.message.push_str(if unknown {
                "; its SQL cannot be seen, so it was not checked."
            } else {
                "; the scan found nothing risky inside."
            });
            if !unknown {
                p.finding.severity = Severity::Info;
            }
        } else {
            let list: Vec<&str> = ids.into_iter().collect();
            p.finding
                .message
                .push_str(&format!("; the SQL inside hits {}.", list.join(", ")));
        }
    }
}

fn accept(p: Pending, acks: &mut [Ack]) -> Finding {
    let mut f = p.finding;
    let line = p.first_line;
    if let Some(a) = acks
        .iter_mut()
        .find(|a| !a.file_level && a.covers(&f.rule.0, line, p.end_line))
    {
        a.used = true;
        f.accepted = Some(Acceptance::Inline {
            reason: a.reason.clone(),
        });
    } else if let Some(a) = acks
        .iter_mut()
        .find(|a| a.file_level && a.covers(&f.rule.0, line, p.end_line))
    {
        a.used = true;
        f.accepted = Some(Acceptance::Inline {
            reason: a.reason.clone(),
        });
    } else if p.assured {
        f.accepted = Some(Acceptance::Inline {
            reason: "safety_assured".into(),
        });
    }
    f
}
