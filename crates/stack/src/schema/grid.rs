//! Scenario entities of the energy grid, and their conversion into
//! [`energy_grid::GridConfig`].

use super::Ctx;
use crate::error::ScenarioError;
use crate::series::Series;
use crate::units::{
    ApprovalRate, BuildHours, DayOfYear, DemandFactor, DerateDays, DroughtDays, Fraction, HourOfDay,
    LossFraction, MarginalCost, NoiseHours, NoiseSd, NonNeg, Positive, ReservoirHours, RoundTrip, UtcOffset,
};
use chrono::NaiveDate;
use energy_grid::{
    Availability, DerateConfig, DroughtConfig, DroughtProcessConfig, GridConfig, LinkConfig, LoadClass,
    MaintenanceConfig, PlantGroupConfig, ProgrammeConfig, ProjectConfig, RegionConfig, RetirementConfig,
    StorageConfig, Technology,
};
use scheduler::{Dist, Duration};
use serde::{Deserialize, Serialize};

/// Generation technology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[allow(missing_docs)]
#[serde(rename = "Technology")]
pub enum TechnologyData {
    Coal,
    Gas,
    Nuclear,
    Hydro,
    Wind,
    Solar,
    Battery,
}

impl From<TechnologyData> for Technology {
    fn from(t: TechnologyData) -> Technology {
        match t {
            TechnologyData::Coal => Technology::Coal,
            TechnologyData::Gas => Technology::Gas,
            TechnologyData::Nuclear => Technology::Nuclear,
            TechnologyData::Hydro => Technology::Hydro,
            TechnologyData::Wind => Technology::Wind,
            TechnologyData::Solar => Technology::Solar,
            TechnologyData::Battery => Technology::Battery,
        }
    }
}

/// A class of load, for the curtailment order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[allow(missing_docs)]
#[serde(rename = "LoadClass")]
pub enum LoadClassData {
    Household,
    Industry,
    Fab,
    Datacenter,
}

impl From<LoadClassData> for LoadClass {
    fn from(c: LoadClassData) -> LoadClass {
        match c {
            LoadClassData::Household => LoadClass::Household,
            LoadClassData::Industry => LoadClass::Industry,
            LoadClassData::Fab => LoadClass::Fab,
            LoadClassData::Datacenter => LoadClass::Datacenter,
        }
    }
}

/// Grid-wide settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Grid")]
pub struct GridData {
    /// Hours between dispatch steps, from 1 minute (1/60 h) to 24 h (the
    /// grid dispatches at least daily); a step over an hour takes the solar,
    /// demand and wind and hydro seasonal shapes' means over the step, so
    /// energy holds but the evening peak and shortfalls shorter than the
    /// step average away (docs/model/energy-grid.md). Default: 1.
    #[serde(default = "one")]
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 24))]
    pub dispatch_interval_hours: Positive,
    /// Load classes in the order they are cut when supply falls short; each
    /// of the four classes exactly once. Default: `[Household, Industry,
    /// Fab, Datacenter]` (households first, datacenters last).
    #[serde(default = "default_order")]
    pub curtailment_order: Vec<LoadClassData>,
    /// Price when load is unserved, USD/MWh, 0–1,000,000, and at least
    /// every plant's marginal cost (a shortage is the dearest hour).
    /// Default: 5,000.
    #[serde(default = "default_scarcity")]
    #[schemars(with = "f64", range(min = 0, max = 1e6))]
    pub scarcity_price_usd_per_mwh: NonNeg,
    /// Random droughts that recur in a region.
    #[serde(default)]
    pub drought_processes: Vec<DroughtProcessData>,
    /// Economic trade: cheap generation displaces a neighbour's dearer
    /// generation over links every hour (the dispatch is least cost over the
    /// whole network). Off, links carry power only where a region would
    /// otherwise curtail (prices and emissions of self-sufficient regions).
    /// Default: true.
    #[serde(default = "yes")]
    pub economic_trade: bool,
    /// How long a spell of weather lasts in the demand noise
    /// (`regions[].demand_noise_sd`), hours, 1–8,766: the noise keeps
    /// exp(−Δt/τ) of itself from one dispatch step of Δt hours to the next.
    /// Default: 72 (three days).
    #[serde(default = "d_noise_hours")]
    #[schemars(with = "f64", range(min = 1, max = 8766))]
    pub demand_noise_hours: NoiseHours,
    /// Share of each region's demand-noise variance common to every region,
    /// 0–1: the correlation of two regions' noise (1: one heat wave over the
    /// whole country; 0: independent regional weather). Default: 0.
    #[serde(default)]
    pub demand_noise_shared_share: Fraction,
}

fn d_noise_hours() -> NoiseHours {
    NoiseHours(energy_grid::DEFAULT_DEMAND_NOISE_HOURS)
}

fn yes() -> bool {
    true
}

impl Default for GridData {
    fn default() -> Self {
        GridData {
            dispatch_interval_hours: one(),
            curtailment_order: default_order(),
            scarcity_price_usd_per_mwh: default_scarcity(),
            drought_processes: Vec::new(),
            economic_trade: true,
            demand_noise_hours: d_noise_hours(),
            demand_noise_shared_share: Fraction(0.0),
        }
    }
}

fn one() -> Positive {
    Positive(1.0)
}
fn default_order() -> Vec<LoadClassData> {
    vec![
        LoadClassData::Household,
        LoadClassData::Industry,
        LoadClassData::Fab,
        LoadClassData::Datacenter,
    ]
}
fn default_scarcity() -> NonNeg {
    NonNeg(5_000.0)
}

/// A grid area: its non-AI demand, batteries and connection queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Region")]
pub struct RegionData {
    /// Unique region name.
    pub name: String,
    /// Average non-AI demand at the start, MW.
    #[schemars(with = "f64", range(min = 0, max = 1e7))]
    pub demand_avg_mw: NonNeg,
    /// Growth of non-AI demand, fraction per year (number or path; every
    /// value in [-0.99, 10]). Default: 0.
    #[serde(default = "zero_series")]
    pub demand_growth_per_year: Series,
    /// Share of non-AI demand that is households (the rest is industry). Default: 0.30.
    #[serde(default = "d_household")]
    pub household_share: Fraction,
    /// Daily swing of demand, fraction of the average (±), below 1 (demand
    /// stays positive). Default: 0.15.
    #[serde(default = "d_daily")]
    #[schemars(with = "f64", range(min = 0, max = 0.99))]
    pub daily_amplitude: Fraction,
    /// Hour of the daily peak, 0–24, on the region's local clock
    /// (`utc_offset_hours`). Default: 19.
    #[serde(default = "d_peak_hour")]
    pub peak_hour: HourOfDay,
    /// Hours the region's local clock runs ahead of the scenario's clock
    /// (dates and months, from 00:00 of `start`: read it as UTC when
    /// regions differ), −12 to 14 (US Eastern standard time: −5; China: 8).
    /// The region's demand shape (`peak_hour` is local), its solar day
    /// (local noon), its seasonal shapes and its batteries' trading day
    /// (from local midnight) follow local time, so regions in different
    /// time zones peak at different instants. Default: 0 (the scenario's
    /// clock).
    #[serde(default)]
    #[schemars(with = "f64", range(min = -12, max = 14))]
    pub utc_offset_hours: UtcOffset,
    /// Seasonal swing of demand, fraction of the average (±), below 1.
    /// Default: 0.10.
    #[serde(default = "d_seasonal")]
    #[schemars(with = "f64", range(min = 0, max = 0.99))]
    pub seasonal_amplitude: Fraction,
    /// Day of year of the seasonal peak, 0–366. Default: 196 (mid-July).
    #[serde(default = "d_peak_day")]
    pub peak_day_of_year: DayOfYear,
    /// Semi-annual swing of demand, fraction of the average (±): a second
    /// seasonal cosine with two peaks a year, half a year apart, and
    /// troughs between them (a summer and a winter hump, spring and autumn
    /// troughs). With `seasonal_amplitude`, at most 0.99 in sum (demand
    /// stays positive whatever the peak days). Default: 0 (one seasonal hump).
    #[serde(default)]
    #[schemars(with = "f64", range(min = 0, max = 0.99))]
    pub semiannual_amplitude: Fraction,
    /// Day of year of one peak of the semi-annual swing, 0–366; the other
    /// falls 182.6 days later, the troughs a quarter of a year either side.
    /// Default: 15 (mid-January and mid-July).
    #[serde(default = "d_semiannual_peak_day")]
    pub semiannual_peak_day_of_year: DayOfYear,
    /// Weather's noise on non-AI demand: the standard deviation of the log
    /// of a factor of mean exactly 1 that multiplies the demand shape,
    /// 0–0.5 (0.03: ±3 % about the shape, one standard deviation). The
    /// factor follows the weather's spells (`grid.demand_noise_hours`) and
    /// is shared with other regions by `grid.demand_noise_shared_share`, so
    /// some summers peak higher than others. Default: 0 (the smooth shape).
    #[serde(default)]
    #[schemars(with = "f64", range(min = 0, max = 0.5))]
    pub demand_noise_sd: NoiseSd,
    /// Battery power, MW; a battery has both power and energy, or neither
    /// (one without the other is refused). Default: 0.
    #[serde(default)]
    #[schemars(with = "f64", range(min = 0, max = 1e7))]
    pub storage_mw: NonNeg,
    /// Battery energy, MWh; with `storage_mw` or neither. Default: 0.
    #[serde(default)]
    #[schemars(with = "f64", range(min = 0, max = 1e9))]
    pub storage_mwh: NonNeg,
    /// Battery round-trip efficiency, 0.01–1. Default: 0.85.
    #[serde(default = "d_rte")]
    pub storage_round_trip_efficiency: RoundTrip,
    /// Whether batteries also trade on the region's merit order:
    /// discharge to displace its own generation dearer than what their
    /// energy cost (plus wear), and charge from paid generation only when
    /// the dearest price of the last day would repay it, except the energy
    /// yesterday's shortfalls took, which they keep and refill from
    /// anything under the charging cap. `false`: they discharge only to
    /// cover a shortfall. Either way they charge from the region's own
    /// spare generation first, then from neighbours' over links with
    /// headroom. Default: true.
    #[serde(default = "d_true")]
    pub storage_arbitrage: bool,
    /// Wear cost of cycling the batteries, USD per MWh discharged, 0–100,000
    /// (arbitrage only). Default: 0.
    #[serde(default)]
    pub storage_wear_cost_usd_per_mwh: MarginalCost,
    /// Share of the battery energy kept for shortfalls, 0–1: arbitrage
    /// discharges only the energy above it. Default: 0.
    #[serde(default)]
    pub storage_reserve_share: Fraction,
    /// Hours of storage (energy ÷ power) of the batteries that programmes,
    /// grid projects and an adequacy response build in the region, in
    /// (0, 10,000]: for a region whose storage holds pumped storage beside
    /// its batteries (one store a region), so that new batteries are built
    /// at the batteries' hours, not at the blend's. Default: the region's
    /// own hours, `storage_mwh ÷ storage_mw` (4 h without storage).
    #[serde(default)]
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0), range(max = 10000))]
    pub storage_build_hours: Option<BuildHours>,
    /// Rate at which new grid connections are approved, MW/yr (> 0: the
    /// queue divides by it). Default: 10,000.
    #[serde(default = "d_approval")]
    pub interconnection_mw_per_year: ApprovalRate,
}

fn d_true() -> bool {
    true
}
fn zero_series() -> Series {
    Series::Constant(0.0)
}
fn d_household() -> Fraction {
    Fraction(0.30)
}
fn d_daily() -> Fraction {
    Fraction(0.15)
}
fn d_peak_hour() -> HourOfDay {
    HourOfDay(19.0)
}
fn d_seasonal() -> Fraction {
    Fraction(0.10)
}
fn d_peak_day() -> DayOfYear {
    DayOfYear(196.0)
}
fn d_semiannual_peak_day() -> DayOfYear {
    DayOfYear(energy_grid::DEFAULT_SEMIANNUAL_PEAK_DAY)
}
fn d_rte() -> RoundTrip {
    RoundTrip(0.85)
}
fn d_approval() -> ApprovalRate {
    ApprovalRate(10_000.0)
}

/// A plant group: one technology in one region. Optional fields default to
/// the technology's typical values (see `docs/calibration.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Plant")]
pub struct PlantData {
    /// Unique plant-group name. Not `<region>-<technology>-build` (e.g.
    /// `north-wind-build`) for a region and technology a grid project or
    /// programme builds where the region has no group of it: the grid
    /// names the group it creates for that build-out so.
    pub name: String,
    /// Region it is in.
    pub region: String,
    /// Technology; not `Battery` (batteries are a region's storage).
    pub technology: TechnologyData,
    /// Installed capacity, MW. With forced outages or maintenance, at most 10⁶ units:
    /// `installed_mw / unit_size_mw ≤ 1,000,000`.
    #[schemars(with = "f64", range(min = 0, max = 1e7))]
    pub installed_mw: NonNeg,
    /// Mean availability of wind, solar or hydro, fraction of installed MW:
    /// in (0, 0.45) for solar, in (0, 1) for wind and hydro; coal, gas and
    /// nuclear take none (they lose capacity through forced outages).
    #[serde(default)]
    pub capacity_factor: Option<Fraction>,
    /// Hours a wind or hydro group's weather state is held, in (0, 8784]:
    /// its availability is constant within each window of this length
    /// counted from 00:00 of the start date and moves once a window, with
    /// the same correlation per hour (see `docs/model/energy-grid.md`,
    /// "Weather"). A hold no longer than `dispatch_interval_hours` is one
    /// state a dispatch step. Default: 24 for hydro (inflows change over
    /// days), one state a dispatch step for wind; solar and firm plants
    /// take none.
    #[serde(default)]
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0), range(max = 8784))]
    pub weather_hold_hours: Option<Positive>,
    /// Marginal cost, USD/MWh.
    #[serde(default)]
    pub marginal_cost_usd_per_mwh: Option<MarginalCost>,
    /// Emissions, tCO2/MWh.
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 10))]
    pub emissions_t_per_mwh: Option<NonNeg>,
    /// Size of one unit (the granularity of forced outages and planned
    /// maintenance), MW; coal, gas and nuclear only (refused on wind, solar
    /// and hydro, which have no units); checked when the group has forced outages or
    /// `maintenance`. Such a group has at most 10⁶
    /// units, from its installed capacity (`installed_mw / unit_size_mw ≤
    /// 1,000,000`), with every `grid_projects` entry of its technology and
    /// region completed, and with what `programmes` add to it within the
    /// horizon; units of 10 MW or more never reach the limit (installed
    /// capacity stops at 10⁷ MW).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0.001, max = 1e7))]
    pub unit_size_mw: Option<Positive>,
    /// Forced outages per unit per year; coal, gas and nuclear only (wind,
    /// solar and hydro lose capacity through their availability instead).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 1e4))]
    pub failures_per_unit_year: Option<NonNeg>,
    /// Repair time of a forced outage, days (a stochastic process whose
    /// values are all ≥ 0: not `Normal` with `sd > 0`; mean at most 3,650
    /// days, as for a fab's tools); coal, gas and nuclear only.
    #[serde(default)]
    #[schemars(with = "Option<crate::reference::DistSchema>")]
    pub repair_days: Option<Dist>,
    /// Day the group (or `retire_mw` of it) leaves the fleet, e.g. a coal
    /// phase-out; a date at or before the scenario start retires it at the
    /// start, before the first sample and the first dispatch. Default: never.
    #[serde(default, deserialize_with = "crate::dates::de_opt_date")]
    pub retire_date: Option<NaiveDate>,
    /// Capacity that leaves on `retire_date`, MW (firm groups lose whole
    /// units, running ones first). Default: all the group has on that date,
    /// build-out included (but not build-out arriving at that same instant,
    /// which comes after the retirement).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0.000001, max = 1e7))]
    pub retire_mw: Option<Positive>,
    /// Planned maintenance (refuelling, overhauls) of a coal, gas or nuclear
    /// group: each unit (of `unit_size_mw`) is out for one outage of `days`
    /// every `every_months`, scheduled by the grid, staggered, inside the
    /// allowed `months`. Default: none.
    #[serde(default)]
    pub maintenance: Option<MaintenanceData>,
    /// Must-run share, in [0, 1]: the part of the group's available MW each
    /// dispatch step (after forced outages, maintenance, weather and
    /// droughts) that runs whatever its cost, as heat-led CHP and contracted
    /// running hours keep gas and coal on. The floor sets no price, spills
    /// wind and solar that demand cannot take beside it, and backs down pro
    /// rata where a region's floors exceed its demand (see
    /// `docs/model/energy-grid.md`, "Must-run"). Default: 0 (merit order alone).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    pub must_run_fraction: Option<Fraction>,
    /// Hydro only: the reservoir behind the turbines, in hours of installed
    /// MW, in [0, 10,000]. The weather (and droughts) is then the inflow
    /// and `installed_mw` the turbines' limit: water the dispatch does not
    /// use stays in the reservoir, up to `reservoir_hours × installed_mw`
    /// MWh, and runs later; the rest spills (`energy.hydro_spill_mwh`). It
    /// starts full. Each day it runs its inflow (and its water above half
    /// full) where yesterday's residual demand was highest, holding the
    /// rest back, and releases what it holds where the grid would
    /// otherwise shed load (see `docs/model/energy-grid.md`,
    /// "Reservoirs"). Not with `must_run_fraction`. Default: 0 (no
    /// reservoir: the inflow is available as it comes, and what the
    /// dispatch leaves of it spills).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0, max = 10000))]
    pub reservoir_hours: Option<ReservoirHours>,
}

/// Planned maintenance of a plant group's units (see
/// `docs/model/energy-grid.md`, "Planned maintenance").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Maintenance")]
pub struct MaintenanceData {
    /// Length of one planned outage of a unit, days, 1–365 (e.g. 35 for a
    /// refuelling outage); it must fit in every run of consecutive allowed
    /// months.
    #[schemars(with = "f64", range(min = 1, max = 365))]
    pub days: f64,
    /// Months between two planned outages of one unit, 1–120 (18 for an
    /// 18-month refuelling cycle; 12 for a yearly overhaul). A unit is out
    /// `days / (every_months × 30.44)` of the time.
    #[schemars(with = "f64", range(min = 1, max = 120))]
    pub every_months: f64,
    /// Calendar months (1 = January … 12 = December) in which planned
    /// outages may lie, each at most once. Default: the region's shoulder
    /// months, those whose middle lies 45–135 days from its seasonal demand
    /// peak (`peak_day_of_year`): March–May and September–November for the
    /// default mid-July peak.
    #[serde(default)]
    #[schemars(with = "Option<Vec<MonthNumber>>")]
    pub months: Option<Vec<u32>>,
}

/// A calendar month, 1 (January) to 12 (December): the schema of `months`.
#[derive(schemars::JsonSchema)]
#[schemars(transparent, inline)]
#[allow(dead_code)]
struct MonthNumber(#[schemars(range(min = 1, max = 12))] u32);

/// A transmission link (usable both ways).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Link")]
pub struct LinkData {
    /// Unique link name.
    pub name: String,
    /// One end (a region).
    pub from: String,
    /// Other end (a region other than `from`).
    pub to: String,
    /// Transfer limit, MW.
    #[schemars(with = "f64", range(min = 0, max = 1e7))]
    pub capacity_mw: NonNeg,
    /// Share of the power sent that is lost. Default: 0.03.
    #[serde(default = "d_loss")]
    pub loss_fraction: LossFraction,
}

fn d_loss() -> LossFraction {
    LossFraction(0.03)
}

/// A generation construction project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "GridProject")]
pub struct GridProjectData {
    /// Unique project name.
    pub name: String,
    /// Region it is built in.
    pub region: String,
    /// Technology.
    pub technology: TechnologyData,
    /// Capacity added on completion, MW. Counted as completed against the
    /// unit limit of the group it joins (see `unit_size_mw` of `Plant`).
    #[schemars(with = "f64", range(min = 0.000001, max = 1e7))]
    pub mw: NonNeg,
    /// Construction start. May be before the scenario start: the project is
    /// then still being built at the start, so a random lead time is drawn
    /// conditioned on outlasting the years already spent (any distribution;
    /// at least 10⁻⁶ of its probability must lie beyond them), and the
    /// project completes on its real date, start + lead time. A fixed
    /// (`Const`) lead time that has run out completes at the scenario start.
    /// If cancelled, it is abandoned at a uniform point of what is left.
    #[serde(deserialize_with = "crate::dates::de_date")]
    pub start: NaiveDate,
    /// Construction time, years of 365.25 days (a stochastic process whose
    /// values are all ≥ 0: not `Normal` with `sd > 0`; mean at most 50
    /// years, as for a fab project): a one-year project started on
    /// 2025-01-01 completes on 2026-01-01 at 06:00 (one started on
    /// 2028-01-01, in a leap year, on 2028-12-31 at 06:00).
    #[schemars(with = "crate::reference::DistSchema")]
    pub lead_time_years: Dist,
    /// Probability the project is cancelled (for one begun before the
    /// scenario start: during what is left of its construction). Default: 0.
    #[serde(default)]
    pub cancel_probability: Fraction,
}

/// A programme that adds capacity every year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Programme")]
pub struct ProgrammeData {
    /// Unique programme name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Technology.
    pub technology: TechnologyData,
    /// Additions, MW per year (number or path; every value in [0, 10⁷]),
    /// added a twelfth at a time at the start of every calendar month from
    /// the start date (the first pro rata to the month left if the start
    /// date is not the first of a month), so each calendar year gets its
    /// MW by its end. They go to the region's first plant
    /// group of the technology; a group with forced outages may not pass
    /// 10⁶ units within the horizon in any draw, counting its installed MW,
    /// its projects as completed from the earliest date they can complete,
    /// every programme feeding it, and less what its retirements surely
    /// remove by then (the scenario is refused at load otherwise: use
    /// larger units, a shorter horizon or a smaller programme).
    pub mw_per_year: Series,
}

/// A dated hydro drought.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Drought")]
pub struct DroughtData {
    /// Unique drought name.
    pub name: String,
    /// Region whose hydro it cuts: one with a `Hydro` plant group, or one
    /// where a grid project or programme builds hydro (elsewhere it would
    /// change nothing, and is refused).
    pub region: String,
    /// First day. May be before the scenario start: the drought then runs
    /// for the days it has left (none, if it is over by the start).
    #[serde(deserialize_with = "crate::dates::de_date")]
    pub start: NaiveDate,
    /// Length, days, at most 36,525 (100 years, the longest horizon: a
    /// drought that long outlasts any run).
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 36525))]
    pub days: DroughtDays,
    /// Share of hydro output lost.
    pub depth: Fraction,
}

/// Droughts that recur at random in a region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "DroughtProcess")]
pub struct DroughtProcessData {
    /// Region whose hydro it cuts (as for a dated drought: one with hydro
    /// or where hydro is built).
    pub region: String,
    /// Droughts per year.
    #[schemars(with = "f64", range(min = 0.000001, max = 365))]
    pub rate_per_year: NonNeg,
    /// Length of each, days (values all ≥ 0, mean at most 36,525: 100
    /// years, the longest horizon; a longer draw lasts 36,525 days, which
    /// outlasts any run).
    #[schemars(with = "crate::reference::DistSchema")]
    pub days: Dist,
    /// Share of hydro output lost in each (values all within [0, 1], e.g.
    /// `Beta` or `Uniform` within it).
    #[schemars(with = "crate::reference::DistSchema")]
    pub depth: Dist,
}

/// A dated capacity derate: a share of the available capacity of some
/// technologies in some regions is lost for a while, and the regions'
/// non-AI demand may rise (see `docs/model/energy-grid.md`, "Capacity
/// derates"). A weather event that takes out gas supply and frozen plant
/// equipment (Winter Storm Uri, Texas, February 2021: `[Gas, Coal,
/// Nuclear]`, with a demand factor for the heating load) and a fuel
/// shortage or rationing order (China's coal crunch of 2021: `[Coal]`) are
/// both written so. Overlapping derates multiply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Derate")]
pub struct DerateData {
    /// Unique derate name.
    pub name: String,
    /// Regions it hits (their groups of `technologies` and their non-AI
    /// demand), each once. Default: every region.
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    /// Technologies whose plant groups lose capacity, each once, at least
    /// one; not `Battery` (storage is no plant group). Every group of these
    /// technologies in the regions is hit, build-out included; at least one
    /// of the regions must have (or build) a group of one of them.
    pub technologies: Vec<TechnologyData>,
    /// First day (from midnight). May be before the scenario start: the
    /// derate then runs for the days it has left (none, if it is over by
    /// the start).
    #[serde(deserialize_with = "crate::dates::de_date")]
    pub start: NaiveDate,
    /// Length, days, at most 36,525 (100 years, the longest horizon).
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 36525))]
    pub days: DerateDays,
    /// Share of the matched groups' available capacity lost while it lasts
    /// (after forced outages, maintenance, weather and droughts), 0–1.
    pub fraction: Fraction,
    /// Multiplier of the regions' non-AI (household and industry) demand
    /// while it lasts, 0–10 (a cold snap's heating load: above 1). Default: 1.
    #[serde(default = "d_demand_factor")]
    #[schemars(with = "f64", range(min = 0, max = 10))]
    pub demand_factor: DemandFactor,
}

fn d_demand_factor() -> DemandFactor {
    DemandFactor(1.0)
}

/// The grid part of a scenario, by reference.
pub struct GridInput<'a> {
    /// Settings.
    pub grid: &'a GridData,
    /// Regions.
    pub regions: &'a [RegionData],
    /// Plants.
    pub plants: &'a [PlantData],
    /// Links.
    pub links: &'a [LinkData],
    /// Projects.
    pub projects: &'a [GridProjectData],
    /// Programmes.
    pub programmes: &'a [ProgrammeData],
    /// Droughts.
    pub droughts: &'a [DroughtData],
    /// Capacity derates.
    pub derates: &'a [DerateData],
    /// Adequacy responses.
    pub adequacy: &'a [super::adequacy::AdequacyData],
}

/// Builds the grid configuration, checking every reference.
pub fn to_config(ctx: &Ctx, g: &GridInput<'_>) -> Result<GridConfig, ScenarioError> {
    let region_names: Vec<&str> = g.regions.iter().map(|r| r.name.as_str()).collect();
    let mut cfg = GridConfig::new(ctx.calendar);
    let interval = Duration::from_secs_f64(g.grid.dispatch_interval_hours.get() * 3600.0)
        .filter(|d| d.secs() >= 60 && d.secs() <= 86_400)
        .ok_or_else(|| {
            ScenarioError::new(
                &ctx.file,
                "grid.dispatch_interval_hours",
                "must be between 1 minute and 24 hours",
            )
        })?;
    cfg.dispatch_interval = interval;
    cfg.curtailment_order = g.grid.curtailment_order.iter().map(|c| (*c).into()).collect();
    cfg.scarcity_price_usd_per_mwh = g.grid.scarcity_price_usd_per_mwh.get();
    cfg.economic_trade = g.grid.economic_trade;
    cfg.demand_noise_hours = g.grid.demand_noise_hours.get();
    cfg.demand_noise_shared_share = g.grid.demand_noise_shared_share.get();
    for r in g.regions {
        let mut rc = RegionConfig::new(&r.name, r.demand_avg_mw.get());
        rc.demand.growth_per_year = r.demand_growth_per_year.to_time_path(&ctx.calendar);
        rc.demand.household_share = r.household_share.get();
        rc.demand.daily_amplitude = r.daily_amplitude.get();
        rc.demand.peak_hour = r.peak_hour.get();
        rc.demand.seasonal_amplitude = r.seasonal_amplitude.get();
        rc.demand.peak_day_of_year = r.peak_day_of_year.get();
        rc.demand.semiannual_amplitude = r.semiannual_amplitude.get();
        rc.demand.semiannual_peak_day_of_year = r.semiannual_peak_day_of_year.get();
        rc.demand.noise_sd = r.demand_noise_sd.get();
        rc.storage = StorageConfig::batteries(r.storage_mw.get(), r.storage_mwh.get());
        rc.storage.round_trip_efficiency = r.storage_round_trip_efficiency.get();
        rc.storage.arbitrage = r.storage_arbitrage;
        rc.storage.wear_cost_usd_per_mwh = r.storage_wear_cost_usd_per_mwh.get();
        rc.storage.reserve_fraction = r.storage_reserve_share.get();
        rc.storage.build_hours = r.storage_build_hours.map(BuildHours::get);
        rc.interconnection_approval_mw_per_year = r.interconnection_mw_per_year.get();
        rc.utc_offset_hours = r.utc_offset_hours.get();
        cfg.regions.push(rc);
    }
    for p in g.plants {
        ctx.check_ref(
            ("plants", &p.name, "region"),
            &p.region,
            "region",
            region_names.iter().copied(),
        )?;
        let mut pc = PlantGroupConfig::typical(&p.name, p.technology.into(), p.installed_mw.get());
        if let Some(cf) = p.capacity_factor {
            match &mut pc.availability {
                Availability::Solar { capacity_factor, .. }
                | Availability::Weather { capacity_factor, .. } => *capacity_factor = cf.get(),
                Availability::Firm => {
                    return Err(ctx.err(
                        "plants",
                        &p.name,
                        "capacity_factor",
                        "only wind, solar and hydro take a capacity factor; firm plants lose capacity through forced outages",
                    ));
                }
            }
        }
        if let Some(h) = p.weather_hold_hours {
            match &mut pc.availability {
                Availability::Weather { hold_hours, .. } => *hold_hours = Some(h.get()),
                Availability::Solar { .. } | Availability::Firm => {
                    return Err(ctx.err(
                        "plants",
                        &p.name,
                        "weather_hold_hours",
                        "only wind and hydro have a weather state to hold; solar follows its daily shape and coal, gas and nuclear have none",
                    ));
                }
            }
        }
        // Forced outages take whole units of firm plants; wind, solar and
        // hydro lose capacity through their availability instead, so these
        // fields would have no effect on them.
        if !matches!(pc.availability, Availability::Firm) {
            let written = [
                ("failures_per_unit_year", p.failures_per_unit_year.is_some()),
                ("repair_days", p.repair_days.is_some()),
                ("unit_size_mw", p.unit_size_mw.is_some()),
            ];
            if let Some((field, _)) = written.iter().find(|(_, w)| *w) {
                return Err(ctx.err(
                    "plants",
                    &p.name,
                    field,
                    "only coal, gas and nuclear plants have forced outages (units that fail and are repaired); \
                     wind, solar and hydro lose capacity through their availability (capacity factor, weather, droughts)",
                ));
            }
        }
        if let Some(v) = p.marginal_cost_usd_per_mwh {
            pc.marginal_cost_usd_per_mwh = v.get();
        }
        if let Some(v) = p.emissions_t_per_mwh {
            pc.emissions_t_per_mwh = v.get();
        }
        if let Some(v) = p.unit_size_mw {
            pc.unit_size_mw = v.get();
        }
        if let Some(v) = p.failures_per_unit_year {
            pc.failure_rate_per_year = v.get();
        }
        if let Some(v) = p.must_run_fraction {
            pc.must_run_fraction = v.get();
        }
        if let Some(h) = p.reservoir_hours {
            if pc.technology != Technology::Hydro {
                return Err(ctx.err(
                    "plants",
                    &p.name,
                    "reservoir_hours",
                    "only hydro has a reservoir; sun and wind cannot be stored behind a dam, and coal, gas and nuclear burn fuel when dispatched",
                ));
            }
            pc.reservoir_hours = h.get();
        }
        if let Some(d) = &p.repair_days {
            pc.repair_time_days = d.clone();
        }
        pc.maintenance = p.maintenance.as_ref().map(|m| MaintenanceConfig {
            days: m.days,
            every_months: m.every_months,
            months: m.months.clone(),
        });
        match (p.retire_date, p.retire_mw) {
            (Some(date), mw) => cfg.retirements.push(RetirementConfig {
                name: p.name.clone(),
                group: p.name.clone(),
                // No amount: all there is then (installed capacity never exceeds MAX_MW).
                mw: mw.map_or(energy_grid::MAX_MW, |m| m.get()),
                at: ctx.at(date),
            }),
            (None, Some(_)) => {
                return Err(ctx.err(
                    "plants",
                    &p.name,
                    "retire_mw",
                    "needs `retire_date`: the day the capacity leaves",
                ));
            }
            (None, None) => {}
        }
        let region = cfg.regions.iter_mut().find(|r| r.name == p.region);
        if let Some(region) = region {
            region.fleet.push(pc);
        }
    }
    for l in g.links {
        ctx.check_ref(
            ("links", &l.name, "from"),
            &l.from,
            "region",
            region_names.iter().copied(),
        )?;
        ctx.check_ref(
            ("links", &l.name, "to"),
            &l.to,
            "region",
            region_names.iter().copied(),
        )?;
        let mut lc = LinkConfig::new(&l.from, &l.to, l.capacity_mw.get());
        lc.loss_fraction = l.loss_fraction.get();
        cfg.links.push(lc);
    }
    for p in g.projects {
        ctx.check_ref(
            ("grid_projects", &p.name, "region"),
            &p.region,
            "region",
            region_names.iter().copied(),
        )?;
        cfg.projects.push(ProjectConfig {
            name: p.name.clone(),
            technology: p.technology.into(),
            region: p.region.clone(),
            mw: p.mw.get(),
            start: ctx.at(p.start),
            lead_time_years: p.lead_time_years.clone(),
            cancellation_probability: p.cancel_probability.get(),
            years_spent_at_start: ctx.project_years_spent(Some(p.start)),
        });
    }
    for p in g.programmes {
        ctx.check_ref(
            ("programmes", &p.name, "region"),
            &p.region,
            "region",
            region_names.iter().copied(),
        )?;
        cfg.programmes.push(ProgrammeConfig {
            name: p.name.clone(),
            technology: p.technology.into(),
            region: p.region.clone(),
            mw_per_year: p.mw_per_year.to_time_path(&ctx.calendar),
        });
    }
    for d in g.droughts {
        ctx.check_ref(
            ("droughts", &d.name, "region"),
            &d.region,
            "region",
            region_names.iter().copied(),
        )?;
        // A drought begun before the start runs for what is left of it;
        // one over by the start has no effect.
        let days_left = d.days.get() - ctx.before_start(d.start).unwrap_or(0.0) / 86_400.0;
        if days_left <= 0.0 {
            continue;
        }
        cfg.droughts.push(DroughtConfig {
            region: d.region.clone(),
            start: ctx.at(d.start),
            duration: Duration::from_days_f64(days_left)
                .ok_or_else(|| ctx.err("droughts", &d.name, "days", "too long"))?,
            depth_fraction: d.depth.get(),
        });
    }
    for d in g.derates {
        let mut regions = Vec::new();
        for (i, r) in d.regions.iter().flatten().enumerate() {
            ctx.check_ref(
                ("derates", &d.name, &format!("regions[{i}]")),
                r,
                "region",
                region_names.iter().copied(),
            )?;
            if regions.contains(r) {
                return Err(ctx.err(
                    "derates",
                    &d.name,
                    &format!("regions[{i}]"),
                    format!("names region `{r}` twice: list each region once"),
                ));
            }
            regions.push(r.clone());
        }
        if d.regions.as_ref().is_some_and(Vec::is_empty) {
            return Err(ctx.err(
                "derates",
                &d.name,
                "regions",
                "is empty, so the derate hits nothing: name at least one region, or leave `regions` out for every region",
            ));
        }
        let mut technologies: Vec<Technology> = Vec::new();
        for (i, t) in d.technologies.iter().enumerate() {
            let t = Technology::from(*t);
            let why = if t == Technology::Battery {
                Some(
                    "`Battery` is a region's storage, not a plant group: a derate takes capacity from plant groups",
                )
            } else if technologies.contains(&t) {
                Some("a technology named twice: list each once")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(ctx.err("derates", &d.name, &format!("technologies[{i}]"), why));
            }
            technologies.push(t);
        }
        if technologies.is_empty() {
            return Err(ctx
                .err(
                    "derates",
                    &d.name,
                    "technologies",
                    "is empty, so the derate takes nothing: name at least one technology",
                )
                .hint("e.g. `technologies: [Gas, Coal]`"));
        }
        // A derate begun before the start runs for what is left of it;
        // one over by the start has no effect.
        let days_left = d.days.get() - ctx.before_start(d.start).unwrap_or(0.0) / 86_400.0;
        if days_left <= 0.0 {
            continue;
        }
        cfg.derates.push(DerateConfig {
            name: d.name.clone(),
            regions,
            technologies,
            start: ctx.at(d.start),
            duration: Duration::from_days_f64(days_left)
                .ok_or_else(|| ctx.err("derates", &d.name, "days", "too long"))?,
            fraction: d.fraction.get(),
            demand_factor: d.demand_factor.get(),
        });
    }
    cfg.adequacy = super::adequacy::to_configs(ctx, g.adequacy, &region_names)?;
    for (i, d) in g.grid.drought_processes.iter().enumerate() {
        if let Some(first) = g.grid.drought_processes[..i]
            .iter()
            .position(|p| p.region == d.region)
        {
            return Err(ctx.err(
                "grid",
                &format!("drought_processes[{i}]"),
                "region",
                format!(
                    "region `{}` already has a drought process (`grid.drought_processes[{first}]`); \
                     a region has one, with its rate, length and depth: keep one entry per region",
                    d.region
                ),
            ));
        }
        ctx.check_ref(
            ("grid", &format!("drought_processes[{i}]"), "region"),
            &d.region,
            "region",
            region_names.iter().copied(),
        )?;
        cfg.drought_processes.push(DroughtProcessConfig {
            region: d.region.clone(),
            rate_per_year: d.rate_per_year.get(),
            duration_days: d.days.clone(),
            depth_fraction: d.depth.clone(),
        });
    }
    Ok(cfg)
}
