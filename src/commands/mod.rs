//! One file per command, named as the command. Each takes its typed settings and the ports it
//! needs, publishes what it has to say, and returns an [`Outcome`](crate::outcome::Outcome).

pub mod check;
pub mod deploy;
pub mod gate;
pub mod lint;
pub mod release;
pub mod resume;
pub mod rollback;
pub mod rules;
