//! What can still be supplied: the one rule that decides whether an open
//! order can ever be filled (`SupplyChain::cheapest_suppliable_price`). An
//! order that cannot buy one unit of any design that can still be supplied
//! is closed and its value written off (`OrderBook::allocate`).
//!
//! A design can still be supplied if it is in the finished stock or in
//! transit, if an import flow of it is still coming, or if chips of it can
//! still be assembled: HBM (if it takes any) and packaging available or
//! coming, and dies for a chip in the die stock or a fab that can still
//! make its dies. A fab can if it is open or will open, has or will have
//! tools, can start wafers (capacity or an expansion to come) and its yield
//! ceiling is above 0. Every "coming" looks only at what the configuration
//! and the state say will happen (paths, pending projects, policies not yet
//! taken effect); what is shared (the tool inventory, the HBM stock) counts
//! for every user, so the rule errs towards keeping orders open.

use crate::chain::{ProjectState, SupplyChain};
use crate::config::{Control, ControlledItem, FabConfig, FabOpening, PolicyAction};
use crate::fab::Fab;
use crate::inputs::{ImportFlow, max_now_or_later};
use scheduler::SimTime;
use std::cell::OnceCell;

/// What the rule looks up that is fixed at load: which fabs make each
/// design, which projects open or expand each fab, which subsidies start
/// each project.
pub(crate) struct SupplyIndex {
    /// Per design: the fabs whose product mix has it.
    fabs_of_design: Vec<Vec<usize>>,
    /// Per fab: the `NewFab` projects that open it.
    openers: Vec<Vec<usize>>,
    /// Per fab: the `Expansion` projects that add to it.
    expansions: Vec<Vec<usize>>,
    /// Per project: the `Subsidy` policies that name it.
    subsidies: Vec<Vec<usize>>,
}

impl SupplyIndex {
    /// The index of a validated config whose fabs are `fabs` (their
    /// product mixes resolved to design indices).
    pub(crate) fn new(config: &FabConfig, fabs: &[Fab], n_designs: usize) -> SupplyIndex {
        let mut fabs_of_design = vec![Vec::new(); n_designs];
        for (i, f) in fabs.iter().enumerate() {
            for &d in &f.mix_designs {
                if !fabs_of_design[d].contains(&i) {
                    fabs_of_design[d].push(i);
                }
            }
        }
        let fab_index = |name: &str| config.fabs.iter().position(|f| f.name == name);
        let mut openers = vec![Vec::new(); fabs.len()];
        let mut expansions = vec![Vec::new(); fabs.len()];
        for (k, p) in config.projects.iter().enumerate() {
            let (list, fab) = match &p.kind {
                crate::ProjectKind::NewFab { fab } => (&mut openers, fab),
                crate::ProjectKind::Expansion { fab, .. } => (&mut expansions, fab),
            };
            if let Some(i) = fab_index(fab) {
                list[i].push(k);
            }
        }
        let subsidies = config
            .projects
            .iter()
            .map(|p| {
                config
                    .policies
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| matches!(&q.action, PolicyAction::Subsidy { projects } if projects.contains(&p.name)))
                    .map(|(k, _)| k)
                    .collect()
            })
            .collect();
        SupplyIndex {
            fabs_of_design,
            openers,
            expansions,
            subsidies,
        }
    }
}

impl SupplyChain {
    /// The lowest unit price among designs that can still be supplied, USD
    /// (infinite if none); see the module docs for the rule. An order that
    /// cannot buy one unit of any of them is closed (see
    /// `OrderBook::allocate`). Inputs shared by every design (tools,
    /// packaging, HBM flows) are looked at once per call, and only if a
    /// design needs them.
    pub(crate) fn cheapest_suppliable_price(&self, now: SimTime) -> f64 {
        let tools = OnceCell::new();
        let packaging = OnceCell::new();
        let hbm = OnceCell::new();
        let mut cheapest = f64::INFINITY;
        for (d, design) in self.designs.iter().enumerate() {
            if design.cfg.unit_price_usd >= cheapest {
                continue;
            }
            let stacks = u64::from(design.cfg.hbm_stacks_per_chip);
            // Chips can be assembled: packaging and (if the design takes
            // any) HBM for at least one chip, in stock or coming.
            let assembled = || {
                *packaging.get_or_init(|| max_now_or_later(&self.packaging.per_month, now) > 0.0)
                    && (stacks == 0 || self.hbm.stock >= stacks || *hbm.get_or_init(|| self.hbm_coming(now)))
            };
            // Banked dies count only while they make at least one chip: a
            // leftover die of a multi-die design is no supply.
            let dies = || {
                self.die_stock[d] >= u64::from(design.cfg.dies_per_chip)
                    || self.supply_index.fabs_of_design[d]
                        .iter()
                        .any(|&i| self.fab_can_produce(i, || *tools.get_or_init(|| self.tools_coming(now))))
            };
            let supplied = self.finished[d] > 0
                || self.in_transit[d] > 0
                || self
                    .imports
                    .iter()
                    .any(|(i, flow)| *i == d && self.accelerators_coming(d, flow, now))
                || (assembled() && dies());
            if supplied {
                cheapest = design.cfg.unit_price_usd;
            }
        }
        cheapest
    }

    /// Whether fab `i` can still make dies: it is open or will open (an
    /// opening date, or a `NewFab` project that will be built), it has or
    /// will have tools (installed, or brought at opening, or `tools_coming`
    /// to the national inventory), it can start wafers (a nameplate above
    /// 0, now or from an expansion that will be built) and its yield
    /// ceiling is above 0. The grid's power is not looked at: whether it
    /// will ever serve the fab is not known in advance.
    fn fab_can_produce(&self, i: usize, tools_coming: impl FnOnce() -> bool) -> bool {
        let f = &self.fabs[i];
        let index = &self.supply_index;
        let built = |projects: &[usize]| projects.iter().any(|&p| self.project_will_be_built(p));
        f.yield_curve.ceiling > 0.0
            && (f.open || matches!(self.openings[i], FabOpening::At(_)) || built(&index.openers[i]))
            && (f.nameplate_wpm() > 0.0 || self.nameplate_cfg[i] > 0.0 || built(&index.expansions[i]))
            && (f.tools_installed() > 0 || (!f.open && f.tools_at_opening > 0) || tools_coming())
    }

    /// Whether project `p` will complete: it is being built, or it waits
    /// with its start scheduled (a `starts_at`, or a subsidy that took
    /// effect) or named by a subsidy still to come.
    fn project_will_be_built(&self, p: usize) -> bool {
        match self.projects[p].state {
            ProjectState::Building => true,
            ProjectState::Done => false,
            ProjectState::Waiting => {
                self.projects[p].start_scheduled
                    || self.supply_index.subsidies[p]
                        .iter()
                        .any(|&k| !self.policy_applied[k])
            }
        }
    }

    /// Whether tools will reach the national inventory: some there now or
    /// in transit, domestic output now or later, or imports still coming.
    fn tools_coming(&self, now: SimTime) -> bool {
        self.tools.inventory > 0
            || self.tools_in_transit > 0
            || max_now_or_later(&self.tools.domestic.per_month, now) > 0.0
            || self.import_coming(&self.tools.imports, now, |item| {
                matches!(item, ControlledItem::Tools)
            })
    }

    /// Whether HBM stacks will reach the stock: some in transit, domestic
    /// starts and yield above 0 now or later, or imports still coming.
    fn hbm_coming(&self, now: SimTime) -> bool {
        self.hbm_in_transit > 0
            || (max_now_or_later(&self.hbm.domestic.per_month, now) > 0.0
                && max_now_or_later(&self.hbm.domestic_yield, now) > 0.0)
            || self.import_coming(&self.hbm.imports, now, |item| matches!(item, ControlledItem::Hbm))
    }

    /// Whether import `flow` of design `d` will still ship accelerators:
    /// its rate is positive now or later, and nothing shuts it for good —
    /// a national quota of 0 (reopened only by a lift or a positive quota on
    /// all accelerators still to come), a ban or zero quota naming the
    /// design (reopened by a lift or positive quota naming it, or a lift on
    /// all), a ban on all accelerators (reopened by any of those, or a
    /// positive national quota). A grey flow: its rate alone.
    fn accelerators_coming(&self, d: usize, flow: &ImportFlow, now: SimTime) -> bool {
        if flow.grey {
            // No control shuts a grey flow: its path alone decides.
            return flow.rate_now_or_later(now) > 0.0;
        }
        let name = self.designs[d].cfg.name.as_str();
        let on_all = |item: &ControlledItem| matches!(item, ControlledItem::Accelerators { design: None });
        let naming = |item: &ControlledItem| matches!(item, ControlledItem::Accelerators { design: Some(n) } if n == name);
        let control = &flow.control;
        let national_open = !self.accelerator_quota.is_some_and(|q| q <= 0.0)
            || self.reopened(|item, c| on_all(item) && opens_imports(c));
        let own_open = !control.cap_per_month.is_some_and(|c| c <= 0.0)
            || self.reopened(|item, c| {
                (naming(item) && opens_imports(c)) || (on_all(item) && matches!(c, Control::Lift))
            });
        let all_open = !control.banned_by_all
            || self.reopened(|item, c| (naming(item) || on_all(item)) && opens_imports(c));
        flow.rate_now_or_later(now) > 0.0 && national_open && own_open && all_open
    }

    /// Whether imported `flow` will still ship: its rate is positive now or
    /// later, and it is not shut (a ban or a zero quota) unless a policy
    /// still to come on an item `names` accepts reopens it.
    fn import_coming(
        &self,
        flow: &ImportFlow,
        now: SimTime,
        names: impl Fn(&ControlledItem) -> bool,
    ) -> bool {
        flow.rate_now_or_later(now) > 0.0
            && (!flow.control.shut() || self.reopened(|item, c| names(item) && opens_imports(c)))
    }

    /// Whether a policy that has not taken effect yet is an export control
    /// `reopens` accepts (its item and control).
    fn reopened(&self, reopens: impl Fn(&ControlledItem, &Control) -> bool) -> bool {
        self.policies
            .iter()
            .zip(&self.policy_applied)
            .any(|(p, &applied)| {
                !applied
                    && match &p.action {
                        PolicyAction::ExportControl { item, control } => reopens(item, control),
                        PolicyAction::Subsidy { .. } => false,
                    }
            })
    }
}

/// Whether `control` can reopen a shut import flow: a lift or a positive quota.
fn opens_imports(control: &Control) -> bool {
    matches!(control, Control::Lift) || matches!(control, Control::QuotaPerMonth(q) if *q > 0.0)
}
