//! shipgate: a zero-downtime release gate and CodeDeploy Blue/Green deployer.
//!
//! The binary (`main.rs`) is thin; everything lives here so integration tests can reach it.

pub mod app;
pub mod channels;
pub mod classify;
pub mod cli;
pub mod codedeploy;
pub mod commands;
pub mod deploy;
pub mod gate;
pub mod git;
pub mod github;
pub mod inputs;
pub mod lint;
pub mod model;
pub mod outcome;
pub mod report;
pub mod retry;
pub mod runner;
pub mod secret;
pub mod settings;
pub mod slack;
