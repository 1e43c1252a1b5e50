//! entrasnap-graph against the Graph emulator, over real HTTP on loopback.

// Shared helpers: start an emulator, build a client, read the emulator's counters.
mod util;

// Paging: every object exactly once, with and without throttling and faults.
mod paging;
// Conditional Access pacing across concurrent tasks.
mod pacing;
// A token that expires mid-job is renewed once.
mod token_refresh;
// Managed identity against the emulator's endpoints: every shape, expiry form and a mid-export renewal.
mod managed_identity;
// Delta rounds see exactly what changed; expired tokens say so.
mod delta;
// $batch: responses matched by id, in-envelope 429s retried.
mod batch;
// Errors name request and permission, never tokens or queries; POSTs are not repeated; cancellation.
mod errors;
// Export: the snapshot is the tenant; faults change nothing; incremental rounds.
mod export;
// Restore executor: plans run against the emulator, journals, batching, permissions.
mod restore_exec;
// The fault matrix: 429 storms, 5xx bursts, broken bodies, slow answers, expiring tokens, paging loops.
mod faults;
