//! Shared helpers for the criterion benches: the hold model's pre-generated
//! increments, a counting allocator for bytes per pending event, and a
//! reader of criterion's saved estimates for ratio tables.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Increments of the classic hold model, in ticks: `⌊Exp(1)·10⁹⌋ + 1`, so
/// that equal times are rare and no increment is zero. Drawn once from a
/// fixed ChaCha8 seed, so every engine replays exactly the same sequence and
/// the generator's cost stays out of the measurement.
pub fn hold_increments(len: usize, seed: u64) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len)
        .map(|_| {
            let x: f64 = Exp1.sample(&mut rng);
            (x * 1e9) as u64 + 1
        })
        .collect()
}

/// A global allocator that counts live heap bytes and allocation calls, so a
/// bench can report the memory a structure holds (bytes per pending event).
/// Install with `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
pub struct CountingAlloc;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

impl CountingAlloc {
    /// Heap bytes currently allocated through this allocator.
    pub fn live_bytes() -> usize {
        LIVE_BYTES.load(Ordering::Relaxed)
    }
    /// Allocation calls (alloc, alloc_zeroed, realloc) so far.
    pub fn allocations() -> usize {
        ALLOCATIONS.load(Ordering::Relaxed)
    }
}

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Criterion's output directory, found as criterion finds it:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
/// `target/criterion`.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("criterion"),
        None => PathBuf::from("target/criterion"),
    }
}

/// The median time per iteration, in nanoseconds, that criterion saved for
/// one benchmark (`<dir>/<group>/<function>/<parameter>/new/estimates.json`);
/// `None` if that benchmark did not run.
pub fn saved_median_ns(dir: &Path, group: &str, function: &str, parameter: &str) -> Option<f64> {
    let path = dir
        .join(group)
        .join(function)
        .join(parameter)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let median = &text[text.find("\"median\"")?..];
    let start = median.find("\"point_estimate\":")? + "\"point_estimate\":".len();
    let rest = &median[start..];
    let end = rest.find([',', '}'])?;
    rest[..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increments_are_positive_and_near_mean_1e9() {
        let incs = hold_increments(100_000, 7);
        assert!(incs.iter().all(|&i| i >= 1));
        let mean = incs.iter().map(|&i| i as f64).sum::<f64>() / incs.len() as f64;
        assert!((mean / 1e9 - 1.0).abs() < 0.02, "mean {mean}");
        assert_eq!(incs, hold_increments(100_000, 7));
    }

    #[test]
    fn reads_criterion_median() {
        let dir = std::env::temp_dir().join(format!("aistack-bench-test-{}", std::process::id()));
        let p = dir.join("g").join("f").join("10").join("new");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(
            p.join("estimates.json"),
            r#"{"mean":{"confidence_interval":{"lower_bound":1.0},"point_estimate":9.0},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.0},"point_estimate":2.5,"standard_error":0.1}}"#,
        )
        .unwrap();
        assert_eq!(saved_median_ns(&dir, "g", "f", "10"), Some(2.5));
        assert_eq!(saved_median_ns(&dir, "g", "x", "10"), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
