//! The supply chain's event enum, the signals it emits and the binding-input
//! categories of assembly.

use crate::{BuyerId, DesignId, FabId, PolicyId, ProjectId};

/// The events of the supply chain. Scheduled by the chain itself through
/// an [`Agenda`](scheduler::Agenda); the stack only routes them back to [`SupplyChain::handle`](crate::SupplyChain::handle).
#[derive(Clone, Debug, PartialEq)]
pub enum FabEvent {
    /// Every `production_step`: supplies arrive, tools are installed, wafers
    /// start, accelerators are assembled and delivered.
    ProductionTick,
    /// A fab with `FabOpening::At` opens.
    FabOpens {
        /// The fab.
        fab: FabId,
    },
    /// A lot of wafers finishes its cycle time.
    LotComplete {
        /// The fab.
        fab: FabId,
        /// The lot, numbered per fab.
        lot: u64,
    },
    /// One of the fab's working tools fails.
    ToolFailure {
        /// The fab.
        fab: FabId,
    },
    /// One of the fab's failed tools is repaired.
    ToolRepaired {
        /// The fab.
        fab: FabId,
    },
    /// A project starts construction.
    ProjectStart {
        /// The project.
        project: ProjectId,
    },
    /// A project completes.
    ProjectComplete {
        /// The project.
        project: ProjectId,
    },
    /// A policy takes effect.
    Policy {
        /// The policy.
        policy: PolicyId,
    },
    /// Imports held by a licence delay arrive.
    Arrival {
        /// What arrives.
        item: ArrivalItem,
        /// How many units.
        count: u64,
    },
}

/// What a delayed import shipment carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalItem {
    /// Lithography tools (to the national inventory).
    Tools,
    /// HBM stacks (to the HBM stock).
    Hbm,
    /// Finished accelerators of a design (to the finished stock).
    Accelerators(DesignId),
}

/// The input that limited accelerator assembly at a tick. Codes are the
/// values of the `fab.binding_input` metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BindingInput {
    /// Nothing to assemble and nothing that could be (code 0).
    None = 0,
    /// Good dies, limited by wafer capacity, ramp or yield, or by the
    /// cycle time of a line still filling at full starts (code 1): no
    /// producing fab's starts were cut by power, tools or the wafer-start
    /// planner.
    Wafers = 1,
    /// Good dies, with at least one producing fab held below its ramped
    /// capacity by its working tools (code 2).
    Tools = 2,
    /// HBM stacks (code 3); also when dies are short because the
    /// wafer-start planner held the starts to a pull HBM sets (with no HBM
    /// to be had, at every tick).
    Hbm = 3,
    /// Packaging slots (code 4); also when dies are short because the
    /// wafer-start planner held the starts to a pull packaging sets.
    Packaging = 4,
    /// Good dies, with the producing fabs' starts cut more by the grid's
    /// power shortfall than by their tools (code 5): the wafer starts the
    /// served share withheld, `Σ capacity × (1 − served share)` over the
    /// open fabs, exceed the starts tools withheld, `Σ (ramped capacity −
    /// tool capacity)⁺` (see docs/model/fab-supply-chain.md).
    Power = 5,
}

impl BindingInput {
    /// All inputs, in code order.
    pub const ALL: [BindingInput; 6] = [
        BindingInput::None,
        BindingInput::Wafers,
        BindingInput::Tools,
        BindingInput::Hbm,
        BindingInput::Packaging,
        BindingInput::Power,
    ];

    /// The categorical code (0–5).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The 0/1 metric reporting this input, e.g. `fab.binding_hbm`.
    pub fn metric(self) -> &'static str {
        match self {
            BindingInput::None => "fab.binding_none",
            BindingInput::Wafers => "fab.binding_wafers",
            BindingInput::Tools => "fab.binding_tools",
            BindingInput::Hbm => "fab.binding_hbm",
            BindingInput::Packaging => "fab.binding_packaging",
            BindingInput::Power => "fab.binding_power",
        }
    }
}

/// What the supply chain tells the world.
#[derive(Clone, Debug, PartialEq)]
pub enum FabSignal {
    /// Accelerators delivered to a buyer: one signal per buyer and design
    /// per production tick.
    Delivered {
        /// The buyer.
        buyer: BuyerId,
        /// The design.
        design: DesignId,
        /// The design's name.
        design_name: String,
        /// Units delivered.
        count: u64,
        /// Peak dense BF16 throughput per chip, FLOP/s.
        peak_flop_s_per_chip: f64,
        /// Power per chip, W (chip only).
        power_w_per_chip: f64,
        /// Price charged per chip, USD.
        unit_price_usd: f64,
    },
    /// An open order of a buyer was closed with value left, written off:
    /// its remaining value could not buy one unit of the cheapest design
    /// that can still be supplied, or (`nothing_suppliable`) no design can be
    /// supplied any more. One signal per closed order, at the production
    /// tick that closes it, after that tick's deliveries. With these and
    /// [`FabSignal::Delivered`] a buyer knows its open backlog exactly:
    /// ordered = charged at delivery + written off + open.
    OrderClosed {
        /// The buyer.
        buyer: BuyerId,
        /// The order's remaining value written off, USD (> 0).
        residue_usd: f64,
        /// `true` if the order closed because no design can be supplied any
        /// more (the residue is whatever the order had not bought: nothing
        /// was filled), `false` if the residue is below one unit's price
        /// (the order bought every unit its money could).
        nothing_suppliable: bool,
    },
    /// A fab's power demand changed (opening, ramp, tools), MW.
    PowerDemand {
        /// The fab.
        fab: FabId,
        /// Power asked for, MW.
        mw: f64,
    },
    /// A power shortfall scrapped wafers in process.
    WafersScrapped {
        /// The fab.
        fab: FabId,
        /// Wafers scrapped.
        wafers: u64,
    },
    /// The input limiting assembly changed.
    BindingInputChanged {
        /// The previous binding input.
        from: BindingInput,
        /// The new one.
        to: BindingInput,
    },
}
