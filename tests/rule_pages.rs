//! The rule reference in `docs/rules/` matches the rule registry: every registered rule has a
//! page (and the binary embeds it), no page exists without a rule, and each page's heading and
//! severity line say what the registry says.

use shipgate::lint::registry;
use shipgate::report::rules::{page, PAGES};
use std::collections::BTreeSet;

fn pages_on_disk() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules");
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with("SG") && n.ends_with(".md"))
        .map(|n| n.trim_end_matches(".md").to_string())
        .collect()
}

#[test]
fn every_rule_has_a_page_and_every_page_a_rule() {
    let ids: BTreeSet<String> = registry().iter().map(|r| r.id.to_string()).collect();
    let on_disk = pages_on_disk();
    let missing: Vec<&String> = ids.difference(&on_disk).collect();
    assert!(
        missing.is_empty(),
        "rules without docs/rules/<id>.md (write one, then add the id to report::rules::pages!): {missing:?}"
    );
    let orphans: Vec<&String> = on_disk.difference(&ids).collect();
    assert!(orphans.is_empty(), "pages without a rule: {orphans:?}");
    let embedded: BTreeSet<String> = PAGES.iter().map(|(id, _)| id.to_string()).collect();
    assert_eq!(embedded, ids, "report::rules::PAGES must embed every page");
}

#[test]
fn pages_agree_with_the_registry() {
    for r in registry() {
        let text = page(r.id).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(format!("# {} {}", r.id, r.name).as_str())
        );
        assert_eq!(lines.next(), Some(""));
        assert_eq!(
            lines.next(),
            Some(
                format!(
                    "**Severity:** {} · **Applies to:** {}",
                    r.severity, r.dialects
                )
                .as_str()
            ),
            "{}",
            r.id
        );
        for section in [
            "## What it catches",
            "## Why it breaks a Blue/Green deploy",
            "## The safe way",
            "## How to accept it",
        ] {
            assert!(text.contains(section), "{}: {section}", r.id);
        }
        for dialect in ["- **MySQL:**", "- **PostgreSQL:**", "- **Rails:**"] {
            assert!(text.contains(dialect), "{}: {dialect}", r.id);
        }
        assert!(
            text.contains(&format!("shipgate:allow-{}", r.id)),
            "{}",
            r.id
        );
    }
}

#[test]
fn index_lists_every_rule() {
    let index =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules/README.md"))
            .unwrap();
    for r in registry() {
        assert!(
            index.contains(&format!("| [{0}]({0}.md) | {1} |", r.id, r.name)),
            "{} missing from docs/rules/README.md",
            r.id
        );
    }
}
