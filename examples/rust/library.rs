//! The simulator as a library: load a scenario, run it, read its outcomes,
//! and watch the three domains from an `Observer` while it runs.
//!
//! ```sh
//! cargo run --release -p aistack-stack --example library                       # minimal.ron
//! cargo run --release -p aistack-stack --example library -- examples/scenarios/china-2025.ron
//! ```
//!
//! `stack::run` is what `aistack run` calls; `World` is the same run with a
//! hook at every event and every monthly sample, for traces and checks
//! across domains (here: how many events each domain handled, and each
//! lab's chip orders balanced against its supplier's books at every sample,
//! ordered = charged + written off + still open).

use model_training::ChipOrders;
use scheduler::SimTime;
use stack::wiring::SignalSink;
use stack::world::{self, Domains, Observer, StackEvent, World};
use stack::{RunOptions, Scenario};
use std::path::PathBuf;
use std::process::ExitCode;

/// Counts events by domain and checks the chip orders at every sample.
#[derive(Default)]
struct Watch {
    /// Events handled: grid, supply chain, training, installs, month starts
    /// (bills, and the recorder's samples).
    events: [u64; 5],
    /// Samples seen.
    samples: u64,
    /// The largest gap between a lab's ordered value and charged + written
    /// off + open, relative to what it ordered.
    worst_gap: f64,
}

impl SignalSink for Watch {
    fn signal(&mut self, _what: &dyn std::fmt::Debug) {}
}

impl Observer for Watch {
    fn event(&mut self, _t: SimTime, event: &StackEvent) {
        let i = match event {
            StackEvent::Grid(_) => 0,
            StackEvent::Fab(_) => 1,
            StackEvent::Training(_) => 2,
            StackEvent::Install { .. } | StackEvent::InstallFleet { .. } => 3,
            StackEvent::MonthStart => 4,
        };
        self.events[i] += 1;
    }

    fn sampled(&mut self, _t: SimTime, d: &Domains) {
        self.samples += 1;
        for (lab, name) in d.training.labs() {
            let (Some(book), Some(backlog)) = (
                d.training.chip_orders(lab),
                d.fab.buyer_id(name).and_then(|b| d.fab.buyer_backlog_usd(b)),
            ) else {
                continue;
            };
            let accounted = book.charged_usd + book.residue_usd + book.unsuppliable_usd + backlog;
            if book.ordered_usd > 0.0 {
                let gap = (book.ordered_usd - accounted).abs() / book.ordered_usd;
                self.worst_gap = self.worst_gap.max(gap);
            }
        }
    }
}

fn main() -> ExitCode {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/minimal.ron"),
        PathBuf::from,
    );
    // Errors name the file, line, column and field, as the CLI prints them.
    let scenario = match Scenario::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    // 1. One run, as `aistack run` does it: outcomes and monthly series.
    let out = match stack::run(&scenario, &RunOptions::default()) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for key in [
        "training.largest_run_flop",
        "training.releases_total",
        "energy.unserved_mwh_total",
        "fab.accelerators_delivered_total",
    ] {
        let v = out.scalar(key);
        println!("{key:<34} {}", v.map_or("-".into(), |v| format!("{v:.4e}")));
    }
    println!("{} monthly series rows", out.series.len());

    // 2. The same run step by step, watched: the parameters a run draws
    //    (none unless the scenario is uncertain), the domains built from
    //    them, then the shared scheduler's loop with the observer's hooks.
    let data = match scenario.with_values(&scenario.draw_values(scenario.data.seed)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut watch = Watch::default();
    let ran = world::build_configs(&scenario.file(), &data)
        .map_err(|e| e.to_string())
        .and_then(|c| World::assemble(c, scenario.data.seed, &data).map_err(|e| e.to_string()))
        .and_then(|mut w| w.run(&mut watch).map_err(|e| e.to_string()));
    if let Err(e) = ran {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let [grid, fab, training, installs, months] = watch.events;
    println!(
        "events: {grid} grid, {fab} supply chain, {training} training, {installs} installs, {months} month starts"
    );
    println!(
        "{} samples; chip orders balance within {:.1e} of what was ordered (tolerance {:.0e})",
        watch.samples,
        watch.worst_gap,
        ChipOrders::TOLERANCE_PER_USD_ORDERED
    );
    if watch.worst_gap > ChipOrders::TOLERANCE_PER_USD_ORDERED {
        eprintln!("error: chip orders do not balance");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
