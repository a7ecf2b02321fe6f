//! `shipgate lint`: lint migration files named on the command line.

use crate::inputs::ConfigError;
use crate::lint::{self, run::LintReport, run::RunOptions};
use crate::outcome::Outcome;
use crate::report::{findings as fmt, sarif, text, Format};
use crate::settings::LintSettings;
use anyhow::Result;
use std::path::{Path, PathBuf};

pub fn run(s: &LintSettings) -> Result<Outcome> {
    let mut options = s.lint.clone();
    let mut dialect_given = s.dialect_explicit;
    if !s.dialect_explicit {
        let root = project_root(&s.paths);
        let d = lint::detect::detect_dir(&root);
        options.dialect = d.dialect;
        dialect_given = d.detected;
        // stderr: the JSON and SARIF formats own stdout.
        eprintln!("shipgate: {}", crate::gate::config::dialect_line(&d));
    }
    let opts = RunOptions {
        paths: s.paths.clone(),
        lint: options,
        dialect_given,
        schema: s.schema.clone(),
        classifier: s.classifier.clone(),
    };
    let report = lint::run::run(&opts).map_err(|e| ConfigError(e.to_string()))?;
    print_report(&report, s);
    super::write_sarif_file(s.sarif_file.as_deref(), &report.findings, &s.label_prefix)?;
    Ok(if report.blocking() > 0 {
        Outcome::Refused
    } else {
        Outcome::Passed
    })
}

fn print_report(report: &LintReport, s: &LintSettings) {
    let findings = &report.findings;
    let label_prefix = &s.label_prefix;
    match s.format {
        Format::Sarif => print!(
            "{}",
            sarif::sarif_text(findings, &lint::registry(), label_prefix)
        ),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&fmt::json(findings)).unwrap_or_default()
        ),
        Format::Github => print!("{}", fmt::workflow_commands(findings, label_prefix)),
        Format::Text => {
            let opts = text::TextOptions {
                color: text::color_for_stdout(),
                label_prefix: label_prefix.clone(),
            };
            // The snippets come from the files as linted (display paths are as given); a file
            // that is not text shows no snippet, so its bytes never reach the terminal.
            let sources = |p: &str| {
                std::fs::read(p)
                    .ok()
                    .filter(|b| !b.contains(&0))
                    .and_then(|b| String::from_utf8(b).ok())
            };
            print!("{}", text::render_text(findings, &sources, &opts));
            if s.verbose {
                for sk in &report.skipped {
                    println!("skipped {} ({})", sk.path, sk.reason.as_str());
                }
            }
            println!("{}", report.summary());
            println!("{}", report.findings_line());
        }
    }
    if s.format != Format::Text {
        eprintln!("{}", report.summary());
    }
}

/// The project the linted paths belong to: the nearest folder above the first path that holds
/// a file telling the dialect, else the current folder.
fn project_root(paths: &[PathBuf]) -> PathBuf {
    const MARKERS: &[&str] = &[
        "config/database.yml",
        "db/schema.rb",
        "db/structure.sql",
        "Gemfile.lock",
        "alembic.ini",
        "manage.py",
    ];
    let start = paths
        .first()
        .and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| {
            if p.is_dir() {
                p
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or(p)
            }
        });
    if let Some(start) = start {
        for dir in start.ancestors() {
            if MARKERS.iter().any(|m| dir.join(m).is_file()) {
                return dir.to_path_buf();
            }
        }
    }
    PathBuf::from(".")
}
