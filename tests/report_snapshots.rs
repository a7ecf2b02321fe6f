//! What a PR author reads for each of the demo repository's three PRs (`examples/shop/`, the
//! same branches `examples/demo.sh` builds): the terminal text, the PR comment, the job summary
//! and the SARIF log, evaluated in-process over the example folders instead of through git.

use shipgate::gate::config::GateConfig;
use shipgate::gate::evaluate::{evaluate, Evaluation};
use shipgate::inputs::Inputs;
use shipgate::lint::SourceTree;
use shipgate::model::{ChangedFile, FileStatus};
use shipgate::report::gate::{comment, markdown, ReportLinks};
use shipgate::report::{sarif, text};
use std::collections::BTreeMap;
use std::path::Path;

const SHOP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop");

fn read_tree(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if p.is_dir() {
            read_tree(&p, &rel, out);
        } else {
            out.insert(rel, std::fs::read_to_string(&p).unwrap());
        }
    }
}

/// The example's base branch and one PR branch (base overlaid with the PR's folder).
struct Shop {
    base: BTreeMap<String, String>,
    head: BTreeMap<String, String>,
    changed: Vec<ChangedFile>,
}

impl Shop {
    fn pr(name: &str) -> Shop {
        let mut base = BTreeMap::new();
        read_tree(&Path::new(SHOP).join("base"), "", &mut base);
        let mut pr = BTreeMap::new();
        read_tree(&Path::new(SHOP).join(name), "", &mut pr);
        let mut head = base.clone();
        let mut changed = Vec::new();
        for (path, text) in pr {
            let status = if base.contains_key(&path) {
                FileStatus::Modified
            } else {
                FileStatus::Added
            };
            changed.push(ChangedFile::new(path.clone(), status));
            head.insert(path, text);
        }
        Shop {
            base,
            head,
            changed,
        }
    }
}

impl SourceTree for Shop {
    fn head_file(&self, path: &str) -> Option<String> {
        self.head.get(path).cloned()
    }
    fn base_file(&self, path: &str) -> Option<String> {
        self.base.get(path).cloned()
    }
    fn head_paths(&self, prefix: &str) -> Vec<String> {
        self.head
            .keys()
            .filter(|p| p.starts_with(prefix))
            .cloned()
            .collect()
    }
    fn base_paths(&self, prefix: &str) -> Vec<String> {
        self.base
            .keys()
            .filter(|p| p.starts_with(prefix))
            .cloned()
            .collect()
    }
}

fn gate(pr: &str) -> (Shop, Evaluation) {
    let shop = Shop::pr(pr);
    let cfg = GateConfig::from_inputs(&Inputs::default()).unwrap();
    let change = shipgate::gate::change::Change::complete(shop.changed.clone());
    let eval = evaluate(&change, &shop, &[], &cfg);
    (shop, eval)
}

fn links() -> ReportLinks {
    ReportLinks {
        commit: Some("0123456789abcdef".into()),
        run_url: Some("https://github.com/octo/shop/actions/runs/42".into()),
        label_prefix: None,
    }
}

fn text_of(shop: &Shop, eval: &Evaluation) -> String {
    text::render_text(
        &eval.findings,
        &|p: &str| shop.head_file(p),
        &text::TextOptions::default(),
    )
}

fn check_sarif(v: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/sarif/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn snapshot_all(pr: &str) {
    let (shop, eval) = gate(pr);
    insta::assert_snapshot!(format!("{pr}_text"), text_of(&shop, &eval));
    insta::assert_snapshot!(format!("{pr}_comment"), comment(&eval, &links()));
    // The job summary has no marker and no run link of its own (it is on the run page).
    let summary = markdown(
        &eval,
        &ReportLinks {
            run_url: None,
            ..links()
        },
    );
    insta::assert_snapshot!(format!("{pr}_summary"), summary);
    let log = sarif::sarif(
        &eval.findings,
        &shipgate::lint::registry(),
        "shipgate:allow-",
    );
    check_sarif(&log);
    // The driver lists every rule; the snapshot keeps only the results, which change per PR.
    insta::assert_snapshot!(
        format!("{pr}_sarif_results"),
        serde_json::to_string_pretty(&log["runs"][0]["results"]).unwrap()
    );
}

#[test]
fn pr_mixed() {
    let (_, eval) = gate("pr-mixed");
    assert_eq!(eval.verdict, shipgate::model::Verdict::Fail);
    snapshot_all("pr-mixed");
}

#[test]
fn pr_expand() {
    let (_, eval) = gate("pr-expand");
    assert_eq!(eval.verdict, shipgate::model::Verdict::Pass);
    snapshot_all("pr-expand");
}

#[test]
fn pr_contract() {
    let (_, eval) = gate("pr-contract");
    assert_eq!(eval.verdict, shipgate::model::Verdict::Fail);
    snapshot_all("pr-contract");
}

#[test]
fn sarif_driver_lists_every_rule_with_its_page() {
    let rules = shipgate::lint::registry();
    let log = sarif::sarif(&[], &rules, "shipgate:allow-");
    check_sarif(&log);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "shipgate");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let listed = driver["rules"].as_array().unwrap();
    assert_eq!(listed.len(), rules.len());
    for (r, doc) in listed.iter().zip(&rules) {
        assert_eq!(r["id"], doc.id);
        assert_eq!(
            r["helpUri"],
            format!(
                "https://github.com/shipgate/shipgate/blob/main/docs/rules/{}.md",
                doc.id
            )
        );
        assert!(r["defaultConfiguration"]["level"].is_string());
        assert!(!r["fullDescription"]["text"].as_str().unwrap().is_empty());
    }
    insta::assert_snapshot!(
        "sarif_driver_first_rule",
        serde_json::to_string_pretty(&listed[0]).unwrap()
    );
}

#[test]
fn sarif_schema_rejects_a_broken_log() {
    // Proves the schema check bites: a result without a message is not SARIF.
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/sarif/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut log = sarif::sarif(
        &[shipgate::model::Finding::new(
            "SG102",
            shipgate::model::Severity::Error,
            "x",
        )],
        &shipgate::lint::registry(),
        "shipgate:allow-",
    );
    assert!(validator.is_valid(&log));
    log["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&log));
}

#[test]
fn readme_text_example_is_real_output() {
    // README's "What a finding looks like" shows the demo's pr-mixed output; keep it true.
    let readme = include_str!("../README.md");
    let section = readme
        .split("### What a finding looks like\n")
        .nth(1)
        .expect("README section");
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("text block");
    let (shop, eval) = gate("pr-mixed");
    let out = text_of(&shop, &eval);
    assert!(block.lines().count() > 5);
    for line in block.lines() {
        assert!(
            out.lines().any(|l| l == line),
            "README line not in the output: {line:?}\n{out}"
        );
    }
}
