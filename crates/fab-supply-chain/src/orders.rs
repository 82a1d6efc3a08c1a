//! Orders and allocation: buyers place orders as sums of money; finished
//! accelerators are shared among open orders by the configured policy and
//! charged at their design's unit price.
//!
//! Rules (also in `docs/model/fab-supply-chain.md`):
//! - designs are handed out one after another, in config order;
//! - an order can take `floor(remaining_usd / unit_price)` units of a design
//!   (its *claim*);
//! - FCFS serves orders oldest first; Priority serves the highest buyer
//!   priority first, oldest first within a priority; each order takes its
//!   whole claim while units remain;
//! - ProRata gives every order its claim if the units suffice, otherwise
//!   splits the units in proportion to the claims by largest remainder
//!   (oldest first on ties);
//! - an order whose remaining value is below the price of the cheapest
//!   design that can still be supplied (in stock, in transit, made by a fab
//!   or imported by a flow that is not shut for good) is closed: it leaves
//!   the backlog (its residue is reported as `fab.order_residue_usd`, or
//!   `fab.order_unsuppliable_usd` when no design can be supplied any more,
//!   both per buyer; `fab.order_residual_usd` is their national sum; and
//!   to its buyer as a [`FabSignal::OrderClosed`](crate::FabSignal::OrderClosed)),
//!   so a buyer's ordered value = charged + written off + open backlog.

use crate::apportion::largest_remainder;
use crate::config::AllocationPolicy;

/// One open order.
#[derive(Clone, Debug)]
struct Order {
    /// Placement order (older first).
    seq: u64,
    buyer: usize,
    remaining_usd: f64,
}

/// A batch delivered at one tick: (buyer index, design index, units).
pub(crate) type Delivery = (usize, usize, u64);

/// An order closed at one tick with value left: (buyer index, residue USD > 0).
pub(crate) type Closure = (usize, f64);

/// The open orders and the allocation policy.
pub(crate) struct OrderBook {
    orders: Vec<Order>,
    next_seq: u64,
    priorities: Vec<u32>,
    policy: AllocationPolicy,
    /// Value of orders closed with value left, since the last sample, USD:
    /// both kinds below together (`fab.order_residual_usd`, national).
    pub residual_period_usd: f64,
    /// Per buyer: value of orders closed because it was below the price of
    /// the cheapest design that can still be supplied (less than one unit),
    /// since the last sample, USD (`fab.order_residue_usd`).
    pub residue_period_usd: Vec<f64>,
    /// Per buyer: value of orders written off because no design can be
    /// supplied any more (nothing could fill them), since the last sample,
    /// USD (`fab.order_unsuppliable_usd`).
    pub unsuppliable_period_usd: Vec<f64>,
}

impl OrderBook {
    /// An empty book for `priorities.len()` buyers.
    pub fn new(priorities: Vec<u32>, policy: AllocationPolicy) -> OrderBook {
        let buyers = priorities.len();
        OrderBook {
            orders: Vec::new(),
            next_seq: 0,
            priorities,
            policy,
            residual_period_usd: 0.0,
            residue_period_usd: vec![0.0; buyers],
            unsuppliable_period_usd: vec![0.0; buyers],
        }
    }

    /// Adds an order of `usd` for `buyer` (already checked).
    pub fn place(&mut self, buyer: usize, usd: f64) {
        if usd > 0.0 {
            self.orders.push(Order {
                seq: self.next_seq,
                buyer,
                remaining_usd: usd,
            });
            self.next_seq += 1;
        }
    }

    /// Open order value per buyer, USD.
    pub fn backlog_by_buyer(&self) -> Vec<f64> {
        let mut b = vec![0.0; self.priorities.len()];
        for o in &self.orders {
            b[o.buyer] += o.remaining_usd;
        }
        b
    }

    /// Open order value, USD (+0 with no open order: a float `sum` of
    /// nothing is −0, which `summary.json` would print as `-0.0`).
    pub fn backlog_usd(&self) -> f64 {
        self.orders.iter().fold(0.0, |s, o| s + o.remaining_usd)
    }

    /// Open order value of one buyer, USD (+0 with none open).
    pub fn buyer_backlog_usd(&self, buyer: usize) -> f64 {
        self.orders
            .iter()
            .filter(|o| o.buyer == buyer)
            .fold(0.0, |s, o| s + o.remaining_usd)
    }

    /// Allocates `stock` (units per design, reduced in place) to the open
    /// orders, then closes every order below `cheapest` USD (the lowest
    /// price of a design that can still be supplied); returns the
    /// deliveries aggregated per (buyer, design) and the orders closed with
    /// a residue, one per order (in allocation order).
    pub fn allocate(
        &mut self,
        stock: &mut [u64],
        prices: &[f64],
        cheapest: f64,
    ) -> (Vec<Delivery>, Vec<Closure>) {
        if self.orders.is_empty() {
            return (Vec::new(), Vec::new());
        }
        serving_order(&mut self.orders, self.policy, &self.priorities);
        let out = hand_out(&mut self.orders, self.policy, stock, prices);
        let closed = self.close_small(cheapest);
        if self.policy == AllocationPolicy::Priority {
            self.orders.sort_by_key(|o| o.seq);
        }
        (out, closed)
    }

    /// Units per design the open orders would take from `stock` (units per
    /// design) by the allocation rules, without delivering anything: the
    /// demand that imports on order fill.
    pub fn would_take(&self, stock: &[u64], prices: &[f64]) -> Vec<u64> {
        let mut orders = self.orders.clone();
        serving_order(&mut orders, self.policy, &self.priorities);
        let mut left = stock.to_vec();
        hand_out(&mut orders, self.policy, &mut left, prices);
        stock.iter().zip(&left).map(|(s, l)| s - l).collect()
    }

    /// Closes orders that cannot buy one unit at `cheapest` USD; returns
    /// those closed with value left (an order spent to exactly 0 closes
    /// silently: nothing is written off).
    fn close_small(&mut self, cheapest: f64) -> Vec<Closure> {
        let mut closed = Vec::new();
        let mut residual = 0.0;
        // No design left to supply: every order is written off unfilled.
        let by_buyer = if cheapest.is_infinite() {
            &mut self.unsuppliable_period_usd
        } else {
            &mut self.residue_period_usd
        };
        self.orders.retain(|o| {
            let keep = o.remaining_usd * (1.0 + 1e-12) >= cheapest;
            if !keep {
                residual += o.remaining_usd;
                if o.remaining_usd > 0.0 {
                    closed.push((o.buyer, o.remaining_usd));
                    if let Some(v) = by_buyer.get_mut(o.buyer) {
                        *v += o.remaining_usd;
                    }
                }
            }
            keep
        });
        self.residual_period_usd += residual;
        closed
    }
}

/// Puts `orders` in serving order: by buyer priority (highest first, oldest
/// first within one) under `Priority`; otherwise they stay oldest first.
fn serving_order(orders: &mut [Order], policy: AllocationPolicy, priorities: &[u32]) {
    if policy == AllocationPolicy::Priority {
        orders.sort_by(|a, b| {
            priorities[b.buyer]
                .cmp(&priorities[a.buyer])
                .then(a.seq.cmp(&b.seq))
        });
    }
}

/// Hands `stock` (units per design, reduced in place) out to `orders` (in
/// serving order) design by design under `policy`; returns the deliveries
/// aggregated per (buyer, design).
fn hand_out(
    orders: &mut [Order],
    policy: AllocationPolicy,
    stock: &mut [u64],
    prices: &[f64],
) -> Vec<Delivery> {
    let mut out: Vec<Delivery> = Vec::new();
    for (design, units) in stock.iter_mut().enumerate() {
        let price = prices[design];
        if *units == 0 {
            continue;
        }
        // A tiny relative tolerance so that an order of exactly n × price
        // is not denied its last unit by rounding.
        let claims: Vec<u64> = orders
            .iter()
            .map(|o| (o.remaining_usd / price * (1.0 + 1e-12)).floor().max(0.0) as u64)
            .collect();
        let total: u64 = claims.iter().sum();
        let given: Vec<u64> = match policy {
            AllocationPolicy::ProRata if total > *units => {
                let weights: Vec<f64> = claims.iter().map(|&c| c as f64).collect();
                largest_remainder(*units, &weights)
            }
            AllocationPolicy::ProRata => claims.clone(),
            AllocationPolicy::FirstComeFirstServed | AllocationPolicy::Priority => {
                let mut left = *units;
                claims
                    .iter()
                    .map(|&c| {
                        let g = c.min(left);
                        left -= g;
                        g
                    })
                    .collect()
            }
        };
        for (o, &g) in orders.iter_mut().zip(&given) {
            if g == 0 {
                continue;
            }
            o.remaining_usd = (o.remaining_usd - g as f64 * price).max(0.0);
            *units -= g;
            match out.iter_mut().find(|d| d.0 == o.buyer && d.1 == design) {
                Some(d) => d.2 += g,
                None => out.push((o.buyer, design, g)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(policy: AllocationPolicy) -> OrderBook {
        // Buyer 0 priority 1, buyer 1 priority 5, buyer 2 priority 3.
        let mut b = OrderBook::new(vec![1, 5, 3], policy);
        b.place(0, 600.0); // claim 6 at 100 USD
        b.place(1, 300.0); // claim 3
        b.place(2, 300.0); // claim 3
        b
    }

    fn delivered(d: &[Delivery], buyer: usize) -> u64 {
        d.iter().filter(|x| x.0 == buyer).map(|x| x.2).sum()
    }

    #[test]
    fn first_come_first_served_fills_the_oldest_order_first() {
        let mut b = book(AllocationPolicy::FirstComeFirstServed);
        let mut stock = vec![8];
        let (d, _) = b.allocate(&mut stock, &[100.0], 100.0);
        assert_eq!([delivered(&d, 0), delivered(&d, 1), delivered(&d, 2)], [6, 2, 0]);
        assert_eq!(stock, vec![0]);
        assert!((b.backlog_usd() - 400.0).abs() < 1e-9);
    }

    #[test]
    fn priority_serves_the_highest_priority_first() {
        let mut b = book(AllocationPolicy::Priority);
        let mut stock = vec![8];
        let (d, _) = b.allocate(&mut stock, &[100.0], 100.0);
        assert_eq!([delivered(&d, 0), delivered(&d, 1), delivered(&d, 2)], [2, 3, 3]);
    }

    #[test]
    fn pro_rata_splits_in_proportion_to_claims() {
        let mut b = book(AllocationPolicy::ProRata);
        let mut stock = vec![8];
        let (d, _) = b.allocate(&mut stock, &[100.0], 100.0);
        // Claims 6:3:3 of 8 units → 4, 2, 2.
        assert_eq!([delivered(&d, 0), delivered(&d, 1), delivered(&d, 2)], [4, 2, 2]);
        // Enough units: everyone gets their whole claim and leftovers stay.
        let mut b = book(AllocationPolicy::ProRata);
        let mut stock = vec![20];
        let (d, _) = b.allocate(&mut stock, &[100.0], 100.0);
        assert_eq!([delivered(&d, 0), delivered(&d, 1), delivered(&d, 2)], [6, 3, 3]);
        assert_eq!(stock, vec![8]);
        assert_eq!(b.backlog_usd(), 0.0);
    }

    #[test]
    fn orders_below_the_cheapest_price_close_with_a_residue() {
        let mut b = OrderBook::new(vec![0], AllocationPolicy::FirstComeFirstServed);
        b.place(0, 250.0);
        let mut stock = vec![10, 0];
        let (d, closed) = b.allocate(&mut stock, &[100.0, 60.0], 60.0);
        assert_eq!(d, vec![(0, 0, 2)]);
        assert_eq!(closed, vec![(0, 50.0)]);
        assert_eq!(b.backlog_usd(), 0.0);
        assert!((b.residual_period_usd - 50.0).abs() < 1e-9);
        assert_eq!(b.residue_period_usd, vec![50.0]);
        assert_eq!(b.unsuppliable_period_usd, vec![0.0]);
        // With nothing left to supply, the whole order is written off as
        // unsuppliable, not as a residue.
        b.place(0, 250.0);
        let (d, closed) = b.allocate(&mut stock, &[100.0, 60.0], f64::INFINITY);
        assert_eq!(d, vec![(0, 0, 2)]);
        assert_eq!(closed, vec![(0, 50.0)]);
        b.place(0, 250.0);
        let (d, closed) = b.allocate(&mut [0, 0], &[100.0, 60.0], f64::INFINITY);
        assert!(d.is_empty());
        assert_eq!(closed, vec![(0, 250.0)]);
        assert_eq!(b.residue_period_usd, vec![50.0]);
        assert_eq!(b.unsuppliable_period_usd, vec![300.0]);
        assert!((b.residual_period_usd - 350.0).abs() < 1e-9);
    }

    #[test]
    fn each_closed_order_is_reported_to_its_buyer_and_spent_ones_are_not() {
        // Buyer 0's order is spent to exactly 0, buyer 1's keeps 40 (below
        // the price), buyer 2's gets nothing and keeps its 300 open.
        let mut b = OrderBook::new(vec![0, 0, 0], AllocationPolicy::FirstComeFirstServed);
        b.place(0, 200.0);
        b.place(1, 140.0);
        b.place(2, 300.0);
        let mut stock = vec![3];
        let (d, closed) = b.allocate(&mut stock, &[100.0], 100.0);
        assert_eq!(d, vec![(0, 0, 2), (1, 0, 1)]);
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].0, 1);
        assert!((closed[0].1 - 40.0).abs() < 1e-9);
        assert_eq!(
            [
                b.buyer_backlog_usd(0),
                b.buyer_backlog_usd(1),
                b.buyer_backlog_usd(2)
            ],
            [0.0, 0.0, 300.0]
        );
        // Nothing can be supplied any more: the open order closes whole.
        let (d, closed) = b.allocate(&mut [0], &[100.0], f64::INFINITY);
        assert!(d.is_empty());
        assert_eq!(closed, vec![(2, 300.0)]);
        assert_eq!(b.backlog_usd(), 0.0);
    }
}
