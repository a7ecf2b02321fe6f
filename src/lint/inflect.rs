//! Just enough of Rails' inflector to go from a table name to its model file and class.

/// `users` → `user`, `categories` → `category`, `statuses` → `status`, `boxes` → `box`.
pub fn singularize(word: &str) -> String {
    let w = word;
    for (plural, single) in [
        ("people", "person"),
        ("men", "man"),
        ("children", "child"),
        ("data", "datum"),
    ] {
        if let Some(stem) = w.strip_suffix(plural) {
            return format!("{stem}{single}");
        }
    }
    if let Some(stem) = w.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["sses", "shes", "ches", "xes", "zes", "uses", "ses"] {
        if let Some(stem) = w.strip_suffix(suffix) {
            // statuses → status, addresses → address, boxes → box, but cases → case.
            let keep = &suffix[..suffix.len() - 2];
            if suffix == "ses" {
                return format!("{stem}se");
            }
            return format!("{stem}{keep}");
        }
    }
    if w.ends_with("ss") || w.ends_with("us") {
        return w.to_string();
    }
    w.strip_suffix('s').unwrap_or(w).to_string()
}

/// `order_item` → `OrderItem`.
pub fn camelize(word: &str) -> String {
    word.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// `CreateWidgets` → `create_widgets` (the file-name half of Rails' migration naming).
pub fn underscore(class: &str) -> String {
    let class = class.rsplit("::").next().unwrap_or(class);
    let mut out = String::with_capacity(class.len() + 4);
    let chars: Vec<char> = class.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_ascii_uppercase())) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singulars() {
        assert_eq!(singularize("users"), "user");
        assert_eq!(singularize("categories"), "category");
        assert_eq!(singularize("statuses"), "status");
        assert_eq!(singularize("addresses"), "address");
        assert_eq!(singularize("boxes"), "box");
        assert_eq!(singularize("people"), "person");
        assert_eq!(singularize("cases"), "case");
        assert_eq!(camelize("order_item"), "OrderItem");
        assert_eq!(underscore("CreateWidgets"), "create_widgets");
        assert_eq!(underscore("AddHTMLToPages"), "add_html_to_pages");
        assert_eq!(underscore("Foo::AddX2Y"), "add_x2_y");
    }
}
