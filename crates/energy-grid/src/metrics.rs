//! Metrics for the monthly recorder and the run summary.
//!
//! [`Grid::sample_metrics`] emits `(metric, entity, value)` for every region
//! (entity = region name) and for the nation (entity = `national`). Flows
//! (`_mwh`, `_t`, `projects_completed`, and `retired_mw`, the capacity
//! retired) are totals since the previous sample and are reset by sampling;
//! levels (other `_mw`, `storage_soc_mwh`,
//! `projects_pending`, `interconnection_queue_mw`) are values at the instant.
//! `storage_charge_mwh` and `storage_discharge_mwh` are the store's flows
//! at its grid terminals (charge before, discharge after the conversion
//! loss), so `generation + imports + storage_discharge = served + exports +
//! storage_charge + losses` holds for every region and period.
//! `storage_soc_mwh` is the level at the sample's instant, also inside a
//! dispatch step (whose flows are split there), so between two samples it
//! moves by `η·storage_charge − storage_discharge/η`, η the one-way efficiency.
//! `energy.shortfall_hours` (a flow, hours) counts the hours of the period
//! in which the region left demand unserved; for `national`, those in which
//! any region did (so not the sum over regions). Over the run the national
//! hours add up to `energy.hours_with_shortfall`.
//! Generation and capacity by technology use one metric per technology:
//! `energy.generation_<tech>_mwh`, `energy.capacity_<tech>_mw`, with
//! `<tech>` one of coal, gas, nuclear, hydro, wind, solar (and battery for capacity).
//! A grid with planned maintenance also reports `energy.maintenance_<tech>_mwh`
//! (coal, gas, nuclear): the capacity out for maintenance × hours in the
//! period, MWh (÷ the period's hours: the mean MW out).
//! `energy.hydro_spill_mwh` (a flow) is the hydro inflow neither
//! generated nor kept in a reservoir: for a hydro group without a
//! reservoir, the water its weather brought that the dispatch did not use.
//! A grid with a hydro reservoir (`reservoir_hours` > 0) also reports
//! `energy.reservoir_mwh` (a level): the water its reservoirs hold after the
//! last dispatch step, MWh of generation, so that between two samples
//! inflow = `energy.generation_hydro_mwh` + `energy.hydro_spill_mwh` + its change.
//! A grid with capacity derates also reports `energy.derated_mwh`: the
//! available capacity the derates took × hours in the period, MWh (÷ the
//! period's hours: the mean MW lost).
//! A grid with an adequacy response also reports
//! `energy.adequacy_started_mw`, `energy.adequacy_completed_mw` and
//! `energy.adequacy_cancelled_mw` (flows: the MW of the response's projects
//! started, completed and abandoned in the period) and
//! `energy.adequacy_pending_mw` (a level: its MW under construction). Its
//! projects are projects: they count in `energy.projects_completed` and
//! `energy.projects_pending` too.

use crate::config::{LoadClass, Technology};
use crate::grid::Grid;
use crate::state::{Period, RegionId};
use scheduler::SimTime;

const GENERATION: [&str; 7] = [
    "energy.generation_coal_mwh",
    "energy.generation_gas_mwh",
    "energy.generation_nuclear_mwh",
    "energy.generation_hydro_mwh",
    "energy.generation_wind_mwh",
    "energy.generation_solar_mwh",
    "energy.generation_battery_mwh",
];
const CAPACITY: [&str; 7] = [
    "energy.capacity_coal_mw",
    "energy.capacity_gas_mw",
    "energy.capacity_nuclear_mw",
    "energy.capacity_hydro_mw",
    "energy.capacity_wind_mw",
    "energy.capacity_solar_mw",
    "energy.capacity_battery_mw",
];
const BATTERY: usize = 6;

/// The run scalars of the energy the grid left unserved, by the load class
/// it was cut from, in [`LoadClass::ALL`] order (see
/// [`Grid::summary_scalars`]).
pub const UNSERVED_BY_CLASS: [(LoadClass, &str); 4] = [
    (LoadClass::Household, "energy.unserved_household_mwh_total"),
    (LoadClass::Industry, "energy.unserved_industry_mwh_total"),
    (LoadClass::Fab, "energy.unserved_fab_mwh_total"),
    (LoadClass::Datacenter, "energy.unserved_datacenter_mwh_total"),
];

/// One entity's numbers for one sample.
#[derive(Default)]
struct Sample {
    generation_mwh: [f64; 7],
    capacity_mw: [f64; 7],
    emissions_t: f64,
    soc_mwh: f64,
    reservoir_mwh: f64,
    pending: u32,
    queue_mw: f64,
    adequacy_pending_mw: f64,
}

/// Capacity out for planned maintenance × hours, by firm technology.
const MAINTENANCE: [&str; 3] = [
    "energy.maintenance_coal_mwh",
    "energy.maintenance_gas_mwh",
    "energy.maintenance_nuclear_mwh",
];

fn emit_entity(
    entity: &str,
    s: &Sample,
    p: &Period,
    (maintenance, derates, adequacy, reservoirs): (bool, bool, bool, bool),
    emit: &mut dyn FnMut(&str, &str, f64),
) {
    let mut total = 0.0;
    for t in Technology::ALL.iter().take(BATTERY) {
        emit(GENERATION[t.index()], entity, s.generation_mwh[t.index()]);
        total += s.generation_mwh[t.index()];
    }
    emit("energy.generation_mwh", entity, total);
    for t in Technology::ALL {
        emit(CAPACITY[t.index()], entity, s.capacity_mw[t.index()]);
    }
    emit("energy.demand_mwh", entity, p.demand_mwh);
    emit("energy.served_mwh", entity, p.served_mwh);
    emit("energy.unserved_mwh", entity, p.unserved_mwh);
    emit("energy.shortfall_hours", entity, p.shortfall_hours);
    emit("energy.ai_curtailed_mwh", entity, p.ai_curtailed_mwh);
    emit("energy.spill_mwh", entity, p.spill_mwh);
    emit("energy.hydro_spill_mwh", entity, p.hydro_spill_mwh);
    if reservoirs {
        emit("energy.reservoir_mwh", entity, s.reservoir_mwh);
    }
    emit("energy.imports_mwh", entity, p.imports_mwh);
    emit("energy.exports_mwh", entity, p.exports_mwh);
    emit("energy.losses_mwh", entity, p.losses_mwh);
    emit("energy.emissions_t", entity, s.emissions_t);
    emit("energy.storage_soc_mwh", entity, s.soc_mwh);
    emit("energy.storage_charge_mwh", entity, p.charge_mwh);
    emit("energy.storage_discharge_mwh", entity, p.discharge_mwh);
    emit(
        "energy.projects_completed",
        entity,
        f64::from(p.projects_completed),
    );
    emit("energy.projects_pending", entity, f64::from(s.pending));
    emit("energy.retired_mw", entity, p.retired_mw);
    if maintenance {
        for (name, mwh) in MAINTENANCE.iter().zip(p.maintenance_mwh) {
            emit(name, entity, mwh);
        }
    }
    if derates {
        emit("energy.derated_mwh", entity, p.derated_mwh);
    }
    if adequacy {
        emit("energy.adequacy_started_mw", entity, p.adequacy_mw.started);
        emit("energy.adequacy_completed_mw", entity, p.adequacy_mw.completed);
        emit("energy.adequacy_cancelled_mw", entity, p.adequacy_mw.cancelled);
        emit("energy.adequacy_pending_mw", entity, s.adequacy_pending_mw);
    }
    emit("energy.interconnection_queue_mw", entity, s.queue_mw);
    // A margin or an average needs demand or time: without them there is no value to report.
    if p.peak_demand_mw > 0.0 {
        emit("energy.peak_reserve_margin", entity, p.margin_at_peak);
    }
    if p.demand_mwh > 0.0 {
        emit(
            "energy.avg_price_usd_per_mwh",
            entity,
            p.price_demand_usd / p.demand_mwh,
        );
    } else if p.hours > 0.0 {
        emit("energy.avg_price_usd_per_mwh", entity, p.price_hours / p.hours);
    }
}

impl Grid {
    /// Emits the period's metrics per region and `national`, then resets the
    /// period's flows (see the module docs for names and units).
    /// `energy.peak_reserve_margin` is (available generation + storage
    /// discharge capability) ÷ demand − 1 at the period's demand peak;
    /// `energy.avg_price_usd_per_mwh` is demand-weighted (national: over all regions).
    pub fn sample_metrics(&mut self, now: SimTime, emit: &mut dyn FnMut(&str, &str, f64)) {
        // The end of a step spanning a month start: booked after this
        // period if the sample is at that month start, before it if the
        // sample is later (none was taken there), kept if it is earlier.
        let carry_after = match self.carry {
            Some((at, h)) if now.ticks() > at => {
                self.carry = None;
                self.book_period(h);
                None
            }
            Some((at, h)) if now.ticks() == at => {
                self.carry = None;
                Some(h)
            }
            _ => None,
        };
        // The stored energy at the instant the booked flows reach: the last
        // step's level, less the part of its change made in the hours not
        // booked to this period or an earlier one (those past the sample,
        // `carry_after`, and past the horizon's end). Its flows run at a
        // constant rate, so it is the level at the sample, and the change
        // between samples is the charge and discharge they report.
        let unbooked = (self.dt_hours - self.step_booked_h) + carry_after.unwrap_or(0.0);
        let at_sample = |s: &crate::state::Storage| {
            if unbooked > 0.0 {
                s.soc_mwh - (s.soc_mwh - s.soc_step_start_mwh) * (unbooked / self.dt_hours)
            } else {
                s.soc_mwh
            }
        };
        let mut national = Sample::default();
        let mut national_period = self.national_period;
        let optional = (
            !self.maintained.is_empty(),
            !self.derates.is_empty(),
            !self.adequacy.is_empty(),
            // A grid with a reservoir keeps a water day for its region.
            !self.water_days.is_empty(),
        );
        for (ri, r) in self.regions.iter().enumerate() {
            let mut s = Sample {
                soc_mwh: at_sample(&r.storage),
                pending: r.projects_pending,
                queue_mw: r.queue_pending_mw,
                adequacy_pending_mw: r.adequacy_pending_mw,
                ..Sample::default()
            };
            s.capacity_mw[BATTERY] = r.storage.power_mw;
            if optional.3 {
                s.reservoir_mwh = self.reservoir_mwh(RegionId(ri as u32)).unwrap_or(0.0);
            }
            let (m0, m1) = r.merit;
            for (g, h) in self.groups[m0..m1].iter().zip(&self.hot[m0..m1]) {
                debug_assert_eq!(g.region as usize, ri);
                s.generation_mwh[g.technology.index()] += h.period_mwh;
                s.capacity_mw[g.technology.index()] += h.installed_mw;
                s.emissions_t += h.period_mwh * g.emissions_t_per_mwh;
            }
            emit_entity(&r.name, &s, &r.period, optional, emit);
            for t in 0..7 {
                national.generation_mwh[t] += s.generation_mwh[t];
                national.capacity_mw[t] += s.capacity_mw[t];
            }
            national.emissions_t += s.emissions_t;
            national.soc_mwh += s.soc_mwh;
            national.reservoir_mwh += s.reservoir_mwh;
            national.pending += s.pending;
            national.queue_mw += s.queue_mw;
            national.adequacy_pending_mw += s.adequacy_pending_mw;
            let p = &r.period;
            let n = &mut national_period;
            n.demand_mwh += p.demand_mwh;
            n.served_mwh += p.served_mwh;
            n.unserved_mwh += p.unserved_mwh;
            n.ai_curtailed_mwh += p.ai_curtailed_mwh;
            n.spill_mwh += p.spill_mwh;
            n.hydro_spill_mwh += p.hydro_spill_mwh;
            n.imports_mwh += p.imports_mwh;
            n.exports_mwh += p.exports_mwh;
            n.losses_mwh += p.losses_mwh;
            n.charge_mwh += p.charge_mwh;
            n.discharge_mwh += p.discharge_mwh;
            n.price_demand_usd += p.price_demand_usd;
            n.price_hours += p.price_hours;
            n.projects_completed += p.projects_completed;
            n.retired_mw += p.retired_mw;
            for (n, p) in n.maintenance_mwh.iter_mut().zip(p.maintenance_mwh) {
                *n += p;
            }
            n.derated_mwh += p.derated_mwh;
            n.adequacy_mw.add(&p.adequacy_mw);
        }
        // National time-weighted price: the mean over regions.
        national_period.hours *= self.regions.len() as f64;
        emit_entity("national", &national, &national_period, optional, emit);
        for (g, h) in self.groups.iter_mut().zip(&mut self.hot) {
            g.total_mwh += h.period_mwh;
            h.period_mwh = 0.0;
        }
        // Each load's bill runs on across the sample (it is reset only when
        // taken, `Grid::take_load_bill`): book it up to now, against the
        // period's clock that restarts here.
        for l in self.loads.iter_mut().filter(|l| !l.regional) {
            let p = &self.regions[l.region as usize].period;
            l.settle((p.price_hours, p.hours));
            l.mark = (0.0, 0.0);
        }
        for r in &mut self.regions {
            self.totals.price_demand_usd += r.period.price_demand_usd;
            r.period = Period::default();
        }
        self.national_period = Period::default();
        if let Some(h) = carry_after {
            self.book_period(h);
        }
    }

    /// Whole-run scalar outcomes: `energy.demand_mwh_total`,
    /// `energy.unserved_mwh_total`, `energy.unserved_fraction`,
    /// `energy.ai_curtailed_mwh_total`, the unserved energy by the load
    /// class it was cut from ([`UNSERVED_BY_CLASS`]:
    /// `energy.unserved_household_mwh_total`, `…_industry_…`, `…_fab_…`,
    /// `…_datacenter_…`, which sum to `energy.unserved_mwh_total` and of
    /// which fab and datacenter to `energy.ai_curtailed_mwh_total`, to
    /// rounding), `energy.spill_mwh_total`, `energy.hydro_spill_mwh_total`,
    /// `energy.generation_mwh_total`, `energy.emissions_t_total`,
    /// `energy.peak_shortfall_mw` (largest national curtailment in one step),
    /// `energy.hours_with_shortfall`, `energy.avg_price_usd_per_mwh` (USD/MWh,
    /// demand-weighted over every region and step of the run, as the monthly
    /// national metric of that name is over a month: Σ price × demand energy
    /// ÷ Σ demand energy; for a run without demand, the time-weighted mean
    /// over regions), `energy.projects_completed_total`,
    /// `energy.projects_cancelled_total`, `energy.retired_mw_total`, and,
    /// in a grid with planned maintenance, `energy.maintenance_mwh_total`,
    /// in a grid with capacity derates, `energy.derated_mwh_total`, and in
    /// a grid with an adequacy response `energy.adequacy_started_mw_total`,
    /// `energy.adequacy_completed_mw_total` and
    /// `energy.adequacy_cancelled_mw_total` (MW of its projects).
    pub fn summary_scalars(&self, emit: &mut dyn FnMut(&str, f64)) {
        let t = &self.totals;
        emit("energy.demand_mwh_total", t.demand_mwh);
        emit("energy.unserved_mwh_total", t.unserved_mwh);
        if t.demand_mwh > 0.0 {
            emit("energy.unserved_fraction", t.unserved_mwh / t.demand_mwh);
        }
        emit("energy.ai_curtailed_mwh_total", t.ai_curtailed_mwh);
        for (class, name) in UNSERVED_BY_CLASS {
            emit(name, t.unserved_by_class_mwh[class.index()]);
        }
        emit("energy.spill_mwh_total", t.spill_mwh);
        emit("energy.hydro_spill_mwh_total", t.hydro_spill_mwh);
        let groups = || self.groups.iter().zip(&self.hot);
        // Folded from +0 (`sum` of nothing is −0, printed "-0.0" for a grid without plants).
        // With the part of a step spanning a month start not yet booked.
        let carry_h = self.carry.map_or(0.0, |(_, h)| h);
        let energy = |h: &crate::state::GroupHot| {
            if carry_h > 0.0 {
                h.period_mwh + h.generation_mw * carry_h
            } else {
                h.period_mwh
            }
        };
        let generation = groups().fold(0.0, |a, (g, h)| a + (g.total_mwh + energy(h)));
        let emissions = groups().fold(0.0, |a, (g, h)| {
            a + (g.total_mwh + energy(h)) * g.emissions_t_per_mwh
        });
        emit("energy.generation_mwh_total", generation);
        emit("energy.emissions_t_total", emissions);
        emit("energy.peak_shortfall_mw", t.peak_shortfall_mw);
        emit("energy.hours_with_shortfall", t.hours_with_shortfall);
        let price_demand_usd = t.price_demand_usd
            + self
                .regions
                .iter()
                .map(|r| r.period.price_demand_usd + r.step.price_usd_per_mwh * r.step.demand_mw * carry_h)
                .sum::<f64>();
        if t.demand_mwh > 0.0 {
            emit("energy.avg_price_usd_per_mwh", price_demand_usd / t.demand_mwh);
        } else if t.hours > 0.0 {
            emit(
                "energy.avg_price_usd_per_mwh",
                t.price_hours / (t.hours * self.regions.len() as f64),
            );
        }
        emit("energy.projects_completed_total", f64::from(t.projects_completed));
        emit("energy.projects_cancelled_total", f64::from(t.projects_cancelled));
        emit("energy.retired_mw_total", t.retired_mw);
        if !self.maintained.is_empty() {
            emit("energy.maintenance_mwh_total", t.maintenance_mwh);
        }
        if !self.derates.is_empty() {
            emit("energy.derated_mwh_total", t.derated_mwh);
        }
        if !self.adequacy.is_empty() {
            emit("energy.adequacy_started_mw_total", t.adequacy_mw.started);
            emit("energy.adequacy_completed_mw_total", t.adequacy_mw.completed);
            emit("energy.adequacy_cancelled_mw_total", t.adequacy_mw.cancelled);
        }
    }
}
