//! The action's inputs: `INPUT_*` variables (as the runner passes them) overlaid by CLI flags,
//! trimmed, with defaults, validated into typed values by an error that names the input.

use crate::secret::Secret;
use std::collections::BTreeMap;

/// Inputs whose values are secrets: masked in the log as soon as they are read.
pub const SECRET_INPUTS: &[&str] = &["github-token", "slack-webhook-url", "slack-bot-token"];

/// A bad input value. Exit code 2; nothing was changed anywhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("input '{input}': {message}")]
pub struct InputError {
    pub input: String,
    pub message: String,
}

impl InputError {
    pub fn new(input: &str, message: impl Into<String>) -> Self {
        InputError {
            input: input.to_string(),
            message: message.into(),
        }
    }
}

/// Raw input values by name (`migration-paths`, ...). Empty values count as unset.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    values: BTreeMap<String, String>,
}

impl Inputs {
    /// Reads every `INPUT_<NAME>` variable; the runner upper-cases names and keeps dashes.
    pub fn from_env() -> Self {
        Self::from_pairs(std::env::vars())
    }

    pub fn from_pairs(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut inputs = Inputs::default();
        for (k, v) in vars {
            if let Some(name) = k.strip_prefix("INPUT_") {
                inputs.set(&name.to_ascii_lowercase().replace('_', "-"), &v);
            }
        }
        inputs
    }

    /// Sets a value (a CLI flag overrides the environment). Blank values unset it.
    pub fn set(&mut self, name: &str, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            self.values.remove(name);
        } else {
            self.values.insert(name.to_string(), v.to_string());
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn get_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name).unwrap_or(default)
    }

    pub fn required(&self, name: &str) -> Result<&str, InputError> {
        self.get(name)
            .ok_or_else(|| InputError::new(name, "is required but was not given"))
    }

    pub fn secret(&self, name: &str) -> Option<Secret> {
        self.get(name).map(Secret::new)
    }

    /// `true`/`false` (also `yes`/`no`, `1`/`0`), any case.
    pub fn bool(&self, name: &str, default: bool) -> Result<bool, InputError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("true" | "yes" | "1" | "on") => Ok(true),
            Some("false" | "no" | "0" | "off") => Ok(false),
            Some(other) => Err(InputError::new(
                name,
                format!("expected true or false, got '{other}'"),
            )),
        }
    }

    /// One of `allowed` (case-insensitive), returned lower-cased.
    pub fn choice(
        &self,
        name: &str,
        default: &str,
        allowed: &[&str],
    ) -> Result<String, InputError> {
        let v = self.get_or(name, default).to_ascii_lowercase();
        if allowed.contains(&v.as_str()) {
            Ok(v)
        } else {
            Err(InputError::new(
                name,
                format!("expected one of {}, got '{v}'", allowed.join(", ")),
            ))
        }
    }

    /// A positive whole number.
    pub fn number(&self, name: &str, default: u64) -> Result<u64, InputError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(InputError::new(
                    name,
                    format!("expected a positive whole number, got '{v}'"),
                )),
            },
        }
    }

    /// Masks every secret input in the runner's log.
    pub fn mask_secrets(&self) {
        for name in SECRET_INPUTS {
            if let Some(v) = self.get(name) {
                crate::runner::mask(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, &str)]) -> Inputs {
        Inputs::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn runner_names_keep_dashes_and_blank_is_unset() {
        let i = inputs(&[
            ("INPUT_MIXED-CHANGES", "  warn \n"),
            ("INPUT_SQL-DIALECT", "   "),
            ("PATH", "/bin"),
        ]);
        assert_eq!(i.get("mixed-changes"), Some("warn"));
        assert_eq!(i.get("sql-dialect"), None);
        assert_eq!(i.get("path"), None);
    }

    #[test]
    fn errors_name_the_input() {
        let i = inputs(&[("INPUT_WAIT", "maybe"), ("INPUT_MIXED-CHANGES", "block")]);
        assert_eq!(
            i.bool("wait", true).unwrap_err().to_string(),
            "input 'wait': expected true or false, got 'maybe'"
        );
        let e = i
            .choice("mixed-changes", "fail", &["fail", "warn", "off"])
            .unwrap_err();
        assert_eq!(e.input, "mixed-changes");
        assert!(i.required("application").is_err());
    }

    #[test]
    fn cli_overrides_env() {
        let mut i = inputs(&[("INPUT_SQL-DIALECT", "mysql")]);
        i.set("sql-dialect", "postgres");
        assert_eq!(i.get("sql-dialect"), Some("postgres"));
        assert_eq!(i.number("timeout-minutes", 60).unwrap(), 60);
    }
}

/// A bad run context (missing `GITHUB_REPOSITORY`, an event the command cannot use, a git ref
/// that does not exist). Exit code 2, like a bad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);
