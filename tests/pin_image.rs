//! scripts/pin-image.sh, which the release workflow runs to make the release commit: action.yml's
//! `runs.image` points at the pushed image by digest, and nothing else in the file changes.

use std::path::Path;
use std::process::{Command, Output};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn pin(file: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pin-image.sh"))
        .args(args)
        .arg(file)
        .output()
        .expect("bash")
}

fn action_yml() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap()
}

fn copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("action.yml");
    std::fs::write(&file, action_yml()).unwrap();
    (dir, file)
}

#[test]
fn main_builds_the_dockerfile() {
    // `uses: ./` on main tests the code at hand; only release commits pin an image.
    assert!(action_yml().contains("\nruns:\n  using: docker\n  image: Dockerfile\n"));
}

#[test]
fn pins_the_image_by_digest_and_changes_nothing_else() {
    let (_dir, file) = copy();
    let args = [
        "--image",
        "ghcr.io/Octo-Org/shipgate",
        "--version",
        "v1.4.0",
        "--digest",
        DIGEST,
    ];
    let out = pin(&file, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pinned = std::fs::read_to_string(&file).unwrap();
    let want = format!("  image: docker://ghcr.io/octo-org/shipgate:1.4.0@{DIGEST}");
    assert!(pinned.contains(&format!("\n{want}\n")), "{pinned}");
    let expected = action_yml().replace("  image: Dockerfile", &want);
    assert_eq!(pinned, expected, "only the image line changes");

    // Again on the pinned file (a re-run of the release): the same result.
    let out = pin(&file, &args);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
}

#[test]
fn refuses_malformed_values_and_leaves_the_file_alone() {
    let bad = [
        ["ghcr.io/octo/shipgate:1.4.0", "1.4.0", DIGEST],
        ["ghcr.io/octo/ship gate", "1.4.0", DIGEST],
        ["ghcr.io/octo/shipgate", "latest", DIGEST],
        ["ghcr.io/octo/shipgate", "1.4", DIGEST],
        ["ghcr.io/octo/shipgate", "1.4.0", "sha256:abc"],
        [
            "ghcr.io/octo/shipgate",
            "1.4.0",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ],
    ];
    for [image, version, digest] in bad {
        let (_dir, file) = copy();
        let out = pin(
            &file,
            &["--image", image, "--version", version, "--digest", digest],
        );
        assert!(!out.status.success(), "{image} {version} {digest} accepted");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), action_yml());
    }
}

#[test]
fn refuses_a_file_without_one_runs_image() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("action.yml");
    let node = "name: x\nruns:\n  using: node20\n  main: index.js\n";
    std::fs::write(&file, node).unwrap();
    let args = [
        "--image",
        "ghcr.io/o/s",
        "--version",
        "1.0.0",
        "--digest",
        DIGEST,
    ];
    let out = pin(&file, &args);
    assert!(!out.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), node);
    // An `image:` elsewhere (here under inputs) is not runs.image.
    let other = "name: x\ninputs:\n  image:\n    default: a\nruns:\n  using: node20\n";
    std::fs::write(&file, other).unwrap();
    assert!(!pin(&file, &args).status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), other);
    // Missing arguments: usage, exit 2.
    assert_eq!(
        pin(&file, &["--image", "ghcr.io/o/s"]).status.code(),
        Some(2)
    );
}

/// The dependency layer builds with placeholder sources: one for every bench the manifest names,
/// or Cargo refuses the manifest and the image does not build.
#[test]
fn the_dockerfile_has_a_placeholder_for_every_bench() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).expect("Dockerfile");
    let mut lines = manifest.lines();
    let mut benches = Vec::new();
    while let Some(l) = lines.next() {
        if l.trim() == "[[bench]]" {
            for l in lines.by_ref() {
                if let Some(v) = l.trim().strip_prefix("name") {
                    benches.push(
                        v.trim_start_matches([' ', '='])
                            .trim_matches('"')
                            .to_string(),
                    );
                    break;
                }
            }
        }
    }
    assert!(!benches.is_empty());
    for b in benches {
        assert!(
            dockerfile.contains(&format!("> benches/{b}.rs")),
            "the Dockerfile's dependency layer has no placeholder for bench `{b}`"
        );
    }
}
