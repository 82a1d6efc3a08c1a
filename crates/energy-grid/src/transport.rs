//! Transmission: a transport model solved by greedy augmenting paths.
//!
//! After each region has dispatched its own fleet and storage, regions still
//! short import from regions with spare capacity. For each short region in
//! id order, a breadth-first search over links with residual capacity finds
//! every region that can reach it; the one whose cheapest spare capacity is
//! cheapest (ties: fewer hops, then lower id) sends as much as the smallest
//! of: that spare block, each link's residual capacity (scaled for the losses
//! before it), and the deficit (scaled for the losses on the path). Repeat
//! until the deficit is met or nothing can reach it.
//!
//! Within one step a link carries power in one direction only (no flow
//! reversal), so each path's losses are exact: power `x` sent into a link
//! with loss fraction `l` arrives as `x(1 − l)`, and the loss is booked to
//! the receiving region. This is not a global optimum (a min-cost flow would
//! reroute earlier paths), but it is feasible, respects every link limit,
//! conserves energy, and costs a few hundred nanoseconds for seven regions.

use crate::dispatch::EPS_MW;
use crate::grid::Grid;

const NONE: u32 = u32::MAX;

impl Grid {
    /// Residual capacity for sending from `from` into link `li`, MW.
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

    /// Serves deficits with imports; see the module docs.
    pub(crate) fn transport(&mut self) {
        let n = self.regions.len();
        // Each augmentation exhausts a spare block, a link or the deficit.
        let max_augmentations = 4 * (self.groups.len() + self.links.len() + n) + 8;
        for d in 0..n {
            let mut augmentations = 0;
            while self.regions[d].deficit_mw > EPS_MW && augmentations < max_augmentations {
                augmentations += 1;
                let Some(source) = self.search_source(d) else {
                    break;
                };
                if !self.augment(source, d) {
                    break;
                }
            }
        }
    }

    /// Breadth-first search from the short region `d` backwards over links
    /// with residual capacity; returns the best exporting region.
    fn search_source(&mut self, d: usize) -> Option<usize> {
        let n = self.regions.len();
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.visited[..n].fill(false);
        scratch.visited[d] = true;
        scratch.parent[d] = (NONE, NONE);
        scratch.queue[0] = d as u32;
        let (mut head, mut tail) = (0, 1);
        let mut depth_of_tail_start = (1usize, 1u32); // (queue index where the next depth starts, depth)
        let mut best: Option<(f64, u32, usize)> = None;
        while head < tail {
            if head == depth_of_tail_start.0 {
                depth_of_tail_start = (tail, depth_of_tail_start.1 + 1);
            }
            let v = scratch.queue[head] as usize;
            head += 1;
            let (a0, a1) = self.regions[v].adjacency;
            for k in a0..a1 {
                let (li, u) = self.adjacency[k];
                let u = u as usize;
                if scratch.visited[u] || self.residual(li as usize, u as u32) <= EPS_MW {
                    continue;
                }
                scratch.visited[u] = true;
                scratch.parent[u] = (li, v as u32);
                scratch.queue[tail] = u as u32;
                tail += 1;
                if let Some((cost, _)) = self.next_spare(u) {
                    let depth = depth_of_tail_start.1;
                    let better = match best {
                        None => true,
                        Some((c, dd, idx)) => (cost, depth, u) < (c, dd, idx),
                    };
                    if better {
                        best = Some((cost, depth, u));
                    }
                }
            }
        }
        self.scratch = scratch;
        best.map(|b| b.2)
    }

    /// Sends power from `source` to `d` along the search tree; false if nothing moved.
    fn augment(&mut self, source: usize, d: usize) -> bool {
        let Some((cost, spare)) = self.next_spare(source) else {
            return false;
        };
        // Bottleneck in MW sent by the source.
        let mut x = spare;
        let mut gain = 1.0;
        let mut node = source;
        while node != d {
            let (li, next) = self.scratch.parent[node];
            x = x.min(self.residual(li as usize, node as u32) / gain);
            gain *= 1.0 - self.links[li as usize].loss_fraction;
            node = next as usize;
        }
        x = x.min(self.regions[d].deficit_mw / gain);
        if x <= EPS_MW * 1e-3 {
            return false;
        }
        let sent = self.take_spare(source, x, f64::MAX);
        let mut amount = sent;
        let mut node = source;
        while node != d {
            let (li, next) = self.scratch.parent[node];
            let link = &mut self.links[li as usize];
            let loss = link.loss_fraction;
            if node as u32 == link.a {
                link.flow_mw += amount;
            } else {
                link.flow_mw -= amount;
            }
            self.regions[node].step.exports_mw += amount;
            let to = &mut self.regions[next as usize].step;
            to.imports_mw += amount;
            to.losses_mw += amount * loss;
            amount *= 1.0 - loss;
            node = next as usize;
        }
        let r = &mut self.regions[d];
        r.deficit_mw -= amount;
        if r.deficit_mw <= EPS_MW {
            r.deficit_mw = 0.0;
        }
        r.step.price_usd_per_mwh = r.step.price_usd_per_mwh.max(cost);
        sent > 0.0
    }
}
