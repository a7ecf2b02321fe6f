//! Splits a SQL file into statements with their positions. `parse_sql` fails a whole file on its
//! first error, so statements are cut here (quotes, comments, dollar quotes, `DELIMITER`, routine
//! bodies) and parsed one by one.

/// One statement of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt<'a> {
    /// The statement without its delimiter, starting at its first significant character.
    pub text: &'a str,
    /// Byte offset of `text` in the file.
    pub offset: usize,
    /// 1-based line and column of the first significant character.
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    /// Cut with a custom `DELIMITER` (a routine body usually follows).
    pub custom_delimiter: bool,
}

/// Splits `src`; `mysql` enables `#` comments, backslash escapes and `DELIMITER`.
pub fn split(src: &str, mysql: bool) -> Vec<Stmt<'_>> {
    Splitter::new(src, mysql).run()
}

struct Splitter<'a> {
    src: &'a str,
    b: &'a [u8],
    mysql: bool,
    out: Vec<Stmt<'a>>,
    delimiter: String,
    /// Byte offset where the current statement's text starts (first significant char).
    start: Option<usize>,
    /// Line starts, for offset → line/column.
    line_starts: Vec<usize>,
    /// Leading words of the current statement, upper-cased, to spot routine bodies.
    words: Vec<String>,
    /// BEGIN … END depth inside a routine body written without DELIMITER.
    depth: i32,
}

impl<'a> Splitter<'a> {
    fn new(src: &'a str, mysql: bool) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            src.bytes()
                .enumerate()
                .filter(|(_, c)| *c == b'\n')
                .map(|(i, _)| i + 1),
        );
        Splitter {
            src,
            b: src.as_bytes(),
            mysql,
            out: Vec::new(),
            delimiter: ";".into(),
            start: None,
            line_starts,
            words: Vec::new(),
            depth: 0,
        }
    }

    fn line_col(&self, off: usize) -> (u32, u32) {
        let line = self.line_starts.partition_point(|&s| s <= off);
        let col = off
            - self
                .line_starts
                .get(line.saturating_sub(1))
                .copied()
                .unwrap_or(0);
        (line as u32, col as u32 + 1)
    }

    fn finish(&mut self, end: usize) {
        if let Some(start) = self.start.take() {
            let end = end.max(start);
            let text = self.src.get(start..end).unwrap_or("").trim_end();
            if !text.is_empty() {
                let (line, column) = self.line_col(start);
                let (end_line, _) = self.line_col(start + text.len().saturating_sub(1));
                self.out.push(Stmt {
                    text,
                    offset: start,
                    line,
                    column,
                    end_line,
                    custom_delimiter: self.delimiter != ";",
                });
            }
        }
        self.words.clear();
        self.depth = 0;
    }

    fn at_line_start(&self, i: usize) -> bool {
        let ls = self.line_starts[self
            .line_starts
            .partition_point(|&s| s <= i)
            .saturating_sub(1)];
        self.b[ls..i].iter().all(|c| c.is_ascii_whitespace())
    }

    /// True when the current statement is a routine whose body has BEGIN … END blocks.
    fn in_routine(&self) -> bool {
        self.words.first().is_some_and(|w| w == "CREATE")
            && self
                .words
                .iter()
                .any(|w| matches!(w.as_str(), "PROCEDURE" | "FUNCTION" | "TRIGGER" | "EVENT"))
    }

    fn run(mut self) -> Vec<Stmt<'a>> {
        let b = self.b;
        let n = b.len();
        let mut i = 0;
        while i < n {
            let c = b[i];
            // DELIMITER is a client command: only at the start of a line.
            if self.mysql
                && (c == b'D' || c == b'd')
                && self.start.is_none()
                && self.at_line_start(i)
                && b.len() >= i + 10
                && b[i..i + 9].eq_ignore_ascii_case(b"DELIMITER")
                && b[i + 9].is_ascii_whitespace()
            {
                let eol = b[i..].iter().position(|&c| c == b'\n').map_or(n, |p| i + p);
                let d = self.src.get(i + 9..eol).unwrap_or("").trim();
                if !d.is_empty() {
                    self.delimiter = d.to_string();
                }
                i = eol;
                continue;
            }
            // Comments.
            if c == b'-' && b.get(i + 1) == Some(&b'-') || (self.mysql && c == b'#') {
                i = b[i..].iter().position(|&c| c == b'\n').map_or(n, |p| i + p);
                continue;
            }
            if c == b'/' && b.get(i + 1) == Some(&b'*') {
                // MySQL `/*!40101 ... */` executable comments are real statements.
                let executable = b.get(i + 2) == Some(&b'!');
                if executable && self.start.is_none() {
                    self.start = Some(i);
                }
                i = find(b, i + 2, b"*/").map_or(n, |p| p + 2);
                continue;
            }
            if c.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            if self.start.is_none() {
                self.start = Some(i);
            }
            // Delimiter.
            let d = self.delimiter.clone();
            let d = d.as_bytes();
            let at_delimiter = b.len() >= i + d.len() && b[i..i + d.len()].eq_ignore_ascii_case(d);
            if at_delimiter && !(self.depth > 0 && d == b";") {
                self.finish(i);
                i += d.len();
                continue;
            }
            match c {
                b'\'' | b'"' | b'`' => i = self.skip_quoted(i, c),
                b'$' if !self.mysql => i = self.skip_dollar(i),
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let s = i;
                    while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                        i += 1;
                    }
                    self.word(s, i);
                }
                _ => i += 1,
            }
        }
        self.finish(n);
        self.out
    }

    fn word(&mut self, s: usize, e: usize) {
        let w = self.src.get(s..e).unwrap_or("").to_ascii_uppercase();
        if self.words.len() < 8 {
            self.words.push(w.clone());
        }
        if self.delimiter != ";" || !self.in_routine() {
            return;
        }
        match w.as_str() {
            "BEGIN" => self.depth += 1,
            "END" => {
                // END IF / END LOOP / END WHILE / END REPEAT / END CASE close no BEGIN.
                let rest = self
                    .src
                    .get(e..)
                    .unwrap_or("")
                    .trim_start()
                    .to_ascii_uppercase();
                let closes_other = ["IF", "LOOP", "WHILE", "REPEAT", "CASE"].iter().any(|k| {
                    rest.starts_with(k)
                        && !rest[k.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if !closes_other {
                    self.depth -= 1;
                }
            }
            _ => {}
        }
    }

    fn skip_quoted(&self, i: usize, q: u8) -> usize {
        let b = self.b;
        let mut j = i + 1;
        while j < b.len() {
            if b[j] == b'\\' && self.mysql && q != b'`' {
                j += 2;
                continue;
            }
            if b[j] == q {
                if b.get(j + 1) == Some(&q) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        b.len()
    }

    /// `$tag$ … $tag$`; a lone `$1` parameter is not a quote.
    fn skip_dollar(&self, i: usize) -> usize {
        let b = self.b;
        let mut j = i + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        if j >= b.len() || b[j] != b'$' || b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
            return i + 1;
        }
        let tag = &b[i..=j];
        find(b, j + 1, tag).map_or(b.len(), |p| p + tag.len())
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > hay.len() || needle.is_empty() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_comments_lines() {
        let s = split(
            "-- c;\nSELECT ';'; /* ; */\n  UPDATE t SET a = 'x''y;' WHERE b = \"q;\";\n",
            true,
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "SELECT ';'");
        assert_eq!((s[1].line, s[1].column), (3, 3));
    }

    #[test]
    fn delimiter_blocks() {
        let src = "DELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  ALTER TABLE t DROP c;\n  SELECT 1;\nEND $$\nDELIMITER ;\nCALL p();\n";
        let s = split(src, true);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s[0].custom_delimiter && s[0].text.ends_with("END"));
        assert_eq!(s[1].text, "CALL p()");
        assert_eq!(s[1].line, 8);
    }

    #[test]
    fn routine_without_delimiter() {
        let src = "CREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1; END IF;\n  SELECT 2;\nEND;\nSELECT 3;";
        let s = split(src, true);
        assert_eq!(s.len(), 2, "{s:?}");
    }

    #[test]
    fn dollar_quotes() {
        let s = split("DO $$ BEGIN EXECUTE 'x;'; END $$;\nSELECT $1;", false);
        assert_eq!(s.len(), 2);
    }
}
