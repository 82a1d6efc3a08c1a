//! Network-wide economic dispatch: one linear program per dispatch step,
//! warm-started from the previous step's optimal basis.
//!
//! **The program.** Rows: one balance per region `r`,
//! `Σ_{g in r} x_g + z_r + Σ_k s_{r,k} + Σ_{l into r} (1 − loss_l) f_l − Σ_{l out of r} f_l + u_r = D_r`,
//! where `D_r` is the region's demand net of the storage discharge decided
//! before the program. Columns: `x_g ∈ [0, A_g]`, the output of plant
//! group `g` (its availability this step); `z_r ∈ [0, R_r]`, the region's
//! **storage reserve**: more discharge from its store, up to what the store
//! can still deliver this step; `s_{r,k} ∈ [0, L_{r,k}]`, the demand of
//! load class `k` (in the curtailment order) shed in region `r`, up to the
//! class's demand there; `f_l ∈ [0, cap_l]`, the power sent into link `l`
//! in one direction (two columns per link); `u_r ≥ 0`, a last-resort
//! unserved column (the classes add up to the region's demand, so only
//! rounding can reach it).
//! Objective: minimise `Σ c_g x_g + κ Σ f_l + V_R Σ z_r + Σ V_k s_{r,k} + V_K Σ u_r`,
//! with `κ` the cost per MW sent: 1e-3 USD/MWh when regions trade (a
//! tie-break: among equal-cost answers the one with fewer hops and less
//! loss wins, and no link carries power both ways), or one USD/MWh above
//! the dearest group when they do not (`GridConfig::economic_trade` off:
//! links then carry power only where a region would otherwise curtail).
//! `V_0` is at least 1e8 USD/MWh and above the dearest delivery the
//! network allows, so served energy always comes first; `V_{k+1} = S·V_k`,
//! with `S` large enough that shedding a class anywhere power can reach
//! costs less than shedding the next class (see [`Network::new`]): the
//! curtailment order holds across the network, not only within a region.
//! The storage reserve costs one step less than the first class, `V_R =
//! V_0 / S`: a store's energy is used only where it avoids shedding (it
//! costs more than any delivery), and, by the same argument, before any
//! class is shed in a region its power reaches with a gain above `1/S`:
//! every region it can reach, unless `S` was lowered for the cost ceiling
//! (then `1/S` is at least 0.178 and a store reaching a short region more
//! weakly is left unused while a class is shed there).
//! Each region's shed block (its reserve, then its classes) forms a second
//! short merit order beside its plants (costs rising), and the method
//! below treats both alike.
//!
//! **Must-run.** The program knows no floors: for a group with a must-run
//! share the caller (`dispatch`) sets the column to the output *above* the
//! floor `m_g`, `x'_g ∈ [0, A_g − m_g]`, and the region's right-hand side to
//! `D_r − Σ m_g` (the floors scaled down to `D_r` where they exceed it), and
//! adds `m_g` back to the output after the solve. Only bounds and the
//! right-hand side move, as between any two steps, so the warm start holds.
//!
//! **The method.** The bounded-variable dual simplex on the revised form:
//! the basis inverse `B⁻¹` is `n × n` for `n` regions, and every column has
//! at most two nonzeros (a group or unserved column one, a link column
//! two), so a row of `B⁻¹A` costs one or two lookups per column. A group's
//! entry in that row is its region's, so the ratio test skips every region
//! the row does not touch (and every link direction between two such
//! regions), and within a region (groups in merit order) only the groups
//! nearest its dual price can enter. Between steps only the bounds (`A_g`)
//! and the right-hand side (`D_r`) move; the costs do not, so the previous
//! optimal basis stays dual feasible once each nonbasic group sits at the
//! bound its reduced cost asks for (checked in each region whose dual has
//! moved, since a group whose availability was zero, such as solar at
//! night, may have sat at either).
//! The basic values are recomputed from the new bounds (`B⁻¹` times a
//! vector): if they are within their bounds the basis is still optimal and
//! the step costs no pivot; otherwise dual simplex pivots restore primal
//! feasibility (typically one or two: the marginal group of a region
//! changes). The leaving row is the most infeasible; the entering column
//! the smallest ratio `|d_j / α_j|`, ties to the largest `|α_j|`, then the
//! lowest column. After many pivots in one solve it switches to Bland's
//! rule (lowest indices), which cannot cycle. `B⁻¹` is rebuilt from the
//! basis by Gauss–Jordan elimination every [`REFACTOR_PIVOTS`] pivots, so
//! rounding does not accumulate. The first step starts from the basis of
//! the `u_r` with every group (and shed-block column) at its upper bound (dual
//! feasible: each one's reduced cost is `c_g − V_K < 0`).
//!
//! Prices are not the program's duals: where a region is served exactly
//! to a link's limit (common: a region without a fleet, a transit region)
//! the dual is not unique and jumps to a shed class's cost. The grid prices each region
//! at the cost of the dearest unit run for it instead (see `dispatch`).

use crate::dispatch::EPS_MW;
use scheduler::math;

/// Least cost of unserved demand, USD/MWh. A network where delivering power
/// could cost more (long chains of lossy links) gets a higher one: see
/// [`Network::new`].
pub(crate) const VOLL: f64 = 1e8;
/// Highest cost of unserved demand a network may need, USD/MWh: beyond it
/// rounding on the duals (1e-5 USD/MWh at 1e11) would approach the link
/// tie-break times a loss (3e-5 USD/MWh), so such a network is refused.
const VOLL_CEILING: f64 = 1e11;
/// Least ratio between the costs of shedding two successive load classes:
/// a network whose losses would need the classes closer is refused.
const MIN_TIER_SPACING: f64 = 1.5;
/// Cost per MW sent into a link when regions trade, USD/MWh (a tie-break).
pub(crate) const TRADE_FLOW_COST: f64 = 1e-3;
/// Basic values this far outside their bounds are infeasible, MW.
const PRIMAL_TOL: f64 = EPS_MW;
/// Reduced costs within this of zero are zero, USD/MWh.
const COST_TOL: f64 = 1e-7;
/// Entries of `B⁻¹A` smaller than this are not pivots.
const PIVOT_TOL: f64 = 1e-9;
/// `B⁻¹` is rebuilt from the basis after this many pivots.
pub(crate) const REFACTOR_PIVOTS: u32 = 64;

/// Where a column stands: a basic column holds its row; these two mark a
/// nonbasic column at zero and at its upper bound. (Plain integers: the
/// status is compared in every inner loop.)
const LOWER: u32 = u32::MAX - 1;
const UPPER: u32 = u32::MAX;

/// The best entering column found so far by the ratio test.
struct Candidate {
    column: usize,
    ratio: f64,
    alpha: f64,
}

impl Candidate {
    const NONE: Candidate = Candidate {
        column: usize::MAX,
        ratio: f64::INFINITY,
        alpha: 0.0,
    };

    /// Takes column `j` if its ratio is smaller; on an exact tie, if its
    /// `|α|` is larger (numerically safer), or under Bland's rule if it comes
    /// first. (No tolerance on ties: costs differ by as little as a link's
    /// tie-break times its loss, 1e-3 × 0.03 USD/MWh, on duals of up to
    /// `VOLL`, and a tolerance would let such a column's reduced cost turn
    /// negative.)
    #[inline]
    fn offer(&mut self, j: usize, ratio: f64, alpha: f64, bland: bool) {
        let better = ratio < self.ratio
            || (ratio == self.ratio
                && if bland {
                    j < self.column
                } else {
                    alpha > self.alpha
                });
        if better {
            *self = Candidate {
                column: j,
                ratio,
                alpha,
            };
        }
    }
}

/// The dispatch program did not reach an optimum (numerical trouble).
#[derive(Debug)]
pub(crate) struct Unsolved(pub &'static str);

/// The program's data, its current basis and the buffers of a solve (no
/// allocation per step). Columns: groups (in `Grid::groups` order, region
/// by region, each region's in merit order), then link `l` from its `a`
/// end (`groups + 2l`) and from its `b` end (`groups + 2l + 1`), then each
/// region's shed block (its storage reserve, then its load classes in
/// curtailment order), then each region's unserved demand.
///
/// The link directions ("arcs") are stored as parallel arrays, and the hot
/// loops below take local slices of every array they touch, so that the
/// compiler keeps the pointers in registers and can drop most bounds checks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Network {
    /// Regions (rows).
    n: usize,
    /// Each region's range of group (plant) columns.
    ranges: Vec<(usize, usize)>,
    /// Marginal cost of each group, USD/MWh.
    group_cost: Vec<f64>,
    /// Cost of each column of a region's shed block, USD/MWh: the storage
    /// reserve (tier 0), then each load class in curtailment order.
    shed_cost: Vec<f64>,
    /// Row each link direction takes power from (two directions per link).
    arc_from: Vec<u32>,
    /// Row each link direction delivers into.
    arc_to: Vec<u32>,
    /// Fraction of the power sent that arrives (`1 − loss`).
    arc_gain: Vec<f64>,
    /// The rows each link direction touches, as a bit set (bit `r % 64`):
    /// the ratio test skips the directions whose rows the pivot row is zero in.
    arc_rows: Vec<u64>,
    /// Cost per MW sent into a link, USD/MWh.
    flow_cost: f64,
    /// Columns of each region's shed block: the storage reserve and the
    /// load classes (the block follows the links' columns).
    tiers: usize,
    /// Cost of the last-resort unserved column `u_r`, above every shed
    /// class (it is only used if rounding leaves the classes a hair short), USD/MWh.
    unserved_cost: f64,
    /// Upper bound of each column, MW (`INFINITY` for unserved demand).
    upper: Vec<f64>,
    /// [`LOWER`], [`UPPER`] or the row of a basic column.
    status: Vec<u32>,
    /// Basic column of each row.
    basis: Vec<u32>,
    /// Cost of each row's basic column, USD/MWh.
    basis_cost: Vec<f64>,
    /// Region of each group.
    group_region: Vec<u32>,
    /// `B⁻¹`, row-major, `n × n`.
    inv: Vec<f64>,
    /// Duals `c_B B⁻¹`, USD/MWh.
    y: Vec<f64>,
    /// Right-hand side `D_r`, MW.
    demand: Vec<f64>,
    /// Basic values by row, MW.
    value: Vec<f64>,
    /// Scratch: right-hand side net of nonbasic columns at their upper bound.
    rhs: Vec<f64>,
    /// Scratch: the entering column `B⁻¹ A_q`.
    w: Vec<f64>,
    /// Scratch: the pivot row of `B⁻¹`.
    rho: Vec<f64>,
    /// Scratch: `B` while it is inverted, `n × n`.
    b: Vec<f64>,
    /// Scratch: each region's storage reserve bound, kept during the first solve.
    reserve_bounds: Vec<f64>,
    /// Each region's dual when its groups were last settled (NaN: never, or
    /// one of its groups has left the basis since). Settling is idempotent
    /// while the dual stays put, so a region whose dual has not moved is skipped.
    settled_y: Vec<f64>,
    /// Pivots since `B⁻¹` was last rebuilt.
    since_refactor: u32,
    /// Whether the program has a basis yet.
    warm: bool,
    /// Pivots over the program's life (for tests and profiling).
    pub(crate) pivots: u64,
}

impl Network {
    /// A program for regions whose groups are the column ranges `ranges`
    /// (contiguous, in order, each in merit order), groups at marginal cost
    /// `group_cost[g]` (USD/MWh), and links `(a, b, capacity MW, loss
    /// fraction)`, with economic trade between regions or without, and
    /// `classes` load classes that can be shed (in the curtailment order: the
    /// first is shed first). `ranges` and `group_cost` index the plants; the
    /// program appends each region's shed block, its storage reserve and then
    /// its classes, after the links.
    ///
    /// Sending a MW costs [`TRADE_FLOW_COST`] with trade, and one USD/MWh
    /// more than the dearest group without (so no trade pays, but a MW that
    /// would otherwise go unserved is sent). Shedding the first class costs
    /// at least [`VOLL`], and 100 times the dearest delivery the network
    /// allows: over the path of least loss between any two regions,
    /// `(c_max + κ·(n − 1)) / Π(1 − loss)`, so served energy always comes
    /// first. Each later class costs `S` times the one before, with
    /// `S = 2 / Π(1 − loss)` over that weakest path (so the program sheds a
    /// class anywhere before it sheds the next one anywhere power can reach),
    /// lowered if needed so the last costs at most 1e11 USD/MWh (then a class
    /// is protected over the one before wherever power arrives with a gain
    /// above `1/S`). The storage reserve costs `V_0 / S`, one step below the
    /// first class's `V_0`: still far above any delivery (a store's energy serves
    /// only what would otherwise be shed), and it is used before any class
    /// is shed wherever its power arrives with a gain above `1/S`, by the
    /// same argument (every region it can reach unless `S` was lowered). A
    /// network whose losses compound so far that the first class would cost
    /// more than 1e11 USD/MWh, or the classes could not be spaced by at least
    /// [`MIN_TIER_SPACING`], is refused, with the reason.
    pub(crate) fn new(
        ranges: &[(usize, usize)],
        plant_cost: &[f64],
        links: &[(u32, u32, f64, f64)],
        trade: bool,
        classes: usize,
    ) -> Result<Network, String> {
        // The storage reserve, then the classes.
        let tiers = classes + 1;
        let n = ranges.len();
        let c_max = plant_cost.iter().fold(0.0f64, |m, &c| m.max(c));
        let flow_cost = if trade { TRADE_FLOW_COST } else { c_max + 1.0 };
        // The best gain (product of 1 − loss) between every two regions, over
        // links that carry power (Floyd–Warshall on products, n is small).
        let mut best = vec![0.0f64; n * n];
        for r in 0..n {
            best[r * n + r] = 1.0;
        }
        for &(a, b, cap, loss) in links {
            if cap > 0.0 {
                let (a, b) = (a as usize, b as usize);
                best[a * n + b] = best[a * n + b].max(1.0 - loss);
                best[b * n + a] = best[b * n + a].max(1.0 - loss);
            }
        }
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    best[i * n + j] = best[i * n + j].max(best[i * n + k] * best[k * n + j]);
                }
            }
        }
        let weakest = best.iter().filter(|&&g| g > 0.0).fold(1.0f64, |m, &g| m.min(g));
        let dearest_delivery = (c_max + flow_cost * n.saturating_sub(1) as f64) / weakest;
        let voll = VOLL.max(100.0 * dearest_delivery);
        let tier_spacing = (2.0 / weakest).min(math::powf(VOLL_CEILING / voll, 1.0 / classes.max(1) as f64));
        // The storage reserve one step below the first class: with four
        // classes `S ≤ 1000^(1/4) < 5.7`, so it still costs more than 17
        // times the dearest delivery (a network where it would not, with
        // fewer classes, is refused with the others).
        let reserve_cost = voll / tier_spacing;
        let spaced =
            classes == 0 || (tier_spacing >= MIN_TIER_SPACING && reserve_cost >= 10.0 * dearest_delivery);
        if voll.is_nan() || voll > VOLL_CEILING || !spaced {
            return Err(format!(
                "losses compound to a gain of {weakest:.3e} between two regions, so delivering a MW \
                 could cost {dearest_delivery:.3e} USD/MWh, beyond what the dispatch program can \
                 rank below unserved demand in {classes} load classes; shorten the chain or lower the losses"
            ));
        }
        // The storage reserve, then the classes in curtailment order, costs rising.
        let shed_cost: Vec<f64> = std::iter::once(reserve_cost)
            .chain((0..classes).map(|t| voll * math::powi(tier_spacing, t as i32)))
            .collect();
        let unserved_cost = voll * math::powi(tier_spacing, classes as i32);
        let groups = plant_cost.len();
        // The ratio test relies on it (the nearest group to a region's dual
        // is found by scanning from one end).
        assert!(
            ranges.iter().all(|&(g0, g1)| plant_cost[g0..g1].is_sorted()),
            "each region's groups are in merit order"
        );
        let mut upper = vec![0.0; groups];
        let (mut arc_from, mut arc_to, mut arc_gain, mut arc_rows) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for &(a, b, cap, loss) in links {
            for (from, to) in [(a, b), (b, a)] {
                arc_from.push(from);
                arc_to.push(to);
                arc_gain.push(1.0 - loss);
                arc_rows.push(1u64 << (from % 64) | 1u64 << (to % 64));
                upper.push(cap);
            }
        }
        upper.extend(std::iter::repeat_n(0.0, n * tiers));
        upper.extend(std::iter::repeat_n(f64::INFINITY, n));
        Ok(Network {
            n,
            group_region: ranges
                .iter()
                .enumerate()
                .flat_map(|(r, &(g0, g1))| std::iter::repeat_n(r as u32, g1 - g0))
                .collect(),
            ranges: ranges.to_vec(),
            group_cost: plant_cost.to_vec(),
            shed_cost,
            tiers,
            unserved_cost,
            arc_from,
            arc_to,
            arc_gain,
            arc_rows,
            flow_cost,
            status: vec![LOWER; upper.len()],
            basis_cost: vec![0.0; n],
            upper,
            basis: vec![0; n],
            inv: vec![0.0; n * n],
            y: vec![0.0; n],
            settled_y: vec![f64::NAN; n],
            demand: vec![0.0; n],
            value: vec![0.0; n],
            rhs: vec![0.0; n],
            w: vec![0.0; n],
            rho: vec![0.0; n],
            b: vec![0.0; n * n],
            reserve_bounds: vec![0.0; n],
            ..Network::default()
        })
    }

    fn groups(&self) -> usize {
        self.group_cost.len()
    }

    fn first_shed(&self) -> usize {
        self.groups() + self.arc_gain.len()
    }

    fn first_unserved(&self) -> usize {
        self.first_shed() + self.n * self.tiers
    }

    /// The region of a group or shed-block column, if `j` is one.
    fn single_row_region(&self, j: usize) -> Option<usize> {
        let first_shed = self.first_shed();
        if j < self.groups() {
            Some(self.group_region[j] as usize)
        } else if j >= first_shed && j < self.first_unserved() {
            Some((j - first_shed) / self.tiers)
        } else {
            None
        }
    }

    /// Column `j` as (row it takes from or `None`, row it delivers into,
    /// gain, cost). (Not for inner loops: they read the arrays directly.)
    fn column(&self, j: usize) -> (Option<usize>, usize, f64, f64) {
        let (g, s, u) = (self.groups(), self.first_shed(), self.first_unserved());
        if j < g {
            (None, self.group_region[j] as usize, 1.0, self.group_cost[j])
        } else if j < s {
            let k = j - g;
            (
                Some(self.arc_from[k] as usize),
                self.arc_to[k] as usize,
                self.arc_gain[k],
                self.flow_cost,
            )
        } else if j < u {
            let k = j - s;
            (None, k / self.tiers, 1.0, self.shed_cost[k % self.tiers])
        } else {
            (None, j - u, 1.0, self.unserved_cost)
        }
    }

    /// Columns of a region's shed block: its storage reserve and its load classes.
    pub(crate) fn tiers(&self) -> usize {
        self.tiers
    }

    /// The bounds set before each solve, MW: each group's (its
    /// availability), and each shed-block column's, region by region: the
    /// region's storage reserve (what its store can still deliver this
    /// step; 0 without a store), then its classes in curtailment order (the
    /// class's demand there).
    pub(crate) fn bounds_mut(&mut self) -> (&mut [f64], &mut [f64]) {
        let (g, s, u) = (self.groups(), self.first_shed(), self.first_unserved());
        let (groups, rest) = self.upper[..u].split_at_mut(s);
        (&mut groups[..g], rest)
    }

    /// Each region's demand net of storage discharge, MW: set before each solve.
    pub(crate) fn demand_mut(&mut self) -> &mut [f64] {
        &mut self.demand
    }

    /// The values of columns `range` at the last solve, MW, in order (a
    /// basic value is clamped to its bounds: it may stand `PRIMAL_TOL` off).
    fn values(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = f64> + '_ {
        let value = &self.value[..self.n];
        self.status[range.clone()]
            .iter()
            .zip(&self.upper[range])
            .map(move |(&s, &u)| match s {
                LOWER => 0.0,
                UPPER => u,
                row => value[row as usize].clamp(0.0, u),
            })
    }

    /// Output of each plant group, MW, in group order.
    #[cfg(test)]
    pub(crate) fn group_outputs(&self) -> impl Iterator<Item = f64> + '_ {
        self.values(0..self.groups())
    }

    /// Calls `set(g, mw)` with the output of every plant group, MW: first
    /// each group as if nonbasic (its upper bound or zero, a select), then
    /// the few basic ones again with their values. Two plain passes instead
    /// of a three-way branch per group, whose outcome varies step to step.
    #[inline]
    pub(crate) fn set_group_outputs(&self, mut set: impl FnMut(usize, f64)) {
        let g = self.groups();
        for (k, (&s, &u)) in self.status[..g].iter().zip(&self.upper[..g]).enumerate() {
            set(k, if s == UPPER { u } else { 0.0 });
        }
        for (&j, &v) in self.basis.iter().zip(&self.value) {
            let j = j as usize;
            if j < g {
                set(j, v.clamp(0.0, self.upper[j]));
            }
        }
    }

    /// Power sent into each link from its `a` end and from its `b` end, MW,
    /// in link order.
    pub(crate) fn link_flows(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let mut sent = self.values(self.groups()..self.first_shed());
        std::iter::from_fn(move || Some((sent.next()?, sent.next()?)))
    }

    /// Per region, in region order: the storage reserve used (more
    /// discharge from its store, MW) and the demand left unserved (its shed
    /// classes and the last-resort column, MW).
    pub(crate) fn reserve_and_unserved(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let (first_shed, first_unserved, tiers) = (self.first_shed(), self.first_unserved(), self.tiers);
        // Usually nothing is shed: no such column is basic or at its bound.
        let any = self.basis.iter().any(|&j| j as usize >= first_shed)
            || self.status[first_shed..first_unserved].contains(&UPPER);
        (0..self.n).map(move |r| {
            if !any {
                return (0.0, 0.0);
            }
            let block = first_shed + r * tiers;
            let mut values = self.values(block..block + tiers);
            let reserve = values.next().unwrap_or(0.0);
            let unserved = values.sum::<f64>()
                + self
                    .values(first_unserved + r..first_unserved + r + 1)
                    .sum::<f64>();
            (reserve, unserved)
        })
    }

    /// Demand left unserved in each region, MW, in region order.
    pub(crate) fn unserved(&self) -> impl Iterator<Item = f64> + '_ {
        self.reserve_and_unserved().map(|(_, u)| u)
    }

    /// Demand shed in each class of region `r`, MW, in curtailment order.
    #[cfg(test)]
    pub(crate) fn shed(&self, r: usize) -> Vec<f64> {
        let shed = self.first_shed() + r * self.tiers;
        self.values(shed + 1..shed + self.tiers).collect()
    }

    /// The storage reserve used in region `r`, MW.
    #[cfg(test)]
    pub(crate) fn reserve(&self, r: usize) -> f64 {
        let shed = self.first_shed() + r * self.tiers;
        self.values(shed..shed + 1).sum()
    }

    /// Starts from the basis of the unserved columns: `B⁻¹ = I`, every group
    /// at its upper bound, every link empty (dual feasible).
    fn cold_start(&mut self) {
        let n = self.n;
        let (g, shed, first) = (self.groups(), self.first_shed(), self.first_unserved());
        self.status[..g].fill(UPPER);
        self.status[g..shed].fill(LOWER);
        self.status[shed..first].fill(UPPER);
        self.inv.fill(0.0);
        for r in 0..n {
            self.basis[r] = (first + r) as u32;
            self.status[first + r] = r as u32;
            self.basis_cost[r] = self.unserved_cost;
            self.inv[r * n + r] = 1.0;
        }
        self.since_refactor = 0;
        self.refresh_duals();
        self.settled_y.fill(f64::NAN);
        self.warm = true;
    }

    /// `y = c_B B⁻¹`.
    fn refresh_duals(&mut self) {
        let n = self.n;
        self.y.fill(0.0);
        for (row, &c) in self.inv.chunks_exact(n).zip(&self.basis_cost) {
            for (yk, a) in self.y.iter_mut().zip(row) {
                *yk += c * a;
            }
        }
    }

    /// Recomputes the basic values `B⁻¹ (D − Σ_{j at upper} u_j A_j)`, in one
    /// pass over the columns.
    ///
    /// With `settle`, it first puts every nonbasic group at the bound its
    /// reduced cost `c_g − y_r` asks for (upper if negative, lower if
    /// positive), which keeps the basis dual feasible. Only groups whose
    /// range was zero can be out of place (the ratio test keeps the others
    /// where they belong), so this is needed only in regions whose dual
    /// moved (or one of whose groups left the basis) since they were last
    /// settled.
    fn basic_values(&mut self, settle: bool) {
        let n = self.n;
        let g = self.groups();
        let (first_shed, tiers) = (self.first_shed(), self.tiers);
        let (status, upper) = (&mut self.status[..], &self.upper[..]);
        let (cost, y, demand) = (&self.group_cost[..g], &self.y[..n], &self.demand[..n]);
        let shed_cost = &self.shed_cost[..tiers];
        let settled_y = &mut self.settled_y[..n];
        let (ranges, rhs) = (&self.ranges[..n], &mut self.rhs[..n]);
        // While every dual is below the storage reserve (the cheapest column of
        // the shed block), nothing is shed and no reserve used: settling would
        // put every nonbasic column of the block at zero, where they all
        // already are unless one is at its upper bound (the usual case, checked at once).
        let sheds_idle = shed_cost
            .first()
            .is_none_or(|&c| y.iter().all(|&y| y < c - COST_TOL))
            && !status[first_shed..first_shed + n * tiers].contains(&UPPER);
        for r in 0..n {
            let (g0, g1) = ranges[r];
            let s0 = first_shed + r * tiers;
            let settle_r = settle && y[r] != settled_y[r];
            if settle_r {
                settled_y[r] = y[r];
            }
            // Skipping is exact: settling this region again would change nothing.
            #[cfg(test)]
            if settle && !settle_r {
                let plants = status[g0..g1].iter().zip(&cost[g0..g1]);
                for (&s, &c) in plants.chain(status[s0..s0 + tiers].iter().zip(shed_cost)) {
                    let d = c - y[r];
                    assert!(
                        s < LOWER || !(d < -COST_TOL && s != UPPER || d > COST_TOL && s != LOWER),
                        "a skipped region has a column out of place"
                    );
                }
            }
            let mut at_upper =
                segment_at_upper(&mut status[g0..g1], &upper[g0..g1], &cost[g0..g1], y[r], settle_r);
            if !sheds_idle {
                // (Settled whenever they are looked at: a few columns, and a
                // column sitting at an empty upper bound would otherwise keep
                // every later step off the fast path above.)
                let shed = s0..s0 + tiers;
                at_upper += sheds_at_upper(&mut status[shed.clone()], &upper[shed], shed_cost, y[r], settle);
            }
            rhs[r] = demand[r] - at_upper;
        }
        let arc_status = &status[g..first_shed];
        let n_arcs = arc_status.len();
        let arc_upper = &upper[g..first_shed];
        let (from, to, gain) = (
            &self.arc_from[..n_arcs],
            &self.arc_to[..n_arcs],
            &self.arc_gain[..n_arcs],
        );
        for k in 0..n_arcs {
            if arc_status[k] == UPPER {
                let v = arc_upper[k];
                rhs[to[k] as usize] -= gain[k] * v;
                rhs[from[k] as usize] += v;
            }
        }
        let (inv, value) = (&self.inv[..n * n], &mut self.value[..n]);
        for i in 0..n {
            let row = &inv[i * n..i * n + n];
            let mut v = 0.0;
            for k in 0..n {
                v += row[k] * rhs[k];
            }
            value[i] = v;
        }
    }

    /// Solves this step's program from the last optimal basis (the first
    /// step: see [`Network::solve_first`]).
    pub(crate) fn solve(&mut self) -> Result<(), Unsolved> {
        if !self.warm {
            return self.solve_first();
        }
        self.solve_or_restart()
    }

    /// Solves from the current basis; after numerical trouble, starts afresh once.
    fn solve_or_restart(&mut self) -> Result<(), Unsolved> {
        if self.solve_warm().is_ok() {
            return Ok(());
        }
        self.cold_start();
        self.solve_warm()
    }

    /// The first solve, from the cold basis (every group and shed-block
    /// column at its upper bound), with every storage reserve's bound at
    /// zero: the pivots, and so the rounding, are then those of the program
    /// without reserves, and a run where no reserve is used gives the same
    /// dispatch, bit for bit, as before reserves existed. Then, with the
    /// reserves' bounds back, each reserve sits at zero where its reduced
    /// cost is positive, and only if some region's dual reaches the
    /// reserve's cost (or a reserve is basic) is the program solved again,
    /// warm, with them.
    #[cold]
    fn solve_first(&mut self) -> Result<(), Unsolved> {
        let (first_shed, tiers, n) = (self.first_shed(), self.tiers, self.n);
        for r in 0..n {
            self.reserve_bounds[r] = std::mem::replace(&mut self.upper[first_shed + r * tiers], 0.0);
        }
        self.cold_start();
        let solved = self.solve_or_restart();
        for r in 0..n {
            self.upper[first_shed + r * tiers] = self.reserve_bounds[r];
        }
        solved?;
        let reserve_cost = self.shed_cost[0];
        let mut needed = false;
        for r in 0..n {
            let j = first_shed + r * tiers;
            needed |= self.status[j] < LOWER || self.y[r] >= reserve_cost - COST_TOL;
            if self.status[j] == UPPER {
                // At a bound of zero: at zero.
                self.status[j] = LOWER;
            }
        }
        if needed {
            // Every region settled afresh, its reserve included.
            self.settled_y.fill(f64::NAN);
            self.solve_or_restart()?;
        }
        Ok(())
    }

    /// The leaving row: the most infeasible basic value (under Bland's rule
    /// the lowest basic column), as (row, signed infeasibility), or `None`
    /// if every basic value is within its bounds.
    fn leaving(&self, bland: bool) -> Option<(usize, f64)> {
        let n = self.n;
        let (basis, value, upper) = (&self.basis[..n], &self.value[..n], &self.upper[..]);
        let mut p = usize::MAX;
        let mut excess = 0.0f64;
        for i in 0..n {
            let x = value[i];
            let e = if x < -PRIMAL_TOL {
                x
            } else {
                let u = upper[basis[i] as usize];
                if x > u + PRIMAL_TOL {
                    x - u
                } else {
                    continue;
                }
            };
            let better = p == usize::MAX
                || if bland {
                    basis[i] < basis[p]
                } else {
                    e.abs() > excess.abs()
                };
            if better {
                p = i;
                excess = e;
            }
        }
        (p != usize::MAX).then_some((p, excess))
    }

    fn solve_warm(&mut self) -> Result<(), Unsolved> {
        let n = self.n;
        let cols = self.upper.len();
        // Groups whose availability was zero when their region's dual last
        // moved may sit at either bound: settle the regions whose dual has
        // moved since.
        self.basic_values(true);
        let careful_after = 4 * (cols + n) + 50;
        let give_up = careful_after + 50 * (cols + n);
        let mut iteration = 0;
        loop {
            let bland = iteration >= careful_after;
            let Some((p, excess)) = self.leaving(bland) else {
                return Ok(());
            };
            if iteration >= give_up {
                return Err(Unsolved("the dispatch program did not converge"));
            }
            iteration += 1;
            let q = self
                .entering(p, excess < 0.0, bland)
                .ok_or(Unsolved("the dispatch program found no entering column"))?;
            if !self.pivot(p, q, excess > 0.0) {
                self.basic_values(false);
            }
        }
    }

    /// The dual ratio test for leaving row `p` (whose value must rise if
    /// `need_up`): the nonbasic column that enters, if any. Moving column `j`
    /// by `t` changes the leaving value by `−α_j t`; a column at zero may
    /// rise and one at its upper bound may fall, and the one whose reduced
    /// cost reaches zero first (smallest `|d_j / α_j|`) enters.
    fn entering(&self, p: usize, need_up: bool, bland: bool) -> Option<usize> {
        let n = self.n;
        let g = self.groups();
        let (first_shed, first_unserved, tiers) = (self.first_shed(), self.first_unserved(), self.tiers);
        let rho = &self.inv[p * n..(p + 1) * n];
        let y = &self.y[..n];
        let (status, upper, cost) = (&self.status[..], &self.upper[..], &self.group_cost[..g]);
        let mut best = Candidate::NONE;
        // The rows the pivot row is nonzero in (bit `r % 64`).
        let mut touched = 0u64;
        for (r, (&(g0, g1), (&alpha, &y))) in self.ranges[..n].iter().zip(rho.iter().zip(y)).enumerate() {
            if alpha != 0.0 {
                touched |= 1u64 << (r % 64);
            }
            let a = alpha.abs();
            if a <= PIVOT_TOL {
                continue;
            }
            // Every group of the region has the same α: groups at zero may
            // enter if s > 0, groups at their upper bound if s < 0, where
            // s = −α if the leaving value must rise, else α. So may its shed
            // block (storage reserve and classes), a second merit order of the region.
            // Every shed-block column costs more than every plant, so only the
            // nearest of the two merit orders can win: the plants' first if
            // columns must rise, the shed block's if they must fall.
            let rises = (alpha > 0.0) != need_up;
            let plants = (&status[g0..g1], &upper[g0..g1], &cost[g0..g1]);
            let s0 = first_shed + r * tiers;
            let sheds = (
                &status[s0..s0 + tiers],
                &upper[s0..s0 + tiers],
                &self.shed_cost[..tiers],
            );
            let found = if rises {
                offer_segment(&mut best, g0, plants, y, a, true, bland)
                    || offer_segment(&mut best, s0, sheds, y, a, true, bland)
            } else {
                (sheds.0.contains(&UPPER) && offer_segment(&mut best, s0, sheds, y, a, false, bland))
                    || offer_segment(&mut best, g0, plants, y, a, false, bland)
            };
            // The region's last-resort unserved column (never at an upper
            // bound, dearer than every class), unless it is basic.
            if rises && !found && status[first_unserved + r] == LOWER {
                best.offer(
                    first_unserved + r,
                    (self.unserved_cost - y).max(0.0) / a,
                    a,
                    bland,
                );
            }
        }
        let sign = if need_up { -1.0 } else { 1.0 };
        let arcs = g..first_shed;
        let arc_status = &status[arcs];
        let n_arcs = arc_status.len();
        let (from, to) = (&self.arc_from[..n_arcs], &self.arc_to[..n_arcs]);
        let (gain, rows) = (&self.arc_gain[..n_arcs], &self.arc_rows[..n_arcs]);
        for k in 0..n_arcs {
            // A direction whose rows the pivot row is zero in has α = 0; a
            // basic one cannot enter.
            let s = arc_status[k];
            if rows[k] & touched == 0 || s < LOWER {
                continue;
            }
            // At zero it may rise, at its capacity fall: `dir` is the way it
            // may move, and it can enter if that moves the leaving value the
            // way it must go (`dir · sign · α > 0`).
            let dir = if s == LOWER { 1.0 } else { -1.0 };
            let (f, t, gain) = (from[k] as usize, to[k] as usize, gain[k]);
            let alpha = gain * rho[t] - rho[f];
            if dir * (sign * alpha) <= PIVOT_TOL {
                continue;
            }
            let d = dir * (self.flow_cost - (gain * y[t] - y[f]));
            best.offer(g + k, d.max(0.0) / alpha.abs(), alpha.abs(), bland);
        }
        (best.column != usize::MAX).then_some(best.column)
    }

    /// Column `q` enters the basis at row `p`; the leaving column goes to its
    /// upper bound if `to_upper`, else to zero. The basic values follow the
    /// entering column; false if they must be recomputed (the basis was
    /// reset).
    fn pivot(&mut self, p: usize, q: usize, to_upper: bool) -> bool {
        let n = self.n;
        let (from, to, gain, cost) = self.column(q);
        let out_region = self.single_row_region(self.basis[p] as usize);
        // Column `from` of B⁻¹ counts with factor 0 for a column without one.
        let (f, f_coef) = from.map_or((to, 0.0), |f| (f, 1.0));
        let (w, inv) = (&mut self.w[..n], &mut self.inv[..n * n]);
        let w_p = gain * inv[p * n + to] - f_coef * inv[p * n + f];
        let out = self.basis[p] as usize;
        // Moving column q by θ moves the basic values by −θ·w, where
        // w = B⁻¹ A_q; θ puts the leaving value on its bound. (One pass
        // computes w and moves the values.)
        let value = &mut self.value[..n];
        let target = if to_upper { self.upper[out] } else { 0.0 };
        let theta = (value[p] - target) / w_p;
        let entering_value = if self.status[q] == UPPER {
            self.upper[q]
        } else {
            0.0
        } + theta;
        for i in 0..n {
            let wi = gain * inv[i * n + to] - f_coef * inv[i * n + f];
            w[i] = wi;
            value[i] -= theta * wi;
        }
        value[p] = entering_value;
        // The duals move along the old pivot row so that column q's reduced
        // cost becomes zero (the other basic columns' stay zero); the same
        // pass keeps the row divided by the pivot for the update of B⁻¹.
        let y = &mut self.y[..n];
        let d_q = cost - (gain * y[to] - f_coef * y[f]);
        let (step, scale) = (d_q / w_p, 1.0 / w_p);
        let rho = &mut self.rho[..n];
        for k in 0..n {
            let r = inv[p * n + k];
            y[k] += step * r;
            rho[k] = r * scale;
        }
        self.status[out] = if to_upper { UPPER } else { LOWER };
        self.basis[p] = q as u32;
        self.basis_cost[p] = cost;
        self.status[q] = p as u32;
        self.pivots += 1;
        self.since_refactor += 1;
        if let Some(r) = out_region {
            // A group or shed-block column left the basis: its region must be settled again.
            self.settled_y[r] = f64::NAN;
        }
        if self.since_refactor >= REFACTOR_PIVOTS {
            if self.refactor().is_err() {
                self.cold_start();
                return false;
            }
            // Fresh duals from the fresh inverse.
            self.refresh_duals();
            return true;
        }
        // B⁻¹ ← E·B⁻¹: row p divided by the pivot, the others less their
        // multiple of it (rows where w is zero do not change).
        for i in 0..n {
            let wi = w[i];
            let row = &mut inv[i * n..i * n + n];
            if i == p {
                row.copy_from_slice(rho);
            } else if wi != 0.0 {
                for k in 0..n {
                    row[k] -= wi * rho[k];
                }
            }
        }
        true
    }

    /// Rebuilds `B⁻¹` from the basis by Gauss–Jordan elimination with
    /// partial pivoting.
    fn refactor(&mut self) -> Result<(), Unsolved> {
        let n = self.n;
        self.b.fill(0.0);
        for i in 0..n {
            let (from, to, gain, _) = self.column(self.basis[i] as usize);
            self.b[to * n + i] += gain;
            if let Some(f) = from {
                self.b[f * n + i] -= 1.0;
            }
        }
        let (b, inv) = (&mut self.b, &mut self.inv);
        inv.fill(0.0);
        for i in 0..n {
            inv[i * n + i] = 1.0;
        }
        for c in 0..n {
            let pr = (c..n)
                .max_by(|&x, &y| b[x * n + c].abs().total_cmp(&b[y * n + c].abs()))
                .unwrap_or(c);
            if b[pr * n + c].abs() <= PIVOT_TOL {
                return Err(Unsolved("the dispatch basis became singular"));
            }
            for k in 0..n {
                b.swap(c * n + k, pr * n + k);
                inv.swap(c * n + k, pr * n + k);
            }
            let scale = 1.0 / b[c * n + c];
            for k in 0..n {
                b[c * n + k] *= scale;
                inv[c * n + k] *= scale;
            }
            for r in 0..n {
                let f = b[r * n + c];
                if r != c && f != 0.0 {
                    for k in 0..n {
                        b[r * n + k] -= f * b[c * n + k];
                        inv[r * n + k] -= f * inv[c * n + k];
                    }
                }
            }
        }
        self.since_refactor = 0;
        Ok(())
    }
}

/// Offers to `best` the column of one merit order of single-row columns (a
/// region's plants or its shed block; `base` is the first's column) that
/// can enter: all share the pivot row's `|α| = a`, columns at zero may
/// enter if the leaving value needs them to `rise`, those at their upper
/// bound otherwise. The order is dual feasible (c ≥ y at zero, c ≤ y at
/// the upper bound) and sorted by cost, so the nearest to `y` is the
/// cheapest at zero or the dearest at the upper bound (the first of equal
/// costs). Returns whether it offered one.
#[inline(always)]
fn offer_segment(
    best: &mut Candidate,
    base: usize,
    (status, upper, cost): (&[u32], &[f64], &[f64]),
    y: f64,
    a: f64,
    rises: bool,
    bland: bool,
) -> bool {
    if rises {
        let at_zero = status
            .iter()
            .zip(upper)
            .position(|(&s, &u)| s == LOWER && u > 0.0);
        if let Some(k) = at_zero {
            best.offer(base + k, (cost[k] - y).max(0.0) / a, a, bland);
        }
        return at_zero.is_some();
    }
    // The dearest column at its upper bound: scanning down from the top,
    // the first one found has the smallest −d = y − c (costs ascend, so −d
    // descends). If −d < 0 (within tolerance of dual infeasible) it enters
    // at ratio 0; else the first of the columns with that same −d does.
    let candidate = |k: usize| status[k] == UPPER && upper[k] > 0.0;
    if let Some(top) = (0..status.len()).rev().find(|&k| candidate(k)) {
        let neg_d = y - cost[top];
        let mut pick = top;
        if neg_d >= 0.0 {
            for k in (0..top).rev() {
                let nd = y - cost[k];
                if nd > neg_d {
                    break;
                }
                if candidate(k) {
                    pick = k;
                }
            }
        }
        #[cfg(test)]
        {
            // The same pick as a scan of the whole segment.
            let (mut full, mut full_d) = (usize::MAX, f64::INFINITY);
            for k in (0..status.len()).filter(|&k| candidate(k)) {
                if y - cost[k] < full_d {
                    (full, full_d) = (k, (y - cost[k]).max(0.0));
                }
            }
            assert_eq!((full, full_d), (pick, neg_d.max(0.0)));
        }
        best.offer(base + pick, neg_d.max(0.0) / a, a, bland);
        return true;
    }
    false
}

/// The MW of one merit order of single-row columns (a region's plants or
/// its shed block) at their upper bound. With `settle`, it first puts
/// every nonbasic column at the bound its reduced cost `c − y` asks for
/// (upper if negative, lower if positive), which keeps the basis dual feasible.
#[inline(always)]
fn segment_at_upper(status: &mut [u32], upper: &[f64], cost: &[f64], y: f64, settle: bool) -> f64 {
    let mut at_upper = 0.0;
    if settle {
        for k in 0..status.len() {
            let mut s = status[k];
            if s >= LOWER {
                let d = cost[k] - y;
                if d < -COST_TOL {
                    s = UPPER;
                } else if d > COST_TOL {
                    s = LOWER;
                }
                status[k] = s;
            }
            at_upper += if s == UPPER { upper[k] } else { 0.0 };
        }
    } else {
        for k in 0..status.len() {
            at_upper += if status[k] == UPPER { upper[k] } else { 0.0 };
        }
    }
    at_upper
}

/// [`segment_at_upper`] for a region's shed block, out of line: it runs
/// only while some region sheds or was shedding, and kept inline it slows
/// the plants' loop beside it.
#[cold]
#[inline(never)]
fn sheds_at_upper(status: &mut [u32], upper: &[f64], cost: &[f64], y: f64, settle: bool) -> f64 {
    segment_at_upper(status, upper, cost, y, settle)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    impl Network {
        /// The value of column `j` at the last solve, MW.
        fn column_mw(&self, j: usize) -> f64 {
            self.values(j..j + 1).next().expect("a column")
        }
    }

    /// The bulk accessors give each column's value in column order, and
    /// each region's unserved demand is what its columns shed.
    fn assert_accessors_agree(net: &Network) {
        let first_unserved = net.first_unserved();
        let columns: Vec<f64> = net
            .group_outputs()
            .chain(net.link_flows().flat_map(|(a, b)| [a, b]))
            .chain((0..net.n).flat_map(|r| std::iter::once(net.reserve(r)).chain(net.shed(r))))
            .chain((first_unserved..net.upper.len()).map(|j| net.column_mw(j)))
            .collect();
        let each: Vec<f64> = (0..net.upper.len()).map(|j| net.column_mw(j)).collect();
        assert_eq!(columns, each);
        for (r, (reserve, unserved)) in net.reserve_and_unserved().enumerate() {
            let shed: f64 = net.shed(r).iter().sum::<f64>() + net.column_mw(first_unserved + r);
            assert_eq!(unserved, shed, "region {r}");
            assert_eq!(reserve, net.reserve(r), "region {r}");
        }
    }

    /// Checks that the solution is feasible and optimal by the LP's
    /// optimality conditions, independently of how it was found: every
    /// balance holds, every column is within its bounds, and with the
    /// duals `y` every column that could rise has `d_j ≥ 0` and every
    /// column that could fall has `d_j ≤ 0`, to a few units in the last
    /// place of the largest dual (at least 1e-7 USD/MWh: far below the
    /// tie-breaks, which work at 1e-3 × loss USD/MWh); and no link carries
    /// power both ways.
    pub(crate) fn assert_optimal(net: &Network) {
        let n = net.n;
        let mut balance = net.demand.clone();
        for j in 0..net.upper.len() {
            let x = net.column_mw(j);
            let (from, to, gain, _) = net.column(j);
            assert!(
                x >= 0.0 && x <= net.upper[j] + 1e-6,
                "column {j}: {x} outside [0, {}]",
                net.upper[j]
            );
            balance[to] -= gain * x;
            if let Some(f) = from {
                balance[f] += x;
            }
        }
        for (r, b) in balance.iter().enumerate().take(n) {
            assert!(b.abs() < 1e-6, "region {r} does not balance by {b} MW");
        }
        // Fresh duals from a fresh inverse, so drift would show.
        let mut fresh = net.clone();
        fresh.refactor().expect("the basis is not singular");
        fresh.refresh_duals();
        for j in 0..net.upper.len() {
            let (from, to, gain, cost) = net.column(j);
            let d = cost - (gain * fresh.y[to] - from.map_or(0.0, |f| fresh.y[f]));
            let x = net.column_mw(j);
            // A few units in the last place of the largest dual (VOLL scale
            // where a region curtails), at least 1e-7 USD/MWh.
            let y_max = fresh.y.iter().fold(0.0f64, |m, y| m.max(y.abs()));
            let tol = (8.0 * f64::EPSILON * y_max).max(1e-7);
            if x < net.upper[j] - 1e-6 {
                assert!(d >= -tol, "column {j} could rise at reduced cost {d}");
            }
            if x > 1e-6 {
                assert!(d <= tol, "column {j} could fall at reduced cost {d}");
            }
        }
        for (l, (a, b)) in net.link_flows().enumerate() {
            assert!(
                a.min(b) <= 1e-6,
                "link {l} carries {a} MW one way and {b} MW the other"
            );
        }
    }

    /// The storage reserve is used only where it avoids shedding: a region
    /// drawing on its reserve runs every one of its groups at its bound (the
    /// reserve never displaces generation), and a region shedding any class
    /// has used all of its own reserve first.
    fn assert_reserve_only_against_shedding(net: &Network) {
        for r in 0..net.n {
            let (g0, g1) = net.ranges[r];
            let block = net.first_shed() + r * net.tiers;
            let reserve = net.reserve(r);
            if reserve > 1e-6 {
                for g in g0..g1 {
                    let x = net.column_mw(g);
                    assert!(
                        x >= net.upper[g] - 1e-6,
                        "region {r} draws {reserve} MW of reserve while group {g} runs {x} of {} MW",
                        net.upper[g]
                    );
                }
            }
            let shed: f64 = net.shed(r).iter().sum();
            if shed > 1e-6 {
                assert!(
                    reserve >= net.upper[block] - 1e-6,
                    "region {r} sheds {shed} MW with {reserve} of its {} MW of reserve used",
                    net.upper[block]
                );
            }
        }
    }

    use proptest::prelude::*;

    /// Shed classes in the programs of these tests (a grid has one per load class).
    const TIERS: usize = 4;

    /// A random program: regions with groups (cost, region), links, how
    /// each region's demand splits into the shed classes, and what each
    /// region's store can deliver (its storage reserve).
    #[derive(Clone, Debug)]
    struct Case {
        ranges: Vec<(usize, usize)>,
        costs: Vec<f64>,
        links: Vec<(u32, u32, f64, f64)>,
        trade: bool,
        /// Per region, the weight of each class in its demand.
        classes: Vec<[f64; TIERS]>,
        /// Per region, the storage reserve's bound, MW.
        reserve: Vec<f64>,
        /// Per step: each group's availability and each region's demand, MW.
        steps: Vec<(Vec<f64>, Vec<f64>)>,
    }

    fn case() -> impl Strategy<Value = Case> {
        // Costs from a small set, so that ties (and degenerate duals) are
        // common, up to the largest marginal cost a scenario may have.
        let cost = prop::sample::select(vec![0.0, 0.0, 7.3, 10.0, 20.0, 20.0, 35.0, 80.0, 1e5]);
        (
            1usize..10,
            prop::collection::vec(prop::collection::vec(cost, 0..5), 10),
            any::<bool>(),
        )
            .prop_flat_map(|(n, mut fleets, trade)| {
                fleets.truncate(n);
                let mut ranges = Vec::new();
                let mut costs = Vec::new();
                for fleet in &mut fleets {
                    // Groups of a region in merit order.
                    fleet.sort_by(f64::total_cmp);
                    ranges.push((costs.len(), costs.len() + fleet.len()));
                    costs.extend(fleet.iter());
                }
                let groups = costs.len();
                let link = (
                    0..n as u32,
                    0..n as u32,
                    prop::sample::select(vec![0.0, 50.0, 100.0, 400.0, 1e6]),
                    prop::sample::select(vec![0.0, 0.03, 0.2, 0.5]),
                );
                let links = prop::collection::vec(link, 0..(3 * n))
                    .prop_map(|ls| ls.into_iter().filter(|l| l.0 != l.1).collect::<Vec<_>>());
                let availability =
                    prop::collection::vec(prop_oneof![Just(0.0), 0.0..500.0f64, 0.0..1e6f64], groups);
                let demand = prop::collection::vec(prop_oneof![Just(0.0), 0.0..900.0f64, 0.0..2e6f64], n);
                let steps = prop::collection::vec((availability, demand), 1..25);
                let class = prop_oneof![Just(0.0), 0.0..1.0f64];
                let classes = prop::collection::vec(prop::array::uniform4(class), n);
                let reserve = prop::collection::vec(prop_oneof![Just(0.0), 0.0..300.0f64, 0.0..1e6f64], n);
                (Just(ranges), Just(costs), links, steps, classes, reserve).prop_map(
                    move |(ranges, costs, links, steps, classes, reserve)| Case {
                        ranges,
                        costs,
                        links,
                        trade,
                        classes,
                        reserve,
                        steps,
                    },
                )
            })
    }

    /// The case's program; None if its losses compound beyond what the
    /// program can rank (then `Network::new` refuses it, tested apart).
    fn network(c: &Case) -> Option<Network> {
        Network::new(&c.ranges, &c.costs, &c.links, c.trade, TIERS).ok()
    }

    /// Sets a step's availability and demand, all of each region's demand
    /// in its last class, and no storage reserve.
    fn set_step(net: &mut Network, availability: &[f64], demand: &[f64]) {
        let classes = vec![[0.0, 0.0, 0.0, 1.0]; demand.len()];
        set_step_classes(net, availability, demand, &classes, &vec![0.0; demand.len()]);
    }

    /// Sets a step's availability and demand, each region's demand split
    /// into the classes by the weights `classes` (all in the last if they
    /// are all zero), and each region's storage reserve.
    fn set_step_classes(
        net: &mut Network,
        availability: &[f64],
        demand: &[f64],
        classes: &[[f64; TIERS]],
        reserve: &[f64],
    ) {
        net.demand_mut().copy_from_slice(demand);
        let (groups, sheds) = net.bounds_mut();
        groups.copy_from_slice(availability);
        let blocks = sheds.chunks_exact_mut(TIERS + 1).zip(demand).zip(classes);
        for (((block, &d), w), &reserve) in blocks.zip(reserve) {
            block[0] = reserve;
            let shed = &mut block[1..];
            let total: f64 = w.iter().sum();
            for (s, &w) in shed.iter_mut().zip(w) {
                *s = if total > 0.0 { d * w / total } else { 0.0 };
            }
            if total == 0.0 {
                shed[TIERS - 1] = d;
            }
        }
    }

    /// Generation and link cost, and the cost of what is shed, USD/h.
    fn objective(net: &Network) -> (f64, f64) {
        let first_shed = net.first_shed();
        let cost = (0..first_shed).map(|j| net.column(j).3 * net.column_mw(j)).sum();
        let shed = (first_shed..net.upper.len())
            .map(|j| net.column(j).3 * net.column_mw(j))
            .sum();
        (cost, shed)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Warm-started step after step, every solution is feasible and
        /// optimal, and leaves as much unserved and costs as much as a
        /// solve from scratch.
        #[test]
        fn every_step_is_optimal_and_matches_a_cold_solve(c in case()) {
            let Some(mut warm) = network(&c) else {
                return Ok(());
            };
            for (availability, demand) in &c.steps {
                set_step_classes(&mut warm, availability, demand, &c.classes, &c.reserve);
                warm.solve().expect("solved");
                assert_optimal(&warm);
                assert_accessors_agree(&warm);
                assert_reserve_only_against_shedding(&warm);
                let mut cold = network(&c).expect("the same network");
                set_step_classes(&mut cold, availability, demand, &c.classes, &c.reserve);
                cold.solve().expect("solved");
                let ((cost_w, shed_w), (cost_c, shed_c)) = (objective(&warm), objective(&cold));
                let columns = warm.upper.len() as f64;
                // What is shed costs the same (each column may stand
                // PRIMAL_TOL off its exact value, at up to the dearest class's cost).
                let dearest_class = warm.unserved_cost;
                prop_assert!(
                    (shed_w - shed_c).abs() <= 1e-9 * shed_c.abs() + columns * PRIMAL_TOL * dearest_class,
                    "shed: warm {shed_w} USD/h against cold {shed_c} USD/h"
                );
                // (Unserved MW need not match: shedding a MW of one class
                // can cost exactly what shedding a gain's worth of another
                // does elsewhere, so the optimum is not unique in MW; both
                // are optimal by `assert_optimal`.)
                // Each column may stand PRIMAL_TOL off its exact value.
                let dearest = c.costs.iter().fold(1.0f64, |m, &x| m.max(x)) * 4.0;
                let tol = 1e-9 * cost_c.abs() + columns * PRIMAL_TOL * dearest;
                prop_assert!((cost_w - cost_c).abs() <= tol, "cost: warm {cost_w} against cold {cost_c}");
            }
        }
    }

    #[test]
    fn an_unchanged_step_costs_no_pivot_and_a_changed_one_few() {
        // Two regions: cheap coal in a, dear gas in b, a 300 MW link.
        let mut net = Network::new(
            &[(0, 1), (1, 2)],
            &[20.0, 80.0],
            &[(0, 1, 300.0, 0.0)],
            true,
            TIERS,
        )
        .expect("a short network");
        set_step(&mut net, &[1_000.0, 1_000.0], &[500.0, 600.0]);
        net.solve().expect("solved");
        assert_optimal(&net);
        // b imports the link's 300 MW and runs its gas for the rest.
        assert!((net.link_flows().next().expect("a link").0 - 300.0).abs() < 1e-9);
        assert!((net.column_mw(1) - 300.0).abs() < 1e-9);
        let first = net.pivots;
        net.solve().expect("solved");
        assert_eq!(net.pivots, first, "the same step again needs no pivot");
        // More demand in b: still the same basis (its gas runs more).
        set_step(&mut net, &[1_000.0, 1_000.0], &[500.0, 700.0]);
        net.solve().expect("solved");
        assert_eq!(net.pivots, first, "the marginal group absorbs the change");
        assert!((net.column_mw(1) - 400.0).abs() < 1e-9);
        // Demand in b below the link: the gas stops and the link is marginal.
        set_step(&mut net, &[1_000.0, 1_000.0], &[500.0, 200.0]);
        net.solve().expect("solved");
        assert_optimal(&net);
        assert!(net.pivots - first <= 2, "{} pivots", net.pivots - first);
        assert!((net.link_flows().next().expect("a link").0 - 200.0).abs() < 1e-9 && net.column_mw(1) == 0.0);
    }

    #[test]
    fn the_inverse_is_rebuilt_and_stays_exact_over_many_pivots() {
        // Demand swinging across the merit order forces pivots every step.
        let ranges = [(0, 3), (3, 6), (6, 8)];
        let costs = [0.0, 20.0, 60.0, 10.0, 30.0, 90.0, 5.0, 40.0];
        let links = [(0, 1, 150.0, 0.03), (1, 2, 100.0, 0.0), (0, 2, 80.0, 0.1)];
        let mut net = Network::new(&ranges, &costs, &links, true, TIERS).expect("a short network");
        for step in 0..2_000 {
            let t = step as f64;
            let availability: Vec<f64> = (0..8)
                .map(|g| 200.0 + 150.0 * math::sin(0.37 * t + g as f64))
                .collect();
            let demand: Vec<f64> = (0..3)
                .map(|r| 400.0 + 350.0 * math::cos(0.21 * t + 2.0 * r as f64))
                .collect();
            set_step(&mut net, &availability, &demand);
            net.solve().expect("solved");
            assert_optimal(&net);
        }
        assert!(
            net.pivots > 2 * u64::from(REFACTOR_PIVOTS),
            "{} pivots: the inverse was rebuilt along the way",
            net.pivots
        );
    }

    /// A chain of regions with gas at one end and demand at the other.
    fn chain(hops: usize, loss: f64, trade: bool) -> Result<Network, String> {
        let ranges: Vec<_> = (0..=hops).map(|r| if r == 0 { (0, 1) } else { (1, 1) }).collect();
        let links: Vec<_> = (0..hops as u32).map(|r| (r, r + 1, 1e6, loss)).collect();
        Network::new(&ranges, &[1e5], &links, trade, TIERS)
    }

    #[test]
    fn power_is_delivered_over_long_lossy_chains_or_the_network_is_refused() {
        // Delivering over k hops at loss l costs about c/(1 − l)^k: the cost
        // of unserved demand rises with it, so the far end is served …
        for (hops, loss, trade) in [
            (6, 0.5, false),
            (10, 0.5, true),
            (14, 0.2, false),
            (47, 0.03, false),
        ] {
            let mut net = chain(hops, loss, trade).expect("a network the program can rank");
            let mut demand = vec![0.0; hops + 1];
            demand[hops] = 10.0;
            set_step(&mut net, &[1e5], &demand);
            net.solve().expect("solved");
            assert_optimal(&net);
            let unserved: f64 = net.unserved().sum();
            assert!(unserved < 1e-6, "{hops} hops at {loss}: {unserved} MW unserved");
            assert!((net.column_mw(0) - 10.0 / (1.0 - loss).powi(hops as i32)).abs() < 1e-6);
        }
        // … until the losses compound beyond what it can rank, and the
        // network is refused with the reason.
        let refused = chain(30, 0.5, true).expect_err("losses compound too far");
        assert!(refused.contains("losses compound"), "{refused}");
    }
}
