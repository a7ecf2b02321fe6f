//! Lint throughput benchmark: the fixture corpus (repeated) and a generated 10,000-file set of
//! SQL (both dialects), Rails and Python migrations. Prints files/second and peak RSS (VmHWM).
//! Run with `bench/lint.sh` or `cargo bench --bench lint`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use shipgate::lint::{lint_source, LintOptions};
use shipgate::model::Dialect;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x != "md") {
            out.push(p);
        }
    }
}

/// Peak resident set size of this process, in KiB.
fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn sql_mysql(i: usize) -> String {
    format!(
        "-- generated migration {i}\nSET SESSION lock_wait_timeout = 5;\nCREATE TABLE t{i}_log (\n  id bigint NOT NULL AUTO_INCREMENT,\n  msg varchar(255) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nALTER TABLE users_{i} ADD COLUMN c{i} int NULL, ALGORITHM=INSTANT;\nALTER TABLE users_{i}\n  MODIFY name varchar(200) NOT NULL,\n  DROP COLUMN legacy_{i};\nALTER TABLE orders_{i} CONVERT TO CHARACTER SET utf8mb4;\nUPDATE users_{i} SET c{i} = 0 WHERE c{i} IS NULL;\nINSERT INTO t{i}_log (msg) VALUES ('created; ok'), ('it''s fine');\n/* block comment ; */\nDELIMITER //\nCREATE PROCEDURE p{i}()\nBEGIN\n  IF 1 = 1 THEN\n    ALTER TABLE users_{i} DROP COLUMN tmp_{i};\n  END IF;\nEND//\nDELIMITER ;\nCALL p{i}();\nDROP PROCEDURE p{i};\n"
    )
}

fn sql_pg(i: usize) -> String {
    format!(
        "BEGIN;\nCREATE TABLE events_{i} (id bigserial PRIMARY KEY, payload jsonb NOT NULL DEFAULT '{{}}'::jsonb);\nCREATE INDEX events_{i}_payload ON events_{i} USING gin (payload);\nALTER TABLE accounts_{i} ADD COLUMN flag boolean DEFAULT false;\nALTER TABLE accounts_{i} ALTER COLUMN email SET NOT NULL;\nALTER TABLE accounts_{i} ADD CONSTRAINT fk_{i} FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID;\nCOMMIT;\nCREATE INDEX CONCURRENTLY accounts_{i}_email ON accounts_{i} (email);\nDO $$\nBEGIN\n  EXECUTE format('ALTER TABLE %I DROP COLUMN old_{i}', 'accounts_{i}');\nEND\n$$;\nALTER TABLE accounts_{i} ALTER COLUMN settings TYPE jsonb USING settings::jsonb;\n"
    )
}

fn rails(i: usize) -> String {
    format!(
        "# frozen_string_literal: true\n\nclass Migration{i} < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n    add_column :users_{i}, :nickname, :string\n    add_index :users_{i}, :nickname, algorithm: :concurrently\n    change_table :users_{i} do |t|\n      t.remove :legacy_{i}\n      t.rename :old_{i}, :new_{i}\n      t.references :team, foreign_key: true\n    end\n    %i[a b c].each do |table|\n      change_column_null table, :created_at, false\n    end\n    execute <<~SQL\n      ALTER TABLE users_{i}\n        ALTER COLUMN bio TYPE text;\n    SQL\n    safety_assured {{ remove_column :users_{i}, :tmp }}\n    User.where(active: nil).in_batches.update_all(active: true)\n  end\n\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\nend\n"
    )
}

fn python(i: usize) -> String {
    if i.is_multiple_of(2) {
        format!(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"app\", \"{i:04}_prev\")]\n\n    operations = [\n        migrations.RemoveField(model_name=\"item{i}\", name=\"legacy\"),\n        migrations.AlterField(\n            model_name=\"item{i}\",\n            name=\"sku\",\n            field=models.CharField(max_length=64),\n        ),\n        migrations.AddField(model_name=\"item{i}\", name=\"note\", field=models.TextField(null=True)),\n    ]\n"
        )
    } else {
        format!(
            "from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n    op.drop_column(\"accounts_{i}\", \"legacy\")\n    op.alter_column(\"accounts_{i}\", \"email\", nullable=False)\n    op.create_index(\"ix_{i}\", \"accounts_{i}\", [\"email\"], postgresql_concurrently=True)\n    op.execute(\"UPDATE accounts_{i} SET email = lower(email) WHERE email IS NOT NULL\")\n\n\ndef downgrade():\n    op.drop_table(\"accounts_{i}\")\n"
        )
    }
}

/// Writes the 10,000-file set: (relative path, dialect) per file.
fn generate(root: &Path, n: usize) -> std::io::Result<Vec<(PathBuf, String, Dialect)>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (rel, text, dialect) = match i % 10 {
            0..=3 => (
                format!("my/db/migration/V{i}__gen.sql"),
                sql_mysql(i),
                Dialect::Mysql,
            ),
            4 | 5 => (
                format!("pg/migrations/{i:06}_gen.up.sql"),
                sql_pg(i),
                Dialect::Postgres,
            ),
            6..=8 => (
                format!(
                    "rb/db/migrate/{:014}_gen_{i}.rb",
                    20240101000000u64 + i as u64
                ),
                rails(i),
                Dialect::Postgres,
            ),
            _ if i % 20 == 9 => (
                format!("dj/shop/migrations/{i:04}_gen.py"),
                python(i + 1),
                Dialect::Mysql,
            ),
            _ => (
                format!("al/alembic/versions/{i:06}_gen.py"),
                python(i),
                Dialect::Postgres,
            ),
        };
        let path = root.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &text)?;
        let lint_path = rel
            .split_once('/')
            .map(|(_, p)| p.to_string())
            .unwrap_or(rel);
        out.push((path, lint_path, dialect));
    }
    Ok(out)
}

struct Run {
    files: usize,
    bytes: usize,
    findings: usize,
    secs: f64,
}

fn lint_all(set: &[(PathBuf, String, Dialect)], rounds: usize) -> Run {
    let start = Instant::now();
    let mut run = Run {
        files: 0,
        bytes: 0,
        findings: 0,
        secs: 0.0,
    };
    for _ in 0..rounds {
        for (path, rel, dialect) in set {
            // Read and lint one file at a time, as the gate does.
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let opts = LintOptions {
                dialect: *dialect,
                ..LintOptions::default()
            };
            run.findings += lint_source(rel, &text, &opts).len();
            run.files += 1;
            run.bytes += text.len();
        }
    }
    run.secs = start.elapsed().as_secs_f64();
    run
}

fn report(name: &str, r: &Run) {
    println!(
        "{name:<10} {:>6} files {:>8.1} KiB {:>7} findings in {:>7.3}s: {:>9.0} files/s {:>7.2} MiB/s",
        r.files,
        r.bytes as f64 / 1024.0,
        r.findings,
        r.secs,
        r.files as f64 / r.secs.max(1e-9),
        r.bytes as f64 / 1_048_576.0 / r.secs.max(1e-9),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint");
    let mut corpus = Vec::new();
    for (dir, dialect) in [("mysql", Dialect::Mysql), ("postgres", Dialect::Postgres)] {
        let base = root.join(dir);
        let mut all = Vec::new();
        files(&base, &mut all);
        all.sort();
        for p in all {
            let rel = p
                .strip_prefix(&base)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_default();
            corpus.push((p, rel, dialect));
        }
    }
    let rounds = 200;
    if std::env::var_os("SHIPGATE_BENCH_DETAIL").is_some() {
        for entry in &corpus {
            let r = lint_all(std::slice::from_ref(entry), rounds);
            println!("  {:>8.1} us  {}", r.secs * 1e6 / rounds as f64, entry.1);
        }
    }
    let c = lint_all(&corpus, rounds);
    report("corpus", &c);
    println!(
        "           ({} corpus files x {rounds} rounds)",
        corpus.len()
    );

    let Ok(tmp) = tempfile::tempdir() else {
        eprintln!("cannot create a temp dir");
        return;
    };
    let set = match generate(tmp.path(), 10_000) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot generate files: {e}");
            return;
        }
    };
    // First pass right after writing the files, second pass with them in the page cache.
    let g = lint_all(&set, 1);
    report("generated", &g);
    let g = lint_all(&set, 1);
    report("  again", &g);
    for (kind, ext) in [("  sql", ".sql"), ("  rails", ".rb"), ("  python", ".py")] {
        let part: Vec<_> = set
            .iter()
            .filter(|(_, rel, _)| rel.ends_with(ext))
            .cloned()
            .collect();
        report(kind, &lint_all(&part, 1));
    }
    match vm_hwm_kib() {
        Some(kib) => println!("peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: unavailable (no /proc/self/status)"),
    }
}
