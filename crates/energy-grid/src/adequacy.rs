//! The adequacy response: capacity expansion when a region's forecast
//! reserve margin falls below a target (see `docs/model/energy-grid.md`,
//! "Adequacy response").
//!
//! A response is a scheduled check, every `check_every_years` from
//! `first_check` (on the same calendar date when that is a whole number
//! of months), of each of its regions. At a check at `t` it forecasts
//! the region's peak demand at the horizon `h = t + forecast_years`,
//!
//! `P(h) = D̄ · G(h) · s_max + AI`,
//!
//! with `D̄` the region's average non-AI demand at the start, `G(h)` its
//! growth multiplier at `h` (the growth path compounded as dispatch
//! compounds it), `s_max` the largest value of its demand shape at the
//! hourly step middles of a year (`(1 + a_d)(1 + a_s)` up to sampling),
//! and `AI` the MW of connection its AI loads hold plus the MW waiting in
//! its interconnection queue; and its anticipated firm capacity there,
//!
//! `F(h) = Σ_tech credit_tech · C_tech(h)`,
//!
//! `C_tech(h)` being the installed MW (batteries: storage power), plus what
//! the programmes' steps from now to `h` add, plus the projects not yet
//! resolved that are planned in service by `h` (the response's own
//! projects whatever their date), less the retirements not yet applied
//! dated by `h`. If `F(h) < (1 + m)·P(h)` it starts
//! `n = min(⌈((1 + m)·P(h) − F(h)) / (credit · unit)⌉, ⌊cap / unit⌋)`
//! projects of `unit` MW of its technology, `cap = max_mw_per_year ×
//! check_every_years`. Each is a construction project as the scenario's
//! are: it draws, from the region's stream `grid/adequacy/<region>`,
//! whether it is abandoned, then its lead time, and completes (joining the
//! region's first group of the technology) or is abandoned at a uniform
//! point of its lead time, as `ProjectResolved` events.

use crate::config::{GridConfig, Technology};
use crate::grid::{Grid, StreamRngBox};
use crate::profiles::Clock;
use crate::state::{GridEvent, ProjectId, ProjectState, RegionState};
use crate::validate::{GridError, MAX_LEAD_TIME_YEARS, MAX_MW, MAX_UNITS, check_range};
use scheduler::{Agenda, Dist, Duration, Num, RngStreams, SimTime, math};

/// Most years between two checks, and furthest forecast.
pub const MAX_ADEQUACY_YEARS: f64 = 50.0;
/// Fewest years between two checks: 0.05 (about 18 days).
pub const MIN_CHECK_EVERY_YEARS: f64 = 0.05;
/// Largest target reserve margin (10 = 1,000 %).
pub const MAX_TARGET_RESERVE_MARGIN: f64 = 10.0;
/// Most construction projects a run may hold, the scenario's and those
/// adequacy checks start together: each is kept for the run (≈ 0.4 kB with
/// its event, measured), so the count bounds the run's memory (≈ 40 MB). A check
/// that would pass it stops the run with [`GridError::TooManyProjects`]
/// (units of 1 kW closing a gigawatt gap would start a million).
pub const MAX_PROJECTS: usize = 100_000;

/// A capacity-expansion (adequacy) response: planners and markets that add
/// capacity when a region's forecast reserve margin falls below a target,
/// with a lead time, a cap and a chance of abandonment. Applies to each of
/// its regions separately (imports are not counted as capacity).
#[derive(Clone, Debug, PartialEq)]
pub struct AdequacyConfig {
    /// Name (keys nothing random; for messages).
    pub name: String,
    /// Regions (names) it plans for, each in at most one response; empty:
    /// every region.
    pub regions: Vec<String>,
    /// Target reserve margin, `firm / peak − 1`, in [0, 10] (0.15: NERC's
    /// typical reference margin).
    pub target_reserve_margin: f64,
    /// The first check.
    pub first_check: SimTime,
    /// Years (of 365.25 days) between checks, in [0.05, 50].
    pub check_every_years: f64,
    /// Years ahead of a check whose peak it plans for, in [0, 50].
    pub forecast_years: f64,
    /// Technology built.
    pub technology: Technology,
    /// Size of one project, MW, in [10⁻³, 10⁷]: gaps are rounded up to whole units.
    pub unit_mw: f64,
    /// Construction time of each project, years (drawn per project;
    /// support ≥ 0, mean at most [`MAX_LEAD_TIME_YEARS`]).
    pub lead_time_years: Dist,
    /// Probability that a project is abandoned during construction, in [0, 1].
    pub cancellation_probability: f64,
    /// Most MW started per region per year, in (0, 10⁷]: a check starts at
    /// most `max_mw_per_year × check_every_years`, in whole units (at least one).
    pub max_mw_per_year: f64,
    /// Firm capacity credited per installed MW of each technology, by
    /// [`Technology::index`] (battery: per MW of storage power), each in
    /// [0, 1]; the technology built must have a credit above 0.
    pub capacity_credit: [f64; 7],
}

impl AdequacyConfig {
    /// A response of `technology` in units of `unit_mw` with a fixed lead
    /// time: 15 % target margin, yearly checks from the start, a forecast
    /// as far ahead as the lead time, no abandonment, no cap (10⁷ MW/yr),
    /// and [`AdequacyConfig::DEFAULT_CREDIT`].
    pub fn new(name: &str, technology: Technology, unit_mw: f64, lead_time_years: f64) -> AdequacyConfig {
        AdequacyConfig {
            name: name.to_string(),
            regions: Vec::new(),
            target_reserve_margin: 0.15,
            first_check: SimTime::ZERO,
            check_every_years: 1.0,
            forecast_years: lead_time_years,
            technology,
            unit_mw,
            lead_time_years: Dist::constant(lead_time_years),
            cancellation_probability: 0.0,
            max_mw_per_year: MAX_MW,
            capacity_credit: AdequacyConfig::DEFAULT_CREDIT,
        }
    }

    /// Default capacity credits (coal, gas, nuclear, hydro, wind, solar,
    /// battery): firm plants at 1, as a planning reserve margin counts them
    /// (the target margin covers their forced outages), hydro 0.5, wind
    /// 0.15, solar 0.1, batteries 0.8 (see `docs/calibration/energy-grid.md`).
    pub const DEFAULT_CREDIT: [f64; 7] = [1.0, 1.0, 1.0, 0.5, 0.15, 0.1, 0.8];
}

/// Capacity an adequacy response started, completed and saw abandoned, MW.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct AdequacyFlows {
    pub started: f64,
    pub completed: f64,
    pub cancelled: f64,
}

impl AdequacyFlows {
    pub fn add(&mut self, o: &AdequacyFlows) {
        self.started += o.started;
        self.completed += o.completed;
        self.cancelled += o.cancelled;
    }
}

/// One region a response plans for.
#[derive(Debug)]
pub(crate) struct Planned {
    pub region: u32,
    /// Largest demand-shape factor over a year's hourly step middles.
    pub peak_factor: f64,
    /// `ln G` of the growth path at `log_growth.0` ticks (advanced check by check).
    pub log_growth: (u64, f64),
    /// The region's stream, `grid/adequacy/<region>`.
    pub rng: StreamRngBox,
    /// Checks made, for naming its projects.
    pub checks: u32,
}

/// A response, resolved.
#[derive(Debug)]
pub(crate) struct Response {
    pub config: AdequacyConfig,
    pub planned: Vec<Planned>,
    /// The first check's instant, and the checks made so far.
    pub first: SimTime,
    pub checks: u32,
}

/// Checks `config.adequacy` (ranges, regions each in one response).
pub(crate) fn validate_adequacy(config: &GridConfig) -> Result<(), GridError> {
    let mut claimed: Vec<(&str, &str)> = Vec::new();
    for a in &config.adequacy {
        let e = format!("adequacy `{}`", a.name);
        check_range(
            &e,
            "target_reserve_margin",
            a.target_reserve_margin,
            0.0,
            MAX_TARGET_RESERVE_MARGIN,
        )?;
        check_range(
            &e,
            "check_every_years",
            a.check_every_years,
            MIN_CHECK_EVERY_YEARS,
            MAX_ADEQUACY_YEARS,
        )?;
        check_range(&e, "forecast_years", a.forecast_years, 0.0, MAX_ADEQUACY_YEARS)?;
        check_range(&e, "unit_mw", a.unit_mw, 1e-3, MAX_MW)?;
        check_range(
            &e,
            "cancellation_probability",
            a.cancellation_probability,
            0.0,
            1.0,
        )?;
        check_range(&e, "max_mw_per_year", a.max_mw_per_year, 1e-3, MAX_MW)?;
        crate::validate::check_duration(
            &e,
            "lead_time_years",
            &a.lead_time_years,
            MAX_LEAD_TIME_YEARS,
            "years",
        )?;
        for c in a.capacity_credit {
            check_range(&e, "capacity_credit", c, 0.0, 1.0)?;
        }
        if a.capacity_credit[a.technology.index()] <= 0.0 {
            return Err(GridError::InvalidConfig {
                entity: e,
                field: "capacity_credit",
                reason: format!(
                    "gives `{}`, the technology built, no credit: no amount of it would close a gap",
                    a.technology.key()
                ),
            });
        }
        if a.max_mw_per_year * a.check_every_years < a.unit_mw {
            return Err(GridError::InvalidConfig {
                entity: e,
                field: "max_mw_per_year",
                reason: format!(
                    "allows {} MW a check ({} MW/yr × {} years), less than one unit of {} MW: nothing could be built",
                    Num(a.max_mw_per_year * a.check_every_years),
                    Num(a.max_mw_per_year),
                    Num(a.check_every_years),
                    Num(a.unit_mw)
                ),
            });
        }
        let regions: Vec<&str> = if a.regions.is_empty() {
            config.regions.iter().map(|r| r.name.as_str()).collect()
        } else {
            a.regions.iter().map(String::as_str).collect()
        };
        for (i, r) in regions.iter().enumerate() {
            if !config.regions.iter().any(|x| x.name == *r) {
                return Err(GridError::UnknownRegion {
                    entity: e,
                    field: "regions",
                    name: r.to_string(),
                });
            }
            if let Some((_, other)) = claimed.iter().find(|(x, _)| x == r) {
                let what = if regions[..i].contains(r) {
                    "is named twice".to_string()
                } else {
                    format!("is already planned for by adequacy `{other}`")
                };
                return Err(GridError::InvalidConfig {
                    entity: e,
                    field: "regions",
                    reason: format!("region `{r}` {what}: a region has one response"),
                });
            }
            claimed.push((r, &a.name));
        }
    }
    Ok(())
}

/// `(region, technology)` of every region a response builds in, for the
/// build-out groups `Grid::new` creates.
pub(crate) fn targets(config: &GridConfig) -> Vec<(String, Technology)> {
    let mut out = Vec::new();
    for a in &config.adequacy {
        if a.regions.is_empty() {
            out.extend(config.regions.iter().map(|r| (r.name.clone(), a.technology)));
        } else {
            out.extend(a.regions.iter().map(|r| (r.clone(), a.technology)));
        }
    }
    out
}

/// Builds the responses of a validated `config` (build-out groups added),
/// refusing one whose technology's group has units small enough to pass
/// the unit limit (10⁶) below the capacity limit (10⁷ MW).
pub(crate) fn build(
    config: &GridConfig,
    regions: &[RegionState],
    clock: &Clock,
    streams: &RngStreams,
) -> Result<Vec<Response>, GridError> {
    let mut out = Vec::with_capacity(config.adequacy.len());
    for a in &config.adequacy {
        let mut planned = Vec::new();
        for (ri, rc) in config.regions.iter().enumerate() {
            if !(a.regions.is_empty() || a.regions.contains(&rc.name)) {
                continue;
            }
            if let Some(g) = rc.fleet.iter().find(|g| g.technology == a.technology)
                && g.has_units()
                && MAX_MW / g.unit_size_mw > MAX_UNITS
            {
                return Err(GridError::InvalidConfig {
                    entity: format!("adequacy `{}`", a.name),
                    field: "technology",
                    reason: format!(
                        "builds into plant group `{}` (region `{}`), whose units of {} MW could pass \
                         {MAX_UNITS} units: give that group units of at least {} MW",
                        g.name,
                        rc.name,
                        Num(g.unit_size_mw),
                        Num(MAX_MW / MAX_UNITS)
                    ),
                });
            }
            let r = &regions[ri];
            // The shape's largest value at the hourly step middles of a year.
            let peak_factor = (0..8_766)
                .map(|h| r.shape.factor(&clock.features(h as f64 * 3600.0 + 1800.0)))
                .fold(0.0_f64, f64::max);
            planned.push(Planned {
                region: ri as u32,
                peak_factor,
                log_growth: (0, 0.0),
                rng: Box::new(streams.stream(&format!("grid/adequacy/{}", rc.name))),
                checks: 0,
            });
        }
        out.push(Response {
            config: a.clone(),
            planned,
            first: a.first_check,
            checks: 0,
        });
    }
    Ok(out)
}

/// `∫ ln(1 + g(s)) ds` over `[from, to]` ticks, in years: the log of the
/// growth multiplier's change (dispatch compounds `(1 + g)` per year of
/// 8,766 h), by the midpoint rule on days (exact for a constant rate).
fn log_growth(path: &scheduler::TimePath, from: u64, to: u64) -> f64 {
    const DAY: u64 = 86_400;
    let mut sum = 0.0;
    let mut t = from;
    while t < to {
        let next = to.min(t + DAY);
        let mid = SimTime(t + (next - t) / 2);
        sum += math::ln_1p(path.at(mid)) * ((next - t) as f64 / scheduler::SECS_PER_YEAR as f64);
        t = next;
    }
    sum
}

/// The instant of check `k` (from 0) of a response whose first check is
/// at `first`, every `years`: on the same day of the month every `12 ×
/// years` calendar months when that is a whole number (a yearly check
/// stays on its date, not drifting 6 h a year), else every `years` Julian
/// years from `first`. `None` past the calendar's or clock's range.
fn next_check(calendar: &scheduler::Calendar, first: SimTime, years: f64, k: u32) -> Option<SimTime> {
    let months = years * 12.0;
    if (months - months.round()).abs() < 1e-9 {
        let at = calendar.datetime(first)?;
        let later = at.checked_add_months(chrono::Months::new(months.round() as u32 * k))?;
        let secs = (later - calendar.datetime(SimTime::ZERO)?).num_seconds();
        return u64::try_from(secs).ok().map(SimTime);
    }
    Duration::from_years_f64(years * f64::from(k)).and_then(|d| first.checked_add(d))
}

impl Grid {
    /// Schedules every response's first check (at its `first_check`, or now).
    pub(crate) fn start_adequacy(&mut self, agenda: &mut impl Agenda<GridEvent>) -> Result<(), GridError> {
        let now = agenda.now();
        for (i, a) in self.adequacy.iter_mut().enumerate() {
            a.first = a.config.first_check.max(now);
            agenda.schedule_at(a.first, GridEvent::AdequacyCheck { response: i as u32 })?;
        }
        Ok(())
    }

    /// The forecast peak demand of region `ri` at `h` and its anticipated
    /// firm capacity there (see the module docs), MW.
    fn forecast(&self, response: usize, k: usize, h: SimTime) -> (f64, f64) {
        let a = &self.adequacy[response];
        let p = &a.planned[k];
        let credit = &a.config.capacity_credit;
        let ri = p.region as usize;
        let r = &self.regions[ri];
        let growth = p.log_growth.1 + log_growth(&r.growth, p.log_growth.0, h.ticks());
        let ai: f64 = r.loads[2..]
            .iter()
            .map(|&l| self.loads[l as usize].connected_mw)
            .sum::<f64>()
            + r.queue_pending_mw;
        let peak = r.average_mw * math::exp(growth) * p.peak_factor + ai;
        // Anticipated capacity by technology at `h`.
        let mut mw = [0.0; 7];
        mw[Technology::Battery.index()] = r.storage.power_mw;
        for g in r.merit.0..r.merit.1 {
            mw[self.groups[g].technology.index()] += self.hot[g].installed_mw;
        }
        for q in self.programmes.iter().filter(|q| q.region == p.region) {
            let mut t = q.next_at;
            while t <= h.ticks() {
                let years = crate::buildout::tranche_years(&self.calendar, SimTime(t)).unwrap_or(0.0);
                mw[q.technology.index()] += q.mw_per_year.at(SimTime(t)) * years;
                match self.calendar.next_month_start(SimTime(t)) {
                    Some(next) => t = next.ticks(),
                    None => break,
                }
            }
        }
        for q in self
            .projects
            .iter()
            .filter(|q| q.region == p.region && !q.resolved)
        {
            if q.adequacy || q.planned_at <= h {
                mw[q.technology.index()] += q.mw;
            }
        }
        for q in self.retirements.iter().filter(|q| !q.done && q.at <= h) {
            let g = q.group as usize;
            if self.groups[g].region == p.region {
                mw[self.groups[g].technology.index()] -= q.mw.min(self.hot[g].installed_mw);
            }
        }
        let firm = mw.iter().zip(credit).map(|(m, c)| m.max(0.0) * c).sum();
        (peak, firm)
    }

    /// A check of response `i` (see the module docs); schedules the next.
    pub(crate) fn on_adequacy_check(
        &mut self,
        i: usize,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let now = agenda.now();
        let Some(a) = self.adequacy.get(i) else {
            return Ok(());
        };
        let c = &a.config;
        let horizon = Duration::from_years_f64(c.forecast_years)
            .and_then(|d| now.checked_add(d))
            .unwrap_or(SimTime(u64::MAX));
        let unit_firm = c.unit_mw * c.capacity_credit[c.technology.index()];
        let cap_units = (c.max_mw_per_year * c.check_every_years / c.unit_mw + 1e-9).floor();
        for k in 0..a.planned.len() {
            // Bring the region's growth up to now.
            let ri = self.adequacy[i].planned[k].region as usize;
            let (at, log) = self.adequacy[i].planned[k].log_growth;
            let log = log + log_growth(&self.regions[ri].growth, at, now.ticks());
            self.adequacy[i].planned[k].log_growth = (now.ticks(), log);
            let (peak, firm) = self.forecast(i, k, horizon);
            let c = &self.adequacy[i].config;
            let gap = (1.0 + c.target_reserve_margin) * peak - firm;
            if !gap.is_finite() {
                return Err(GridError::NotComputable {
                    what: format!("adequacy `{}` forecast in `{}`", c.name, self.regions[ri].name),
                    at_secs: now.ticks(),
                    detail: format!("peak {peak} MW, firm {firm} MW"),
                });
            }
            let units = if gap > 0.0 {
                (gap / unit_firm).ceil().min(cap_units)
            } else {
                0.0
            };
            if self.projects.len() as f64 + units > MAX_PROJECTS as f64 {
                return Err(GridError::TooManyProjects {
                    response: c.name.clone(),
                    region: self.regions[ri].name.clone(),
                    units,
                    unit_mw: c.unit_mw,
                    gap_mw: gap,
                    at_secs: now.ticks(),
                    held: self.projects.len(),
                    limit: MAX_PROJECTS,
                });
            }
            self.adequacy[i].planned[k].checks += 1;
            for u in 0..units as u32 {
                self.start_adequacy_project(i, k, u, agenda)?;
            }
        }
        let a = &mut self.adequacy[i];
        a.checks += 1;
        if let Some(next) = next_check(&self.calendar, a.first, a.config.check_every_years, a.checks) {
            agenda.schedule_at(next, GridEvent::AdequacyCheck { response: i as u32 })?;
        }
        Ok(())
    }

    /// Starts unit `u` of a check of response `i` in its `k`-th region: a
    /// construction project drawn from the region's stream.
    fn start_adequacy_project(
        &mut self,
        i: usize,
        k: usize,
        u: u32,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let now = agenda.now();
        let a = &mut self.adequacy[i];
        let c = &a.config;
        let p = &mut a.planned[k];
        let region = p.region;
        let mut project = ProjectState {
            name: format!(
                "adequacy `{}` in `{}`, check {} unit {}",
                c.name,
                self.regions[region as usize].name,
                p.checks,
                u + 1
            ),
            region,
            technology: c.technology,
            mw: c.unit_mw,
            start: now,
            lead_time_years: c.lead_time_years.clone(),
            years_spent: 0.0,
            cancellation_probability: c.cancellation_probability,
            cancelled: false,
            resolved: false,
            planned_at: now,
            adequacy: true,
        };
        let at = crate::buildout::draw_resolution(&mut project, p.rng.as_mut(), now)?;
        let mw = project.mw;
        let id = ProjectId(self.projects.len() as u32);
        self.projects.push(project);
        let r = &mut self.regions[region as usize];
        r.projects_pending += 1;
        r.adequacy_pending_mw += mw;
        r.period.adequacy_mw.started += mw;
        self.totals.adequacy_mw.started += mw;
        agenda.schedule_at(at, GridEvent::ProjectResolved { project: id })?;
        Ok(())
    }

    /// The forecast peak demand and anticipated firm capacity (MW) a check
    /// of response `response` made at `now` (at or after its last check)
    /// would see in `region` at its horizon (`None`: no such response or
    /// region in it). Read-only.
    pub fn adequacy_forecast(
        &self,
        response: usize,
        region: crate::RegionId,
        now: SimTime,
    ) -> Option<(f64, f64)> {
        let a = self.adequacy.get(response)?;
        let k = a
            .planned
            .iter()
            .position(|p| p.region as usize == region.index())?;
        let horizon = now.checked_add(Duration::from_years_f64(a.config.forecast_years)?)?;
        Some(self.forecast(response, k, horizon))
    }

    /// MW of region `region`'s adequacy projects not yet completed or abandoned.
    pub fn adequacy_pending_mw(&self, region: crate::RegionId) -> f64 {
        self.regions
            .get(region.index())
            .map_or(0.0, |r| r.adequacy_pending_mw)
    }
}
