//! Transmission: an exact transport model for shortfalls (a small linear
//! program), then economic trade between neighbours.
//!
//! **Shortfalls.** After each region has dispatched its own fleet and
//! storage, if some region is still short, one linear program decides every
//! import at once. Variables: `x_g ∈ [0, spare_g]`, the spare capacity of
//! each plant group that runs for export; `f_l⁺, f_l⁻ ∈ [0, cap_l]`, the
//! power sent into link `l` in each direction; `u_r ∈ [0, δ_r]`, the part of
//! region `r`'s deficit `δ_r` left unserved. One equality per region:
//! `Σ x_g + Σ_in (1 − loss_l) f_l − Σ_out f_l + u_r = δ_r`. Objective:
//! minimise `VOLL·Σ u_r + Σ c_g x_g + ε·Σ f_l`, with `VOLL` = 1e8 USD/MWh (so
//! served energy is maximised first, then generation cost) and `ε` = 1e-3
//! USD/MWh per MW sent (so among equal-cost solutions the one with fewer
//! hops and less loss wins, and no link carries power both ways: sending
//! both ways costs `2ε` and loses power). It is solved by the bounded-variable
//! primal simplex with Bland's rule (no cycling), starting from the basis of
//! the `u_r` (everything unserved), which is feasible. With `n` regions the
//! tableau has `n` rows, so a pivot costs `n × (groups + 2·links + n)`
//! multiply-adds: for seven regions about 600, and a solve a few dozen pivots.
//!
//! **Trade.** After shortfalls and storage charging, cheap generation
//! displaces dearer generation across links. For each link and direction in
//! turn (config order), while the sending region's cheapest spare capacity
//! costs `c_s`, the receiving region's dearest running group costs `c_t`,
//! `c_t (1 − loss) > c_s` and the link has room that way, the sender runs
//! the smallest of the spare block, the link's room and the displaced
//! group's output (divided by `1 − loss`) and the receiver's group backs
//! off by what arrives: a merge of two sorted lists. Passes over the links
//! repeat until none trades. Each transfer lowers total generation cost and
//! exhausts a block, a link or a running group, so the loop ends, at a state
//! where no single link can trade at a profit: the merit order across the
//! network one link at a time (transit over several links happens as a
//! chain of neighbour trades). A step with nothing to trade costs a
//! comparison per link and direction.
//!
//! Power `x` sent into a link with loss fraction `l` arrives as `x(1 − l)`;
//! the loss is booked to the receiving region.

use crate::dispatch::EPS_MW;
use crate::grid::Grid;

/// Cost of unserved energy in the shortfall program, USD/MWh: above any
/// delivered cost (marginal costs are at most 1e5 USD/MWh), so served energy
/// comes first.
const VOLL: f64 = 1e8;
/// Cost per MW sent into a link in the shortfall program, USD/MWh (a tie-break).
const FLOW_COST: f64 = 1e-3;
/// Reduced costs within this of zero do not improve the objective, USD/MWh.
const COST_TOL: f64 = 1e-6;
/// Tableau entries smaller than this are treated as zero.
const PIVOT_TOL: f64 = 1e-9;

/// What a column of the shortfall program stands for.
#[derive(Clone, Copy, Debug, Default)]
enum Column {
    /// Spare capacity of a plant group (index into `Grid::groups`).
    #[default]
    Spare,
    /// Power sent into a link from its `a` end (`forward`) or its `b` end.
    Flow { forward: bool },
    /// Unserved deficit of a region.
    Unserved,
}

/// Preallocated buffers of the shortfall program (no allocation per step).
#[derive(Debug, Default)]
pub(crate) struct Lp {
    kind: Vec<Column>,
    /// Group, link or region index of each column.
    target: Vec<u32>,
    cost: Vec<f64>,
    upper: Vec<f64>,
    /// Whether a nonbasic column sits at its upper bound.
    at_upper: Vec<bool>,
    /// Row of a basic column, or `usize::MAX`.
    basic_row: Vec<usize>,
    /// Tableau `B⁻¹A`, row-major, `rows × cols`.
    tableau: Vec<f64>,
    /// Values of the basic columns, by row.
    value: Vec<f64>,
    /// Basic column of each row.
    basis: Vec<usize>,
    /// Reduced cost of each column (zero for basic columns).
    reduced: Vec<f64>,
    /// Column of each region's unserved variable.
    unserved_col: Vec<usize>,
}

impl Lp {
    /// Buffers for `regions` regions, `groups` plant groups and `links` links.
    pub(crate) fn with_capacity(regions: usize, groups: usize, links: usize) -> Lp {
        let cols = groups + 2 * links + regions;
        Lp {
            kind: Vec::with_capacity(cols),
            target: Vec::with_capacity(cols),
            cost: Vec::with_capacity(cols),
            upper: Vec::with_capacity(cols),
            at_upper: Vec::with_capacity(cols),
            basic_row: Vec::with_capacity(cols),
            tableau: Vec::with_capacity(cols * regions),
            value: Vec::with_capacity(regions),
            basis: Vec::with_capacity(regions),
            reduced: Vec::with_capacity(cols),
            unserved_col: Vec::with_capacity(regions),
        }
    }

    fn push(&mut self, kind: Column, target: usize, cost: f64, upper: f64) {
        self.kind.push(kind);
        self.target.push(target as u32);
        self.cost.push(cost);
        self.upper.push(upper);
        self.at_upper.push(false);
        self.basic_row.push(usize::MAX);
    }

    /// The value of column `j` in the current basic solution.
    fn column_value(&self, j: usize) -> f64 {
        match self.basic_row[j] {
            usize::MAX if self.at_upper[j] => self.upper[j],
            usize::MAX => 0.0,
            row => self.value[row],
        }
    }

    /// Runs the bounded primal simplex (Bland's rule) from the current
    /// feasible basis; returns false if it stopped at the iteration cap
    /// (the solution is then feasible but perhaps not optimal).
    fn solve(&mut self) -> bool {
        let rows = self.basis.len();
        let cols = self.kind.len();
        let max_iterations = 50 * (rows + cols) + 100;
        // Reduced costs d_j = c_j − Σ_i c_basis(i) T_ij, kept up to date by each pivot.
        self.reduced.clear();
        for j in 0..cols {
            let mut d = self.cost[j];
            for i in 0..rows {
                d -= self.cost[self.basis[i]] * self.tableau[i * cols + j];
            }
            self.reduced
                .push(if self.basic_row[j] == usize::MAX { d } else { 0.0 });
        }
        for _ in 0..max_iterations {
            // Bland: the first improving column.
            let entering = (0..cols).find(|&j| {
                let d = self.reduced[j];
                self.basic_row[j] == usize::MAX
                    && if self.at_upper[j] {
                        d > COST_TOL
                    } else {
                        d < -COST_TOL && self.upper[j] > 0.0
                    }
            });
            let Some(j) = entering else {
                return true;
            };
            // Move column j by t ≥ 0 in direction `dir`; basic i changes by −dir·T_ij·t.
            let dir = if self.at_upper[j] { -1.0 } else { 1.0 };
            // Ratio test: the first basic column to reach a bound (ties: lowest column, Bland).
            let mut best: Option<(f64, usize, bool)> = None; // (step, row, leaves at upper)
            for i in 0..rows {
                let a = dir * self.tableau[i * cols + j];
                let (limit, to_upper) = if a > PIVOT_TOL {
                    (self.value[i] / a, false)
                } else if a < -PIVOT_TOL {
                    ((self.upper[self.basis[i]] - self.value[i]) / -a, true)
                } else {
                    continue;
                };
                let limit = limit.max(0.0);
                let better = match best {
                    None => true,
                    Some((b, r, _)) => {
                        let tie = 1e-12 * (1.0 + b);
                        limit < b - tie || (limit <= b + tie && self.basis[i] < self.basis[r])
                    }
                };
                if better {
                    best = Some((limit, i, to_upper));
                }
            }
            // A bound flip only when strictly shorter than every pivot.
            let (step, leaving) = match best {
                Some((limit, row, to_upper)) if limit <= self.upper[j] => (limit, Some((row, to_upper))),
                _ => (self.upper[j], None),
            };
            for i in 0..rows {
                self.value[i] -= dir * self.tableau[i * cols + j] * step;
            }
            let Some((p, to_upper)) = leaving else {
                // A bound flip: column j moves to its other bound.
                self.at_upper[j] = !self.at_upper[j];
                continue;
            };
            let entering_value = (if self.at_upper[j] { self.upper[j] } else { 0.0 }) + dir * step;
            let out = self.basis[p];
            self.basic_row[out] = usize::MAX;
            self.at_upper[out] = to_upper;
            self.basis[p] = j;
            self.basic_row[j] = p;
            self.at_upper[j] = false;
            self.value[p] = entering_value;
            let pivot = self.tableau[p * cols + j];
            // Row p becomes the pivot row; the other rows and the reduced
            // costs subtract their multiple of it (slices, so no bounds checks).
            let (before, rest) = self.tableau.split_at_mut(p * cols);
            let (pivot_row, after) = rest.split_at_mut(cols);
            for v in pivot_row.iter_mut() {
                *v /= pivot;
            }
            for row in before.chunks_exact_mut(cols).chain(after.chunks_exact_mut(cols)) {
                let factor = row[j];
                if factor != 0.0 {
                    for (v, pv) in row.iter_mut().zip(pivot_row.iter()) {
                        *v -= factor * pv;
                    }
                }
            }
            let factor = self.reduced[j];
            for (v, pv) in self.reduced.iter_mut().zip(pivot_row.iter()) {
                *v -= factor * pv;
            }
            self.reduced[j] = 0.0;
        }
        false
    }
}

impl Grid {
    /// Residual capacity for sending from `from` into link `li`, MW (a link
    /// carries power one way within a step).
    fn residual(&self, li: usize, from: u32) -> f64 {
        let l = &self.links[li];
        if from == l.a {
            if l.flow_mw >= 0.0 {
                l.capacity_mw - l.flow_mw
            } else {
                0.0
            }
        } else if l.flow_mw <= 0.0 {
            l.capacity_mw + l.flow_mw
        } else {
            0.0
        }
    }

    /// Sends `sent` MW from region `from` over link `li` (into the other end), booking
    /// exports, imports and losses; returns the MW that arrive.
    fn send(&mut self, li: usize, from: usize, sent: f64) -> f64 {
        let link = &mut self.links[li];
        let to = if from as u32 == link.a {
            link.flow_mw += sent;
            link.b as usize
        } else {
            link.flow_mw -= sent;
            link.a as usize
        };
        let loss = link.loss_fraction;
        self.regions[from].step.exports_mw += sent;
        let r = &mut self.regions[to].step;
        r.imports_mw += sent;
        r.losses_mw += sent * loss;
        sent * (1.0 - loss)
    }

    /// Serves deficits with imports by the shortfall program; see the module docs.
    pub(crate) fn transport(&mut self) {
        let n = self.regions.len();
        let mut lp = std::mem::take(&mut self.lp);
        lp.kind.clear();
        lp.target.clear();
        lp.cost.clear();
        lp.upper.clear();
        lp.at_upper.clear();
        lp.basic_row.clear();
        lp.unserved_col.clear();
        for r in &self.regions {
            for pos in r.spare_cursor..r.merit.1 {
                let spare = self.hot[pos].available_mw - self.hot[pos].generation_mw;
                if spare > EPS_MW {
                    lp.push(Column::Spare, pos, self.hot[pos].cost, spare);
                }
            }
        }
        for (li, l) in self.links.iter().enumerate() {
            if l.capacity_mw > EPS_MW {
                lp.push(Column::Flow { forward: true }, li, FLOW_COST, l.capacity_mw);
                lp.push(Column::Flow { forward: false }, li, FLOW_COST, l.capacity_mw);
            }
        }
        for (ri, r) in self.regions.iter().enumerate() {
            lp.unserved_col.push(lp.kind.len());
            lp.push(Column::Unserved, ri, VOLL, r.deficit_mw);
        }
        let cols = lp.kind.len();
        lp.tableau.clear();
        lp.tableau.resize(n * cols, 0.0);
        for j in 0..cols {
            let t = lp.target[j] as usize;
            match lp.kind[j] {
                Column::Spare => lp.tableau[self.groups[t].region as usize * cols + j] = 1.0,
                Column::Flow { forward } => {
                    let l = &self.links[t];
                    let (from, to) = if forward { (l.a, l.b) } else { (l.b, l.a) };
                    lp.tableau[from as usize * cols + j] = -1.0;
                    lp.tableau[to as usize * cols + j] = 1.0 - l.loss_fraction;
                }
                Column::Unserved => lp.tableau[t * cols + j] = 1.0,
            }
        }
        lp.basis.clear();
        lp.value.clear();
        for ri in 0..n {
            let j = lp.unserved_col[ri];
            lp.basis.push(j);
            lp.basic_row[j] = ri;
            lp.value.push(self.regions[ri].deficit_mw);
        }
        lp.solve();
        // Apply the solution: generation for export, flows, what stays unserved.
        for j in 0..cols {
            let v = lp.column_value(j);
            let t = lp.target[j] as usize;
            match lp.kind[j] {
                Column::Spare if v > 0.0 => {
                    let fl = &mut self.hot;
                    fl[t].generation_mw = (fl[t].generation_mw + v).min(fl[t].available_mw);
                    let cost = fl[t].cost;
                    let r = &mut self.regions[self.groups[t].region as usize].step;
                    r.price_usd_per_mwh = r.price_usd_per_mwh.max(cost);
                }
                Column::Flow { forward } if v > 0.0 => {
                    let from = if forward { self.links[t].a } else { self.links[t].b };
                    self.send(t, from as usize, v);
                }
                _ => {}
            }
        }
        for ri in 0..n {
            let unserved = lp.column_value(lp.unserved_col[ri]).max(0.0);
            let r = &mut self.regions[ri];
            r.deficit_mw = if unserved > EPS_MW { unserved } else { 0.0 };
        }
        // Importers pay the delivered cost of their dearest supply: the
        // sender's price divided by the link's (1 − loss), carried along the
        // flows (which form no cycle: a cycle would only lose power), so
        // `n` rounds of relaxation reach every region.
        for _ in 0..n {
            let mut changed = false;
            for l in &self.links {
                let (from, to) = match l.flow_mw {
                    f if f > 0.0 => (l.a as usize, l.b as usize),
                    f if f < 0.0 => (l.b as usize, l.a as usize),
                    _ => continue,
                };
                let delivered = self.regions[from].step.price_usd_per_mwh / (1.0 - l.loss_fraction);
                let r = &mut self.regions[to];
                if delivered > r.step.price_usd_per_mwh + COST_TOL {
                    r.import_price = r.import_price.max(delivered);
                    r.step.price_usd_per_mwh = delivered;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.lp = lp;
    }

    /// Cheap generation displaces dearer generation across links; see the module docs.
    pub(crate) fn trade(&mut self) {
        let n = self.regions.len();
        // Dearest running group of each region, kept up to date as trades go,
        // and the costs a trade compares: the region's cheapest spare and its
        // dearest running group (±∞ when it has none or is short).
        for ri in 0..n {
            self.trade_top[ri] = self.top_running(ri);
            self.refresh_trade_costs(ri);
        }
        let mut traded = false;
        // Passes over the links until no link has a profitable trade left;
        // each trade exhausts a spare block, a link or a running group.
        let max_passes = self.groups.len() + self.links.len() + 2;
        for _ in 0..max_passes {
            let mut pass_traded = false;
            for k in 0..self.trade_directions.len() {
                let (from, to, gain_factor) = self.trade_directions[k];
                let (from, to) = (from as usize, to as usize);
                if self.trade_costs[to].1 * gain_factor - self.trade_costs[from].0 > COST_TOL {
                    pass_traded |= self.trade_over(k / 2, from, to);
                }
            }
            traded |= pass_traded;
            if !pass_traded {
                break;
            }
        }
        if traded {
            // Price: the dearest unit running in the region or for its imports.
            for ri in 0..n {
                let top_cost = self.trade_top[ri].map_or(0.0, |g| self.hot[g].cost);
                let r = &mut self.regions[ri];
                // A select, not a branch: which regions traded varies from step to step.
                let linked = (r.step.imports_mw > 0.0) | (r.step.exports_mw > 0.0);
                let traded_price = top_cost.max(r.import_price);
                r.step.price_usd_per_mwh = if linked {
                    traded_price
                } else {
                    r.step.price_usd_per_mwh
                };
            }
        }
    }

    /// Trades over link `li` from `from` to `to` while it pays (cheapest
    /// spare block of `from` against dearest running group of `to`, merged
    /// like two sorted lists); true if anything moved.
    fn trade_over(&mut self, li: usize, from: usize, to: usize) -> bool {
        let gain_factor = 1.0 - self.links[li].loss_fraction;
        let mut moved = false;
        loop {
            let room = self.residual(li, from as u32);
            if room <= EPS_MW {
                break;
            }
            let (Some(top), Some((c_s, spare))) = (self.trade_top[to], self.next_spare(from)) else {
                break;
            };
            if self.hot[top].cost * gain_factor - c_s <= COST_TOL {
                break;
            }
            // Run the sender's cheapest spare block (at its spare cursor) by
            // `x`, at most its spare: what `take_spare` would do, in one block.
            let block = self.regions[from].spare_cursor;
            let x = spare.min(room).min(self.hot[top].generation_mw / gain_factor);
            if x <= EPS_MW {
                break;
            }
            let fl = &mut self.hot;
            fl[block].generation_mw += x;
            let (cost, exhausted) = (
                fl[block].cost,
                fl[block].available_mw - fl[block].generation_mw <= EPS_MW,
            );
            let r = &mut self.regions[from];
            r.step.price_usd_per_mwh = r.step.price_usd_per_mwh.max(cost);
            if exhausted {
                r.spare_cursor += 1;
            }
            moved = true;
            self.trade_top[from] = Some(self.trade_top[from].map_or(block, |t| t.max(block)));
            let arrived = self.send(li, from, x);
            let displaced = &mut self.hot[top].generation_mw;
            *displaced = (*displaced - arrived).max(0.0);
            let displaced_off = *displaced <= EPS_MW;
            let r = &mut self.regions[to];
            // The displaced group has spare capacity again.
            r.spare_cursor = r.spare_cursor.min(top);
            r.import_price = r.import_price.max(c_s / gain_factor);
            if displaced_off {
                let m0 = r.merit.0;
                self.trade_top[to] = (m0..top).rev().find(|&p| self.hot[p].generation_mw > EPS_MW);
            }
        }
        if moved {
            self.refresh_trade_costs(from);
            self.refresh_trade_costs(to);
        }
        moved
    }

    /// Refreshes region `ri`'s entry of `trade_costs` (see [`Grid::trade`]).
    fn refresh_trade_costs(&mut self, ri: usize) {
        self.trade_costs[ri] = if self.regions[ri].deficit_mw > 0.0 {
            (f64::INFINITY, f64::NEG_INFINITY)
        } else {
            (
                self.next_spare(ri).map_or(f64::INFINITY, |(c, _)| c),
                self.trade_top[ri].map_or(f64::NEG_INFINITY, |g| self.hot[g].cost),
            )
        };
    }

    /// The position of region `ri`'s dearest group that is generating, if any.
    fn top_running(&self, ri: usize) -> Option<usize> {
        let (m0, m1) = self.regions[ri].merit;
        (m0..m1).rev().find(|&pos| self.hot[pos].generation_mw > EPS_MW)
    }
}
