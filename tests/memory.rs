//! Peak memory of a create-and-follow deploy beside the gate's, as a test, for a binary built
//! elsewhere (e.g. `cargo build --release`):
//! `SHIPGATE_MEASURE_BIN=target/release/shipgate cargo test --test memory -- --ignored --nocapture`.
//! The same measurement runs as `cargo bench --bench deploy` (target: deploy peak RSS ≤ 14 MiB).

mod codedeploy_sim;
mod measure;
mod support;

#[test]
#[ignore = "a measurement, not a check: run with --ignored --nocapture"]
fn peak_rss_of_deploy_and_gate() {
    // Test-only knob: which build to measure (the release one is what ships).
    let bin = std::env::var("SHIPGATE_MEASURE_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_shipgate").to_string());
    println!("{}", measure::peak_rss_report(&bin));
}
