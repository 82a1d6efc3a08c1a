//! Inputs the scenario-loader fuzzer (`fuzz/`, see `fuzz/README.md`) found
//! or that guard what it found: each must load to `Ok` or `Err`, never panic.
//! Add a crash input by copying it into `tests/fuzz-regressions/`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[test]
fn fuzz_regressions_load_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    // Like the fuzz target, the input stands for a file beside the examples,
    // so a `base:` can name a real scenario.
    let name = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/fuzz-input.ron");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-regressions exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "no regression inputs in {}", dir.display());
    let mut panicked = Vec::new();
    for path in &entries {
        let bytes = std::fs::read(path).expect("readable input");
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            let _ = ron::from_str::<stack::ScenarioData>(text);
            let _ = stack::Scenario::from_text(&name, text);
        }));
        if result.is_err() {
            panicked.push(path.display().to_string());
        }
    }
    assert!(panicked.is_empty(), "loading panicked on: {panicked:?}");
}
