//! What the client has done so far, for progress events and tests.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

tokio::task_local! {
    /// The tally of the work a future is doing (one object type's export),
    /// so its progress shows its own requests rather than the whole export's.
    static TALLY: Arc<AtomicU64>;
}

/// Runs `future`, counting every request it sends in `tally` too.
pub async fn tallied<F: Future>(tally: Arc<AtomicU64>, future: F) -> F::Output {
    TALLY.scope(tally, future).await
}

/// Running totals, shared by every task using one client.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    throttle_wait_micros: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent (a `$batch` envelope is one).
    pub requests: u64,
    /// Requests or batch sub-requests sent again after a 429, 5xx, dropped connection or 401.
    pub retries: u64,
    /// 429 answers, top-level and inside `$batch` envelopes.
    pub throttled: u64,
    /// Time spent waiting because of throttling (Retry-After, backoff after a
    /// 429, Conditional Access pacing), summed over tasks: it can exceed the
    /// wall-clock time when many tasks wait at once.
    pub throttle_wait: Duration,
    /// The concurrency limit now (it halves under 429s and grows back).
    pub concurrency: usize,
}

impl Counters {
    pub fn sent(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let _ = TALLY.try_with(|t| t.fetch_add(1, Ordering::Relaxed));
    }

    pub fn retried(&self, n: u64) {
        self.retries.fetch_add(n, Ordering::Relaxed);
    }

    pub fn throttled(&self, n: u64) {
        self.throttled.fetch_add(n, Ordering::Relaxed);
    }

    pub fn waited(&self, d: Duration) {
        self.throttle_wait_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            throttle_wait: Duration::from_micros(self.throttle_wait_micros.load(Ordering::Relaxed)),
            concurrency: 0,
        }
    }
}
