//! Scenario entities of model training, and their conversion into
//! [`model_training::TrainingConfig`]. Defaults are the training domain's own
//! (`LabConfig::new`, `SiteConfig::new`, `InferenceConfig::default`), so the
//! numbers live in one place.

use super::Ctx;
use crate::error::ScenarioError;
use crate::schema::chips::DesignData;
use crate::series::Series;
use crate::units::{AcceleratorCount, Fraction, HalvingMonths, NonNeg, Positive, RateRatio};
use chrono::{NaiveDate, NaiveTime};
use model_training::{ChipBatch, InferenceConfig, LabConfig, SiteConfig, TrainingConfig};
use scheduler::{Dist, Duration, SimTime};
use serde::{Deserialize, Serialize};

fn lab_default() -> LabConfig {
    LabConfig::new("", &[])
}
fn site_default() -> SiteConfig {
    SiteConfig::new("")
}

/// A site where a lab (or an other buyer, `chips.other_buyers`) runs
/// accelerators: a grid region and its datacenter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Site")]
pub struct SiteData {
    /// Grid region of the datacenter.
    pub region: String,
    /// Power usage effectiveness: facility power ÷ IT power. Default: 1.2.
    #[serde(default = "d_pue")]
    #[schemars(with = "f64", range(min = 1, max = 5))]
    pub pue: Positive,
    /// Server and network power per accelerator, W, on top of the chip's own. Default: 700.
    #[serde(default = "d_overhead")]
    #[schemars(with = "f64", range(min = 0, max = 1e5))]
    pub overhead_w_per_chip: NonNeg,
    /// Grid connection at the start, MW of facility power. Default: 0.
    #[serde(default)]
    #[schemars(with = "f64", range(min = 0, max = 1e7))]
    pub connected_mw: NonNeg,
    /// Extra connection requested beyond need, as a share of it. A site asks for
    /// at most 10⁷ MW of connection in all, the most the grid connects to one
    /// load; chips past it are never powered. Default: 0.5.
    #[serde(default = "d_headroom")]
    #[schemars(with = "f64", range(min = 0, max = 100))]
    pub connection_headroom_share: NonNeg,
}

impl SiteData {
    /// The training domain's configuration of this site.
    pub fn to_site_config(&self) -> SiteConfig {
        let mut sc = SiteConfig::new(self.region.as_str());
        sc.pue = self.pue.get();
        sc.overhead_w_per_chip = self.overhead_w_per_chip.get();
        sc.initial_connection_mw = self.connected_mw.get();
        sc.connection_headroom_share = self.connection_headroom_share.get();
        sc
    }

    /// A site in `region` with every other field at its default.
    pub fn in_region(region: &str) -> SiteData {
        SiteData {
            region: region.to_string(),
            pue: d_pue(),
            overhead_w_per_chip: d_overhead(),
            connected_mw: NonNeg(0.0),
            connection_headroom_share: d_headroom(),
        }
    }
}

fn d_pue() -> Positive {
    Positive(site_default().pue)
}
fn d_overhead() -> NonNeg {
    NonNeg(site_default().overhead_w_per_chip)
}
fn d_headroom() -> NonNeg {
    NonNeg(site_default().connection_headroom_share)
}

/// Accelerators a lab or other buyer owns at the start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Fleet")]
pub struct FleetData {
    /// Design (from `designs`).
    pub design: String,
    /// Number of accelerators (rounded), at most 2⁴⁰.
    #[schemars(with = "f64", range(min = 0, max = 1_099_511_627_776.0))]
    pub count: AcceleratorCount,
    /// Day these accelerators were installed, `"YYYY-MM-DD"`, on or before
    /// the scenario start (a later date is refused): they retire
    /// `ecosystem.chip_service_life_years` after it (at the first grid
    /// dispatch at or after that instant, no earlier than the second
    /// dispatch after the start), and those already that old at
    /// the start are retired at the start, never in service. Straight-line
    /// depreciation has written off the share of their price the years
    /// before the start took; the run books the rest. List entries of
    /// several vintages to spread a fleet's retirements. Default: the
    /// scenario start (new accelerators, retiring a full life after it).
    #[serde(default, deserialize_with = "crate::dates::de_opt_date")]
    pub installed: Option<NaiveDate>,
}

impl FleetData {
    /// The accelerators of `fleet` (of the entity `at`: list, name and
    /// field, for errors) as batches of their designs; a design not in
    /// `designs` is an error located at the entry.
    pub fn batches(
        ctx: &Ctx,
        at: (&str, &str, &str),
        fleet: &[FleetData],
        designs: &[DesignData],
    ) -> Result<Vec<ChipBatch>, ScenarioError> {
        let mut batches = Vec::with_capacity(fleet.len());
        for (i, f) in fleet.iter().enumerate() {
            let names = designs.iter().map(|d| d.name.as_str());
            let (list, name, field) = at;
            ctx.check_ref(
                (list, name, &format!("{field}[{i}].design")),
                &f.design,
                "design",
                names,
            )?;
            if let Some(d) = designs.iter().find(|d| d.name == f.design) {
                batches.push(ChipBatch {
                    design: d.name.clone(),
                    count: f.count.get().round() as u64,
                    peak_flop_s_per_chip: d.peak_flop_s.get(),
                    power_w_per_chip: d.power_w.get(),
                    unit_price_usd: d.unit_price_usd.get(),
                    age: f.age_at_start(ctx, at, i)?,
                });
            }
        }
        Ok(batches)
    }

    /// How long before the scenario start these accelerators were
    /// installed (zero without `installed`); a date after the start is an
    /// error located at entry `i`'s `installed` field of the entity `at`.
    fn age_at_start(
        &self,
        ctx: &Ctx,
        (list, name, field): (&str, &str, &str),
        i: usize,
    ) -> Result<Duration, ScenarioError> {
        let Some(date) = self.installed else {
            return Ok(Duration::ZERO);
        };
        let start = ctx.calendar.start_date();
        if date > start {
            return Err(ctx
                .err(
                    list,
                    name,
                    &format!("{field}[{i}].installed"),
                    format!(
                        "accelerators owned at the start cannot have been installed after it: \
                         {date} is after the scenario start {start}"
                    ),
                )
                .hint(format!(
                    "give a date on or before {start}, or leave `installed` out (they are then new at the start)"
                )));
        }
        // Whole seconds from the day's midnight to the start instant.
        let start_at = ctx.calendar.datetime(SimTime::ZERO);
        let secs = start_at.map_or(0, |s| (s - date.and_time(NaiveTime::MIN)).num_seconds().max(0));
        Ok(Duration(secs as u64))
    }
}

/// An AI lab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Lab")]
pub struct LabData {
    /// Unique lab name.
    pub name: String,
    /// Share of releases published as open weights, 0–1. Default: 1.
    #[serde(default = "d_open")]
    pub open_share: Fraction,
    /// The lab's target run size at the start date, physical FLOP, in [1, 10⁴⁰]; it
    /// grows by `compute_growth_per_year` (a run started later aims higher, and a
    /// lab short of compute may run smaller). Default: 3.3e24.
    #[serde(default = "d_target")]
    pub initial_target_run_flop: Positive,
    /// Growth of the target run size, a multiplier per year (3 = ×3 a year), 1–1,000. Default: 3.
    #[serde(default = "d_growth")]
    #[schemars(with = "f64", range(min = 1, max = 1000))]
    pub compute_growth_per_year: NonNeg,
    /// Months between releases (a stochastic process, drawn per run): each run is
    /// planned to last this long (capped at `max_run_duration_days`), paced over it
    /// and released no earlier, later if compute falls short. With
    /// `pretraining_months`, the time between releases only. Default:
    /// `Triangular(low: 2, mode: 3, high: 4)`.
    #[serde(default = "d_cadence")]
    #[schemars(with = "crate::reference::DistSchema")]
    pub release_cadence_months: Dist,
    /// Months a pre-training run is planned to last (a stochastic process,
    /// drawn per run; capped at `max_run_duration_days`), apart from the
    /// release cadence: runs follow each other on this length, each
    /// released as a base when it ends, and between two of them the lab
    /// releases a post-trained version of its latest base every
    /// `release_cadence_months` (its capability: the base's physical FLOP
    /// at the lab's efficiency on the day). Default: none (each release is
    /// a run lasting a cadence draw).
    #[serde(default)]
    #[schemars(with = "Option<crate::reference::DistSchema>")]
    pub pretraining_months: Option<Dist>,
    /// Budget for accelerators and electricity, USD per year (number or
    /// path, every value ≥ 0): each month's twelfth pays last month's power
    /// bill first and buys accelerators with the rest, and caps the power
    /// the lab draws to what it can pay for (with 0 it draws no power and
    /// trains nothing). Over a run, spend stays within the budget plus one
    /// month's budget.
    /// Default: 1e9.
    #[serde(default = "d_budget")]
    pub budget_usd_per_year: Series,
    /// Sites where it can build clusters: at least one, each region at most
    /// once. Default: one site in the first region, with every site field
    /// at its default (so no grid connection at the start).
    #[serde(default)]
    pub sites: Option<Vec<SiteData>>,
    /// Accelerators owned at the start. Each entry (oldest `installed`
    /// first) fills the unused `connected_mw` of the lab's sites in their
    /// order; what no connection runs goes to the first site, which asks
    /// the grid for more. Each retires a service life after its
    /// `installed` date.
    #[serde(default)]
    pub fleet: Vec<FleetData>,
    /// Model FLOP utilisation of training runs, fraction. Default: 0.375.
    #[serde(default = "d_mfu")]
    #[schemars(with = "f64", range(min = 0.000001, max = 1))]
    pub mfu: Fraction,
    /// Longest a training run is planned to last, days (at most 100 years): caps the
    /// duration drawn from `release_cadence_months` (or `pretraining_months`). Default: 180.
    #[serde(default = "d_max_days")]
    #[schemars(with = "f64", range(min = 1, max = 36_525))]
    pub max_run_duration_days: Positive,
    /// The most accelerators one training run can use, chips (number or
    /// path, every value ≥ 1): the largest cluster the lab can train one
    /// synchronous job on. The lab's other training chips do other work
    /// (experiments, smaller runs): powered and billed, outside the run and
    /// its failures. Default: none (a run uses every training chip).
    #[serde(default)]
    pub max_chips_per_run: Option<Series>,
    /// Hours between checkpoints, from 1 second (1/3600 h) to 100,000 h.
    /// Default: 1/3 (20 minutes).
    #[serde(default = "d_ckpt")]
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1e5))]
    pub checkpoint_interval_hours: Positive,
    /// Failures per accelerator per hour that interrupt a run. Default: 2e-5.
    #[serde(default = "d_fail")]
    #[schemars(with = "f64", range(min = 0, max = 1))]
    pub chip_failure_rate_per_hour: NonNeg,
    /// Hours lost restarting after a failure. Default: 1/6 (10 minutes).
    #[serde(default = "d_restart")]
    #[schemars(with = "f64", range(min = 0, max = 1e4))]
    pub restart_overhead_hours: NonNeg,
    /// Months for this lab's algorithmic progress to halve the compute a
    /// capability needs, written only to set the lab apart from the world:
    /// the lab then no longer follows `ecosystem.algorithmic_halving_months`
    /// (nor a draw of it), so a lab deviation is better written as
    /// `efficiency_rate_ratio`; not with it. Default: the world's,
    /// `ecosystem.algorithmic_halving_months` ÷ `efficiency_rate_ratio`.
    /// The multiplier it grows may reach at most 10²⁰⁰ by the end of the run:
    /// `log2(initial_efficiency_multiplier) + 12 × years / efficiency_halving_months`
    /// must stay at most 664.4 (from a multiplier of 1 over 30 years, at least
    /// 0.54 months); with spillovers on, for the highest initial multiplier and
    /// the shortest halving time of all labs (docs/model/model-training.md).
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0.1, max = 1e4))]
    pub efficiency_halving_months: Option<Positive>,
    /// The lab's rate of algorithmic progress relative to the world's, in
    /// [0.1, 10]: its halving time is `ecosystem.algorithmic_halving_months`
    /// ÷ this (2 = twice as fast, 0.5 half as fast), so a draw of the world's
    /// rate moves the lab with the frontier and every other lab, and the
    /// lab's own deviation is this separate factor (which may be drawn too).
    /// Not with `efficiency_halving_months`. Default: 1.
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0.1, max = 10))]
    pub efficiency_rate_ratio: Option<RateRatio>,
    /// Efficiency multiplier at the start (1 = the reference), in [10⁻³⁰, 10³⁰]. Default: 1.
    #[serde(default = "d_eff0")]
    pub initial_efficiency_multiplier: Positive,
    /// Share of the gap to an open release's efficiency this lab absorbs. Default: 0.5.
    #[serde(default = "d_catch")]
    pub spillover_catch_up_share: Fraction,
    /// Months from another lab's release to its absorption, and to its
    /// availability as a base (`open_base_share`); at most 100 years. Default: 3.
    #[serde(default = "d_delay")]
    #[schemars(with = "f64", range(min = 0, max = 1200))]
    pub spillover_delay_months: NonNeg,
    /// Share of an open base model's effective FLOP a run of this lab
    /// inherits by building on it (fine-tuning, continued pre-training), 0–1:
    /// each run starts from the open release of another lab with the most
    /// effective FLOP among those out for at least `spillover_delay_months`,
    /// and releases its own effective FLOP plus this share of the base's.
    /// Closed releases are never bases, nor any whose lineage (its lab, its
    /// base's lab, that base's base's lab, …) holds this lab: the lab's own,
    /// or another's built on them, directly or not; `ecosystem.spillovers` does
    /// not turn it off. Default: 0 (off).
    #[serde(default)]
    pub open_base_share: Fraction,
    /// Whether the lab starts a smaller run when it cannot run its target. Default: true.
    #[serde(default = "d_true")]
    pub allow_smaller_runs: bool,
    /// Smallest run it starts, as a share of the target or, if smaller, of
    /// its last run (that run's FLOP per day × the new run's days), in (0, 1];
    /// a lab that has waited as long as its cadence runs what it can. Default: 0.25.
    #[serde(default = "d_min_share")]
    #[schemars(with = "f64", extend("exclusiveMinimum" = 0), range(max = 1))]
    pub min_run_share_of_target: Fraction,
    /// Priority for accelerators when allocation is `Priority` (higher first). Default: 0.
    #[serde(default)]
    pub chip_priority: u32,
}

fn d_open() -> Fraction {
    Fraction(lab_default().open_share)
}
fn d_target() -> Positive {
    Positive(lab_default().initial_target_run_flop)
}
fn d_growth() -> NonNeg {
    NonNeg(lab_default().compute_growth_per_year)
}
fn d_cadence() -> Dist {
    lab_default().release_cadence_months
}
fn d_budget() -> Series {
    Series::Constant(lab_default().budget_usd_per_year.at(scheduler::SimTime::ZERO))
}
fn d_mfu() -> Fraction {
    Fraction(lab_default().mfu)
}
fn d_max_days() -> Positive {
    Positive(lab_default().max_run_duration_days)
}
fn d_ckpt() -> Positive {
    Positive(lab_default().checkpoint_interval_hours)
}
fn d_fail() -> NonNeg {
    NonNeg(lab_default().chip_failure_rate_per_hour)
}
fn d_restart() -> NonNeg {
    NonNeg(lab_default().restart_overhead_hours)
}
fn d_halving() -> HalvingMonths {
    HalvingMonths(lab_default().efficiency_halving_months)
}
fn d_eff0() -> Positive {
    Positive(lab_default().initial_efficiency_multiplier)
}
fn d_catch() -> Fraction {
    Fraction(lab_default().spillover_catch_up_share)
}
fn d_delay() -> NonNeg {
    NonNeg(lab_default().spillover_delay_months)
}
fn d_true() -> bool {
    true
}
fn d_min_share() -> Fraction {
    Fraction(lab_default().min_run_share_of_target)
}

/// Ecosystem-wide training settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Ecosystem")]
pub struct EcosystemData {
    /// Service life of an accelerator, years (of 8,766 hours): it retires
    /// at the grid's first dispatch at or after the end of it (no earlier
    /// than the second dispatch after its install). Default: 5.
    #[serde(default = "d_life")]
    pub chip_service_life_years: Positive,
    /// Whether open-weight releases spill efficiency to other labs. Default: true.
    #[serde(default = "d_true")]
    pub spillovers: bool,
    /// Share of a closed release's lead that spills anyway (distillation), relative to an open one. Default: 0.
    #[serde(default)]
    pub closed_release_spillover_share: Fraction,
    /// The world's algorithmic progress: months for the compute a fixed
    /// capability needs to halve, in [0.1, 10,000]. One rate shared by the
    /// world frontier (when it is written as `frontier_log10_physical_flop`)
    /// and every lab that writes no `efficiency_halving_months` (each at its
    /// `efficiency_rate_ratio`), so that one draw of it (`uncertain`) moves
    /// the frontier and all labs together. Default: 8.
    #[serde(default = "d_halving")]
    #[schemars(with = "f64", range(min = 0.1, max = 1e4))]
    pub algorithmic_halving_months: HalvingMonths,
    /// World frontier of physical training compute, log10 FLOP (number or
    /// linear path; values in [0, 100], never decreasing): the largest
    /// training run's FLOP. The frontier gaps measure against its effective
    /// compute, this plus the world's algorithmic progress since the start,
    /// `log10(2) × months / algorithmic_halving_months`. Like the effective
    /// form it is extended beyond its ends at its average slope (see Long
    /// horizons). Not with `frontier_log10_effective_flop`. Default: none.
    #[serde(default)]
    pub frontier_log10_physical_flop: Option<Series>,
    /// World frontier of effective training compute, log10 FLOP at
    /// start-date algorithms (number or path; values in [0, 100], never
    /// decreasing), with the world's algorithmic progress already in it, so
    /// that `algorithmic_halving_months` does not move it (the labs' rates
    /// it still sets); `frontier_log10_physical_flop` is the form that
    /// shares the rate. Unlike other paths it is extended beyond its ends at
    /// its average slope (see Long horizons). Not with
    /// `frontier_log10_physical_flop`. Default: none.
    #[serde(default)]
    pub frontier_log10_effective_flop: Option<Series>,
    /// Largest share of a lab's accelerators that serving its models may
    /// take: of the peak FLOP/s its sites' connections can run (chips
    /// waiting for a connection serve no one). Default: 0.3.
    #[serde(default = "d_inf_share")]
    #[schemars(with = "f64", range(min = 0, max = 0.99))]
    pub inference_max_share_of_chips: Fraction,
    /// Months for a release's inference demand to grow to most of its level. Default: 6.
    #[serde(default = "d_inf_time")]
    pub inference_adoption_months: Positive,
    /// How much faster open weights are adopted, 1–1,000,000. Default: 2.
    #[serde(default = "d_inf_speed")]
    #[schemars(with = "f64", range(min = 1, max = 1e6))]
    pub open_adoption_speedup: Positive,
}

impl Default for EcosystemData {
    fn default() -> Self {
        EcosystemData {
            chip_service_life_years: d_life(),
            spillovers: true,
            closed_release_spillover_share: Fraction(0.0),
            algorithmic_halving_months: d_halving(),
            frontier_log10_physical_flop: None,
            frontier_log10_effective_flop: None,
            inference_max_share_of_chips: d_inf_share(),
            inference_adoption_months: d_inf_time(),
            open_adoption_speedup: d_inf_speed(),
        }
    }
}

fn d_life() -> Positive {
    Positive(TrainingConfig::new(Vec::new()).chip_service_life_years)
}
fn d_inf_share() -> Fraction {
    Fraction(InferenceConfig::default().max_share_of_chips)
}
fn d_inf_time() -> Positive {
    Positive(InferenceConfig::default().adoption_time_months)
}
fn d_inf_speed() -> Positive {
    Positive(InferenceConfig::default().open_adoption_speedup)
}

/// Builds the training configuration, checking every reference.
pub fn to_config(
    ctx: &Ctx,
    labs: &[LabData],
    eco: &EcosystemData,
    designs: &[DesignData],
    regions: &[&str],
) -> Result<TrainingConfig, ScenarioError> {
    let world_halving = eco.algorithmic_halving_months.get();
    let mut out = Vec::new();
    for l in labs {
        let default_site;
        let lab_sites = match &l.sites {
            Some(written) => written.as_slice(),
            None => {
                default_site = [SiteData::in_region(regions.first().copied().unwrap_or_default())];
                &default_site[..]
            }
        };
        if lab_sites.is_empty() {
            return Err(ctx.err("labs", &l.name, "sites", "a lab needs at least one site"));
        }
        let mut sites = Vec::new();
        for (i, s) in lab_sites.iter().enumerate() {
            ctx.check_ref(
                ("labs", &l.name, &format!("sites[{i}].region")),
                &s.region,
                "region",
                regions.iter().copied(),
            )?;
            sites.push(s.to_site_config());
        }
        let fleet = FleetData::batches(ctx, ("labs", &l.name, "fleet"), &l.fleet, designs)?;
        let mut lc = LabConfig::new(l.name.as_str(), &[]);
        lc.open_share = l.open_share.get();
        lc.initial_target_run_flop = l.initial_target_run_flop.get();
        lc.compute_growth_per_year = l.compute_growth_per_year.get();
        lc.release_cadence_months = l.release_cadence_months.clone();
        lc.budget_usd_per_year = l.budget_usd_per_year.to_time_path(&ctx.calendar);
        lc.sites = sites;
        lc.initial_accelerators = fleet;
        lc.mfu = l.mfu.get();
        lc.max_run_duration_days = l.max_run_duration_days.get();
        lc.max_chips_per_run = l
            .max_chips_per_run
            .as_ref()
            .map(|s| s.to_time_path(&ctx.calendar));
        lc.pretraining_months = l.pretraining_months.clone();
        lc.checkpoint_interval_hours = l.checkpoint_interval_hours.get();
        lc.chip_failure_rate_per_hour = l.chip_failure_rate_per_hour.get();
        lc.restart_overhead_hours = l.restart_overhead_hours.get();
        lc.efficiency_halving_months = lab_halving_months(ctx, l, world_halving)?;
        lc.initial_efficiency_multiplier = l.initial_efficiency_multiplier.get();
        lc.spillover_catch_up_share = l.spillover_catch_up_share.get();
        lc.spillover_delay_months = l.spillover_delay_months.get();
        lc.open_base_share = l.open_base_share.get();
        lc.allow_smaller_runs = l.allow_smaller_runs;
        lc.min_run_share_of_target = l.min_run_share_of_target.get();
        out.push(lc);
    }
    let mut cfg = TrainingConfig::new(out);
    cfg.chip_service_life_years = eco.chip_service_life_years.get();
    cfg.spillovers_enabled = eco.spillovers;
    cfg.closed_release_spillover_share = eco.closed_release_spillover_share.get();
    cfg.frontier_log10_effective_flop = frontier(ctx, eco)?;
    cfg.frontier_world_halving_months = eco
        .frontier_log10_physical_flop
        .as_ref()
        .map(|_| eco.algorithmic_halving_months.get());
    cfg.inference = InferenceConfig {
        max_share_of_chips: eco.inference_max_share_of_chips.get(),
        adoption_time_months: eco.inference_adoption_months.get(),
        open_adoption_speedup: eco.open_adoption_speedup.get(),
    };
    cfg.calendar = Some(ctx.calendar);
    Ok(cfg)
}

/// A lab's halving time of the compute a capability needs, months: its
/// own `efficiency_halving_months` if written, else the world's rate
/// divided by its `efficiency_rate_ratio` (1 if unwritten), so that the
/// world's rate, drawn once, moves every lab that does not override it.
/// Writing both is refused, as is a ratio outside its range.
fn lab_halving_months(ctx: &Ctx, l: &LabData, world_halving: f64) -> Result<f64, ScenarioError> {
    match (l.efficiency_halving_months, l.efficiency_rate_ratio) {
        (Some(_), Some(_)) => Err(ctx
            .err(
                "labs",
                &l.name,
                "efficiency_rate_ratio",
                "a lab takes `efficiency_halving_months` (its own rate, apart from the world's) or \
                 `efficiency_rate_ratio` (its rate relative to `ecosystem.algorithmic_halving_months`), \
                 not both",
            )
            .hint("keep `efficiency_rate_ratio` for a lab that moves with the world's rate")),
        (Some(own), None) => Ok(own.get()),
        (None, ratio) => Ok(world_halving / ratio.map_or(1.0, RateRatio::get)),
    }
}

/// The world frontier of effective compute the gaps measure against: the
/// effective path as written, or the physical path plus the world's
/// algorithmic progress ([`model_training::frontier_with_world_progress`]);
/// both written is refused, at the physical path.
fn frontier(ctx: &Ctx, eco: &EcosystemData) -> Result<Option<scheduler::TimePath>, ScenarioError> {
    let field = "ecosystem.frontier_log10_physical_flop";
    match (
        &eco.frontier_log10_effective_flop,
        &eco.frontier_log10_physical_flop,
    ) {
        (Some(_), Some(_)) => Err(ScenarioError::new(
            &ctx.file,
            field,
            "the world frontier is given twice: as `frontier_log10_effective_flop` (effective compute, \
             algorithmic progress included) and as `frontier_log10_physical_flop` (physical compute, \
             to which the world's `algorithmic_halving_months` adds it)",
        )
        .hint(
            "keep `frontier_log10_physical_flop`, so that the frontier moves with a draw of \
             `ecosystem.algorithmic_halving_months` as the labs do",
        )),
        (Some(effective), None) => Ok(Some(effective.to_time_path(&ctx.calendar))),
        (None, Some(physical)) => {
            let path = physical.to_time_path(&ctx.calendar);
            let pts = path.points();
            if pts.windows(2).any(|w| w[1].1 < w[0].1)
                || pts
                    .iter()
                    .any(|p| !(0.0..=model_training::MAX_FRONTIER_LOG10).contains(&p.1))
            {
                return Err(ScenarioError::new(
                    &ctx.file,
                    field,
                    "must be non-decreasing with values in [0, 100] (log10 FLOP)",
                ));
            }
            let halving = eco.algorithmic_halving_months.get();
            model_training::frontier_with_world_progress(&path, halving)
                .map(Some)
                .ok_or_else(|| {
                    ScenarioError::new(
                        &ctx.file,
                        field,
                        "must be a number or a linear path: the world's algorithmic progress adds a \
                         straight line to it, which a `step` path cannot hold",
                    )
                    .hint("write the points joined by straight lines (a plain list, or `(linear: [...])`)")
                })
        }
        (None, None) => Ok(None),
    }
}
