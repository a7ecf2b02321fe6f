//! The PR gate: read the change, classify it, lint its migrations, apply the separation policy,
//! decide.

pub mod change;
/// File classification lives below the gate (the lint's file discovery uses it too).
pub use crate::classify;
pub mod config;
pub mod evaluate;
pub mod policy;
pub mod tree;

/// The name of the check run the gate publishes and the deploy looks for.
pub const CHECK_NAME: &str = "shipgate";
