//! The training domain's state and its event handling: labs plan runs on
//! their clusters, runs progress and fail, finished runs are released and
//! spill over to other labs.
//!
//! Every change of a lab's state follows one pattern: first *advance* the
//! lab's accounting to now at the old rates (work, hazard, energy, flows),
//! then change the state, then *recompute* the rates and reschedule the
//! run's finish and failure events with the scheduler's keys.

use crate::cluster::{Site, SiteOwner, retirement_time};
use crate::config::{LabConfig, TrainingConfig, validate_delivery};
use crate::fleet::{ChipCounts, Fleet};
use crate::inference::Adoption;
use crate::metrics::{Flows, LabTotals};
use crate::progress::Efficiency;
use crate::release::Release;
use crate::run::{CompletedRun, FailureProcess, Hazards, Run, RunBound, exp1};
use crate::window::TrailingMean;
use crate::{
    ChipBatch, ChipOrders, FleetId, LabId, SECS_PER_MONTH, SiteId, TrainingError, TrainingEvent,
    TrainingSignal,
};
use scheduler::{Agenda, Duration, RngStreams, SECS_PER_DAY, SECS_PER_HOUR, SimTime, StreamRng};

/// A lab's current rates, summed over its sites.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LabRate {
    /// Training FLOP/s at MFU (peak × MFU: physical FLOP/s, not effective
    /// FLOP in the algorithmic sense, despite the name) with the power the
    /// lab has now.
    pub train_eff_flop_s: f64,
    /// Training FLOP/s at MFU if every installed accelerator were powered.
    pub train_full_eff_flop_s: f64,
    /// The part of `train_full_eff_flop_s` the lab's power withholds now
    /// (0 exactly at full power), FLOP/s at MFU.
    pub train_lost_power_eff_flop_s: f64,
    /// The part of `train_lost_power_eff_flop_s` the lab's budget withholds
    /// (its cap on the draw), FLOP/s at MFU: each site's loss split in
    /// proportion to the MW the budget and the rest (the connection) hold
    /// back; 0 while the budget pays the whole bill.
    pub train_lost_budget_eff_flop_s: f64,
    /// The part of `train_lost_power_eff_flop_s` less the budget's that the
    /// sites' connections withhold (chips beyond the connection, waiting
    /// for a larger one), FLOP/s at MFU: at each site the training share
    /// of the peak beyond the connection, or, while the budget caps the
    /// draw, the whole of what is not the budget's (its split gives the
    /// rest of the shortfall's MW to the connection). The rest of what is
    /// lost to power is the grid's cuts.
    pub train_lost_connection_eff_flop_s: f64,
    /// Accelerators training now (they can fail).
    pub train_chips: f64,
    /// Accelerators that would train if every installed one were powered.
    pub train_full_chips: f64,
    /// The share of the training rate (and of the training chips) the run
    /// in progress uses, in [0, 1]: below 1 when the run is paced to end at
    /// its due time with spare compute (the rest of the training chips do
    /// other work: experiments); 1 without a run. At most `cap_share`.
    pub run_share: f64,
    /// The share of the training chips one run can use: the lab's
    /// [`crate::LabConfig::max_chips_per_run`] ÷ its training chips, if
    /// below 1; exactly 1 without a cap or below it.
    pub cap_share: f64,
    /// The inference share these rates were computed at (the lab's share
    /// at its last recompute: it rises between recomputes).
    pub inference_share: f64,
}

impl Default for LabRate {
    /// No chips, and a run (if any) on the whole training rate.
    fn default() -> LabRate {
        LabRate {
            train_eff_flop_s: 0.0,
            train_full_eff_flop_s: 0.0,
            train_lost_power_eff_flop_s: 0.0,
            train_lost_budget_eff_flop_s: 0.0,
            train_lost_connection_eff_flop_s: 0.0,
            train_chips: 0.0,
            train_full_chips: 0.0,
            run_share: 1.0,
            cap_share: 1.0,
            inference_share: 0.0,
        }
    }
}

impl LabRate {
    /// Effective FLOP/s of the run in progress (`train_eff_flop_s × run_share`).
    pub fn run_eff_flop_s(&self) -> f64 {
        self.train_eff_flop_s * self.run_share
    }
}

/// One lab's state.
pub(crate) struct Lab {
    pub cfg: LabConfig,
    pub sites: Vec<usize>,
    pub eff: Efficiency,
    pub adoption: Adoption,
    pub run: Option<Run>,
    pub next_run: u64,
    pub pending_cadence_months: Option<f64>,
    pub waiting_since: Option<SimTime>,
    pub wait_bound: RunBound,
    /// The lab's last run's planned FLOP ÷ its planned duration, FLOP/s
    /// (`None` before its first run): the reference of the smallest run
    /// worth doing once the target has outrun the cluster.
    pub last_run_flop_s: Option<f64>,
    pub cadence_rng: StreamRng,
    /// The stream of pre-training run lengths (`"training/pretraining/<lab>"`),
    /// only with [`LabConfig::pretraining_months`].
    pub pretraining_rng: Option<StreamRng>,
    /// The lab's latest base model (its last finished run), which its
    /// post-trained releases carry; only with `pretraining_months`.
    pub latest_base: Option<LatestBase>,
    /// The lab's next post-trained release: when, and its event.
    pub post_release: Option<(SimTime, scheduler::EventKey)>,
    pub failure_rng: StreamRng,
    /// Hazard draws taken ahead from `failure_rng` (every draw from it goes
    /// through here, so their order is that of drawing each when needed).
    pub hazards: Hazards,
    /// Checkpoint interval, s (≥ 1).
    pub checkpoint_s: u64,
    /// Restart overhead after a failure (`None`: the run resumes at once).
    pub restart: Option<Duration>,
    pub releases: u64,
    pub last_release: Option<SimTime>,
    pub last_update: SimTime,
    pub rate: LabRate,
    /// Price of the last accelerators delivered, USD per peak FLOP/s.
    pub usd_per_peak_flop_s: Option<f64>,
    /// Accelerators charged at delivery and not yet installed (the
    /// wiring's install delay), USD: paid for, on their way to a site.
    pub awaiting_install_usd: f64,
    /// The lab's accelerators, counted: owned at the start, delivered,
    /// awaiting installation, in service, retired.
    pub chips: ChipCounts,
    /// The lab's chip orders: placed, charged, written off (its open
    /// backlog at the supplier, exactly).
    pub orders: ChipOrders,
    /// Share of the full training rate the lab's power allowed, over the
    /// last day (see [`Lab::power_share`]).
    pub power_share: TrailingMean,
    /// The inference share the lab's rates were computed at, over the same
    /// last day ([`LabRate::inference_share`]): the share `power_share` was
    /// measured at, so that a plan can tell the power from the inference.
    pub power_share_inference: TrailingMean,
    pub month_electricity_usd: f64,
    pub last_month_electricity_usd: f64,
    /// Electricity billed and not yet paid, USD: the part of the bills a
    /// month's budget could not pay (only when the budget falls from one
    /// month to the next), carried to the next monthly tick, which pays it
    /// before it orders chips.
    pub debt_usd: f64,
    /// What the lab may spend on electricity from its last monthly tick to
    /// the next, USD: the month's budget less its debt (≥ 0).
    pub allowance_usd: f64,
    /// Share of its sites' demand (connection-capped) that the lab's
    /// budget pays for now, in [0, 1]; 1 when the budget does not cap its
    /// draw (see [`Training::budget_share`]).
    pub budget_share: f64,
    pub flows: Flows,
    pub totals: LabTotals,
}

/// A lab's latest base model: what its post-trained releases carry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LatestBase {
    /// The base run's physical FLOP.
    pub physical_flop: f64,
    /// The open release the base run built on, with its index in
    /// `Training::releases`.
    pub base: Option<(usize, crate::OpenBase)>,
}

/// The model-training domain: labs, their cluster sites, runs and releases.
pub struct Training {
    pub(crate) labs: Vec<Lab>,
    /// The fleets (accelerators that train nothing), by [`crate::FleetId`].
    pub(crate) fleets: Vec<Fleet>,
    /// Every site: the labs' first, in lab order, then the fleets'.
    pub(crate) sites: Vec<Site>,
    pub(crate) cfg: TrainingConfig,
    pub(crate) runs: Vec<CompletedRun>,
    pub(crate) releases: Vec<Release>,
    /// Per release (the same order as `releases`): the labs in its lineage,
    /// sorted, each once: its own lab, its base's lab, that base's base's
    /// lab, … A lab never builds on a release whose lineage holds it (see
    /// `Training::open_base`). At most one entry per lab.
    pub(crate) lineages: Vec<Vec<u32>>,
    pub(crate) life_s: f64,
    /// When the labs' current month ends (their next monthly tick; `None`
    /// past the end of time).
    pub(crate) month_end: Option<SimTime>,
    /// A failure of the model found while accounting (which cannot return
    /// errors), returned by the next event or input.
    pub(crate) fault: Option<TrainingError>,
}

/// `batches` oldest first (by `age`, the list's order among equals), so
/// that each site's cohorts are installed in the order they retire, which
/// the retirement walk relies on (`Site::for_each_retiring`).
fn oldest_first(batches: &[ChipBatch]) -> Vec<ChipBatch> {
    let mut sorted = batches.to_vec();
    sorted.sort_by_key(|b| std::cmp::Reverse(b.age));
    sorted
}

fn lab_index(labs: &[Lab], lab: LabId) -> Result<usize, TrainingError> {
    (lab.index() < labs.len())
        .then_some(lab.index())
        .ok_or(TrainingError::UnknownLab(lab.index()))
}

impl Training {
    /// Validates `config` and builds the domain; each lab draws from the
    /// streams `"training/cadence/<lab>"` and `"training/failures/<lab>"`
    /// (and, with `pretraining_months`, `"training/pretraining/<lab>"`).
    pub fn new(config: TrainingConfig, streams: &RngStreams) -> Result<Training, TrainingError> {
        config.validate()?;
        let mut labs = Vec::with_capacity(config.labs.len());
        let mut sites = Vec::new();
        for (i, lc) in config.labs.iter().enumerate() {
            let id = LabId(i as u32);
            let mut lab_sites = Vec::new();
            for sc in &lc.sites {
                lab_sites.push(sites.len());
                sites.push(Site::new(SiteOwner::Lab(id), &lc.name, sc.clone()));
            }
            labs.push(Lab {
                eff: Efficiency::new(lc.initial_efficiency_multiplier, lc.efficiency_halving_months),
                adoption: Adoption::new(),
                sites: lab_sites,
                run: None,
                next_run: 0,
                pending_cadence_months: None,
                waiting_since: None,
                wait_bound: RunBound::Chips,
                last_run_flop_s: None,
                cadence_rng: streams.stream(&format!("training/cadence/{}", lc.name)),
                pretraining_rng: lc
                    .pretraining_months
                    .as_ref()
                    .map(|_| streams.stream(&format!("training/pretraining/{}", lc.name))),
                latest_base: None,
                post_release: None,
                failure_rng: streams.stream(&format!("training/failures/{}", lc.name)),
                hazards: Hazards::new(),
                checkpoint_s: (lc.checkpoint_interval_hours * SECS_PER_HOUR as f64)
                    .round()
                    .max(1.0) as u64,
                restart: Duration::from_secs_f64(lc.restart_overhead_hours * SECS_PER_HOUR as f64)
                    .filter(|d| d.secs() > 0),
                releases: 0,
                last_release: None,
                last_update: SimTime::ZERO,
                rate: LabRate::default(),
                usd_per_peak_flop_s: None,
                awaiting_install_usd: 0.0,
                chips: ChipCounts::default(),
                orders: ChipOrders::default(),
                power_share: TrailingMean::new(SECS_PER_DAY),
                power_share_inference: TrailingMean::new(SECS_PER_DAY),
                month_electricity_usd: 0.0,
                last_month_electricity_usd: 0.0,
                debt_usd: 0.0,
                allowance_usd: lc.budget_usd_per_year.at(SimTime::ZERO) / 12.0,
                budget_share: 1.0,
                flows: Flows::default(),
                totals: LabTotals::default(),
                cfg: lc.clone(),
            });
        }
        let mut fleets = Vec::with_capacity(config.fleets.len());
        for (i, fc) in config.fleets.iter().enumerate() {
            let owner = SiteOwner::Fleet(FleetId(i as u32));
            let mut fleet_sites = Vec::with_capacity(fc.sites.len());
            for sc in &fc.sites {
                fleet_sites.push(sites.len());
                sites.push(Site::new(owner, &fc.name, sc.clone()));
            }
            fleets.push(Fleet::new(fc.name.clone(), fleet_sites));
        }
        let life_s = config.chip_service_life_years * scheduler::SECS_PER_YEAR as f64;
        Ok(Training {
            labs,
            fleets,
            sites,
            cfg: config,
            runs: Vec::new(),
            releases: Vec::new(),
            lineages: Vec::new(),
            life_s,
            month_end: SimTime::ZERO.checked_add(Duration(SECS_PER_MONTH)),
            fault: None,
        })
    }

    /// The labs, by id and name.
    pub fn labs(&self) -> impl Iterator<Item = (LabId, &str)> {
        self.labs
            .iter()
            .enumerate()
            .map(|(i, l)| (LabId(i as u32), l.cfg.name.as_str()))
    }

    /// The cluster sites: id, site name (`"<lab>@<region>"`) and region name.
    /// The integrator registers each as a grid load in its region.
    pub fn sites(&self) -> impl Iterator<Item = (SiteId, &str, &str)> {
        self.sites
            .iter()
            .enumerate()
            .map(|(i, s)| (SiteId(i as u32), s.name.as_str(), s.region.as_str()))
    }

    /// The grid connection `site` has now, facility MW (at the start: its
    /// configured initial connection), so the integrator can register the
    /// site's load with the same figure.
    pub fn site_connected_mw(&self, site: SiteId) -> Option<f64> {
        self.sites.get(site.index()).map(|s| s.connected_mw)
    }

    /// The lab that owns `site` (`None` for a fleet's site or an unknown id).
    pub fn site_lab(&self, site: SiteId) -> Option<LabId> {
        match self.sites.get(site.index())?.owner {
            SiteOwner::Lab(lab) => Some(lab),
            SiteOwner::Fleet(_) => None,
        }
    }

    /// Every release so far, in order.
    pub fn releases(&self) -> &[Release] {
        &self.releases
    }

    /// How far the nation's best model stands behind the world frontier at
    /// `t`, months: `t` minus the instant the frontier first reached the best
    /// capability released at or before `t` by any lab (the release's own gap
    /// at its release date, then growing one month a month until a better
    /// model is released). `None` without a frontier path, before the first
    /// release, or where the path is flat and never reaches that capability.
    /// This, not the smallest gap of any release, answers "is the country
    /// keeping pace?": the smallest gap is often the first release's.
    pub fn frontier_gap_months_at(&self, t: SimTime) -> Option<f64> {
        let path = self.cfg.frontier_log10_effective_flop.as_ref()?;
        let best = self
            .releases
            .iter()
            .take_while(|r| r.at <= t)
            .map(|r| r.capability)
            .reduce(f64::max)?;
        crate::months_behind_frontier(path, t, best)
    }

    /// How far each lab's own best model stands behind the world frontier
    /// at `t`, months, by lab index ([`LabId`] order): as
    /// [`Training::frontier_gap_months_at`], from the best capability the
    /// lab itself released at or before `t`. `None` for a lab with no
    /// release by `t`, and for every lab without a frontier path or where
    /// the path is flat and never reaches the capability. The lab holding
    /// the nation's best model has the national gap.
    pub fn frontier_gap_months_by_lab(&self, t: SimTime) -> Vec<Option<f64>> {
        let mut best: Vec<Option<f64>> = vec![None; self.labs.len()];
        let Some(path) = self.cfg.frontier_log10_effective_flop.as_ref() else {
            return best;
        };
        for r in self.releases.iter().take_while(|r| r.at <= t) {
            if let Some(b) = best.get_mut(r.lab.index()) {
                *b = Some(b.map_or(r.capability, |c| c.max(r.capability)));
            }
        }
        best.into_iter()
            .map(|b| crate::months_behind_frontier(path, t, b?))
            .collect()
    }

    /// Every completed training run so far, in order of completion.
    pub fn runs(&self) -> &[CompletedRun] {
        &self.runs
    }

    /// When each lab's finished runs first reached `flop` physical FLOP,
    /// by lab index ([`LabId`] order, as [`Training::labs`]): the end (and
    /// release) of its first run of at least `flop`; `None` for a lab none
    /// of whose finished runs did. The nation first reached it at the
    /// earliest of these (the outcome [`crate::compute_threshold_outcome`]).
    pub fn first_reached(&self, flop: f64) -> Vec<Option<SimTime>> {
        let mut at: Vec<Option<SimTime>> = vec![None; self.labs.len()];
        for r in self.runs.iter().filter(|r| r.physical_flop >= flop) {
            if let Some(e) = at.get_mut(r.lab.index()) {
                *e = Some(e.map_or(r.end, |t| t.min(r.end)));
            }
        }
        at
    }

    /// The lab's algorithmic efficiency multiplier at `now` (effective FLOP per physical FLOP).
    pub fn efficiency_multiplier(&self, lab: LabId, now: SimTime) -> Option<f64> {
        self.labs.get(lab.index()).map(|l| l.eff.multiplier_at(now))
    }

    /// The lab's training FLOP/s at MFU at its current power and inference load.
    pub fn training_rate_flop_s(&self, lab: LabId) -> Option<f64> {
        self.labs.get(lab.index()).map(|l| l.rate.train_eff_flop_s)
    }

    /// Accelerators in service at the lab's sites.
    pub fn accelerators_installed(&self, lab: LabId) -> Option<f64> {
        let l = self.labs.get(lab.index())?;
        Some(l.sites.iter().map(|&s| self.sites[s].power.installed_chips).sum())
    }

    /// The lab's accelerators, counted (`None` for an unknown id): `at_start
    /// + delivered = awaiting_install + in_service + retired`.
    pub fn lab_chips(&self, lab: LabId) -> Option<ChipCounts> {
        self.labs.get(lab.index()).map(|l| l.chips)
    }

    /// The run in progress at a lab: (planned FLOP, FLOP kept so far as of
    /// the lab's last update).
    pub fn run_in_progress(&self, lab: LabId) -> Option<(f64, f64)> {
        let r = self.labs.get(lab.index())?.run.as_ref()?;
        Some((r.planned_flop, r.work_flop))
    }

    /// Schedules the domain's first event (installation of the initial
    /// accelerators, first monthly tick and first run plans) at now.
    pub fn start(&mut self, agenda: &mut impl Agenda<TrainingEvent>) -> Result<(), TrainingError> {
        agenda.schedule_at(agenda.now(), TrainingEvent::Start)?;
        Ok(())
    }

    /// Handles one of this domain's events.
    pub fn handle(
        &mut self,
        event: TrainingEvent,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let now = agenda.now();
        if let Some(e) = self.fault.clone() {
            return Err(e);
        }
        match event {
            TrainingEvent::Start => {
                for li in 0..self.labs.len() {
                    self.labs[li].last_update = now;
                    let batches = oldest_first(&self.labs[li].cfg.initial_accelerators);
                    // A batch a service life old or more was retired by the
                    // start: never installed, it draws and depreciates
                    // nothing; counted at the start and retired.
                    for b in batches.iter().filter(|b| b.count > 0) {
                        let expired = self.expired(b);
                        if !expired {
                            self.install_initial(li, b, now, agenda)?;
                        }
                        self.labs[li].chips.owned_at_start(b.count, expired);
                    }
                    self.recompute_lab(li, now, agenda, signals)?;
                }
                for fi in 0..self.fleets.len() {
                    let batches = oldest_first(&self.cfg.fleets[fi].initial_accelerators);
                    self.install_fleet_initial(fi, &batches, agenda, signals)?;
                }
                self.monthly_tick(now, agenda, signals)
            }
            TrainingEvent::MonthlyTick => self.monthly_tick(now, agenda, signals),
            TrainingEvent::RunFinish { lab, run } => {
                self.finish_run(lab_index(&self.labs, lab)?, run, now, agenda, signals)
            }
            // Never scheduled any more (failures and restarts are walked
            // inside the lab's accounting): bring the lab up to date.
            TrainingEvent::Failure { lab, .. } | TrainingEvent::RestartDone { lab, .. } => {
                self.recompute_lab(lab_index(&self.labs, lab)?, now, agenda, signals)
            }
            TrainingEvent::Retire { site, cohort } => {
                let li = match self.sites[self.site_index(site)?].owner {
                    SiteOwner::Lab(lab) => lab.index(),
                    SiteOwner::Fleet(fleet) => {
                        return self.retire_fleet_cohort(fleet, site, cohort, now, signals);
                    }
                };
                self.advance_lab(li, now);
                if let Some(n) = self.sites[site.index()].retire(cohort) {
                    self.labs[li].chips.retire(n);
                    self.recompute_lab(li, now, agenda, signals)?;
                }
                Ok(())
            }
            TrainingEvent::Spillover {
                to,
                releaser_log2_multiplier,
                share,
                ..
            } => {
                let li = lab_index(&self.labs, to)?;
                self.advance_lab(li, now);
                self.labs[li].eff.absorb(now, releaser_log2_multiplier, share);
                Ok(())
            }
            TrainingEvent::PostTrainedRelease { lab } => {
                self.post_trained_release(lab_index(&self.labs, lab)?, now, agenda, signals)
            }
        }
    }

    /// Whether `batch`, `age` old, had reached the end of its service life
    /// (`age ≥ life`) when installed: accelerators owned at the start and
    /// installed that long before it were retired by then.
    pub(crate) fn expired(&self, batch: &ChipBatch) -> bool {
        batch.age.0 > 0
            && Duration::from_years_f64(self.cfg.chip_service_life_years)
                .is_some_and(|life| batch.age >= life)
    }

    fn site_index(&self, site: SiteId) -> Result<usize, TrainingError> {
        (site.index() < self.sites.len())
            .then_some(site.index())
            .ok_or(TrainingError::UnknownSite(site.index()))
    }

    /// The chip supplier delivers `batch` to `lab` and it is installed at
    /// once: [`Training::accelerators_charged`] then
    /// [`Training::install_accelerators`].
    pub fn accelerators_delivered(
        &mut self,
        lab: LabId,
        batch: ChipBatch,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        self.accelerators_charged(lab, &batch, agenda.now())?;
        self.install_accelerators(lab, batch, agenda, signals)
    }

    /// The chip supplier delivers `batch` to `lab` now: the lab pays
    /// `count × unit_price_usd` (spend is booked at delivery, so spend =
    /// electricity + delivered chips even for chips not yet installed), and
    /// that much of its open orders is filled ([`ChipOrders::charged_usd`]). The chips are installed
    /// later by [`Training::install_accelerators`] (the wiring's install
    /// delay).
    pub fn accelerators_charged(
        &mut self,
        lab: LabId,
        batch: &ChipBatch,
        now: SimTime,
    ) -> Result<(), TrainingError> {
        let li = lab_index(&self.labs, lab)?;
        validate_delivery(|| format!("delivery to lab {}", self.labs[li].cfg.name), batch)?;
        if batch.count == 0 {
            return Ok(());
        }
        self.advance_lab(li, now);
        let l = &mut self.labs[li];
        let spent = batch.count as f64 * batch.unit_price_usd;
        l.flows.chip_usd += spent;
        l.totals.spend_usd += spent;
        l.orders.charged_usd += spent;
        l.awaiting_install_usd += spent;
        l.chips.deliver(batch.count);
        l.usd_per_peak_flop_s = Some(batch.unit_price_usd / batch.peak_flop_s_per_chip);
        Ok(())
    }

    /// The chip supplier closed one of `lab`'s orders with `residue_usd`
    /// (finite, ≥ 0) of its value unspent and wrote it off: below one
    /// unit's price of the cheapest design it can still supply, or, if
    /// `nothing_suppliable`, because it can supply no design any more. The
    /// lab books it so that its open orders (ordered − charged − written
    /// off) are exactly the supplier's backlog; only a residue below a
    /// unit's price counts as filled (see [`ChipOrders::filled`]).
    pub fn order_closed(
        &mut self,
        lab: LabId,
        residue_usd: f64,
        nothing_suppliable: bool,
    ) -> Result<(), TrainingError> {
        let li = lab_index(&self.labs, lab)?;
        let l = &mut self.labs[li];
        if !(residue_usd.is_finite() && residue_usd >= 0.0) {
            return Err(TrainingError::InvalidInput {
                entity: l.cfg.name.clone(),
                field: "residue_usd",
                value: residue_usd,
            });
        }
        if nothing_suppliable {
            l.orders.unsuppliable_usd += residue_usd;
        } else {
            l.orders.residue_usd += residue_usd;
        }
        Ok(())
    }

    /// The lab's chip orders as it books them (`None` for an unknown id).
    pub fn chip_orders(&self, lab: LabId) -> Option<ChipOrders> {
        self.labs.get(lab.index()).map(|l| l.orders)
    }

    /// Accelerators delivered (and charged) earlier are installed at the
    /// lab's site with the most unused grid connection (the first on ties).
    pub fn install_accelerators(
        &mut self,
        lab: LabId,
        batch: ChipBatch,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let li = lab_index(&self.labs, lab)?;
        validate_delivery(|| format!("delivery to lab {}", self.labs[li].cfg.name), &batch)?;
        if batch.count == 0 {
            return Ok(());
        }
        let now = agenda.now();
        self.advance_lab(li, now);
        // No longer on its way (never below 0: a batch installed without a
        // charge, as a test may do, was never awaited).
        let l = &mut self.labs[li];
        l.awaiting_install_usd =
            (l.awaiting_install_usd - batch.count as f64 * batch.unit_price_usd).max(0.0);
        l.chips.install(batch.count);
        let mut best = self.labs[li].sites[0];
        for &s in &self.labs[li].sites[1..] {
            if self.sites[s].spare_connection_mw() > self.sites[best].spare_connection_mw() {
                best = s;
            }
        }
        self.install(best, &batch, now, agenda)?;
        self.recompute_lab(li, now, agenda, signals)
    }

    /// Installs a batch of lab `li`'s initial fleet. The fleet ran before
    /// the start, so it sits where it is connected: it fills the unused
    /// connections of the lab's sites in their order, and only what no
    /// connection runs goes to the first site, which then asks the grid for
    /// more. (Until the twenty-first session the whole fleet went to the
    /// first site, so a lab whose connections were spread over several
    /// sites queued at t = 0 for power it already had elsewhere.)
    fn install_initial(
        &mut self,
        li: usize,
        batch: &ChipBatch,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
    ) -> Result<(), TrainingError> {
        let sites = self.labs[li].sites.clone();
        self.install_spread(&sites, batch, now, agenda)
    }

    /// Installs `batch` at `sites` (non-empty) by the initial fleet's rule:
    /// it fills their unused connections in order, and what no connection
    /// runs goes to the first site. Also a fleet's rule for every delivery.
    pub(crate) fn install_spread(
        &mut self,
        sites: &[usize],
        batch: &ChipBatch,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
    ) -> Result<(), TrainingError> {
        let mut left = batch.count;
        for &s in sites {
            if left == 0 {
                break;
            }
            let site = &self.sites[s];
            let per_chip = site.facility_mw_per_chip(batch.power_w_per_chip);
            let unused = site.unused_connection_mw();
            // Relative slack so that a connection sized as count × MW per
            // chip takes the whole count despite rounding.
            let fits = if per_chip > 0.0 && unused > 0.0 {
                (unused / per_chip * (1.0 + 1e-9)).floor()
            } else {
                0.0
            };
            let n = if fits >= left as f64 { left } else { fits as u64 };
            if n > 0 {
                let part = ChipBatch {
                    count: n,
                    ..batch.clone()
                };
                self.install(s, &part, now, agenda)?;
                left -= n;
            }
        }
        if left > 0 || batch.count == 0 {
            let rest = ChipBatch {
                count: left,
                ..batch.clone()
            };
            self.install(sites[0], &rest, now, agenda)?;
        }
        Ok(())
    }

    fn install(
        &mut self,
        site: usize,
        batch: &ChipBatch,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
    ) -> Result<(), TrainingError> {
        // A batch `age` old when installed retires a service life after it
        // was new (exactly `now + life` for a new one; an expired batch,
        // `age ≥ life`, is never installed: see `Training::expired`).
        let retire_at = retirement_time(now, self.cfg.chip_service_life_years)
            .map(|t| SimTime(t.0.saturating_sub(batch.age.0).max(now.0)))
            .map(|t| match self.cfg.power_clock {
                // The first dispatch instant at or after the end of the service
                // life, and at least the second one after now: the dispatch at
                // the first may already be on the agenda (an install at a
                // dispatch instant can come after that instant's dispatch, which
                // schedules the next), and would run before a retirement
                // scheduled now at its instant; any later one is scheduled after
                // now, so the retirement runs first (review s24 F1; only a
                // service life shorter than two steps is lengthened by it).
                Some(c) => {
                    let second = c
                        .at_or_after(SimTime(now.ticks().saturating_add(1)))
                        .checked_add(c.step)
                        .unwrap_or(SimTime::MAX);
                    c.at_or_after(t).max(second)
                }
                None => t,
            });
        let cohort = self.sites[site].install(batch, retire_at);
        if let Some(at) = retire_at {
            agenda.schedule_at(
                at,
                TrainingEvent::Retire {
                    site: SiteId(site as u32),
                    cohort,
                },
            )?;
        }
        Ok(())
    }

    fn check_input(&self, site: SiteId, field: &'static str, value: f64) -> Result<usize, TrainingError> {
        let si = self.site_index(site)?;
        if value.is_finite() && value >= 0.0 {
            Ok(si)
        } else {
            Err(TrainingError::InvalidInput {
                entity: self.sites[si].name.clone(),
                field,
                value,
            })
        }
    }

    /// The grid grants `served_mw` facility MW to the site, in force until
    /// the next call. The site runs the share of its accelerators that this
    /// power supports (most efficient first); runs slow or pause and their
    /// finish events move. Before the first call the site is unconstrained.
    pub fn set_power_served(
        &mut self,
        site: SiteId,
        served_mw: f64,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let si = self.check_input(site, "served_mw", served_mw)?;
        let now = agenda.now();
        let li = match self.sites[si].owner {
            SiteOwner::Lab(lab) => lab.index(),
            SiteOwner::Fleet(fleet) => {
                self.advance_fleet(fleet.index(), now);
                self.sites[si].served_mw = Some(served_mw);
                return self.recompute_fleet(fleet.index(), now, signals);
            }
        };
        self.advance_lab(li, now);
        self.sites[si].served_mw = Some(served_mw);
        self.recompute_lab(li, now, agenda, signals)
    }

    /// The grid connection of the site is now `connected_mw` facility MW in total.
    pub fn connection_granted(
        &mut self,
        site: SiteId,
        connected_mw: f64,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let si = self.check_input(site, "connected_mw", connected_mw)?;
        let now = agenda.now();
        let li = match self.sites[si].owner {
            SiteOwner::Lab(lab) => lab.index(),
            SiteOwner::Fleet(fleet) => {
                self.advance_fleet(fleet.index(), now);
                self.sites[si].grant_connection(connected_mw);
                return self.recompute_fleet(fleet.index(), now, signals);
            }
        };
        self.advance_lab(li, now);
        self.sites[si].grant_connection(connected_mw);
        self.recompute_lab(li, now, agenda, signals)
    }

    /// The site's electricity price from now on, USD/MWh (the wiring calls
    /// it at every calendar month start, and after the first dispatch, with
    /// the price the site paid over the month before: each dispatch step's
    /// energy at that step's price in its region), at `now` (the month
    /// start, which may be past the agenda's last event). A lab whose
    /// budget caps its draw, or would at this price, sets its draw again at
    /// once (see docs/model/model-training.md, "Budget and orders"); any
    /// other lab, and a fleet, only books the price.
    pub fn set_electricity_price(
        &mut self,
        site: SiteId,
        usd_per_mwh: f64,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let si = self.check_input(site, "usd_per_mwh", usd_per_mwh)?;
        let li = match self.sites[si].owner {
            SiteOwner::Lab(lab) => lab.index(),
            SiteOwner::Fleet(fleet) => {
                self.advance_fleet(fleet.index(), now);
                self.sites[si].price_usd_per_mwh = usd_per_mwh;
                return Ok(());
            }
        };
        self.advance_lab(li, now);
        self.sites[si].price_usd_per_mwh = usd_per_mwh;
        if self.labs[li].budget_share < 1.0 || self.budget_share(li, now) < 1.0 {
            self.recompute_lab(li, now, agenda, signals)?;
        }
        Ok(())
    }

    /// The share of its sites' demand (each capped by its connection) the
    /// lab's budget can pay for from `now` to the end of the month, in
    /// [0, 1]: the money left of the month's electricity allowance
    /// ([`Lab::allowance_usd`] − the bill so far) spread evenly over the
    /// time left, ÷ what that demand costs per second at each site's price.
    /// 1 if the demand costs nothing (no price yet, or free power); 0 once
    /// the allowance is spent. At the end of the month itself (its tick not
    /// yet handled) the share stays as it was. The lab's draw is capped at
    /// this share of its demand until it is next brought up to date, so
    /// its bill never passes its allowance: between two updates at `a < b`
    /// it spends at most `(allowance − bill(a)) × (b − a) / (end − a)`.
    pub(crate) fn budget_share(&self, li: usize, now: SimTime) -> f64 {
        let lab = &self.labs[li];
        let usd_per_s = lab
            .sites
            .iter()
            .map(|&si| self.sites[si].uncapped_demand_mw() * self.sites[si].price_usd_per_mwh)
            .sum::<f64>()
            / SECS_PER_HOUR as f64;
        if usd_per_s <= 0.0 {
            return 1.0;
        }
        let left_s = self
            .month_end
            .map_or(f64::INFINITY, |end| end.saturating_since(now).as_secs_f64());
        if left_s <= 0.0 {
            return lab.budget_share;
        }
        let allowed = (lab.allowance_usd - lab.month_electricity_usd).max(0.0) / left_s;
        if usd_per_s <= allowed {
            1.0
        } else {
            allowed / usd_per_s
        }
    }

    fn monthly_tick(
        &mut self,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        // Every lab is brought up to date at the old month's end first: its
        // bill, and the allowance it draws against, close there.
        for li in 0..self.labs.len() {
            self.advance_lab(li, now);
        }
        self.month_end = now.checked_add(Duration(SECS_PER_MONTH));
        for li in 0..self.labs.len() {
            let lab = &mut self.labs[li];
            let bill = lab.month_electricity_usd;
            lab.last_month_electricity_usd = bill;
            lab.month_electricity_usd = 0.0;
            // The month's budget pays last month's bill and any debt
            // first; what it cannot pay is carried as debt (the lab's draw
            // is capped so that the bill stays within last month's
            // allowance, so a debt arises only when the budget falls).
            let money = lab.cfg.budget_usd_per_year.at(now) / 12.0;
            let owed = lab.debt_usd + bill;
            let paid = owed.min(money);
            lab.debt_usd = owed - paid;
            lab.allowance_usd = (money - lab.debt_usd).max(0.0);
            let order = money - paid;
            // This month's order (none if the bill took the whole budget):
            // the only unfilled value a lab whose orders are filled has.
            lab.orders.last_order_usd = order.max(0.0);
            if let Some(run) = lab.run.as_mut() {
                // The run's pace is set again monthly (lifecycle.rs,
                // `schedule_run_events`).
                run.repace = true;
            }
            if order > 0.0 {
                lab.orders.ordered_usd += order;
                signals.push(TrainingSignal::Order {
                    lab: LabId(li as u32),
                    budget_usd: order,
                });
            }
            self.recompute_lab(li, now, agenda, signals)?;
        }
        if let Some(at) = self.month_end {
            agenda.schedule_at(at, TrainingEvent::MonthlyTick)?;
        }
        Ok(())
    }

    /// Accounts the lab from its last update to `now` at its current rates.
    pub(crate) fn advance_lab(&mut self, li: usize, now: SimTime) {
        let Training {
            labs,
            sites,
            life_s,
            fault,
            cfg,
            ..
        } = self;
        let lab = &mut labs[li];
        let t0 = lab.last_update;
        if now <= t0 {
            return;
        }
        lab.last_update = now;
        let dt_s = (now.0 - t0.0) as f64;
        let dt_h = dt_s / SECS_PER_HOUR as f64;
        // The run first: failures and restarts inside the interval decide
        // how long its chips were training.
        let failures = FailureProcess {
            lambda_per_s: lab.rate.train_chips * lab.rate.run_share * lab.cfg.chip_failure_rate_per_hour
                / SECS_PER_HOUR as f64,
            checkpoint_s: lab.checkpoint_s,
            restart: lab.restart,
            max_failures: crate::MAX_FAILURES_PER_INTERVAL,
        };
        let rng = &mut lab.failure_rng;
        let (up_s, lost_s, has_run) = match lab.run.as_mut() {
            Some(run) => {
                let before = run.integrated_flop;
                let progress = run.run_until(
                    t0,
                    now,
                    lab.rate.run_eff_flop_s(),
                    &failures,
                    &mut lab.hazards,
                    &mut || exp1(rng),
                );
                lab.flows.integrated_flop += run.integrated_flop - before;
                lab.flows.lost_flop += progress.lost_flop;
                if progress.gave_up && fault.is_none() {
                    *fault = Some(TrainingError::TooManyFailures {
                        entity: lab.cfg.name.clone(),
                        failures: crate::MAX_FAILURES_PER_INTERVAL,
                    });
                }
                let rate = lab.rate.run_eff_flop_s();
                let lost_s = if rate > 0.0 {
                    progress.lost_flop / rate
                } else {
                    0.0
                };
                (progress.up_s, lost_s, true)
            }
            None => (0.0, 0.0, false),
        };
        let (mut energy, mut elec, mut run_energy, mut run_elec, mut run_dep) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let f = &mut lab.flows;
        let run_share = lab.rate.run_share;
        for &si in &lab.sites {
            let p = &sites[si].power;
            let e = p.powered_mw * dt_h;
            let cost = e * sites[si].price_usd_per_mwh;
            energy += e;
            elec += cost;
            f.installed_peak_s += p.installed_peak_flop_s * dt_s;
            f.inference_peak_s += p.inference_peak_flop_s * dt_s;
            f.used_peak_s += p.inference_peak_flop_s * dt_s + p.train_peak_flop_s * run_share * up_s;
            if has_run && p.powered_peak_flop_s > 0.0 {
                let share = p.train_peak_flop_s * run_share / p.powered_peak_flop_s;
                run_energy += e * share;
                run_elec += cost * share;
                run_dep += p.powered_value_usd * share * dt_s / *life_s;
            }
        }
        f.energy_mwh += energy;
        f.electricity_usd += elec;
        f.span_s += dt_s;
        lab.month_electricity_usd += elec;
        lab.totals.energy_mwh += energy;
        lab.totals.spend_usd += elec;
        let power_short = if lab.rate.train_full_eff_flop_s > 0.0 {
            (1.0 - lab.rate.train_eff_flop_s / lab.rate.train_full_eff_flop_s).clamp(0.0, 1.0)
        } else {
            0.0
        };
        lab.power_share.record(t0.0, now.0, 1.0 - power_short);
        lab.power_share_inference
            .record(t0.0, now.0, lab.rate.inference_share);
        // While the lab's budget caps its draw, the compute the capped
        // connected demand withholds is the budget's, not the grid's (even
        // where the grid also served less than the capped demand); chips
        // beyond the connection stay lost to power (review s18-rev-dom,
        // finding 2). Counted apart, as lost to the budget.
        let withheld = lab.rate.train_lost_power_eff_flop_s;
        let lost_budget = lab.rate.train_lost_budget_eff_flop_s.min(withheld);
        let lost_power = withheld - lost_budget;
        // Of what is lost to power, the part the connections withhold (the
        // rest is the grid's cuts; review s33-headline, finding 3).
        let lost_connection = lab.rate.train_lost_connection_eff_flop_s.min(lost_power).max(0.0);
        let budget_capped = lab.budget_share < 1.0;
        lab.totals.power.book(
            cfg.calendar.as_ref(),
            t0,
            now,
            lab.rate.train_full_eff_flop_s,
            lost_power,
            (lost_budget, lost_connection),
        );
        // The same, over the sampling period (the monthly shares).
        f.power_full_flop += lab.rate.train_full_eff_flop_s * dt_s;
        f.power_lost_flop += lost_power * dt_s;
        f.budget_lost_flop += lost_budget * dt_s;
        let bucket = |f: &mut Flows, b: RunBound, s: f64| match b {
            RunBound::Target => {}
            RunBound::Power => f.limited_power_s += s,
            RunBound::Chips => f.limited_chips_s += s,
            RunBound::Budget => f.limited_budget_s += s,
            RunBound::Failures => f.limited_failures_s += s,
            RunBound::Cluster => f.limited_cluster_s += s,
        };
        match lab.run.as_mut() {
            Some(run) => {
                run.energy_mwh += run_energy;
                run.electricity_usd += run_elec;
                run.depreciation_usd += run_dep;
                // Time lost to failures first (restarts, and the time the
                // lost work took); the rest of Δt by the run's bound.
                let failed_s = ((dt_s - up_s).max(0.0) + lost_s).min(dt_s);
                let rest_s = dt_s - failed_s;
                run.failures_limited_s += failed_s;
                f.limited_failures_s += failed_s;
                f.train_capacity_flop += lab.rate.run_eff_flop_s() * dt_s;
                // A paced run (share < 1) has compute to spare: a cut that
                // leaves it its pace does not hold it back.
                let power_short = if run_share < 1.0 { 0.0 } else { power_short };
                if !budget_capped {
                    run.power_limited_s += dt_s * power_short;
                }
                match run.bound {
                    RunBound::Target if budget_capped => f.limited_budget_s += rest_s * power_short,
                    RunBound::Target => f.limited_power_s += rest_s * power_short,
                    bound => bucket(f, bound, rest_s),
                }
            }
            None => bucket(f, lab.wait_bound, dt_s),
        }
    }

    /// Seconds of the lab's whole installed peak that its scheduled
    /// retirements take out of `[from, until]`: the peak FLOP/s × seconds
    /// its cohorts due to retire before `until` will not deliver, ÷ the
    /// installed peak FLOP/s now. So the training FLOP its accelerators in
    /// service can do in the window, with the inference share of now, is
    /// `F × (until − from − lost)` (`F` = `train_full_eff_flop_s`).
    /// Exactly 0 when no retirement falls in the window. Deliveries not yet
    /// made are not counted: the lab does not know them.
    pub(crate) fn retiring_lost_s(&self, li: usize, from: SimTime, until: SimTime) -> f64 {
        let (mut installed, mut lost) = (0.0, 0.0);
        for &si in &self.labs[li].sites {
            let s = &self.sites[si];
            installed += s.power.installed_peak_flop_s;
            lost += s.retiring_peak_flop(from, until);
        }
        if lost > 0.0 && installed > 0.0 {
            lost / installed
        } else {
            0.0
        }
    }

    /// Effective FLOP the known rise of the lab's inference share after
    /// `from` takes out of a training rate `rate` (FLOP/s at MFU, what is
    /// left after inference at `from`) over `[from, until]`: inference is
    /// served first and serves the chips the connection can run (chips
    /// waiting for a connection serve no one: `recompute_lab`), so at `t`
    /// it takes `min(k, s(t) − s(from))` of the connectable peak in service
    /// then, with `k = rate ÷ (MFU × connectable peak now)` (all of
    /// training's share at most). The cohorts due to retire before `until`
    /// leave the connectable peak only once the site's chips beyond the
    /// connection have gone (the first retirements free power for them;
    /// cohorts retire in order). Exactly 0 while the share does not move
    /// (see [`Adoption::rise_taken`]). The actual share steps up at the
    /// lab's events and monthly ticks, below the path: a plan on the path
    /// errs on the side of a run done early.
    pub(crate) fn inference_rise_flop(&self, li: usize, from: SimTime, until: SimTime, rate: f64) -> f64 {
        let lab = &self.labs[li];
        let connectable: f64 = lab
            .sites
            .iter()
            .map(|&si| self.sites[si].power.connectable_peak_flop_s)
            .sum();
        let mfu = lab.cfg.mfu;
        if !(connectable > 0.0 && mfu > 0.0) {
            return 0.0;
        }
        let k = (rate / (mfu * connectable)).max(0.0);
        let span = until.saturating_since(from).as_secs_f64();
        let a = &lab.adoption;
        let mut taken = connectable * a.rise_taken(from, 0.0, span, k);
        if taken == 0.0 {
            return 0.0;
        }
        for &si in &lab.sites {
            let p = &self.sites[si].power;
            // Peak beyond the connection: retirements use it up first.
            let mut beyond = (p.installed_peak_flop_s - p.connectable_peak_flop_s).max(0.0);
            self.sites[si].for_each_retiring(until, |r, peak| {
                let leaves = (peak - beyond).max(0.0);
                beyond = (beyond - peak).max(0.0);
                if leaves > 0.0 {
                    taken -= leaves * a.rise_taken(from, r.saturating_since(from).as_secs_f64(), span, k);
                }
            });
        }
        taken.max(0.0) * mfu
    }

    /// Recomputes the lab's power and rates after a change, reports demand
    /// and connection needs, starts a run if it can, and moves the run's events.
    pub(crate) fn recompute_lab(
        &mut self,
        li: usize,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        self.advance_lab(li, now);
        if let Some(e) = self.fault.clone() {
            return Err(e);
        }
        // What the budget pays for caps each site's draw (and the demand it
        // reports) at the same share of its demand.
        let paid = self.budget_share(li, now);
        self.labs[li].budget_share = paid;
        for &si in &self.labs[li].sites {
            let s = &mut self.sites[si];
            s.budget_cap_mw = (paid < 1.0).then(|| paid * s.uncapped_demand_mw());
        }
        let Training { labs, sites, .. } = self;
        let lab = &mut labs[li];
        let share = lab.adoption.share_at(now);
        let mfu = lab.cfg.mfu;
        let mut rate = LabRate {
            inference_share: share,
            ..LabRate::default()
        };
        for &si in &lab.sites {
            let s = &mut sites[si];
            s.recompute_power();
            let budget_part = s.budget_share_of_shortfall();
            let budget_capped = s.budget_cap_mw.is_some();
            let p = &mut s.power;
            // Inference takes its share of the chips the connection can
            // run: chips waiting for a connection serve no one, and a grid
            // cut (powered below that) takes training first.
            let inference = p.powered_peak_flop_s.min(share * p.connectable_peak_flop_s);
            p.inference_peak_flop_s = inference;
            p.train_peak_flop_s = (p.powered_peak_flop_s - inference).max(0.0);
            p.train_chips = if p.powered_peak_flop_s > 0.0 {
                p.powered_chips * p.train_peak_flop_s / p.powered_peak_flop_s
            } else {
                0.0
            };
            rate.train_eff_flop_s += p.train_peak_flop_s * mfu;
            rate.train_full_eff_flop_s += p.installed_peak_flop_s * (1.0 - share) * mfu;
            // Training lost to power: the full-power training peak (every
            // chip powered, inference at its share of all of them) less the
            // training peak, i.e. the unpowered peak less the inference the
            // chips beyond the connection would have served, up to the
            // training part; below 1e-12 of the installed peak it is the
            // rounding of a grant equal to the need, not a cut.
            let unpowered = p.installed_peak_flop_s - p.powered_peak_flop_s;
            if unpowered > 1e-12 * p.installed_peak_flop_s {
                let beyond = p.installed_peak_flop_s - p.connectable_peak_flop_s;
                let lost = (unpowered - share * beyond).min(p.installed_peak_flop_s * (1.0 - share)) * mfu;
                let budget = lost * budget_part;
                rate.train_lost_power_eff_flop_s += lost;
                rate.train_lost_budget_eff_flop_s += budget;
                // The connection's part: `lost` is the training share of the
                // chips beyond the connection plus the grid's cut of the
                // connectable chips (training first), so without a budget
                // cap the first term; under a cap the budget's split leaves
                // the connection all that is not the budget's.
                rate.train_lost_connection_eff_flop_s += if budget_capped {
                    lost - budget
                } else {
                    ((1.0 - share) * beyond * mfu).min(lost)
                };
            }
            rate.train_chips += p.train_chips;
            rate.train_full_chips += p.installed_chips * (1.0 - share);
            s.signal_needs(SiteId(si as u32), signals);
        }
        if !(rate.train_eff_flop_s.is_finite() && rate.train_full_eff_flop_s.is_finite()) {
            return Err(TrainingError::NotFinite {
                entity: lab.cfg.name.clone(),
                what: "training FLOP/s",
            });
        }
        if let Some(cap) = &lab.cfg.max_chips_per_run {
            let cap = cap.at(now);
            if rate.train_chips > cap {
                rate.cap_share = cap / rate.train_chips;
            }
        }
        lab.rate = rate;
        if lab.run.is_none() {
            self.try_start_run(li, now, signals)?;
        }
        self.schedule_run_events(li, now, agenda)
    }
}
