//! Integration tests of the `entrasnap` binary.

// Shared helpers: a temp store built through entrasnap-core, and running the binary.
mod util;

// `entrasnap demo` and unknown commands.
mod demo;

// `list` and `show`: what a store holds.
mod list;

// `verify`: a clean store, then a flipped byte, a deleted object file, an edited manifest.
mod verify;

// `prune`: --what-if deletes nothing; retention removes the older same-day snapshot.
mod prune;

// Usage errors (exit 2) and errors naming what and where (exit 1).
mod errors;

// `export` against the emulator: id on stdout, --json, directory format, bad input, 20 SIGKILLs.
mod export;

// `compare` against the emulator: an incident made through Graph, reported by name and severity.
mod compare;

// `compare` scenarios from issue 4: an HR sync of 5,000 users, a compromised admin, a named location deleted.
mod compare_scenarios;

// `history` against the emulator: a policy's changes one by one, deleted and restored, names, times.
mod history;

// `watch` against the emulator: stores only on change, survives an outage, tells a webhook, stops on SIGTERM.
mod watch;

// The HTML report in headless Chromium: chart first, most severe first, names escaped.
mod compare_html;
// Who changed what: audit-log attribution, --changed-by, per-actor summary.
mod attribution;

// The Graph emulator driven through Graph's verbs, and the binary run against it.
mod emulator;

// Sign-in from the environment alone: every managed identity shape, its errors, and "nothing signed in".
mod sign_in;

// `restore` against the emulator: every outcome read back from the tenant.
mod restore;

// Issue 12's traps: kinds and `latest`, labels, filters that match nothing, a what-if that stores nothing.
mod trust;

// The bad-input corpus: damaged stores, hostile Graph bodies, malformed ids and paths, unknown types and flags.
mod bad_input;

// Encryption at rest: export with the public key, list without the identity, read and restore with it.
mod encryption;

// Signed snapshots end to end: keygen, signed exports, verify with the key, a
// forged snapshot refused by restore before any write, a store others can read.
mod signed;

// Issue 9 item 3: real-world beta CA exports (UTF-16LE/UTF-8 BOM) imported, exported, damaged, restored, unchanged.
mod roundtrip;

// Issue 9 item 4: delegated consent (oAuth2PermissionGrant) — an attacker's
// tenant-wide Mail.Read consent, a widened and a deleted grant reported by name and restored.
mod consent;
