//! Fresh tokens from the caller during a job. A Connect-MgGraph token lives
//! about an hour and only PowerShell can renew it, and the library never
//! calls into its caller; so a job that opted in (`"tokenRefresh": true`)
//! queues a `{"kind":"tokenRequest"}` event when Graph refuses the token,
//! and waits until the caller hands a new one to
//! `entrasnap_job_provide_token`, the job is cancelled, or the wait times out.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use entrasnap_graph::auth::TokenFuture;
use entrasnap_graph::{AccessToken, CancellationToken, Error, ErrorKind, TokenSource};
use tokio::sync::Notify;

use crate::context::JobContext;
use crate::result::entrasnap_result;

/// How long a job waits for the caller's new token when the request names no
/// `tokenRefreshTimeoutMs`: long enough for an interactive sign-in.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Where the caller's new tokens arrive. One per job.
#[derive(Default)]
pub(crate) struct TokenMailbox {
    /// Set once an operation of the job signs in with `tokenRefresh`.
    expecting: AtomicBool,
    /// A token handed over and not yet taken.
    delivered: Mutex<Option<String>>,
    arrived: Notify,
    /// The token in use: the request's, then each one handed over (a later
    /// client of the same job starts with the newest).
    current: Mutex<Option<String>>,
    /// Every token handed over, to take out of any message.
    seen: Mutex<Vec<String>>,
}

impl std::fmt::Debug for TokenMailbox {
    /// Never the tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenMailbox")
            .field("expecting", &self.expecting.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TokenMailbox {
    /// The caller's new token (`entrasnap_job_provide_token`).
    pub(crate) fn provide(&self, token: &str) -> entrasnap_result {
        let token = token.trim();
        if token.is_empty() {
            return entrasnap_result::EmptyToken;
        }
        if !self.expecting.load(Ordering::Acquire) {
            return entrasnap_result::TokenNotExpected;
        }
        lock(&self.seen).push(token.to_owned());
        *lock(&self.delivered) = Some(token.to_owned());
        // A stored permit wakes the next wait even if none is waiting yet.
        self.arrived.notify_one();
        entrasnap_result::Ok
    }

    /// Every token the caller handed over so far.
    pub(crate) fn seen(&self) -> Vec<String> {
        lock(&self.seen).clone()
    }

    /// Waits for a delivered token, until `timeout` or `cancel`.
    async fn wait(&self, timeout: Duration, cancel: &CancellationToken) -> Option<String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(token) = lock(&self.delivered).take() {
                return Some(token);
            }
            tokio::select! {
                () = self.arrived.notified() => {}
                () = cancel.cancelled() => return None,
                () = tokio::time::sleep_until(deadline) => return lock(&self.delivered).take(),
            }
        }
    }
}

/// The caller's token, renewed by asking the caller.
pub(crate) struct CallerToken {
    context: JobContext,
    timeout: Duration,
    cancel: CancellationToken,
}

impl CallerToken {
    pub(crate) fn new(
        initial: &str,
        context: &JobContext,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Self {
        let mailbox = context.tokens();
        mailbox.expecting.store(true, Ordering::Release);
        lock(&mailbox.current).get_or_insert_with(|| initial.to_owned());
        CallerToken {
            context: context.clone(),
            timeout,
            cancel: cancel.clone(),
        }
    }

    fn current(&self) -> AccessToken {
        let token = lock(&self.context.tokens().current)
            .clone()
            .unwrap_or_default();
        AccessToken::new(token, None)
    }

    async fn renew(&self) -> Result<AccessToken, Error> {
        self.context.request_token();
        let mailbox = self.context.tokens();
        match mailbox.wait(self.timeout, &self.cancel).await {
            Some(token) => {
                *lock(&mailbox.current) = Some(token.clone());
                Ok(AccessToken::new(token, None))
            }
            None if self.cancel.is_cancelled() => Err(Error::new(ErrorKind::Cancelled)),
            None => Err(Error::new(ErrorKind::Auth {
                message: format!(
                    "Graph refused the caller's token and no new one came within {:?} of the tokenRequest event (hand one to entrasnap_job_provide_token)",
                    self.timeout
                ),
            })),
        }
    }
}

impl TokenSource for CallerToken {
    fn token(&self, refresh: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            if refresh {
                self.renew().await
            } else {
                Ok(self.current())
            }
        })
    }

    fn describe(&self) -> &str {
        "the caller"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;

    use super::*;
    use crate::context::Event;

    fn context() -> (JobContext, mpsc::Receiver<Event>) {
        let (events, receiver) = mpsc::channel();
        (
            JobContext::new(events, Arc::new(AtomicBool::new(false))),
            receiver,
        )
    }

    #[tokio::test]
    async fn a_refresh_asks_the_caller_and_takes_its_token() {
        let (context, events) = context();
        assert_eq!(
            context.tokens().provide("early"),
            entrasnap_result::TokenNotExpected
        );
        let cancel = CancellationToken::new();
        let source = CallerToken::new("first", &context, Duration::from_secs(30), &cancel);
        assert_eq!(
            source.token(false).await.unwrap().secret().expose(),
            "first"
        );
        let mailbox = Arc::clone(context.tokens());
        let caller = std::thread::spawn(move || {
            // The caller answers the event it polled.
            assert!(matches!(events.recv().unwrap(), Event::TokenRequest));
            assert_eq!(mailbox.provide("  "), entrasnap_result::EmptyToken);
            assert_eq!(mailbox.provide("second"), entrasnap_result::Ok);
        });
        assert_eq!(
            source.token(true).await.unwrap().secret().expose(),
            "second"
        );
        caller.join().unwrap();
        assert_eq!(
            source.token(false).await.unwrap().secret().expose(),
            "second"
        );
        assert_eq!(context.tokens().seen(), ["second"]);
    }

    #[tokio::test]
    async fn the_wait_ends_on_cancel_or_timeout() {
        let (context, _events) = context();
        let cancel = CancellationToken::new();
        let source = CallerToken::new("t", &context, Duration::from_millis(50), &cancel);
        let e = source.token(true).await.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Auth { .. }), "{e}");
        assert!(e.to_string().contains("within 50ms"), "{e}");
        let source = CallerToken::new("t", &context, Duration::from_secs(600), &cancel);
        cancel.cancel();
        let e = source.token(true).await.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Cancelled), "{e}");
    }
}
