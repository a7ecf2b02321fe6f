//! The action's image run exactly as the Actions runner runs a Docker action: `docker run
//! --workdir /github/workspace --rm -e NAME ...` with the runner's four mounts
//! (`/github/{home,workflow,file_commands,workspace}`), every input as `INPUT_*`, a
//! pull_request event, and a workspace owned by the runner's uid (1001), not root. The gate runs
//! against the simulated GitHub, reading the workspace's git history without a git CLI.
//!
//! The image tests are ignored unless `SHIPGATE_IMAGE` names a built image (`.ci/image.sh`
//! builds one with podman and runs them); `SHIPGATE_CONTAINER_ENGINE` (default `podman`) and
//! `SHIPGATE_CONTAINER_ARGS` (extra `run` arguments, space-separated) say how to start it. The
//! same scenario also runs on every `cargo test`, with the built binary and no git on PATH.

mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use support::github::{fixture, GitHubSim, PrSpec};
use support::runner::ActionRun;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// The runner's uid on GitHub-hosted runners: it owns the checked-out workspace.
const RUNNER_UID: u32 = 1001;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        // The test itself reads the workspace after giving it to the runner's uid.
        .args(["-c", "safe.directory=*"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The checked-out PR: an origin with a base commit and the PR's commit, cloned (so its objects
/// arrive in a pack, as `actions/checkout` fetches them) and detached at the PR head.
struct Checkout {
    _origin: tempfile::TempDir,
    base: String,
    head: String,
}

/// Three things only the base branch's files tell: an applied migration edited (SG002), a new
/// migration older than the newest on the base (SG003), and schema mixed with code (SG001).
fn checkout(workspace: &Path) -> Checkout {
    let origin = tempfile::tempdir().unwrap();
    let o = origin.path();
    git(o, &["init", "-q"]);
    write(
        o,
        "db/migrate/20240101000000_create_users.rb",
        "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users do |t|\n      t.string :name\n    end\n  end\nend\n",
    );
    write(
        o,
        "db/migrate/20240301000000_add_email.rb",
        "class AddEmail < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :email, :string\n  end\nend\n",
    );
    write(
        o,
        "app/models/user.rb",
        "class User < ApplicationRecord\nend\n",
    );
    git(o, &["add", "-A"]);
    git(o, &["commit", "-q", "-m", "base"]);
    let base = git(o, &["rev-parse", "HEAD"]);
    git(o, &["checkout", "-q", "-b", "feature"]);
    write(
        o,
        "db/migrate/20240101000000_create_users.rb",
        "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users do |t|\n      t.string :name\n      t.string :nickname\n    end\n  end\nend\n",
    );
    write(
        o,
        "db/migrate/20240201000000_add_nickname.rb",
        "class AddNickname < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :nickname, :string\n  end\nend\n",
    );
    write(
        o,
        "app/models/user.rb",
        "class User < ApplicationRecord\n  validates :nickname, presence: true\nend\n",
    );
    git(o, &["add", "-A"]);
    git(o, &["commit", "-q", "-m", "feature"]);
    let head = git(o, &["rev-parse", "HEAD"]);
    git(o, &["checkout", "-q", "main"]);
    let url = format!("file://{}", o.display());
    git(
        workspace.parent().unwrap(),
        &[
            "clone",
            "-q",
            "--no-checkout",
            &url,
            workspace.file_name().unwrap().to_str().unwrap(),
        ],
    );
    git(workspace, &["fetch", "-q", "origin", "feature"]);
    git(workspace, &["checkout", "-q", "--detach", &head]);
    Checkout {
        _origin: origin,
        base,
        head,
    }
}

fn pr_spec(c: &Checkout) -> PrSpec {
    let mut spec = PrSpec::new(
        31,
        &[
            ("db/migrate/20240101000000_create_users.rb", "modified"),
            ("db/migrate/20240201000000_add_nickname.rb", "added"),
            ("app/models/user.rb", "modified"),
        ],
    );
    spec.head_sha = c.head.clone();
    spec.base_sha = c.base.clone();
    spec
}

fn pr_event(pr: &Value) -> Value {
    let mut e = fixture("event-pull_request-opened.json");
    e["number"] = pr["number"].clone();
    e["pull_request"] = pr.clone();
    e
}

/// The rule ids of the check run's annotations.
fn annotated_rules(sim: &GitHubSim) -> Vec<String> {
    let runs = sim.check_runs();
    assert_eq!(runs.len(), 1, "one check run");
    let mut ids: Vec<String> = runs[0]["output"]["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .filter_map(|t| t.split(|c: char| c == ':' || c.is_whitespace()).next())
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// What both runs must show: the findings that need the base branch's files, read from the
/// workspace's git objects, with no contents API request.
fn assert_gate_read_the_workspace(sim: &GitHubSim, head: &str, summary: &str) {
    let rules = annotated_rules(sim);
    for id in ["SG001", "SG002", "SG003"] {
        assert!(rules.iter().any(|r| r == id), "{id} missing: {rules:?}");
    }
    let contents: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path.contains("/contents/"))
        .map(|r| format!("{}?{}", r.path, r.query))
        .collect();
    assert!(
        contents.is_empty(),
        "base and head files come from the workspace: {contents:?}"
    );
    assert!(
        summary.contains("❌ shipgate: Not safe to deploy"),
        "{summary}"
    );
    assert_eq!(sim.check_runs()[0]["head_sha"], json!(head));
    sim.assert_no_unexpected();
    sim.assert_writes_match_schemas();
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_without_a_git_cli_reads_the_workspace_history() {
    let sim = GitHubSim::start().await;
    let root = tempfile::tempdir().unwrap();
    let ws = root.path().join("shop");
    std::fs::create_dir(&ws).unwrap();
    let c = checkout(&ws);
    let pr = sim.add_pr(&pr_spec(&c));
    let no_git = tempfile::tempdir().unwrap();
    let run = ActionRun::new(&sim.url(), &sim.full_name(), "pull_request", &pr_event(&pr))
        .workspace(&ws)
        .env("GITHUB_SHA", &c.head)
        .env("PATH", &no_git.path().display().to_string());
    let done = tokio::task::block_in_place(|| run.run());
    assert_eq!(done.code(), 1, "{}\n{}", done.stdout(), done.stderr());
    assert_eq!(done.output("verdict").as_deref(), Some("fail"));
    assert_gate_read_the_workspace(&sim, &c.head, &done.summary);

    // `check` needs the git CLI for its diff, and says so.
    let check = tokio::task::block_in_place(|| {
        run.run_args(&["check", "--dir", &ws.display().to_string()])
    });
    assert_ne!(check.code(), 0);
    assert!(
        check.stderr().contains("git is not installed"),
        "{}",
        check.stderr()
    );
}

// --- The image, as the runner runs it ---

struct Engine {
    program: String,
    args: Vec<String>,
    image: String,
}

fn engine() -> Engine {
    let image = std::env::var("SHIPGATE_IMAGE")
        .expect("SHIPGATE_IMAGE names the image to test (.ci/image.sh sets it)");
    Engine {
        program: std::env::var("SHIPGATE_CONTAINER_ENGINE").unwrap_or_else(|_| "podman".into()),
        args: std::env::var("SHIPGATE_CONTAINER_ARGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        image,
    }
}

/// The runner's folders on the host: `_temp/_github_home`, `_temp/_github_workflow`,
/// `_temp/_runner_file_commands` and the workspace `<repo>/<repo>`.
struct RunnerHost {
    root: tempfile::TempDir,
    id: String,
}

impl RunnerHost {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        for d in [
            "_temp/_github_home",
            "_temp/_github_workflow",
            "_temp/_runner_file_commands",
            "shop/shop",
        ] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        let host = RunnerHost {
            root,
            id: "6f8c1e52-8d8b-4a3e-9a26-2f0e6d3c1b7a".into(),
        };
        for f in [
            "set_output",
            "step_summary",
            "set_env",
            "add_path",
            "save_state",
        ] {
            std::fs::write(host.file_command(f), "").unwrap();
        }
        host
    }

    fn path(&self, p: &str) -> PathBuf {
        self.root.path().join(p)
    }

    fn workspace(&self) -> PathBuf {
        self.path("shop/shop")
    }

    fn file_command(&self, name: &str) -> PathBuf {
        self.path(&format!("_temp/_runner_file_commands/{name}_{}", self.id))
    }

    /// Gives the workspace to the runner's uid, as on a hosted runner (root only).
    fn chown_workspace(&self) {
        if unsafe_is_root() {
            let status = Command::new("chown")
                .args(["-R", &format!("{RUNNER_UID}:{RUNNER_UID}")])
                .arg(self.workspace())
                .status()
                .unwrap();
            assert!(status.success());
        }
    }

    /// The runner's environment for the step, as the container sees it.
    fn env(&self, api_url: &str, head: &str, event: &str) -> Vec<(String, String)> {
        let fc = |n: &str| format!("/github/file_commands/{n}_{}", self.id);
        let temp = self.path("_temp").display().to_string();
        let mut env: Vec<(String, String)> = action_inputs()
            .into_iter()
            .map(|(k, v)| (format!("INPUT_{}", k.to_ascii_uppercase()), v))
            .collect();
        env.retain(|(k, _)| k != "INPUT_GITHUB-TOKEN");
        env.push(("INPUT_GITHUB-TOKEN".into(), "ghs_imagetoken42".into()));
        let fixed = [
            ("HOME", "/github/home".to_string()),
            ("GITHUB_JOB", "gate".into()),
            ("GITHUB_REF", "refs/pull/31/merge".into()),
            ("GITHUB_SHA", head.into()),
            ("GITHUB_REPOSITORY", "octo-org/shop".into()),
            ("GITHUB_REPOSITORY_OWNER", "octo-org".into()),
            ("GITHUB_RUN_ID", "4242".into()),
            ("GITHUB_RUN_NUMBER", "7".into()),
            ("GITHUB_RETENTION_DAYS", "90".into()),
            ("GITHUB_RUN_ATTEMPT", "1".into()),
            ("GITHUB_ACTOR", "octocat".into()),
            ("GITHUB_TRIGGERING_ACTOR", "octocat".into()),
            ("GITHUB_WORKFLOW", "ci".into()),
            ("GITHUB_HEAD_REF", "feature".into()),
            ("GITHUB_BASE_REF", "main".into()),
            ("GITHUB_EVENT_NAME", event.into()),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_API_URL", api_url.into()),
            ("GITHUB_GRAPHQL_URL", format!("{api_url}/graphql")),
            ("GITHUB_REF_NAME", "31/merge".into()),
            ("GITHUB_REF_PROTECTED", "false".into()),
            ("GITHUB_REF_TYPE", "branch".into()),
            ("GITHUB_WORKSPACE", "/github/workspace".into()),
            ("GITHUB_ACTION", "__run".into()),
            ("GITHUB_EVENT_PATH", "/github/workflow/event.json".into()),
            ("GITHUB_ACTION_REPOSITORY", "".into()),
            ("GITHUB_ACTION_REF", "".into()),
            ("GITHUB_PATH", fc("add_path")),
            ("GITHUB_ENV", fc("set_env")),
            ("GITHUB_STEP_SUMMARY", fc("step_summary")),
            ("GITHUB_STATE", fc("save_state")),
            ("GITHUB_OUTPUT", fc("set_output")),
            ("RUNNER_OS", "Linux".into()),
            ("RUNNER_ARCH", "X64".into()),
            ("RUNNER_NAME", "GitHub Actions 2".into()),
            ("RUNNER_ENVIRONMENT", "github-hosted".into()),
            ("RUNNER_TOOL_CACHE", "/opt/hostedtoolcache".into()),
            ("RUNNER_TEMP", temp),
            ("RUNNER_WORKSPACE", self.path("shop").display().to_string()),
            (
                "ACTIONS_RUNTIME_URL",
                "https://pipelines.actions.example/".into(),
            ),
            ("ACTIONS_RUNTIME_TOKEN", "runtime-token".into()),
            (
                "ACTIONS_CACHE_URL",
                "https://artifactcache.actions.example/".into(),
            ),
            (
                "ACTIONS_RESULTS_URL",
                "https://results.actions.example/".into(),
            ),
            ("GITHUB_ACTIONS", "true".into()),
            ("CI", "true".into()),
        ];
        env.extend(fixed.into_iter().map(|(k, v)| (k.to_string(), v)));
        env
    }

    /// `docker run` as the runner builds it for a Docker action with no `args`: the values
    /// travel in the engine's own environment and each `-e NAME` passes one through.
    fn run(
        &self,
        engine: &Engine,
        env: &[(String, String)],
        extra: &[&str],
        args: &[&str],
    ) -> Output {
        let mut cmd = Command::new(&engine.program);
        cmd.arg("run").args(&engine.args);
        cmd.args(["--name", &format!("shipgate-e2e-{}", std::process::id())]);
        cmd.args(["--label", "e2e-shipgate"]);
        cmd.args([
            "--workdir",
            "/github/workspace",
            "--rm",
            "--network",
            "host",
        ]);
        for (k, v) in env {
            cmd.arg("-e").arg(k);
            cmd.env(k, v);
        }
        let mount = |host: PathBuf, inside: &str| format!("{}:{inside}", host.display());
        cmd.arg("-v")
            .arg(mount(self.path("_temp/_github_home"), "/github/home"));
        cmd.arg("-v").arg(mount(
            self.path("_temp/_github_workflow"),
            "/github/workflow",
        ));
        cmd.arg("-v").arg(mount(
            self.path("_temp/_runner_file_commands"),
            "/github/file_commands",
        ));
        cmd.arg("-v")
            .arg(mount(self.workspace(), "/github/workspace"));
        cmd.args(extra);
        cmd.arg(&engine.image).args(args);
        cmd.output().expect("start the container engine")
    }
}

fn unsafe_is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// action.yml's inputs with their defaults, as the runner passes them when a workflow sets none
/// (`${{ github.token }}` stands for the token).
fn action_inputs() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    let mut name: Option<String> = None;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line.trim_end() == "inputs:";
            continue;
        }
        if !inside {
            continue;
        }
        if line.starts_with("  ") && !line.starts_with("   ") {
            name = line.trim().strip_suffix(':').map(str::to_string);
        } else if let (Some(n), Some(v)) = (&name, line.trim().strip_prefix("default:")) {
            let v = v.trim().trim_matches('"').to_string();
            out.push((n.clone(), v));
        }
    }
    assert!(out.len() > 10, "inputs parsed from action.yml: {out:?}");
    out
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs SHIPGATE_IMAGE (.ci/image.sh)"]
async fn image_gates_a_pull_request_as_the_runner_runs_it() {
    let engine = engine();
    let sim = GitHubSim::start().await;
    let host = RunnerHost::new();
    let c = checkout(&host.workspace());
    host.chown_workspace();
    let pr = sim.add_pr(&pr_spec(&c));
    std::fs::write(
        host.path("_temp/_github_workflow/event.json"),
        serde_json::to_vec(&pr_event(&pr)).unwrap(),
    )
    .unwrap();
    let env = host.env(&sim.url(), &c.head, "pull_request");
    let out = tokio::task::block_in_place(|| host.run(&engine, &env, &[], &[]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    let outputs = std::fs::read_to_string(host.file_command("set_output")).unwrap();
    let output = |name: &str| {
        let mut lines = outputs.lines();
        while let Some(l) = lines.next() {
            if let Some(delim) = l.strip_prefix(&format!("{name}<<")) {
                let v: Vec<&str> = lines.by_ref().take_while(|x| *x != delim).collect();
                return Some(v.join("\n"));
            }
        }
        None
    };
    assert_eq!(output("verdict").as_deref(), Some("fail"), "{outputs}");
    assert_eq!(
        output("release-kind").as_deref(),
        Some("mixed"),
        "{outputs}"
    );
    let findings: u32 = output("findings").unwrap().parse().unwrap();
    assert!(findings >= 2, "{outputs}");
    let summary = std::fs::read_to_string(host.file_command("step_summary")).unwrap();
    assert_gate_read_the_workspace(&sim, &c.head, &summary);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::add-mask::ghs_imagetoken42"),
        "{}",
        text(&out)
    );
    assert!(stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .all(|l| !l.contains("ghs_imagetoken42")));

    // The workspace stays the runner's: the container read it and wrote nothing there.
    let status = git(&host.workspace(), &["status", "--porcelain"]);
    assert_eq!(status, "", "the workspace is untouched");

    // `check` in the image names the missing git CLI instead of a bad revision.
    let out = tokio::task::block_in_place(|| host.run(&engine, &env, &[], &["check"]));
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("git is not installed"),
        "{}",
        text(&out)
    );
}

#[test]
#[ignore = "needs SHIPGATE_IMAGE (.ci/image.sh)"]
fn image_holds_the_binary_its_libraries_and_ca_certificates_and_no_shell() {
    let engine = engine();
    let name = format!("shipgate-files-{}", std::process::id());
    let created = Command::new(&engine.program)
        .args(["create", "--name", &name, &engine.image])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", text(&created));
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("rootfs.tar");
    let exported = Command::new(&engine.program)
        .args(["export", "-o", tar.to_str().unwrap(), &name])
        .output()
        .unwrap();
    let _ = Command::new(&engine.program)
        .args(["rm", "-f", &name])
        .output();
    assert!(exported.status.success(), "{}", text(&exported));
    let listing = Command::new("tar").arg("-tf").arg(&tar).output().unwrap();
    let files: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|l| l.trim_start_matches("./").trim_end_matches('/').to_string())
        .collect();
    for wanted in [
        "usr/local/bin/shipgate",
        "etc/ssl/certs/ca-certificates.crt",
        "etc/nsswitch.conf",
        "etc/passwd",
    ] {
        assert!(
            files.iter().any(|f| f == wanted),
            "{wanted} missing: {files:?}"
        );
    }
    assert!(
        files.iter().any(|f| f.contains("libc.so")),
        "glibc missing: {files:?}"
    );
    for absent in [
        "bin/sh",
        "usr/bin/sh",
        "bin/bash",
        "usr/bin/git",
        "usr/bin/apt",
    ] {
        assert!(
            !files.iter().any(|f| f == absent),
            "{absent} is in the image"
        );
    }
    let bundle = Command::new("tar")
        .arg("-xOf")
        .arg(&tar)
        .arg("etc/ssl/certs/ca-certificates.crt")
        .output()
        .unwrap();
    let certs = String::from_utf8_lossy(&bundle.stdout)
        .matches("BEGIN CERTIFICATE")
        .count();
    assert!(certs > 100, "the CA bundle has {certs} certificates");

    let inspect = Command::new(&engine.program)
        .args(["image", "inspect", &engine.image])
        .output()
        .unwrap();
    let config: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let config = &config[0]["Config"];
    assert_eq!(config["Entrypoint"], json!(["/usr/local/bin/shipgate"]));
    assert!(
        config["User"].as_str().unwrap_or("").is_empty(),
        "Docker actions run as root"
    );
}

/// An HTTPS stand-in for GitHub with a throwaway CA: answers 404 to every request. Returns its
/// port and the CA's PEM.
async fn https_404() -> (u16, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let chain = vec![CertificateDer::from(cert.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 16384];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"message":"Not Found"}"#;
                let response = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, cert.cert.pem())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs SHIPGATE_IMAGE (.ci/image.sh)"]
async fn image_trusts_the_ca_bundle_at_the_standard_path() {
    let engine = engine();
    let (port, ca) = https_404().await;
    let host = RunnerHost::new();
    let ca_file = host.path("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let args = [
        "gate",
        "--repo",
        "octo/shop",
        "--pull-request",
        "1",
        "--api-url",
        &format!("https://localhost:{port}"),
        "--github-token",
        "ghs_tls_image",
    ];
    // The throwaway CA mounted where the image keeps Debian's bundle: the handshake succeeds,
    // so the binary in the image reads that file (and resolves localhost through /etc/hosts).
    let mount = format!(
        "{}:/etc/ssl/certs/ca-certificates.crt:ro",
        ca_file.display()
    );
    let trusted = tokio::task::block_in_place(|| host.run(&engine, &[], &["-v", &mount], &args));
    let stderr = String::from_utf8_lossy(&trusted.stderr);
    assert!(stderr.contains("GitHub answered 404"), "{}", text(&trusted));
    // With the image's own bundle, the throwaway CA is unknown: the connection fails.
    let untrusted = tokio::task::block_in_place(|| host.run(&engine, &[], &[], &args));
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert!(
        !stderr.contains("GitHub answered 404"),
        "{}",
        text(&untrusted)
    );
    assert!(!stderr.contains("ghs_tls_image"));
}
