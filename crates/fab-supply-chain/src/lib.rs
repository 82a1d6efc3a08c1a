//! The chip supply-chain domain: lithography tools → fabs (ramp, cycle time,
//! yield learning) → good dies → assembly with HBM stacks and packaging →
//! accelerators, plus imports, stockpiles, export controls, orders and
//! allocation.
//!
//! The crate has the shape of every aistack domain (see
//! `docs/ARCHITECTURE.md`): a validated [`FabConfig`], a state struct
//! [`SupplyChain`] built with [`SupplyChain::new`], its own event enum
//! [`FabEvent`] handled by [`SupplyChain::handle`], input methods for the
//! wiring ([`SupplyChain::place_order`], [`SupplyChain::set_power_served`]),
//! the signals it emits ([`FabSignal`]) and monthly metrics
//! ([`SupplyChain::sample_metrics`]). The model is documented in
//! `docs/model/fab-supply-chain.md`, its default numbers in
//! `docs/calibration/fab-supply-chain.md`.
//!
//! ```
//! use fab_supply_chain::{FabEvent, SupplyChain};
//! use scheduler::{RngStreams, Scheduler, SimTime, SECS_PER_YEAR};
//! let config = fab_supply_chain::example_config();
//! let mut chain = SupplyChain::new(config, &RngStreams::new(7, 0)).unwrap();
//! let mut sched: Scheduler<FabEvent> = Scheduler::new();
//! chain.start(&mut sched).unwrap();
//! let lab = chain.buyer_id("lab").unwrap();
//! chain.place_order(lab, 1e9).unwrap();
//! let mut signals = Vec::new();
//! while let Some((_, ev)) = sched.next_event_until(SimTime(SECS_PER_YEAR)).unwrap() {
//!     chain.handle(ev, &mut sched, &mut signals).unwrap();
//! }
//! let mut delivered = 0.0;
//! chain.summary_scalars(&mut |name, v| if name == "fab.accelerators_delivered_total" { delivered = v });
//! assert!(delivered > 0.0);
//! ```

mod apportion;
mod chain;
mod config;
mod error;
mod events;
mod example;
mod fab;
mod inputs;
mod metrics;
mod orders;
mod production;
mod supply;
mod validate;
mod yield_curve;

pub use chain::SupplyChain;
pub use config::*;
pub use error::FabError;
pub use events::{ArrivalItem, BindingInput, FabEvent, FabSignal};
pub use example::example_config;
pub use fab::WaferBalance;
pub use validate::{DIE_AREA_MM2, WAFER_DIAMETER_MM};
pub use yield_curve::{YieldCurve, gross_dies_per_wafer};

/// Seconds in the mean month (a twelfth of a Julian year): the unit of every
/// `_per_month` rate.
pub const MONTH_SECS: f64 = scheduler::SECS_PER_YEAR as f64 / 12.0;

/// The longest die-bank target the wafer-start planner takes
/// ([`FabConfig::die_bank_target`]): 520 weeks, ten years of the back
/// end's consumption.
pub const MAX_DIE_BANK_TARGET: scheduler::Duration = scheduler::Duration(520 * 7 * scheduler::SECS_PER_DAY);

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) u32);
        impl $name {
            /// The position of the entity in its config list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A fab: its position in [`FabConfig::fabs`].
    FabId
);
id_type!(
    /// A design: its position in [`FabConfig::designs`].
    DesignId
);
id_type!(
    /// A buyer: its position in [`FabConfig::buyers`].
    BuyerId
);
id_type!(
    /// A project: its position in [`FabConfig::projects`].
    ProjectId
);
id_type!(
    /// A policy: its position in [`FabConfig::policies`].
    PolicyId
);

/// Index → id conversion for lists already bounded by validation (at most
/// `u32::MAX` entries: a config that large is refused by memory first).
pub(crate) fn id32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}
