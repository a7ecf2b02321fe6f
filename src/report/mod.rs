//! User-facing texts: the gate's markdown (PR comment, job summary, check-run summary),
//! annotations, and the CLI's text / JSON / workflow-command formats.

pub mod deploy;
pub mod findings;
pub mod gate;
pub mod slack;

/// Output format of the CLI's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
}

/// Makes untrusted text safe inside a markdown table cell or line: no table breaks, no
/// `@mentions`, no HTML.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            // A zero-width joiner after `@` keeps GitHub from notifying anyone.
            '@' => out.push_str("@\u{200d}"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tables_mentions_and_html() {
        assert_eq!(
            md_escape("a|b @team <b>\nx"),
            "a\\|b @\u{200d}team &lt;b&gt; x"
        );
    }
}
