//! A lab's book of chip orders, and the test of whether they are being
//! filled (which decides between the `Budget` and `Chips` bounds of a run).
//!
//! The lab books what it orders ([`crate::TrainingSignal::Order`]), what
//! the supplier charges at delivery ([`crate::Training::accelerators_charged`])
//! and what the supplier writes off when it closes an order with value left
//! ([`crate::Training::order_closed`]). The supplier holds the rest open,
//! so the lab knows its open backlog exactly (to rounding): the supply
//! chain's conservation, ordered = charged + written off + open, is the
//! lab's book read backwards.

/// A lab's chip orders, USD (constant dollars), as the lab books them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChipOrders {
    /// Every order the lab placed, USD.
    pub ordered_usd: f64,
    /// The order placed at the lab's last monthly tick, USD (0 if it placed
    /// none that month: its electricity bill took the whole budget).
    pub last_order_usd: f64,
    /// Accelerators charged to the lab at delivery, USD.
    pub charged_usd: f64,
    /// Residues written off when orders closed below one unit's price, USD:
    /// those orders bought every unit their money could (they were filled).
    pub residue_usd: f64,
    /// Value written off when orders closed because no design could be
    /// supplied any more, USD: those orders were never filled.
    pub unsuppliable_usd: f64,
}

impl ChipOrders {
    /// Tolerance of [`ChipOrders::filled`], USD per USD ever ordered
    /// (1e-9: 1,000 USD for a lab that ordered 1e12 USD, a few percent of
    /// one accelerator at 25,000–40,000 USD). It covers rounding only: the
    /// lab's sums and the supplier's per-order balances add the same
    /// amounts in different orders, each addition off by at most 2⁻⁵³ ≈
    /// 1.1e-16 of the running total, and the supplier's claim rounding
    /// charges at most 1e-12 of an order beyond its value; 1e-9 leaves
    /// room for 10⁷ such roundings and stays far below one unit's price.
    pub const TOLERANCE_PER_USD_ORDERED: f64 = 1e-9;

    /// Orders the supplier holds open (not yet delivered nor written off),
    /// USD: ordered − charged − residues − unsuppliable write-offs. Equal,
    /// to rounding, to the supplier's backlog of the lab's buyer.
    pub fn open_usd(&self) -> f64 {
        self.ordered_usd - self.charged_usd - self.residue_usd - self.unsuppliable_usd
    }

    /// Ordered value not filled, USD: the open backlog plus orders written
    /// off because nothing could be supplied (ordered − charged − residues).
    pub fn unfilled_usd(&self) -> f64 {
        self.ordered_usd - self.charged_usd - self.residue_usd
    }

    /// Whether the lab's orders are being filled: everything it ordered
    /// before this month was delivered, or closed with a residue below one
    /// unit's price, so at most this month's order is unfilled (within
    /// [`ChipOrders::TOLERANCE_PER_USD_ORDERED`] × ordered). An order left
    /// open for a month (the supplier lacks the units) or closed because
    /// nothing can be supplied any more means the orders are not filled:
    /// more money would buy no chips sooner.
    pub fn filled(&self) -> bool {
        self.unfilled_usd() <= self.last_order_usd + Self::TOLERANCE_PER_USD_ORDERED * self.ordered_usd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(ordered: f64, last: f64, charged: f64, residue: f64, unsuppliable: f64) -> ChipOrders {
        ChipOrders {
            ordered_usd: ordered,
            last_order_usd: last,
            charged_usd: charged,
            residue_usd: residue,
            unsuppliable_usd: unsuppliable,
        }
    }

    #[test]
    fn only_this_months_order_may_be_open() {
        // 60 orders of 1e5, all but the last delivered (residues written off).
        assert!(book(6e6, 1e5, 5.9e6 - 3e4, 3e4, 0.0).filled());
        // Half of last month's order is still open: not filled, although
        // the open 5e4 is far below 60 unit prices of 2e4.
        let b = book(6e6, 1e5, 5.9e6 - 3e4 - 5e4, 3e4, 0.0);
        assert!(!b.filled());
        assert!((b.open_usd() - 1.5e5).abs() < 1e-6);
        // Nothing open but last month's order was written off because
        // nothing can be supplied: not filled.
        let b = book(6e6, 1e5, 5.8e6 - 3e4, 3e4, 1e5);
        assert!(!b.filled());
        assert!((b.open_usd() - 1e5).abs() < 1e-6);
        // No order this month: any unfilled value is a month old.
        assert!(!book(6e6, 0.0, 5.9e6 - 3e4, 3e4, 0.0).filled());
        assert!(book(6e6, 0.0, 6e6 - 3e4, 3e4, 0.0).filled());
    }

    #[test]
    fn the_tolerance_covers_rounding_and_not_one_unit() {
        let ordered = 1e12;
        let tol = ChipOrders::TOLERANCE_PER_USD_ORDERED * ordered;
        // Every past order delivered, to a rounding of 1e-4 USD.
        assert!(book(ordered, 1e9, ordered - 1e9 - 1e-4, 0.0, 0.0).filled());
        // A 2e4 USD unit left open beyond this month's order is seen.
        assert!(tol < 2e4);
        assert!(!book(ordered, 1e9, ordered - 1e9 - 2e4, 0.0, 0.0).filled());
    }
}
