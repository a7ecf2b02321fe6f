//! `shipgate lint`: lint migration files named on the command line.

use crate::inputs::ConfigError;
use crate::lint;
use crate::model::Finding;
use crate::outcome::Outcome;
use crate::report::{findings as fmt, sarif, text, Format};
use crate::settings::LintSettings;
use anyhow::{Context as _, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub fn run(s: &LintSettings) -> Result<Outcome> {
    let mut options = s.lint.clone();
    if !s.dialect_explicit {
        let root = project_root(&s.paths);
        let d = lint::detect::detect_dir(&root);
        options.dialect = d.dialect;
        // stderr: the JSON and SARIF formats own stdout.
        eprintln!("shipgate: {}", crate::gate::config::dialect_line(&d));
    }
    let cfg = &options;
    let mut files = Vec::new();
    for p in &s.paths {
        collect_files(p, &mut files)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", p.display())))?;
    }
    let mut findings: Vec<Finding> = Vec::new();
    // The texts read once, kept for the snippets of the text output.
    let mut sources: HashMap<String, String> = HashMap::new();
    for path in &files {
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let text = String::from_utf8_lossy(&text).into_owned();
        let display = path.to_string_lossy().trim_start_matches("./").to_string();
        findings.extend(lint::lint_source(&display, &text, cfg));
        sources.insert(display, text);
    }
    print_findings(&findings, s, files.len(), &|p: &str| {
        sources.get(p).cloned()
    });
    super::write_sarif_file(s.sarif_file.as_deref(), &findings, &s.label_prefix)?;
    Ok(if findings.iter().any(Finding::blocks) {
        Outcome::Refused
    } else {
        Outcome::Passed
    })
}

fn print_findings(
    findings: &[Finding],
    s: &LintSettings,
    files: usize,
    sources: &dyn Fn(&str) -> Option<String>,
) {
    let cfg = &s.lint;
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
            print!("{}", text::render_text(findings, sources, &opts));
            let blocking = findings.iter().filter(|f| f.blocks()).count();
            println!(
                "{files} file(s) linted ({}), {} finding(s), {blocking} blocking",
                cfg.dialect.as_str(),
                findings.len()
            );
        }
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

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            collect_files(&e, out)?;
        }
    } else {
        std::fs::metadata(path)?;
        out.push(path.to_path_buf());
    }
    Ok(())
}
