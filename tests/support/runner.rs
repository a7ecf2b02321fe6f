//! Runs the built binary the way the Actions runner runs a Docker action's entrypoint.

use std::path::{Path, PathBuf};
use std::process::Output;

pub struct ActionRun {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

pub struct Finished {
    pub output: Output,
    pub outputs: String,
    pub summary: String,
}

impl Finished {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    /// The value of a step output written in the heredoc form.
    pub fn output(&self, name: &str) -> Option<String> {
        let mut lines = self.outputs.lines();
        while let Some(line) = lines.next() {
            if let Some(delim) = line.strip_prefix(&format!("{name}<<")) {
                let mut value = Vec::new();
                for l in lines.by_ref() {
                    if l == delim {
                        return Some(value.join("\n"));
                    }
                    value.push(l);
                }
            }
        }
        None
    }
}

impl ActionRun {
    /// A run for `event_name` with `payload` as the event file.
    pub fn new(api_url: &str, repo: &str, event_name: &str, payload: &serde_json::Value) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let event = dir.path().join("event.json");
        std::fs::write(&event, serde_json::to_vec(payload).unwrap()).unwrap();
        std::fs::write(dir.path().join("output"), "").unwrap();
        std::fs::write(dir.path().join("summary"), "").unwrap();
        let env = vec![
            ("GITHUB_ACTIONS", "true".to_string()),
            ("GITHUB_EVENT_NAME", event_name.to_string()),
            ("GITHUB_EVENT_PATH", event.display().to_string()),
            ("GITHUB_REPOSITORY", repo.to_string()),
            ("GITHUB_SHA", format!("{:0>40}", "5e")),
            ("GITHUB_API_URL", api_url.to_string()),
            ("GITHUB_SERVER_URL", "https://github.com".to_string()),
            ("GITHUB_RUN_ID", "4242".to_string()),
            (
                "GITHUB_OUTPUT",
                dir.path().join("output").display().to_string(),
            ),
            (
                "GITHUB_STEP_SUMMARY",
                dir.path().join("summary").display().to_string(),
            ),
            ("INPUT_GITHUB-TOKEN", "ghs_testtoken123".to_string()),
        ];
        ActionRun {
            env: env.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            dir,
        }
    }

    pub fn input(mut self, name: &str, value: &str) -> Self {
        self.env.push((
            format!("INPUT_{}", name.to_ascii_uppercase()),
            value.to_string(),
        ));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    pub fn workspace(self, path: &Path) -> Self {
        let p = path.display().to_string();
        self.env("GITHUB_WORKSPACE", &p)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn run(&self) -> Finished {
        self.run_args(&[])
    }

    pub fn run_args(&self, args: &[&str]) -> Finished {
        // SHIPGATE_BENCH_BIN: another build of the binary, to compare profiles with the gate
        // bench (docs/performance.md).
        let bin = std::env::var_os("SHIPGATE_BENCH_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_shipgate")));
        let mut cmd = std::process::Command::new(bin);
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", self.dir.path());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.args(args);
        let output = cmd.output().expect("run shipgate");
        Finished {
            output,
            outputs: std::fs::read_to_string(self.path("output")).unwrap_or_default(),
            summary: std::fs::read_to_string(self.path("summary")).unwrap_or_default(),
        }
    }
}
