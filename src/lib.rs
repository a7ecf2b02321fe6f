//! shipgate: a zero-downtime release gate and CodeDeploy Blue/Green deployer.
//!
//! The binary (`main.rs`) is thin; everything lives here so integration tests can reach it.

pub mod deploy;
pub mod lint;
pub mod model;
pub mod slack;
