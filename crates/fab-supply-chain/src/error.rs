//! Typed errors of the supply-chain domain: bad configuration (naming the
//! entity and field), bad random draws, and scheduling failures.

use scheduler::ScheduleError;

/// Why a supply chain could not be built or could not handle an event.
///
/// Configuration variants are returned by [`SupplyChain::new`](crate::SupplyChain::new)
/// and are fatal to building the chain (nothing was built). Run-time variants
/// ([`FabError::BadSample`], [`FabError::Schedule`], [`FabError::BadInput`])
/// are fatal to the run: the chain's state after them is unspecified.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FabError {
    /// A numeric field is out of its documented range, or not finite.
    #[error("{entity}: field `{field}` {reason}")]
    InvalidField {
        /// The entity, as `kind "name"` (e.g. `fab "smic-sn2"`).
        entity: String,
        /// The field path inside the entity (e.g. `yield_curve.ceiling`).
        field: String,
        /// What was wrong, with the offending value.
        reason: String,
    },
    /// A name refers to an entity that does not exist or has the wrong kind.
    #[error("{entity}: field `{field}` refers to unknown {kind} \"{name}\"")]
    UnknownReference {
        /// The referring entity.
        entity: String,
        /// The referring field.
        field: String,
        /// The kind of entity expected (design, fab, project).
        kind: &'static str,
        /// The name that was not found.
        name: String,
    },
    /// Two entities of one kind share a name.
    #[error("duplicate {kind} name \"{name}\"")]
    DuplicateName {
        /// The kind of entity.
        kind: &'static str,
        /// The repeated name.
        name: String,
    },
    /// A stochastic process drew a value that cannot be used (not finite, or
    /// a duration too large for the clock). Fatal to the run.
    #[error("{entity}: `{field}` drew an unusable value {value}")]
    BadSample {
        /// The entity whose stream drew it.
        entity: String,
        /// The distribution's field.
        field: &'static str,
        /// The value drawn.
        value: f64,
    },
    /// An input method was called with a value outside its range (NaN power
    /// fraction, negative order value, an id from another chain). Fatal to
    /// the call only: the chain's state is unchanged.
    #[error("{method}: {reason}")]
    BadInput {
        /// The method called.
        method: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The scheduler refused an event (time overflow). Fatal to the run.
    #[error("scheduling failed: {0}")]
    Schedule(#[from] ScheduleError),
}

/// Shorthand used by validation: an [`FabError::InvalidField`].
pub(crate) fn invalid(entity: &str, field: &str, reason: impl Into<String>) -> FabError {
    FabError::InvalidField {
        entity: entity.to_string(),
        field: field.to_string(),
        reason: reason.into(),
    }
}
