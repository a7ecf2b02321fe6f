//! The module graph: commands on top, then gate/deploy/report, then the boundaries and the lint,
//! then the model. A `crate::` import that points up a layer (or closes a cycle) fails here, so
//! the layering of docs/design.md cannot rot unnoticed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lower numbers sit higher; a module may import only modules with a number not below its own.
const LAYERS: &[(&str, u32)] = &[
    ("main", 0),
    ("app", 0),
    ("cli", 0),
    ("commands", 1),
    ("settings", 2),
    ("gate", 3),
    ("deploy", 3),
    ("report", 3),
    ("channels", 3),
    ("lint", 4),
    ("github", 4),
    ("codedeploy", 4),
    ("slack", 4),
    ("runner", 4),
    ("git", 4),
    ("inputs", 4),
    ("classify", 5),
    ("retry", 5),
    ("secret", 6),
    ("model", 6),
    ("outcome", 6),
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src readable").flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level module → the top-level modules its non-test code names as `crate::x`.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("under src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("readable");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != top {
                    edges.entry(top.clone()).or_default().insert(name);
                }
            }
        }
    }
    edges
}

#[test]
fn no_module_imports_upward() {
    let layer: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let mut bad = Vec::new();
    for (from, tos) in edges() {
        let Some(&lf) = layer.get(from.as_str()) else {
            panic!("module {from} has no layer in tests/layers.rs");
        };
        for to in tos {
            let Some(&lt) = layer.get(to.as_str()) else {
                panic!("module {to} has no layer in tests/layers.rs");
            };
            if lt < lf {
                bad.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(bad.is_empty(), "upward imports: {bad:?}");
}

#[test]
fn the_module_graph_has_no_cycle() {
    let edges = edges();
    fn reaches(
        edges: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        seen: &mut BTreeSet<String>,
    ) {
        for to in edges.get(from).into_iter().flatten() {
            if seen.insert(to.clone()) {
                reaches(edges, to, seen);
            }
        }
    }
    for m in edges.keys() {
        let mut seen = BTreeSet::new();
        reaches(&edges, m, &mut seen);
        assert!(!seen.contains(m), "{m} imports itself through a cycle");
    }
    assert!(edges.contains_key("commands"), "the scan found the modules");
}
