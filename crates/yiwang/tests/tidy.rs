//! Tidy: the architecture's invariants, checked by CI rather than by memory.
//!
//! - Domain crates know nothing of HTTP or HTML: none depends on axum, tower, tower-http,
//!   hyper or minijinja (only `yiwang-web`, the binary and the benchmarks do).
//! - SQL lives in each domain's `repo` module (`repo.rs` or `repo/`). Files that still hold SQL
//!   outside one are listed in [`SQL_OUTSIDE_REPO`], a debt list that may only shrink: a file
//!   not on it that gains SQL fails, and so does a listed file that no longer has any.
//! - No source file is longer than [`BUDGET`] lines before its unit tests (`#[cfg(test)]`),
//!   outside the demo city's data (`crates/demo/src/data/`).
//! - ARCHITECTURE.md's code map names every crate of the workspace, and no crate that is gone.
//! - No domain reads another's tables: SQL naming a table of [`OWNED_TABLES`] lives in its
//!   owner; other crates ask the owner's service. [`FOREIGN_READERS`] lists the crates that
//!   still do (a debt list that may only shrink).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// Lines of a source file before its unit tests.
const BUDGET: usize = 800;

/// Crates that must not know HTTP or HTML.
const DOMAIN_CRATES: &[&str] = &[
    "kernel", "store", "audit", "sheets", "org", "calendar", "catalog", "forms", "workflow",
    "cases", "licences", "vault", "files", "identity", "demo",
];

const HTTP_CRATES: &[&str] = &[
    "axum",
    "tower",
    "tower-http",
    "hyper",
    "hyper-util",
    "minijinja",
];

/// Files with SQL outside a `repo` module (to be moved; the list may only shrink). Exempt as
/// a whole ([`SQL_EXEMPT`]): the store crate, the storage layer itself; the benchmarks
/// (`crates/bench`, which left the binary), measuring bare SQL on purpose beside the domain's
/// figure; the demo city's data. The binary is not exempt: its commands call the domains.
const SQL_OUTSIDE_REPO: &[&str] = &[];

/// Tables and the crate that owns them.
const OWNED_TABLES: &[(&str, &[&str])] = &[("org", &["departments", "halls", "hall_windows"])];

/// Crates whose SQL still names another domain's tables (to be fixed; the list may only shrink).
const FOREIGN_READERS: &[&str] = &[];

/// Where SQL may stand anywhere: see [`SQL_OUTSIDE_REPO`].
const SQL_EXEMPT: &[&str] = &["crates/store/", "crates/bench/", "crates/demo/src/data/"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crates/*/src/**/*.rs`, as paths relative to the workspace root.
fn sources() -> Vec<String> {
    let root = root();
    let mut files = Vec::new();
    for c in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        rust_files(&c.path().join("src"), &mut files);
    }
    let mut out: Vec<String> = files
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    out.sort();
    out
}

/// The part of a file before its unit tests.
fn before_tests(text: &str) -> &str {
    match text.find("\n#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    }
}

fn crates() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The names in a manifest's `[dependencies]` table (not dev- or build-dependencies).
fn dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            let name = line
                .split(['=', '.', ' '])
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            out.push(name);
        }
    }
    out
}

#[test]
fn domain_crates_know_no_http() {
    for c in DOMAIN_CRATES {
        let path = root().join("crates").join(c).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).unwrap();
        for d in dependencies(&manifest) {
            assert!(
                !HTTP_CRATES.contains(&d.as_str()),
                "crates/{c} depends on {d}: domain crates know nothing of HTTP or HTML"
            );
        }
    }
    // The rule has teeth: the web crate does depend on them.
    let web = std::fs::read_to_string(root().join("crates/web/Cargo.toml")).unwrap();
    assert!(dependencies(&web).contains(&"axum".to_string()));
}

fn has_sql(text: &str) -> bool {
    const STARTS: &[&str] = &["SELECT ", "INSERT INTO ", "DELETE FROM ", "UPDATE "];
    // A string literal that begins a statement: `"SELECT …`, `"UPDATE x SET …`.
    text.split('"').skip(1).step_by(2).any(|lit| {
        let lit = lit.trim_start();
        STARTS.iter().any(|s| lit.starts_with(s))
            && (!lit.starts_with("UPDATE ") || lit.contains(" SET "))
    })
}

#[test]
fn sql_lives_in_repo_modules() {
    let mut found = Vec::new();
    for f in sources() {
        let in_repo = f.ends_with("/repo.rs") || f.contains("/repo/");
        let exempt = SQL_EXEMPT.iter().any(|p| f.starts_with(p));
        if in_repo || exempt {
            continue;
        }
        let text = std::fs::read_to_string(root().join(&f)).unwrap();
        if has_sql(before_tests(&text)) {
            found.push(f);
        }
    }
    let new: Vec<&String> = found
        .iter()
        .filter(|f| !SQL_OUTSIDE_REPO.contains(&f.as_str()))
        .collect();
    assert!(
        new.is_empty(),
        "SQL outside a repo module (move it into the domain's repo): {new:?}"
    );
    let paid: Vec<&&str> = SQL_OUTSIDE_REPO
        .iter()
        .filter(|f| !found.iter().any(|x| x == *f))
        .collect();
    assert!(
        paid.is_empty(),
        "no SQL left outside repo in {paid:?}: take them off SQL_OUTSIDE_REPO"
    );
    assert!(has_sql(r#"c.execute("UPDATE t SET a = 1", args![])"#));
    assert!(!has_sql(r#"format!("Update the draft")"#));
}

#[test]
fn no_source_file_passes_the_budget() {
    let mut over = Vec::new();
    for f in sources() {
        if f.starts_with("crates/demo/src/data/") {
            continue;
        }
        let text = std::fs::read_to_string(root().join(&f)).unwrap();
        let n = before_tests(&text).lines().count();
        if n > BUDGET {
            over.push(format!("{f}: {n} lines"));
        }
    }
    assert!(
        over.is_empty(),
        "files over the {BUDGET}-line budget (split them by job): {over:#?}"
    );
}

#[test]
fn the_architecture_map_names_every_crate() {
    let map = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for c in crates() {
        assert!(
            map.contains(&format!("`crates/{c}`")),
            "ARCHITECTURE.md's code map has no row for crates/{c}"
        );
    }
    for line in map.lines().filter(|l| l.starts_with("| `crates/")) {
        let name = line
            .trim_start_matches("| `crates/")
            .split('`')
            .next()
            .unwrap_or("");
        assert!(
            root().join("crates").join(name).join("Cargo.toml").exists(),
            "ARCHITECTURE.md names crates/{name}, which is not in the tree"
        );
    }
}

/// Whether `text` has SQL naming `table` (`FROM t`, `JOIN t`, `INTO t`, `UPDATE t`).
fn names_table(text: &str, table: &str) -> bool {
    ["FROM ", "JOIN ", "INTO ", "UPDATE "].iter().any(|kw| {
        let pat = format!("{kw}{table}");
        text.match_indices(&pat).any(|(i, _)| {
            !text[i + pat.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

#[test]
fn no_domain_reads_another_domains_tables() {
    let mut readers: Vec<(String, String)> = Vec::new();
    for f in sources() {
        let exempt = SQL_EXEMPT.iter().any(|p| f.starts_with(p));
        if exempt {
            continue;
        }
        let krate = f.split('/').nth(1).unwrap_or("").to_string();
        let text = std::fs::read_to_string(root().join(&f)).unwrap();
        let text = before_tests(&text);
        for (owner, tables) in OWNED_TABLES {
            if krate == *owner {
                continue;
            }
            for t in *tables {
                if names_table(text, t) {
                    readers.push((krate.clone(), format!("{f} reads {t} ({owner}'s)")));
                }
            }
        }
    }
    let new: Vec<&String> = readers
        .iter()
        .filter(|(k, _)| !FOREIGN_READERS.contains(&k.as_str()))
        .map(|(_, what)| what)
        .collect();
    assert!(
        new.is_empty(),
        "a domain reads another's tables (ask the owner's service instead): {new:#?}"
    );
    let paid: Vec<&&str> = FOREIGN_READERS
        .iter()
        .filter(|k| !readers.iter().any(|(r, _)| r == *k))
        .collect();
    assert!(
        paid.is_empty(),
        "these crates no longer read other domains' tables: remove them from FOREIGN_READERS: {paid:?}"
    );
    // The rule has teeth.
    assert!(names_table(
        "SELECT name FROM departments WHERE id = $1",
        "departments"
    ));
    assert!(!names_table("SELECT 1 FROM departments_old", "departments"));
}
