//! When to try again, and how long to wait first.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;

/// Longest backoff step: Graph's throttling windows are 10 s to 2.5 min,
/// waiting longer than this between tries only slows recovery.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A Retry-After beyond this is treated as this (a misbehaving proxy must not park an export for hours).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Retry-After in seconds: whole seconds as HTTP and Graph send it, decimals
/// (reported inside `$batch` sub-responses) accepted too.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?;
    retry_after_value(v)
}

pub fn retry_after_value(v: &str) -> Option<Duration> {
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
}

/// Exponential backoff with jitter: `base * 2^attempt`, capped, then a
/// random point in its upper half, so tasks that failed together do not
/// come back together.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let step = base
        .saturating_mul(1u32 << attempt.min(16))
        .min(MAX_BACKOFF);
    step / 2 + step.mul_f64(fastrand::f64() / 2.0)
}

/// 5xx answers that mean "try again": the service or a gateway had a moment.
pub fn is_transient(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

/// Methods that may be repeated after an unclear failure. A POST is not:
/// a 504 or a dropped connection can come after Graph applied the write, and
/// repeating it would create a second object or add a member twice. (A 429
/// is different: Graph did nothing, so every method is retried on 429.)
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::PATCH | Method::DELETE | Method::OPTIONS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractional_retry_after() {
        assert_eq!(
            retry_after_value("2.128"),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(retry_after_value(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(retry_after_value("86400"), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after_value("-1"), None);
        assert_eq!(retry_after_value("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let base = Duration::from_millis(100);
        for attempt in 0..6 {
            let step = base * (1 << attempt);
            let d = backoff(base, attempt);
            assert!(d >= step / 2 && d <= step, "{attempt}: {d:?}");
        }
        assert!(backoff(base, 40) <= MAX_BACKOFF);
    }

    #[test]
    fn post_is_not_idempotent() {
        assert!(is_idempotent(&Method::PATCH));
        assert!(is_idempotent(&Method::DELETE));
        assert!(!is_idempotent(&Method::POST));
    }
}
