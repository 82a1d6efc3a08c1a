//! The one place where the three domains meet.
//!
//! Each domain pushes *signals* into its own buffer; after every event the
//! stack calls [`Wiring::route`], which turns each signal into a call on, or
//! an event for, another domain:
//!
//! | signal | becomes |
//! | --- | --- |
//! | `GridSignal::LoadServed` of a datacenter site (a lab's, or an other buyer's fleet's) | `Training::set_power_served` (MW) |
//! | `GridSignal::LoadServed` of a fab | `SupplyChain::set_power_served` (share of demand served) |
//! | `GridSignal::ConnectionGranted` of a site | `Training::connection_granted` |
//! | `FabSignal::Delivered` | at once `Training::accelerators_charged` (spend and the lab's open orders); after `install_delay_days`, at the grid's first dispatch from then (`Grid::dispatch_at_or_after`), `Training::install_accelerators` |
//! | `FabSignal::Delivered` to an other buyer with sites | at once `Training::fleet_accelerators_delivered`; after `install_delay_days`, at the grid's first dispatch from then, `Training::install_fleet_accelerators` (a `StackEvent::InstallFleet`) |
//! | `FabSignal::OrderClosed` | at once `Training::order_closed` (the written-off residue leaves the lab's open orders) |
//! | `FabSignal::PowerDemand` | `Grid::set_load_demand` of the fab's load |
//! | `TrainingSignal::PowerDemand` | `Grid::set_load_demand` of the site's load |
//! | `TrainingSignal::Order` | `SupplyChain::place_order` of the lab's buyer |
//! | each calendar month start (`World`) | `SupplyChain::place_order` of every other buyer (`chips.other_buyers`): a twelfth of its yearly budget; their deliveries and closed orders go to no lab (counted; the deliveries of one with sites go to its fleet, above) |
//! | `TrainingSignal::ConnectionRequest` | `Grid::request_connection` (the interconnection queue) |
//! | each calendar month start after time zero, and the end (`World`; whatever `settings.sample_every_months`) | `SupplyChain::bill_electricity` of each fab: the energy its load was served since its last bill and what it cost (`Grid::take_load_bill`: each dispatch step's energy at that step's price in its region; `Wiring::fab_bills`) |
//! | each calendar month start, and the first dispatch (`World`; whatever `settings.sample_every_months`) | `Training::set_electricity_price` with the price the site itself paid since its last bill (`Grid::take_load_bill`: its energy-weighted average; if it drew nothing, its region's price over the hours it was not cut; if it was cut throughout, its previous price; `Wiring::monthly_prices`) |
//!
//! Signals with no consumer (project completions, releases, scrapped
//! wafers) go only to the event trace.

use crate::error::RunError;
use crate::world::{Domains, StackEvent};
use energy_grid::{GridSignal, LoadId, RegionId};
use fab_supply_chain::{BuyerId, FabId, FabSignal};
use model_training::{ChipBatch, FleetId, LabId, SiteId, TrainingSignal};
use scheduler::{Duration, Mapped, Scheduler, SimTime, TimePath};

/// What a grid load stands for in the other domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadOwner {
    /// A training site (a lab's datacenter in a region).
    Site(SiteId),
    /// A fab.
    Fab(FabId),
}

/// The id maps between domains, built when the stack is assembled.
#[derive(Debug, Default)]
pub struct Wiring {
    /// Owner of each grid load, by load index.
    pub load_owner: Vec<LoadOwner>,
    /// Grid load of each training site, by site index.
    pub site_load: Vec<LoadId>,
    /// Every training site (each billed at its own load's price).
    pub sites: Vec<SiteId>,
    /// Grid region of each training site, by site index.
    pub site_region: Vec<RegionId>,
    /// The price each site was last passed, USD/MWh, by site index (`None`
    /// before its first bill).
    pub tariff: Vec<Option<f64>>,
    /// Grid load of each fab, by fab index (each fab billed for its own
    /// load, [`Wiring::fab_bills`]).
    pub fab_load: Vec<LoadId>,
    /// Training lab of each supply-chain buyer, by buyer index (`None`
    /// for a buyer outside the modelled labs, `chips.other_buyers`).
    pub buyer_lab: Vec<Option<LabId>>,
    /// Training fleet of each supply-chain buyer, by buyer index (`Some`
    /// for an other buyer with sites; `None` for a lab's buyer and for an
    /// other buyer whose chips leave the model).
    pub buyer_fleet: Vec<Option<FleetId>>,
    /// The other buyers and their budgets, USD per year over time.
    pub other_buyers: Vec<(BuyerId, TimePath)>,
    /// Accelerators delivered to the labs.
    pub delivered_to_labs: u64,
    /// Accelerators delivered to the other buyers (to their fleets if they
    /// have sites; else they leave the model).
    pub delivered_to_others: u64,
    /// Supply-chain buyer of each lab, by lab index.
    pub lab_buyer: Vec<BuyerId>,
    /// Delay from delivery to installation.
    pub install_delay: Duration,
}

/// Signal buffers, reused for the whole run.
#[derive(Debug, Default)]
pub struct Signals {
    /// From the grid.
    pub grid: Vec<GridSignal>,
    /// From the supply chain.
    pub fab: Vec<FabSignal>,
    /// From training.
    pub training: Vec<TrainingSignal>,
    /// Spare buffers that `route` swaps with, so routing allocates nothing
    /// once the buffers have grown.
    spare: (Vec<GridSignal>, Vec<FabSignal>, Vec<TrainingSignal>),
}

impl Signals {
    fn is_empty(&self) -> bool {
        self.grid.is_empty() && self.fab.is_empty() && self.training.is_empty()
    }
}

/// Receives every routed signal, for the event trace.
pub trait SignalSink {
    /// Records one signal (its debug form).
    fn signal(&mut self, what: &dyn std::fmt::Debug);
}

impl Wiring {
    /// Delivers every pending signal, and those the deliveries cause, until
    /// none is left.
    pub fn route(
        &mut self,
        d: &mut Domains,
        sig: &mut Signals,
        sched: &mut Scheduler<StackEvent>,
        sink: &mut dyn SignalSink,
    ) -> Result<(), RunError> {
        // Most events (the grid's dispatch steps) signal nothing: return
        // before moving the six buffers around.
        if sig.is_empty() {
            return Ok(());
        }
        let (mut grid, mut fab, mut training) = std::mem::take(&mut sig.spare);
        while !sig.is_empty() {
            std::mem::swap(&mut grid, &mut sig.grid);
            std::mem::swap(&mut fab, &mut sig.fab);
            std::mem::swap(&mut training, &mut sig.training);
            for s in grid.drain(..) {
                sink.signal(&s);
                self.grid_signal(s, d, sig, sched)?;
            }
            for s in fab.drain(..) {
                sink.signal(&s);
                self.fab_signal(s, d, sig, sched)?;
            }
            for s in training.drain(..) {
                sink.signal(&s);
                self.training_signal(s, d, sched)?;
            }
        }
        sig.spare = (grid, fab, training);
        Ok(())
    }

    fn grid_signal(
        &mut self,
        s: GridSignal,
        d: &mut Domains,
        sig: &mut Signals,
        sched: &mut Scheduler<StackEvent>,
    ) -> Result<(), RunError> {
        match s {
            GridSignal::LoadServed {
                load,
                requested_mw,
                served_mw,
            } => match self.load_owner[load.index()] {
                LoadOwner::Site(site) => {
                    let mut agenda = Mapped::new(sched, StackEvent::Training);
                    d.training
                        .set_power_served(site, served_mw, &mut agenda, &mut sig.training)?;
                }
                LoadOwner::Fab(fab) => {
                    let share = if requested_mw > 0.0 {
                        (served_mw / requested_mw).clamp(0.0, 1.0)
                    } else {
                        1.0
                    };
                    let mut agenda = Mapped::new(sched, StackEvent::Fab);
                    d.fab.set_power_served(fab, share, &mut agenda, &mut sig.fab)?;
                }
            },
            GridSignal::ConnectionGranted { load, connected_mw } => {
                if let LoadOwner::Site(site) = self.load_owner[load.index()] {
                    let mut agenda = Mapped::new(sched, StackEvent::Training);
                    d.training
                        .connection_granted(site, connected_mw, &mut agenda, &mut sig.training)?;
                }
            }
            GridSignal::ProjectCompleted { .. } => {}
        }
        Ok(())
    }

    fn fab_signal(
        &mut self,
        s: FabSignal,
        d: &mut Domains,
        _sig: &mut Signals,
        sched: &mut Scheduler<StackEvent>,
    ) -> Result<(), RunError> {
        match s {
            FabSignal::Delivered {
                buyer,
                design_name,
                count,
                peak_flop_s_per_chip,
                power_w_per_chip,
                unit_price_usd,
                ..
            } => {
                let batch = ChipBatch {
                    design: design_name,
                    count,
                    peak_flop_s_per_chip,
                    power_w_per_chip,
                    unit_price_usd,
                    age: scheduler::Duration::ZERO,
                };
                let Some(lab) = self.buyer_lab[buyer.index()] else {
                    self.delivered_to_others += count;
                    // An other buyer with sites installs its chips in its
                    // fleet after the install delay, as a lab does; one
                    // without sites takes them out of the model.
                    if let Some(fleet) = self.buyer_fleet.get(buyer.index()).copied().flatten() {
                        d.training.fleet_accelerators_delivered(fleet, &batch)?;
                        let due = self.install_due(sched.now())?;
                        sched.schedule_at(
                            d.grid.dispatch_at_or_after(due),
                            StackEvent::InstallFleet { fleet, batch },
                        )?;
                    }
                    return Ok(());
                };
                self.delivered_to_labs += count;
                // Paid for when delivered (the supplier has taken the value
                // from the order); in service after the install delay, at the
                // grid's first dispatch from then (scheduled long before that
                // dispatch, the install runs first at its instant, so the new
                // chips' demand is dispatched at once).
                d.training.accelerators_charged(lab, &batch, sched.now())?;
                let due = self.install_due(sched.now())?;
                sched.schedule_at(
                    d.grid.dispatch_at_or_after(due),
                    StackEvent::Install { lab, batch },
                )?;
            }
            FabSignal::OrderClosed {
                buyer,
                residue_usd,
                nothing_suppliable,
            } => {
                // At once, like the charge of a delivery: the lab's book of
                // open orders is the supplier's backlog at every instant,
                // so its next plan knows exactly whether its orders are
                // being filled.
                if let Some(lab) = self.buyer_lab[buyer.index()] {
                    d.training.order_closed(lab, residue_usd, nothing_suppliable)?;
                }
            }
            FabSignal::PowerDemand { fab, mw } => {
                d.grid.set_load_demand(self.fab_load[fab.index()], mw)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn training_signal(
        &mut self,
        s: TrainingSignal,
        d: &mut Domains,
        sched: &mut Scheduler<StackEvent>,
    ) -> Result<(), RunError> {
        match s {
            TrainingSignal::PowerDemand { site, mw } => {
                d.grid.set_load_demand(self.site_load[site.index()], mw)?;
            }
            TrainingSignal::Order { lab, budget_usd } => {
                d.fab.place_order(self.lab_buyer[lab.index()], budget_usd)?;
            }
            TrainingSignal::ConnectionRequest { site, additional_mw } => {
                let mut agenda = Mapped::new(sched, StackEvent::Grid);
                d.grid
                    .request_connection(self.site_load[site.index()], additional_mw, &mut agenda)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// When accelerators delivered at `now` are due for installation:
    /// after the install delay.
    fn install_due(&self, now: SimTime) -> Result<SimTime, RunError> {
        Ok(now
            .checked_add(self.install_delay)
            .ok_or(scheduler::ScheduleError::Overflow {
                now,
                delay: self.install_delay,
            })?)
    }

    /// Each other buyer orders a twelfth of its yearly budget at `t` (a
    /// calendar month start, or the run's start) times `month_share`, the
    /// share of the month the run covers from `t` (1 for a whole month;
    /// less for a run that starts or ends inside a month, so a year from
    /// 15 January orders twelve twelfths, not thirteen); nothing for a
    /// budget of 0.
    pub fn other_buyers_order(
        &mut self,
        d: &mut Domains,
        t: SimTime,
        month_share: f64,
    ) -> Result<(), RunError> {
        for (buyer, budget) in &self.other_buyers {
            let usd = budget.at(t) / 12.0 * month_share;
            if usd > 0.0 {
                d.fab.place_order(*buyer, usd)?;
            }
        }
        Ok(())
    }

    /// Bills each fab for the energy its grid load was served since its
    /// last bill, each dispatch step's energy at that step's price in its
    /// region (`Grid::take_load_bill`, as for the sites), and books the
    /// bill in the supply chain (`SupplyChain::bill_electricity`). Called
    /// at each month start after time zero and at the end, before the
    /// sample there, so each sample holds the bills of the months before
    /// it. The bill changes nothing else in either domain.
    pub fn fab_bills(&mut self, d: &mut Domains) -> Result<(), RunError> {
        // Every fab has a load (`World::assemble`): `fab_load` is indexed
        // by the fab ids `SupplyChain::fabs` yields, in their order.
        let fabs: Vec<FabId> = d.fab.fabs().map(|(fab, ..)| fab).collect();
        for (fab, &load) in fabs.into_iter().zip(&self.fab_load) {
            let bill = d.grid.take_load_bill(load);
            d.fab.bill_electricity(fab, bill.energy_mwh, bill.cost_usd)?;
        }
        Ok(())
    }

    /// Bills each site for the period since its last bill and passes it
    /// the price it paid per MWh, its tariff for the next period (each
    /// dispatch step's energy at that step's price; see
    /// `Grid::take_load_bill`). A site that drew nothing gets its region's
    /// price over the hours it was not cut; one the grid cut throughout
    /// keeps its previous tariff (before any, its region's price at the
    /// latest dispatch), so it is not charged the scarcity price of hours
    /// it never drew. A lab whose budget caps its draw sets it again (its
    /// power-demand signals go to `sig`, routed after the event).
    ///
    /// With `close`, the bill is closed (the next starts now); without, it
    /// runs on: the price of the first dispatch step, passed right after it,
    /// is a provisional tariff for the first month, whose own bill still
    /// covers that step.
    pub fn monthly_prices(
        &mut self,
        d: &mut Domains,
        now: scheduler::SimTime,
        close: bool,
        sig: &mut Signals,
        sched: &mut Scheduler<StackEvent>,
    ) -> Result<(), RunError> {
        for &site in &self.sites {
            let i = site.index();
            let load = self.site_load[i];
            let bill = if close {
                d.grid.take_load_bill(load)
            } else {
                d.grid.load_bill(load)
            };
            let price = bill
                .price_usd_per_mwh()
                .or(self.tariff[i])
                .unwrap_or_else(|| d.grid.price_usd_per_mwh(self.site_region[i]));
            self.tariff[i] = Some(price);
            let mut agenda = Mapped::new(sched, StackEvent::Training);
            d.training
                .set_electricity_price(site, price, now, &mut agenda, &mut sig.training)?;
        }
        Ok(())
    }
}
