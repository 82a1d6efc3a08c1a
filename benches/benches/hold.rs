//! The classic hold model: N pending events; pop the earliest, schedule one at
//! `now + ⌊Exp(1)·10⁹⌋ + 1` ticks; repeat. Every scheduler backend runs it at
//! N = 1,000 / 100,000 / 1,000,000 beside two floors measured in the same run:
//! a bare `BinaryHeap<Reverse<(u64, u64, u32)>>` (pop then push) and the same
//! heap holding in place with `peek_mut`. The increments are drawn once, so
//! every engine replays the same sequence and no generator cost is measured.
//!
//! Before the measurements it prints the heap bytes per pending event of each
//! engine (live bytes after scheduling N events ÷ N, growth slack included);
//! after them, a table of events per second and ratios to the bare heap, read
//! back from criterion's saved medians; then the same ratios measured in
//! interleaved rounds (robust to a loaded machine); then the SimPy peer.
//! With `--features peers`, NeXosim 1.0 (one model, one thread) runs the same
//! model as one more engine of every table (`benches/peers/nexosim_hold.rs`).
//!
//! The memory, interleaved and SimPy tables are benchmarks of this target
//! beside criterion's (ids `hold_tables/memory`, `hold_tables/interleaved`,
//! `hold_tables/simpy`): `--list` lists them, and a filter selects them like
//! criterion's own, so `-- --list`, `-- --test` and a filter that leaves them
//! out do none of their work (`-- hold_tables/interleaved`: that table alone;
//! under `-- --test` a selected table prints that it is skipped).
//!
//! Environment switches: `HOLD_SKIP_MEMORY`, `HOLD_INTERLEAVED_ONLY` (no
//! criterion groups), `HOLD_SKIP_INTERLEAVED`, `HOLD_SKIP_PEERS` (SimPy),
//! `HOLD_ENGINES=name,name` (only these engines, and the floor, in the memory
//! and interleaved tables), `HOLD_SIZES=1000,100000` (only these N in the
//! interleaved table).

use aistack_benches::{CountingAlloc, Selection, criterion_dir, hold_increments, saved_median_ns};
use criterion::{BenchmarkId, Criterion, Throughput};
use scheduler::{
    AutoQueue, Backend, HeapQueue, IndexedQueue, InlineRadixQueue, RadixQueue, Scheduler, SimTime,
};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::sync::{Arc, LazyLock};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Pending-event counts.
const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];
/// Holds per criterion iteration.
const HOLDS_PER_ITER: usize = 1_000;
/// Increments table: a power of two, larger than the largest N.
const INCREMENTS: usize = 1 << 21;
const MASK: usize = INCREMENTS - 1;

/// The increments every engine replays, drawn on first use (not under
/// `--list`). Shared, so that an engine which keeps them (NeXosim) holds a
/// reference, not a copy counted as its own memory.
static INCS: LazyLock<Arc<Vec<u64>>> = LazyLock::new(|| Arc::new(hold_increments(INCREMENTS, 0x5EED)));

/// Ids of this target's own tables, listed and filtered like criterion's
/// benchmarks (see the module docs).
const MEMORY_TABLE: &str = "hold_tables/memory";
const INTERLEAVED_TABLE: &str = "hold_tables/interleaved";
const SIMPY_TABLE: &str = "hold_tables/simpy";

/// One engine under the hold model.
trait Hold {
    /// Engine name in reports and criterion ids.
    const NAME: &'static str;
    /// `n` events pending at times `incs[0..n]`. The increments are shared
    /// (an engine that keeps them clones the `Arc`, not the 16 MiB), so the
    /// bytes measured around `build` are the engine's own.
    fn build(n: usize, incs: &Arc<Vec<u64>>) -> Self;
    /// `k` holds, reading increments from `incs[*pos..]` (wrapping).
    fn hold(&mut self, k: usize, incs: &[u64], pos: &mut usize);
}

/// The floor: a bare binary heap of `(ticks, seq, id)`, pop then push.
struct BareHeap {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
}

impl Hold for BareHeap {
    const NAME: &'static str = "floor_heap_pop_push";
    fn build(n: usize, incs: &Arc<Vec<u64>>) -> Self {
        let mut heap = BinaryHeap::new();
        for (i, &t) in incs[..n].iter().enumerate() {
            heap.push(Reverse((t, i as u64, i as u32)));
        }
        BareHeap { heap, seq: n as u64 }
    }
    #[inline]
    fn hold(&mut self, k: usize, incs: &[u64], pos: &mut usize) {
        for _ in 0..k {
            let Some(Reverse((t, _, id))) = self.heap.pop() else {
                return;
            };
            self.heap.push(Reverse((t + incs[*pos & MASK], self.seq, id)));
            self.seq += 1;
            *pos += 1;
        }
    }
}

/// The same heap, holding in place: overwrite the top through `peek_mut`.
struct BareHeapPeekMut(BareHeap);

impl Hold for BareHeapPeekMut {
    const NAME: &'static str = "floor_heap_peek_mut";
    fn build(n: usize, incs: &Arc<Vec<u64>>) -> Self {
        BareHeapPeekMut(BareHeap::build(n, incs))
    }
    #[inline]
    fn hold(&mut self, k: usize, incs: &[u64], pos: &mut usize) {
        let h = &mut self.0;
        for _ in 0..k {
            let Some(mut top) = h.heap.peek_mut() else { return };
            let (t, _, id) = top.0;
            *top = Reverse((t + incs[*pos & MASK], h.seq, id));
            h.seq += 1;
            *pos += 1;
        }
    }
}

/// A `Scheduler<u32, Q>`: `next_event`, then `schedule_at` the same id.
struct Sched<Q: Backend>(Scheduler<u32, Q>);

/// The scheduler's name for a backend.
trait Named {
    const NAME: &'static str;
}
impl Named for HeapQueue {
    const NAME: &'static str = "sched_heap";
}
impl Named for IndexedQueue {
    const NAME: &'static str = "sched_indexed";
}
impl Named for RadixQueue {
    const NAME: &'static str = "sched_radix";
}
impl Named for AutoQueue {
    const NAME: &'static str = "sched_auto";
}
impl Named for InlineRadixQueue {
    const NAME: &'static str = "sched_inline";
}

impl<Q: Backend + Named> Hold for Sched<Q> {
    const NAME: &'static str = Q::NAME;
    fn build(n: usize, incs: &Arc<Vec<u64>>) -> Self {
        let mut s = Scheduler::new();
        for (i, &t) in incs[..n].iter().enumerate() {
            s.schedule_at(SimTime(t), i as u32)
                .expect("bench: time in the future");
        }
        Sched(s)
    }
    #[inline]
    fn hold(&mut self, k: usize, incs: &[u64], pos: &mut usize) {
        for _ in 0..k {
            let Ok(Some((t, id))) = self.0.next_event() else {
                return;
            };
            let at = SimTime(t.0 + incs[*pos & MASK]);
            if self.0.schedule_at(at, id).is_err() {
                return;
            }
            *pos += 1;
        }
    }
}

fn bench_engine<H: Hold>(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.throughput(Throughput::Elements(HOLDS_PER_ITER as u64));
    for n in SIZES {
        // Built on first use, so a filtered-out benchmark costs nothing.
        let mut state: Option<(H, usize)> = None;
        group.bench_function(BenchmarkId::new(H::NAME, n), |b| {
            let incs: &Arc<Vec<u64>> = &INCS;
            let (engine, pos) = state.get_or_insert_with(|| {
                let mut engine = H::build(n, incs);
                let mut pos = n;
                // Warm up into the steady state (times spread as the hold
                // model spreads them, capacity grown) before measuring.
                engine.hold(2 * n.max(10_000), incs, &mut pos);
                (engine, pos)
            });
            b.iter(|| engine.hold(black_box(HOLDS_PER_ITER), incs, pos))
        });
    }
    group.finish();
}

/// Heap bytes per pending event after building `n` events.
fn bytes_per_event<H: Hold>(n: usize, incs: &Arc<Vec<u64>>) -> f64 {
    let before = CountingAlloc::live_bytes();
    let engine = H::build(n, incs);
    let bytes = CountingAlloc::live_bytes().saturating_sub(before);
    drop(black_box(engine));
    bytes as f64 / n as f64
}

/// The NeXosim peer as a hold engine (`--features peers`).
#[cfg(feature = "peers")]
#[path = "../peers/nexosim_hold.rs"]
mod nexosim_hold;

#[cfg(feature = "peers")]
impl Hold for nexosim_hold::NexosimHold {
    const NAME: &'static str = "nexosim_1.0_1thread";
    fn build(n: usize, incs: &Arc<Vec<u64>>) -> Self {
        nexosim_hold::NexosimHold::build(n, Arc::clone(incs))
    }
    fn hold(&mut self, k: usize, _incs: &[u64], pos: &mut usize) {
        *pos += self.hold(k) as usize;
    }
}

/// An engine built with `n` events and warmed up, as a closure doing `k` holds.
type Runner<'a> = Box<dyn FnMut(usize) + 'a>;

/// Every engine: its name, its criterion benchmarks, bytes per pending
/// event, and a warmed-up runner.
struct EngineFns {
    name: &'static str,
    bench: fn(&mut Criterion),
    bytes: BytesPerEvent,
    runner: for<'a> fn(usize, &'a Arc<Vec<u64>>) -> Runner<'a>,
}

fn engine<H: Hold + 'static>() -> EngineFns {
    EngineFns {
        name: H::NAME,
        bench: bench_engine::<H>,
        bytes: bytes_per_event::<H>,
        runner: runner::<H>,
    }
}

/// Every engine, floors first (`all_engines()[0]` is the floor every ratio
/// divides by): the one list that the criterion groups and every table use.
fn all_engines() -> Vec<EngineFns> {
    #[allow(unused_mut)]
    let mut v = vec![
        engine::<BareHeap>(),
        engine::<BareHeapPeekMut>(),
        engine::<Sched<HeapQueue>>(),
        engine::<Sched<IndexedQueue>>(),
        engine::<Sched<RadixQueue>>(),
        engine::<Sched<AutoQueue>>(),
        engine::<Sched<InlineRadixQueue>>(),
    ];
    #[cfg(feature = "peers")]
    v.push(engine::<nexosim_hold::NexosimHold>());
    v
}

/// The engines of the tables: [`all_engines`], or with `HOLD_ENGINES=a,b`
/// only these (and the floor) in the memory and interleaved tables.
fn engines() -> Vec<EngineFns> {
    let mut v = all_engines();
    if let Ok(only) = std::env::var("HOLD_ENGINES") {
        let only: Vec<&str> = only.split(',').map(str::trim).collect();
        v.retain(|e| e.name == BareHeap::NAME || only.contains(&e.name));
    }
    v
}

/// Bytes per pending event of one engine at one N.
type BytesPerEvent = fn(usize, &Arc<Vec<u64>>) -> f64;

fn memory_report(incs: &Arc<Vec<u64>>) {
    println!(
        "heap bytes per pending event (live bytes after scheduling N events / N, growth slack included)"
    );
    println!("| engine | N = 1e3 | N = 1e5 | N = 1e6 |\n| --- | --- | --- | --- |");
    for e in engines() {
        let cells: Vec<String> = SIZES
            .iter()
            .map(|&n| format!("{:.1}", (e.bytes)(n, incs)))
            .collect();
        println!("| {} | {} |", e.name, cells.join(" | "));
    }
}

/// Events per second and ratio to the bare heap for every engine and N, from
/// the medians criterion just saved. Only the benchmarks this invocation
/// measured are read: a median an earlier `cargo bench` left (another
/// commit, another load) is never shown as "same run".
fn ratio_report(sel: &Selection) {
    let dir = criterion_dir();
    println!("\nhold model: events per second (median) and ratio to floor_heap_pop_push, same run");
    println!("| engine | N = 1e3 | N = 1e5 | N = 1e6 |\n| --- | --- | --- | --- |");
    let rate = |engine: &str, n: usize| {
        sel.measures(&format!("hold/{engine}/{n}"))
            .then(|| saved_median_ns(&dir, "hold", engine, &n.to_string()))
            .flatten()
            .map(|ns| HOLDS_PER_ITER as f64 / (ns * 1e-9))
    };
    let floor = BareHeap::NAME;
    for engine in engines().iter().map(|e| e.name) {
        let cells: Vec<String> = SIZES
            .iter()
            .map(|&n| match (rate(engine, n), rate(floor, n)) {
                (Some(r), Some(floor)) => format!("{:.2} M/s ({:.2}×)", r / 1e6, r / floor),
                (Some(r), None) => format!("{:.2} M/s", r / 1e6),
                _ => "–".to_string(),
            })
            .collect();
        println!("| {engine} | {} |", cells.join(" | "));
    }
}

/// Ratios robust to a loaded, shared machine: all engines of one N are built
/// side by side, then run in `ROUNDS` rounds (order rotated each round), each
/// engine doing the same number of holds per round. Reports each engine's
/// median events per second and the median over rounds of its ratio to the
/// floor in the same round, so load that drifts between rounds cancels out.
fn interleaved_report(incs: &Arc<Vec<u64>>) -> Vec<f64> {
    const ROUNDS: usize = 15;
    println!(
        "\nhold model, interleaved rounds ({ROUNDS} per N): median events/s and median per-round ratio to floor_heap_pop_push"
    );
    println!("| engine | N = 1e3 | N = 1e5 | N = 1e6 |\n| --- | --- | --- | --- |");
    let all = engines();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); all.len()];
    let mut floor_rates = Vec::new();
    let only: Option<Vec<usize>> = std::env::var("HOLD_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect());
    for n in SIZES {
        if only.as_ref().is_some_and(|o| !o.contains(&n)) {
            for row in &mut cells {
                row.push("–".to_string());
            }
            floor_rates.push(f64::NAN);
            continue;
        }
        let holds = match n {
            1_000 => 50_000,
            100_000 => 20_000,
            _ => 10_000,
        };
        let mut runs: Vec<Runner<'_>> = all.iter().map(|e| (e.runner)(n, incs)).collect();
        let mut rates = vec![Vec::with_capacity(ROUNDS); runs.len()];
        for round in 0..ROUNDS {
            let mut secs = vec![0.0; runs.len()];
            for k in 0..runs.len() {
                let e = (k + round) % runs.len();
                let start = std::time::Instant::now();
                runs[e](holds);
                secs[e] = start.elapsed().as_secs_f64();
            }
            for (e, s) in secs.iter().enumerate() {
                rates[e].push(holds as f64 / s);
            }
        }
        floor_rates.push(median(&rates[0]));
        for e in 0..runs.len() {
            let ratios: Vec<f64> = (0..ROUNDS).map(|r| rates[e][r] / rates[0][r]).collect();
            cells[e].push(format!(
                "{:.2} M/s ({:.2}×)",
                median(&rates[e]) / 1e6,
                median(&ratios)
            ));
        }
    }
    for (e, row) in all.iter().zip(cells) {
        println!("| {} | {} |", e.name, row.join(" | "));
    }
    floor_rates
}

/// An engine built with `n` events and warmed up, as a closure doing `k` holds.
fn runner<H: Hold + 'static>(n: usize, incs: &Arc<Vec<u64>>) -> Runner<'_> {
    let mut engine = H::build(n, incs);
    let mut pos = n;
    engine.hold(n.max(10_000), incs, &mut pos);
    Box::new(move |k| engine.hold(k, incs, &mut pos))
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Runs `benches/peers/simpy_hold.py` on the same increments if `python3`
/// with SimPy is present, and prints its events per second beside the
/// floor's: from the interleaved rounds of this run when given
/// (`floor_rates[i]` for `SIZES[i]`), else criterion's median of the floor
/// if this invocation measured it (`sel`), else no ratio.
fn simpy_report(sel: &Selection, incs: &[u64], floor_rates: &[f64]) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/simpy_hold.py");
    let has_simpy = std::process::Command::new("python3")
        .args(["-c", "import simpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_simpy {
        println!("\nSimPy peer skipped: `python3 -c 'import simpy'` failed (pip install simpy)");
        return;
    }
    // Removed on drop, on every path out of this function.
    let Ok(file) = tempfile::Builder::new()
        .prefix("aistack-hold-increments-")
        .suffix(".bin")
        .tempfile()
    else {
        println!("\nSimPy peer skipped: cannot create a temporary file");
        return;
    };
    let path = file.path();
    let bytes: Vec<u8> = incs.iter().flat_map(|i| i.to_le_bytes()).collect();
    if std::fs::write(path, bytes).is_err() {
        println!("\nSimPy peer skipped: cannot write {}", path.display());
        return;
    }
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg("--increments")
        .arg(path)
        .output();
    drop(file);
    let Ok(out) = out else { return };
    let dir = criterion_dir();
    println!("\nSimPy peer (same increments; ratio to floor_heap_pop_push measured in this run)");
    println!("| engine | N | events/s | ratio | bytes per pending event |\n| --- | --- | --- | --- | --- |");
    for line in String::from_utf8_lossy(&out.stdout).lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [engine, n, rate, bytes] = f[..] else { continue };
        let Ok(rate) = rate.parse::<f64>() else { continue };
        let interleaved = SIZES
            .iter()
            .position(|s| s.to_string() == n)
            .and_then(|i| floor_rates.get(i).copied());
        let floor = interleaved.or_else(|| {
            sel.measures(&format!("hold/{}/{n}", BareHeap::NAME))
                .then(|| saved_median_ns(&dir, "hold", BareHeap::NAME, n))
                .flatten()
                .map(|ns| HOLDS_PER_ITER as f64 / (ns * 1e-9))
        });
        let ratio = floor.map_or("–".to_string(), |f| format!("{:.3}×", rate / f));
        println!("| {engine} | {n} | {:.3} M/s | {ratio} | {bytes} |", rate / 1e6);
    }
}

/// Each table and criterion group runs only when selected (see the module
/// docs); the environment switches turn them off further.
fn main() {
    let sel = Selection::from_args();
    let off = |var: &str| std::env::var_os(var).is_some();
    if !off("HOLD_SKIP_MEMORY") && sel.custom(MEMORY_TABLE) {
        memory_report(&INCS);
    }
    if !off("HOLD_INTERLEAVED_ONLY") {
        let mut c = Criterion::default().configure_from_args();
        for e in all_engines() {
            (e.bench)(&mut c);
        }
        c.final_summary();
        let measured = all_engines().iter().any(|e| {
            SIZES
                .iter()
                .any(|n| sel.measures(&format!("hold/{}/{n}", e.name)))
        });
        if measured {
            ratio_report(&sel);
        }
    }
    let floor_rates = if !off("HOLD_SKIP_INTERLEAVED") && sel.custom(INTERLEAVED_TABLE) {
        interleaved_report(&INCS)
    } else {
        Vec::new()
    };
    if !off("HOLD_SKIP_PEERS") && sel.custom(SIMPY_TABLE) {
        simpy_report(&sel, &INCS, &floor_rates);
    }
}
