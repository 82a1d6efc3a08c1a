//! Helpers shared by the stack integration tests: scratch paths removed
//! when dropped.

mod scratch;
pub use scratch::Scratch;
