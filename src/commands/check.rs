//! `shipgate check`: the gate on a local git diff, with no GitHub access.

use crate::gate::change::Change;
use crate::gate::evaluate::{evaluate, Evaluation};
use crate::gate::tree::GitTree;
use crate::git::Repo;
use crate::inputs::ConfigError;
use crate::lint::SourceTree as _;
use crate::outcome::Outcome;
use crate::report::text::{color_for_stdout, render_text, TextOptions};
use crate::report::{findings as fmt, gate as report, sarif, Format};
use crate::runner::Runner;
use crate::settings::CheckSettings;
use anyhow::Result;

pub fn run(s: &CheckSettings, runner: &Runner) -> Result<Outcome> {
    let repo = Repo::new(&s.dir);
    repo.require_cli()?;
    repo.check_usable()
        .map_err(|e| ConfigError(format!("--dir: {e:#}")))?;
    let head = repo.rev_parse(&s.head).map_err(|_| {
        ConfigError(format!(
            "--head: '{}' is not a commit in {}",
            s.head,
            s.dir.display()
        ))
    })?;
    repo.rev_parse(&s.base).map_err(|_| {
        ConfigError(format!(
            "--base: '{}' is not a commit in {}",
            s.base,
            s.dir.display()
        ))
    })?;
    // Like a PR: compare against the point where the branch left its base.
    let base = repo.merge_base(&s.base, &head)?;
    let change = Change::complete(repo.changed_files(&base, &head)?);
    let tree = GitTree {
        repo,
        base,
        head: head.clone(),
    };
    let mut gate = s.gate.clone();
    // stderr: the JSON and SARIF formats own stdout.
    eprintln!(
        "shipgate: {}",
        gate.resolve_dialect(&|p: &str| tree.repo.show(&tree.head, p))
    );
    let eval = evaluate(&change, &tree, &s.labels, &gate);
    let prefix = &s.gate.allow_label_prefix;
    print(&eval, s, &head, &|p: &str| tree.head_file(p));
    super::write_sarif_file(s.sarif_file.as_deref(), &eval.findings, prefix)?;
    runner.append_summary(&report::markdown(
        &eval,
        &report::ReportLinks {
            commit: Some(head),
            run_url: None,
            label_prefix: Some(prefix.clone()),
        },
    ))?;
    Ok(Outcome::from_verdict(eval.verdict))
}

fn print(
    eval: &Evaluation,
    s: &CheckSettings,
    head: &str,
    sources: &dyn Fn(&str) -> Option<String>,
) {
    let label_prefix = &s.gate.allow_label_prefix;
    match s.format {
        Format::Sarif => print!(
            "{}",
            sarif::sarif_text(&eval.findings, &crate::lint::registry(), label_prefix)
        ),
        Format::Json => {
            let v = serde_json::json!({
                "verdict": eval.verdict.as_str(),
                "release_kind": eval.release_kind.as_str(),
                "findings": fmt::json(&eval.findings),
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Github => print!("{}", fmt::workflow_commands(&eval.findings, label_prefix)),
        Format::Text => {
            let c = &eval.classification;
            println!(
                "shipgate check {}..{}: {} schema, {} code, {} ignored file(s); release kind {}",
                s.base,
                &head[..head.len().min(7)],
                c.schema.len(),
                c.code.len(),
                c.ignored.len(),
                eval.release_kind
            );
            let opts = TextOptions {
                color: color_for_stdout(),
                label_prefix: label_prefix.clone(),
            };
            print!("{}", render_text(&eval.findings, sources, &opts));
            println!("verdict: {} — {}", eval.verdict, report::title(eval));
        }
    }
}
