//! The per-step grid trace of a window of dates, `dispatch.csv`
//! (`aistack run --dispatch-window FROM..TO`): every dispatch step starting
//! in the window, each region's demand, service and shed by load class,
//! price, generation by technology, spill, storage and exchanges, and each
//! link's flow in each direction.
//!
//! The recorder reads the grid's state after each step through the
//! [`Observer::dispatched`](crate::world::Observer::dispatched) hook
//! ([`Grid::last_balance`], [`Grid::generation_by_technology_mw`],
//! [`Grid::class_service_mw`], [`Grid::link_flows`]): the dispatch step
//! itself is unchanged, and a run without a window records nothing.
//!
//! The file is in the tidy long format of `timeseries.csv`:
//! `run,time_year,time,metric,entity,value`, with `time` the step's start
//! (`2025-07-01T19:00`), powers in MW averaged over the step and the
//! storage level in MWh at the step's end (metrics in docs/model/energy-grid.md,
//! "The per-step trace").

use crate::output::push_f64;
use energy_grid::{Grid, LoadClass, RegionId, Technology};
use scheduler::{Calendar, SimTime};
use std::io::{self, Write};

/// The header of `dispatch.csv`.
pub const DISPATCH_HEADER: &str = "run,time_year,time,metric,entity,value";

/// The name a load class has in the trace's metrics (`energy.served_fab_mw`).
pub fn class_key(c: LoadClass) -> &'static str {
    match c {
        LoadClass::Household => "household",
        LoadClass::Industry => "industry",
        LoadClass::Fab => "fab",
        LoadClass::Datacenter => "datacenter",
    }
}

/// The technologies a region's generation is written for: every one but
/// the battery (the last of [`Technology::ALL`]), whose output is
/// `energy.storage_discharge_mw`.
const GENERATING: [Technology; 6] = {
    let [coal, gas, nuclear, hydro, wind, solar, _battery] = Technology::ALL;
    [coal, gas, nuclear, hydro, wind, solar]
};

/// A window of dates, `[from, to)`: the dispatch steps starting from
/// `from` 00:00 up to, not including, `to` 00:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateWindow {
    /// First day in the window.
    pub from: chrono::NaiveDate,
    /// The day after the window's last.
    pub to: chrono::NaiveDate,
}

impl DateWindow {
    /// Parses `FROM..TO` (two dates `YYYY-MM-DD`, `FROM` before `TO`).
    /// The error says what form the window takes, which date is not one,
    /// or that the window is empty or reversed.
    pub fn parse(s: &str) -> Result<DateWindow, String> {
        const FORM: &str = "a window is written FROM..TO, two dates YYYY-MM-DD (e.g. \
                            2027-07-01..2027-07-08: the steps from 1 July 00:00 up to, not \
                            including, 8 July 00:00)";
        let Some((a, b)) = s.split_once("..") else {
            return Err(format!("`{s}` is not a window of dates: {FORM}"));
        };
        let date = |d: &str| crate::dates::parse_date(d.trim());
        let (from, to) = (date(a)?, date(b)?);
        if to <= from {
            let what = if to == from { "empty" } else { "reversed" };
            return Err(format!(
                "`{s}` is {what}: the window runs from FROM up to, not including, TO, so TO must \
                 come after FROM (one day: {from}..{})",
                from.succ_opt().unwrap_or(from)
            ));
        }
        Ok(DateWindow { from, to })
    }

    /// The window in the run's ticks, `[from, to)`, checked against the run:
    /// FROM is not before the scenario's start date, and TO not after the
    /// horizon's end (or, for a run that ends during a day, the next
    /// midnight: the window then closes with the run's last step). The
    /// error says which bound the window passes, the run's own dates and
    /// the earliest FROM or latest TO. (A window of a day or more always
    /// holds a dispatch step: steps are at most 24 h, from the start's
    /// midnight.)
    pub fn ticks(&self, calendar: &Calendar, end: SimTime) -> Result<(SimTime, SimTime), String> {
        let start_date = calendar.start_date();
        let end_text = calendar
            .datetime(end)
            .map_or_else(|| format!("{end}"), |d| format_time(d).replace('T', " "));
        let run = format!("the run covers {start_date} 00:00 up to {end_text}");
        let window = format!("{}..{}", self.from, self.to);
        let (Some(from), Some(to)) = (calendar.at_date(self.from), calendar.at_date(self.to)) else {
            return Err(format!(
                "{window} starts before the run: {run}, so FROM is {start_date} or later"
            ));
        };
        // The run's last day, if it ends inside it, may close a window: the
        // steps recorded are those the run dispatches (before its end).
        let last_midnight = calendar
            .date(end)
            .and_then(|d| calendar.at_date(d))
            .unwrap_or(end);
        let limit = if last_midnight < end {
            calendar
                .date(end)
                .and_then(|d| d.succ_opt())
                .and_then(|d| calendar.at_date(d))
                .unwrap_or(end)
        } else {
            end
        };
        if to > limit {
            let latest = calendar
                .date(limit)
                .map_or_else(|| format!("{limit}"), |d| d.to_string());
            return Err(format!(
                "{window} ends after the run: {run}, so TO is {latest} or earlier"
            ));
        }
        Ok((from, to))
    }
}

/// A date-time as the trace writes it: `2025-07-01T19:00` (seconds only
/// when there are some).
pub fn format_time(d: chrono::NaiveDateTime) -> String {
    use chrono::Timelike;
    if d.second() == 0 {
        d.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        d.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

/// The steps of a window a run recorded: each step's start and its values,
/// one per key, in key order.
#[derive(Clone, Debug, Default)]
pub struct DispatchTrace {
    /// `(metric, entity)` of each value of a step, in the order written.
    pub keys: Vec<(String, String)>,
    /// The start of each recorded step, in time order.
    pub steps: Vec<SimTime>,
    /// The values, step after step, `keys.len()` a step (MW; the storage
    /// level MWh; the price USD/MWh).
    pub values: Vec<f64>,
}

impl DispatchTrace {
    /// The values of step `i` (in [`DispatchTrace::keys`] order).
    pub fn step_values(&self, i: usize) -> &[f64] {
        let n = self.keys.len();
        &self.values[i * n..(i + 1) * n]
    }

    /// The value of `metric` for `entity` at each recorded step, in time
    /// order (empty if no such key).
    pub fn column(&self, metric: &str, entity: &str) -> Vec<f64> {
        let Some(k) = self.keys.iter().position(|(m, e)| m == metric && e == entity) else {
            return Vec::new();
        };
        (0..self.steps.len()).map(|i| self.step_values(i)[k]).collect()
    }
}

/// Records the dispatch steps starting in `[from, to)`.
#[derive(Debug)]
pub(crate) struct DispatchRecorder {
    from: SimTime,
    to: SimTime,
    /// Link names, in the grid's link order (the scenario's).
    link_names: Vec<String>,
    /// The grid's regions, in id order (found at the first step recorded).
    regions: Vec<RegionId>,
    /// Whether the grid has a hydro reservoir (its regions' water is traced).
    reservoirs: bool,
    pub(crate) trace: DispatchTrace,
}

impl DispatchRecorder {
    pub(crate) fn new(from: SimTime, to: SimTime, link_names: Vec<String>) -> DispatchRecorder {
        DispatchRecorder {
            from,
            to,
            link_names,
            regions: Vec::new(),
            reservoirs: false,
            trace: DispatchTrace::default(),
        }
    }

    /// The metrics of a region, in the order [`DispatchRecorder::record`]
    /// pushes them (`energy.reservoir_mwh` only in a grid with a reservoir).
    fn region_metrics(reservoirs: bool) -> Vec<String> {
        let mut m: Vec<String> = ["demand", "served", "unserved"]
            .iter()
            .map(|k| format!("energy.{k}_mw"))
            .collect();
        for c in LoadClass::ALL {
            for k in ["demand", "served", "unserved"] {
                m.push(format!("energy.{k}_{}_mw", class_key(c)));
            }
        }
        m.push("energy.price_usd_per_mwh".into());
        for t in GENERATING {
            m.push(format!("energy.generation_{}_mw", t.key()));
        }
        for k in [
            "generation",
            "spill",
            "hydro_spill",
            "storage_charge",
            "storage_discharge",
            "imports",
            "exports",
            "losses",
        ] {
            m.push(format!("energy.{k}_mw"));
        }
        m.push("energy.storage_soc_mwh".into());
        if reservoirs {
            m.push("energy.reservoir_mwh".into());
        }
        m
    }

    /// Records the step the grid just dispatched at `t`, if it starts in the window.
    pub(crate) fn record(&mut self, t: SimTime, grid: &Grid) {
        if t < self.from || t >= self.to {
            return;
        }
        if self.trace.keys.is_empty() {
            let regions: Vec<&str> = grid.region_names().collect();
            self.regions = regions.iter().filter_map(|r| grid.region_id(r)).collect();
            self.reservoirs = self
                .regions
                .first()
                .is_some_and(|&r| grid.reservoir_mwh(r).is_some());
            let metrics = Self::region_metrics(self.reservoirs);
            for r in &regions {
                for m in &metrics {
                    self.trace.keys.push((m.clone(), (*r).to_string()));
                }
            }
            for (i, (a, b, _, _)) in grid.link_flows().enumerate() {
                let name = self
                    .link_names
                    .get(i)
                    .map_or_else(|| format!("link{i}"), Clone::clone);
                let (a, b) = (regions[a.index()], regions[b.index()]);
                for (from, to) in [(a, b), (b, a)] {
                    self.trace
                        .keys
                        .push(("energy.link_flow_mw".into(), format!("{name}:{from}->{to}")));
                }
            }
        }
        self.trace.steps.push(t);
        let v = &mut self.trace.values;
        for (&id, b) in self.regions.iter().zip(grid.last_balance()) {
            v.extend([b.demand_mw, b.served_mw, b.curtailed_mw]);
            for (requested, served) in grid.class_service_mw(id).unwrap_or_default() {
                v.extend([requested, served, requested - served]);
            }
            v.push(b.price_usd_per_mwh);
            let by_tech = grid.generation_by_technology_mw(id).unwrap_or_default();
            v.extend(GENERATING.iter().map(|t| by_tech[t.index()]));
            v.extend([
                b.generation_mw,
                b.spill_mw,
                b.hydro_spill_mw,
                b.charge_mw,
                b.discharge_mw,
                b.imports_mw,
                b.exports_mw,
                b.losses_mw,
            ]);
            v.push(grid.storage_soc_mwh(id).unwrap_or(0.0));
            if self.reservoirs {
                v.push(grid.reservoir_mwh(id).unwrap_or(0.0));
            }
        }
        for (_, _, flow, _) in grid.link_flows() {
            v.extend([flow.max(0.0), (-flow).max(0.0)]);
        }
    }
}

/// Writes `trace` as `dispatch.csv` (header first) under `run`: one line a
/// step and key, steps in time order.
pub fn write_dispatch<W: Write>(
    mut w: W,
    run: u64,
    trace: &DispatchTrace,
    calendar: &Calendar,
) -> io::Result<()> {
    use std::fmt::Write as _;
    writeln!(w, "{DISPATCH_HEADER}")?;
    let keys: Vec<String> = trace
        .keys
        .iter()
        .map(|(m, e)| format!("{m},{},", crate::output::csv_field(e)))
        .collect();
    let mut line = String::with_capacity(120);
    let mut prefix = String::new();
    for (i, &t) in trace.steps.iter().enumerate() {
        prefix.clear();
        let year = calendar.fractional_year(t).unwrap_or(f64::NAN);
        let time = calendar.datetime(t).map(format_time).unwrap_or_default();
        let _ = write!(prefix, "{run},{year:?},{time},");
        for (key, &value) in keys.iter().zip(trace.step_values(i)) {
            line.clear();
            line.push_str(&prefix);
            line.push_str(key);
            push_f64(&mut line, value);
            line.push('\n');
            w.write_all(line.as_bytes())?;
        }
    }
    Ok(())
}
