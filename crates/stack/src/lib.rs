//! The national AI stack: the scenario format, the wiring of the energy
//! grid, the chip supply chain and model training on one scheduler, the
//! monthly recorder, and the outputs of a run.
//!
//! ```text
//!  scenario.ron ──load──▶ ScenarioData ──build_configs──▶ GridConfig, FabConfig, TrainingConfig
//!                                                             │
//!                                          World::assemble ◀──┘  (one Scheduler<StackEvent>)
//!                                                │
//!         Grid ◀─┐   signals    ┌─▶ SupplyChain  │ run: event → domain → signals → wiring.rs → other domains
//!                └── wiring.rs ─┤                │
//!                               └─▶ Training     ▼
//!                                     timeseries rows, summary scalars, releases, trace
//! ```

pub mod correlation;
pub mod dates;
pub mod dispatch_csv;
pub mod error;
pub mod lint;
pub mod load;
pub mod output;
pub mod output_units;
pub mod reference;
pub mod report;
pub mod ronvalue;
pub mod run;
pub mod scenario;
pub mod schema;
pub mod series;
pub mod units;
pub mod wiring;
pub mod world;

pub use error::{RunError, ScenarioError};
pub use run::{Parameter, RunOptions, RunOutput, Scenario, run};
pub use scenario::ScenarioData;

/// The embedded default scenario: `examples/scenarios/china-2025.ron`.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../examples/scenarios/china-2025.ron");
