//! The validated configuration of the training domain: labs, their sites,
//! inference adoption and the world frontier, with documented defaults.
//!
//! Every default is sourced in `docs/calibration/model-training.md`.

use crate::SECS_PER_MONTH;
use crate::{ChipBatch, TrainingError};
use scheduler::math;
use scheduler::{Calendar, Dist, Num, SimTime, StepClock, TimePath};

/// Everything the training domain needs, as plain Rust. `stack` converts the
/// scenario into this; [`crate::Training::new`] validates it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingConfig {
    /// The labs, at least one, unique names.
    pub labs: Vec<LabConfig>,
    /// Years an accelerator serves before it is retired (> 0). Default 5.
    pub chip_service_life_years: f64,
    /// How released models draw chips for inference.
    pub inference: InferenceConfig,
    /// Exogenous world frontier, log10 of effective FLOP (FLOP at start-date
    /// algorithms) over time, non-decreasing. `None`: no gap is computed.
    pub frontier_log10_effective_flop: Option<TimePath>,
    /// The world's algorithmic halving time, months, whose progress the
    /// frontier path holds when it was built from a path of physical
    /// compute ([`crate::frontier_with_world_progress`]); `None` for a path
    /// written as effective compute. Only the limits read it: the path less
    /// this progress is held to the range of a written path
    /// ([`MAX_FRONTIER_LOG10`]), and the progress to the labs' multiplier
    /// limit ([`MAX_EFFICIENCY_MULTIPLIER`]), which a lab at the same rate
    /// reaches with it. Default: `None`.
    pub frontier_world_halving_months: Option<f64>,
    /// Global switch: `false` turns every spillover off (open and closed).
    pub spillovers_enabled: bool,
    /// Share of the absorber's catch-up share that a *closed* release still
    /// spills (distillation, papers, staff moves), 0..1. Default 0.
    pub closed_release_spillover_share: f64,
    /// The scenario's calendar, for per-year summary scalars; `None` skips them.
    pub calendar: Option<Calendar>,
    /// Fleets of accelerators that draw power but train nothing (buyers
    /// outside the labs that run their chips at their own sites): unique
    /// names, none a lab's. Default: none.
    pub fleets: Vec<FleetConfig>,
    /// The instants at which the power supplier reads the sites' demand (the
    /// grid's dispatches). A cohort retires at the first of them at or after
    /// the end of its service life (and no earlier than the second after its
    /// install, so that the retirement comes before that instant's read), so
    /// the supplier never books a retired accelerator's draw for part of its
    /// step (its change would otherwise wait for the next dispatch). `None`:
    /// at the end of the service life exactly. Default: `None`.
    pub power_clock: Option<StepClock>,
    /// Compute thresholds, physical FLOP of one training run, strictly
    /// increasing, each at least 1 and finite, at most
    /// [`MAX_COMPUTE_THRESHOLDS`]: for each, the summary reports the
    /// fractional calendar year the labs' largest finished run first reached
    /// it ([`compute_threshold_outcome`]; needs `calendar`). Default: none.
    pub compute_thresholds_flop: Vec<f64>,
}

/// The most compute thresholds a configuration may list: each adds a column
/// to a batch's `runs.csv`.
pub const MAX_COMPUTE_THRESHOLDS: usize = 16;

/// The summary outcome of the compute threshold `flop`:
/// `training.year_reached_<T>_flop`, `<T>` the shortest decimal exponent
/// form that reads back as the same number, a `.` written `p` so the name
/// has no dot but its first (`1e25`, `2p5e25`, `1e26`). Distinct thresholds
/// get distinct names.
pub fn compute_threshold_outcome(flop: f64) -> String {
    format!(
        "training.year_reached_{}_flop",
        format!("{flop:e}").replace('.', "p")
    )
}

/// The prefix of every lab's own scalar outcomes.
pub const LAB_OUTCOME_PREFIX: &str = "training.lab.";

/// Lab `lab`'s own version of the national scalar outcome `national`
/// (`training.<outcome>`): `training.lab.<lab>.<outcome>`, e.g.
/// `training.lab.deepseek.frontier_gap_months_end`. A lab's name has no
/// dot (1–64 letters, digits, `-` or `_`, checked at load), so the name
/// reads back unambiguously ([`lab_of_outcome`]) and never equals a
/// national outcome, whose names have no dot but the first.
pub fn lab_outcome(lab: &str, national: &str) -> String {
    let outcome = national.strip_prefix("training.").unwrap_or(national);
    format!("{LAB_OUTCOME_PREFIX}{lab}.{outcome}")
}

/// The lab and the national outcome of a per-lab outcome name
/// ([`lab_outcome`]): `training.lab.deepseek.releases_total` →
/// `("deepseek", "training.releases_total")`; `None` for any other name.
pub fn lab_of_outcome(name: &str) -> Option<(&str, String)> {
    let (lab, outcome) = name.strip_prefix(LAB_OUTCOME_PREFIX)?.split_once('.')?;
    (!lab.is_empty() && !outcome.is_empty() && !outcome.contains('.'))
        .then(|| (lab, format!("training.{outcome}")))
}

impl TrainingConfig {
    /// Whether some lab builds on other labs' open releases
    /// ([`LabConfig::open_base_share`] above 0): the metrics of inherited
    /// compute are emitted only then.
    pub fn builds_on_open_weights(&self) -> bool {
        self.labs.iter().any(|l| l.open_base_share > 0.0)
    }

    /// Whether some lab caps the chips of one run
    /// ([`LabConfig::max_chips_per_run`]): the metrics of the cap
    /// (`training.run_accelerators`, `training.limited_cluster_days`) are
    /// emitted only then.
    pub fn caps_runs(&self) -> bool {
        self.labs.iter().any(|l| l.max_chips_per_run.is_some())
    }

    /// A configuration of `labs` with every other field at its default.
    pub fn new(labs: Vec<LabConfig>) -> TrainingConfig {
        TrainingConfig {
            labs,
            chip_service_life_years: 5.0,
            inference: InferenceConfig::default(),
            frontier_log10_effective_flop: None,
            frontier_world_halving_months: None,
            spillovers_enabled: true,
            closed_release_spillover_share: 0.0,
            calendar: None,
            fleets: Vec::new(),
            power_clock: None,
            compute_thresholds_flop: Vec::new(),
        }
    }
}

/// One AI lab: its strategy, money, sites and training practice.
#[derive(Clone, Debug, PartialEq)]
pub struct LabConfig {
    /// Unique name; keys random streams and the `entity` column.
    pub name: String,
    /// Share of releases published as open weights, 0..1 (deterministic
    /// quota: after n releases, ⌊n × share⌋ were open).
    pub open_share: f64,
    /// The lab's target run size at the start of the simulation, FLOP (≥ 1).
    /// Default 3.3e24 (DeepSeek-V3).
    pub initial_target_run_flop: f64,
    /// Growth of the target run size, ×/year (≥ 1). Default 3.
    pub compute_growth_per_year: f64,
    /// Months between releases (a stochastic process, drawn once per run
    /// from `"training/cadence/<lab>"`); each run is planned to last this
    /// long, capped at `max_run_duration_days`, and is paced over it: it is
    /// released no earlier than that long after it started, later only if
    /// the lab's compute falls short (power cuts, failures, too few chips).
    /// Draws below one day count as one day. With
    /// [`LabConfig::pretraining_months`] set, it is the time between
    /// releases only, and a run's duration is drawn from that instead.
    pub release_cadence_months: Dist,
    /// Months a pre-training run is planned to last (a stochastic process,
    /// drawn once per run from `"training/pretraining/<lab>"`), capped at
    /// `max_run_duration_days`; `None` (the default): a run lasts a
    /// release-cadence draw and every release is a run, as before this
    /// field existed. With it, runs follow each other on this length and
    /// between two of them the lab releases a post-trained version of its
    /// latest base every release-cadence draw (see
    /// docs/model/model-training.md, "Pre-training and releases"). Draws
    /// below one day count as one day.
    pub pretraining_months: Option<Dist>,
    /// Budget, USD per year (≥ 0), for electricity and accelerators: each
    /// month's twelfth pays last month's electricity first (and caps the
    /// power the lab draws) and orders accelerators with the rest (see
    /// docs/model/model-training.md, "Budget and orders").
    pub budget_usd_per_year: TimePath,
    /// Where the lab can build: one site per grid region, at least one.
    pub sites: Vec<SiteConfig>,
    /// Accelerators installed at the start: each batch (oldest first, by
    /// [`ChipBatch::age`]) fills the unused connections of the lab's sites
    /// in their order, and what no connection runs goes to the first site.
    /// Each retires a service life after its installed date; a batch at
    /// least a life old is retired at the start, never installed.
    pub initial_accelerators: Vec<ChipBatch>,
    /// Model FLOP utilisation of training, 0..1 (> 0). Default 0.375.
    pub mfu: f64,
    /// Longest run the lab will plan, days (> 0): caps the planned duration
    /// drawn from the cadence. Default 180.
    pub max_run_duration_days: f64,
    /// Wall-clock time between checkpoints while running, hours (> 0). Default 1/3 (20 min).
    pub checkpoint_interval_hours: f64,
    /// The most accelerators one synchronous run can use, over time (each
    /// value ≥ 1): the largest cluster the lab can train one model on (one
    /// campus). `None` (the default): no cap, the run takes every training
    /// chip. The lab's training chips beyond the cap do other work
    /// (experiments, smaller runs) as a paced run's spare chips do: powered
    /// and billed, not in the run, unable to interrupt it (see
    /// docs/model/model-training.md, "The largest cluster").
    pub max_chips_per_run: Option<TimePath>,
    /// Failures per accelerator per hour (≥ 0; 0 turns failures off). Default 2e-5
    /// (Llama 3: 419 unexpected interruptions in 54 days on 16,384 GPUs).
    pub chip_failure_rate_per_hour: f64,
    /// Time a run is down after a failure, hours (≥ 0). Default 1/6 (10 min).
    pub restart_overhead_hours: f64,
    /// Months for the compute needed for a given capability to halve (> 0). Default 8.
    pub efficiency_halving_months: f64,
    /// The lab's algorithmic efficiency at the start, relative to the
    /// reference (> 0). Default 1.
    pub initial_efficiency_multiplier: f64,
    /// Share of the gap (in log multiplier) to a releaser that this lab
    /// closes when it absorbs an open release, 0..1. Default 0.5.
    pub spillover_catch_up_share: f64,
    /// Months from another lab's release to this lab's absorption (≥ 0). Default 3.
    /// Also when another lab's open release becomes available to build on
    /// (`open_base_share`).
    pub spillover_delay_months: f64,
    /// Share of an open base model's effective FLOP that a run of this lab
    /// inherits, 0..1: when a run starts, it builds on the open release of
    /// another lab with the most effective FLOP among those released at least
    /// `spillover_delay_months` before (fine-tuning or continued
    /// pre-training), and its release carries its own effective FLOP plus
    /// this share of the base's. Never closed releases, and never a release
    /// whose lineage (its lab, its base's lab, that base's base's lab, …)
    /// holds this lab, so never its own releases nor releases built on them
    /// through other labs; not gated by
    /// [`TrainingConfig::spillovers_enabled`]. Default 0 (off; no source
    /// gives the share, see
    /// `docs/calibration/model-training.md`).
    pub open_base_share: f64,
    /// Whether the lab starts a smaller run when its cluster cannot do the
    /// target within the planned duration (else it waits). Default true.
    pub allow_smaller_runs: bool,
    /// Smallest run the lab starts, as a share of its target, (0, 1]. Default 0.25.
    pub min_run_share_of_target: f64,
}

impl LabConfig {
    /// A lab named `name` building in `regions` (default site parameters),
    /// with every other field at its documented default: no initial
    /// accelerators and 1e9 USD/year (set both per lab).
    pub fn new(name: impl Into<String>, regions: &[&str]) -> LabConfig {
        LabConfig {
            name: name.into(),
            open_share: 1.0,
            initial_target_run_flop: 3.3e24,
            compute_growth_per_year: 3.0,
            release_cadence_months: Dist::Triangular {
                low: 2.0,
                mode: 3.0,
                high: 4.0,
            },
            budget_usd_per_year: TimePath::constant(1e9),
            sites: regions.iter().map(|r| SiteConfig::new(*r)).collect(),
            initial_accelerators: Vec::new(),
            mfu: 0.375,
            max_run_duration_days: 180.0,
            max_chips_per_run: None,
            pretraining_months: None,
            checkpoint_interval_hours: 1.0 / 3.0,
            chip_failure_rate_per_hour: 2.0e-5,
            restart_overhead_hours: 1.0 / 6.0,
            efficiency_halving_months: 8.0,
            initial_efficiency_multiplier: 1.0,
            spillover_catch_up_share: 0.5,
            spillover_delay_months: 3.0,
            open_base_share: 0.0,
            allow_smaller_runs: true,
            min_run_share_of_target: 0.25,
        }
    }
}

/// One datacenter site of a lab in a grid region.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteConfig {
    /// Grid region name (the integrator registers the site as a load there).
    pub region: String,
    /// Power usage effectiveness: facility power ÷ IT power (≥ 1). Default 1.2.
    pub pue: f64,
    /// Server and network power per accelerator on top of the chip, W (≥ 0). Default 700.
    pub overhead_w_per_chip: f64,
    /// Grid connection at the start, facility MW (≥ 0).
    pub initial_connection_mw: f64,
    /// When installed chips need more than the connection, the site asks for
    /// this much more on top of their need, as a share (≥ 0). Default 0.5.
    pub connection_headroom_share: f64,
}

impl SiteConfig {
    /// A site in `region` with the defaults above and no initial connection.
    pub fn new(region: impl Into<String>) -> SiteConfig {
        SiteConfig {
            region: region.into(),
            pue: 1.2,
            overhead_w_per_chip: 700.0,
            initial_connection_mw: 0.0,
            connection_headroom_share: 0.5,
        }
    }
}

/// A fleet: accelerators owned by a buyer outside the labs (a cloud
/// provider, firms, the state) and run at its own datacenter sites. They
/// draw power like a lab's, all-in facility power (chip W + overhead W) ×
/// PUE per accelerator, and retire after the service life, but train
/// nothing and release nothing: they count in no training outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetConfig {
    /// Unique name among labs and fleets; keys the `entity` column.
    pub name: String,
    /// Where its accelerators run: at least one site, one per grid region.
    /// A delivery fills the unused connections in site order; what no
    /// connection runs goes to the first site, which asks for more.
    pub sites: Vec<SiteConfig>,
    /// Accelerators the buyer owns at the start (its installed base):
    /// installed at the start by the same rule as a delivery, and retired
    /// a service life after their installed date ([`ChipBatch::age`]), as
    /// a lab's initial accelerators are.
    pub initial_accelerators: Vec<ChipBatch>,
}

impl FleetConfig {
    /// A fleet named `name` with default sites in `regions` and no
    /// accelerators at the start.
    pub fn new(name: impl Into<String>, regions: &[&str]) -> FleetConfig {
        FleetConfig {
            name: name.into(),
            sites: regions.iter().map(|r| SiteConfig::new(*r)).collect(),
            initial_accelerators: Vec::new(),
        }
    }
}

/// How released models draw accelerators to serve users.
#[derive(Clone, Debug, PartialEq)]
pub struct InferenceConfig {
    /// Share of a lab's accelerators its released models draw once fully
    /// adopted, 0..1 (< 1): of the peak FLOP/s its sites' connections can
    /// run (chips waiting for a connection serve no one). Default 0.3.
    pub max_share_of_chips: f64,
    /// Adoption time constant after a release, months (> 0). Default 6.
    pub adoption_time_months: f64,
    /// Open weights are adopted this many times faster (≥ 1). Default 2.
    pub open_adoption_speedup: f64,
}

impl Default for InferenceConfig {
    fn default() -> Self {
        InferenceConfig {
            max_share_of_chips: 0.3,
            adoption_time_months: 6.0,
            open_adoption_speedup: 2.0,
        }
    }
}

fn bad(entity: &str, field: &'static str, reason: String) -> TrainingError {
    TrainingError::InvalidConfig {
        entity: entity.to_string(),
        field,
        reason,
    }
}

/// Checks `lo ≤ v ≤ hi` (finite).
fn range(entity: &str, field: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), TrainingError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(bad(
            entity,
            field,
            format!(
                "must be a finite number in [{}, {}], got {}",
                Num(lo),
                Num(hi),
                Num(v)
            ),
        ))
    }
}

/// Checks `v > 0` (finite).
fn positive(entity: &str, field: &'static str, v: f64) -> Result<(), TrainingError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(
            entity,
            field,
            format!("must be a finite number > 0, got {}", Num(v)),
        ))
    }
}

/// The highest efficiency multiplier a lab may reach by the end of the run:
/// 10²⁰⁰ (2^664.4). A release's effective FLOP is its physical FLOP times
/// the multiplier, so this keeps it finite for any run below 10¹⁰⁸ physical
/// FLOP, far beyond what the fleet limits allow (a batch of 2⁴⁰
/// accelerators at 10¹⁸ FLOP/s running for 100 years computes about
/// 3.5 × 10³⁹ FLOP). Checked by
/// [`TrainingConfig::check_horizon`].
pub const MAX_EFFICIENCY_MULTIPLIER: f64 = 1e200;

/// The highest world frontier, log10 effective FLOP: the range of the
/// written path's values, which its extension past the last point
/// ([`crate::frontier_log10_at`]) may not pass within the horizon either
/// ([`TrainingConfig::check_horizon`]).
pub const MAX_FRONTIER_LOG10: f64 = 100.0;

impl TrainingConfig {
    /// Refuses a configuration whose efficiency multiplier could pass
    /// [`MAX_EFFICIENCY_MULTIPLIER`] before `end`: `log2 m(end) =
    /// log2(initial_efficiency_multiplier) + end / efficiency_halving_months`,
    /// exactly as the model grows it. A lab that absorbs spillovers
    /// (`spillovers_enabled` and its `spillover_catch_up_share` above 0) can
    /// be carried up to any releaser's multiplier, so for it the bound is
    /// the highest initial multiplier of all labs grown at the shortest
    /// halving time of all labs. The error names the lab whose halving time
    /// is at fault (field `efficiency_halving_months`), with the shortest
    /// halving time that fits. Meant for a configuration `validate` accepts.
    ///
    /// It also refuses a world frontier path that, extended past its last
    /// point at its average slope ([`crate::frontier_log10_at`]), would pass
    /// the field's range, 10¹⁰⁰ effective FLOP, before `end` (a steep path
    /// such as a date typo would otherwise reach an infinite frontier).
    pub fn check_horizon(&self, end: SimTime) -> Result<(), TrainingError> {
        if let Some(path) = &self.frontier_log10_effective_flop {
            let world = self.frontier_world_log10_at(end);
            let at_end = crate::frontier_log10_at(path, end) - world;
            if at_end.is_nan() || at_end > MAX_FRONTIER_LOG10 {
                let per_year = (crate::frontier_slope_per_sec(path) - self.frontier_world_log10_per_sec())
                    * scheduler::SECS_PER_YEAR as f64;
                return Err(bad(
                    "training",
                    "frontier_log10_effective_flop",
                    format!(
                        "rises {} orders of magnitude a year from its first point to its last; \
                         extended past its last point at that slope, as the model extends it, it \
                         would reach 10^{} by the end of the run ({} years), above the field's \
                         range of [0, {MAX_FRONTIER_LOG10}]: write the path to the horizon with \
                         the frontier you assume (or the horizon shorter)",
                        Num(per_year),
                        Num(at_end.round()),
                        Num((end.0 as f64 / scheduler::SECS_PER_YEAR as f64 * 100.0).round() / 100.0),
                    ),
                ));
            }
            let limit = math::log10(MAX_EFFICIENCY_MULTIPLIER);
            if let Some(h) = self.frontier_world_halving_months.filter(|_| world > limit) {
                let months = end.0 as f64 / SECS_PER_MONTH as f64;
                return Err(bad(
                    "training",
                    "frontier_world_halving_months",
                    format!(
                        "is {h} months: the world frontier's algorithmic progress would reach 10^{:.0} \
                         by the end of the run ({:.2} years), above the limit of 10^200 a lab's \
                         efficiency multiplier has; over this horizon the halving time must be at least \
                         {:.4} months (or the horizon shorter)",
                        world,
                        months / 12.0,
                        months * std::f64::consts::LOG10_2 / limit,
                    ),
                ));
            }
        }
        let limit = math::log2(MAX_EFFICIENCY_MULTIPLIER);
        let months = end.0 as f64 / SECS_PER_MONTH as f64;
        let grown = |initial: f64, halving: f64| {
            math::log2(initial) + end.0 as f64 / (halving * SECS_PER_MONTH as f64)
        };
        let explain = |lab: &LabConfig, initial: f64, from: String, log2: f64| {
            let needed = months / (limit - math::log2(initial));
            bad(
                &format!("lab {}", lab.name),
                "efficiency_halving_months",
                format!(
                    "is {} months: {from} the efficiency multiplier would reach 2^{log2:.1} \
                     (about 10^{:.0}) by the end of the run ({:.2} years), above the model's limit \
                     of 10^200 (2^{limit:.1}), past which effective FLOP (physical FLOP × \
                     multiplier) overflows; over this horizon the halving time must be at least \
                     {needed:.4} months (or the horizon shorter)",
                    lab.efficiency_halving_months,
                    log2 * std::f64::consts::LOG10_2,
                    months / 12.0,
                ),
            )
        };
        for lab in &self.labs {
            let own = grown(lab.initial_efficiency_multiplier, lab.efficiency_halving_months);
            if own > limit {
                let from = format!(
                    "from its initial_efficiency_multiplier of {:e},",
                    lab.initial_efficiency_multiplier
                );
                return Err(explain(lab, lab.initial_efficiency_multiplier, from, own));
            }
        }
        let absorbs = |l: &LabConfig| self.spillovers_enabled && l.spillover_catch_up_share > 0.0;
        let (Some(absorber), Some(fastest), Some(highest)) = (
            self.labs.iter().find(|l| absorbs(l)),
            self.labs.iter().min_by(|a, b| {
                a.efficiency_halving_months
                    .total_cmp(&b.efficiency_halving_months)
            }),
            self.labs.iter().max_by(|a, b| {
                a.initial_efficiency_multiplier
                    .total_cmp(&b.initial_efficiency_multiplier)
            }),
        ) else {
            return Ok(());
        };
        let carried = grown(
            highest.initial_efficiency_multiplier,
            fastest.efficiency_halving_months,
        );
        if carried > limit {
            let from = format!(
                "through spillovers (lab {} absorbs them), starting from lab {}'s \
                 initial_efficiency_multiplier of {:e},",
                absorber.name, highest.name, highest.initial_efficiency_multiplier
            );
            return Err(explain(
                fastest,
                highest.initial_efficiency_multiplier,
                from,
                carried,
            ));
        }
        Ok(())
    }
}

impl TrainingConfig {
    /// The world's algorithmic progress the frontier path holds at `t`,
    /// orders of magnitude: `log10(2) · t / frontier_world_halving_months`
    /// (0 without it).
    fn frontier_world_log10_at(&self, t: SimTime) -> f64 {
        self.frontier_world_log10_per_sec() * t.0 as f64
    }

    /// [`Self::frontier_world_log10_at`]'s slope, per second.
    fn frontier_world_log10_per_sec(&self) -> f64 {
        self.frontier_world_halving_months
            .map_or(0.0, |h| std::f64::consts::LOG10_2 / (h * SECS_PER_MONTH as f64))
    }
}

/// The most connection a site can have, facility MW: 10^7, the most the grid
/// connects to one load (`energy_grid::MAX_MW`) and the upper bound of
/// [`SiteConfig::initial_connection_mw`]. A site asks for its chips' need
/// plus headroom up to it and no further; chips past it are never powered.
pub const MAX_CONNECTION_MW: f64 = 1e7;

/// The highest accelerator unit price accepted, USD (the supply chain's
/// limit on a design's price: a hundred million dollars per accelerator).
/// Prices must also be above zero: the supply chain divides an order's
/// dollars by the price, so free accelerators have no meaning in the stack.
pub const MAX_UNIT_PRICE_USD: f64 = 1e8;

/// Checks one accelerator batch; `entity` names it in the error, and is
/// only called (formatted) when there is one.
pub(crate) fn validate_batch(entity: impl FnOnce() -> String, b: &ChipBatch) -> Result<(), TrainingError> {
    // A valid batch (every delivery) passes without a name; an invalid one
    // is checked again with it, which finds the same first error.
    check_batch("", b).or_else(|_| check_batch(&entity(), b))
}

/// [`validate_batch`] for a delivery, which is new: a nonzero `age` is
/// refused (only accelerators owned at the start have a vintage).
pub(crate) fn validate_delivery(entity: impl Fn() -> String, b: &ChipBatch) -> Result<(), TrainingError> {
    validate_batch(&entity, b)?;
    if b.age.0 > 0 {
        return Err(bad(
            &entity(),
            "age",
            format!(
                "a delivery is new: its age must be 0 s, got {} s (only accelerators owned at the start have one)",
                b.age.0
            ),
        ));
    }
    Ok(())
}

/// [`validate_batch`] with the entity's name at hand.
fn check_batch(entity: &str, b: &ChipBatch) -> Result<(), TrainingError> {
    positive(entity, "peak_flop_s_per_chip", b.peak_flop_s_per_chip)?;
    positive(entity, "power_w_per_chip", b.power_w_per_chip)?;
    // One rule with the supply chain, which sells these accelerators: it
    // turns an order's dollars into units by dividing by the price.
    if !(b.unit_price_usd.is_finite() && b.unit_price_usd > 0.0 && b.unit_price_usd <= MAX_UNIT_PRICE_USD) {
        return Err(bad(
            entity,
            "unit_price_usd",
            format!(
                "must be a finite number in (0, {MAX_UNIT_PRICE_USD:e}], got {}",
                Num(b.unit_price_usd)
            ),
        ));
    }
    if b.count > (1u64 << 40) {
        return Err(bad(
            entity,
            "count",
            format!("must be at most 2^40 accelerators, got {}", b.count),
        ));
    }
    Ok(())
}

/// Checks a list of sites of entity `e` (a lab or a fleet, `whose` in the
/// message): at least one, each region named once, every number in range.
fn validate_sites(e: &str, whose: &str, sites: &[SiteConfig]) -> Result<(), TrainingError> {
    if sites.is_empty() {
        return Err(bad(e, "sites", "must list at least one region".into()));
    }
    for (i, s) in sites.iter().enumerate() {
        let se = format!("{e} site {}", s.region);
        if s.region.trim().is_empty() {
            return Err(bad(e, "sites.region", "must not be empty".into()));
        }
        if sites[..i].iter().any(|o| o.region == s.region) {
            return Err(bad(&se, "region", format!("appears twice in the {whose} sites")));
        }
        range(&se, "pue", s.pue, 1.0, 5.0)?;
        range(&se, "overhead_w_per_chip", s.overhead_w_per_chip, 0.0, 1e5)?;
        range(
            &se,
            "initial_connection_mw",
            s.initial_connection_mw,
            0.0,
            MAX_CONNECTION_MW,
        )?;
        range(
            &se,
            "connection_headroom_share",
            s.connection_headroom_share,
            0.0,
            100.0,
        )?;
    }
    Ok(())
}

impl TrainingConfig {
    /// Checks every field; the error names the entity and the field.
    pub fn validate(&self) -> Result<(), TrainingError> {
        if self.labs.is_empty() {
            return Err(bad("training", "labs", "must list at least one lab".into()));
        }
        positive(
            "training",
            "chip_service_life_years",
            self.chip_service_life_years,
        )?;
        range(
            "training",
            "closed_release_spillover_share",
            self.closed_release_spillover_share,
            0.0,
            1.0,
        )?;
        let inf = &self.inference;
        range(
            "inference",
            "max_share_of_chips",
            inf.max_share_of_chips,
            0.0,
            0.99,
        )?;
        positive("inference", "adoption_time_months", inf.adoption_time_months)?;
        range(
            "inference",
            "open_adoption_speedup",
            inf.open_adoption_speedup,
            1.0,
            1e6,
        )?;
        if let Some(path) = &self.frontier_log10_effective_flop {
            let pts = path.points();
            // A path built from physical compute is held to the range less
            // the world's progress it holds (`check_horizon` bounds that).
            let written = |&(t, v): &(SimTime, f64)| v - self.frontier_world_log10_at(t);
            if pts.windows(2).any(|w| w[1].1 < w[0].1)
                || pts
                    .iter()
                    .any(|p| !(0.0..=MAX_FRONTIER_LOG10).contains(&written(p)))
            {
                return Err(bad(
                    "training",
                    "frontier_log10_effective_flop",
                    "must be non-decreasing with values in [0, 100] (log10 FLOP)".into(),
                ));
            }
        }
        let th = &self.compute_thresholds_flop;
        if th.len() > MAX_COMPUTE_THRESHOLDS {
            return Err(bad(
                "training",
                "compute_thresholds_flop",
                format!(
                    "must list at most {MAX_COMPUTE_THRESHOLDS} thresholds, got {}",
                    th.len()
                ),
            ));
        }
        if let Some(t) = th.iter().find(|t| !(t.is_finite() && **t >= 1.0)) {
            return Err(bad(
                "training",
                "compute_thresholds_flop",
                format!(
                    "every threshold must be at least 1 FLOP and finite, got {}",
                    Num(*t)
                ),
            ));
        }
        if let Some(w) = th.windows(2).find(|w| w[1] <= w[0]) {
            return Err(bad(
                "training",
                "compute_thresholds_flop",
                format!("must be strictly increasing, got {:e} then {:e}", w[0], w[1]),
            ));
        }
        let mut names: Vec<&str> = Vec::new();
        for lab in &self.labs {
            let e = format!("lab {}", lab.name);
            if lab.name.trim().is_empty() {
                return Err(bad("lab", "name", "must not be empty".into()));
            }
            if names.contains(&lab.name.as_str()) {
                return Err(bad(&e, "name", "is used by another lab".into()));
            }
            names.push(&lab.name);
            lab.validate(&e)?;
        }
        for fleet in &self.fleets {
            let e = format!("fleet {}", fleet.name);
            if fleet.name.trim().is_empty() {
                return Err(bad("fleet", "name", "must not be empty".into()));
            }
            if names.contains(&fleet.name.as_str()) {
                return Err(bad(&e, "name", "is used by a lab or another fleet".into()));
            }
            names.push(&fleet.name);
            validate_sites(&e, "fleet's", &fleet.sites)?;
            for b in &fleet.initial_accelerators {
                validate_batch(|| format!("{e} initial_accelerators {}", b.design), b)?;
            }
        }
        Ok(())
    }
}

impl LabConfig {
    fn validate(&self, e: &str) -> Result<(), TrainingError> {
        range(e, "open_share", self.open_share, 0.0, 1.0)?;
        range(
            e,
            "initial_target_run_flop",
            self.initial_target_run_flop,
            1.0,
            1e40,
        )?;
        range(
            e,
            "compute_growth_per_year",
            self.compute_growth_per_year,
            1.0,
            1e3,
        )?;
        self.release_cadence_months
            .validate()
            .map_err(|r| bad(e, "release_cadence_months", r))?;
        if let Some(d) = &self.pretraining_months {
            d.validate().map_err(|r| bad(e, "pretraining_months", r))?;
        }
        if let Some(cap) = &self.max_chips_per_run {
            let (lo, hi) = (cap.min(), cap.max());
            if !(lo >= 1.0 && hi.is_finite()) {
                return Err(bad(
                    e,
                    "max_chips_per_run",
                    format!("must be ≥ 1 and finite, got {}..{}", Num(lo), Num(hi)),
                ));
            }
        }
        let (lo, hi) = (self.budget_usd_per_year.min(), self.budget_usd_per_year.max());
        if !(lo >= 0.0 && hi.is_finite()) {
            return Err(bad(
                e,
                "budget_usd_per_year",
                format!("must be ≥ 0 and finite, got {}..{}", Num(lo), Num(hi)),
            ));
        }
        validate_sites(e, "lab's", &self.sites)?;
        for b in &self.initial_accelerators {
            validate_batch(|| format!("{e} initial_accelerators {}", b.design), b)?;
        }
        range(e, "mfu", self.mfu, 1e-6, 1.0)?;
        range(
            e,
            "max_run_duration_days",
            self.max_run_duration_days,
            1.0,
            36_525.0,
        )?;
        range(
            e,
            "checkpoint_interval_hours",
            self.checkpoint_interval_hours,
            1.0 / 3600.0,
            1e5,
        )?;
        range(
            e,
            "chip_failure_rate_per_hour",
            self.chip_failure_rate_per_hour,
            0.0,
            1.0,
        )?;
        range(e, "restart_overhead_hours", self.restart_overhead_hours, 0.0, 1e4)?;
        range(
            e,
            "efficiency_halving_months",
            self.efficiency_halving_months,
            0.1,
            1e4,
        )?;
        range(
            e,
            "initial_efficiency_multiplier",
            self.initial_efficiency_multiplier,
            1e-30,
            1e30,
        )?;
        range(
            e,
            "spillover_catch_up_share",
            self.spillover_catch_up_share,
            0.0,
            1.0,
        )?;
        range(
            e,
            "spillover_delay_months",
            self.spillover_delay_months,
            0.0,
            1200.0,
        )?;
        range(e, "open_base_share", self.open_base_share, 0.0, 1.0)?;
        if !(self.min_run_share_of_target > 0.0 && self.min_run_share_of_target <= 1.0) {
            return Err(bad(
                e,
                "min_run_share_of_target",
                format!("must be in (0, 1], got {}", self.min_run_share_of_target),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: TrainingError) -> (String, &'static str) {
        match err {
            TrainingError::InvalidConfig { entity, field, .. } => (entity, field),
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        let cfg = TrainingConfig::new(vec![
            LabConfig::new("a", &["r1"]),
            LabConfig::new("b", &["r1", "r2"]),
        ]);
        assert_eq!(cfg.validate(), Ok(()));
    }

    /// A lab's outcome names read back as the lab and the national outcome;
    /// national outcomes and malformed names are no lab's.
    #[test]
    fn lab_outcome_names_read_back() {
        let name = lab_outcome("Deep-Seek_2", "training.frontier_gap_months_end");
        assert_eq!(name, "training.lab.Deep-Seek_2.frontier_gap_months_end");
        assert_eq!(
            lab_of_outcome(&name),
            Some(("Deep-Seek_2", "training.frontier_gap_months_end".to_string()))
        );
        let t = lab_outcome("x", &compute_threshold_outcome(2.5e25));
        assert_eq!(t, "training.lab.x.year_reached_2p5e25_flop");
        assert_eq!(lab_of_outcome(&t).unwrap().1, compute_threshold_outcome(2.5e25));
        for other in [
            "training.largest_run_flop",
            "training.lab.x",
            "training.lab..releases_total",
            "training.lab.x.",
            "training.lab.x.y.z",
            "energy.lab.x.y",
        ] {
            assert_eq!(lab_of_outcome(other), None, "{other}");
        }
    }

    /// A valid batch is checked without formatting its name; an invalid one
    /// names it, with the first field at fault.
    #[test]
    fn batches_are_named_only_in_errors() {
        let mut b = ChipBatch {
            design: "h20".into(),
            count: 8,
            peak_flop_s_per_chip: 1e15,
            power_w_per_chip: 500.0,
            unit_price_usd: 1e4,
            age: scheduler::Duration::ZERO,
        };
        assert_eq!(validate_batch(|| panic!("named a valid batch"), &b), Ok(()));
        b.power_w_per_chip = -1.0;
        b.count = u64::MAX;
        let err = validate_batch(|| "delivery to lab x".into(), &b).unwrap_err();
        assert_eq!(
            field_of(err),
            ("delivery to lab x".to_string(), "power_w_per_chip")
        );
    }

    #[test]
    fn errors_name_entity_and_field() {
        let mut lab = LabConfig::new("deepseek", &["sichuan"]);
        lab.mfu = f64::NAN;
        let err = TrainingConfig::new(vec![lab.clone()]).validate().unwrap_err();
        assert_eq!(field_of(err), ("lab deepseek".to_string(), "mfu"));

        lab.mfu = 0.4;
        lab.sites[0].pue = 0.9;
        let err = TrainingConfig::new(vec![lab.clone()]).validate().unwrap_err();
        assert_eq!(field_of(err), ("lab deepseek site sichuan".to_string(), "pue"));

        lab.sites[0].pue = 1.2;
        lab.release_cadence_months = Dist::Exp { mean: -1.0 };
        let err = TrainingConfig::new(vec![lab.clone()]).validate().unwrap_err();
        assert_eq!(field_of(err).1, "release_cadence_months");

        lab.release_cadence_months = Dist::constant(3.0);
        for share in [-0.1, 1.01, f64::NAN, f64::INFINITY] {
            lab.open_base_share = share;
            let err = TrainingConfig::new(vec![lab.clone()]).validate().unwrap_err();
            assert_eq!(field_of(err), ("lab deepseek".to_string(), "open_base_share"));
        }
        lab.open_base_share = 1.0;
        assert_eq!(TrainingConfig::new(vec![lab.clone()]).validate(), Ok(()));
        let err = TrainingConfig::new(vec![lab.clone(), lab])
            .validate()
            .unwrap_err();
        assert_eq!(field_of(err).1, "name");

        let mut cfg = TrainingConfig::new(vec![LabConfig::new("a", &["r"])]);
        cfg.inference.max_share_of_chips = 1.5;
        assert_eq!(field_of(cfg.validate().unwrap_err()).1, "max_share_of_chips");
        // Unit prices: (0, 1e8] USD, the supply chain's rule (s8 item 2;
        // 0 and any finite price were accepted before).
        let batch = |price: f64| ChipBatch {
            design: "chip".into(),
            count: 10,
            peak_flop_s_per_chip: 1e15,
            power_w_per_chip: 700.0,
            unit_price_usd: price,
            age: scheduler::Duration::ZERO,
        };
        for price in [0.0, -1.0, 1.5e8, f64::INFINITY] {
            let err = validate_batch(|| "lab a delivery".into(), &batch(price)).unwrap_err();
            assert_eq!(field_of(err), ("lab a delivery".to_string(), "unit_price_usd"));
        }
        for price in [1e-3, 1e8] {
            assert!(validate_batch(|| "lab a delivery".into(), &batch(price)).is_ok());
        }
        assert!(TrainingConfig::new(vec![]).validate().is_err());
    }

    /// The multiplier may reach 10^200 by the end of the run and no more:
    /// a halving time at the bound passes, one just below it is refused,
    /// naming the lab's `efficiency_halving_months`.
    #[test]
    fn check_horizon_refuses_a_multiplier_past_the_limit() {
        let end = SimTime(45 * crate::SECS_PER_MONTH * 12);
        let months = end.0 as f64 / SECS_PER_MONTH as f64;
        let mut lab = LabConfig::new("fast", &["r"]);
        lab.initial_efficiency_multiplier = 1e30;
        // log2(1e30) + months / h = log2(1e200): h = months / log2(1e170).
        let bound = months / (math::log2(MAX_EFFICIENCY_MULTIPLIER) - math::log2(1e30f64));
        lab.efficiency_halving_months = bound * (1.0 + 1e-9);
        assert_eq!(TrainingConfig::new(vec![lab.clone()]).check_horizon(end), Ok(()));
        lab.efficiency_halving_months = bound * (1.0 - 1e-9);
        let err = TrainingConfig::new(vec![lab.clone()])
            .check_horizon(end)
            .unwrap_err();
        let text = err.to_string();
        assert_eq!(
            field_of(err),
            ("lab fast".to_string(), "efficiency_halving_months")
        );
        assert!(text.contains(&format!("at least {bound:.4} months")), "{text}");
        // The 0.1-month floor of the field over the 100-year limit of a horizon.
        lab.initial_efficiency_multiplier = 1.0;
        lab.efficiency_halving_months = 0.1;
        let century = SimTime(100 * crate::SECS_PER_MONTH * 12);
        assert!(TrainingConfig::new(vec![lab]).check_horizon(century).is_err());
    }

    /// A lab that absorbs spillovers can be carried to another lab's high
    /// multiplier and then grow at the fastest halving time: the bound is
    /// the highest start grown at the shortest halving time, unless no lab
    /// absorbs.
    #[test]
    fn check_horizon_counts_what_spillovers_can_carry() {
        let end = SimTime(30 * crate::SECS_PER_MONTH * 12);
        let mut ahead = LabConfig::new("ahead", &["r"]);
        ahead.initial_efficiency_multiplier = 1e30;
        ahead.efficiency_halving_months = 1e4;
        let mut fast = LabConfig::new("fast", &["r"]);
        // Alone, 360 months / 0.6 = 600 doublings: 2^600 < 10^200.
        fast.efficiency_halving_months = 0.6;
        assert_eq!(TrainingConfig::new(vec![fast.clone()]).check_horizon(end), Ok(()));
        // Carried to 10^30 first: 2^(99.7 + 600) > 10^200.
        let mut cfg = TrainingConfig::new(vec![ahead, fast]);
        let err = cfg.check_horizon(end).unwrap_err();
        assert!(err.to_string().contains("through spillovers"), "{err}");
        assert_eq!(
            field_of(err),
            ("lab fast".to_string(), "efficiency_halving_months")
        );
        cfg.spillovers_enabled = false;
        assert_eq!(cfg.check_horizon(end), Ok(()));
        cfg.spillovers_enabled = true;
        for l in &mut cfg.labs {
            l.spillover_catch_up_share = 0.0;
        }
        assert_eq!(cfg.check_horizon(end), Ok(()));
    }
}
