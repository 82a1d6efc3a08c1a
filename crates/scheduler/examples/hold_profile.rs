//! The hold model (as in `benches/benches/hold.rs`, same increments) on the
//! default scheduler beside the bare `BinaryHeap` floor, for profiling: it
//! builds with this crate alone (seconds, where the bench target rebuilds the
//! whole workspace).
//!
//! ```sh
//! # median ratio to the floor over interleaved rounds of 200,000 holds
//! cargo run --release -p aistack-scheduler --example hold_profile -- 1000 21
//! # the scheduler alone, ROUNDS x 200,000 holds, for perf / callgrind
//! valgrind --tool=cachegrind target/release/examples/hold_profile 1000 10 sched-only
//! ```
//!
//! Arguments: N (pending events, default 1000), rounds (default 15), and any
//! third argument to run only the scheduler. The bench's interleaved table is
//! the figure to quote; this is for finding where the time goes.
use rand::SeedableRng;
use rand::distr::Distribution;
use rand_chacha::ChaCha8Rng;
use scheduler::dist::Exp1;
use scheduler::{Scheduler, SimTime};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

const MASK: usize = (1 << 21) - 1;

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED);
    let incs: Vec<u64> = (0..1 << 21)
        .map(|_| {
            let x: f64 = Exp1.sample(&mut rng);
            (x * 1e9) as u64 + 1
        })
        .collect();
    let n: usize = std::env::args().nth(1).map_or(1000, |s| s.parse().unwrap());
    let rounds: usize = std::env::args().nth(2).map_or(15, |s| s.parse().unwrap());
    let only_sched = std::env::args().nth(3).is_some();
    let holds = 200_000;
    let mut heap = BinaryHeap::new();
    let mut s: Scheduler<u32> = Scheduler::new();
    for (i, &t) in incs[..n].iter().enumerate() {
        heap.push(Reverse((t, i as u64, i as u32)));
        s.schedule_at(SimTime(t), i as u32).unwrap();
    }
    let (mut hp, mut sp, mut seq) = (n, n, n as u64);
    let mut run_heap = |k: usize| {
        for _ in 0..k {
            let Reverse((t, _, id)) = heap.pop().unwrap();
            heap.push(Reverse((t + incs[hp & MASK], seq, id)));
            seq += 1;
            hp += 1;
        }
    };
    let mut run_sched = |k: usize| {
        for _ in 0..k {
            let (t, id) = s.next_event().unwrap().unwrap();
            s.schedule_at(SimTime(t.0 + incs[sp & MASK]), id).unwrap();
            sp += 1;
        }
    };
    if only_sched {
        run_sched(rounds * holds);
        return;
    }
    run_heap(n.max(10_000) * 2);
    run_sched(n.max(10_000) * 2);
    let time = |run: &mut dyn FnMut(usize)| {
        let t = Instant::now();
        run(holds);
        t.elapsed().as_secs_f64()
    };
    let mut ratios = Vec::new();
    for r in 0..rounds.max(1) {
        // Alternate which goes first, so neither always runs on a warm cache.
        let (a, b) = if r % 2 == 0 {
            let a = time(&mut run_heap);
            (a, time(&mut run_sched))
        } else {
            let b = time(&mut run_sched);
            (time(&mut run_heap), b)
        };
        ratios.push((a / b, holds as f64 / a / 1e6, holds as f64 / b / 1e6));
    }
    ratios.sort_by(|x, y| x.0.total_cmp(&y.0));
    let m = ratios[ratios.len() / 2];
    println!(
        "n={n} median ratio {:.3} (heap {:.2} M/s, sched {:.2} M/s)",
        m.0, m.1, m.2
    );
}
