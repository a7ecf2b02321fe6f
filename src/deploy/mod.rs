//! The CodeDeploy Blue/Green flow: what may ship, start, follow, stop/rollback, history, and the
//! reporting of one deploy run. The AWS calls themselves live in [`crate::codedeploy`].

pub mod checks;
pub mod config;
pub mod follow;
pub mod history;
pub mod phase;
pub mod preflight;
pub mod publish;
pub mod range;
pub mod ship;
pub mod train;
pub mod window;

pub use crate::codedeploy::revision::{BundleType, Revision, RevisionError};
pub use crate::codedeploy::types::{DeploymentSnapshot, DeploymentStatus, GroupInfo, TargetReport};
pub use crate::codedeploy::{ClientOptions, CodeDeploy, CodeDeployError, CreateRequest};
pub use follow::{follow, wait_for_active, EndState, FailureDetail, FollowOptions, FollowResult};
