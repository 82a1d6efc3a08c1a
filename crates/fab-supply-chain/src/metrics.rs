//! Monthly metrics and end-of-run scalars of the supply chain. Flows are
//! totals since the previous sample and are reset by sampling; stocks are
//! values at the sampling instant.

use crate::chain::SupplyChain;
use crate::events::BindingInput;

impl SupplyChain {
    /// Emits `(metric, entity, value)` for the recorder and resets the
    /// period's flows. Entities are fab, design and buyer names, or
    /// `national` for totals. Units are in the names or listed in
    /// `docs/model/fab-supply-chain.md` (counts of wafers, dies, stacks,
    /// units; FLOP/s; USD; MW).
    ///
    /// The binding input of the period is the one that bound assembly at
    /// the most production ticks since the last sample (ties: lower code);
    /// it is emitted as one 0/1 metric per input (`fab.binding_wafers`,
    /// `fab.binding_tools`, `fab.binding_hbm`, `fab.binding_packaging`,
    /// `fab.binding_power`, `fab.binding_none`) and as the code
    /// `fab.binding_input` (0 none, 1 wafers, 2 tools, 3 HBM, 4 packaging,
    /// 5 power at the fabs).
    ///
    /// With a wafer-start planner ([`FabConfig::die_bank_target`](crate::FabConfig::die_bank_target))
    /// also `fab.wafers_forgone` (wafers it left unstarted) and
    /// `fab.utilisation` (starts ÷ (starts + forgone), 0 when none could
    /// start), per fab and national; without one these rows do not exist.
    ///
    /// `fab.energy_mwh` and `fab.electricity_usd` (per fab and national)
    /// are the bills booked since the last sample
    /// ([`bill_electricity`](Self::bill_electricity)): what the grid served
    /// the fabs and what it cost, each step's energy at that step's price.
    pub fn sample_metrics(&mut self, now: scheduler::SimTime, emit: &mut dyn FnMut(&str, &str, f64)) {
        const N: &str = "national";
        let mut sum = [0u64; 7];
        let (mut energy_mwh, mut electricity_usd) = (0.0, 0.0);
        let planner = self.die_bank_target.is_some();
        let (mut starts, mut forgone) = (0u64, 0u64);
        for f in &mut self.fabs {
            let e = f.name.as_str();
            let p = std::mem::take(&mut f.period);
            emit("fab.wafer_starts", e, p.starts as f64);
            emit("fab.wafers_out", e, p.out as f64);
            emit("fab.wafers_scrapped", e, p.scrapped as f64);
            emit("fab.wafers_in_process", e, f.balance.in_process as f64);
            emit("fab.good_dies", e, p.good_dies as f64);
            emit("fab.yield", e, f.yield_curve.at(f.balance.out as f64));
            emit("fab.capacity_wafers_per_month", e, f.effective_wpm(now));
            emit("fab.tools_installed", e, f.tools_installed() as f64);
            emit("fab.tools_down", e, f.tools_down as f64);
            emit("fab.power_mw", e, f.power_mw_reported);
            emit("fab.energy_mwh", e, p.energy_mwh);
            emit("fab.electricity_usd", e, p.electricity_usd);
            energy_mwh += p.energy_mwh;
            electricity_usd += p.electricity_usd;
            if planner {
                // Only a run with a wafer-start planner has these rows.
                emit("fab.wafers_forgone", e, p.forgone as f64);
                emit("fab.utilisation", e, utilisation(p.starts, p.forgone));
                starts += p.starts;
                forgone += p.forgone;
            }
            let add = [
                p.starts,
                p.out,
                p.scrapped,
                f.balance.in_process,
                p.good_dies,
                f.tools_installed(),
                f.tools_down,
            ];
            for (s, a) in sum.iter_mut().zip(add) {
                *s += a;
            }
        }
        let names = [
            "fab.wafer_starts",
            "fab.wafers_out",
            "fab.wafers_scrapped",
            "fab.wafers_in_process",
            "fab.good_dies",
            "fab.tools_installed",
            "fab.tools_down",
        ];
        for (name, v) in names.iter().zip(sum) {
            emit(name, N, v as f64);
        }
        emit("fab.energy_mwh", N, energy_mwh);
        emit("fab.electricity_usd", N, electricity_usd);
        if planner {
            emit("fab.wafers_forgone", N, forgone as f64);
            emit("fab.utilisation", N, utilisation(starts, forgone));
        }
        emit("fab.tools_inventory", N, self.tools.inventory as f64);
        emit(
            "fab.tools_arrived",
            N,
            std::mem::take(&mut self.tools.arrived_period) as f64,
        );
        emit(
            "fab.tool_failures",
            N,
            std::mem::take(&mut self.tools.failures_period) as f64,
        );

        let (mut out, mut imp, mut dies, mut stock, mut declined, mut transit) =
            (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
        for (d, design) in self.designs.iter().enumerate() {
            let e = design.cfg.name.as_str();
            let b = std::mem::take(&mut self.built_period[d]);
            let i = std::mem::take(&mut self.imported_period[d]);
            emit("fab.accelerators_out", e, b as f64);
            emit("fab.imports", e, i as f64);
            // Path units of on-order flows no order wanted (0 when pushed).
            let n = std::mem::take(&mut self.declined_period[d]);
            emit("fab.imports_declined", e, n as f64);
            declined += n;
            emit("fab.stockpile_dies", e, self.die_stock[d] as f64);
            emit("fab.accelerators_stock", e, self.finished[d] as f64);
            // Imported but held by a licence delay: neither in `fab.imports`
            // nor in the stock until they arrive.
            emit("fab.accelerators_in_transit", e, self.in_transit[d] as f64);
            transit += self.in_transit[d];
            out += b;
            imp += i;
            dies += self.die_stock[d];
            stock += self.finished[d];
        }
        emit("fab.accelerators_out", N, out as f64);
        emit("fab.imports", N, imp as f64);
        emit("fab.imports_declined", N, declined as f64);
        emit("fab.stockpile_dies", N, dies as f64);
        emit("fab.accelerators_stock", N, stock as f64);
        emit("fab.accelerators_in_transit", N, transit as f64);

        emit(
            "fab.hbm_stacks_used",
            N,
            std::mem::take(&mut self.hbm.used_period) as f64,
        );
        emit("fab.hbm_stacks_stock", N, self.hbm.stock as f64);
        emit(
            "fab.hbm_stacks_domestic",
            N,
            std::mem::take(&mut self.hbm.domestic_period) as f64,
        );
        emit(
            "fab.hbm_stacks_imported",
            N,
            std::mem::take(&mut self.hbm.imported_period) as f64,
        );
        emit(
            "fab.packaging_used",
            N,
            std::mem::take(&mut self.packaging_used_period) as f64,
        );
        emit(
            "fab.packaging_capacity",
            N,
            std::mem::take(&mut self.packaging_offered_period) as f64,
        );

        let backlog = self.orders.backlog_by_buyer();
        let (mut units, mut flop) = (0u64, 0.0);
        for (b, buyer) in self.buyers.iter().enumerate() {
            let e = buyer.name.as_str();
            let u = std::mem::take(&mut self.delivered_units_period[b]);
            let f = std::mem::take(&mut self.flop_s_delivered_period[b]);
            emit("fab.accelerators_delivered", e, u as f64);
            emit("fab.flop_s_delivered", e, f);
            emit("fab.order_backlog_usd", e, backlog[b]);
            units += u;
            flop += f;
        }
        emit("fab.accelerators_delivered", N, units as f64);
        emit("fab.flop_s_delivered", N, flop);
        emit("fab.order_backlog_usd", N, backlog.iter().fold(0.0, |s, b| s + b));
        // Orders closed with value left: below one unit of the cheapest
        // design still suppliable (a residue), or with no design suppliable
        // any more (written off unfilled); their national sum keeps the old
        // `fab.order_residual_usd`.
        for (metric, period) in [
            ("fab.order_residue_usd", &mut self.orders.residue_period_usd),
            (
                "fab.order_unsuppliable_usd",
                &mut self.orders.unsuppliable_period_usd,
            ),
        ] {
            let mut national = 0.0;
            for (buyer, v) in self.buyers.iter().zip(period.iter_mut()) {
                emit(metric, buyer.name.as_str(), *v);
                national += std::mem::take(v);
            }
            emit(metric, N, national);
        }
        emit(
            "fab.order_residual_usd",
            N,
            std::mem::take(&mut self.orders.residual_period_usd),
        );

        let ticks = std::mem::take(&mut self.binding_ticks_period);
        let binding = mode(&ticks).unwrap_or(self.last_binding);
        for input in BindingInput::ALL {
            emit(input.metric(), N, if input == binding { 1.0 } else { 0.0 });
        }
        emit("fab.binding_input", N, f64::from(binding.code()));
    }

    /// Whether a policy sets a quota on accelerator imports, on all or on
    /// one design (whatever its date or number): only then are the quotas'
    /// holdings booked and reported.
    pub(crate) fn has_accelerator_quota(&self) -> bool {
        self.policies.iter().any(|p| {
            matches!(
                p.action,
                crate::PolicyAction::ExportControl {
                    item: crate::ControlledItem::Accelerators { .. },
                    control: crate::Control::QuotaPerMonth(_),
                }
            )
        })
    }

    /// Emits end-of-run scalars: totals since the start (among them the
    /// path units of on-order import flows declined,
    /// `fab.imports_declined_total`, if a grey import flow exists, the
    /// units it brought in, `fab.accelerators_imported_grey_total`, and, if
    /// a policy sets a quota on accelerator imports, what the quotas held
    /// back: `fab.imports_withheld_by_quota_total`, the units of the
    /// licensed import paths (of designs available, not shut by a ban or a
    /// zero quota) above their rates under the quotas in force, and
    /// `fab.import_quota_binding_share`, the share of production ticks at
    /// which a quota held some back), the end-of-run backlog, accelerator
    /// stock (finished, not yet delivered) and HBM stock, and the most
    /// frequent binding input over all production ticks as its code
    /// (`fab.binding_input_mode`, codes as in
    /// [`sample_metrics`](Self::sample_metrics)); then the fabs' electricity
    /// over the run: `fab.energy_mwh_total` (MWh), `fab.electricity_usd_total`
    /// (USD) and, if they drew any energy, the average price they paid,
    /// `fab.avg_electricity_price_usd_per_mwh` (USD/MWh: total cost ÷ total
    /// energy). With a wafer-start planner also `fab.wafers_forgone_total`
    /// (wafers), `fab.utilisation_total` (0–1) and `fab.stockpile_dies_end`
    /// (good dies left in the banks).
    pub fn summary_scalars(&self, emit: &mut dyn FnMut(&str, f64)) {
        let t = &self.totals;
        emit("fab.accelerators_delivered_total", t.delivered_units as f64);
        emit("fab.flop_s_delivered_total", t.flop_s_delivered);
        emit("fab.accelerators_built_total", t.built as f64);
        emit("fab.accelerators_imported_total", t.imported as f64);
        // Only with a grey flow, so that other runs' outputs keep their rows.
        if self.imports.iter().any(|(_, f)| f.grey) {
            emit("fab.accelerators_imported_grey_total", t.imported_grey as f64);
        }
        // Offered by on-order flows and not imported: offered = imported +
        // declined + in transit at the end.
        emit("fab.imports_declined_total", t.declined as f64);
        // Only with a quota on accelerator imports (on all or on a design),
        // so that other scenarios' outputs keep their rows.
        if self.has_accelerator_quota() {
            emit("fab.imports_withheld_by_quota_total", t.quota_withheld);
            let ticks: u64 = t.binding_ticks.iter().sum();
            emit(
                "fab.import_quota_binding_share",
                if ticks == 0 {
                    0.0
                } else {
                    t.quota_ticks as f64 / ticks as f64
                },
            );
        }
        emit(
            "fab.accelerators_in_transit_end",
            self.in_transit.iter().sum::<u64>() as f64,
        );
        // Finished and not ordered: delivered = built + imported − this.
        emit(
            "fab.accelerators_stock_end",
            self.finished.iter().sum::<u64>() as f64,
        );
        let started: u64 = self.fabs.iter().map(|f| f.balance.started).sum();
        let scrapped: u64 = self.fabs.iter().map(|f| f.balance.scrapped).sum();
        emit("fab.wafers_started_total", started as f64);
        emit("fab.wafers_scrapped_total", scrapped as f64);
        if self.die_bank_target.is_some() {
            // The wafer-start planner's idle capacity over the run, and the
            // good dies left in the banks at the end (made or banked, never
            // assembled).
            emit("fab.wafers_forgone_total", t.forgone as f64);
            emit("fab.utilisation_total", utilisation(started, t.forgone));
            emit(
                "fab.stockpile_dies_end",
                self.die_stock.iter().sum::<u64>() as f64,
            );
        }
        emit("fab.order_backlog_usd_end", self.orders.backlog_usd());
        emit("fab.hbm_stacks_stock_end", self.hbm.stock as f64);
        let mode = mode(&t.binding_ticks).unwrap_or(BindingInput::None);
        emit("fab.binding_input_mode", f64::from(mode.code()));
        emit("fab.energy_mwh_total", t.energy_mwh);
        emit("fab.electricity_usd_total", t.electricity_usd);
        // The price a run's fabs paid needs energy: none without it.
        if t.energy_mwh > 0.0 {
            emit(
                "fab.avg_electricity_price_usd_per_mwh",
                t.electricity_usd / t.energy_mwh,
            );
        }
    }
}

/// The share of the wafers a planner could have started that it started:
/// `starts / (starts + forgone)`, 0 when it could start none.
fn utilisation(starts: u64, forgone: u64) -> f64 {
    let could = starts + forgone;
    if could == 0 {
        0.0
    } else {
        starts as f64 / could as f64
    }
}

/// The input with the most ticks (ties: lower code); `None` if no ticks.
fn mode(ticks: &[u64; 6]) -> Option<BindingInput> {
    let (best, &n) = ticks
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
    (n > 0).then_some(BindingInput::ALL[best])
}

#[cfg(test)]
mod tests {
    use super::mode;
    use crate::BindingInput;

    #[test]
    fn mode_prefers_most_ticks_then_lower_code() {
        assert_eq!(mode(&[0, 0, 0, 0, 0, 0]), None);
        assert_eq!(mode(&[0, 2, 0, 3, 0, 0]), Some(BindingInput::Hbm));
        assert_eq!(mode(&[0, 3, 0, 3, 1, 0]), Some(BindingInput::Wafers));
        assert_eq!(mode(&[0, 3, 0, 0, 1, 4]), Some(BindingInput::Power));
    }
}
