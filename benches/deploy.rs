//! Peak memory of a create-and-follow deploy, side by side with the gate's (the measurement is
//! `tests/measure/mod.rs`).
//!
//! Run: `cargo bench --bench deploy` (target: deploy peak RSS ≤ 14 MiB).

#[path = "../tests/codedeploy_sim/mod.rs"]
mod codedeploy_sim;
#[path = "../tests/measure/mod.rs"]
mod measure;
#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    println!(
        "{}",
        measure::peak_rss_report(env!("CARGO_BIN_EXE_shipgate"))
    );
}
