//! Test support: the simulated GitHub and Slack, and helpers to run the built binary as the runner does.
#![allow(dead_code)]

pub mod github;
pub mod runner;
pub mod slack;
