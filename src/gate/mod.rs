//! The PR gate: classify the change, lint its migrations, apply the separation policy, decide.

pub mod classify;
pub mod policy;
