//! Cluster sites: accelerator batches, grid connection and served power, and
//! how much of the installed compute the granted power can run.
//!
//! Power is counted once, at the meter: IT power = chips × (chip W + server
//! and network overhead W per chip); facility power = IT power × PUE. Under a
//! power limit the site runs the most energy-efficient chips first (highest
//! FLOP/s per facility W), as many as the limit supports, fractions allowed.

use crate::config::SiteConfig;
use crate::{ChipBatch, FleetId, LabId, MAX_CONNECTION_MW, SiteId, TrainingSignal};
use scheduler::SimTime;

/// One batch of accelerators installed at a site (kept so that its `Retire`
/// event can take exactly its chips out of its class).
#[derive(Clone, Debug)]
pub(crate) struct Cohort {
    /// The class its chips belong to.
    pub class: usize,
    pub count: f64,
    /// Purchase value of the batch, USD.
    pub value_usd: f64,
    pub retired: bool,
    /// When its `Retire` event is due (install + service life − age at
    /// install; `None` past the end of time). Known from installation, so
    /// a lab plans with it.
    pub retire_at: Option<SimTime>,
}

/// Every accelerator in service at a site with the same peak FLOP/s and
/// facility MW per chip: the power rule cannot tell them apart, so the site
/// keeps running totals per class and recomputes its power in O(classes),
/// however many batches have been delivered.
#[derive(Clone, Debug)]
pub(crate) struct ChipClass {
    pub peak_flop_s_per_chip: f64,
    /// Facility MW per accelerator: (chip W + overhead W) × PUE / 1e6.
    pub facility_mw_per_chip: f64,
    /// Accelerators in service (a whole number).
    pub count: f64,
    /// Purchase value of those accelerators, USD.
    pub value_usd: f64,
}

impl ChipClass {
    fn efficiency(&self) -> f64 {
        self.peak_flop_s_per_chip / self.facility_mw_per_chip
    }
}

/// What a site can run under its current power: recomputed on every change.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct SitePower {
    /// Accelerators in service.
    pub installed_chips: f64,
    /// Peak FLOP/s of the accelerators in service.
    pub installed_peak_flop_s: f64,
    /// Facility MW if every accelerator in service ran.
    pub full_mw: f64,
    /// Accelerators the available power runs.
    pub powered_chips: f64,
    /// Peak FLOP/s of those accelerators.
    pub powered_peak_flop_s: f64,
    /// Peak FLOP/s of the accelerators the site's connection could run
    /// (most FLOP/s per facility W first), whatever the grid serves: the
    /// fleet in operation, of which inference takes its share. Equal to
    /// `installed_peak_flop_s` when the connection covers every chip.
    pub connectable_peak_flop_s: f64,
    /// Facility MW they draw.
    pub powered_mw: f64,
    /// Purchase value of the powered accelerators, USD (for depreciation).
    pub powered_value_usd: f64,
    /// Peak FLOP/s of powered accelerators serving inference (set by the lab).
    pub inference_peak_flop_s: f64,
    /// Peak FLOP/s of powered accelerators left for training (set by the lab).
    pub train_peak_flop_s: f64,
    /// Accelerators left for training (set by the lab).
    pub train_chips: f64,
}

/// Who runs a site's accelerators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SiteOwner {
    /// A lab: they train and serve its models.
    Lab(LabId),
    /// A fleet: they draw power and train nothing.
    Fleet(FleetId),
}

/// One lab's (or fleet's) datacenter in one grid region.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub name: String,
    pub region: String,
    pub owner: SiteOwner,
    pub cfg: SiteConfig,
    pub cohorts: Vec<Cohort>,
    /// Classes of identical accelerators, in order of first installation.
    pub classes: Vec<ChipClass>,
    /// Grid connection, facility MW.
    pub connected_mw: f64,
    /// Connection requested and not yet granted, MW.
    pub pending_connection_mw: f64,
    /// Facility MW the grid grants; `None` until the grid first answers
    /// (treated as unconstrained).
    pub served_mw: Option<f64>,
    /// Facility MW the lab's budget pays for (`None`: the budget does not
    /// cap the site; see `Training::budget_share`).
    pub budget_cap_mw: Option<f64>,
    /// Last facility MW reported in a `PowerDemand` signal.
    pub last_demand_mw: Option<f64>,
    /// Region's electricity price, USD/MWh.
    pub price_usd_per_mwh: f64,
    /// Current power state.
    pub power: SitePower,
    /// Order of classes by efficiency (best first), rebuilt when a class is added.
    order: Vec<usize>,
    /// Index of the first cohort not yet retired: cohorts retire in the
    /// order they were installed (one service life for all, and the
    /// initial accelerators installed oldest first), so the ones due next
    /// start here.
    first_live: usize,
}

impl Site {
    pub fn new(owner: SiteOwner, owner_name: &str, cfg: SiteConfig) -> Site {
        Site {
            name: format!("{owner_name}@{}", cfg.region),
            region: cfg.region.clone(),
            owner,
            connected_mw: cfg.initial_connection_mw,
            cfg,
            cohorts: Vec::new(),
            classes: Vec::new(),
            pending_connection_mw: 0.0,
            served_mw: None,
            budget_cap_mw: None,
            last_demand_mw: None,
            price_usd_per_mwh: 0.0,
            power: SitePower::default(),
            order: Vec::new(),
            first_live: 0,
        }
    }

    /// Facility MW one accelerator of `batch` draws at this site.
    pub fn facility_mw_per_chip(&self, power_w_per_chip: f64) -> f64 {
        (power_w_per_chip + self.cfg.overhead_w_per_chip) * self.cfg.pue / 1e6
    }

    /// Installs a batch that retires at `retire_at`; returns its cohort index.
    pub fn install(&mut self, batch: &ChipBatch, retire_at: Option<SimTime>) -> usize {
        let peak = batch.peak_flop_s_per_chip;
        let mw = self.facility_mw_per_chip(batch.power_w_per_chip);
        let count = batch.count as f64;
        let value = count * batch.unit_price_usd;
        let class = match self.classes.iter().position(|c| {
            c.peak_flop_s_per_chip.to_bits() == peak.to_bits()
                && c.facility_mw_per_chip.to_bits() == mw.to_bits()
        }) {
            Some(k) => k,
            None => {
                self.classes.push(ChipClass {
                    peak_flop_s_per_chip: peak,
                    facility_mw_per_chip: mw,
                    count: 0.0,
                    value_usd: 0.0,
                });
                self.rebuild_order();
                self.classes.len() - 1
            }
        };
        let c = &mut self.classes[class];
        c.count += count;
        c.value_usd += value;
        self.cohorts.push(Cohort {
            class,
            count,
            value_usd: value,
            retired: false,
            retire_at,
        });
        self.cohorts.len() - 1
    }

    /// Retires a cohort: the number of accelerators it held, or `None` if
    /// it was already retired or does not exist.
    pub fn retire(&mut self, cohort: usize) -> Option<u64> {
        match self.cohorts.get_mut(cohort) {
            Some(c) if !c.retired => {
                c.retired = true;
                let retired = c.count as u64;
                let k = &mut self.classes[c.class];
                k.count = (k.count - c.count).max(0.0);
                // Counts are whole numbers (exact in f64); values are not, so
                // an emptied class is reset rather than left with rounding.
                k.value_usd = if k.count > 0.0 {
                    (k.value_usd - c.value_usd).max(0.0)
                } else {
                    0.0
                };
                while self.cohorts.get(self.first_live).is_some_and(|c| c.retired) {
                    self.first_live += 1;
                }
                Some(retired)
            }
            _ => None,
        }
    }

    /// Peak FLOP/s × seconds that the accelerators in service now will not
    /// deliver over `[from, until]` because their cohorts are due to retire
    /// before `until` (a cohort retiring at `r` is missing for `until −
    /// max(r, from)`). 0 exactly when no retirement falls in the window.
    /// Walks only the cohorts retiring before `until`: retirement times
    /// rise with installation times.
    pub fn retiring_peak_flop(&self, from: SimTime, until: SimTime) -> f64 {
        let mut lost = 0.0;
        self.for_each_retiring(until, |r, peak| {
            lost += peak * until.saturating_since(r.max(from)).as_secs_f64();
        });
        lost
    }

    /// Calls `f(r, peak)` for each cohort in service due to retire before
    /// `until`, in order: its retirement time and its peak FLOP/s.
    pub fn for_each_retiring(&self, until: SimTime, mut f: impl FnMut(SimTime, f64)) {
        for c in &self.cohorts[self.first_live..] {
            if c.retired {
                continue;
            }
            match c.retire_at {
                Some(r) if r < until => f(r, c.count * self.classes[c.class].peak_flop_s_per_chip),
                _ => break,
            }
        }
    }

    fn rebuild_order(&mut self) {
        let mut order: Vec<usize> = (0..self.classes.len()).collect();
        // Most FLOP/s per facility W first; ties by first installation (stable sort).
        order.sort_by(|&a, &b| {
            self.classes[b]
                .efficiency()
                .total_cmp(&self.classes[a].efficiency())
        });
        self.order = order;
    }

    /// Facility MW available to the chips: the connection, the grid's grant,
    /// what the lab's budget pays for and what the chips would draw,
    /// whichever is least.
    pub fn available_mw(&self) -> f64 {
        let full = self.full_mw();
        let granted = self.served_mw.unwrap_or(f64::INFINITY);
        let paid = self.budget_cap_mw.unwrap_or(f64::INFINITY);
        full.min(self.connected_mw).min(granted).min(paid).max(0.0)
    }

    /// The share of the site's power shortfall (MW its chips would draw
    /// less MW available) that its lab's budget holds back: what the
    /// uncapped demand ([`Site::uncapped_demand_mw`]) exceeds the MW
    /// available by (the grid's cut under the cap included), over the
    /// whole shortfall, the rest being the connection's. 0 without a cap
    /// or a shortfall.
    pub fn budget_share_of_shortfall(&self) -> f64 {
        if self.budget_cap_mw.is_none() {
            return 0.0;
        }
        let available = self.available_mw();
        let short = self.full_mw() - available;
        if short > 0.0 {
            ((self.uncapped_demand_mw() - available) / short).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Facility MW the site would ask of the grid if its lab's budget did
    /// not cap it: every chip in service, capped by the connection.
    pub fn uncapped_demand_mw(&self) -> f64 {
        self.full_mw().min(self.connected_mw)
    }

    fn full_mw(&self) -> f64 {
        self.order
            .iter()
            .map(|&k| self.classes[k].count * self.classes[k].facility_mw_per_chip)
            .sum()
    }

    /// Recomputes [`SitePower`] from the classes and the power limits, in
    /// O(classes). Within a partly powered class the powered chips carry the
    /// class's average purchase value.
    pub fn recompute_power(&mut self) {
        let mut p = SitePower::default();
        let mut budget = self.available_mw();
        let full = self.full_mw();
        // What the connection alone could run; `None` when it runs every chip.
        let mut connectable = (self.connected_mw < full).then_some(self.connected_mw.max(0.0));
        for &k in &self.order {
            let c = &self.classes[k];
            if c.count <= 0.0 {
                continue;
            }
            p.installed_chips += c.count;
            p.installed_peak_flop_s += c.count * c.peak_flop_s_per_chip;
            p.full_mw += c.count * c.facility_mw_per_chip;
            if let Some(mw) = connectable.as_mut() {
                p.connectable_peak_flop_s +=
                    run_from(mw, c.count, c.facility_mw_per_chip) * c.peak_flop_s_per_chip;
            }
            let chips = run_from(&mut budget, c.count, c.facility_mw_per_chip);
            p.powered_chips += chips;
            p.powered_peak_flop_s += chips * c.peak_flop_s_per_chip;
            p.powered_mw += chips * c.facility_mw_per_chip;
            p.powered_value_usd += if chips >= c.count {
                c.value_usd
            } else {
                chips * (c.value_usd / c.count)
            };
        }
        if connectable.is_none() {
            p.connectable_peak_flop_s = p.installed_peak_flop_s;
        }
        self.power = p;
    }

    /// The facility MW to report as demand: all chips, capped by the
    /// connection and by what the lab's budget pays for.
    pub fn demand_mw(&self) -> f64 {
        let paid = self.budget_cap_mw.unwrap_or(f64::INFINITY);
        self.power.full_mw.min(self.connected_mw).min(paid)
    }

    /// Additional connection to request now, MW, or 0: the chips' need
    /// plus headroom, up to [`MAX_CONNECTION_MW`] (the most the grid
    /// connects to one load), minus what is connected or already requested.
    pub fn connection_shortfall_mw(&self) -> f64 {
        let have = self.connected_mw + self.pending_connection_mw;
        // The slack forgives rounding on a connection the site has; a site
        // with none asks for any need, however small.
        let slack = if have > 0.0 { CONNECTION_SLACK_MW } else { 0.0 };
        if self.power.full_mw <= have + slack {
            return 0.0;
        }
        let want = (self.power.full_mw * (1.0 + self.cfg.connection_headroom_share)).min(MAX_CONNECTION_MW);
        (want - self.connected_mw - self.pending_connection_mw).max(0.0)
    }

    /// Records a grant: the connection becomes `connected_mw` in total.
    pub fn grant_connection(&mut self, connected_mw: f64) {
        let added = (connected_mw - self.connected_mw).max(0.0);
        self.pending_connection_mw = (self.pending_connection_mw - added).max(0.0);
        self.connected_mw = connected_mw;
    }

    /// Connection the installed chips leave unused, MW (negative when they
    /// need more), from the chips themselves rather than the last
    /// [`Site::recompute_power`].
    pub fn unused_connection_mw(&self) -> f64 {
        self.connected_mw - self.full_mw()
    }

    /// Unused connection, MW: where new chips go first.
    pub fn spare_connection_mw(&self) -> f64 {
        self.connected_mw - self.power.full_mw
    }

    /// After [`Site::recompute_power`]: tells the grid the site's demand
    /// (facility MW, [`Site::demand_mw`]) if it changed, and asks for more
    /// connection if its chips need it ([`Site::connection_shortfall_mw`],
    /// then pending). `id` is this site's id.
    pub fn signal_needs(&mut self, id: SiteId, signals: &mut Vec<TrainingSignal>) {
        let demand = self.demand_mw();
        if self.last_demand_mw != Some(demand) {
            self.last_demand_mw = Some(demand);
            signals.push(TrainingSignal::PowerDemand { site: id, mw: demand });
        }
        let add = self.connection_shortfall_mw();
        if add > 0.0 {
            self.pending_connection_mw += add;
            signals.push(TrainingSignal::ConnectionRequest {
                site: id,
                additional_mw: add,
            });
        }
    }
}

/// How far a site's chips may need more than its connection (and what it
/// has asked for) before it asks again, MW: 10 kW, a few accelerators. Whole
/// chips on a connection sized in MW leave a remainder of less than a chip
/// (an initial fleet spread over sites whose connections are not multiples
/// of a chip's draw: us-2025), and that is not worth a request of the
/// chips' need plus headroom. The grid's signal tolerance is the same 0.01 MW.
pub(crate) const CONNECTION_SLACK_MW: f64 = 0.01;

/// The chips of a class of `count` at `mw_per_chip` facility MW each that
/// `budget` MW runs, their MW taken from it.
fn run_from(budget: &mut f64, count: f64, mw_per_chip: f64) -> f64 {
    let chips = count.min(*budget / mw_per_chip).max(0.0);
    *budget = (*budget - chips * mw_per_chip).max(0.0);
    chips
}

/// When a batch installed at `at` retires.
pub(crate) fn retirement_time(at: SimTime, life_years: f64) -> Option<SimTime> {
    at.checked_add(scheduler::Duration::from_years_f64(life_years)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(count: u64, flop: f64, w: f64) -> ChipBatch {
        ChipBatch {
            design: "x".into(),
            count,
            peak_flop_s_per_chip: flop,
            power_w_per_chip: w,
            unit_price_usd: 1.0,
            age: scheduler::Duration::ZERO,
        }
    }

    fn site() -> Site {
        let mut cfg = SiteConfig::new("r");
        cfg.pue = 1.25;
        cfg.overhead_w_per_chip = 300.0;
        cfg.initial_connection_mw = 1e6;
        Site::new(SiteOwner::Lab(LabId(0)), "lab", cfg)
    }

    #[test]
    fn facility_power_counts_overhead_and_pue_once() {
        let mut s = site();
        s.install(&batch(1000, 1e15, 700.0), None);
        s.recompute_power();
        // 1000 × (700 + 300) W × 1.25 = 1.25 MW.
        assert!((s.power.full_mw - 1.25).abs() < 1e-12);
        assert_eq!(s.power.powered_chips, 1000.0);
        assert_eq!(s.name, "lab@r");
    }

    #[test]
    fn curtailment_runs_the_share_of_chips_the_power_supports_best_first() {
        let mut s = site();
        s.install(&batch(1000, 1e15, 700.0), None); // 1.25 MW, 0.8e18 FLOP/s per MW
        s.install(&batch(1000, 4e15, 700.0), None); // 1.25 MW, 4× as efficient
        s.served_mw = Some(1.25 + 0.625);
        s.recompute_power();
        assert!((s.power.powered_chips - 1500.0).abs() < 1e-9);
        assert!((s.power.powered_peak_flop_s - (1000.0 * 4e15 + 500.0 * 1e15)).abs() < 1e3);
        // The connection caps too, and demand is capped by it.
        s.served_mw = None;
        s.connected_mw = 1.25;
        s.recompute_power();
        assert!((s.power.powered_peak_flop_s - 4e18).abs() < 1e3);
        assert_eq!(s.demand_mw(), 1.25);
        assert!(s.connection_shortfall_mw() > 1.25);
    }

    /// A site never asks for more connection than the grid can give one
    /// load: need and headroom past 10^7 MW are asked for up to it, and
    /// once connected or pending up to it, nothing more.
    #[test]
    fn requests_stop_at_the_most_a_site_can_be_connected() {
        let mut s = site();
        s.connected_mw = 10.0;
        // 200,000 × (700 + 100,000) W × 5 = 100,700 MW, × 101 with headroom.
        s.cfg.pue = 5.0;
        s.cfg.overhead_w_per_chip = 1e5;
        s.cfg.connection_headroom_share = 100.0;
        s.install(&batch(200_000, 1e15, 700.0), None);
        s.recompute_power();
        assert!(s.power.full_mw * 101.0 > MAX_CONNECTION_MW);
        let add = s.connection_shortfall_mw();
        assert_eq!(add, MAX_CONNECTION_MW - 10.0);
        s.pending_connection_mw += add;
        assert_eq!(s.connection_shortfall_mw(), 0.0);
        // A fleet whose need alone passes it (2^40 chips).
        let mut s = site();
        s.install(&batch(1 << 40, 1e15, 700.0), None);
        s.recompute_power();
        assert!(s.power.full_mw > MAX_CONNECTION_MW);
        assert_eq!(s.connection_shortfall_mw(), MAX_CONNECTION_MW - 1e6);
    }

    #[test]
    fn retired_chips_leave_the_site() {
        let mut s = site();
        let c = s.install(&batch(10, 1e15, 700.0), None);
        s.install(&batch(5, 1e15, 700.0), None);
        assert!(s.retire(c).is_some());
        assert_eq!(s.retire(c), None);
        s.recompute_power();
        assert_eq!(s.power.installed_chips, 5.0);
    }

    #[test]
    fn batches_of_one_design_pool_into_one_class() {
        let mut s = site();
        let a = s.install(
            &ChipBatch {
                unit_price_usd: 10.0,
                age: scheduler::Duration::ZERO,
                ..batch(10, 1e15, 700.0)
            },
            None,
        );
        s.install(
            &ChipBatch {
                unit_price_usd: 30.0,
                age: scheduler::Duration::ZERO,
                ..batch(30, 1e15, 700.0)
            },
            None,
        );
        s.install(&batch(5, 2e15, 700.0), None);
        assert_eq!(s.classes.len(), 2);
        s.recompute_power();
        assert_eq!(s.power.installed_chips, 45.0);
        assert!((s.power.powered_value_usd - (100.0 + 900.0 + 5.0)).abs() < 1e-9);
        assert!(s.retire(a).is_some());
        s.recompute_power();
        assert_eq!(s.power.installed_chips, 35.0);
        assert!((s.power.powered_value_usd - 905.0).abs() < 1e-9);
        // Half the older class powered: half its value.
        s.served_mw = Some(s.facility_mw_per_chip(700.0) * 20.0);
        s.recompute_power();
        assert!((s.power.powered_chips - 20.0).abs() < 1e-9);
        assert!((s.power.powered_value_usd - (5.0 + 15.0 * 30.0)).abs() < 1e-6);
    }
}
