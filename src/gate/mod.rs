//! The PR gate: classify the change, lint its migrations, apply the separation policy, decide.

pub mod action;
pub mod classify;
pub mod config;
pub mod evaluate;
pub mod local;
pub mod policy;
pub mod tree;
