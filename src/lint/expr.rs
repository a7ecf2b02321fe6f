//! Small readings of SQL expressions shared by the front-ends and the rules (a lower module, so
//! `sql` and `rails` both import it downward): `col IS NOT NULL` checks, the function calls in a
//! default, and whether PostgreSQL can evaluate that default once instead of per row.

use super::op::norm_name;

/// `col IS NOT NULL` → `col`.
pub fn not_null_check(expr: &str) -> Option<String> {
    let up = expr
        .trim()
        .trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace())
        .to_ascii_uppercase();
    let col = up.strip_suffix("IS NOT NULL")?.trim();
    (!col.is_empty() && !col.contains(' ')).then(|| norm_name(col))
}

/// Functions PostgreSQL marks STABLE or IMMUTABLE that defaults commonly call: `ADD COLUMN …
/// DEFAULT f()` evaluates them once and stores the value in the catalog (no rewrite, PG ≥ 11).
/// Everything else, user functions included, is treated as volatile: fail closed.
const STABLE: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "transaction_timestamp",
    "statement_timestamp",
    "current_user",
    "session_user",
    "current_schema",
    "current_setting",
    "timezone",
    "date_trunc",
    "to_timestamp",
    "to_date",
    "to_char",
    "make_interval",
    "make_date",
    "make_timestamp",
    "lower",
    "upper",
    "btrim",
    "trim",
    "length",
    "md5",
    "concat",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "cast",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "json_build_array",
    "array",
    "row",
    "interval",
    "date",
    "timestamp",
    "numeric",
    "decimal",
    "varchar",
    "char",
    "bit",
    "point",
];

/// Names of the functions called in `expr` (`name(`), lower-cased, string literals skipped.
pub fn called_functions(expr: &str) -> Vec<String> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' || c == b'"' || c == b'`' {
            i += 1;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.')) {
                i += 1;
            }
            let mut j = i;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            if b.get(j) == Some(&b'(') {
                let name = &expr[s..i];
                let name = name.rsplit('.').next().unwrap_or(name);
                out.push(name.to_ascii_lowercase());
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The functions of a default expression that are not known to be stable or immutable.
pub fn volatile_calls(expr: &str) -> Vec<String> {
    called_functions(expr)
        .into_iter()
        .filter(|f| !STABLE.contains(&f.as_str()))
        .collect()
}

/// True when a MySQL default is an expression (the 8.0.13+ `DEFAULT (expr)` form, or a function
/// call) rather than a literal or the classic `CURRENT_TIMESTAMP` / `NOW()` default, which MySQL
/// stores like a literal. Even `(now())` is an expression default: MySQL evaluates it per row.
pub fn mysql_expression_default(expr: &str) -> bool {
    let t = expr.trim();
    if t.starts_with('(') {
        return true;
    }
    called_functions(t).iter().any(|f| {
        !matches!(
            f.as_str(),
            "current_timestamp" | "now" | "localtimestamp" | "localtime"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_null_checks() {
        assert_eq!(not_null_check("(email IS NOT NULL)"), Some("email".into()));
        assert_eq!(not_null_check("a > 0"), None);
    }

    #[test]
    fn function_stability() {
        assert!(volatile_calls("now()").is_empty());
        assert!(volatile_calls("timezone('utc', now())").is_empty());
        assert!(volatile_calls("'{}'::jsonb").is_empty());
        assert!(volatile_calls("'uuid()'").is_empty(), "a string is no call");
        assert_eq!(volatile_calls("uuid()"), vec!["uuid".to_string()]);
        assert_eq!(
            volatile_calls("public.next_code()"),
            vec!["next_code".to_string()]
        );
        assert_eq!(
            volatile_calls("gen_random_uuid()"),
            vec!["gen_random_uuid".to_string()]
        );
    }

    #[test]
    fn mysql_expressions() {
        assert!(mysql_expression_default("(uuid())"));
        assert!(mysql_expression_default("(now() + interval 1 day)"));
        assert!(!mysql_expression_default("CURRENT_TIMESTAMP"));
        assert!(mysql_expression_default("(now())"));
        assert!(!mysql_expression_default("CURRENT_TIMESTAMP(6)"));
        assert!(!mysql_expression_default("'a'"));
        assert!(!mysql_expression_default("0"));
    }
}
