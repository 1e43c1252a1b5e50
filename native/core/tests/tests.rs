//! Integration tests of entrasnap-core through its public API.

// Shared helpers: a temp store and sample objects.
mod util;

// The local snapshot store: dedupe, atomicity, lock, verify, prune, state, layers.
mod store;

// The git-friendly directory export.
mod directory;

// Difference reports between in-memory snapshots.
mod diff_compare;

// One object's history across stored snapshots: recreated, deleted and restored, names.
mod history;

// Restore plans from in-memory snapshots: steps, order, references, guard.
mod restore_plan;

// Encryption at rest: sealed object files, identities, recipients.
mod encryption;

// Tamper evidence (chain, signatures, prune records) and owner-only files.
mod tamper;
