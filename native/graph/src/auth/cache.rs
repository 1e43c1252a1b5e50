//! Keeping a token until near its expiry, with a deadline on every fetch.

use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Mutex;

use super::{AccessToken, TokenFuture, TokenSource};
use crate::error::Error;

/// Renew this long before a token's stated expiry, as the Azure SDKs do, so
/// a request never leaves with a token that dies on the way; a token that
/// lives less than twice as long is renewed halfway through its life
/// instead (else it would be fetched again for every request).
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

/// How long before its expiry `token`, just fetched, is renewed.
fn margin(token: &AccessToken) -> Duration {
    token
        .expires_on()
        .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default())
        .map_or(EXPIRY_MARGIN, |left| EXPIRY_MARGIN.min(left / 2))
}

/// Wraps a source: hands out the cached token until near expiry, and puts a
/// timeout around every fetch (azure_identity calls that cannot reach their
/// endpoint may hang, and a hung export helps nobody).
pub struct Cached<S> {
    inner: S,
    timeout: Duration,
    slot: Mutex<Option<(AccessToken, Instant, Duration)>>,
}

impl<S: TokenSource> Cached<S> {
    pub fn new(inner: S, timeout: Duration) -> Self {
        Cached {
            inner,
            timeout,
            slot: Mutex::new(None),
        }
    }
}

impl<S: TokenSource> TokenSource for Cached<S> {
    fn token(&self, refresh: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            let asked = Instant::now();
            // One fetch at a time: tasks that hit the same 401 together queue
            // here and take the token the first of them fetched.
            let mut slot = self.slot.lock().await;
            if let Some((token, fetched, margin)) = slot.as_ref() {
                let renewed_meanwhile = *fetched >= asked;
                if (!refresh || renewed_meanwhile) && !token.expires_within(*margin) {
                    return Ok(token.clone());
                }
            }
            tracing::debug!(source = self.inner.describe(), refresh, "fetching a token");
            let token = tokio::time::timeout(self.timeout, self.inner.token(refresh))
                .await
                .map_err(|_| {
                    Error::auth(format!(
                        "{} gave no token within {:?}",
                        self.inner.describe(),
                        self.timeout
                    ))
                })??;
            *slot = Some((token.clone(), Instant::now(), margin(&token)));
            Ok(token)
        })
    }

    fn describe(&self) -> &str {
        self.inner.describe()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counting(AtomicUsize, Duration);

    impl TokenSource for Counting {
        fn token(&self, _refresh: bool) -> TokenFuture<'_> {
            Box::pin(async move {
                tokio::time::sleep(self.1).await;
                let n = self.0.fetch_add(1, Ordering::SeqCst);
                Ok(AccessToken::new(format!("t{n}"), None))
            })
        }

        fn describe(&self) -> &str {
            "counting"
        }
    }

    #[tokio::test]
    async fn caches_until_refresh_and_shares_a_refresh() {
        let c = std::sync::Arc::new(Cached::new(
            Counting(AtomicUsize::new(0), Duration::from_millis(20)),
            Duration::from_secs(5),
        ));
        assert_eq!(c.token(false).await.unwrap().secret().expose(), "t0");
        assert_eq!(c.token(false).await.unwrap().secret().expose(), "t0");
        let (a, b) = tokio::join!(c.token(true), c.token(true));
        assert_eq!(a.unwrap().secret().expose(), "t1");
        assert_eq!(b.unwrap().secret().expose(), "t1");
        assert_eq!(c.inner.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn short_lived_tokens_are_renewed_halfway() {
        let in_secs = |s| AccessToken::new("x", Some(SystemTime::now() + Duration::from_secs(s)));
        assert_eq!(margin(&AccessToken::new("x", None)), EXPIRY_MARGIN);
        assert_eq!(margin(&in_secs(3600)), EXPIRY_MARGIN);
        let short = margin(&in_secs(60));
        assert!(
            short <= Duration::from_secs(30) && short > Duration::from_secs(25),
            "{short:?}"
        );
    }

    #[tokio::test]
    async fn a_hung_source_times_out() {
        let c = Cached::new(
            Counting(AtomicUsize::new(0), Duration::from_secs(30)),
            Duration::from_millis(50),
        );
        let e = c.token(false).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "authentication failed: counting gave no token within 50ms"
        );
    }
}
