//! Graph's throttling, modelled per tenant: a resource-unit token bucket for
//! identity and access reads, a write budget, and Conditional Access's flat
//! 1 request per second that answers 429 without `Retry-After`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::kind::ThrottleClass;

const WINDOW: Duration = Duration::from_secs(10);
const WRITE_WINDOW: Duration = Duration::from_secs(150);
const WRITE_LIMIT: usize = 3000;
const CA_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Throttle {
    capacity: f64,
    tokens: f64,
    refilled: Instant,
    writes: VecDeque<Instant>,
    ca_last: Option<Instant>,
}

#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Admitted; `used` is the share of the bucket in use (for x-ms-throttle-limit-percentage).
    Allow { used: f64 },
    /// 429. `retry_after` is None where Graph sends none (Conditional Access).
    Throttle {
        retry_after: Option<f64>,
        information: &'static str,
    },
}

/// Graph's bucket size per 10 s by tenant size (users).
pub fn capacity_for(users: usize) -> u32 {
    match users {
        0..50 => 3500,
        50..=500 => 5000,
        _ => 8000,
    }
}

impl Throttle {
    pub fn new(capacity: u32) -> Self {
        Throttle {
            capacity: capacity as f64,
            tokens: capacity as f64,
            refilled: Instant::now(),
            writes: VecDeque::new(),
            ca_last: None,
        }
    }

    pub fn check(&mut self, class: ThrottleClass, cost: u32, write: bool, now: Instant) -> Verdict {
        if class == ThrottleClass::ConditionalAccess {
            if self
                .ca_last
                .is_some_and(|last| now.duration_since(last) < CA_INTERVAL)
            {
                return Verdict::Throttle {
                    retry_after: None,
                    information: "ConditionalAccessRequestLimitExceeded",
                };
            }
            self.ca_last = Some(now);
            return Verdict::Allow { used: 0.0 };
        }
        let rate = self.capacity / WINDOW.as_secs_f64();
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(self.capacity);
        self.refilled = now;
        if write {
            while self
                .writes
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WRITE_WINDOW)
            {
                self.writes.pop_front();
            }
            if self.writes.len() >= WRITE_LIMIT {
                let oldest = *self.writes.front().expect("non-empty at the limit");
                let wait = WRITE_WINDOW
                    .saturating_sub(now.duration_since(oldest))
                    .as_secs_f64();
                return Verdict::Throttle {
                    retry_after: Some(wait.max(0.001)),
                    information: "WriteLimitExceeded",
                };
            }
        }
        let cost = cost as f64;
        if self.tokens < cost {
            let wait = (cost - self.tokens) / rate;
            return Verdict::Throttle {
                retry_after: Some(wait.max(0.001)),
                information: "ResourceUnitLimitExceeded",
            };
        }
        self.tokens -= cost;
        if write {
            self.writes.push_back(now);
        }
        Verdict::Allow {
            used: 1.0 - self.tokens / self.capacity,
        }
    }
}

/// Graph's documented resource-unit cost adjustments.
pub fn adjust_cost(base: u32, select: bool, expand: bool, top: Option<usize>) -> u32 {
    let mut cost = base as i64;
    if select {
        cost -= 1;
    }
    if expand {
        cost += 1;
    }
    if top.is_some_and(|t| t < 20) {
        cost -= 1;
    }
    cost.max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_access_is_one_per_second_without_retry_after() {
        let mut t = Throttle::new(3500);
        let now = Instant::now();
        assert_eq!(
            t.check(ThrottleClass::ConditionalAccess, 1, false, now),
            Verdict::Allow { used: 0.0 }
        );
        assert!(matches!(
            t.check(
                ThrottleClass::ConditionalAccess,
                1,
                false,
                now + Duration::from_millis(500)
            ),
            Verdict::Throttle {
                retry_after: None,
                ..
            }
        ));
        assert!(matches!(
            t.check(
                ThrottleClass::ConditionalAccess,
                1,
                false,
                now + Duration::from_millis(1001)
            ),
            Verdict::Allow { .. }
        ));
    }

    #[test]
    fn bucket_empties_and_refills_with_a_fractional_retry_after() {
        let mut t = Throttle::new(10);
        let now = Instant::now();
        for _ in 0..5 {
            assert!(matches!(
                t.check(ThrottleClass::Directory, 2, false, now),
                Verdict::Allow { .. }
            ));
        }
        let Verdict::Throttle {
            retry_after: Some(wait),
            ..
        } = t.check(ThrottleClass::Directory, 2, false, now)
        else {
            panic!("expected a 429")
        };
        assert!((wait - 2.0).abs() < 0.01, "2 RU at 1 RU/s: {wait}");
        assert!(matches!(
            t.check(
                ThrottleClass::Directory,
                2,
                false,
                now + Duration::from_secs(2)
            ),
            Verdict::Allow { .. }
        ));
        assert_eq!(adjust_cost(2, true, false, None), 1);
        assert_eq!(adjust_cost(1, true, false, Some(5)), 1);
        assert_eq!(adjust_cost(3, false, true, None), 4);
    }
}
