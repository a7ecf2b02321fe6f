//! Benchmark of the gate on a 3,000-file PR with the GitHub API served locally: the whole
//! binary run as the runner runs it, the in-process evaluation alone, the binary's start time
//! and size. Prints one line per measurement; `docs/performance.md` records the numbers.
//!
//! Run: `cargo bench --bench gate`

#[path = "../tests/support/mod.rs"]
mod support;

use shipgate::gate::config::GateConfig;
use shipgate::gate::evaluate::evaluate;
use shipgate::inputs::Inputs;
use shipgate::lint::SourceTree;
use shipgate::model::{ChangedFile, FileStatus};
use std::time::{Duration, Instant};
use support::github::{GitHubSim, PrSpec};
use support::runner::ActionRun;

const FILES: usize = 3000;
const MIGRATIONS: usize = 40;

fn migration(i: usize) -> String {
    format!("db/migrate/2024010100{i:04}_change_{i}.rb")
}

fn migration_text(i: usize) -> String {
    format!(
        "class Change{i} < ActiveRecord::Migration[7.1]\n  def change\n    add_column :t{i}, :c{i}, :string\n    add_index :t{i}, :c{i}\n  end\nend\n"
    )
}

struct MapTree;

impl SourceTree for MapTree {
    fn head_file(&self, path: &str) -> Option<String> {
        let i: usize = path.split('_').nth(2)?.parse().ok()?;
        Some(migration_text(i))
    }
    fn base_file(&self, _path: &str) -> Option<String> {
        None
    }
    fn head_paths(&self, _prefix: &str) -> Vec<String> {
        Vec::new()
    }
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn max_rss_children_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let files: Vec<(String, &str)> = (0..FILES)
        .map(|i| {
            if i < MIGRATIONS {
                (migration(i), "added")
            } else {
                (format!("app/models/model_{i}.rb"), "modified")
            }
        })
        .collect();

    // 1. In-process evaluation (classification, policy, lint) of 3,000 files.
    let changed: Vec<ChangedFile> = files
        .iter()
        .map(|(p, _)| ChangedFile::new(p.clone(), FileStatus::Modified))
        .collect();
    let cfg = GateConfig::from_inputs(&Inputs::default()).expect("defaults");
    let mut times = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let eval = evaluate(
            &shipgate::gate::change::Change::complete(changed.clone()),
            &MapTree,
            &[],
            &cfg,
        );
        times.push(t.elapsed());
        assert_eq!(eval.classification.total(), FILES);
    }
    println!(
        "evaluate 3000 files ({MIGRATIONS} migrations): median {:.2?}, p90 {:.2?}",
        percentile(times.clone(), 0.5),
        percentile(times, 0.9)
    );

    // 2. The binary end to end against the simulated GitHub (30 pages of files, contents API).
    let sim = rt.block_on(GitHubSim::start());
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let spec = PrSpec::new(77, &refs);
    let pr = sim.add_pr(&spec);
    for i in 0..MIGRATIONS {
        sim.set_content(&spec.head_sha, &migration(i), &migration_text(i));
    }
    let mut event = support::github::fixture("event-pull_request-opened.json");
    event["number"] = pr["number"].clone();
    event["pull_request"] = pr;
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &event);
    let mut times = Vec::new();
    let mut requests = 0;
    for _ in 0..10 {
        let before = sim.requests().len();
        let t = Instant::now();
        let done = run.run();
        times.push(t.elapsed());
        assert_eq!(done.code(), 1, "{}", done.stderr());
        requests = sim.requests().len() - before;
    }
    println!(
        "gate binary, 3000-file PR, local API: median {:.2?}, p90 {:.2?}, {requests} API requests per run, peak RSS {} KiB",
        percentile(times.clone(), 0.5),
        percentile(times, 0.9),
        max_rss_children_kib()
    );

    // 3. Start time and size.
    let bin = std::env::var("SHIPGATE_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_shipgate").to_string());
    let bin = bin.as_str();
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let out = std::process::Command::new(bin)
            .arg("--version")
            .output()
            .expect("run");
        times.push(t.elapsed());
        assert!(out.status.success());
    }
    let size = std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0);
    println!(
        "start (shipgate --version): median {:.2?}; binary {bin}: {:.1} MiB",
        percentile(times, 0.5),
        size as f64 / 1048576.0
    );
}
