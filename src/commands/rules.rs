//! `shipgate rules`: the rule reference.

use crate::inputs::ConfigError;
use crate::lint;
use crate::outcome::Outcome;
use crate::report::rules as pages;
use crate::settings::RulesSettings;
use anyhow::Result;

pub fn run(s: &RulesSettings) -> Result<Outcome> {
    let rules = lint::registry();
    if let Some(id) = &s.rule {
        let Some(doc) = rules.iter().find(|r| r.id.eq_ignore_ascii_case(id.trim())) else {
            let near = pages::near_matches(id);
            let hint = if near.is_empty() {
                "`shipgate rules` lists them all".to_string()
            } else {
                format!("did you mean {}?", near.join(", "))
            };
            return Err(ConfigError(format!(
                "no rule '{}'; {hint}",
                crate::report::text::clean(id)
            ))
            .into());
        };
        if s.json {
            println!("{}", serde_json::to_string_pretty(doc)?);
        } else {
            match pages::page(doc.id) {
                Some(page) => print!("{page}"),
                // A rule added without its page still explains itself (a test demands the page).
                None => println!(
                    "{} {}\n\n{}\n\nSafer: {}",
                    doc.id, doc.name, doc.why, doc.hint
                ),
            }
            println!("\n{}", pages::rule_url(doc.id));
        }
        return Ok(Outcome::Passed);
    }
    if s.json {
        println!("{}", serde_json::to_string_pretty(&rules)?);
    } else {
        for r in &rules {
            println!("{} {} ({}, {})", r.id, r.name, r.severity, r.dialects);
            println!("  why:   {}", r.why);
            if !r.hint.is_empty() {
                println!("  safer: {}", r.hint);
            }
            println!("  docs:  {}", pages::rule_url(r.id));
        }
    }
    Ok(Outcome::Passed)
}
