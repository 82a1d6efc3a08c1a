//! Cluster sites: accelerator batches, grid connection and served power, and
//! how much of the installed compute the granted power can run.
//!
//! Power is counted once, at the meter: IT power = chips × (chip W + server
//! and network overhead W per chip); facility power = IT power × PUE. Under a
//! power limit the site runs the most energy-efficient chips first (highest
//! FLOP/s per facility W), as many as the limit supports, fractions allowed.

use crate::config::SiteConfig;
use crate::{ChipBatch, LabId};
use scheduler::SimTime;

/// One batch of identical accelerators installed at a site.
#[derive(Clone, Debug)]
pub(crate) struct Cohort {
    pub count: f64,
    pub peak_flop_s_per_chip: f64,
    /// Facility MW per accelerator: (chip W + overhead W) × PUE / 1e6.
    pub facility_mw_per_chip: f64,
    pub unit_price_usd: f64,
    pub retired: bool,
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

/// One lab's datacenter in one grid region.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub name: String,
    pub region: String,
    pub lab: LabId,
    pub cfg: SiteConfig,
    pub cohorts: Vec<Cohort>,
    /// Grid connection, facility MW.
    pub connected_mw: f64,
    /// Connection requested and not yet granted, MW.
    pub pending_connection_mw: f64,
    /// Facility MW the grid grants; `None` until the grid first answers
    /// (treated as unconstrained).
    pub served_mw: Option<f64>,
    /// Last facility MW reported in a `PowerDemand` signal.
    pub last_demand_mw: Option<f64>,
    /// Region's electricity price, USD/MWh.
    pub price_usd_per_mwh: f64,
    /// Current power state.
    pub power: SitePower,
    /// Order of cohorts by efficiency (best first), rebuilt when cohorts change.
    order: Vec<usize>,
}

impl Site {
    pub fn new(lab: LabId, lab_name: &str, cfg: SiteConfig) -> Site {
        Site {
            name: format!("{lab_name}@{}", cfg.region),
            region: cfg.region.clone(),
            lab,
            connected_mw: cfg.initial_connection_mw,
            cfg,
            cohorts: Vec::new(),
            pending_connection_mw: 0.0,
            served_mw: None,
            last_demand_mw: None,
            price_usd_per_mwh: 0.0,
            power: SitePower::default(),
            order: Vec::new(),
        }
    }

    /// Facility MW one accelerator of `batch` draws at this site.
    pub fn facility_mw_per_chip(&self, power_w_per_chip: f64) -> f64 {
        (power_w_per_chip + self.cfg.overhead_w_per_chip) * self.cfg.pue / 1e6
    }

    /// Installs a batch; returns its cohort index.
    pub fn install(&mut self, batch: &ChipBatch) -> usize {
        self.cohorts.push(Cohort {
            count: batch.count as f64,
            peak_flop_s_per_chip: batch.peak_flop_s_per_chip,
            facility_mw_per_chip: self.facility_mw_per_chip(batch.power_w_per_chip),
            unit_price_usd: batch.unit_price_usd,
            retired: false,
        });
        self.rebuild_order();
        self.cohorts.len() - 1
    }

    /// Retires a cohort; `false` if it was already retired or does not exist.
    pub fn retire(&mut self, cohort: usize) -> bool {
        match self.cohorts.get_mut(cohort) {
            Some(c) if !c.retired => {
                c.retired = true;
                self.rebuild_order();
                true
            }
            _ => false,
        }
    }

    fn rebuild_order(&mut self) {
        let mut order: Vec<usize> = (0..self.cohorts.len())
            .filter(|&i| !self.cohorts[i].retired)
            .collect();
        // Most FLOP/s per facility W first; ties by installation order (stable sort).
        order.sort_by(|&a, &b| {
            let ea = self.cohorts[a].peak_flop_s_per_chip / self.cohorts[a].facility_mw_per_chip;
            let eb = self.cohorts[b].peak_flop_s_per_chip / self.cohorts[b].facility_mw_per_chip;
            eb.total_cmp(&ea)
        });
        self.order = order;
    }

    /// Facility MW available to the chips: the connection, the grid's grant
    /// and what the chips would draw, whichever is least.
    pub fn available_mw(&self) -> f64 {
        let full = self.full_mw();
        let granted = self.served_mw.unwrap_or(f64::INFINITY);
        full.min(self.connected_mw).min(granted).max(0.0)
    }

    fn full_mw(&self) -> f64 {
        self.order
            .iter()
            .map(|&i| self.cohorts[i].count * self.cohorts[i].facility_mw_per_chip)
            .sum()
    }

    /// Recomputes [`SitePower`] from the cohorts and the power limits.
    pub fn recompute_power(&mut self) {
        let mut p = SitePower::default();
        let mut budget = self.available_mw();
        for &i in &self.order {
            let c = &self.cohorts[i];
            p.installed_chips += c.count;
            p.installed_peak_flop_s += c.count * c.peak_flop_s_per_chip;
            p.full_mw += c.count * c.facility_mw_per_chip;
            let chips = c.count.min(budget / c.facility_mw_per_chip).max(0.0);
            budget = (budget - chips * c.facility_mw_per_chip).max(0.0);
            p.powered_chips += chips;
            p.powered_peak_flop_s += chips * c.peak_flop_s_per_chip;
            p.powered_mw += chips * c.facility_mw_per_chip;
            p.powered_value_usd += chips * c.unit_price_usd;
        }
        self.power = p;
    }

    /// The facility MW to report as demand: all chips, capped by the connection.
    pub fn demand_mw(&self) -> f64 {
        self.power.full_mw.min(self.connected_mw)
    }

    /// Additional connection to request now, MW, or 0: the chips' need
    /// plus headroom, minus what is connected or already requested.
    pub fn connection_shortfall_mw(&self) -> f64 {
        if self.power.full_mw <= self.connected_mw + self.pending_connection_mw {
            return 0.0;
        }
        let want = self.power.full_mw * (1.0 + self.cfg.connection_headroom_share);
        (want - self.connected_mw - self.pending_connection_mw).max(0.0)
    }

    /// Records a grant: the connection becomes `connected_mw` in total.
    pub fn grant_connection(&mut self, connected_mw: f64) {
        let added = (connected_mw - self.connected_mw).max(0.0);
        self.pending_connection_mw = (self.pending_connection_mw - added).max(0.0);
        self.connected_mw = connected_mw;
    }

    /// Unused connection, MW: where new chips go first.
    pub fn spare_connection_mw(&self) -> f64 {
        self.connected_mw - self.power.full_mw
    }
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
        }
    }

    fn site() -> Site {
        let mut cfg = SiteConfig::new("r");
        cfg.pue = 1.25;
        cfg.overhead_w_per_chip = 300.0;
        cfg.initial_connection_mw = 1e6;
        Site::new(LabId(0), "lab", cfg)
    }

    #[test]
    fn facility_power_counts_overhead_and_pue_once() {
        let mut s = site();
        s.install(&batch(1000, 1e15, 700.0));
        s.recompute_power();
        // 1000 × (700 + 300) W × 1.25 = 1.25 MW.
        assert!((s.power.full_mw - 1.25).abs() < 1e-12);
        assert_eq!(s.power.powered_chips, 1000.0);
        assert_eq!(s.name, "lab@r");
    }

    #[test]
    fn curtailment_runs_the_share_of_chips_the_power_supports_best_first() {
        let mut s = site();
        s.install(&batch(1000, 1e15, 700.0)); // 1.25 MW, 0.8e18 FLOP/s per MW
        s.install(&batch(1000, 4e15, 700.0)); // 1.25 MW, 4× as efficient
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

    #[test]
    fn retired_chips_leave_the_site() {
        let mut s = site();
        let c = s.install(&batch(10, 1e15, 700.0));
        s.install(&batch(5, 1e15, 700.0));
        assert!(s.retire(c));
        assert!(!s.retire(c));
        s.recompute_power();
        assert_eq!(s.power.installed_chips, 5.0);
    }
}
