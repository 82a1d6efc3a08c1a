//! The production tick: supplies arrive, tools are installed, wafers start,
//! accelerators are assembled from the scarcest input, and finished units
//! are delivered to open orders; orders that can buy nothing more close.

use crate::chain::SupplyChain;
use crate::error::FabError;
use crate::events::{ArrivalItem, BindingInput, FabEvent, FabSignal};
use crate::inputs::ControlState;
use crate::{BuyerId, DesignId, FabId, id32};
use scheduler::{Agenda, Duration, SimTime};

impl SupplyChain {
    /// Ships `count` units of `item` under `control`: now, or after the
    /// licence delay as an [`FabEvent::Arrival`].
    pub(crate) fn ship(
        &mut self,
        item: ArrivalItem,
        count: u64,
        control: ControlState,
        agenda: &mut impl Agenda<FabEvent>,
    ) -> Result<(), FabError> {
        if count == 0 {
            return Ok(());
        }
        if control.licence_delay == Duration::ZERO {
            self.arrive(item, count);
        } else {
            agenda.schedule_after(control.licence_delay, FabEvent::Arrival { item, count })?;
            match item {
                ArrivalItem::Accelerators(d) => self.in_transit[d.index()] += count,
                ArrivalItem::Tools => self.tools_in_transit += count,
                ArrivalItem::Hbm => self.hbm_in_transit += count,
            }
        }
        Ok(())
    }

    /// Ships `count` accelerators of import flow `k` under its control,
    /// counting them among the grey imports if the flow is grey.
    fn ship_import(
        &mut self,
        k: usize,
        count: u64,
        agenda: &mut impl Agenda<FabEvent>,
    ) -> Result<(), FabError> {
        let (d, ref flow) = self.imports[k];
        let (control, grey) = (flow.control, flow.grey);
        if grey {
            self.totals.imported_grey += count;
        }
        self.ship(
            ArrivalItem::Accelerators(DesignId(id32(d))),
            count,
            control,
            agenda,
        )
    }

    /// Ships the on-order flows' path units of this tick (`units`, one
    /// entry per import flow; pushed flows' entries are ignored): each
    /// ships what the open orders would take of its design (a dry run of
    /// the allocation on the finished stock, the units in transit and
    /// these path units) beyond the finished stock and the units in
    /// transit; the rest is declined (`fab.imports_declined`).
    fn ship_on_order(&mut self, units: &[u64], agenda: &mut impl Agenda<FabEvent>) -> Result<(), FabError> {
        let mut have: Vec<u64> = (0..self.finished.len())
            .map(|d| self.finished[d] + self.in_transit[d])
            .collect();
        let mut offered = have.clone();
        for (k, &(d, _)) in self.imports.iter().enumerate() {
            if self.imports_on_order[k] {
                offered[d] += units[k];
            }
        }
        let take = self.orders.would_take(&offered, &self.prices);
        for (k, &path_units) in units.iter().enumerate() {
            if !self.imports_on_order[k] || path_units == 0 {
                continue;
            }
            let d = self.imports[k].0;
            let ship = path_units.min(take[d].saturating_sub(have[d]));
            have[d] += ship;
            let declined = path_units - ship;
            self.declined_period[d] += declined;
            self.totals.declined += declined;
            self.ship_import(k, ship, agenda)?;
        }
        Ok(())
    }

    /// Books what the import quotas hold back in the tick of length `dt`
    /// at `now` (review s33-headline, finding 4: a binding quota showed
    /// nowhere): for each licensed flow of an available design, its path's
    /// rate less its rate under the quotas in force (its own cap, `rates`,
    /// then the national quota's `scale`), as units over `dt`, and the tick
    /// as one at which a quota bound if any flow was held back. A flow
    /// shut by a ban (or a quota of 0, on it or national) is not counted:
    /// nothing of it ships, and the scenario says so.
    fn book_quota_withheld(
        &mut self,
        now: SimTime,
        dt: Duration,
        rates: &[f64],
        scale: f64,
        available: &[bool],
    ) {
        // Scenarios without such a quota (most) report nothing of it and
        // pay nothing for it each tick.
        if !self.has_accelerator_quota() || self.accelerator_quota.is_some_and(|q| q <= 0.0) {
            return;
        }
        let mut withheld = 0.0;
        for (k, (d, flow)) in self.imports.iter().enumerate() {
            if flow.grey || !available[*d] || flow.control.shut() {
                continue;
            }
            let path = flow.flow.per_month.at(now).max(0.0);
            withheld += (path - rates[k] * scale).max(0.0);
        }
        if withheld > 0.0 {
            self.totals.quota_ticks += 1;
            self.totals.quota_withheld += withheld * dt.as_secs_f64() / crate::MONTH_SECS;
        }
    }

    pub(crate) fn tick(
        &mut self,
        agenda: &mut impl Agenda<FabEvent>,
        signals: &mut Vec<FabSignal>,
    ) -> Result<(), FabError> {
        let now = agenda.now();
        // A tick that runs past the horizon books only its share inside it:
        // every flow below is a rate × `dt`.
        let dt = Duration(self.step.secs().min(self.horizon_end.saturating_sub(now.ticks())));
        // 1. Supplies of this tick.
        let tools_in = self.tools.imports.ship(now, dt);
        self.ship(ArrivalItem::Tools, tools_in, self.tools.imports.control, agenda)?;
        let domestic_tools = self.tools.domestic.take(now, dt, None);
        self.arrive(ArrivalItem::Tools, domestic_tools);
        let hbm_dom = self.hbm.domestic_output(now, dt);
        self.hbm.stock += hbm_dom;
        self.hbm.domestic_period += hbm_dom;
        let hbm_in = self.hbm.imports.ship(now, dt);
        self.ship(ArrivalItem::Hbm, hbm_in, self.hbm.imports.control, agenda)?;
        // Accelerator imports: nothing of a design before its
        // `available_from`; a national quota is shared among the licensed
        // flows in proportion to their rates under their own caps (grey
        // flows are outside it).
        let available: Vec<bool> = self.designs.iter().map(|d| d.cfg.available_from <= now).collect();
        let rates: Vec<f64> = self
            .imports
            .iter()
            .map(|(d, flow)| if available[*d] { flow.rate(now) } else { 0.0 })
            .collect();
        let total: f64 = rates
            .iter()
            .zip(&self.imports)
            .filter(|(_, (_, flow))| !flow.grey)
            .map(|(rate, _)| rate)
            .sum();
        let scale = match self.accelerator_quota {
            Some(q) if total > q => q / total,
            _ => 1.0,
        };
        self.book_quota_withheld(now, dt, &rates, scale, &available);
        // Units of each flow's path this tick (under its controls).
        let mut units: Vec<u64> = Vec::with_capacity(rates.len());
        for (k, &rate) in rates.iter().enumerate() {
            let (d, ref mut flow) = self.imports[k];
            if available[d] {
                let scale = if flow.grey { 1.0 } else { scale };
                units.push(flow.ship_capped(now, dt, rate * scale));
            } else {
                flow.hold();
                units.push(0);
            }
        }
        // Pushed flows ship their path now. Flows imported on order wait
        // until after assembly (step 4b), so that the units assembled at
        // home this tick are counted against the orders first.
        for (k, units) in units.iter_mut().enumerate() {
            if self.imports_on_order[k] || *units == 0 {
                continue;
            }
            self.ship_import(k, std::mem::take(units), agenda)?;
        }
        let slots = self.packaging.take(now, dt, None);
        self.packaging_offered_period += slots;
        // 2. Tools from the national inventory to open fabs, in config order.
        for i in 0..self.fabs.len() {
            let give = self.fabs[i].tools_wanted().min(self.tools.inventory);
            if give > 0 {
                self.tools.inventory -= give;
                self.fabs[i].tools_up += give;
                self.rearm_failure(i, agenda)?;
            }
        }
        // 3. Wafer starts; lots complete after the cycle time. With a
        // planner, the good dies each design still wants this tick.
        let mut wanted = self
            .die_bank_target
            .map(|target| self.dies_wanted(target, dt, slots, &available));
        for i in 0..self.fabs.len() {
            let forgone_before = self.fabs[i].period.forgone;
            let plan = wanted.as_deref_mut().map(|w| (w, self.gross.as_slice()));
            let lots = self.fabs[i].start_wafers(now, dt, &available, plan);
            self.totals.forgone += self.fabs[i].period.forgone - forgone_before;
            let done =
                now.checked_add(self.fabs[i].cycle_time)
                    .ok_or(scheduler::ScheduleError::Overflow {
                        now,
                        delay: self.fabs[i].cycle_time,
                    })?;
            for lot in lots {
                agenda.schedule_at(
                    done,
                    FabEvent::LotComplete {
                        fab: FabId(id32(i)),
                        lot,
                    },
                )?;
            }
            let mw = self.fabs[i].power_demand_mw(now, &available);
            if (mw - self.fabs[i].power_mw_reported).abs() > 1e-9 {
                self.fabs[i].power_mw_reported = mw;
                signals.push(FabSignal::PowerDemand {
                    fab: FabId(id32(i)),
                    mw,
                });
            }
        }
        // 4. Assembly, limited by the scarcest input.
        let binding = self.assemble(&available, slots);
        self.binding_ticks_period[binding as usize] += 1;
        self.totals.binding_ticks[binding as usize] += 1;
        if binding != self.last_binding {
            signals.push(FabSignal::BindingInputChanged {
                from: self.last_binding,
                to: binding,
            });
            self.last_binding = binding;
        }
        // 4b. Imports on order: each such flow ships only what the open
        // orders would take of its design (allocation dry run) beyond the
        // finished stock (built at home this tick included) and the units
        // in transit; the rest of its path is declined (not imported).
        if self.imports_on_order.iter().any(|&o| o) {
            self.ship_on_order(&units, agenda)?;
        }
        // 5. Deliveries to open orders.
        let cheapest = self.cheapest_suppliable_price(now);
        let (deliveries, closed) = self.orders.allocate(&mut self.finished, &self.prices, cheapest);
        for (buyer, design, count) in deliveries {
            let d = &self.designs[design].cfg;
            let flop = count as f64 * d.peak_flop_s_bf16;
            self.delivered_units_period[buyer] += count;
            self.flop_s_delivered_period[buyer] += flop;
            self.totals.delivered_units += count;
            self.totals.flop_s_delivered += flop;
            signals.push(FabSignal::Delivered {
                buyer: BuyerId(id32(buyer)),
                design: DesignId(id32(design)),
                design_name: d.name.clone(),
                count,
                peak_flop_s_per_chip: d.peak_flop_s_bf16,
                power_w_per_chip: d.power_w,
                unit_price_usd: d.unit_price_usd,
            });
        }
        // 6. Orders closed with value left, after the deliveries that
        // spent the rest of them.
        for (buyer, residue_usd) in closed {
            signals.push(FabSignal::OrderClosed {
                buyer: BuyerId(id32(buyer)),
                residue_usd,
                nothing_suppliable: cheapest.is_infinite(),
            });
        }
        agenda.schedule_after(self.step, FabEvent::ProductionTick)?;
        Ok(())
    }

    /// The wafer-start planner (`docs/model/fab-supply-chain.md`, "The
    /// wafer-start planner"): the good dies of each design its fabs should
    /// start this tick of length `dt`, with `slots` packaging slots and the
    /// HBM stock now. For a design `d` made in an open fab, the back end's
    /// pull is `r = k_d × min(slots, HBM stock / h_d) / Δt` dies per second
    /// (`k_d` dies and `h_d` stacks per chip; a design without HBM is
    /// limited by slots alone), its order-up-to level `S = r × (W + L + T)`
    /// (`W` the die-bank target, `T` the production step, `L` the longest
    /// cycle time of the open fabs making it rounded up to whole steps: a
    /// lot's dies are assembled at the first tick after it completes), and
    /// it wants `max(0, S − die stock − pipeline)`
    /// dies, the pipeline being the good dies expected from its wafers in
    /// process at each fab's yield now. Each design is planned as if it had
    /// the whole back end; 0 for a design not available or made nowhere.
    fn dies_wanted(&self, target: Duration, dt: Duration, slots: u64, available: &[bool]) -> Vec<f64> {
        let span = dt.as_secs_f64();
        let step = self.step.as_secs_f64();
        self.designs
            .iter()
            .enumerate()
            .map(|(d, design)| {
                let lead = self
                    .fabs
                    .iter()
                    .filter(|f| f.makes(d))
                    .map(|f| f.cycle_time.secs().div_ceil(self.step.secs()) as f64 * step)
                    .fold(f64::NEG_INFINITY, f64::max);
                if !available[d] || lead == f64::NEG_INFINITY || span <= 0.0 {
                    return 0.0;
                }
                let stacks = u64::from(design.cfg.hbm_stacks_per_chip);
                let chips = match self.hbm.stock.checked_div(stacks) {
                    Some(by_hbm) => slots.min(by_hbm),
                    None => slots,
                };
                let rate = f64::from(design.cfg.dies_per_chip) * chips as f64 / span;
                let level = rate * (target.as_secs_f64() + lead + step);
                let pipeline: f64 = self.fabs.iter().map(|f| f.pipeline_dies(d, self.gross[d])).sum();
                (level - self.die_stock[d] as f64 - pipeline).max(0.0)
            })
            .collect()
    }

    /// The part of the back end that sets the wafer-start planner's pull
    /// this tick (`dies_wanted`: `r_d = k_d × min(slots, HBM stock / h_d)`):
    /// `Hbm` if, for a design of a fab the planner held back, the HBM
    /// stock assembles no more chips than the `slots` (ties go to HBM, as
    /// in assembly; with no HBM to be had, that is every tick), else
    /// `Packaging`.
    fn back_end_binding(&self, available: &[bool], slots: u64) -> BindingInput {
        let hbm_sets_pull = self
            .fabs
            .iter()
            .filter(|f| f.planner_cut())
            .flat_map(|f| f.mix_designs.iter())
            .any(|&d| {
                let stacks = u64::from(self.designs[d].cfg.hbm_stacks_per_chip);
                available[d] && stacks > 0 && self.hbm.stock / stacks <= slots
            });
        if hbm_sets_pull {
            BindingInput::Hbm
        } else {
            BindingInput::Packaging
        }
    }

    /// Assembles accelerators from banked dies, HBM stacks and this tick's
    /// packaging slots: each design can use all its available dies; one
    /// common scale `s = min(1, HBM / stacks needed, slots / dies)` applies
    /// to every design, rounded down; then, in config order, each design
    /// takes up to all its dies from the slots and stacks left (so a design
    /// without HBM is not held back by the HBM others lack). Returns the
    /// binding input (ties: dies, then HBM, then packaging). When dies
    /// bind, the input behind them is judged on this tick's wafer starts:
    /// `Power` if the starts the served power share withheld exceed those
    /// the tools withheld (summed over the fabs), else `Tools` if a
    /// producing fab is held below its ramped capacity by its tools, else
    /// the back end ([`SupplyChain::back_end_binding`]) if the wafer-start
    /// planner held a fab's starts below its capacity (the dies are short
    /// by the planner's choice, not the fab's), else `Wafers` (capacity,
    /// ramp or yield, or the line still filling: the cycle time).
    fn assemble(&mut self, available: &[bool], slots: u64) -> BindingInput {
        let per_chip: Vec<u64> = self
            .designs
            .iter()
            .map(|d| u64::from(d.cfg.dies_per_chip))
            .collect();
        // Chips each design could make from its banked dies.
        let demand: Vec<u64> = self
            .die_stock
            .iter()
            .zip(available)
            .zip(&per_chip)
            .map(|((&n, &ok), &k)| if ok { n / k } else { 0 })
            .collect();
        let chips: u64 = demand.iter().sum();
        let (power_cut, tool_cut) = self
            .fabs
            .iter()
            .filter(|f| f.open)
            .fold((0.0, 0.0), |(p, t), f| (p + f.power_cut_wpm, t + f.tool_cut_wpm));
        // 1e-9 wafers/month: rounding of a served share of 1, not a cut.
        let die_binding = if power_cut > tool_cut.max(1e-9) {
            BindingInput::Power
        } else if self.fabs.iter().any(|f| f.tool_limited && f.open) {
            BindingInput::Tools
        } else if self.fabs.iter().any(|f| f.planner_cut()) {
            self.back_end_binding(available, slots)
        } else {
            BindingInput::Wafers
        };
        if chips == 0 {
            let can_make = self
                .fabs
                .iter()
                .any(|f| f.open && f.mix_designs.iter().any(|&d| available[d]));
            return if can_make { die_binding } else { BindingInput::None };
        }
        let stacks: Vec<u64> = self
            .designs
            .iter()
            .map(|d| u64::from(d.cfg.hbm_stacks_per_chip))
            .collect();
        let stacks_needed: f64 = demand
            .iter()
            .zip(&stacks)
            .map(|(&n, &h)| n as f64 * h as f64)
            .sum();
        let s_hbm = if stacks_needed > 0.0 {
            self.hbm.stock as f64 / stacks_needed
        } else {
            f64::INFINITY
        };
        let s_pack = slots as f64 / chips as f64;
        let s = 1f64.min(s_hbm).min(s_pack);
        let binding = if s >= 1.0 {
            die_binding
        } else if s_hbm <= s_pack {
            BindingInput::Hbm
        } else {
            BindingInput::Packaging
        };
        let mut hbm_left = self.hbm.stock;
        let mut slots_left = slots;
        let mut built: Vec<u64> = demand.iter().map(|&n| (s * n as f64).floor() as u64).collect();
        for (b, &h) in built.iter_mut().zip(&stacks) {
            // Rounding guard: never more than the stock or slots allow.
            *b = (*b)
                .min(slots_left)
                .min(hbm_left.checked_div(h).unwrap_or(u64::MAX));
            slots_left -= *b;
            hbm_left -= *b * h;
        }
        for ((b, &n), &h) in built.iter_mut().zip(&demand).zip(&stacks) {
            let extra = (n - *b)
                .min(slots_left)
                .min(hbm_left.checked_div(h).unwrap_or(u64::MAX));
            *b += extra;
            slots_left -= extra;
            hbm_left -= extra * h;
        }
        for (d, &b) in built.iter().enumerate() {
            self.die_stock[d] -= b * per_chip[d];
            self.finished[d] += b;
            self.built_period[d] += b;
            self.totals.built += b;
        }
        self.hbm.used_period += self.hbm.stock - hbm_left;
        self.hbm.stock = hbm_left;
        self.packaging_used_period += slots - slots_left;
        binding
    }
}
