//! The emulator, tested over real HTTP as any Graph client would use it.

mod util;

// Paging, $top limits, $select default sets, $filter, $count.
mod queries;
// Users and groups delta rounds: changes, removals, members@delta, expiry.
mod delta;
// $batch: limits, dependsOn and 424, per-request statuses.
mod batch;
// Throttling: Conditional Access 1/s without Retry-After, RU bucket, 429 in $batch.
mod throttling;
// Writes and Graph's validation: read-only properties, references, links, secrets.
mod writes;
// memberOf, transitive relations, OData casts (graph. alias), $count of a relation.
mod relations;
// /directoryRoles: activated roles and their members.
mod directory_roles;
// Soft delete and restore for directory objects and Conditional Access.
mod deleted;
// Real tenants' CA values: built-in roles, first-party apps, special values.
mod ca_values;
// A real tenant's exported CA baseline POSTs cleanly once stripped.
mod baseline;
// The binary: --port 0, --state, faults.
mod binary;
// The directory audit log: an event per write, Graph's shapes, filters, paging.
mod audit;
// The latency model: a page costs more the more objects it carries.
mod latency;
// Delegated permission grants: derived ids, validation, 409, scope-only updates.
mod grants;
