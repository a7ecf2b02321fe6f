//! The PR gate: read the change, classify it, lint its migrations, apply the separation policy,
//! decide.

pub mod change;
pub mod classify;
pub mod config;
pub mod evaluate;
pub mod policy;
pub mod tree;

/// The name of the check run the gate publishes and the deploy looks for.
pub const CHECK_NAME: &str = "shipgate";
