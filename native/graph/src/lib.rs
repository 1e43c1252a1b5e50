//! EntraSnapshot's Microsoft Graph client: auth, paging, delta, `$batch`,
//! throttling and retries.
//!
//! Everything talks HTTP to a base URL, so the emulator (`entrasnap-sim`)
//! and the real service are interchangeable.
//!
//! Throttling: Conditional Access policies and named locations are paced
//! to one request per 1.1 s per client (Graph allows 1/s per tenant);
//! everything else shares a concurrency limit that halves on a 429 and
//! grows back after successes. Retry-After is honoured (fractional seconds);
//! without it, exponential backoff with jitter. 5xx answers and broken
//! connections are retried a bounded number of times, for requests that
//! are safe to repeat. Cancellation uses `tokio_util`'s `CancellationToken`.

pub mod audit;
pub mod auth;
mod batch;
mod client;
mod counters;
mod delta;
mod error;
pub mod export;
mod paging;
mod partition;
mod request;
pub mod restore;
mod retry;
pub mod strict_json;
mod throttle;

pub use auth::{
    AccessToken, AuthOptions, Environment, Secret, SourceKind, TokenSource, default_chain, redact,
};
pub use batch::{BatchRequest, BatchResponse};
pub use client::{ClientOptions, DEFAULT_GRAPH_URL, GraphClient, graph_url, graph_url_in};
pub use counters::Stats;
pub use delta::{DeltaError, DeltaOutcome, Removal, RemovalReason, SpilledObjects, SpilledOutcome};
pub use error::{Error, ErrorKind, Result};
pub use paging::{Page, Pager};
pub use request::{Request, RequestOptions, Response};
pub use reqwest::Method;
pub use tokio_util::sync::CancellationToken;
