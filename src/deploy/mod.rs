//! The CodeDeploy Blue/Green flow: start, follow, stop/rollback, history.
//!
//! `codedeploy` is the only module that talks to AWS; `revision`, `types` and most of `follow`
//! are plain data and logic.

mod checks;
pub mod codedeploy;
pub mod command;
pub mod config;
mod deployer;
pub mod follow;
pub mod history;
pub mod revision;
pub mod train;
pub mod types;

pub use codedeploy::{ClientOptions, CodeDeploy, CodeDeployError, CreateRequest};
pub use follow::{follow, wait_for_active, EndState, FailureDetail, FollowOptions, Outcome};
pub use revision::{BundleType, Revision, RevisionError};
pub use types::{DeploymentSnapshot, DeploymentStatus, GroupInfo, TargetReport};
