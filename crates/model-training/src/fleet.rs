//! Fleets: accelerators of buyers outside the labs (cloud providers, firms,
//! the state) run at their own datacenter sites. A fleet's sites are the
//! labs' [`Site`](crate::cluster::Site) machinery: deliveries are installed
//! by the initial fleet's rule (unused connections in site order, the rest
//! to the first site, which asks the grid for more), each accelerator
//! draws its facility power, (chip W + overhead W) × PUE, as far as the
//! connection and the grid allow, and retires after the service life. A
//! fleet trains nothing and releases nothing, so it is in no training
//! outcome; it books the energy it draws, the energy it lacks and the
//! electricity it pays (never from any budget: its owner's budget buys
//! accelerators only).

use crate::config::validate_delivery;
use crate::training::Training;
use crate::{ChipBatch, FleetId, SiteId, TrainingError, TrainingEvent, TrainingSignal};
use scheduler::{Agenda, SECS_PER_HOUR, SimTime};

/// Energy a fleet's sites drew and lacked, and what it cost, over a span.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct FleetEnergy {
    /// Energy drawn, MWh.
    pub energy_mwh: f64,
    /// Energy its accelerators in service would have drawn fully powered
    /// and did not (the grid's cuts and chips beyond the connection), MWh.
    pub lost_power_mwh: f64,
    /// The part of `lost_power_mwh` the grid cut from the connected
    /// demand (the fleet's share of the grid's curtailed AI load), MWh.
    pub curtailed_mwh: f64,
    /// Electricity paid, USD (energy × each site's tariff).
    pub electricity_usd: f64,
}

impl FleetEnergy {
    fn add(&mut self, o: &FleetEnergy) {
        self.energy_mwh += o.energy_mwh;
        self.lost_power_mwh += o.lost_power_mwh;
        self.curtailed_mwh += o.curtailed_mwh;
        self.electricity_usd += o.electricity_usd;
    }
}

/// A fleet's or a lab's accelerators, counted: `at_start + delivered =
/// awaiting_install + in_service + retired` at every instant (every change
/// goes through the methods below, which keep it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChipCounts {
    /// Owned at the start (the fleet's or lab's `initial_accelerators`),
    /// installed then.
    pub at_start: u64,
    /// Delivered so far.
    pub delivered: u64,
    /// Delivered and not yet installed (the wiring's install delay).
    pub awaiting_install: u64,
    /// Installed and not retired.
    pub in_service: u64,
    /// Retired after their service life (those owned at the start and
    /// already a life old at it included, retired at the start).
    pub retired: u64,
}

impl ChipCounts {
    /// `n` accelerators owned at the start: in service, or retired at once
    /// if `expired` (a service life old or more at the start).
    pub(crate) fn owned_at_start(&mut self, n: u64, expired: bool) {
        self.at_start += n;
        if expired {
            self.retired += n;
        } else {
            self.in_service += n;
        }
    }

    /// `n` accelerators delivered, awaiting installation.
    pub(crate) fn deliver(&mut self, n: u64) {
        self.delivered += n;
        self.awaiting_install += n;
    }

    /// `n` accelerators installed, from those awaiting installation; a
    /// batch installed without a delivery (as a test may do) was never
    /// awaited and is counted delivered now.
    pub(crate) fn install(&mut self, n: u64) {
        if self.awaiting_install >= n {
            self.awaiting_install -= n;
        } else {
            self.delivered += n - self.awaiting_install;
            self.awaiting_install = 0;
        }
        self.in_service += n;
    }

    /// `n` accelerators in service retire.
    pub(crate) fn retire(&mut self, n: u64) {
        self.in_service -= n;
        self.retired += n;
    }

    /// The sum of `self` and `o`, field by field (the nation's of several).
    pub(crate) fn add(&mut self, o: &ChipCounts) {
        self.at_start += o.at_start;
        self.delivered += o.delivered;
        self.awaiting_install += o.awaiting_install;
        self.in_service += o.in_service;
        self.retired += o.retired;
    }
}

/// One fleet's state.
pub(crate) struct Fleet {
    pub name: String,
    /// Its sites, indices into `Training::sites`.
    pub sites: Vec<usize>,
    /// Accounted up to here.
    pub last_update: SimTime,
    pub chips: ChipCounts,
    /// Since the previous sample.
    pub flows: FleetEnergy,
    /// Over the whole run.
    pub totals: FleetEnergy,
}

impl Fleet {
    pub fn new(name: String, sites: Vec<usize>) -> Fleet {
        Fleet {
            name,
            sites,
            last_update: SimTime::ZERO,
            chips: ChipCounts::default(),
            flows: FleetEnergy::default(),
            totals: FleetEnergy::default(),
        }
    }
}

fn fleet_index(fleets: &[Fleet], fleet: FleetId) -> Result<usize, TrainingError> {
    (fleet.index() < fleets.len())
        .then_some(fleet.index())
        .ok_or(TrainingError::UnknownFleet(fleet.index()))
}

impl Training {
    /// The fleets, by id and name.
    pub fn fleets(&self) -> impl Iterator<Item = (FleetId, &str)> {
        self.fleets
            .iter()
            .enumerate()
            .map(|(i, f)| (FleetId(i as u32), f.name.as_str()))
    }

    /// The fleet that owns `site` (`None` for a lab's site or an unknown id).
    pub fn site_fleet(&self, site: SiteId) -> Option<FleetId> {
        match self.sites.get(site.index())?.owner {
            crate::cluster::SiteOwner::Fleet(f) => Some(f),
            crate::cluster::SiteOwner::Lab(_) => None,
        }
    }

    /// The fleet's accelerators, counted (`None` for an unknown id).
    pub fn fleet_chips(&self, fleet: FleetId) -> Option<ChipCounts> {
        self.fleets.get(fleet.index()).map(|f| f.chips)
    }

    /// The chip supplier delivers `batch` to `fleet` now; it is installed
    /// later by [`Training::install_fleet_accelerators`] (the wiring's
    /// install delay). Nothing is paid: the owner's budget bought it.
    pub fn fleet_accelerators_delivered(
        &mut self,
        fleet: FleetId,
        batch: &ChipBatch,
    ) -> Result<(), TrainingError> {
        let fi = fleet_index(&self.fleets, fleet)?;
        validate_delivery(|| format!("delivery to fleet {}", self.fleets[fi].name), batch)?;
        self.fleets[fi].chips.deliver(batch.count);
        Ok(())
    }

    /// Accelerators delivered earlier are installed at the fleet's sites:
    /// they fill the sites' unused connections in order, and what no
    /// connection runs goes to the first site, which asks the grid for
    /// more connection (plus its headroom share). Each retires after the
    /// service life.
    pub fn install_fleet_accelerators(
        &mut self,
        fleet: FleetId,
        batch: ChipBatch,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let fi = fleet_index(&self.fleets, fleet)?;
        validate_delivery(|| format!("delivery to fleet {}", self.fleets[fi].name), &batch)?;
        if batch.count == 0 {
            return Ok(());
        }
        let now = agenda.now();
        self.advance_fleet(fi, now);
        let sites = self.fleets[fi].sites.clone();
        self.install_spread(&sites, &batch, now, agenda)?;
        self.fleets[fi].chips.install(batch.count);
        self.recompute_fleet(fi, now, signals)
    }

    /// Installs the fleet's accelerators owned at the start (at its sites,
    /// by the rule of a delivery, oldest first), each retiring a service
    /// life after its installed date (`ChipBatch::age`); a batch already
    /// that old is counted at the start and retired, never installed.
    pub(crate) fn install_fleet_initial(
        &mut self,
        fi: usize,
        batches: &[ChipBatch],
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        if batches.iter().all(|b| b.count == 0) {
            return Ok(());
        }
        let now = agenda.now();
        self.advance_fleet(fi, now);
        let sites = self.fleets[fi].sites.clone();
        for b in batches.iter().filter(|b| b.count > 0) {
            // A batch a service life old or more was retired by the start:
            // counted at the start and retired, never in service.
            let expired = self.expired(b);
            if !expired {
                self.install_spread(&sites, b, now, agenda)?;
            }
            self.fleets[fi].chips.owned_at_start(b.count, expired);
        }
        self.recompute_fleet(fi, now, signals)
    }

    /// A cohort of a fleet's site reaches the end of its service life.
    pub(crate) fn retire_fleet_cohort(
        &mut self,
        fleet: FleetId,
        site: SiteId,
        cohort: usize,
        now: SimTime,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let fi = fleet_index(&self.fleets, fleet)?;
        self.advance_fleet(fi, now);
        if let Some(n) = self.sites[site.index()].retire(cohort) {
            self.fleets[fi].chips.retire(n);
            self.recompute_fleet(fi, now, signals)?;
        }
        Ok(())
    }

    /// Accounts the fleet from its last update to `now` at its sites'
    /// current power: energy drawn, energy lacked, electricity paid.
    pub(crate) fn advance_fleet(&mut self, fi: usize, now: SimTime) {
        let Training { fleets, sites, .. } = self;
        let fleet = &mut fleets[fi];
        if now <= fleet.last_update {
            return;
        }
        let dt_h = (now.0 - fleet.last_update.0) as f64 / SECS_PER_HOUR as f64;
        fleet.last_update = now;
        let mut e = FleetEnergy::default();
        for &si in &fleet.sites {
            let s = &sites[si];
            let drawn = s.power.powered_mw * dt_h;
            e.energy_mwh += drawn;
            e.electricity_usd += drawn * s.price_usd_per_mwh;
            e.lost_power_mwh += (s.power.full_mw - s.power.powered_mw).max(0.0) * dt_h;
            e.curtailed_mwh += (s.demand_mw() - s.power.powered_mw).max(0.0) * dt_h;
        }
        fleet.flows.add(&e);
        fleet.totals.add(&e);
    }

    /// Recomputes the power of the fleet's sites after a change, and tells
    /// the grid their demand and connection needs.
    pub(crate) fn recompute_fleet(
        &mut self,
        fi: usize,
        now: SimTime,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        self.advance_fleet(fi, now);
        let Training { fleets, sites, .. } = self;
        for &si in &fleets[fi].sites {
            let s = &mut sites[si];
            s.recompute_power();
            if !s.power.full_mw.is_finite() {
                return Err(TrainingError::NotFinite {
                    entity: s.name.clone(),
                    what: "facility MW",
                });
            }
            s.signal_needs(SiteId(si as u32), signals);
        }
        Ok(())
    }

    /// Emits every fleet's monthly metrics (entity: the fleet's name, then
    /// `national` for their sums), flows since the previous sample, then
    /// reset: `buyers.accelerators_in_service` (chips, now),
    /// `buyers.power_needed_mw` (facility MW every accelerator in service
    /// would draw, now), `buyers.power_drawn_mw` (facility MW drawn now),
    /// `buyers.energy_mwh`, `buyers.energy_lost_power_mwh`,
    /// `buyers.energy_curtailed_mwh` (MWh, flows; see [`FleetEnergy`]) and
    /// `buyers.electricity_usd` (flow). Nothing without fleets.
    pub(crate) fn sample_fleets(&mut self, now: SimTime, emit: &mut dyn FnMut(&str, &str, f64)) {
        if self.fleets.is_empty() {
            return;
        }
        for fi in 0..self.fleets.len() {
            self.advance_fleet(fi, now);
        }
        let (mut nat, mut chips, mut needed, mut drawn) = (FleetEnergy::default(), 0.0, 0.0, 0.0);
        let Training { fleets, sites, .. } = self;
        for fleet in fleets.iter_mut() {
            let f = std::mem::take(&mut fleet.flows);
            let n = fleet.chips.in_service as f64;
            let need: f64 = fleet.sites.iter().map(|&s| sites[s].power.full_mw).sum();
            let draw: f64 = fleet.sites.iter().map(|&s| sites[s].power.powered_mw).sum();
            emit_fleet(emit, &fleet.name, n, need, draw, &f);
            nat.add(&f);
            chips += n;
            needed += need;
            drawn += draw;
        }
        emit_fleet(emit, "national", chips, needed, drawn, &nat);
    }

    /// Emits the fleets' scalar outcomes (nothing without fleets): their
    /// sums `buyers.energy_mwh_total`, `buyers.energy_lost_power_mwh_total`,
    /// `buyers.energy_curtailed_mwh_total` (MWh), `buyers.electricity_usd_total`
    /// (USD), `buyers.accelerators_at_start` (owned at the start),
    /// `buyers.accelerators_awaiting_install_end`,
    /// `buyers.accelerators_in_service_end` and
    /// `buyers.accelerators_retired_total` (chips: with those delivered and
    /// those owned at the start, `at start + delivered = awaiting + in
    /// service + retired`); then each fleet's own,
    /// `buyers.<fleet>.<outcome>` for the same outcomes ([`buyer_outcome`]).
    pub(crate) fn fleet_summary_scalars(&self, emit: &mut dyn FnMut(&str, f64)) {
        if self.fleets.is_empty() {
            return;
        }
        let mut nat = FleetEnergy::default();
        let mut chips = ChipCounts::default();
        for f in &self.fleets {
            nat.add(&f.totals);
            chips.add(&f.chips);
        }
        emit_fleet_scalars(&mut |k, v| emit(&format!("buyers.{k}"), v), &nat, &chips);
        for f in &self.fleets {
            emit_fleet_scalars(
                &mut |k, v| emit(&buyer_outcome(&f.name, k), v),
                &f.totals,
                &f.chips,
            );
        }
    }
}

/// The scalar outcome `outcome` (e.g. `energy_mwh_total`) of the fleet
/// `fleet`: `buyers.<fleet>.<outcome>`. Fleet names have no dot, so the
/// name never equals a national `buyers.<outcome>`.
pub fn buyer_outcome(fleet: &str, outcome: &str) -> String {
    format!("buyers.{fleet}.{outcome}")
}

fn emit_fleet(
    emit: &mut dyn FnMut(&str, &str, f64),
    name: &str,
    chips: f64,
    needed_mw: f64,
    drawn_mw: f64,
    f: &FleetEnergy,
) {
    emit("buyers.accelerators_in_service", name, chips);
    emit("buyers.power_needed_mw", name, needed_mw);
    emit("buyers.power_drawn_mw", name, drawn_mw);
    emit("buyers.energy_mwh", name, f.energy_mwh);
    emit("buyers.energy_lost_power_mwh", name, f.lost_power_mwh);
    emit("buyers.energy_curtailed_mwh", name, f.curtailed_mwh);
    emit("buyers.electricity_usd", name, f.electricity_usd);
}

fn emit_fleet_scalars(emit: &mut dyn FnMut(&str, f64), e: &FleetEnergy, c: &ChipCounts) {
    emit("energy_mwh_total", e.energy_mwh);
    emit("energy_lost_power_mwh_total", e.lost_power_mwh);
    emit("energy_curtailed_mwh_total", e.curtailed_mwh);
    emit("electricity_usd_total", e.electricity_usd);
    emit("accelerators_at_start", c.at_start as f64);
    emit("accelerators_awaiting_install_end", c.awaiting_install as f64);
    emit("accelerators_in_service_end", c.in_service as f64);
    emit("accelerators_retired_total", c.retired as f64);
}
