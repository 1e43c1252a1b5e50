//! Restore, the parts that talk to Graph: run a plan (`execute`), read the
//! recycle bins the planner needs (`read_deleted`), and check a token's
//! permissions before writing (`check_permissions`).
//!
//! The plan itself comes from `entrasnap_core::restore` (pure, no network);
//! the executor only sends each step's request, with ids of re-created objects
//! swapped in, and records what Graph answered in the restore journal.

mod deleted;
mod execute;
mod ids;
mod journal;
mod permissions;
mod run;
mod verdict;

pub use deleted::{read_deleted, removed_restorable};
pub use execute::{ExecuteEvent, ExecuteReport, ExecuteSink, execute};
pub use journal::{MemoryJournal, StepJournal};
pub use permissions::{PermissionCheck, check_permissions, covers};
pub use run::{
    Prepared, RestoreEvent, RestoreOutcome, RestoreRequest, RestoreSink, RestoreTarget,
    Verification, apply, prepare,
};

/// Why a restore operation stopped as a whole (single steps fail on their own;
/// see [`StepStatus`](entrasnap_core::restore::StepStatus)).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The break-glass guard refused the plan; nothing was sent.
    #[error(
        "the break-glass guard refused this plan; nothing was written ({})",
        .findings.join("; ")
    )]
    Refused { findings: Vec<String> },
    /// The journal could not be written; the run stopped so that no step goes unrecorded.
    #[error("restore journal: {0}")]
    Journal(entrasnap_core::Error),
    #[error(transparent)]
    Graph(#[from] crate::error::Error),
    /// Graph returned an object that cannot be normalized.
    #[error("{0}")]
    Object(entrasnap_core::Error),
    /// The token lacks permissions the plan needs; nothing was sent.
    #[error("the token lacks the permissions this restore needs: {}", .missing.join(", "))]
    PermissionDenied { missing: Vec<String> },
    /// The snapshot before writing, or the read-back after, failed.
    #[error("reading the tenant: {0}")]
    Export(crate::export::ExportError),
    #[error("{0}")]
    Store(entrasnap_core::Error),
    /// The plan cannot be made (an unsatisfiable reference, a cycle, an unknown account).
    #[error("{0}")]
    Plan(entrasnap_core::Error),
    #[error("{0}")]
    Invalid(String),
    /// A filter (types, ids, attributes) names something that matched
    /// nothing; nothing was read into or written to the store.
    #[error("{0}")]
    Filter(entrasnap_core::Error),
    #[error("cancelled")]
    Cancelled,
}
