//! The CodeDeploy Blue/Green flow: start, follow, stop/rollback, history.

pub mod command;
