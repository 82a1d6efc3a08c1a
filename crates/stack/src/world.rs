//! Assembling a runnable world from a scenario, and the event loop.

use crate::error::{RunError, ScenarioError};
use crate::output::Samples;
use crate::scenario::ScenarioData;
use crate::schema::{self, Ctx};
use crate::wiring::{LoadOwner, SignalSink, Signals, Wiring};
use energy_grid::{Grid, GridConfig, GridEvent, LoadClass, LoadSpec};
use fab_supply_chain::{FabConfig, FabEvent, SupplyChain};
use model_training::{ChipBatch, FleetId, LabId, Training, TrainingConfig, TrainingEvent};
use scheduler::{Calendar, Duration, Mapped, RngStreams, Scheduler, SimTime};
use std::path::Path;

/// Every event of the stack: one variant per domain, plus the stack's own.
#[derive(Debug)]
pub enum StackEvent {
    /// An energy-grid event.
    Grid(GridEvent),
    /// A supply-chain event.
    Fab(FabEvent),
    /// A training event.
    Training(TrainingEvent),
    /// Accelerators delivered (and charged) earlier are installed in a lab's cluster.
    Install {
        /// The lab.
        lab: LabId,
        /// What was delivered.
        batch: ChipBatch,
    },
    /// Accelerators delivered earlier to an other buyer with sites are
    /// installed in its fleet.
    InstallFleet {
        /// The fleet.
        fleet: FleetId,
        /// What was delivered.
        batch: ChipBatch,
    },
    /// A calendar month starts (or the run does): every fab is billed for
    /// the month before ([`Wiring::fab_bills`]), every site is billed for
    /// the month before and passed its price for the next
    /// ([`Wiring::monthly_prices`]; not at time zero, before any dispatch),
    /// and, every `settings.sample_every_months` months from the start,
    /// the recorder samples every domain's metrics. Billing runs every
    /// month whatever the sampling, so sampling changes only what is
    /// recorded.
    MonthStart,
}

/// The three domains of one run.
pub struct Domains {
    /// The energy grid.
    pub grid: Grid,
    /// The chip supply chain.
    pub fab: SupplyChain,
    /// Model training.
    pub training: Training,
}

/// The three domains' configurations, built from a scenario.
#[derive(Clone, Debug)]
pub struct Configs {
    /// Calendar of the run.
    pub calendar: Calendar,
    /// End of the run.
    pub end: SimTime,
    /// Grid.
    pub grid: GridConfig,
    /// Supply chain.
    pub fab: FabConfig,
    /// Training.
    pub training: TrainingConfig,
}

/// The instant a horizon of `years` ends: the whole years as calendar years
/// from the start date (10 years from 2025-01-01 end at 2035-01-01 00:00, so
/// a run covers 2025–2034 and no hours of 2035; from 29 February a whole year
/// ends on 28 February), then any fraction of a year as Julian years (365.25
/// days). `None` beyond 100 years or for a year that is not positive and
/// finite.
pub fn horizon_end(calendar: &Calendar, years: f64) -> Option<SimTime> {
    if !(years > 0.0 && years <= 100.0) {
        return None;
    }
    let whole = years.trunc();
    let date = calendar
        .start_date()
        .checked_add_months(chrono::Months::new(12 * whole as u32))?;
    let fraction = Duration::from_years_f64(years - whole)?;
    Some(calendar.at_date(date)? + fraction)
}

/// Builds the domain configurations from scenario data, checking every
/// cross-reference. Errors name `file` and the field path.
pub fn build_configs(file: &Path, data: &ScenarioData) -> Result<Configs, ScenarioError> {
    let calendar = Calendar::new(data.start);
    let ctx = Ctx {
        calendar,
        file: file.to_path_buf(),
    };
    let end = horizon_end(&calendar, data.horizon_years.get())
        .ok_or_else(|| ScenarioError::new(file, "horizon_years", "must be at most 100 years"))?;
    // Time runs in whole seconds: a horizon under one (which may round to
    // none) would end the run where it starts and sample that instant twice.
    if data.horizon_years.get() * (scheduler::SECS_PER_YEAR as f64) < 1.0 {
        return Err(ScenarioError::new(
            file,
            "horizon_years",
            format!(
                "{} years is under one second, so the run would end where it starts",
                scheduler::Num(data.horizon_years.get())
            ),
        )
        .hint("a run lasts at least one second (3.2e-8 years); write the years the run should cover"));
    }
    let regions: Vec<&str> = data.regions.iter().map(|r| r.name.as_str()).collect();
    let mut grid = schema::grid::to_config(
        &ctx,
        &schema::grid::GridInput {
            grid: &data.grid,
            regions: &data.regions,
            plants: &data.plants,
            links: &data.links,
            projects: &data.grid_projects,
            programmes: &data.programmes,
            droughts: &data.droughts,
            derates: &data.derates,
            adequacy: &data.adequacy,
        },
    )?;
    // The grid books only the part of its last step inside the horizon.
    grid.horizon_end = Some(end);
    // The labs' buyers first (buyer i is lab i), then the other buyers.
    let mut buyers: Vec<(String, u32)> = data
        .labs
        .iter()
        .map(|l| (l.name.clone(), l.chip_priority))
        .collect();
    // Their names are valid, not reserved and each used once (checked with
    // every list's at load); one must not be a lab's too.
    for b in &data.chips.other_buyers {
        let err = |m: String| ScenarioError::new(file, format!("chips.other_buyers.{}", b.name), m);
        if data.labs.iter().any(|l| l.name == b.name) {
            return Err(err(format!(
                "`{}` is a lab's name: an other buyer needs its own",
                b.name
            )));
        }
        b.budget_usd_per_year
            .check(|v| {
                (v.is_finite() && v >= 0.0).then_some(()).ok_or_else(|| {
                    format!(
                        "budget_usd_per_year: {} is not a finite number ≥ 0",
                        scheduler::Num(v)
                    )
                })
            })
            .map_err(err)?;
        buyers.push((b.name.clone(), b.chip_priority));
    }
    let mut fab = schema::chips::to_config(
        &ctx,
        &schema::chips::ChipsInput {
            chips: &data.chips,
            designs: &data.designs,
            fabs: &data.fabs,
            projects: &data.fab_projects,
            imports: &data.imports,
            die_banks: &data.die_banks,
            policies: &data.policies,
            buyers,
            regions: regions.clone(),
        },
    )?;
    // The supply chain, too, books only the part of its last tick inside
    // the horizon.
    fab.horizon_end = Some(end);
    let mut training =
        schema::training::to_config(&ctx, &data.labs, &data.ecosystem, &data.designs, &regions)?;
    training.compute_thresholds_flop = data.settings.compute_thresholds_flop.clone();
    // Other buyers with sites run their accelerators as fleets.
    for b in &data.chips.other_buyers {
        if let Some(fleet) = b.fleet_config(&ctx, &regions, &data.designs)? {
            training.fleets.push(fleet);
        }
    }
    Ok(Configs {
        calendar,
        end,
        grid,
        fab,
        training,
    })
}

/// Receives what a run produces as it goes.
pub trait Observer: SignalSink {
    /// An event is about to be handled.
    fn event(&mut self, t: SimTime, event: &StackEvent);

    /// A domain applied `event` at once as it started, at `t` (time zero),
    /// instead of scheduling it: an item dated at or before the start (a
    /// drought in force then, a fab project begun by then and its
    /// completion if it was over, a grid retirement dated by then, a grid
    /// project resolved then: [`Grid::take_applied_at_start`],
    /// [`SupplyChain::take_applied_at_start`]). These come before every
    /// event, the supply chain's first; the scheduler never handles them,
    /// so they are not in [`World::events_processed`]. Does nothing unless
    /// overridden.
    fn applied_at_start(&mut self, _t: SimTime, _event: &StackEvent) {}

    /// The domains were just sampled at `t` (every sampling instant,
    /// including the start and the end): read access to their state, for
    /// checks across domains. Does nothing unless overridden.
    fn sampled(&mut self, _t: SimTime, _domains: &Domains) {}

    /// The grid just dispatched the step starting at `t`: read access to
    /// its state after the step (balances, outputs, flows, prices), for a
    /// per-step trace (`dispatch.csv`). Called once a dispatch step, so an
    /// observer that does not override it costs one call that does nothing.
    fn dispatched(&mut self, _t: SimTime, _grid: &Grid) {}
}

/// An observer that keeps nothing.
pub struct Quiet;

impl SignalSink for Quiet {
    fn signal(&mut self, _what: &dyn std::fmt::Debug) {}
}
impl Observer for Quiet {
    fn event(&mut self, _t: SimTime, _event: &StackEvent) {}
}

/// A world ready to run: domains, wiring, scheduler and recorder.
pub struct World {
    /// The domains.
    pub domains: Domains,
    wiring: Wiring,
    signals: Signals,
    sched: Scheduler<StackEvent>,
    calendar: Calendar,
    end: SimTime,
    sample_months: u32,
    /// Month starts handled so far (time zero is the first).
    months: u32,
    /// The samples recorded so far.
    pub samples: Samples,
}

impl World {
    /// Builds the domains from `configs` with the random streams of `seed`,
    /// registers every site and fab as a grid load, and wires the ids.
    pub fn assemble(configs: Configs, seed: u64, data: &ScenarioData) -> Result<World, RunError> {
        let streams = RngStreams::new(seed, 0);
        let mut grid = Grid::new(configs.grid, &streams)?;
        let fab = SupplyChain::new(configs.fab, &streams)?;
        // Accelerators retire at the grid's dispatch instants, as they are
        // installed at them (`Grid::dispatch_at_or_after`), so the grid books
        // exactly the draw the sites had: one clock, the grid's (it starts
        // with the run, at time zero).
        let training = Training::new(
            TrainingConfig {
                power_clock: Some(grid.dispatch_clock()),
                ..configs.training
            },
            &streams,
        )?;
        let mut wiring = Wiring {
            install_delay: Duration::from_days_f64(data.settings.install_delay_days)
                .unwrap_or(Duration::ZERO),
            ..Wiring::default()
        };
        for (site, name, region) in training.sites() {
            let region_id = grid.region_id(region).ok_or_else(|| {
                ScenarioError::new(
                    "<scenario>",
                    format!("labs.{name}.sites"),
                    format!("unknown region `{region}`"),
                )
            })?;
            let connected = training.site_connected_mw(site).unwrap_or(0.0);
            let load = grid.add_load(LoadSpec {
                name: name.to_string(),
                region: region_id,
                class: LoadClass::Datacenter,
                connected_mw: connected,
            })?;
            push_at(&mut wiring.load_owner, load.index(), LoadOwner::Site(site));
            push_at(&mut wiring.site_load, site.index(), load);
            push_at(&mut wiring.site_region, site.index(), region_id);
            push_at(&mut wiring.tariff, site.index(), None);
            wiring.sites.push(site);
        }
        for (fab_id, name, region) in fab.fabs() {
            let region_id = grid.region_id(region).ok_or_else(|| {
                ScenarioError::new(
                    "<scenario>",
                    format!("fabs.{name}.region"),
                    format!("unknown region `{region}`"),
                )
            })?;
            // Fabs are industrial sites connected for the most they can draw:
            // full starts of their configured capacity plus every expansion
            // (an expansion's connection is built with it; no queue).
            let connected = fab
                .fab_connection_mw(fab_id)
                .map_or(0.0, |mw| mw.min(energy_grid::MAX_MW));
            let load = grid.add_load(LoadSpec {
                name: name.to_string(),
                region: region_id,
                class: LoadClass::Fab,
                connected_mw: connected,
            })?;
            push_at(&mut wiring.load_owner, load.index(), LoadOwner::Fab(fab_id));
            push_at(&mut wiring.fab_load, fab_id.index(), load);
        }
        for (lab, name) in training.labs() {
            let buyer = fab.buyer_id(name).ok_or_else(|| {
                ScenarioError::new(
                    "<scenario>",
                    format!("labs.{name}"),
                    "internal: the lab has no buyer",
                )
            })?;
            push_at(&mut wiring.lab_buyer, lab.index(), buyer);
            push_at(&mut wiring.buyer_lab, buyer.index(), Some(lab));
            push_at(&mut wiring.buyer_fleet, buyer.index(), None);
        }
        for b in &data.chips.other_buyers {
            let buyer = fab.buyer_id(&b.name).ok_or_else(|| {
                ScenarioError::new(
                    "<scenario>",
                    format!("chips.other_buyers.{}", b.name),
                    "internal: the buyer has no supply-chain buyer",
                )
            })?;
            push_at(&mut wiring.buyer_lab, buyer.index(), None);
            let fleet = training.fleets().find(|(_, n)| *n == b.name).map(|(f, _)| f);
            push_at(&mut wiring.buyer_fleet, buyer.index(), fleet);
            wiring
                .other_buyers
                .push((buyer, b.budget_usd_per_year.to_time_path(&configs.calendar)));
        }
        let sched = Scheduler::new().with_budget(data.settings.max_events);
        Ok(World {
            domains: Domains { grid, fab, training },
            wiring,
            signals: Signals::default(),
            sched,
            calendar: configs.calendar,
            end: configs.end,
            sample_months: data.settings.sample_every_months.clamp(1, 12),
            months: 0,
            samples: Samples::default(),
        })
    }

    /// Runs the horizon `[0, end)`, recording metrics at every sampling
    /// instant (including time zero and the end).
    ///
    /// Before any event, the supply chain and the grid apply as they start
    /// what is dated at or before the start (fab projects begun by then,
    /// grid retirements dated by then and projects resolved then, droughts
    /// in force), so the first sample and the first dispatch see it; the
    /// observer is told of each first ([`Observer::applied_at_start`]).
    /// Events at one instant run in the order they were scheduled, so the
    /// order of the calls below fixes what the first sample sees: the labs'
    /// start (initial fleets installed, first orders) runs first, then the
    /// t = 0 sample (stocks at the start, every flow 0 but the grid's projects
    /// completed and capacity retired at the start), then the fabs' first
    /// step (their first power demand) and the grid's first dispatch, whose
    /// flows (each covering the step that begins at its instant) belong to
    /// the first month; the sites are billed (priced) right after that
    /// dispatch, so a lab whose budget caps its draw is served its uncapped
    /// demand for that one step. Domain
    /// events at `end` or later never run: a dispatch there would cover
    /// `[end, end + step)`; the final sample at `end` still does.
    pub fn run(&mut self, obs: &mut dyn Observer) -> Result<(), RunError> {
        let d = &mut self.domains;
        d.training
            .start(&mut Mapped::new(&mut self.sched, StackEvent::Training))?;
        self.sched.schedule_at(SimTime::ZERO, StackEvent::MonthStart)?;
        // The fabs' first step before the grid's first dispatch, so that
        // dispatch serves (or cuts) their first power demand.
        d.fab.start(&mut Mapped::new(&mut self.sched, StackEvent::Fab))?;
        d.grid
            .start(&mut Mapped::new(&mut self.sched, StackEvent::Grid))?;
        // What the domains applied as they started (items dated at or
        // before the start), for the trace; it changes nothing in the run.
        let t0 = self.sched.now();
        for e in d.fab.take_applied_at_start() {
            obs.applied_at_start(t0, &StackEvent::Fab(e));
        }
        for e in d.grid.take_applied_at_start() {
            obs.applied_at_start(t0, &StackEvent::Grid(e));
        }
        // The last instant an event may run at (the horizon is at least one tick).
        let last = SimTime(self.end.ticks().saturating_sub(1));
        // No month has passed before the first dispatch: sites pay its price
        // until the first month start passes them a month's average.
        let mut priced = false;
        // Events handled per domain (grid, supply chain, training, month
        // starts), to say which one ran away if the budget runs out.
        let mut counts = [0u64; 4];
        loop {
            let next = match self.sched.next_event_until(last) {
                Ok(next) => next,
                Err(scheduler::RunError::BudgetExhausted { budget, now }) => {
                    let [g, f, tr, sa] = counts;
                    return Err(RunError::EventBudget {
                        budget,
                        date: self
                            .calendar
                            .datetime(now)
                            .map_or_else(|| format!("{now}"), |d| d.to_string()),
                        by_domain: format!("grid {g}, supply chain {f}, training {tr}, month starts {sa}"),
                    });
                }
                Err(e) => return Err(e.into()),
            };
            let Some((t, event)) = next else { break };
            let first_dispatch = !priced && matches!(event, StackEvent::Grid(GridEvent::Dispatch));
            obs.event(t, &event);
            let d = &mut self.domains;
            let s = &mut self.signals;
            // Each arm handles the event and names its domain's counter.
            let domain = match event {
                StackEvent::Grid(e) => {
                    let dispatch = matches!(e, GridEvent::Dispatch);
                    d.grid.handle(
                        e,
                        &mut Mapped::new(&mut self.sched, StackEvent::Grid),
                        &mut s.grid,
                    )?;
                    if dispatch {
                        obs.dispatched(t, &d.grid);
                    }
                    0
                }
                StackEvent::Fab(e) => {
                    d.fab
                        .handle(e, &mut Mapped::new(&mut self.sched, StackEvent::Fab), &mut s.fab)?;
                    1
                }
                StackEvent::Training(e) => {
                    d.training.handle(
                        e,
                        &mut Mapped::new(&mut self.sched, StackEvent::Training),
                        &mut s.training,
                    )?;
                    2
                }
                StackEvent::Install { lab, batch } => {
                    d.training.install_accelerators(
                        lab,
                        batch,
                        &mut Mapped::new(&mut self.sched, StackEvent::Training),
                        &mut s.training,
                    )?;
                    2
                }
                StackEvent::InstallFleet { fleet, batch } => {
                    d.training.install_fleet_accelerators(
                        fleet,
                        batch,
                        &mut Mapped::new(&mut self.sched, StackEvent::Training),
                        &mut s.training,
                    )?;
                    2
                }
                StackEvent::MonthStart => {
                    self.month_start(t, obs)?;
                    3
                }
            };
            counts[domain] += 1;
            if first_dispatch {
                self.wiring.monthly_prices(
                    &mut self.domains,
                    t,
                    false,
                    &mut self.signals,
                    &mut self.sched,
                )?;
                priced = true;
            }
            self.wiring
                .route(&mut self.domains, &mut self.signals, &mut self.sched, obs)?;
        }
        // The final instant: bill, and sample what the last period accumulated.
        self.wiring.fab_bills(&mut self.domains)?;
        self.wiring.monthly_prices(
            &mut self.domains,
            self.end,
            true,
            &mut self.signals,
            &mut self.sched,
        )?;
        self.sample(self.end)?;
        obs.sampled(self.end, &self.domains);
        Ok(())
    }

    /// The share of its calendar month that the period from `t` (a month
    /// start, or the run's start) to the next month start or the horizon's
    /// end covers: 1 for a whole month, 17/31 from a 15 January start.
    fn month_share(&self, t: SimTime) -> f64 {
        use chrono::{Datelike, Months};
        let until = self
            .calendar
            .next_month_start(t)
            .unwrap_or(SimTime::MAX)
            .min(self.end);
        let Some(first) = self.calendar.date(t).and_then(|d| d.with_day(1)) else {
            return 1.0;
        };
        let Some(next_first) = first.checked_add_months(Months::new(1)) else {
            return 1.0;
        };
        let month_secs = (next_first - first).num_seconds() as f64;
        (until.saturating_since(t).as_secs_f64() / month_secs).min(1.0)
    }

    /// A month start at `t` (time zero included): bills every fab and site (not at
    /// time zero: no dispatch has run), samples every `sample_months`-th
    /// month from the start, and schedules the next month start before the
    /// end (the instant at the end is billed and sampled once, after the loop).
    fn month_start(&mut self, t: SimTime, obs: &mut dyn Observer) -> Result<(), RunError> {
        // The other buyers' orders, before the sample, as the labs' orders
        // of the start are placed before the first sample.
        let share = self.month_share(t);
        self.wiring.other_buyers_order(&mut self.domains, t, share)?;
        if t > SimTime::ZERO {
            self.wiring.fab_bills(&mut self.domains)?;
            self.wiring
                .monthly_prices(&mut self.domains, t, true, &mut self.signals, &mut self.sched)?;
        }
        if self.months.is_multiple_of(self.sample_months) {
            self.sample(t)?;
            obs.sampled(t, &self.domains);
        }
        self.months = self.months.wrapping_add(1);
        let next = self.calendar.next_month_start(t).unwrap_or(SimTime::MAX);
        if next < self.end {
            self.sched.schedule_at(next, StackEvent::MonthStart)?;
        }
        Ok(())
    }

    fn sample(&mut self, t: SimTime) -> Result<(), RunError> {
        let date = self.calendar.date(t).map(|d| d.to_string()).unwrap_or_default();
        let time_year = self.calendar.fractional_year(t).unwrap_or(f64::NAN);
        let mut bad: Option<RunError> = None;
        let calendar = self.calendar;
        let samples = &mut self.samples;
        samples.begin_instant(time_year, date);
        let mut emit = |metric: &str, entity: &str, value: f64| {
            if !value.is_finite() && bad.is_none() {
                bad = Some(RunError::NotFinite {
                    metric: metric.to_string(),
                    entity: entity.to_string(),
                    value,
                    date: calendar.date(t).map(|d| d.to_string()).unwrap_or_default(),
                });
            }
            samples.push(metric, entity, value);
        };
        self.domains.grid.sample_metrics(t, &mut emit);
        self.domains.fab.sample_metrics(t, &mut emit);
        self.domains.training.sample_metrics(t, &mut emit);
        if let Some(e) = bad {
            return Err(e);
        }
        Ok(())
    }

    /// The simulated instant of the event handled last (where a run that
    /// failed stopped).
    pub fn now(&self) -> SimTime {
        self.sched.now()
    }

    /// Events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.sched.events_processed()
    }

    /// Whole-run scalar outcomes of every domain, in a fixed order.
    pub fn summary_scalars(&self) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        let mut emit = |k: &str, v: f64| out.push((k.to_string(), v));
        self.domains.grid.summary_scalars(&mut emit);
        self.domains.fab.summary_scalars(&mut emit);
        self.domains.training.summary_scalars(&mut emit);
        // Delivered = to labs + to others, in every scenario, so that a
        // `compare` of a scenario with other buyers against one without
        // shows what they take from the labs.
        emit(
            "fab.accelerators_delivered_to_labs_total",
            self.wiring.delivered_to_labs as f64,
        );
        emit(
            "fab.accelerators_delivered_to_others_total",
            self.wiring.delivered_to_others as f64,
        );
        out
    }
}

fn push_at<T: Clone>(v: &mut Vec<T>, i: usize, x: T) {
    if v.len() <= i {
        v.resize(i + 1, x.clone());
    }
    v[i] = x;
}
