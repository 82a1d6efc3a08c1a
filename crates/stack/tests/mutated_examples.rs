//! The example scenarios with a few of their numbers changed at random
//! (to 0, 1, a thousand times more or less, or within a factor of ten):
//! whatever loads runs to its end, or stops with one of the errors a run
//! may meet (the adequacy project limit, the event budget), and never
//! panics nor fails otherwise. The loader's ranges are checked field by
//! field in `limits.rs`; this reaches the combinations of a real, many-region
//! scenario that the template there does not. Slow, so not in the default
//! suite: `F=china-2025.ron N=300 S=1 cargo test -p aistack-stack --test
//! mutated_examples -- --ignored --nocapture` (`F` a file of
//! examples/scenarios, `N` mutations from seed `S`; see `fuzz/README.md`).

#[path = "common/explore.rs"]
mod explore;

use stack::Scenario;
use std::path::Path;

/// Byte spans of the number literals of a RON text outside comments and
/// strings (so not dates nor names).
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let (mut spans, mut i) = (Vec::new(), 0);
    let part_of_number = |i: usize| {
        b[i].is_ascii_digit()
            || b"._eE".contains(&b[i])
            || (b"+-".contains(&b[i]) && i > 0 && b"eE".contains(&b[i - 1]))
    };
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += 1;
                }
                i += 1;
            }
            c if c.is_ascii_digit()
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b"_.".contains(&b[i - 1]))) =>
            {
                let start = i;
                while i < b.len() && part_of_number(i) {
                    i += 1;
                }
                // A number glued to letters is part of a name.
                if i >= b.len() || !b[i].is_ascii_alphabetic() {
                    spans.push((start, i));
                }
            }
            _ => i += 1,
        }
    }
    spans
}

#[test]
#[ignore]
fn mutated_examples_run_or_stop_cleanly() {
    let (n, seed) = (explore::env_u64("N", 50), explore::env_u64("S", 1));
    let file = std::env::var("F").unwrap_or_else(|_| "china-2025.ron".into());
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/scenarios")
        .join(&file);
    let text = std::fs::read_to_string(&path).expect("an example scenario");
    let spans = numbers(&text);
    assert!(!spans.is_empty(), "no numbers in {file}");
    let mut draws = explore::Draws::new(seed);
    let (mut loaded, mut failures) = (0, Vec::new());
    for case in 0..n {
        let k = 1 + draws.index(6);
        let mut picks: Vec<usize> = (0..k).map(|_| draws.index(spans.len())).collect();
        picks.sort_unstable();
        picks.dedup();
        let (mut out, mut last, mut changes) = (String::new(), 0, Vec::new());
        for &p in &picks {
            let (s, e) = spans[p];
            let written = &text[s..e];
            let v: f64 = written.replace('_', "").parse().unwrap_or(1.0);
            let r = draws.next();
            let changed = match r {
                r if r < 0.15 => 0.0,
                r if r < 0.3 => v * 1e3,
                r if r < 0.45 => v * 1e-3,
                r if r < 0.55 => 1.0,
                _ => v * scheduler::math::powf(10.0, 2.0 * draws.next() - 1.0),
            };
            let integer = !written.contains(['.', 'e', 'E']);
            let new = if integer {
                format!("{}", changed.round() as i64)
            } else {
                format!("{changed:e}")
            };
            out.push_str(&text[last..s]);
            out.push_str(&new);
            last = e;
            let line = text[..s].matches('\n').count() + 1;
            changes.push(format!("line {line}: {written} -> {new}"));
        }
        out.push_str(&text[last..]);
        let Ok(s) = Scenario::from_text(&path, &out) else {
            continue; // refused at load, as a range or relation says
        };
        loaded += 1;
        if let Some(what) = explore::run_fault(&s, case) {
            failures.push(format!("case {case}: {what}\n  {changes:?}"));
        }
    }
    eprintln!("{loaded} of {n} mutations of {file} loaded and ran");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
