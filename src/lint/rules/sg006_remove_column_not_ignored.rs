//! SG006 remove-column-not-ignored: ActiveRecord caches a model's columns at boot, so running
//! processes fail after a column disappears unless the deployed model already ignores it.

use super::Rule;
use crate::lint::inflect::singularize;
use crate::lint::op::{Op, OpKind};
use crate::lint::{RuleDoc, SourceTree};
use crate::model::{Finding, Severity};

pub const RULE: Rule = Rule {
    doc: RuleDoc {
        id: "SG006",
        name: "remove-column-not-ignored",
        severity: Severity::Error,
        dialects: "rb",
        why: "ActiveRecord caches each model's column list; after the column is dropped, processes \
              of the deployed code fail on INSERT/UPDATE unless the base-branch model already lists \
              it in `ignored_columns`.",
        hint: "Add `self.ignored_columns += [\"col\"]` to the model and deploy it; remove the \
               column in a later PR.",
    },
    op: None,
    file: None,
};

/// The model file of `table` on the base branch: `app/models/<singular>.rb`, else any file with
/// that name under `app/models/` at head (namespaced models).
fn base_model(table: &str, tree: &dyn SourceTree) -> Option<(String, String)> {
    let file = format!("{}.rb", singularize(table));
    let direct = format!("app/models/{file}");
    if let Some(text) = tree.base_file(&direct) {
        return Some((direct, text));
    }
    let suffix = format!("/{file}");
    tree.head_paths("app/models/")
        .into_iter()
        .filter(|p| p.ends_with(&suffix))
        .find_map(|p| tree.base_file(&p).map(|t| (p, t)))
}

/// True when the model's `ignored_columns` names the column.
fn ignores(model: &str, column: &str) -> bool {
    let mut in_list = false;
    for line in model.lines() {
        if line.contains("ignored_columns") {
            in_list = true;
        }
        if in_list {
            let quoted = [
                format!("\"{column}\""),
                format!("'{column}'"),
                format!(":{column}"),
            ];
            if quoted.iter().any(|q| {
                line.match_indices(q.as_str()).any(|(i, _)| {
                    !line[i + q.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            }) || line
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == column)
                && line.contains("%w")
            {
                return true;
            }
            if line.contains(']') || line.trim_end().ends_with(')') {
                in_list = false;
            }
        }
    }
    false
}

/// `files` are (path, ops, is a Rails migration).
pub fn check_pr(files: &[(String, Vec<Op>, bool)], tree: &dyn SourceTree) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, ops, _rails) in files {
        for op in ops {
            let OpKind::DropColumn { table, column } = &op.kind else {
                continue;
            };
            if table == "?" || column == "?" {
                continue;
            }
            // Without a model there is no ActiveRecord cache to break.
            let Some((model_path, model)) = base_model(table, tree) else {
                continue;
            };
            if ignores(&model, column) {
                continue;
            }
            out.push(
                Finding::new(
                    RULE.doc.id,
                    RULE.doc.severity,
                    format!(
                        "Removes `{table}.{column}` but the deployed model `{model_path}` does not \
                         list it in `ignored_columns`: running processes fail after the drop."
                    ),
                )
                .at(path.clone(), Some(op.line))
                .with_hint(RULE.doc.hint),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ignores;

    #[test]
    fn ignored_forms() {
        assert!(ignores(
            "class User\n  self.ignored_columns += [\"email\"]\nend",
            "email"
        ));
        assert!(ignores(
            "class User\n  self.ignored_columns = %w[email name]\nend",
            "email"
        ));
        assert!(ignores(
            "class User\n  self.ignored_columns += [\n    :email,\n  ]\nend",
            "email"
        ));
        assert!(!ignores(
            "class User\n  self.ignored_columns += [\"email2\"]\nend",
            "email"
        ));
        assert!(!ignores("class User\nend", "email"));
    }
}
