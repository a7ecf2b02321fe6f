//! The rule reference: one page per rule in `docs/rules/`, embedded in the binary so
//! `shipgate rules SG102` prints the page the findings link to.

/// The repository whose `docs/rules/` the links point to.
pub const REPOSITORY: &str = "shipgate/shipgate";

/// The project's home page (SARIF `tool.driver.informationUri`).
pub fn home_url() -> String {
    format!("https://github.com/{REPOSITORY}")
}

/// The page of a rule, as every report links it (text, PR comment, annotations, SARIF).
pub fn rule_url(id: &str) -> String {
    format!("https://github.com/{REPOSITORY}/blob/main/docs/rules/{id}.md")
}

macro_rules! pages {
    ($($id:literal),* $(,)?) => {
        /// `(rule id, markdown page)` for every rule, in id order.
        pub const PAGES: &[(&str, &str)] = &[
            $(($id, include_str!(concat!("../../docs/rules/", $id, ".md")))),*
        ];
    };
}

pages!(
    "SG001", "SG002", "SG003", "SG004", "SG005", "SG006", "SG007", "SG008", "SG009", "SG010",
    "SG101", "SG102", "SG103", "SG104", "SG105", "SG106", "SG201", "SG202", "SG203", "SG204",
    "SG205", "SG206", "SG207", "SG301", "SG302", "SG303", "SG304", "SG305", "SG306", "SG307",
    "SG308", "SG309", "SG310", "SG311", "SG312", "SG314", "SG401", "SG402", "SG403", "SG404",
    "SG405", "SG406", "SG407", "SG408", "SG409", "SG410", "SG412", "SG501", "SG502", "SG503",
    "SG504", "SG505", "SG901", "SG902", "SG903",
);

/// The page of `id` (any case).
pub fn page(id: &str) -> Option<&'static str> {
    PAGES
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(id.trim()))
        .map(|(_, text)| *text)
}

/// Rule ids close to an unknown one: same family (SG1xx, ...), or one edit away.
pub fn near_matches(id: &str) -> Vec<&'static str> {
    let want = id.trim().to_ascii_uppercase();
    let mut out: Vec<&'static str> = PAGES
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| edit_distance(p, &want) <= 1)
        .collect();
    if out.is_empty() && want.len() >= 3 {
        let family = &want[..want.len().min(3)];
        out = PAGES
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| want.len() == 5 && p.starts_with(family))
            .collect();
    }
    out.truncate(8);
    out
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_lookup() {
        assert_eq!(
            rule_url("SG102"),
            "https://github.com/shipgate/shipgate/blob/main/docs/rules/SG102.md"
        );
        assert!(page("sg102").is_some_and(|p| p.starts_with("# SG102 ")));
        assert!(page("SG999").is_none());
    }

    #[test]
    fn near_matches_of_typos() {
        assert!(near_matches("SG10").contains(&"SG101"));
        assert!(near_matches("SG1O2").contains(&"SG102"));
        let fam = near_matches("SG199");
        assert!(fam.contains(&"SG101"), "{fam:?}");
        assert!(near_matches("nonsense").is_empty());
    }
}
