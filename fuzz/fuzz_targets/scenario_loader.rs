//! Arbitrary bytes into the scenario loader: it must return `Ok` or `Err`,
//! never panic, hang or exhaust memory.
//!
//! The input stands for a file in `examples/scenarios/`, so a variant may
//! name a real base (`base: "minimal.ron"`) and exercise `set`, `add`,
//! `remove` and `uncertain` against it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

const NAME: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/scenarios/fuzz-input.ron"
);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The typed parse alone (no `base:`, no checks) ...
    let _ = ron::from_str::<stack::ScenarioData>(text);
    // ... and the whole loader: probe, base chain, variant, every check.
    let _ = stack::Scenario::from_text(Path::new(NAME), text);
});
