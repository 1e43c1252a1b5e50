//! Restore planning: from a known-good snapshot, the live state and filters,
//! the ordered, explained list of Graph writes that brings the tenant back,
//! guarded so that it cannot lock out break-glass accounts. Pure: no network.

mod actor;
mod filters;
mod guard;
mod model;
mod order;
mod plan;
mod refs;
mod scope;
mod writes;

pub use actor::{ActorScope, OnConflict, Reverted, revert_actor};
pub use filters::{check_against_snapshot, check_ids_against_live};
pub use model::{
    BreakGlass, DeletedItems, Guard, Note, Plan, PlanOptions, Step, StepCounts, StepKind,
    StepOutcome, StepRequest, StepStatus,
};
pub use plan::plan;
