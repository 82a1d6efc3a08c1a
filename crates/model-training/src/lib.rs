//! The model-training domain: labs, clusters, training runs, releases,
//! algorithmic progress with open-weight spillovers, and inference load.
//!
//! Shape (as every domain crate, see `docs/ARCHITECTURE.md`):
//!
//! - [`TrainingConfig`]: plain, validated configuration (no serde); `stack`
//!   builds it from the scenario.
//! - [`Training`]: the state, created with [`Training::new`]; each stochastic
//!   entity draws from its own stream: `"training/failures/<lab>"` (hardware
//!   failures) and `"training/cadence/<lab>"` (months between releases).
//! - [`TrainingEvent`]: this domain's events; [`Training::start`] schedules the
//!   first, [`Training::handle`] handles one.
//! - Input methods for the wiring: [`Training::accelerators_delivered`]
//!   (or [`Training::accelerators_charged`] and
//!   [`Training::install_accelerators`]), [`Training::order_closed`],
//!   [`Training::set_power_served`], [`Training::connection_granted`],
//!   [`Training::set_electricity_price`].
//! - [`TrainingSignal`]: what the domain tells the world (power demand, chip
//!   orders, connection requests, releases).
//! - [`Training::sample_metrics`] and [`Training::summary_scalars`].
//!
//! The model (equations, assumptions, units) is described in
//! `docs/model/model-training.md`; every default number and its source in
//! `docs/calibration/model-training.md`.
//!
//! **Architecture Invariant:** this crate depends on `aistack-scheduler` and
//! generic crates only; it never names the grid or the fabs. Sites are grid
//! loads and labs are chip buyers only through the `stack` wiring.

mod cluster;
mod config;
mod fleet;
mod inference;
mod lifecycle;
mod metrics;
mod orders;
mod progress;
mod release;
mod run;
mod training;
mod window;

pub use config::{
    FleetConfig, InferenceConfig, LAB_OUTCOME_PREFIX, LabConfig, MAX_COMPUTE_THRESHOLDS, MAX_CONNECTION_MW,
    MAX_EFFICIENCY_MULTIPLIER, MAX_FRONTIER_LOG10, MAX_UNIT_PRICE_USD, SiteConfig, TrainingConfig,
    compute_threshold_outcome, lab_of_outcome, lab_outcome,
};
pub use fleet::{ChipCounts, buyer_outcome};
pub use orders::ChipOrders;
pub use progress::{capability_from_effective_flop, frontier_with_world_progress};
pub use release::{OpenBase, Release, frontier_log10_at, frontier_slope_per_sec, months_behind_frontier};
pub use run::{CompletedRun, RunBound, expected_goodput};
pub use training::Training;

use scheduler::ScheduleError;

/// The most hardware failures walked between two events of a lab before
/// the run stops with [`TrainingError::TooManyFailures`].
pub const MAX_FAILURES_PER_INTERVAL: u64 = 10_000_000;

/// Seconds in one simulated month: a twelfth of a Julian year (30.44 days).
pub const SECS_PER_MONTH: u64 = scheduler::SECS_PER_YEAR / 12;

/// A lab, by its position in [`TrainingConfig::labs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabId(pub(crate) u32);

impl LabId {
    /// The lab's position in [`TrainingConfig::labs`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A fleet (accelerators that train nothing), by its position in
/// [`TrainingConfig::fleets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FleetId(pub(crate) u32);

impl FleetId {
    /// The fleet's position in [`TrainingConfig::fleets`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A cluster site (one lab, or one fleet, in one grid region), numbered in
/// the order of the labs and, within a lab, of [`LabConfig::sites`], then
/// in the order of the fleets and, within a fleet, of [`FleetConfig::sites`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteId(pub(crate) u32);

impl SiteId {
    /// The site's position in the order of [`Training::sites`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A batch of identical accelerators: delivered by the chip supplier, or
/// installed at the start of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct ChipBatch {
    /// Design name (for the record; the model uses the numbers below).
    pub design: String,
    /// Number of accelerators.
    pub count: u64,
    /// Peak dense FLOP/s of one accelerator at the training precision.
    pub peak_flop_s_per_chip: f64,
    /// Power of one accelerator, W (chip only; server and network overhead
    /// and PUE are added by the site).
    pub power_w_per_chip: f64,
    /// Price paid per accelerator, USD (constant dollars), in
    /// (0, [`MAX_UNIT_PRICE_USD`]]: the supply chain's range for a design.
    pub unit_price_usd: f64,
    /// How long the accelerators had been in service when the batch is
    /// installed, seconds: their vintage. Zero for a delivery (a delivery
    /// is new; any other age is refused). For accelerators owned at the
    /// start, the start minus their installed date: they retire a service
    /// life after they were installed (at `start + life − age`), and a
    /// batch at least a life old is retired at the start, never in service.
    pub age: scheduler::Duration,
}

/// The events of the training domain. The integrator wraps them into its own
/// event type; they are only ever handed back to [`Training::handle`].
#[derive(Clone, Debug, PartialEq)]
pub enum TrainingEvent {
    /// Installs the initial accelerators, plans the first runs and starts
    /// the monthly ticks (scheduled by [`Training::start`]).
    Start,
    /// Monthly bookkeeping: budget, chip order, inference adoption.
    MonthlyTick,
    /// A training run reaches its planned FLOP (rescheduled when its rate changes).
    RunFinish {
        /// The lab.
        lab: LabId,
        /// The run's number within the lab (stale events are ignored).
        run: u64,
    },
    /// A hardware failure interrupts a run. No longer scheduled: failures
    /// and restarts are walked inside the lab's accounting (see
    /// `docs/model/model-training.md`); handling one only brings the lab up
    /// to date. Kept so that existing callers still compile.
    Failure {
        /// The lab.
        lab: LabId,
        /// The run's number within the lab.
        run: u64,
    },
    /// A run is back up after a failure (restart overhead elapsed). No
    /// longer scheduled, like [`TrainingEvent::Failure`].
    RestartDone {
        /// The lab.
        lab: LabId,
        /// The run's number within the lab.
        run: u64,
    },
    /// A batch of accelerators reaches the end of its service life.
    Retire {
        /// The site.
        site: SiteId,
        /// The batch's position in the site's list of batches.
        cohort: usize,
    },
    /// A lab absorbs another lab's release (after the absorption delay).
    Spillover {
        /// The absorbing lab.
        to: LabId,
        /// The releasing lab.
        from: LabId,
        /// The releaser's log2 efficiency multiplier at its release.
        releaser_log2_multiplier: f64,
        /// Share of the gap (in log2 multiplier) the absorber closes, 0..1.
        share: f64,
    },
    /// A lab releases a post-trained version of its latest base model
    /// (only for a lab with [`LabConfig::pretraining_months`]; stale
    /// events, moved by a base release, are ignored).
    PostTrainedRelease {
        /// The lab.
        lab: LabId,
    },
}

/// What the training domain tells the world; the `stack` wiring turns each
/// into calls on (or events for) the grid and the chip supplier.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainingSignal {
    /// The facility MW the site wants now (all its installed accelerators,
    /// capped at its grid connection); sent when it changes.
    PowerDemand {
        /// The site.
        site: SiteId,
        /// Facility power wanted, MW.
        mw: f64,
    },
    /// The lab spends this sum on accelerators; the chip supplier charges
    /// its unit prices against it.
    Order {
        /// The lab.
        lab: LabId,
        /// Money available for accelerators, USD.
        budget_usd: f64,
    },
    /// The site asks the grid for a larger connection.
    ConnectionRequest {
        /// The site.
        site: SiteId,
        /// Additional connection wanted on top of connected and pending, MW.
        additional_mw: f64,
    },
    /// A training run started.
    RunStarted {
        /// The lab.
        lab: LabId,
        /// FLOP the run is planned to do.
        planned_flop: f64,
        /// What capped the run below the lab's target (or `Target` if nothing did).
        bound: RunBound,
    },
    /// A model was released.
    Released(Release),
}

/// Errors of the training domain.
///
/// `InvalidConfig` is raised by [`Training::new`] and is fatal to the run.
/// `UnknownLab`, `UnknownFleet`, `UnknownSite` and `InvalidInput` come from the input methods
/// and mean the wiring passed a wrong value; the state is unchanged.
/// `NotFinite` and `Schedule` are fatal: a quantity could not be computed or
/// an event could not be scheduled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrainingError {
    /// A configuration value is missing, out of range or not finite.
    #[error("{entity}: `{field}` {reason}")]
    InvalidConfig {
        /// The lab, site or section (e.g. `lab deepseek`, `inference`).
        entity: String,
        /// The field name.
        field: &'static str,
        /// What was wrong, with the value.
        reason: String,
    },
    /// A lab id that this `Training` did not hand out.
    #[error("unknown lab id {0}")]
    UnknownLab(usize),
    /// A fleet id that this `Training` did not hand out.
    #[error("unknown fleet id {0}")]
    UnknownFleet(usize),
    /// A site id that this `Training` did not hand out.
    #[error("unknown site id {0}")]
    UnknownSite(usize),
    /// An input from the wiring is out of range (negative, NaN, infinite).
    #[error("{entity}: input `{field}` out of range: {value}")]
    InvalidInput {
        /// The site or lab name.
        entity: String,
        /// The input name.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A quantity of the model came out NaN or infinite.
    #[error("{entity}: {what} is not a finite number")]
    NotFinite {
        /// The lab or site name.
        entity: String,
        /// What was being computed.
        what: &'static str,
    },
    /// A lab's cluster failed more than [`MAX_FAILURES_PER_INTERVAL`] times
    /// between two of its events (mean time between failures far below a
    /// second): the run cannot make progress and simulating it would not end.
    #[error(
        "{entity}: more than {failures} hardware failures between two events; the cluster fails faster than it can run"
    )]
    TooManyFailures {
        /// The lab.
        entity: String,
        /// The failures walked before giving up.
        failures: u64,
    },
    /// An event could not be scheduled.
    #[error("scheduling failed: {0}")]
    Schedule(#[from] ScheduleError),
}
