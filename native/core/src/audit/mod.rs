//! The directory audit log as evidence: events read from Graph, and which of
//! them explain each change of a difference report (who, from which app, when).

mod attribute;
mod event;

pub use attribute::{
    ActorSummary, Attribution, AttributionStatus, AuditWindow, ChangedBy, Coverage, attribute,
    keep_changed_by, stamp, summarize,
};
pub use event::{Actor, ActorKind, AuditEvent, ModifiedProperty, Target};
