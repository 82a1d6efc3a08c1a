//! The supply chain's state: construction from a validated config, accessors
//! and input methods for the wiring, and the handling of every event but the
//! production tick (`production.rs`): fab openings, lot completions, tool
//! failures and repairs, projects, policies and delayed import arrivals.

use crate::config::*;
use crate::error::FabError;
use crate::events::{ArrivalItem, BindingInput, FabEvent, FabSignal};
use crate::fab::{Fab, WaferBalance};
use crate::inputs::{Flow, Hbm, ImportFlow, ToolSupply, per_month};
use crate::orders::OrderBook;
use crate::supply::SupplyIndex;
use crate::validate::validate;
use crate::yield_curve::gross_dies_per_wafer;
use crate::{BuyerId, DesignId, FabId, PolicyId, ProjectId, id32};
use scheduler::{Agenda, Dist, Duration, RngStreams, SimTime, StreamRng};

/// A design, with its gross dies per wafer.
pub(crate) struct Design {
    pub cfg: DesignConfig,
    pub gross_dies_per_wafer: f64,
}

enum ProjectTarget {
    NewFab(usize),
    Expansion(usize, f64),
}

/// Where a project stands.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectState {
    Waiting,
    Building,
    Done,
}

pub(crate) struct Project {
    name: String,
    target: ProjectTarget,
    starts_at: Option<SimTime>,
    /// Whether its start is scheduled (a `starts_at`, or a subsidy that
    /// has taken effect): a waiting project with its start scheduled will
    /// be built.
    pub(crate) start_scheduled: bool,
    /// The configured lead time, conditioned on outlasting
    /// `years_spent_at_start` ([`Dist::still_to_run`]).
    lead_time_years: Dist,
    /// Years already built at time zero (see [`FabProjectConfig`](crate::FabProjectConfig)).
    years_spent_at_start: f64,
    /// Stream `fab/project/<name>`.
    rng: StreamRng,
    pub(crate) state: ProjectState,
    /// Seconds by which its completion date lies before the instant it
    /// completes: positive only for a project begun before time zero whose
    /// fixed lead time ran out before it (it completes at the start, and its
    /// fab or tranche ramps from its real date).
    overdue_secs: f64,
}

/// Running totals since the start, for the summary.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Totals {
    pub delivered_units: u64,
    pub flop_s_delivered: f64,
    pub built: u64,
    pub imported: u64,
    /// Of `imported`, the units of grey flows (never delayed, so counted
    /// when shipped).
    pub imported_grey: u64,
    /// Path units of on-order import flows not imported (no order wanted them).
    pub declined: u64,
    /// Units of the licensed accelerator import paths the quotas held back
    /// (a rate × time, so fractional).
    pub quota_withheld: f64,
    /// Production ticks at which a quota held some of them back.
    pub quota_ticks: u64,
    pub binding_ticks: [u64; 6],
    /// Wafers the planner left unstarted, over all fabs.
    pub forgone: u64,
    /// Energy billed to the fabs, MWh.
    pub energy_mwh: f64,
    /// What it cost them, USD.
    pub electricity_usd: f64,
}

/// The state of the supply chain.
pub struct SupplyChain {
    pub(crate) step: Duration,
    /// [`FabConfig::horizon_end`] in ticks, `u64::MAX` for none.
    pub(crate) horizon_end: u64,
    pub(crate) designs: Vec<Design>,
    pub(crate) gross: Vec<f64>,
    pub(crate) prices: Vec<f64>,
    pub(crate) fabs: Vec<Fab>,
    pub(crate) openings: Vec<FabOpening>,
    pub(crate) nameplate_cfg: Vec<f64>,
    pub(crate) projects: Vec<Project>,
    pub(crate) policies: Vec<PolicyConfig>,
    /// Per policy (same order): whether it has taken effect.
    pub(crate) policy_applied: Vec<bool>,
    pub(crate) tools: ToolSupply,
    pub(crate) hbm: Hbm,
    pub(crate) packaging: Flow,
    /// (design index, import flow).
    pub(crate) imports: Vec<(usize, ImportFlow)>,
    /// Per import flow (same order): imported only against open orders
    /// (`AcceleratorImportConfig::on_order`).
    pub(crate) imports_on_order: Vec<bool>,
    /// National quota on accelerator imports, units per month, shared by
    /// every import flow (set by a `QuotaPerMonth` on all accelerators).
    pub(crate) accelerator_quota: Option<f64>,
    pub(crate) die_stock: Vec<u64>,
    pub(crate) finished: Vec<u64>,
    /// Imported accelerators shipped and held by a licence delay, per design.
    pub(crate) in_transit: Vec<u64>,
    /// Imported tools and HBM stacks shipped and held by a licence delay.
    pub(crate) tools_in_transit: u64,
    pub(crate) hbm_in_transit: u64,
    /// What the rule "a design can still be supplied" looks up, fixed at
    /// load (`supply.rs`).
    pub(crate) supply_index: SupplyIndex,
    pub(crate) buyers: Vec<BuyerConfig>,
    pub(crate) orders: OrderBook,
    started: bool,
    /// The events [`SupplyChain::start`] applied at once instead of
    /// scheduling them, until [`SupplyChain::take_applied_at_start`] takes
    /// them.
    applied_at_start: Vec<FabEvent>,
    // Flows since the last sample.
    pub(crate) built_period: Vec<u64>,
    pub(crate) imported_period: Vec<u64>,
    /// Per design: path units of on-order import flows declined since the
    /// last sample (`fab.imports_declined`).
    pub(crate) declined_period: Vec<u64>,
    pub(crate) packaging_used_period: u64,
    pub(crate) packaging_offered_period: u64,
    pub(crate) delivered_units_period: Vec<u64>,
    pub(crate) flop_s_delivered_period: Vec<f64>,
    pub(crate) binding_ticks_period: [u64; 6],
    pub(crate) last_binding: BindingInput,
    pub(crate) totals: Totals,
    /// The wafer-start planner's die-bank target ([`FabConfig::die_bank_target`]);
    /// `None`: fabs start at capacity.
    pub(crate) die_bank_target: Option<Duration>,
}

/// A draw of `dist` less `less_years`, as a duration in years (zero if
/// that is negative); an error for a draw that is not finite or beyond the
/// clock.
///
/// `entity` names the fab or project in the error; it is only called on an
/// error (a fab's next tool failure is drawn at every failure and repair,
/// about 2,000 times a ten-year run, and formatting its name each time cost
/// more than the draw).
fn draw_years(
    rng: &mut StreamRng,
    dist: &Dist,
    less_years: f64,
    entity: impl Fn() -> String,
    field: &'static str,
) -> Result<Duration, FabError> {
    draw_years_overdue(rng, dist, less_years, entity, field).map(|(d, _)| d)
}

/// [`draw_years`], with the seconds by which the draw fell short of
/// `less_years` (0 unless the duration was cut to zero): how long before
/// now a project begun before time zero was finished.
fn draw_years_overdue(
    rng: &mut StreamRng,
    dist: &Dist,
    less_years: f64,
    entity: impl Fn() -> String,
    field: &'static str,
) -> Result<(Duration, f64), FabError> {
    let v = dist.sample(rng);
    let bad = || FabError::BadSample {
        entity: entity(),
        field,
        value: v,
    };
    if !v.is_finite() {
        return Err(bad());
    }
    // Validation keeps every distribution's values ≥ 0, and a project begun
    // before time zero draws a lead time longer than the years already
    // spent, so only a fixed (`Const`) lead that has run out makes this
    // negative: its completion date has passed, and it completes now.
    let overdue_secs = (less_years - v).max(0.0) * scheduler::SECS_PER_YEAR as f64;
    Ok((
        Duration::from_years_f64((v - less_years).max(0.0)).ok_or_else(bad)?,
        overdue_secs,
    ))
}

impl SupplyChain {
    /// Validates `config` and builds the chain; every fab and project gets
    /// its own random stream (`fab/tools/<fab>`, `fab/project/<project>`).
    pub fn new(config: FabConfig, streams: &RngStreams) -> Result<SupplyChain, FabError> {
        let names = validate(&config)?;
        let designs: Vec<Design> = config
            .designs
            .iter()
            .map(|d| Design {
                gross_dies_per_wafer: gross_dies_per_wafer(config.wafer_diameter_mm, d.die_area_mm2),
                cfg: d.clone(),
            })
            .collect();
        let find =
            |map: &std::collections::HashMap<String, usize>, entity: &str, kind: &'static str, n: &str| {
                map.get(n).copied().ok_or_else(|| FabError::UnknownReference {
                    entity: entity.to_string(),
                    field: "name".into(),
                    kind,
                    name: n.to_string(),
                })
            };
        let mut fabs = Vec::with_capacity(config.fabs.len());
        for f in &config.fabs {
            let mix = f
                .product_mix
                .iter()
                .map(|p| find(&names.designs, &f.name, "design", &p.design))
                .collect::<Result<Vec<_>, _>>()?;
            fabs.push(Fab::new(f, mix, streams.stream(&format!("fab/tools/{}", f.name))));
        }
        let mut projects = Vec::with_capacity(config.projects.len());
        for p in &config.projects {
            let target = match &p.kind {
                ProjectKind::NewFab { fab } => ProjectTarget::NewFab(find(&names.fabs, &p.name, "fab", fab)?),
                ProjectKind::Expansion {
                    fab,
                    added_wafers_per_month,
                } => {
                    ProjectTarget::Expansion(find(&names.fabs, &p.name, "fab", fab)?, *added_wafers_per_month)
                }
            };
            projects.push(Project {
                name: p.name.clone(),
                target,
                starts_at: p.starts_at,
                // Conditioned on outlasting the years spent (validated above).
                lead_time_years: p.lead_time_years.still_to_run(p.years_spent_at_start).map_err(
                    |reason| FabError::InvalidField {
                        entity: format!("project \"{}\"", p.name),
                        field: "years_spent_at_start".into(),
                        reason,
                    },
                )?,
                years_spent_at_start: p.years_spent_at_start,
                start_scheduled: p.starts_at.is_some(),
                rng: streams.stream(&format!("fab/project/{}", p.name)),
                state: ProjectState::Waiting,
                overdue_secs: 0.0,
            });
        }
        let mut die_stock = vec![0u64; designs.len()];
        for b in &config.die_banks {
            die_stock[find(&names.designs, "die bank", "design", &b.design)?] += b.dies;
        }
        let mut imports = Vec::new();
        for i in &config.accelerator_imports {
            let d = find(&names.designs, "accelerator import", "design", &i.design)?;
            let mut flow = ImportFlow::new(i.units_per_month.clone());
            flow.grey = i.grey;
            imports.push((d, flow));
        }
        let imports_on_order = config.accelerator_imports.iter().map(|i| i.on_order).collect();
        let n_designs = designs.len();
        let n_buyers = config.buyers.len();
        let supply_index = SupplyIndex::new(&config, &fabs, n_designs);
        Ok(SupplyChain {
            step: config.production_step,
            horizon_end: config.horizon_end.map_or(u64::MAX, |t| t.ticks()),
            gross: designs.iter().map(|d| d.gross_dies_per_wafer).collect(),
            prices: designs.iter().map(|d| d.cfg.unit_price_usd).collect(),
            designs,
            fabs,
            openings: config.fabs.iter().map(|f| f.opens).collect(),
            nameplate_cfg: config.fabs.iter().map(|f| f.capacity_wafers_per_month).collect(),
            projects,
            tools: ToolSupply {
                inventory: config.tools.inventory_at_start,
                imports: ImportFlow::new(per_month(&config.tools.imports_per_year)),
                domestic: Flow::new(per_month(&config.tools.domestic_per_year)),
                failures_per_tool_year: config.tools.failures_per_tool_year,
                repair_days: config.tools.repair_days.clone(),
                arrived_period: 0,
                failures_period: 0,
            },
            hbm: Hbm {
                stock: config.hbm.stockpile_stacks_at_start,
                domestic: Flow::new(config.hbm.domestic_stacks_per_month.clone()),
                domestic_yield: config.hbm.domestic_yield.clone(),
                imports: ImportFlow::new(config.hbm.imports_stacks_per_month.clone()),
                used_period: 0,
                domestic_period: 0,
                imported_period: 0,
            },
            packaging: Flow::new(config.packaging_units_per_month.clone()),
            imports,
            imports_on_order,
            accelerator_quota: None,
            die_stock,
            finished: vec![0; n_designs],
            in_transit: vec![0; n_designs],
            tools_in_transit: 0,
            hbm_in_transit: 0,
            supply_index,
            orders: OrderBook::new(
                config.buyers.iter().map(|b| b.priority).collect(),
                config.allocation,
            ),
            buyers: config.buyers,
            policy_applied: vec![false; config.policies.len()],
            policies: config.policies,
            started: false,
            applied_at_start: Vec::new(),
            built_period: vec![0; n_designs],
            imported_period: vec![0; n_designs],
            declined_period: vec![0; n_designs],
            packaging_used_period: 0,
            packaging_offered_period: 0,
            delivered_units_period: vec![0; n_buyers],
            flop_s_delivered_period: vec![0.0; n_buyers],
            binding_ticks_period: [0; 6],
            last_binding: BindingInput::None,
            totals: Totals::default(),
            die_bank_target: config.die_bank_target,
        })
    }

    /// The id of buyer `name`, if it exists.
    pub fn buyer_id(&self, name: &str) -> Option<BuyerId> {
        self.buyers
            .iter()
            .position(|b| b.name == name)
            .map(|i| BuyerId(id32(i)))
    }

    /// The id of design `name`, if it exists.
    pub fn design_id(&self, name: &str) -> Option<DesignId> {
        self.designs
            .iter()
            .position(|d| d.cfg.name == name)
            .map(|i| DesignId(id32(i)))
    }

    /// The name of a design.
    pub fn design_name(&self, design: DesignId) -> Option<&str> {
        self.designs.get(design.index()).map(|d| d.cfg.name.as_str())
    }

    /// Every fab, including those not yet built: (id, fab name, region
    /// name). The integrator registers each as a grid load in its region.
    pub fn fabs(&self) -> impl Iterator<Item = (FabId, &str, &str)> {
        self.fabs
            .iter()
            .enumerate()
            .map(|(i, f)| (FabId(id32(i)), f.name.as_str(), f.region.as_str()))
    }

    /// The grid connection `fab` needs, MW: its power at full starts of the
    /// largest nameplate it can reach (configured capacity plus every
    /// expansion project that names it), at its MW per wafer/month. The
    /// integrator connects the fab's load for this much at registration, so
    /// an expansion's power is connected with it (the connection is a cap:
    /// the fab draws only what it asks for). `None` for an unknown id.
    pub fn fab_connection_mw(&self, fab: FabId) -> Option<f64> {
        let i = fab.index();
        let f = self.fabs.get(i)?;
        let expansions: f64 = self
            .projects
            .iter()
            .filter_map(|p| match p.target {
                ProjectTarget::Expansion(j, wpm) if j == i => Some(wpm),
                _ => None,
            })
            .sum();
        Some(f.full_power_mw(self.nameplate_cfg[i] + expansions))
    }

    /// The wafer balance of a fab (conservation: started = out + scrapped +
    /// in process). `None` for an unknown id.
    pub fn wafer_balance(&self, fab: FabId) -> Option<WaferBalance> {
        self.fabs.get(fab.index()).map(|f| f.balance)
    }

    /// The wafers in a fab's line now, counted lot by lot (what completion
    /// and scrap act on), not read from the balance: a check of
    /// [`SupplyChain::wafer_balance`]'s `in_process`. `None` for an unknown id.
    pub fn wafers_in_line(&self, fab: FabId) -> Option<u64> {
        self.fabs.get(fab.index()).map(|f| f.wafers_in_lots())
    }

    /// A fab's wafer-start capacity now, wafers per month: its ramped
    /// capacity capped by its working tools (zero while closed).
    pub fn fab_capacity_wafers_per_month(&self, fab: FabId, now: SimTime) -> Option<f64> {
        self.fabs.get(fab.index()).map(|f| f.effective_wpm(now))
    }

    /// Working and failed tools installed at a fab: (working, under repair).
    pub fn fab_tools(&self, fab: FabId) -> Option<(u64, u64)> {
        self.fabs.get(fab.index()).map(|f| (f.tools_up, f.tools_down))
    }

    /// HBM stacks in stock.
    pub fn hbm_stock(&self) -> u64 {
        self.hbm.stock
    }

    /// Open order value, USD.
    pub fn backlog_usd(&self) -> f64 {
        self.orders.backlog_usd()
    }

    /// Open order value of `buyer`, USD (`None` for an unknown id): what
    /// it ordered minus what it was charged at delivery minus what was
    /// written off when its orders closed ([`FabSignal::OrderClosed`]).
    pub fn buyer_backlog_usd(&self, buyer: BuyerId) -> Option<f64> {
        (buyer.index() < self.buyers.len()).then(|| self.orders.buyer_backlog_usd(buyer.index()))
    }

    /// Places an order worth `budget_usd` (finite, ≥ 0) for `buyer`.
    /// Delivered units are charged at their design's unit price until the
    /// order's value is used; the unfilled value stays in the backlog.
    pub fn place_order(&mut self, buyer: BuyerId, budget_usd: f64) -> Result<(), FabError> {
        if buyer.index() >= self.buyers.len() {
            return Err(FabError::BadInput {
                method: "place_order",
                reason: format!("unknown buyer id {buyer:?}"),
            });
        }
        if !(budget_usd.is_finite() && budget_usd >= 0.0) {
            return Err(FabError::BadInput {
                method: "place_order",
                reason: format!(
                    "budget_usd must be finite and ≥ 0, got {}",
                    scheduler::Num(budget_usd)
                ),
            });
        }
        self.orders.place(buyer.index(), budget_usd);
        Ok(())
    }

    /// Books `fab`'s electricity bill: `energy_mwh` the grid served it over
    /// a span (MWh, finite, ≥ 0) and what that energy cost (USD, finite,
    /// ≥ 0), as the integrator takes it from the grid. Reported only
    /// (`fab.energy_mwh`, `fab.electricity_usd` and their totals): it
    /// changes no wafer start, order or price, which are fixed per design.
    /// An error for an unknown id or a value out of range, with the chain
    /// unchanged.
    pub fn bill_electricity(&mut self, fab: FabId, energy_mwh: f64, cost_usd: f64) -> Result<(), FabError> {
        for (name, v) in [("energy_mwh", energy_mwh), ("cost_usd", cost_usd)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(FabError::BadInput {
                    method: "bill_electricity",
                    reason: format!("{name} must be finite and ≥ 0, got {}", scheduler::Num(v)),
                });
            }
        }
        let f = self.fabs.get_mut(fab.index()).ok_or_else(|| FabError::BadInput {
            method: "bill_electricity",
            reason: format!("unknown fab id {fab:?}"),
        })?;
        f.period.energy_mwh += energy_mwh;
        f.period.electricity_usd += cost_usd;
        self.totals.energy_mwh += energy_mwh;
        self.totals.electricity_usd += cost_usd;
        Ok(())
    }

    /// Tells the chain the share of its asked-for power the grid serves
    /// `fab` (a fraction in [0, 1]) from now on. Each tick's wafer starts
    /// scale with the time-weighted mean share since the previous tick; a drop
    /// below the fab's `scrap_below_served_fraction` scraps its share of the
    /// wafers in process (see [`PowerShortfallRule`]) and pushes a
    /// [`FabSignal::WafersScrapped`].
    pub fn set_power_served(
        &mut self,
        fab: FabId,
        served_fraction: f64,
        agenda: &mut impl Agenda<FabEvent>,
        signals: &mut Vec<FabSignal>,
    ) -> Result<(), FabError> {
        if !(0.0..=1.0).contains(&served_fraction) {
            return Err(FabError::BadInput {
                method: "set_power_served",
                reason: format!(
                    "served_fraction must be in [0, 1], got {}",
                    scheduler::Num(served_fraction)
                ),
            });
        }
        let f = self.fabs.get_mut(fab.index()).ok_or_else(|| FabError::BadInput {
            method: "set_power_served",
            reason: format!("unknown fab id {fab:?}"),
        })?;
        let wafers = f.set_served(agenda.now(), served_fraction);
        if wafers > 0 {
            signals.push(FabSignal::WafersScrapped { fab, wafers });
        }
        Ok(())
    }

    /// Schedules the first events: fab openings, project starts, policies
    /// and the first production tick (now), and arms tool failures of fabs
    /// already operating. A project begun at or before the start is started
    /// here (and completed, if nothing of its lead time is left), and the
    /// events so applied are kept for the event trace
    /// ([`SupplyChain::take_applied_at_start`]). Call once.
    pub fn start(&mut self, agenda: &mut impl Agenda<FabEvent>) -> Result<(), FabError> {
        if std::mem::replace(&mut self.started, true) {
            return Err(FabError::BadInput {
                method: "start",
                reason: "the chain was already started".into(),
            });
        }
        let now = agenda.now();
        for i in 0..self.fabs.len() {
            match self.openings[i] {
                FabOpening::Operating => {
                    self.fabs[i].open(self.nameplate_cfg[i], None);
                    self.rearm_failure(i, agenda)?;
                }
                FabOpening::OpenedBefore { since } => {
                    let from = now.ticks() as f64 - since.as_secs_f64();
                    self.fabs[i].open(self.nameplate_cfg[i], Some(from));
                    self.rearm_failure(i, agenda)?;
                }
                FabOpening::At(t) => {
                    agenda.schedule_at(t.max(now), FabEvent::FabOpens { fab: FabId(id32(i)) })?;
                }
                FabOpening::ByProject => {}
            }
        }
        // A project begun at or before the start is started here, so that
        // one already finished opens its fab (or adds its tranche) before
        // the run's first sample and first tick; later ones by their event.
        for i in 0..self.projects.len() {
            let project = ProjectId(id32(i));
            match self.projects[i].starts_at {
                Some(t) if t <= now => {
                    self.start_project(project, now, agenda)?;
                    self.applied_at_start.push(FabEvent::ProjectStart { project });
                    if self.projects[i].state == ProjectState::Done {
                        self.applied_at_start.push(FabEvent::ProjectComplete { project });
                    }
                }
                Some(t) => {
                    agenda.schedule_at(t, FabEvent::ProjectStart { project })?;
                }
                None => {}
            }
        }
        for (i, p) in self.policies.iter().enumerate() {
            agenda.schedule_at(
                p.at.max(now),
                FabEvent::Policy {
                    policy: PolicyId(id32(i)),
                },
            )?;
        }
        agenda.schedule_at(now, FabEvent::ProductionTick)?;
        Ok(())
    }

    /// The events [`SupplyChain::start`] applied at once rather than
    /// scheduling them, in the order it applied them: the `ProjectStart`
    /// of each project begun at or before the start, followed by its
    /// `ProjectComplete` if it was already finished then. Each is the event
    /// the chain would have handled had the project begun after the start,
    /// so an event trace can list them at time zero. A fab whose `opens`
    /// date lies before the start is open from the start, as one that has
    /// no such date, and is not listed. Empty before `start` and after the
    /// first call (the list is taken, not copied); they change nothing in
    /// the run.
    pub fn take_applied_at_start(&mut self) -> Vec<FabEvent> {
        std::mem::take(&mut self.applied_at_start)
    }

    /// Handles one event of this domain.
    pub fn handle(
        &mut self,
        event: FabEvent,
        agenda: &mut impl Agenda<FabEvent>,
        signals: &mut Vec<FabSignal>,
    ) -> Result<(), FabError> {
        let now = agenda.now();
        match event {
            FabEvent::ProductionTick => self.tick(agenda, signals)?,
            FabEvent::FabOpens { fab } => {
                let i = self.fab_index(fab)?;
                if !self.fabs[i].open {
                    self.fabs[i].open(self.nameplate_cfg[i], Some(now.ticks() as f64));
                    self.rearm_failure(i, agenda)?;
                }
            }
            FabEvent::LotComplete { fab, lot } => {
                let i = self.fab_index(fab)?;
                if let Some((design, good)) = self.fabs[i].complete_lot(lot, &self.gross) {
                    self.die_stock[design] += good;
                }
            }
            FabEvent::ToolFailure { fab } => {
                let i = self.fab_index(fab)?;
                let f = &mut self.fabs[i];
                f.failure_key = None;
                if f.tools_up > 0 {
                    f.tools_up -= 1;
                    f.tools_down += 1;
                    self.tools.failures_period += 1;
                    let days = self.tools.repair_days.sample(&mut f.rng);
                    let bad = || FabError::BadSample {
                        entity: format!("fab \"{}\"", f.name),
                        field: "repair_days",
                        value: days,
                    };
                    if !days.is_finite() {
                        return Err(bad());
                    }
                    let d = Duration::from_days_f64(days.max(0.0)).ok_or_else(bad)?;
                    agenda.schedule_after(d, FabEvent::ToolRepaired { fab })?;
                }
                self.rearm_failure(i, agenda)?;
            }
            FabEvent::ToolRepaired { fab } => {
                let i = self.fab_index(fab)?;
                let f = &mut self.fabs[i];
                if f.tools_down > 0 {
                    f.tools_down -= 1;
                    f.tools_up += 1;
                }
                self.rearm_failure(i, agenda)?;
            }
            FabEvent::ProjectStart { project } => self.start_project(project, now, agenda)?,
            FabEvent::ProjectComplete { project } => self.complete_project(project, now, agenda)?,
            FabEvent::Policy { policy } => self.apply_policy(policy, agenda)?,
            FabEvent::Arrival { item, count } => {
                let held = match item {
                    ArrivalItem::Accelerators(d) => self.in_transit.get_mut(d.index()),
                    ArrivalItem::Tools => Some(&mut self.tools_in_transit),
                    ArrivalItem::Hbm => Some(&mut self.hbm_in_transit),
                };
                if let Some(t) = held {
                    *t = t.saturating_sub(count);
                }
                self.arrive(item, count);
            }
        }
        Ok(())
    }

    /// Starts `project` at `now` (once: a project already started is left
    /// alone): draws the time it still has to run (conditioned on outlasting
    /// the years built before time zero, less those years; nothing for a
    /// fixed lead that has run out) and schedules its completion, or
    /// completes it at once when none is left, so that a project finished
    /// before the start has its fab or tranche at the first tick, as a fab
    /// operating at the start does.
    fn start_project(
        &mut self,
        project: ProjectId,
        now: SimTime,
        agenda: &mut impl Agenda<FabEvent>,
    ) -> Result<(), FabError> {
        let p = self.project_mut(project)?;
        if p.state != ProjectState::Waiting {
            return Ok(());
        }
        let entity = || format!("project \"{}\"", p.name);
        let (lead, overdue_secs) = draw_years_overdue(
            &mut p.rng,
            &p.lead_time_years,
            p.years_spent_at_start,
            entity,
            "lead_time_years",
        )?;
        p.overdue_secs = overdue_secs;
        p.state = ProjectState::Building;
        if lead == Duration::ZERO {
            self.complete_project(project, now, agenda)
        } else {
            agenda.schedule_after(lead, FabEvent::ProjectComplete { project })?;
            Ok(())
        }
    }

    /// Completes `project` at `now` (once: a project not being built is
    /// left alone): opens its fab or adds its tranche.
    fn complete_project(
        &mut self,
        project: ProjectId,
        now: SimTime,
        agenda: &mut impl Agenda<FabEvent>,
    ) -> Result<(), FabError> {
        let p = self.project_mut(project)?;
        if p.state == ProjectState::Building {
            p.state = ProjectState::Done;
            // Its real completion date: before now only for a
            // project begun before time zero whose fixed lead time
            // ran out before it. Its fab or tranche ramps from that
            // date, as a fab whose `opens` lies before the start
            // does (before the nineteenth session its ramp restarted
            // at the start; audit s19-chips, finding 2).
            let done = now.ticks() as f64 - p.overdue_secs;
            match p.target {
                ProjectTarget::NewFab(i) => {
                    if !self.fabs[i].open {
                        self.fabs[i].open(self.nameplate_cfg[i], Some(done));
                        self.rearm_failure(i, agenda)?;
                    }
                }
                ProjectTarget::Expansion(i, wpm) => self.fabs[i].expand(wpm, done),
            }
        }
        Ok(())
    }

    fn project_mut(&mut self, project: ProjectId) -> Result<&mut Project, FabError> {
        self.projects
            .get_mut(project.index())
            .ok_or_else(|| bad_id("project", project.index()))
    }

    fn fab_index(&self, fab: FabId) -> Result<usize, FabError> {
        (fab.index() < self.fabs.len())
            .then_some(fab.index())
            .ok_or_else(|| bad_id("fab", fab.index()))
    }

    /// Cancels a fab's pending failure and draws the next one: the time to
    /// the first failure among `tools_up` working tools is exponential with
    /// rate `tools_up × failures_per_tool_year` (memoryless, so redrawing on
    /// every change of `tools_up` is exact).
    pub(crate) fn rearm_failure(
        &mut self,
        i: usize,
        agenda: &mut impl Agenda<FabEvent>,
    ) -> Result<(), FabError> {
        let rate = self.tools.failures_per_tool_year;
        let f = &mut self.fabs[i];
        if let Some(k) = f.failure_key.take() {
            agenda.cancel(k);
        }
        let per_year = f.tools_up as f64 * rate;
        if per_year <= 0.0 {
            return Ok(());
        }
        let entity = || format!("fab \"{}\"", f.name);
        let wait = draw_years(
            &mut f.rng,
            &Dist::Exp { mean: 1.0 / per_year },
            0.0,
            entity,
            "failures_per_tool_year",
        )?;
        f.failure_key = Some(agenda.schedule_after(wait, FabEvent::ToolFailure { fab: FabId(id32(i)) })?);
        Ok(())
    }

    fn apply_policy(&mut self, policy: PolicyId, agenda: &mut impl Agenda<FabEvent>) -> Result<(), FabError> {
        let p = self
            .policies
            .get(policy.index())
            .ok_or_else(|| bad_id("policy", policy.index()))?;
        self.policy_applied[policy.index()] = true;
        match &p.action {
            PolicyAction::ExportControl { item, control } => match item {
                ControlledItem::Tools => self.tools.imports.control.apply(control),
                ControlledItem::Hbm => self.hbm.imports.control.apply(control),
                ControlledItem::Accelerators { design: None } => {
                    // A quota on all is one national cap shared by every
                    // flow; it replaces the controls on all accelerators (a
                    // ban on all, an earlier national quota) and leaves the
                    // controls naming a design in force inside it. A ban or
                    // lift on all ends the national quota.
                    match control {
                        Control::QuotaPerMonth(q) => self.accelerator_quota = Some(*q),
                        Control::Ban | Control::Lift => self.accelerator_quota = None,
                        Control::LicenceDelay(_) => {}
                    }
                    // Grey flows are outside every control.
                    for (_, flow) in self.imports.iter_mut().filter(|(_, f)| !f.grey) {
                        flow.control.apply_all(control);
                    }
                }
                ControlledItem::Accelerators { design: Some(name) } => {
                    for (d, flow) in &mut self.imports {
                        if !flow.grey && *name == self.designs[*d].cfg.name {
                            flow.control.apply(control);
                        }
                    }
                }
            },
            PolicyAction::Subsidy { projects } => {
                for name in projects {
                    if let Some(i) = self.projects.iter().position(|p| &p.name == name) {
                        self.projects[i].start_scheduled = true;
                        agenda.schedule_at(
                            agenda.now(),
                            FabEvent::ProjectStart {
                                project: ProjectId(id32(i)),
                            },
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn arrive(&mut self, item: ArrivalItem, count: u64) {
        match item {
            ArrivalItem::Tools => {
                self.tools.inventory += count;
                self.tools.arrived_period += count;
            }
            ArrivalItem::Hbm => {
                self.hbm.stock += count;
                self.hbm.imported_period += count;
            }
            ArrivalItem::Accelerators(d) => {
                if let Some(s) = self.finished.get_mut(d.index()) {
                    *s += count;
                    self.imported_period[d.index()] += count;
                    self.totals.imported += count;
                }
            }
        }
    }
}

fn bad_id(kind: &str, index: usize) -> FabError {
    FabError::BadInput {
        method: "handle",
        reason: format!("unknown {kind} id {index}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scheduler::RngStreams;
    use std::cell::Cell;

    /// `draw_years` names its entity only when the draw is refused, and the
    /// error carries the name, the field and the value drawn.
    #[test]
    fn draw_years_names_the_entity_only_on_error() {
        let mut rng = RngStreams::new(1, 0).stream("fab/tools/a");
        let calls = Cell::new(0);
        let entity = || {
            calls.set(calls.get() + 1);
            "fab \"a\"".to_string()
        };
        let ok = draw_years(
            &mut rng,
            &Dist::Exp { mean: 0.5 },
            0.0,
            entity,
            "failures_per_tool_year",
        );
        assert!(ok.is_ok());
        assert_eq!(calls.get(), 0);
        for (value, dist) in [
            (f64::INFINITY, Dist::Const { value: f64::INFINITY }),
            (1e30, Dist::Const { value: 1e30 }),
        ] {
            let err = draw_years(&mut rng, &dist, 0.0, entity, "failures_per_tool_year");
            assert_eq!(
                err,
                Err(FabError::BadSample {
                    entity: "fab \"a\"".to_string(),
                    field: "failures_per_tool_year",
                    value,
                })
            );
        }
        assert_eq!(calls.get(), 2);
    }
}
