//! The shape of the source tree: small files (STYLE.md, "Small files").

use std::path::{Path, PathBuf};

/// The most lines a source file may have before its test module, comments and blank lines included.
const MAX_LINES: usize = 300;

/// Lines before the file's test module: the first `#[cfg(test)]` at the top level that opens a `mod`.
/// A `#[cfg(test)]` on anything else (a helper function, a field) does not end the count.
fn non_test_lines(source: &str) -> usize {
    let lines: Vec<&str> = source.lines().collect();
    lines
        .windows(2)
        .position(|pair| pair[0] == "#[cfg(test)]" && pair[1].starts_with("mod "))
        .unwrap_or(lines.len())
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_source_file_has_more_than_300_lines_before_its_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 10, "found only {files:?}");
    let mut too_long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = non_test_lines(&std::fs::read_to_string(path).unwrap());
            let name = path.strip_prefix(root).unwrap().display();
            (lines > MAX_LINES).then(|| format!("{name}: {lines} lines"))
        })
        .collect();
    too_long.sort();
    assert!(
        too_long.is_empty(),
        "over {MAX_LINES} lines before the tests; split along a seam (STYLE.md 2.14):\n{}",
        too_long.join("\n")
    );
}

#[test]
fn lines_are_counted_up_to_the_test_module_only() {
    assert_eq!(non_test_lines("fn a() {}\n\n// b\n"), 3);
    assert_eq!(
        non_test_lines("fn a() {}\n\n#[cfg(test)]\nmod tests {\n    fn t() {}\n}\n"),
        2
    );
    // A test-only helper above more code does not hide the code below it.
    assert_eq!(
        non_test_lines("#[cfg(test)]\nfn helper() {}\nfn a() {}\n#[cfg(test)]\nmod tests {}\n"),
        3
    );
    assert_eq!(
        non_test_lines("fn a() {\n    #[cfg(test)]\n    mod inner {}\n}\n"),
        4
    );
}
