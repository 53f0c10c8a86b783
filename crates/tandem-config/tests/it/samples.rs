//! Data-driven tests: every file in tests/samples/valid must load without errors, every file
//! in tests/samples/invalid must fail, and its messages are snapshot-tested.

use std::path::{Path, PathBuf};

use tandem_config::{ParseOptions, parse};

fn samples(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/samples")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The path as the tests show it: relative to the crate, so snapshots do not depend on where
/// the repository is checked out.
fn shown(path: &Path) -> PathBuf {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .to_path_buf()
}

#[test]
fn valid_samples_load() {
    let files = samples("valid");
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let result = parse(&text, &file, ParseOptions::default());
        if let Err(errors) = result {
            panic!("{}: {errors}", shown(&file).display());
        }
    }
}

#[test]
fn invalid_samples_fail_with_the_expected_messages() {
    let files = samples("invalid");
    assert!(files.len() >= 10);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let path = shown(&file);
        // Parse with the crate-relative path so relative references resolve the same way.
        let errors = match parse(
            &text,
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(&path),
            ParseOptions::default(),
        ) {
            Ok(_) => panic!("{} should be invalid", path.display()),
            Err(errors) => errors,
        };
        let root = format!("{}/", env!("CARGO_MANIFEST_DIR"));
        let mut report: Vec<String> = errors.errors.iter().map(ToString::to_string).collect();
        report.extend(errors.warnings.iter().map(ToString::to_string));
        let report = report.join("\n").replace(&root, "");
        // Samples holding a fake token mark it with "canary": no message may repeat it.
        assert!(!report.contains("canary"), "{report}");
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({ snapshot_suffix => name.clone(), omit_expression => true }, {
            insta::assert_snapshot!("invalid", report);
        });
    }
}
