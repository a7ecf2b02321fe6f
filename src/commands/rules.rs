//! `shipgate rules`: the rule reference.

use crate::lint;
use crate::outcome::Outcome;
use crate::settings::RulesSettings;
use anyhow::Result;

pub fn run(s: &RulesSettings) -> Result<Outcome> {
    let rules = lint::registry();
    if s.json {
        println!("{}", serde_json::to_string_pretty(&rules)?);
    } else {
        for r in &rules {
            println!("{} {} ({}, {})", r.id, r.name, r.severity, r.dialects);
            println!("  why:   {}", r.why);
            if !r.hint.is_empty() {
                println!("  safer: {}", r.hint);
            }
        }
    }
    Ok(Outcome::Passed)
}
