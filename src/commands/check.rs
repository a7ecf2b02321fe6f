//! `shipgate check`: the gate on a local git diff, with no GitHub access.

use crate::gate::change::Change;
use crate::gate::evaluate::{evaluate, Evaluation};
use crate::gate::tree::GitTree;
use crate::git::Repo;
use crate::inputs::ConfigError;
use crate::outcome::Outcome;
use crate::report::{findings as fmt, gate as report, Format};
use crate::runner::Runner;
use crate::settings::CheckSettings;
use anyhow::Result;

pub fn run(s: &CheckSettings, runner: &Runner) -> Result<Outcome> {
    let repo = Repo::new(&s.dir);
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
    let eval = evaluate(&change, &tree, &s.labels, &s.gate);
    print(&eval, s, &head);
    runner.append_summary(&report::markdown(
        &eval,
        &report::ReportLinks {
            commit: Some(head),
            run_url: None,
        },
    ))?;
    Ok(Outcome::from_verdict(eval.verdict))
}

fn print(eval: &Evaluation, s: &CheckSettings, head: &str) {
    match s.format {
        Format::Json => {
            let v = serde_json::json!({
                "verdict": eval.verdict.as_str(),
                "release_kind": eval.release_kind.as_str(),
                "findings": fmt::json(&eval.findings),
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Github => print!("{}", fmt::workflow_commands(&eval.findings)),
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
            print!("{}", fmt::text(&eval.findings));
            println!("verdict: {} — {}", eval.verdict, report::title(eval));
        }
    }
}
