//! Test helpers: a small base configuration and a driver that runs the chain
//! on a plain scheduler, records signals with their times and samples
//! metrics into maps.

#![allow(dead_code)]

use fab_supply_chain::*;
use scheduler::{Dist, Duration, RngStreams, SECS_PER_DAY, SECS_PER_YEAR, Scheduler, SimTime, TimePath};
use std::collections::BTreeMap;

/// One mean month, the production step of most tests.
pub const MONTH: Duration = Duration(SECS_PER_YEAR / 12);

/// The instant `k` months after the start.
pub fn months(k: u64) -> SimTime {
    SimTime(k * MONTH.0)
}

/// A design on node "n7" with one die per chip.
pub fn design(name: &str, stacks: u32, price: f64) -> DesignConfig {
    DesignConfig {
        name: name.into(),
        die_area_mm2: 675.0,
        dies_per_chip: 1,
        peak_flop_s_bf16: 1e15,
        peak_flop_s_fp8: None,
        power_w: 700.0,
        hbm_stacks_per_chip: stacks,
        node: "n7".into(),
        unit_price_usd: price,
        available_from: SimTime::ZERO,
    }
}

/// An operating fab making "chip", fully ramped, with enough tools.
pub fn fab(name: &str, wpm: f64) -> FabSiteConfig {
    FabSiteConfig {
        name: name.into(),
        region: "north".into(),
        node: "n7".into(),
        capacity_wafers_per_month: wpm,
        ramp: Duration::ZERO,
        opens: FabOpening::Operating,
        cycle_time: Duration::from_days(20),
        yield_curve: YieldCurve {
            initial: 0.5,
            ceiling: 0.5,
            learning_wafers: 1000.0,
        },
        power_mw_at_full_starts: 50.0,
        base_power_fraction: 0.5,
        product_mix: vec![ProductShare {
            design: "chip".into(),
            share: 1.0,
        }],
        tools_per_kwpm: 1.0,
        tools_at_opening: (wpm / 1000.0).ceil() as u64,
        power_shortfall: PowerShortfallRule {
            scrap_below_served_fraction: 0.9,
            scrap_share_of_in_process: 0.25,
        },
    }
}

/// One fab "f1" (1,000 wafers/month) making "chip" (no HBM), monthly ticks,
/// ample packaging, one buyer "lab", no stochastic failures.
pub fn base_config() -> FabConfig {
    FabConfig {
        production_step: MONTH,
        wafer_diameter_mm: 300.0,
        designs: vec![design("chip", 0, 10_000.0)],
        fabs: vec![fab("f1", 1000.0)],
        projects: vec![],
        tools: ToolSupplyConfig {
            inventory_at_start: 0,
            imports_per_year: TimePath::constant(0.0),
            domestic_per_year: TimePath::constant(0.0),
            failures_per_tool_year: 0.0,
            repair_days: Dist::constant(5.0),
        },
        hbm: HbmConfig {
            stockpile_stacks_at_start: 0,
            domestic_stacks_per_month: TimePath::constant(0.0),
            domestic_yield: TimePath::constant(1.0),
            imports_stacks_per_month: TimePath::constant(0.0),
        },
        packaging_units_per_month: TimePath::constant(1e9),
        accelerator_imports: vec![],
        die_banks: vec![],
        policies: vec![],
        buyers: vec![BuyerConfig {
            name: "lab".into(),
            priority: 0,
        }],
        allocation: AllocationPolicy::FirstComeFirstServed,
        horizon_end: None,
        die_bank_target: None,
    }
}

/// A chain on its own scheduler, with the signals it pushed and when.
pub struct Run {
    pub chain: SupplyChain,
    pub sched: Scheduler<FabEvent>,
    pub signals: Vec<(SimTime, FabSignal)>,
}

impl Run {
    /// Builds and starts a chain with seed `seed`.
    pub fn new(config: FabConfig, seed: u64) -> Run {
        let chain = SupplyChain::new(config, &RngStreams::new(seed, 0)).expect("valid test config");
        let mut run = Run {
            chain,
            sched: Scheduler::new(),
            signals: Vec::new(),
        };
        run.chain.start(&mut run.sched).expect("start");
        run
    }

    /// Handles every event up to and including `end`; `after_event` sees
    /// the run after each event.
    pub fn run_until_with(&mut self, end: SimTime, mut after_event: impl FnMut(&mut Run, &FabEvent)) {
        let mut buf = Vec::new();
        while let Some((t, ev)) = self.sched.next_event_until(end).expect("no budget") {
            self.chain
                .handle(ev.clone(), &mut self.sched, &mut buf)
                .expect("handle");
            self.signals.extend(buf.drain(..).map(|s| (t, s)));
            after_event(self, &ev);
        }
    }

    /// Handles every event up to and including `end`.
    pub fn run_until(&mut self, end: SimTime) {
        self.run_until_with(end, |_, _| {});
    }

    /// Samples the metrics: (metric, entity) → value.
    pub fn sample(&mut self) -> BTreeMap<(String, String), f64> {
        let mut m = BTreeMap::new();
        let now = self.sched.now();
        self.chain.sample_metrics(now, &mut |metric, entity, v| {
            m.insert((metric.to_string(), entity.to_string()), v);
        });
        m
    }

    /// Sets a fab's served power fraction through the public input method.
    pub fn set_power(&mut self, fab: FabId, fraction: f64) {
        let mut buf = Vec::new();
        self.chain
            .set_power_served(fab, fraction, &mut self.sched, &mut buf)
            .expect("set_power_served");
        let now = self.sched.now();
        self.signals.extend(buf.into_iter().map(|s| (now, s)));
    }
}

/// Reads one metric from a sample (panics with the key if absent).
pub fn get(m: &BTreeMap<(String, String), f64>, metric: &str, entity: &str) -> f64 {
    *m.get(&(metric.to_string(), entity.to_string()))
        .unwrap_or_else(|| panic!("no metric {metric} for {entity}"))
}

/// The first fab's id.
pub fn fab_id(chain: &SupplyChain, name: &str) -> FabId {
    chain
        .fabs()
        .find(|f| f.1 == name)
        .map(|f| f.0)
        .expect("fab exists")
}

/// Runs `run` for `n` months, cutting fab `i % fabs`'s served power to `f`
/// on day `d` for the `i`-th `(d, f)` of `shortfalls` (applied in day
/// order), and after each month's sample checks every fab's wafer balance:
/// started = out + scrapped + in process, the line's lots hold what is in
/// process, and the sample reports it; the first failure is returned as
/// its message.
pub fn check_wafers_monthly(run: &mut Run, shortfalls: &[(u64, f64)], n: u64) -> Result<(), String> {
    let ids: Vec<FabId> = run.chain.fabs().map(|f| f.0).collect();
    let mut events: Vec<(u64, usize, f64)> = shortfalls
        .iter()
        .enumerate()
        .map(|(i, &(d, f))| (d, i % ids.len(), f))
        .collect();
    events.sort_by_key(|e| e.0);
    let mut next = 0;
    for month in 1..=n {
        let end = months(month);
        while next < events.len() && events[next].0 * SECS_PER_DAY <= end.0 {
            run.run_until(SimTime(events[next].0 * SECS_PER_DAY));
            run.set_power(ids[events[next].1], events[next].2);
            next += 1;
        }
        run.run_until(end);
        let m = run.sample();
        for (id, name, _) in run.chain.fabs() {
            let b = run.chain.wafer_balance(id).expect("a fab of the chain");
            if b.started != b.out + b.scrapped + b.in_process {
                return Err(format!(
                    "fab {name}, month {month}: started {} != out {} + scrapped {} + in process {}",
                    b.started, b.out, b.scrapped, b.in_process
                ));
            }
            if run.chain.wafers_in_line(id) != Some(b.in_process) {
                return Err(format!(
                    "fab {name}, month {month}: the line's lots hold {:?}, the balance {}",
                    run.chain.wafers_in_line(id),
                    b.in_process
                ));
            }
            if get(&m, "fab.wafers_in_process", name) != b.in_process as f64 {
                return Err(format!(
                    "fab {name}, month {month}: sampled wafers in process differ from the balance"
                ));
            }
        }
    }
    Ok(())
}
