//! Property tests: arbitrary bytes and mutated SQL / Ruby / Python never make the linter panic,
//! and every finding it returns is located.

use proptest::prelude::*;
use shipgate::lint::{lint_source, LintOptions};
use shipgate::model::Dialect;

const PATHS: &[&str] = &[
    "db/migration/V1__x.sql",
    "db/migrate/20240101000000_x.rb",
    "db/post_migrate/20240101000000_x.rb",
    "shop/migrations/0001_x.py",
    "alembic/versions/abc_x.py",
];

const SEEDS: &[&str] = &[
    include_str!("fixtures/lint/mysql/db/migration/V12__posts_message_procedure.sql"),
    include_str!("fixtures/lint/mysql/db/migration/V13__task_json_and_pk.sql"),
    include_str!("fixtures/lint/mysql/db/migration/V15__vendor_syntax.sql"),
    include_str!("fixtures/lint/postgres/migrations/000043_payload_jsonb.up.sql"),
    include_str!("fixtures/lint/postgres/migrations/000044_safe.up.sql"),
    include_str!("fixtures/lint/mysql/db/migrate/20170920101010_change_ids_to_bigint.rb"),
    include_str!("fixtures/lint/postgres/db/migrate/20210404000000_heredoc_execute.rb"),
    include_str!("fixtures/lint/postgres/db/migrate/20140202000000_timestamps_not_null.rb"),
    include_str!("fixtures/lint/postgres/alembic/versions/3f2a1b_drop_legacy.py"),
    include_str!("fixtures/lint/mysql/shop/migrations/0007_remove_legacy_price.py"),
];

/// Fragments that stress splitters and parsers: unbalanced quotes, comments, delimiters, blocks.
const SHARDS: &[&str] = &[
    ";",
    "'",
    "\"",
    "`",
    "$$",
    "$a$",
    "/*",
    "*/",
    "--",
    "#",
    "\n",
    "\\",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "DELIMITER //\n",
    "DELIMITER ;\n",
    "//",
    "BEGIN",
    "END",
    "END IF;",
    "CREATE PROCEDURE p() ",
    "<<~SQL\n",
    "<<-SQL\n",
    "\nSQL\n",
    "do |t|",
    "end",
    "#{x}",
    "safety_assured {",
    "def down",
    "ALTER TABLE t ",
    "DROP COLUMN ",
    "ADD CONSTRAINT c ",
    "op.alter_column(",
    "migrations.RemoveField(",
    "shipgate:allow SG102 ",
    "shipgate:allow-file SG999 ",
    "é",
    "\u{0}",
    "\u{feff}",
];

fn check(path: &str, text: &str) {
    for dialect in [Dialect::Mysql, Dialect::Postgres] {
        let opts = LintOptions {
            dialect,
            ..LintOptions::default()
        };
        for f in lint_source(path, text, &opts) {
            assert!(f.line.is_some_and(|l| l >= 1), "{f:?}");
            assert_eq!(f.path.as_deref(), Some(path));
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), 0..SHARDS.len()).prop_map(|(a, s)| Mutation::Insert(a, s)),
        (any::<usize>(), 0usize..80).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
    ]
}

fn apply(seed: &str, muts: &[Mutation]) -> String {
    let mut c: Vec<char> = seed.chars().collect();
    for m in muts {
        let len = c.len().max(1);
        match *m {
            Mutation::Truncate(a) => c.truncate(a % len),
            Mutation::Delete(a, n) => {
                let s = a % len;
                let e = (s + n).min(c.len());
                if s < e {
                    c.drain(s..e);
                }
            }
            Mutation::Insert(a, i) => {
                let at = (a % len).min(c.len());
                for (k, ch) in SHARDS[i].chars().enumerate() {
                    c.insert(at + k, ch);
                }
            }
            Mutation::Duplicate(a, n) => {
                let s = (a % len).min(c.len());
                let e = (s + n).min(c.len());
                let piece: Vec<char> = c[s..e].to_vec();
                c.splice(s..s, piece);
            }
        }
    }
    c.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000), p in 0..PATHS.len()) {
        let text = String::from_utf8_lossy(&bytes);
        check(PATHS[p], &text);
    }

    #[test]
    fn shard_soup_never_panics(parts in proptest::collection::vec(0..SHARDS.len(), 0..120), p in 0..PATHS.len()) {
        let text: String = parts.iter().map(|&i| SHARDS[i]).collect();
        check(PATHS[p], &text);
    }

    #[test]
    fn mutated_migrations_never_panic(seed in 0..SEEDS.len(), muts in proptest::collection::vec(mutation(), 1..8), p in 0..PATHS.len()) {
        let text = apply(SEEDS[seed], &muts);
        check(PATHS[p], &text);
    }
}

#[test]
fn deep_nesting_and_huge_inputs_do_not_overflow() {
    let deep_parens = format!("SELECT {}1{};", "(".repeat(20_000), ")".repeat(20_000));
    check("db/migration/V1__x.sql", &deep_parens);
    let deep_ruby = format!(
        "class M < ActiveRecord::Migration[7.1]\n  def change\n    x = {}1{}\n  end\nend\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    check("db/migrate/1_x.rb", &deep_ruby);
    let chain = format!("class M < ActiveRecord::Migration[7.1]\n  def change\n    User{}.update_all(a: 1)\n  end\nend\n", ".where(a: 1)".repeat(5_000));
    check("db/migrate/1_x.rb", &chain);
    let many = "ALTER TABLE t ADD COLUMN c int NULL;\n".repeat(20_000);
    check("db/migration/V2__x.sql", &many);
    let unterminated = format!(
        "DELIMITER $$\nCREATE PROCEDURE p() BEGIN {}",
        "IF 1 THEN ALTER TABLE t DROP c; ".repeat(2_000)
    );
    check("db/migration/V3__x.sql", &unterminated);
}
