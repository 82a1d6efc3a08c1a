//! Shared helpers for the criterion benches: the hold model's pre-generated
//! increments, a counting allocator for bytes per pending event, a reader of
//! criterion's saved estimates for ratio tables, and [`Selection`]: which
//! benchmarks the command line asks for, so that work a bench does outside
//! criterion's control (a throughput pre-run, a custom table) is done only
//! for a benchmark that is measured, never under `--list`.

use rand::SeedableRng;
use rand::distr::Distribution;
use rand_chacha::ChaCha8Rng;
use scheduler::dist::Exp1;
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

/// Criterion's output directory, found as criterion 0.8 finds it, so that
/// the tables read back the medians criterion just saved: `$CRITERION_HOME`,
/// else `$CARGO_TARGET_DIR/criterion`, else the target directory `cargo
/// metadata` reports (cargo sets `$CARGO` for a bench; this is where a plain
/// `cargo bench` puts its results), else `target/criterion` relative to the
/// working directory (the package root under cargo).
pub fn criterion_dir() -> PathBuf {
    use std::env::var_os;
    criterion_dir_from(
        var_os("CRITERION_HOME"),
        var_os("CARGO_TARGET_DIR"),
        var_os("CARGO"),
    )
}

/// [`criterion_dir`] given the three variables it reads (`CRITERION_HOME`,
/// `CARGO_TARGET_DIR`, `CARGO`).
pub fn criterion_dir_from(
    home: Option<std::ffi::OsString>,
    target: Option<std::ffi::OsString>,
    cargo: Option<std::ffi::OsString>,
) -> PathBuf {
    if let Some(home) = home {
        return PathBuf::from(home);
    }
    let from_metadata = || {
        let out = std::process::Command::new(cargo?)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .ok()?;
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        meta.get("target_directory")?.as_str().map(PathBuf::from)
    };
    match target.map(PathBuf::from).or_else(from_metadata) {
        Some(t) => t.join("criterion"),
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

/// What criterion does with the benchmarks of this run, read from the bench
/// binary's arguments as `Criterion::configure_from_args` reads them
/// (criterion keeps its own reading private).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchMode {
    /// `cargo bench`: measure the selected benchmarks.
    Measure,
    /// `--list`: print the selected benchmarks' ids, run nothing.
    List,
    /// `--test` (or `cargo test --benches`): run each selected benchmark once, measure nothing.
    Test,
    /// `--profile-time S`: iterate each selected benchmark for a profiler, no analysis.
    Profile,
}

/// Which benchmarks a bench binary's command line selects, and in which
/// [`BenchMode`]: `FILTER` (a regex over ids `group/function/parameter`, or
/// the id itself with `--exact`), `--ignored` (none), `--list`, `--test`,
/// `--bench`, `--profile-time`. A bench consults it before any work that
/// criterion does not control, so `--list` and a filter cost nothing.
#[derive(Clone, Debug)]
pub struct Selection {
    /// What criterion does with the selected benchmarks.
    pub mode: BenchMode,
    filter: Filter,
}

#[derive(Clone, Debug)]
enum Filter {
    All,
    Regex(regex::Regex),
    Exact(String),
    None,
}

/// Criterion's options that take a value (the next argument, or `=value`):
/// every option of criterion 0.8's `configure_from_args` that is not a flag
/// (`num_args(0)`), checked against criterion 0.8.2's source.
const VALUE_OPTIONS: [&str; 20] = [
    "-c",
    "--color",
    "--colour",
    "-s",
    "--save-baseline",
    "-b",
    "--baseline",
    "--baseline-lenient",
    "--format",
    "--profile-time",
    "--load-baseline",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--plotting-backend",
    "--output-format",
];

impl Selection {
    /// The selection of this process's arguments.
    pub fn from_args() -> Selection {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Selection::parse(&args)
    }

    /// The selection of `args` (without the program name), read as criterion
    /// reads them. A filter that is not a valid regex selects nothing
    /// (criterion itself stops on it).
    pub fn parse(args: &[String]) -> Selection {
        let (mut list, mut test, mut bench, mut profile, mut exact, mut ignored) =
            (false, false, false, false, false, false);
        let mut filter = None;
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let name = a.split_once('=').map_or(a.as_str(), |(n, _)| n);
            match name {
                "--list" => list = true,
                "--test" => test = true,
                "--bench" => bench = true,
                "--exact" => exact = true,
                "--ignored" => ignored = true,
                "--profile-time" => {
                    profile = true;
                    if !a.contains('=') {
                        it.next();
                    }
                }
                _ if VALUE_OPTIONS.contains(&name) => {
                    if !a.contains('=') {
                        it.next();
                    }
                }
                _ if a.starts_with('-') => {}
                _ => {
                    if filter.is_none() {
                        filter = Some(a.clone());
                    }
                }
            }
        }
        let mode = if list {
            BenchMode::List
        } else if test || !bench {
            BenchMode::Test
        } else if profile {
            BenchMode::Profile
        } else {
            BenchMode::Measure
        };
        let filter = match (ignored, filter) {
            (true, _) => Filter::None,
            (false, None) => Filter::All,
            (false, Some(f)) if exact => Filter::Exact(f),
            (false, Some(f)) => regex::Regex::new(&f).map_or(Filter::None, Filter::Regex),
        };
        Selection { mode, filter }
    }

    /// Whether the filter selects benchmark `id` (`group/function/parameter`).
    pub fn selects(&self, id: &str) -> bool {
        match &self.filter {
            Filter::All => true,
            Filter::Regex(r) => r.is_match(id),
            Filter::Exact(e) => id == e,
            Filter::None => false,
        }
    }

    /// Whether benchmark `id` is measured in this run (selected, and
    /// criterion is benchmarking): only then is work done for it outside
    /// criterion worth doing (a throughput pre-run, a custom table).
    pub fn measures(&self, id: &str) -> bool {
        self.mode == BenchMode::Measure && self.selects(id)
    }

    /// For a benchmark whose work is not a criterion benchmark (a custom
    /// table): prints [`Selection::custom_line`] when there is one, and
    /// returns whether to run it now ([`Selection::measures`]).
    pub fn custom(&self, id: &str) -> bool {
        if let Some(line) = self.custom_line(id) {
            println!("{line}");
        }
        self.measures(id)
    }

    /// What a custom table `id` prints when selected and not measured: its
    /// id under `--list`, as criterion lists its own (`id: benchmark`); under
    /// `--test` and `--profile-time`, that it is skipped (it is no criterion
    /// benchmark, so criterion says nothing of it, and a user could not tell
    /// it was left out). `None` when it is measured or not selected.
    pub fn custom_line(&self, id: &str) -> Option<String> {
        if !self.selects(id) {
            return None;
        }
        let skipped = |flag: &str| {
            format!(
                "{id}: skipped under {flag} (a table measured outside criterion, only by \
                 `cargo bench` without --test, --list or --profile-time)"
            )
        };
        match self.mode {
            BenchMode::Measure => None,
            BenchMode::List => Some(format!("{id}: benchmark")),
            BenchMode::Test => Some(skipped("--test")),
            BenchMode::Profile => Some(skipped("--profile-time")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(args: &str) -> Selection {
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        Selection::parse(&args)
    }

    /// A plain `cargo bench` (no `CRITERION_HOME`, no `CARGO_TARGET_DIR`)
    /// saves under the target directory cargo built in, not under
    /// `target/criterion` relative to the bench's working directory (the
    /// package root, `benches/`, where nothing is): the tables must read
    /// back from the same place.
    #[test]
    fn criterion_dir_is_the_target_directory_cargo_built_in() {
        let cargo = Some(std::ffi::OsString::from(env!("CARGO")));
        let dir = criterion_dir_from(None, None, cargo.clone());
        assert!(dir.is_absolute(), "{}", dir.display());
        assert!(dir.ends_with("criterion"));
        let exe = std::env::current_exe().unwrap();
        assert!(
            exe.starts_with(dir.parent().unwrap()),
            "{} is not under {}",
            exe.display(),
            dir.display()
        );
        // The variables criterion prefers come first.
        assert_eq!(
            criterion_dir_from(Some("/h".into()), Some("/t".into()), cargo.clone()),
            PathBuf::from("/h")
        );
        assert_eq!(
            criterion_dir_from(None, Some("/t".into()), cargo),
            PathBuf::from("/t/criterion")
        );
        assert_eq!(
            criterion_dir_from(None, None, None),
            PathBuf::from("target/criterion")
        );
    }

    #[test]
    fn selection_reads_mode_and_filter_as_criterion_does() {
        // `cargo bench` passes --bench; `cargo test --benches` does not.
        assert_eq!(sel("--bench").mode, BenchMode::Measure);
        assert_eq!(sel("").mode, BenchMode::Test);
        assert_eq!(sel("--bench --test").mode, BenchMode::Test);
        assert_eq!(sel("--bench --list").mode, BenchMode::List);
        assert_eq!(sel("--bench --profile-time 5").mode, BenchMode::Profile);
        let all = sel("--bench");
        assert!(all.measures("hold/sched_heap/1000") && all.measures("hold_tables/memory"));
        let listed = sel("--bench --list");
        assert!(listed.selects("hold/sched_heap/1000") && !listed.measures("hold/sched_heap/1000"));
        // The filter is the first positional argument, a regex; option values are skipped.
        let f = sel("--bench --measurement-time 3 --warm-up-time=1 hold/sched_(auto|heap)/1000000$");
        assert!(f.measures("hold/sched_auto/1000000") && f.measures("hold/sched_heap/1000000"));
        assert!(!f.measures("hold/sched_heap/1000") && !f.measures("hold_tables/interleaved"));
        let b = sel("--bench --save-baseline before interleaved");
        assert!(b.measures("hold_tables/interleaved") && !b.measures("hold_tables/memory"));
        assert!(!b.selects("before"), "a baseline name is no filter");
        let e = sel("--bench --exact hold/floor_heap_pop_push/1000");
        assert!(e.measures("hold/floor_heap_pop_push/1000") && !e.measures("hold/floor_heap_pop_push/10000"));
        assert!(!sel("--bench --ignored").selects("hold/sched_heap/1000"));
        assert!(
            !sel("--bench (").selects("hold/sched_heap/1000"),
            "an invalid regex"
        );
        // `--output-format` takes a value (criterion 0.8), in both spellings.
        for args in [
            "--bench --output-format bencher hold_tables",
            "--bench --output-format=bencher hold_tables",
        ] {
            let o = sel(args);
            assert!(o.measures("hold_tables/memory"), "{args}");
            assert!(
                !o.selects("bencher") && !o.selects("hold/sched_heap/1000"),
                "{args}"
            );
        }
        let o = sel("--bench --list --output-format criterion");
        assert!(o.selects("hold_tables/simpy"), "no filter: all listed");
    }

    /// Every value option criterion 0.8 declares is read with its value, and
    /// no flag of it is: a flag followed by a filter keeps the filter.
    #[test]
    fn value_options_are_criterion_0_8s() {
        for opt in VALUE_OPTIONS {
            let o = sel(&format!("--bench {opt} v hold_tables/memory"));
            assert!(o.selects("hold_tables/memory") && !o.selects("v"), "{opt}");
        }
        for flag in [
            "-v",
            "--verbose",
            "--quiet",
            "-n",
            "--noplot",
            "--discard-baseline",
            "--quick",
            "--nocapture",
            "--show-output",
            "--include-ignored",
            "-V",
            "--version",
        ] {
            let o = sel(&format!("--bench {flag} hold_tables/memory"));
            assert!(
                o.measures("hold_tables/memory") && !o.measures("hold/sched_heap/1000"),
                "{flag}"
            );
        }
    }

    /// A custom table says what happens to it when selected and not
    /// measured: listed under --list, skipped (said so) under --test and
    /// --profile-time; nothing when measured or not selected.
    #[test]
    fn a_custom_table_says_it_is_skipped_when_not_measured() {
        let id = "hold_tables/memory";
        assert_eq!(
            sel("--bench --list").custom_line(id).as_deref(),
            Some("hold_tables/memory: benchmark")
        );
        for (args, flag) in [
            ("--bench --test hold_tables/", "--test"),
            ("", "--test"),
            ("--bench --profile-time 1", "--profile-time"),
        ] {
            let line = sel(args).custom_line(id).unwrap_or_default();
            assert!(
                line.starts_with(&format!("hold_tables/memory: skipped under {flag}")),
                "{args}: {line}"
            );
        }
        assert_eq!(sel("--bench").custom_line(id), None);
        assert_eq!(sel("--bench --test hold/").custom_line(id), None);
    }

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
        let scratch = tempfile::Builder::new()
            .prefix("aistack-bench-test-")
            .tempdir()
            .unwrap();
        let dir = scratch.path();
        let p = dir.join("g").join("f").join("10").join("new");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(
            p.join("estimates.json"),
            r#"{"mean":{"confidence_interval":{"lower_bound":1.0},"point_estimate":9.0},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.0},"point_estimate":2.5,"standard_error":0.1}}"#,
        )
        .unwrap();
        assert_eq!(saved_median_ns(dir, "g", "f", "10"), Some(2.5));
        assert_eq!(saved_median_ns(dir, "g", "x", "10"), None);
    }
}
