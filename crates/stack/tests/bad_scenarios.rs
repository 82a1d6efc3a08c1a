//! The corpus of bad scenarios: each file in `tests/bad/` opens with
//! `// expect: …` lines, and loading it must fail with a message containing
//! every one of them — never a panic, never a success.

use std::path::Path;

#[test]
fn every_bad_scenario_is_refused_with_its_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 15, "the corpus lost files");
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let expects: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("// expect: "))
            .collect();
        assert!(!expects.is_empty(), "{} has no `// expect:` line", file.display());
        match stack::Scenario::load(file) {
            Ok(_) => failures.push(format!(
                "{}: loaded, but should have been refused",
                file.display()
            )),
            Err(e) => {
                let msg = e.to_string();
                for want in &expects {
                    if !msg.contains(want) {
                        failures.push(format!("{}:\n  wanted: {want}\n  got:    {msg}", file.display()));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
