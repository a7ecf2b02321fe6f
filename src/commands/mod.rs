//! One file per command, named as the command. Each takes its typed settings and the ports it
//! needs, publishes what it has to say, and returns an [`Outcome`](crate::outcome::Outcome).

pub mod check;
pub mod deploy;
pub mod gate;
pub mod lint;
pub mod release;
pub mod resume;
pub mod rollback;
pub mod rules;

use crate::inputs::ConfigError;
use crate::model::Finding;
use std::path::Path;

/// The `sarif-file` input: also write the findings there as SARIF 2.1.0 (for
/// `github/codeql-action/upload-sarif`); a path that cannot be written is a configuration error.
pub fn write_sarif_file(
    path: Option<&Path>,
    findings: &[Finding],
    label_prefix: &str,
) -> anyhow::Result<()> {
    if let Some(path) = path {
        crate::report::sarif::write(path, findings, &crate::lint::registry(), label_prefix)
            .map_err(|e| {
                ConfigError(format!(
                    "sarif-file: cannot write '{}': {e}",
                    path.display()
                ))
            })?;
    }
    Ok(())
}
