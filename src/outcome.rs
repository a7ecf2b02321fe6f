//! How a command ended. Commands return an [`Outcome`]; only the edge (`app.rs`) turns it into
//! the process's exit code, so nothing below the commands knows exit codes.

/// The end of one command run, after everything it had to say was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The gate passed, the lint found nothing blocking, the deploy succeeded (or there was
    /// nothing to do).
    Passed,
    /// shipgate refused: the gate failed, or a release must not ship.
    Refused,
    /// The deployment (or a step around it) failed.
    Failed,
    /// The deployment failed or was stopped, and the previous revision was restored.
    RolledBack,
    /// Bad input or configuration, found before anything was changed.
    BadInput,
}

impl Outcome {
    pub fn from_verdict(v: crate::model::Verdict) -> Outcome {
        match v {
            crate::model::Verdict::Pass => Outcome::Passed,
            crate::model::Verdict::Fail => Outcome::Refused,
        }
    }
}
