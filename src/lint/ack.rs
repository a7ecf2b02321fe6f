//! Inline acknowledgements: `-- shipgate:allow SG102 <reason>` / `# shipgate:allow SG102 <reason>`
//! on a statement or the line(s) before it, and `shipgate:allow-file SG102 <reason>` anywhere.

/// One acknowledgement comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub ids: Vec<String>,
    pub reason: String,
    /// Line of the comment.
    pub line: u32,
    /// Line of the code it is about: the same line for a trailing comment, else the next line
    /// that is neither blank nor only a comment.
    pub target: u32,
    pub file_level: bool,
    pub used: bool,
}

impl Ack {
    /// True when the ack covers a finding of `rule` spanning `line..=end_line`.
    pub fn covers(&self, rule: &str, line: u32, end_line: u32) -> bool {
        self.ids.iter().any(|id| id.eq_ignore_ascii_case(rule))
            && (self.file_level
                || (line..=end_line).contains(&self.target)
                || (line..=end_line).contains(&self.line))
    }
}

fn is_comment_only(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty()
        || t.starts_with("--")
        || t.starts_with('#')
        || t.starts_with("/*")
        || t.starts_with('*')
        || t.starts_with("//")
}

/// Finds every ack in `text`.
pub fn parse(text: &str) -> Vec<Ack> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(pos) = l.find("shipgate:allow") else {
            continue;
        };
        let rest = &l[pos + "shipgate:allow".len()..];
        let (file_level, rest) = match rest.strip_prefix("-file") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        // `shipgate:allow-SG102` is the label form; as a comment, accept it too.
        let rest = rest.trim_start_matches('-');
        let mut ids = Vec::new();
        let mut words = rest.split_whitespace().peekable();
        let mut reason_words = Vec::new();
        while let Some(w) = words.next() {
            let parts: Vec<&str> = w.split(',').filter(|p| !p.is_empty()).collect();
            if reason_words.is_empty() && !parts.is_empty() && parts.iter().all(|p| is_rule_id(p)) {
                ids.extend(parts.iter().map(|p| p.to_ascii_uppercase()));
            } else {
                reason_words.push(w);
                reason_words.extend(words.by_ref());
                break;
            }
        }
        if ids.is_empty() {
            continue;
        }
        let reason = reason_words
            .join(" ")
            .trim_end_matches("*/")
            .trim()
            .to_string();
        let code_before = {
            let before = &l[..pos];
            let b = before.trim_end();
            let b = b
                .strip_suffix("--")
                .or_else(|| b.strip_suffix('#'))
                .or_else(|| b.strip_suffix("/*"))
                .unwrap_or(b);
            !b.trim().is_empty()
        };
        let line = i as u32 + 1;
        let target = if code_before {
            line
        } else {
            lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| !is_comment_only(l))
                .map_or(line, |(j, _)| j as u32 + 1)
        };
        out.push(Ack {
            ids,
            reason,
            line,
            target,
            file_level,
            used: false,
        });
    }
    out
}

fn is_rule_id(s: &str) -> bool {
    s.len() == 5
        && s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("SG"))
        && s[2..].chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let a = parse("-- shipgate:allow SG102,SG201 legacy column\n-- more\n\nALTER TABLE t DROP c;\nDROP TABLE x; -- shipgate:allow SG101 gone\n# shipgate:allow-file SG401 small table\n");
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].ids, vec!["SG102", "SG201"]);
        assert_eq!(a[0].reason, "legacy column");
        assert_eq!(a[0].target, 4);
        assert_eq!(a[1].target, 5);
        assert!(a[2].file_level);
        assert!(parse("-- shipgate:allow because").is_empty());
    }
}
