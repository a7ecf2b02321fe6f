//! `shipgate lint`: lint migration files named on the command line.

use crate::inputs::ConfigError;
use crate::lint::{self, LintOptions};
use crate::model::Finding;
use crate::outcome::Outcome;
use crate::report::{findings as fmt, Format};
use crate::settings::LintSettings;
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};

pub fn run(s: &LintSettings) -> Result<Outcome> {
    let cfg = &s.lint;
    let mut files = Vec::new();
    for p in &s.paths {
        collect_files(p, &mut files)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", p.display())))?;
    }
    let mut findings: Vec<Finding> = Vec::new();
    for path in &files {
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let text = String::from_utf8_lossy(&text);
        let display = path.to_string_lossy().trim_start_matches("./").to_string();
        findings.extend(lint::lint_source(&display, &text, cfg));
    }
    print_findings(&findings, s.format, files.len(), cfg);
    Ok(if findings.iter().any(Finding::blocks) {
        Outcome::Refused
    } else {
        Outcome::Passed
    })
}

fn print_findings(findings: &[Finding], format: Format, files: usize, cfg: &LintOptions) {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&fmt::json(findings)).unwrap_or_default()
        ),
        Format::Github => print!("{}", fmt::workflow_commands(findings)),
        Format::Text => {
            print!("{}", fmt::text(findings));
            let blocking = findings.iter().filter(|f| f.blocks()).count();
            println!(
                "{files} file(s) linted ({}), {} finding(s), {blocking} blocking",
                cfg.dialect.as_str(),
                findings.len()
            );
        }
    }
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
