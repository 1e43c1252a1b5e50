//! Staying within Graph's limits: a pacer for Conditional Access and an
//! adaptive concurrency limit for everything else.

use std::pin::pin;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Graph allows Conditional Access policies and named locations 1 request
/// per second per tenant (all apps together) and answers 429 without a
/// Retry-After beyond that. The extra 100 ms absorbs network jitter between
/// us and Graph, so two sends a second apart never arrive closer than that.
pub const CA_INTERVAL: Duration = Duration::from_millis(1100);

/// Several 429s from one burst are one signal: halve at most this often.
const DECREASE_GAP: Duration = Duration::from_secs(1);

/// Whether a path (after the version segment) is under Graph's Conditional
/// Access limit: policies, named locations, and their deleted items.
pub fn is_conditional_access(path: &str) -> bool {
    let p = path.trim_start_matches('/').to_ascii_lowercase();
    [
        "identity/conditionalaccess/policies",
        "identity/conditionalaccess/namedlocations",
        "identity/conditionalaccess/deleteditems",
    ]
    .iter()
    .any(|prefix| {
        p.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    })
}

/// Cancellation while waiting.
#[derive(Debug)]
pub struct Cancelled;

async fn sleep_until(at: Instant, cancel: &CancellationToken) -> Result<(), Cancelled> {
    tokio::select! {
        _ = tokio::time::sleep_until(at) => Ok(()),
        _ = cancel.cancelled() => Err(Cancelled),
    }
}

/// Spaces requests at least [`CA_INTERVAL`] apart, across all tasks of a client.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    last: tokio::sync::Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn new(interval: Duration) -> Self {
        Pacer {
            interval,
            last: tokio::sync::Mutex::new(None),
        }
    }

    /// Waits for this request's turn (in arrival order) and returns how long it waited.
    /// The turn is stamped when the wait ends, so the caller must send right away.
    pub async fn turn(&self, cancel: &CancellationToken) -> Result<Duration, Cancelled> {
        let start = Instant::now();
        let mut last = tokio::select! {
            guard = self.last.lock() => guard,
            _ = cancel.cancelled() => return Err(Cancelled),
        };
        if let Some(previous) = *last {
            sleep_until(previous + self.interval, cancel).await?;
        }
        *last = Some(Instant::now());
        Ok(start.elapsed())
    }
}

#[derive(Debug)]
struct State {
    limit: usize,
    in_flight: usize,
    successes: usize,
    last_decrease: Option<Instant>,
    paused_until: Option<Instant>,
}

/// Concurrency that adapts to throttling (AIMD): halves on a 429, grows by
/// one after a run of successes as long as the limit, never below 1 nor above
/// the configured maximum. A Retry-After also pauses every new request until
/// it has passed, since Graph's bucket is shared by all of them.
#[derive(Debug)]
pub struct Limiter {
    max: usize,
    state: Mutex<State>,
    notify: Notify,
}

/// A slot in the limiter, given back on drop.
#[derive(Debug)]
pub struct Permit<'a>(&'a Limiter);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.lock().in_flight -= 1;
        self.0.notify.notify_waiters();
    }
}

impl Limiter {
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Limiter {
            max,
            state: Mutex::new(State {
                limit: max,
                in_flight: 0,
                successes: 0,
                last_decrease: None,
                paused_until: None,
            }),
            notify: Notify::new(),
        }
    }

    // The state is a few counters updated in one step each: a poisoned lock
    // still holds consistent numbers.
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current concurrency limit.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    /// Waits for a slot; returns it and the time spent paused by a Retry-After.
    pub async fn acquire(
        &self,
        cancel: &CancellationToken,
    ) -> Result<(Permit<'_>, Duration), Cancelled> {
        let mut paused = Duration::ZERO;
        loop {
            // Registered before checking, so a release between the check and
            // the wait still wakes us.
            let mut notified = pin!(self.notify.notified());
            notified.as_mut().enable();
            let pause = {
                let mut s = self.lock();
                let now = Instant::now();
                match s.paused_until {
                    Some(until) if until > now => Some(until),
                    _ => {
                        s.paused_until = None;
                        if s.in_flight < s.limit {
                            s.in_flight += 1;
                            return Ok((Permit(self), paused));
                        }
                        None
                    }
                }
            };
            match pause {
                Some(until) => {
                    let start = Instant::now();
                    sleep_until(until, cancel).await?;
                    paused += start.elapsed();
                }
                None => tokio::select! {
                    _ = notified => {}
                    _ = cancel.cancelled() => return Err(Cancelled),
                },
            }
        }
    }

    /// A response that was not a 429.
    pub fn success(&self) {
        let mut s = self.lock();
        s.successes += 1;
        if s.successes >= s.limit {
            s.successes = 0;
            if s.limit < self.max {
                s.limit += 1;
                tracing::debug!(limit = s.limit, "concurrency grows");
                drop(s);
                self.notify.notify_waiters();
            }
        }
    }

    /// A 429, with its Retry-After if it had one.
    pub fn throttled(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        let now = Instant::now();
        s.successes = 0;
        if s.last_decrease
            .is_none_or(|t| now.duration_since(t) >= DECREASE_GAP)
        {
            s.limit = (s.limit / 2).max(1);
            s.last_decrease = Some(now);
            tracing::debug!(limit = s.limit, "throttled: concurrency halves");
        }
        if let Some(wait) = retry_after {
            let until = now + wait;
            s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn conditional_access_paths() {
        assert!(is_conditional_access(
            "/identity/conditionalAccess/policies"
        ));
        assert!(is_conditional_access(
            "identity/conditionalAccess/namedLocations/abc"
        ));
        assert!(is_conditional_access(
            "/identity/conditionalAccess/policies?$top=5"
        ));
        assert!(is_conditional_access(
            "/identity/conditionalAccess/deletedItems/policies"
        ));
        assert!(!is_conditional_access(
            "/identity/conditionalAccess/policiesX"
        ));
        assert!(!is_conditional_access(
            "/identity/conditionalAccess/authenticationStrength/policies"
        ));
        assert!(!is_conditional_access("/users"));
    }

    #[tokio::test(start_paused = true)]
    async fn pacer_spaces_turns() {
        let pacer = Arc::new(Pacer::new(CA_INTERVAL));
        let cancel = CancellationToken::new();
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let (p, c) = (pacer.clone(), cancel.clone());
            tasks.push(tokio::spawn(async move {
                p.turn(&c).await.unwrap();
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        assert_eq!(times[0], start);
        assert!(times[1] - times[0] >= CA_INTERVAL);
        assert!(times[2] - times[1] >= CA_INTERVAL);
    }

    #[tokio::test]
    async fn limiter_halves_once_per_burst_and_grows_back() {
        let l = Limiter::new(8);
        l.throttled(None);
        l.throttled(None);
        assert_eq!(l.limit(), 4, "one burst, one halving");
        for _ in 0..4 {
            l.success();
        }
        assert_eq!(l.limit(), 5);
        let mut s = l.lock();
        s.last_decrease = None;
        drop(s);
        for _ in 0..5 {
            l.throttled(None);
            l.lock().last_decrease = None;
        }
        assert_eq!(l.limit(), 1, "never below one");
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_blocks_at_the_limit_and_pauses_for_retry_after() {
        let l = Arc::new(Limiter::new(1));
        let cancel = CancellationToken::new();
        let (first, _) = l.acquire(&cancel).await.unwrap();
        let waiter = {
            let (l, c) = (l.clone(), cancel.clone());
            tokio::spawn(async move {
                let start = Instant::now();
                let (_p, paused) = l.acquire(&c).await.unwrap();
                (start.elapsed(), paused)
            })
        };
        tokio::task::yield_now().await;
        l.throttled(Some(Duration::from_secs(2)));
        drop(first);
        let (waited, paused) = waiter.await.unwrap();
        assert!(waited >= Duration::from_secs(2), "{waited:?}");
        assert!(paused >= Duration::from_secs(2));

        cancel.cancel();
        let _held = l.acquire(&CancellationToken::new()).await.unwrap();
        assert!(l.acquire(&cancel).await.is_err());
    }
}
