//! The house's rooms keep to themselves: the three front doors (`web`, `identity`, `api`) import nothing
//! from each other, the shared plumbing (`http`) and the core (`state`, `store`, `domain`, `service`)
//! import no door, so a reader can follow one request without detours. Read from the source text, as a
//! reviewer would.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `path` (or `path` itself when it is a file).
fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        let entry = entry.unwrap().path();
        if entry.is_dir() {
            files.extend(rust_files(&entry));
        } else if entry.extension().is_some_and(|e| e == "rs") {
            files.push(entry);
        }
    }
    files
}

/// The top-level modules a source text names through `crate::`, including inside `use crate::{a, b::c}`.
fn crate_modules_named(source: &str) -> Vec<String> {
    let mut named = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            // Only the first name of each top-level item: `a::{x, y}, b` names a and b.
            let mut depth = 0;
            let mut item_start = true;
            let mut name = String::new();
            for c in group[..end].chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => name.push(c),
                    _ if item_start && !name.is_empty() => {
                        named.push(std::mem::take(&mut name));
                        item_start = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                named.push(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            named.push(name);
        }
    }
    named
}

/// Files under `room` that name any of `forbidden` (`crate::x`, or `super::x` / `super::super::x`,
/// which inside a door's folder can only reach a sibling door).
fn offenders(room: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for file in rust_files(&root.join(room)) {
        let source = std::fs::read_to_string(&file).unwrap();
        let named = crate_modules_named(&source);
        for module in forbidden {
            let relative = [
                format!("super::{module}::"),
                format!("super::super::{module}::"),
            ];
            if named.iter().any(|n| n == module)
                || (room != "src" && relative.iter().any(|r| source.contains(r.as_str())))
            {
                found.push(format!(
                    "{} uses {module}",
                    file.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    found
}

#[test]
fn the_doors_import_nothing_from_each_other() {
    assert_eq!(
        offenders("src/web", &["identity", "api"]),
        Vec::<String>::new()
    );
    assert_eq!(
        offenders("src/identity", &["web", "api"]),
        Vec::<String>::new()
    );
    assert_eq!(
        offenders("src/api", &["web", "identity"]),
        Vec::<String>::new()
    );
    // The admin API stands on the core, the signing room and the plumbing, and nothing else.
    assert_eq!(offenders("src/api", &["cli"]), Vec::<String>::new());
}

#[test]
fn the_shared_rooms_and_the_core_name_no_door() {
    let doors = ["web", "identity", "api"];
    for room in [
        "src/http",
        "src/state.rs",
        "src/store",
        "src/domain",
        "src/service",
        "src/clock.rs",
        "src/config",
        "src/signing",
    ] {
        assert_eq!(offenders(room, &doors), Vec::<String>::new(), "{room}");
    }
    // The core does not reach up into the plumbing or the command line either.
    for room in ["src/store", "src/domain", "src/state.rs"] {
        assert_eq!(
            offenders(room, &["http", "cli", "service"]),
            Vec::<String>::new(),
            "{room}"
        );
    }
}

#[test]
fn the_checker_sees_every_way_of_naming_a_module() {
    let named = |s: &str| crate_modules_named(s);
    assert_eq!(named("use crate::identity::OAuthError;"), ["identity"]);
    assert_eq!(
        named("use crate::{\n    http::ClientAddr,\n    web::{Form, Path},\n    store,\n};"),
        ["http", "web", "store"]
    );
    assert_eq!(
        named("let x = crate::web::error::AppError::NotFound;"),
        ["web"]
    );
    assert!(named("use super::Thing; // crate-wide").is_empty());
}
