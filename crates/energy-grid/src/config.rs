//! The grid's configuration: plain structs that `stack` builds from a scenario.
//!
//! Every number carries its unit in its name. Uncertain parameters arrive
//! already drawn (plain `f64`); stochastic processes (repair times, lead times,
//! drought durations) arrive as [`Dist`] values the grid samples during the
//! run. [`Grid::new`](crate::Grid::new) validates everything and refuses bad
//! input with a [`GridError`](crate::GridError) naming the entity and field.
//! Default values and their sources: `docs/calibration/energy-grid.md`.

use scheduler::{Calendar, Dist, Duration, SimTime, TimePath};

/// A generation (or storage) technology. Metric names use [`Technology::key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Technology {
    /// Coal-fired steam plant: firm, forced outages, high emissions.
    Coal,
    /// Gas-fired plant (combined cycle or turbine): firm, forced outages.
    Gas,
    /// Nuclear: firm, forced outages, low marginal cost.
    Nuclear,
    /// Hydro: water-limited, seasonal and autocorrelated, hit by droughts.
    Hydro,
    /// Wind: stochastic, autocorrelated availability.
    Wind,
    /// Solar PV: daily and seasonal shape, zero at night.
    Solar,
    /// Batteries: only as a build-out target; they add to a region's storage.
    Battery,
}

impl Technology {
    /// Every technology, in metric order.
    pub const ALL: [Technology; 7] = [
        Technology::Coal,
        Technology::Gas,
        Technology::Nuclear,
        Technology::Hydro,
        Technology::Wind,
        Technology::Solar,
        Technology::Battery,
    ];

    /// The lowercase name used in metric names and stream names, e.g. `"solar"`.
    pub fn key(self) -> &'static str {
        match self {
            Technology::Coal => "coal",
            Technology::Gas => "gas",
            Technology::Nuclear => "nuclear",
            Technology::Hydro => "hydro",
            Technology::Wind => "wind",
            Technology::Solar => "solar",
            Technology::Battery => "battery",
        }
    }

    /// Whether energy this technology could have produced but did not is
    /// counted as renewable spill (sun and wind cannot be stored for later;
    /// hydro water stays in the reservoir).
    pub fn spills(self) -> bool {
        matches!(self, Technology::Wind | Technology::Solar)
    }

    /// Position in [`Technology::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Who a load is, for the curtailment priority order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoadClass {
    /// Residential and commercial demand (the household share of a region's non-AI demand).
    Household,
    /// Industrial demand (the rest of a region's non-AI demand).
    Industry,
    /// A chip fab (an AI load, from the supply-chain domain).
    Fab,
    /// A datacenter (an AI load, from the training domain).
    Datacenter,
}

impl LoadClass {
    /// Every class.
    pub const ALL: [LoadClass; 4] = [
        LoadClass::Household,
        LoadClass::Industry,
        LoadClass::Fab,
        LoadClass::Datacenter,
    ];

    /// Whether curtailing this class counts as curtailed AI load (`energy.ai_curtailed_mwh`).
    pub fn is_ai(self) -> bool {
        matches!(self, LoadClass::Fab | LoadClass::Datacenter)
    }

    /// Position in [`LoadClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How a plant group's available MW is produced each dispatch step.
#[derive(Clone, Debug, PartialEq)]
pub enum Availability {
    /// Dispatchable up to installed MW times the share of units neither on
    /// forced outage nor on planned maintenance (coal, gas, nuclear).
    Firm,
    /// Solar: a clear-sky-like daily shape (zero at night), longer and
    /// stronger days around the June solstice, scaled so that the annual mean
    /// availability equals `capacity_factor`.
    Solar {
        /// Annual mean available MW ÷ installed MW, in (0, 0.45) (more than
        /// the daily shape can deliver is refused).
        capacity_factor: f64,
        /// Seasonal strength of the daily shape, dimensionless in [0, 0.9]:
        /// 0 = the same day all year; 0.2 = summer days clearly longer.
        seasonal_amplitude: f64,
    },
    /// Weather-driven and autocorrelated (wind, hydro): a stationary AR(1)
    /// process `z` in logit space, availability = `logistic(mu + logit_sd·z)`
    /// times a seasonal factor, with `mu` solved so that the mean is
    /// `capacity_factor`.
    Weather {
        /// Mean available MW ÷ installed MW, in (0, 1).
        capacity_factor: f64,
        /// Spread of the process in logit space (dimensionless, in [0, 5]; 0 = constant).
        logit_sd: f64,
        /// Correlation of `z` between two instants one hour apart, in [0, 0.999999].
        autocorrelation_per_hour: f64,
        /// Relative seasonal swing of availability, in [0, 0.99]: factor
        /// `1 + a·cos(2π(day − peak_day_of_year)/365.25)`.
        seasonal_amplitude: f64,
        /// Day of the year (0–365) of the seasonal maximum.
        peak_day_of_year: f64,
        /// Hours the state `z` is held, in (0, 8784] (rounded to whole
        /// seconds, at least one): `z` is constant within each window of
        /// this length counted from the simulation start (00:00 of the start
        /// date) and moves once a window a step starts in, by `φ =
        /// autocorrelation_per_hour^(hours between the windows' starts)`, so
        /// its correlation per hour is the same as unheld. Within a window
        /// availability is constant (the seasonal factor is its mean over
        /// the window). A step starts in the window its start falls in;
        /// dispatch steps as long as a window or longer ignore it (one state
        /// a step). `None`: [`DEFAULT_HYDRO_HOLD_HOURS`] for
        /// [`Technology::Hydro`] (inflows change over days, not hours), one
        /// state a dispatch step for wind and any other group.
        hold_hours: Option<f64>,
    },
}

/// Hours a hydro group's weather state is held when its
/// [`Availability::Weather`] names no `hold_hours`: a day. Reservoir and
/// river plants' available capacity follows inflows, which change over
/// days; an hourly random walk of it is not physical.
pub const DEFAULT_HYDRO_HOLD_HOURS: f64 = 24.0;

/// Longest `hold_hours` accepted: a leap year.
pub const MAX_HOLD_HOURS: f64 = 8784.0;

impl Availability {
    /// The hold of a weather group of `technology`, in hours: its
    /// `hold_hours`, else [`DEFAULT_HYDRO_HOLD_HOURS`] for hydro; `None`
    /// for one state a dispatch step (and for firm and solar availability).
    pub fn hold_hours(&self, technology: Technology) -> Option<f64> {
        match self {
            Availability::Weather { hold_hours, .. } => {
                hold_hours.or((technology == Technology::Hydro).then_some(DEFAULT_HYDRO_HOLD_HOURS))
            }
            Availability::Firm | Availability::Solar { .. } => None,
        }
    }
}

/// A group of similar plants of one technology in one region.
#[derive(Clone, Debug, PartialEq)]
pub struct PlantGroupConfig {
    /// Unique name across the grid (keys its random streams, e.g. `"east-coal"`).
    pub name: String,
    /// Technology (metrics, spill, droughts, build-out targets).
    pub technology: Technology,
    /// Installed capacity, MW, in [0, 10⁷]; with forced outages or planned
    /// maintenance at most 10⁶ units of `unit_size_mw`.
    pub installed_mw: f64,
    /// How available MW is produced each step.
    pub availability: Availability,
    /// Short-run marginal cost (fuel + variable O&M), USD/MWh, in [0, 10⁵]: the merit order.
    pub marginal_cost_usd_per_mwh: f64,
    /// Direct CO2 emissions, tonnes per MWh generated, in [0, 10].
    pub emissions_t_per_mwh: f64,
    /// Size of one unit, MW (in [0.001, 10⁷] when the group has units:
    /// `failure_rate_per_year` > 0 or `maintenance`): forced outages and
    /// planned maintenance take whole units.
    pub unit_size_mw: f64,
    /// Forced-outage rate of one running unit, failures per year, in [0, 10⁴] (0 = no outages).
    pub failure_rate_per_year: f64,
    /// Time to repair one failed unit, days (drawn per failure; support ≥ 0,
    /// mean at most [`crate::MAX_REPAIR_DAYS`]).
    pub repair_time_days: Dist,
    /// Planned maintenance of the group's units (refuelling, overhauls),
    /// firm groups only; `None`: none. A group with maintenance has units
    /// (of `unit_size_mw`) even without forced outages.
    pub maintenance: Option<MaintenanceConfig>,
    /// Must-run share, in [0, 1]: the part of the group's **available** MW
    /// this step (after forced outages, maintenance, weather and droughts)
    /// that runs whatever its cost (heat-led CHP, contracted running hours).
    /// 0 (the default): dispatched by merit order alone. The floor is a
    /// price-taker (it sets no price), spills wind and solar that demand
    /// cannot take beside it, and backs down pro rata where a region's
    /// floors exceed its demand (see `docs/model/energy-grid.md`, "Must-run").
    pub must_run_fraction: f64,
    /// Hydro only: the reservoir behind the group's turbines, in hours of
    /// installed MW, in [0, [`MAX_RESERVOIR_HOURS`]]. The weather
    /// (× droughts) is then the inflow, installed MW the turbines' limit:
    /// water the dispatch does not use stays in the reservoir up to its
    /// capacity (`reservoir_hours × installed MW`, MWh) and runs later, the
    /// rest spills (`energy.hydro_spill_mwh`). It starts full and runs on a
    /// daily schedule (its water at the forecast's peak, all of it where
    /// the grid would shed). 0 (the default): no reservoir, available MW is
    /// the inflow, and what the dispatch leaves of it spills (see
    /// `docs/model/energy-grid.md`, "Reservoirs"). Not with a must-run share.
    pub reservoir_hours: f64,
}

/// Largest `reservoir_hours` accepted, h: more than a year of a plant's
/// full output, beyond any seasonal reservoir; a bound on a unit slip.
pub const MAX_RESERVOIR_HOURS: f64 = 10_000.0;

impl PlantGroupConfig {
    /// Whether the group is made of whole units (forced outages or planned
    /// maintenance take whole units; the unit limit applies).
    pub fn has_units(&self) -> bool {
        self.failure_rate_per_year > 0.0 || self.maintenance.is_some()
    }
}

/// Planned maintenance of a firm plant group: each unit is out for one
/// outage of `days` every `every_months` months, scheduled by the grid in
/// the allowed months (see `docs/model/energy-grid.md`, "Planned
/// maintenance"). A nuclear refuelling cycle is e.g. 35 days every 18
/// months; a yearly coal overhaul of four weeks is 28 days every 12 months.
#[derive(Clone, Debug, PartialEq)]
pub struct MaintenanceConfig {
    /// Length of one planned outage of a unit, days, in [1, 365]; it must fit
    /// in every run of consecutive allowed months (28 days for February alone).
    pub days: f64,
    /// Months between two planned outages of one unit, in [1, 120]. A unit
    /// is planned out `days / (every_months × 365.25/12)` of the time.
    pub every_months: f64,
    /// Calendar months (1 = January … 12 = December) in which planned
    /// outages may lie, each at most once; `None`: the region's shoulder
    /// months, those whose middle lies 45 to 135 days from its seasonal
    /// demand peak (March–May and September–November for a mid-July peak).
    pub months: Option<Vec<u32>>,
}

/// A region's batteries, lumped into one store.
#[derive(Clone, Debug, PartialEq)]
pub struct StorageConfig {
    /// Maximum charge or discharge power, MW, in [0, 10⁷].
    pub power_mw: f64,
    /// Energy capacity, MWh, in [0, 10⁹].
    pub energy_mwh: f64,
    /// Energy out ÷ energy in over a full cycle, in [0.01, 1]; split evenly
    /// (square root) between charging and discharging.
    pub round_trip_efficiency: f64,
    /// State of charge at the start, as a share of `energy_mwh`, in [0, 1].
    pub initial_soc_fraction: f64,
    /// The most expensive spare generation (USD/MWh) the store will charge from;
    /// zero-cost renewables are always taken first. Its own region's spare
    /// first, then its neighbours' over links with headroom, where a unit's
    /// cost grossed up for the link's loss must be within this.
    pub charge_max_cost_usd_per_mwh: f64,
    /// Whether the store also trades on its own region's merit order (see
    /// docs/model/energy-grid.md, "Storage"): it discharges to displace the
    /// region's generation dearer than what its energy cost, and charges
    /// from paid generation only when the last day's dearest unit would
    /// repay it, except the energy yesterday's shortfalls took (its need),
    /// which it keeps and refills from anything under its cap; with
    /// yesterday's residual demand as the forecast, it keeps its energy for
    /// the day's top hours. `false`: held for
    /// reliability only (discharges only to cover a shortfall).
    pub arbitrage: bool,
    /// Wear cost of cycling, USD per MWh discharged, in [0, 10⁶]: an
    /// arbitrage discharge must displace generation dearer than the
    /// energy's cost plus this. Ignored without `arbitrage`.
    pub wear_cost_usd_per_mwh: f64,
    /// Share of `energy_mwh` kept for shortfalls, in [0, 1]: arbitrage
    /// discharges only the energy above it; a shortfall may use it all.
    /// Ignored without `arbitrage`.
    pub reserve_fraction: f64,
    /// Hours of storage (energy ÷ power) of the batteries built in the
    /// region (programmes, grid projects, an adequacy response), in
    /// (0, 10⁴]. `None`: the store's own hours, `energy_mwh / power_mw`
    /// (4 h where it has no power or no energy). So a store that holds
    /// pumped storage beside batteries can build batteries at the
    /// batteries' hours rather than at the blend's.
    pub build_hours: Option<f64>,
}

/// A region's non-AI demand: an annual average with growth, a daily cosine
/// shape and a seasonal shape of two harmonics (an annual and a semi-annual
/// cosine); each averages to one, so the average is preserved. The
/// factor is `(1 + a_d·cos(θ_d − θ_h))·(1 + a_s·cos(θ_y − θ_1) + a_2·cos(2(θ_y − θ_2)))`
/// (see `docs/model/energy-grid.md`, "Demand").
#[derive(Clone, Debug, PartialEq)]
pub struct DemandConfig {
    /// Average non-AI demand at the start of the run, MW, in [0, 10⁷].
    pub average_mw: f64,
    /// Annual growth rate as a fraction per year (0.05 = +5 %/yr), compounded
    /// continuously along the path; values in [−0.99, 10].
    pub growth_per_year: TimePath,
    /// Relative daily swing, in [0, 0.99]: factor `1 + a·cos(2π(h − peak_hour)/24)`.
    pub daily_amplitude: f64,
    /// Hour of the daily peak, in [0, 24].
    pub peak_hour: f64,
    /// Relative seasonal swing of the annual harmonic, in [0, 0.99]:
    /// `a_s·cos(2π(day − peak_day_of_year)/365.25)`.
    pub seasonal_amplitude: f64,
    /// Day of the year of the annual harmonic's peak, in [0, 366].
    pub peak_day_of_year: f64,
    /// Relative swing of the semi-annual harmonic, in [0, 0.99], with
    /// `seasonal_amplitude + semiannual_amplitude ≤ 0.99` (the seasonal
    /// factor is then at least 0.01 whatever the peak days):
    /// `a_2·cos(4π(day − semiannual_peak_day_of_year)/365.25)`, two humps a
    /// year (a summer cooling and a winter heating peak, with troughs in
    /// spring and autumn). 0: one seasonal hump, as before it existed.
    pub semiannual_amplitude: f64,
    /// Day of the year of one of the semi-annual harmonic's two peaks (the
    /// other half a year, 182.625 days, later), in [0, 366].
    pub semiannual_peak_day_of_year: f64,
    /// Share of non-AI demand that is [`LoadClass::Household`], in [0, 1]; the rest is industry.
    pub household_share: f64,
    /// Standard deviation of the logarithm of the weather's factor on
    /// non-AI demand, in [0, [`MAX_DEMAND_NOISE_SD`]] (0.03: demand ±3 %
    /// about its shape, one standard deviation). The factor is
    /// `exp(σ·x − σ²/2)`, mean exactly 1, with `x` a stationary standard
    /// AR(1) process of the grid's `demand_noise_hours` (shared with the
    /// other regions by `demand_noise_shared_share`): heat waves and cold
    /// spells that last days and raise the peak in some years more than
    /// others. 0 (the default): demand is its smooth shape, as before it
    /// existed, and the region draws nothing.
    pub noise_sd: f64,
}

/// Largest [`DemandConfig::noise_sd`]: a log standard deviation of 0.5 puts
/// a 1-in-1,000 step at 4.7 times the shape; above it the factor describes
/// no weather.
pub const MAX_DEMAND_NOISE_SD: f64 = 0.5;

/// Range of [`GridConfig::demand_noise_hours`], hours: from one hour to a year.
pub const DEMAND_NOISE_HOURS_RANGE: (f64, f64) = (1.0, 8766.0);

/// One region (grid area): its demand, fleet, storage and interconnection queue.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionConfig {
    /// Unique region name (entity column of the outputs).
    pub name: String,
    /// Non-AI demand.
    pub demand: DemandConfig,
    /// Plant groups in this region.
    pub fleet: Vec<PlantGroupConfig>,
    /// Batteries (zero power and energy for none).
    pub storage: StorageConfig,
    /// MW of new load connections the region approves per year, in [0.001, 10⁷].
    pub interconnection_approval_mw_per_year: f64,
    /// Hours the region's local clock runs ahead of the grid's clock (the
    /// calendar's, `SimTime` 0 = 00:00 of the start date: read it as UTC
    /// when regions differ), in [−12, 14] (−5: US Eastern standard time).
    /// Every shape of the region reads local time: non-AI demand's daily
    /// and seasonal cosines (`peak_hour` is a local hour), its solar
    /// groups' day (local noon) and season, its wind and hydro groups'
    /// seasonal factor, and its store's day (the trading forecast's day
    /// starts at local midnight). 0 (the default): the grid's clock, as
    /// before it existed. Held weather windows, maintenance months,
    /// growth and monthly metrics stay on the grid's clock.
    pub utc_offset_hours: f64,
}

/// Smallest and largest [`RegionConfig::utc_offset_hours`]: the world's time zones.
pub const UTC_OFFSET_RANGE_HOURS: (f64, f64) = (-12.0, 14.0);

/// The longest hours of storage batteries may be built at
/// (`StorageConfig::build_hours`), h: far beyond any battery or pumped
/// storage plant (the US fleet's ≈ 25 h), a bound on a unit slip.
pub const MAX_BUILD_HOURS: f64 = 10_000.0;

/// A transmission link between two regions, usable in either direction.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// One end (region name).
    pub from: String,
    /// The other end (region name, not `from`).
    pub to: String,
    /// Maximum power sent into the link, MW, in [0, 10⁷], in either direction.
    pub capacity_mw: f64,
    /// Share of the power sent that is lost on the way, in [0, 0.5].
    pub loss_fraction: f64,
}

/// A construction project: capacity that appears when it completes, unless cancelled.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectConfig {
    /// Unique project name (keys its random stream).
    pub name: String,
    /// Technology built.
    pub technology: Technology,
    /// Region (name).
    pub region: String,
    /// Capacity added on completion, MW, in [10⁻⁶, 10⁷]; with the other
    /// projects of its group, checked against the unit limit as if all completed.
    pub mw: f64,
    /// When construction starts (time zero for a project begun earlier; see
    /// `years_spent_at_start`).
    pub start: SimTime,
    /// Construction time, years, counted from the real start of construction
    /// (drawn once per run; support ≥ 0, mean at most
    /// [`crate::MAX_LEAD_TIME_YEARS`]).
    pub lead_time_years: Dist,
    /// Probability that the project is abandoned during construction, in
    /// [0, 1]; for a project begun before time zero, during what remains of
    /// its construction.
    pub cancellation_probability: f64,
    /// Years of construction already done at time zero (0 for a project that
    /// starts at or after it), finite and ≥ 0. Such a project is still being
    /// built at time zero, so a random lead time is drawn conditioned on
    /// being longer than these years (its inverse CDF over
    /// `[F(years), 1]`), and the project completes after what is left of
    /// it, `lead − years`; at least [`scheduler::rng::MIN_TRUNCATED_MASS`] of the
    /// lead time's probability must lie beyond them. A fixed (`Const`) lead
    /// time that has already run out completes at time zero.
    pub years_spent_at_start: f64,
}

/// A build programme: capacity added continuously at a rate in MW per year.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgrammeConfig {
    /// Unique programme name.
    pub name: String,
    /// Technology built.
    pub technology: Technology,
    /// Region (name).
    pub region: String,
    /// Additions, MW per year over time (values in [0, 10⁷]), applied in
    /// monthly tranches at the start of each calendar month from time zero:
    /// a twelfth of the rate then (the first, in a run that starts inside a
    /// month, times the share of the month left), so a calendar year gets
    /// the year's rate by its end; see [`GridConfig::check_horizon`] for
    /// the unit limit.
    pub mw_per_year: TimePath,
}

/// A retirement: capacity of one plant group leaves the fleet at a date (a
/// coal phase-out, a nuclear plant reaching the end of its licence).
#[derive(Clone, Debug, PartialEq)]
pub struct RetirementConfig {
    /// Unique retirement name.
    pub name: String,
    /// The plant group that shrinks (name).
    pub group: String,
    /// Capacity that leaves, MW, in [10⁻⁶, 10⁷]; at most what the group has then
    /// (build-out may have added to it).
    pub mw: f64,
    /// When it leaves.
    pub at: SimTime,
}

/// A scheduled drought: hydro availability in a region is multiplied by
/// `1 − depth_fraction` from `start` for `duration`.
#[derive(Clone, Debug, PartialEq)]
pub struct DroughtConfig {
    /// Region (name).
    pub region: String,
    /// Start of the drought.
    pub start: SimTime,
    /// Length of the drought, at most [`MAX_DROUGHT_DAYS`](crate::MAX_DROUGHT_DAYS).
    pub duration: Duration,
    /// Share of hydro availability lost, in [0, 1].
    pub depth_fraction: f64,
}

/// Random droughts: a Poisson process of droughts in one region.
#[derive(Clone, Debug, PartialEq)]
pub struct DroughtProcessConfig {
    /// Region (name); one process per region (keys stream `grid/drought/<region>`).
    pub region: String,
    /// Mean number of drought onsets per year, in [10⁻⁶, 365].
    pub rate_per_year: f64,
    /// Drought length, days (support ≥ 0, mean at most
    /// [`MAX_DROUGHT_DAYS`](crate::MAX_DROUGHT_DAYS); a longer draw lasts
    /// that long).
    pub duration_days: Dist,
    /// Share of hydro availability lost (support within [0, 1]).
    pub depth_fraction: Dist,
}

/// A scheduled capacity derate: a common-mode loss of part of the available
/// capacity of some technologies in some regions for a while (a cold snap
/// freezing gas supply and plant equipment, Winter Storm Uri 2021; a coal
/// shortage or rationing order, China 2021). While it lasts, each matched
/// plant group's available MW (after forced outages, maintenance, weather
/// and droughts) is multiplied by `1 − fraction`, and each matched region's
/// non-AI demand by `demand_factor`; overlapping derates multiply.
#[derive(Clone, Debug, PartialEq)]
pub struct DerateConfig {
    /// Name (for messages and the event trace).
    pub name: String,
    /// Regions (names) whose groups and demand it hits; empty: every region.
    pub regions: Vec<String>,
    /// Technologies whose groups lose capacity, at least one, not
    /// [`Technology::Battery`] (storage is no plant group).
    pub technologies: Vec<Technology>,
    /// Start of the derate.
    pub start: SimTime,
    /// Length, at most [`MAX_DERATE_DAYS`](crate::MAX_DERATE_DAYS).
    pub duration: Duration,
    /// Share of the matched groups' available MW lost, in [0, 1].
    pub fraction: f64,
    /// Multiplier of the matched regions' non-AI (household and industry)
    /// demand while it lasts, in [0, [`MAX_DERATE_DEMAND_FACTOR`](crate::MAX_DERATE_DEMAND_FACTOR)]
    /// (1: unchanged; 1.15: a cold snap's heating load).
    pub demand_factor: f64,
}

/// Everything the grid needs, validated by [`Grid::new`](crate::Grid::new).
#[derive(Clone, Debug, PartialEq)]
pub struct GridConfig {
    /// Maps `SimTime` 0 (midnight of the start date) to hours of the day and days of the year.
    pub calendar: Calendar,
    /// Time between dispatches (default one hour; between 1 minute and 1 day).
    pub dispatch_interval: Duration,
    /// Regions (at least one).
    pub regions: Vec<RegionConfig>,
    /// Transmission links.
    pub links: Vec<LinkConfig>,
    /// Construction projects.
    pub projects: Vec<ProjectConfig>,
    /// Build programmes.
    pub programmes: Vec<ProgrammeConfig>,
    /// Retirements of capacity at dates.
    pub retirements: Vec<RetirementConfig>,
    /// Load classes from first cut to last cut; must list each class exactly once.
    pub curtailment_order: Vec<LoadClass>,
    /// Scheduled droughts.
    pub droughts: Vec<DroughtConfig>,
    /// Random drought processes.
    pub drought_processes: Vec<DroughtProcessConfig>,
    /// Scheduled capacity derates (thermal common-mode outages, fuel shortages).
    pub derates: Vec<DerateConfig>,
    /// Adequacy responses: capacity built when a region's forecast reserve
    /// margin falls below a target (none: build-out is what is configured).
    pub adequacy: Vec<crate::AdequacyConfig>,
    /// Price in a region that curtails load, USD/MWh, in [0, 10⁶] (a price
    /// cap / value of lost load), at least every plant group's marginal cost.
    pub scarcity_price_usd_per_mwh: f64,
    /// Smallest change of a load's served MW that is signalled, MW (≥ 0).
    pub served_signal_tolerance_mw: f64,
    /// Whether cheap generation displaces a neighbour's dearer generation
    /// over links every step (economic trade; default on): the step's
    /// dispatch is then least cost over the whole network. Off, links carry
    /// power only where a region would otherwise curtail (sending a MW costs
    /// more in the dispatch program than any plant saves), so prices and
    /// emissions are those of self-sufficient regions.
    pub economic_trade: bool,
    /// Correlation time of the weather's factor on non-AI demand
    /// ([`DemandConfig::noise_sd`]), hours, in [`DEMAND_NOISE_HOURS_RANGE`]:
    /// the factor's state keeps `exp(−Δt/τ)` of itself from one step of
    /// `Δt` hours to the next (72: a spell of weather lasts about three
    /// days). Unused while no region has noise.
    pub demand_noise_hours: f64,
    /// Share of each region's demand-noise variance that is common to every
    /// region, in [0, 1]: the regions' factors' logarithms correlate by
    /// this share (one heat wave over the country at 1, independent
    /// regional weather at 0, the default). Unused while no region has noise.
    pub demand_noise_shared_share: f64,
    /// The end of the run's horizon, if the caller knows it (the stack
    /// does): a dispatch step that runs past it books only its share inside
    /// the horizon, `(end − start)/Δt` of its energy, hours, emissions and
    /// costs, so that a year of daily steps books the year's hours, not 18 h
    /// more. `None` (the default): every step is booked in full.
    pub horizon_end: Option<SimTime>,
}

/// Hours in the default dispatch interval.
pub const DEFAULT_DISPATCH_HOURS: u64 = 1;

impl GridConfig {
    /// A grid with no regions yet and every other field at its default:
    /// hourly dispatch, curtailment order
    /// household → industry → fab → datacenter, scarcity price 5,000 USD/MWh.
    pub fn new(calendar: Calendar) -> GridConfig {
        GridConfig {
            calendar,
            dispatch_interval: Duration::from_hours(DEFAULT_DISPATCH_HOURS),
            regions: Vec::new(),
            links: Vec::new(),
            projects: Vec::new(),
            programmes: Vec::new(),
            retirements: Vec::new(),
            curtailment_order: LoadClass::ALL.to_vec(),
            droughts: Vec::new(),
            drought_processes: Vec::new(),
            derates: Vec::new(),
            adequacy: Vec::new(),
            scarcity_price_usd_per_mwh: 5_000.0,
            served_signal_tolerance_mw: 0.01,
            economic_trade: true,
            demand_noise_hours: DEFAULT_DEMAND_NOISE_HOURS,
            demand_noise_shared_share: 0.0,
            horizon_end: None,
        }
    }
}

/// Default [`GridConfig::demand_noise_hours`]: three days, the length of a
/// spell of weather (assumption, docs/calibration/energy-grid.md).
pub const DEFAULT_DEMAND_NOISE_HOURS: f64 = 72.0;

/// Default day of the year of the semi-annual demand harmonic's first peak:
/// 15, mid-January (its second peak falls in mid-July, its troughs in mid-April
/// and mid-October: the US pattern, EIA Today in Energy, 21 February 2020).
pub const DEFAULT_SEMIANNUAL_PEAK_DAY: f64 = 15.0;

impl DemandConfig {
    /// Demand averaging `average_mw` with the default shape: no growth, ±15 %
    /// daily swing peaking at 19:00, ±10 % seasonal swing peaking in mid-July,
    /// no semi-annual swing (its peaks, if given one, mid-January and
    /// mid-July), 30 % household, no weather noise.
    pub fn typical(average_mw: f64) -> DemandConfig {
        DemandConfig {
            average_mw,
            growth_per_year: TimePath::constant(0.0),
            daily_amplitude: 0.15,
            peak_hour: 19.0,
            seasonal_amplitude: 0.10,
            peak_day_of_year: 196.0,
            semiannual_amplitude: 0.0,
            semiannual_peak_day_of_year: DEFAULT_SEMIANNUAL_PEAK_DAY,
            household_share: 0.30,
            noise_sd: 0.0,
        }
    }
}

impl StorageConfig {
    /// No storage.
    pub fn none() -> StorageConfig {
        StorageConfig::batteries(0.0, 0.0)
    }
    /// Batteries of `power_mw` and `energy_mwh`, 85 % round trip, half full,
    /// charging from spare generation up to 60 USD/MWh, trading on the
    /// region's merit order (`arbitrage`) with no wear cost and no reserve;
    /// batteries built later take the store's hours.
    pub fn batteries(power_mw: f64, energy_mwh: f64) -> StorageConfig {
        StorageConfig {
            power_mw,
            energy_mwh,
            round_trip_efficiency: 0.85,
            initial_soc_fraction: 0.5,
            charge_max_cost_usd_per_mwh: 60.0,
            arbitrage: true,
            wear_cost_usd_per_mwh: 0.0,
            reserve_fraction: 0.0,
            build_hours: None,
        }
    }
}

impl RegionConfig {
    /// A region with typical demand averaging `average_demand_mw`, no fleet,
    /// no storage and an approval rate of 10,000 MW/yr.
    pub fn new(name: &str, average_demand_mw: f64) -> RegionConfig {
        RegionConfig {
            name: name.to_string(),
            demand: DemandConfig::typical(average_demand_mw),
            fleet: Vec::new(),
            storage: StorageConfig::none(),
            interconnection_approval_mw_per_year: 10_000.0,
            utc_offset_hours: 0.0,
        }
    }

    /// Adds a plant group with [`PlantGroupConfig::typical`] parameters,
    /// named `"<region>-<technology>"`.
    pub fn with_plant(mut self, technology: Technology, installed_mw: f64) -> RegionConfig {
        let name = format!("{}-{}", self.name, technology.key());
        self.fleet
            .push(PlantGroupConfig::typical(&name, technology, installed_mw));
        self
    }
}

impl LinkConfig {
    /// A link of `capacity_mw` with 3 % losses.
    pub fn new(from: &str, to: &str, capacity_mw: f64) -> LinkConfig {
        LinkConfig {
            from: from.to_string(),
            to: to.to_string(),
            capacity_mw,
            loss_fraction: 0.03,
        }
    }
}
