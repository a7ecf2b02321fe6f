//! The GitHub Actions runner contract: the run's context, outputs, job summary and workflow
//! commands. Outside Actions the same calls degrade to plain terminal output.

use crate::model::{CommitSha, RepoName};
use anyhow::{Context as _, Result};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the run happens, from `GITHUB_*` variables or CLI flags.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    pub event_name: Option<String>,
    pub event_path: Option<PathBuf>,
    pub repository: Option<RepoName>,
    pub sha: Option<CommitSha>,
    pub api_url: String,
    pub server_url: String,
    pub run_id: Option<String>,
    pub workspace: Option<PathBuf>,
    pub output_path: Option<PathBuf>,
    pub summary_path: Option<PathBuf>,
}

impl RunContext {
    /// True when running inside a GitHub Actions job.
    pub fn in_actions() -> bool {
        std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
    }

    /// Link to the workflow run, when known.
    pub fn run_url(&self) -> Option<String> {
        let repo = self.repository.as_ref()?;
        let run = self.run_id.as_ref()?;
        Some(format!(
            "{}/{}/actions/runs/{}",
            self.server_url.trim_end_matches('/'),
            repo,
            run
        ))
    }

    /// Link to a commit of this repository, when the repository is known.
    pub fn commit_url(&self, sha: &CommitSha) -> Option<String> {
        let repo = self.repository.as_ref()?;
        Some(format!(
            "{}/{repo}/commit/{sha}",
            self.server_url.trim_end_matches('/')
        ))
    }

    /// The parsed event payload; `Value::Null` when there is none.
    pub fn event(&self) -> Result<serde_json::Value> {
        let Some(path) = &self.event_path else {
            return Ok(serde_json::Value::Null);
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the event payload {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("parsing the event payload {}", path.display()))
    }
}

/// Reads an environment variable, trimmed; empty counts as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Writes outputs, the summary and workflow commands. Every writer appends, as the runner
/// expects several steps to share the files.
#[derive(Debug, Clone, Default)]
pub struct Runner {
    output_path: Option<PathBuf>,
    summary_path: Option<PathBuf>,
}

impl Runner {
    pub fn new(ctx: &RunContext) -> Self {
        Runner {
            output_path: ctx.output_path.clone(),
            summary_path: ctx.summary_path.clone(),
        }
    }

    /// Sets a step output. Uses the heredoc form so multi-line values survive.
    pub fn set_output(&self, name: &str, value: &str) -> Result<()> {
        let Some(path) = &self.output_path else {
            tracing::debug!(name, value, "output (no GITHUB_OUTPUT)");
            return Ok(());
        };
        let delimiter = unique_delimiter(value);
        append(
            path,
            &format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"),
        )
        .context("writing GITHUB_OUTPUT")
    }

    /// Appends markdown to the job summary; prints it when there is no summary file.
    pub fn append_summary(&self, markdown: &str) -> Result<()> {
        match &self.summary_path {
            Some(path) => append(path, markdown).context("writing GITHUB_STEP_SUMMARY"),
            None => Ok(()),
        }
    }

    pub fn has_summary(&self) -> bool {
        self.summary_path.is_some()
    }
}

fn append(path: &Path, text: &str) -> Result<()> {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// A delimiter that does not occur in the value, so a value cannot end the heredoc early.
fn unique_delimiter(value: &str) -> String {
    let mut n: u64 = std::process::id() as u64;
    loop {
        let d = format!("ghadelimiter_{n:x}");
        if !value.contains(&d) {
            return d;
        }
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
    }
}

/// Level of a workflow-command annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotationLevel {
    Notice,
    Warning,
    Error,
}

impl AnnotationLevel {
    fn command(self) -> &'static str {
        match self {
            AnnotationLevel::Notice => "notice",
            AnnotationLevel::Warning => "warning",
            AnnotationLevel::Error => "error",
        }
    }
}

/// Formats `::error file=..,line=..,title=..::message`, escaped as the runner requires.
pub fn annotation_command(
    level: AnnotationLevel,
    file: Option<&str>,
    line: Option<u32>,
    col: Option<u32>,
    title: Option<&str>,
    message: &str,
) -> String {
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", escape_property(f)));
    }
    if let Some(l) = line {
        props.push(format!("line={l}"));
    }
    if let Some(c) = col {
        props.push(format!("col={c}"));
    }
    if let Some(t) = title {
        props.push(format!("title={}", escape_property(t)));
    }
    let props = if props.is_empty() {
        String::new()
    } else {
        format!(" {}", props.join(","))
    };
    format!("::{}{}::{}", level.command(), props, escape_data(message))
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A warning in the job's log and on the run's page (`::warning::`), escaped so untrusted text
/// cannot end the command or start another.
pub fn warning(message: &str) {
    println!(
        "{}",
        annotation_command(AnnotationLevel::Warning, None, None, None, None, message)
    );
}

/// An error annotation with a title (`::error title=..::`), escaped.
pub fn error(title: &str, message: &str) {
    println!(
        "{}",
        annotation_command(
            AnnotationLevel::Error,
            None,
            None,
            None,
            Some(title),
            message
        )
    );
}

/// Prints `::add-mask::` so the runner hides the value in every later log line.
pub fn mask(value: &str) {
    if !value.is_empty() && RunContext::in_actions() {
        println!("::add-mask::{}", escape_data(value));
    }
}

/// Opens a collapsible log group; closed when the guard drops.
pub fn group(title: &str) -> GroupGuard {
    println!("::group::{}", escape_data(title));
    GroupGuard
}

pub struct GroupGuard;

impl Drop for GroupGuard {
    fn drop(&mut self) {
        println!("::endgroup::");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_escapes_properties_and_data() {
        let cmd = annotation_command(
            AnnotationLevel::Error,
            Some("db/migrate/1,a:b.rb"),
            Some(7),
            None,
            Some("SG102: drop"),
            "50% done\nnext",
        );
        assert_eq!(
            cmd,
            "::error file=db/migrate/1%2Ca%3Ab.rb,line=7,title=SG102%3A drop::50%25 done%0Anext"
        );
    }

    #[test]
    fn outputs_use_heredoc_form_and_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let ctx = RunContext {
            output_path: Some(path.clone()),
            ..Default::default()
        };
        let r = Runner::new(&ctx);
        r.set_output("verdict", "pass").unwrap();
        r.set_output("multi", "a\nb").unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("verdict<<ghadelimiter_"));
        assert_eq!(lines[1], "pass");
        assert_eq!(lines[2], &lines[0]["verdict<<".len()..]);
        assert_eq!(&lines[4..6], &["a", "b"]);
    }

    #[test]
    fn delimiter_never_occurs_in_value() {
        let first = unique_delimiter("");
        let d = unique_delimiter(&first);
        assert_ne!(d, first);
    }
}
