//! The grid's run-time state: ids, events, signals, and the per-entity state
//! structs that dispatch, outages, build-out and metrics work on.

use crate::config::{LoadClass, Technology};
use crate::profiles::{DemandShape, HeldWeather, SolarShape, TimeFeatures, WeatherProcess};
use scheduler::{Dist, Duration, SimTime, StreamRng, TimePath};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A region, as numbered by [`Grid::region_id`](crate::Grid::region_id) (config order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(pub(crate) u32);

/// A load (datacenter, fab, or a region's household or industry demand).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LoadId(pub(crate) u32);

/// A plant group, as numbered by [`Grid::plant_group_id`](crate::Grid::plant_group_id)
/// (region by region, in merit order within a region).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlantGroupId(pub(crate) u32);

/// A construction project (config order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(pub(crate) u32);

macro_rules! id_index {
    ($t:ty) => {
        impl $t {
            /// The id's position (config or creation order), for indexing the caller's own tables.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
id_index!(RegionId);
id_index!(LoadId);
id_index!(PlantGroupId);
id_index!(ProjectId);

/// The grid's own events. `stack` wraps them into its event type through
/// [`scheduler::Mapped`] and hands them back to [`Grid::handle`](crate::Grid::handle).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GridEvent {
    /// Dispatch the grid for the next interval, then schedule the next dispatch.
    Dispatch,
    /// A project completes or is abandoned (decided at `start`).
    ProjectResolved {
        /// The project.
        project: ProjectId,
    },
    /// A programme adds its next tranche of capacity.
    ProgrammeStep {
        /// Index of the programme in the config.
        programme: u32,
    },
    /// A drought starts in a region.
    DroughtStart {
        /// The region.
        region: RegionId,
        /// Share of hydro availability lost, in [0, 1].
        depth_fraction: f64,
        /// How long it lasts.
        duration: Duration,
        /// Whether it came from the region's random drought process (which then draws the next one).
        from_process: bool,
    },
    /// A drought ends.
    DroughtEnd {
        /// The region.
        region: RegionId,
        /// The depth of the drought that ends.
        depth_fraction: f64,
    },
    /// A capacity derate starts (see [`crate::DerateConfig`]).
    DerateStart {
        /// Index of the derate in the config.
        derate: u32,
    },
    /// A capacity derate ends.
    DerateEnd {
        /// Index of the derate in the config.
        derate: u32,
    },
    /// Capacity retires (index of the retirement in the config).
    Retirement {
        /// Index of the retirement in the config.
        retirement: u32,
    },
    /// An adequacy response checks its regions' forecast reserve margins
    /// and starts projects for the gap (see [`crate::AdequacyConfig`]).
    AdequacyCheck {
        /// Index of the response in the config.
        response: u32,
    },
    /// An interconnection request is granted.
    ConnectionGranted {
        /// The load.
        load: LoadId,
        /// MW added to the load's connection.
        mw: f64,
    },
}

/// What the grid tells the other domains.
#[derive(Clone, Debug, PartialEq)]
pub enum GridSignal {
    /// After a dispatch: a load's served MW changed (beyond the configured
    /// tolerance) since its last signal, or, before its first signal (while
    /// its consumer assumes full service), it is served less than it asks
    /// for by more than the tolerance, or its request moved (beyond the
    /// tolerance) since its last signal while it was short then or is now
    /// (so that `served_mw / requested_mw` is never stale).
    /// `served_mw < requested_mw` means curtailment.
    LoadServed {
        /// The load.
        load: LoadId,
        /// MW the load asked for (capped at its connection).
        requested_mw: f64,
        /// MW it got.
        served_mw: f64,
    },
    /// An interconnection request was granted; the load may now draw up to `connected_mw`.
    ConnectionGranted {
        /// The load.
        load: LoadId,
        /// The load's total connection after the grant, MW.
        connected_mw: f64,
    },
    /// A project came online.
    ProjectCompleted {
        /// The project.
        project: ProjectId,
        /// Its region.
        region: RegionId,
        /// Its technology.
        technology: Technology,
        /// MW added.
        mw: f64,
    },
}

/// A load the stack registers before the run (one per datacenter site and per fab).
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSpec {
    /// Name (for messages and outputs).
    pub name: String,
    /// Region it is connected in.
    pub region: RegionId,
    /// Its curtailment class.
    pub class: LoadClass,
    /// The most it may draw, MW (≥ 0); raised by granted connection requests.
    pub connected_mw: f64,
}

/// The power balance of one region over the last dispatch step, all in MW
/// (average power over the step). Holds, up to rounding:
/// `generation + imports + discharge = served + exports + charge + losses`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RegionBalance {
    /// Demand requested (non-AI and AI loads), MW.
    pub demand_mw: f64,
    /// Generation dispatched (for local demand, exports and charging), MW.
    pub generation_mw: f64,
    /// Power sent into the region over links (before losses), MW.
    pub imports_mw: f64,
    /// Power the region sent into links, MW.
    pub exports_mw: f64,
    /// Transmission losses on the region's imports, MW.
    pub losses_mw: f64,
    /// Storage discharge to the grid, MW.
    pub discharge_mw: f64,
    /// Storage charging from the grid, MW.
    pub charge_mw: f64,
    /// Demand served, MW.
    pub served_mw: f64,
    /// Demand curtailed, MW (`demand − served`).
    pub curtailed_mw: f64,
    /// Of which AI loads (fab, datacenter), MW.
    pub ai_curtailed_mw: f64,
    /// Solar and wind available but not used, MW.
    pub spill_mw: f64,
    /// Hydro inflow neither generated nor kept in a reservoir (water over
    /// the dam's spillway), MW: the step's spilled MWh ÷ its hours.
    pub hydro_spill_mw: f64,
    /// Available generation (all groups) plus storage discharge capability, MW.
    pub available_mw: f64,
    /// Price: the cost of the dearest unit running for the region, passed
    /// along the flows (or the scarcity price when it or an exporter serving
    /// it curtails), USD/MWh; see [`crate::Grid::price_usd_per_mwh`].
    pub price_usd_per_mwh: f64,
}

impl RegionBalance {
    /// `generation + imports + discharge − served − exports − charge − losses`, MW (zero up to rounding).
    pub fn residual_mw(&self) -> f64 {
        self.generation_mw + self.imports_mw + self.discharge_mw
            - self.served_mw
            - self.exports_mw
            - self.charge_mw
            - self.losses_mw
    }
}

/// A plant group's state, for tests and the integrator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlantGroupState {
    /// Region.
    pub region: RegionId,
    /// Technology.
    pub technology: Technology,
    /// Installed capacity, MW.
    pub installed_mw: f64,
    /// Available at the last dispatch, MW (a hydro reservoir: what its
    /// schedule offered the dispatch).
    pub available_mw: f64,
    /// Dispatched at the last dispatch, MW.
    pub generation_mw: f64,
    /// Hydro: the inflow at the last dispatch (installed × weather × the
    /// region's drought factor), MW; 0 for other groups.
    pub inflow_mw: f64,
    /// Hydro: the water its reservoir holds after the last dispatch, MWh
    /// of generation (0 without a reservoir); 0 for other groups.
    pub reservoir_mwh: f64,
    /// Units (0 for groups without forced outages).
    pub units_total: u32,
    /// Units on forced outage as of the last dispatch.
    pub units_down: u32,
    /// Units out for planned maintenance as of the last dispatch.
    pub units_maintenance: u32,
}

/// How a group's availability is produced (used while the grid is built).
#[derive(Clone, Debug)]
pub(crate) enum GroupKind {
    Firm,
    Solar(SolarShape),
    Weather(WeatherProcess, Box<StreamRng>),
    /// A weather process held for windows longer than the dispatch step.
    HeldWeather(HeldWeather, Box<StreamRng>),
}

/// A plant group's numbers that every dispatch step reads or writes, kept
/// apart from its description ([`GroupState`]) in a small struct so that
/// dispatch (availability, the network program's bounds and outputs,
/// storage charging, accounting) walks a region's groups through a few
/// cache lines. `Grid::hot` holds them at the same positions as
/// `Grid::groups`: region by region, in merit order.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GroupHot {
    /// Installed capacity, MW.
    pub installed_mw: f64,
    /// Available MW per installed MW, before droughts: 1 for firm groups
    /// without outages, the share of units running for groups with outages
    /// (refreshed whenever their units change), this step's shape for solar
    /// and this step's weather for wind and hydro.
    pub fraction: f64,
    /// Marginal cost, USD/MWh.
    pub cost: f64,
    /// Available at the last dispatch, MW.
    pub available_mw: f64,
    /// Dispatched at the last dispatch, MW.
    pub generation_mw: f64,
    /// Generation since the last metrics sample, MWh.
    pub period_mwh: f64,
    /// Hydro only: the water held in its reservoir at the step's start ÷
    /// the step's hours, MW (0 without a reservoir): what the turbines
    /// may run above this step's inflow.
    pub stored_mw: f64,
    /// Whether a drought cuts the group's availability (hydro).
    pub hydro: bool,
    /// Whether unused availability counts as renewable spill (solar, wind).
    pub spills: bool,
    /// The group's [`Technology::index`] (for the region's derate factors).
    pub tech: u8,
}

impl GroupHot {
    /// A hydro group's inflow this step, MW: installed × its weather × the
    /// region's `drought` factor (its available MW without a reservoir).
    #[inline(always)]
    pub fn inflow_mw(&self, drought: f64) -> f64 {
        self.installed_mw * self.fraction * drought
    }
}

/// A hydro group's water: every hydro group has one, so that the water
/// it does not use is booked as spill; one without a reservoir (0 hours)
/// holds none.
#[derive(Clone, Debug)]
pub(crate) struct Reservoir {
    /// Position in `Grid::groups`.
    pub pos: usize,
    /// Its region's index (for the drought factor and the step's spill).
    pub region: usize,
    /// Capacity in hours of installed MW (`reservoir_hours`), h.
    pub hours: f64,
    /// Water held, MWh of generation.
    pub level_mwh: f64,
    /// The day's schedule: the group runs where its region's residual
    /// demand is above this, MW (`−∞`: no schedule, the whole availability
    /// is offered: no reservoir, or no forecast yet).
    pub run_above_mw: f64,
    /// Its available MW before the schedule held water back this step.
    pub offered_mw: f64,
}

/// The day of a region with a hydro reservoir, for the reservoirs'
/// schedule: yesterday's residual demand (demand − solar − wind, MW a
/// step) is today's forecast, as for a trading store.
#[derive(Clone, Debug)]
pub(crate) struct WaterDay {
    /// The region's index.
    pub region: usize,
    /// Local midnight, seconds after the grid's, in [0, 86,400).
    pub day_start_secs: u64,
    /// The tick at which the current local day ends.
    pub day_end_tick: u64,
    /// The current local day (days since the grid's start, local).
    pub day: u64,
    /// The residual demand of today's steps so far, MW.
    pub today: Vec<f64>,
    /// Yesterday's, MW (empty: no forecast).
    pub forecast: Vec<f64>,
}

/// A wind or hydro group's weather process and its random stream.
#[derive(Clone, Debug)]
pub(crate) struct WeatherGroup {
    /// Position in `Grid::groups`.
    pub pos: usize,
    /// The group's availability process.
    pub process: WeatherProcess,
    /// Its own stream, `grid/<technology>/<group>`.
    pub rng: Box<StreamRng>,
}

/// A wind or hydro group whose weather state is held for windows longer
/// than the dispatch step (hydro by default): stepped at dispatch, not
/// computed ahead.
#[derive(Clone, Debug)]
pub(crate) struct HeldWeatherGroup {
    /// Position in `Grid::groups`.
    pub pos: usize,
    /// The group's held availability process.
    pub held: HeldWeather,
    /// Its own stream, `grid/<technology>/<group>`.
    pub rng: Box<StreamRng>,
}

/// Dispatch steps computed ahead, in blocks of [`Ahead::STEPS`]: each
/// step's time features, every weather group's state (its own stream's
/// draws, in the same order and with the same states as one step a
/// dispatch) and its availability at that step's time. Dispatch steps fall
/// every `Grid::dt`, so step `k ≥ base_index` of a block falls at
/// `base_tick + (k − base_index)·dt`. A dispatch at another time (a caller
/// may send one) re-bases the rest of the block there: the states stay,
/// one a dispatch; the times and availabilities are recomputed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ahead {
    /// Tick of step `base_index`.
    pub base_tick: u64,
    /// The step that falls at `base_tick`.
    pub base_index: usize,
    /// The next step of the block to dispatch (`features.len()`: none left).
    pub next: usize,
    /// Time features of the block's steps.
    pub features: Vec<TimeFeatures>,
    /// State of weather group `w` at step `k`, at `w · STEPS + k`.
    pub states: Vec<f64>,
    /// Availability (MW per installed MW, before droughts) of weather group
    /// `w` at step `k`, at `w · STEPS + k`.
    pub fractions: Vec<f64>,
    /// The day angles of the steps' seconds of the day, computed once.
    pub day_angles: crate::profiles::DayAngles,
    /// The weather's factor on region `r`'s non-AI demand at step `k`, at
    /// `k · regions + r` (1 for a region without noise, and everywhere in a
    /// grid without: then never rewritten).
    pub demand_noise: Vec<f64>,
}

impl Ahead {
    /// Steps in a block: enough that the weather draws and logistic run in
    /// long loops, few enough that the buffers stay in L1 cache and a run
    /// ending mid-block wastes little.
    pub const STEPS: usize = 64;
}

/// A solar group's daily and seasonal shape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SolarGroup {
    /// Position in `Grid::groups`.
    pub pos: usize,
    /// Its daily and seasonal shape.
    pub shape: SolarShape,
}

/// Forced-outage state of a group with units.
#[derive(Clone, Debug)]
pub(crate) struct Outages {
    pub rng: Box<StreamRng>,
    pub failure_rate_per_year: f64,
    pub repair_time_days: Dist,
    pub unit_size_mw: f64,
    pub units_total: u32,
    pub units_down: u32,
    /// When the next unit fails (`None`: every unit is down, or never).
    pub next_failure_at: Option<SimTime>,
    /// Repair instants (ticks) of the units down, earliest on top.
    pub repairs: BinaryHeap<Reverse<u64>>,
    /// Earliest of the next failure, the next repair and the next
    /// maintenance event, ticks (`u64::MAX`: none).
    pub next_due: u64,
    /// Units out for planned maintenance (never also on forced outage:
    /// `units_down + units_maint ≤ units_total`).
    pub units_maint: u32,
    /// The next maintenance event, ticks (`u64::MAX`: none, or no maintenance).
    pub maint_due: u64,
    /// Planned maintenance, if the group has any.
    pub maintenance: Option<Box<crate::maintenance::Maintenance>>,
}

impl Outages {
    /// The share of the group's units that are running (0 for a group of no units).
    pub(crate) fn running_fraction(&self) -> f64 {
        if self.units_total > 0 {
            f64::from(self.units_total - self.units_down - self.units_maint) / f64::from(self.units_total)
        } else {
            0.0
        }
    }
}

/// A plant group's description and outage state; its per-step numbers are
/// in [`GroupHot`] at the same position.
#[derive(Clone, Debug)]
pub(crate) struct GroupState {
    pub name: String,
    pub region: u32,
    pub technology: Technology,
    pub emissions_t_per_mwh: f64,
    pub outages: Option<Outages>,
    /// Position of the group in the configuration (build-out goes to the first of a technology).
    pub config_order: u32,
    /// Generation over the run up to the last metrics sample, MWh (add `GroupHot::period_mwh` for now).
    pub total_mwh: f64,
}

#[derive(Clone, Debug)]
pub(crate) struct Storage {
    pub power_mw: f64,
    pub energy_mwh: f64,
    /// One-way efficiency, `sqrt(round trip)`.
    pub one_way: f64,
    /// Stored energy at the end of the last dispatch step, MWh.
    pub soc_mwh: f64,
    /// Stored energy at the start of the last dispatch step, MWh: the step's
    /// charge or discharge runs at a constant rate, so the level moves
    /// linearly from this to `soc_mwh` over the step (the level at a sample
    /// inside the step, see `Grid::sample_metrics`).
    pub soc_step_start_mwh: f64,
    pub charge_max_cost: f64,
    /// Whether the store trades on its region's merit order (`StorageConfig::arbitrage`).
    pub arbitrage: bool,
    /// Wear cost, USD per MWh discharged.
    pub wear_cost: f64,
    /// Share of `energy_mwh` that arbitrage leaves for shortfalls.
    pub reserve_fraction: f64,
    /// Cost basis: what the energy in store above the reserve cost, USD per
    /// MWh in store (energy drawn to charge it, at its generation cost, ÷
    /// the energy it added; spill that would be wasted is free). The energy
    /// at the start costs nothing (a sunk cost). Unchanged by discharging.
    pub cost_basis: f64,
    /// The dearest price of the region (USD/MWh, the scarcity price
    /// included) in the current day and in the day before, and the day
    /// (`ticks / 86,400`) the first is of.
    pub peak_today: f64,
    pub peak_yesterday: f64,
    pub peak_day: u64,
    /// Seconds added to a tick before dividing by a day to number the
    /// store's days, in [0, 86,400): the region's UTC offset modulo a day,
    /// so that its days (the peak prices' and the forecast's) start at
    /// local midnight (0: the grid's midnight).
    pub day_start_secs: u64,
    /// The first tick after the store's current day (`peak_day`): local
    /// midnight after it, on the grid's clock.
    pub day_end_tick: u64,
    /// MW the region would have shed this step without its store, at most
    /// its power: the own shortfall it covered before the program, its
    /// reserve the program used and what the region shed.
    pub scarce_mw: f64,
    /// Σ `scarce_mw` × hours over the current day so far, MWh delivered.
    pub short_today_mwh: f64,
    /// The energy in store yesterday's shortfalls took (`short_today_mwh`
    /// at the day's end ÷ η, at most the store's energy), MWh: a trading
    /// store's persistence forecast of today's, which it keeps from
    /// trading and refills from anything under its cap, as its reserve.
    pub need_mwh: f64,
    /// The residual demand (demand less solar and wind available) of each
    /// step of the current day so far, MW: tomorrow's forecast.
    pub day_profile: Vec<f64>,
    /// The shave level for the current day, MW of residual demand: trading
    /// discharges only what exceeds it, so that the store's energy goes to
    /// the day's top hours as yesterday's profile had them (0: no forecast
    /// yet, or energy enough for all of them).
    pub shave_level_mw: f64,
    /// Whether batteries built here copy the region's hours of storage
    /// (energy ÷ power): only if its configured storage had both power and
    /// energy. Otherwise they are built at 4 h, so that configured power
    /// without energy (0 h) or energy without power (unbounded hours) does
    /// not set the duration of every tranche built after it.
    pub copy_hours: bool,
    /// The hours of storage batteries built here take when the scenario
    /// gives them (`StorageConfig::build_hours`), before `copy_hours`.
    pub build_hours: Option<f64>,
}

/// Flows since the last metrics sample (MWh unless named otherwise).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Period {
    pub demand_mwh: f64,
    pub served_mwh: f64,
    pub unserved_mwh: f64,
    pub ai_curtailed_mwh: f64,
    pub spill_mwh: f64,
    /// Hydro inflow spilled (neither generated nor stored), MWh.
    pub hydro_spill_mwh: f64,
    pub imports_mwh: f64,
    pub exports_mwh: f64,
    pub losses_mwh: f64,
    /// Energy out of the store to the grid, MWh (after the discharging loss).
    pub discharge_mwh: f64,
    /// Energy into the store from the grid, MWh (before the charging loss).
    pub charge_mwh: f64,
    pub price_hours: f64,
    /// Hours of the period in which the region (national: any region) left
    /// demand unserved (more than `EPS_MW`).
    pub shortfall_hours: f64,
    /// Σ price × demand energy, USD (for the demand-weighted average price).
    pub price_demand_usd: f64,
    pub hours: f64,
    pub peak_demand_mw: f64,
    pub margin_at_peak: f64,
    pub projects_completed: u32,
    /// Capacity retired, MW.
    pub retired_mw: f64,
    /// Capacity out for planned maintenance × hours, MWh, by technology
    /// (coal, gas, nuclear: [`crate::Technology::index`]).
    pub maintenance_mwh: [f64; 3],
    /// Available capacity taken by derates × hours, MWh.
    pub derated_mwh: f64,
    /// Capacity the adequacy response started, completed and saw
    /// abandoned in the period, MW.
    pub adequacy_mw: crate::adequacy::AdequacyFlows,
}

#[derive(Clone, Debug)]
pub(crate) struct RegionState {
    pub name: String,
    pub shape: DemandShape,
    pub average_mw: f64,
    pub growth: TimePath,
    /// Last growth rate seen, its per-step multiplier, and the mean of the
    /// growth multiplier over a step as a multiple of its start value.
    pub growth_cache: (f64, f64, f64),
    pub growth_multiplier: f64,
    /// The growth path cannot change before this tick.
    pub growth_until: u64,
    pub household_share: f64,
    /// Sum of the external (AI) loads' requests, MW; refreshed when a request changes.
    pub external_mw: f64,
    pub storage: Storage,
    pub approval_mw_per_year: f64,
    pub queue_free_at: SimTime,
    pub queue_pending_mw: f64,
    /// The region's plant groups: a range of `Grid::groups`, in merit order.
    pub merit: (usize, usize),
    /// Its groups with a must-run share: a range of `Grid::must_run`
    /// (empty without one; only such regions pay for the floors' shift of
    /// bounds and right-hand side, see `dispatch`).
    pub must_run: (usize, usize),
    /// Its loads: household and industry first, then the external (AI) loads.
    pub loads: Vec<u32>,
    pub drought_depths: Vec<f64>,
    pub drought_factor: f64,
    /// Availability multiplier of the region's groups by technology
    /// ([`Technology::index`]) from the derates in force: the product of
    /// their `1 − fraction` (1 without one).
    pub derate_factor: [f64; 7],
    /// Multiplier of the region's non-AI demand from the derates in force
    /// (the product of their demand factors; 1 without one).
    pub demand_factor: f64,
    /// Whether a derate is in force in the region (its factors apply).
    pub derate_in_force: bool,
    /// Available MW the derates took from the region's groups this step.
    pub derated_mw: f64,
    pub step: RegionBalance,
    /// What the region's links can deliver into it at their capacities, MW:
    /// `Σ capacity × (1 − loss)` over the links that touch it. Its own
    /// shortfall before the program (step 1) is net of it, so that a store
    /// in an importing region does not discharge for what imports can serve.
    pub import_capacity_mw: f64,
    /// The cost of the region's cheapest group with spare after the
    /// program, USD/MWh (infinite: none): at or above its price, as every
    /// cheaper group runs at its bound in the optimum. Storage charging
    /// walks a region's groups for spare only if its cap reaches this.
    pub spare_from_cost: f64,
    /// What the region's store may still charge this step after its own
    /// region's spare, MW, and the most it pays, USD/MWh at its terminals
    /// (step 4's first pass sets them; the second charges over links).
    pub charge_room_mw: f64,
    pub charge_cap: f64,
    /// Unmet demand during the step being solved, MW.
    pub deficit_mw: f64,
    /// This step's own-merit generation dearer than the store's arbitrage
    /// threshold, MW (computed before the program; see `dispatch`).
    pub arbitrage_mw: f64,
    /// This step's residual demand, MW: demand less the solar and wind
    /// available (what a trading store's forecast ranks the hours by).
    pub residual_mw: f64,
    pub period: Period,
    pub projects_pending: u32,
    /// MW of the adequacy response's projects not yet completed or abandoned.
    pub adequacy_pending_mw: f64,
}

#[derive(Clone, Debug)]
pub(crate) struct LinkState {
    pub a: u32,
    pub b: u32,
    pub capacity_mw: f64,
    pub loss_fraction: f64,
    /// Power sent this step, MW: positive from `a` to `b`, negative from `b` to `a`.
    pub flow_mw: f64,
}

#[derive(Clone, Debug)]
pub(crate) struct LoadState {
    pub name: String,
    pub region: u32,
    pub class: LoadClass,
    pub connected_mw: f64,
    /// What the load asks for (set by the wiring; ignored for regional loads).
    pub wanted_mw: f64,
    /// What it asks for this step, capped at its connection.
    pub requested_mw: f64,
    pub served_mw: f64,
    /// The served MW last told in a [`GridSignal::LoadServed`] (0 before any).
    pub signalled_served_mw: f64,
    /// The requested MW last told in a [`GridSignal::LoadServed`] (0 before
    /// any): a consumer that reads its share (served ÷ requested) must be
    /// told when the request moves while the load is short, even if the
    /// served MW (what is left for a partly cut class) does not.
    pub signalled_requested_mw: f64,
    /// Whether a [`GridSignal::LoadServed`] was ever sent for this load.
    /// Until one is, its consumer assumes full service (a training site runs
    /// unconstrained, a fab at its full share), so a cut must be told even
    /// when the served MW never moved from the 0 of `signalled_served_mw`.
    pub told: bool,
    /// A region's own household or industry demand (never signalled).
    pub regional: bool,
    /// The load's bill since it was last taken
    /// ([`crate::Grid::take_load_bill`]), booked up to `mark` (kept for
    /// non-regional loads only; see [`LoadState::settle`]). Metrics samples
    /// do not reset it: what a load is billed does not depend on how often
    /// the recorder samples.
    pub bill: crate::LoadBill,
    /// The region's `(Σ price·Δt, Σ Δt)` of the period (USD/MWh·h, h) when
    /// `served_mw` (and `requested_mw`) were last settled: both have held
    /// since then.
    pub mark: (f64, f64),
}

impl LoadState {
    /// A load asking for nothing yet, connected up to `connected_mw`.
    pub fn new(name: String, region: u32, class: LoadClass, connected_mw: f64, regional: bool) -> LoadState {
        LoadState {
            name,
            region,
            class,
            connected_mw,
            wanted_mw: 0.0,
            requested_mw: 0.0,
            served_mw: 0.0,
            signalled_served_mw: 0.0,
            signalled_requested_mw: 0.0,
            told: false,
            regional,
            bill: crate::LoadBill::default(),
            mark: (0.0, 0.0),
        }
    }

    /// Books the energy and cost of `served_mw` from `mark` to `now` (the
    /// region's period `(price_hours, hours)` now), before `served_mw` or
    /// `requested_mw` changes: a load's served power changes rarely, while
    /// the price changes every step, so this costs nothing in a step where
    /// the load is unchanged and is still exact, `Σ served · price · Δt`.
    pub fn settle(&mut self, now: (f64, f64)) {
        self.bill = self.bill_until(now);
        self.mark = now;
    }

    /// The bill so far, booked up to `now` (the region's period
    /// `(price_hours, hours)` now) without settling.
    pub fn bill_until(&self, now: (f64, f64)) -> crate::LoadBill {
        let (usd, mwh) = self.unsettled(now);
        let open = self.served_mw + crate::dispatch::EPS_MW >= self.requested_mw;
        let (open_ph, open_h) = if open {
            (now.0 - self.mark.0, now.1 - self.mark.1)
        } else {
            (0.0, 0.0)
        };
        crate::LoadBill {
            energy_mwh: self.bill.energy_mwh + mwh,
            cost_usd: self.bill.cost_usd + usd,
            open_price_hours: self.bill.open_price_hours + open_ph,
            open_hours: self.bill.open_hours + open_h,
        }
    }

    /// The cost (USD) and energy (MWh) of `served_mw` from `mark` to `now`.
    pub fn unsettled(&self, now: (f64, f64)) -> (f64, f64) {
        (
            self.served_mw * (now.0 - self.mark.0),
            self.served_mw * (now.1 - self.mark.1),
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ProjectState {
    pub name: String,
    pub region: u32,
    pub technology: Technology,
    pub mw: f64,
    pub start: SimTime,
    /// The lead time drawn: for a project begun before time zero, the
    /// configured one conditioned on outlasting `years_spent`.
    pub lead_time_years: Dist,
    pub years_spent: f64,
    pub cancellation_probability: f64,
    /// Drawn at start: whether the project will be abandoned.
    pub cancelled: bool,
    pub resolved: bool,
    /// When it would complete if not abandoned (its start plus what is
    /// left of its drawn lead time): the in-service date an adequacy
    /// check counts it from, not knowing whether it will be abandoned.
    pub planned_at: SimTime,
    /// Whether an adequacy response started it.
    pub adequacy: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct ProgrammeState {
    pub region: u32,
    pub technology: Technology,
    pub mw_per_year: TimePath,
    /// When its next step falls, ticks (`u64::MAX`: none), for an
    /// adequacy check's count of what it will add.
    pub next_at: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct RetirementState {
    /// Position of the group in `Grid::groups`.
    pub group: u32,
    pub mw: f64,
    pub at: SimTime,
    /// Whether it has been applied.
    pub done: bool,
}

/// A plant group with a must-run share (`must_run_fraction` > 0).
#[derive(Clone, Copy, Debug)]
pub(crate) struct MustRun {
    /// Its position in `Grid::groups` (and `hot`).
    pub pos: usize,
    /// Its share of its available MW, in (0, 1].
    pub share: f64,
    /// Its floor this step, MW (after scaling down where the region's
    /// floors exceed its demand): its output is the floor plus what the
    /// program dispatches above it.
    pub floor_mw: f64,
}

/// A derate, resolved: the regions and technologies it matches.
#[derive(Clone, Debug)]
pub(crate) struct DerateState {
    /// Regions (positions) it hits.
    pub regions: Vec<u32>,
    /// Whether it hits technology `t` ([`Technology::index`]).
    pub technologies: [bool; 7],
    pub start: SimTime,
    pub duration: Duration,
    pub fraction: f64,
    pub demand_factor: f64,
    /// Whether it is in force now.
    pub active: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct DroughtProcess {
    pub region: u32,
    pub rate_per_year: f64,
    pub duration_days: Dist,
    pub depth_fraction: Dist,
    pub rng: Box<StreamRng>,
}

/// Whole-run outcomes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RunTotals {
    pub unserved_mwh: f64,
    pub ai_curtailed_mwh: f64,
    /// `unserved_mwh` by load class, MWh, indexed by `LoadClass::index`.
    pub unserved_by_class_mwh: [f64; 4],
    pub demand_mwh: f64,
    pub spill_mwh: f64,
    /// Hydro inflow spilled (neither generated nor stored), MWh.
    pub hydro_spill_mwh: f64,
    pub peak_shortfall_mw: f64,
    pub hours_with_shortfall: f64,
    /// Σ price × hours over every region and step, USD·h/MWh (the
    /// time-weighted average, used only for a run without demand).
    pub price_hours: f64,
    /// Σ price × demand energy over every region, USD, of the periods
    /// already sampled (add each region's `Period::price_demand_usd` for now).
    pub price_demand_usd: f64,
    pub hours: f64,
    pub projects_completed: u32,
    pub projects_cancelled: u32,
    pub retired_mw: f64,
    /// Capacity out for planned maintenance × hours, MWh.
    pub maintenance_mwh: f64,
    /// Available capacity taken by derates × hours, MWh.
    pub derated_mwh: f64,
    /// Capacity the adequacy response started, completed and saw abandoned, MW.
    pub adequacy_mw: crate::adequacy::AdequacyFlows,
    pub dispatches: u64,
}
