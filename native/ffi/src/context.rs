//! What an engine operation gets from the job that runs it: a sink for
//! progress and a cancellation flag, and the error it fails with.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::token_refresh::TokenMailbox;

/// One step of progress, shown to the user (the module turns it into
/// `Write-Progress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// What is being done overall, like "Exporting conditionalAccessPolicy".
    pub activity: String,
    /// The current step, like "42 of 117 objects".
    pub status: String,
    /// Percent complete, 0 to 100, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<u8>,
}

/// An event of a job, as the caller sees it in `entrasnap_job_poll`. The last
/// event of every job is exactly one of `Done`, `Failed` or `Cancelled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub(crate) enum Event {
    Progress(Progress),
    /// Part of a large result, sent before `Done` instead of inside the
    /// result (see [`JobContext::page`]). Written by [`Event::to_json`]:
    /// its items are JSON text already.
    #[serde(skip)]
    Page(Page),
    /// Graph refused the caller's token: hand a new one to
    /// `entrasnap_job_provide_token` (only for requests with `tokenRefresh`).
    TokenRequest,
    Done,
    Failed,
    Cancelled,
}

/// Up to a page size of a result's records, as a JSON array's text: the
/// caller parses one bounded string per page instead of one for the whole
/// result (Windows PowerShell's ConvertFrom-Json is reported to stop at
/// 2,097,152 characters), and a page takes less memory queued than its
/// records as values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// Which list of the result this continues, like `changes`.
    pub(crate) name: &'static str,
    /// The records, as a JSON array.
    pub(crate) items: String,
}

impl Event {
    /// The event as the caller reads it: `{"kind": "page", "name", "items":
    /// [...]}` for a page, the serde form for the rest.
    pub(crate) fn to_json(&self) -> String {
        match self {
            Event::Page(page) => format!(
                r#"{{"kind":"page","name":{},"items":{}}}"#,
                Value::from(page.name),
                page.items
            ),
            other => serde_json::to_string(other).expect("events serialize"),
        }
    }

    pub(crate) fn is_page(&self) -> bool {
        matches!(self, Event::Page(_))
    }
}

/// The handle an operation uses to talk to the job running it: it reports
/// progress and checks, at points where stopping is safe, whether the caller
/// cancelled. Cloning it is cheap; clones share the same job.
#[derive(Debug, Clone)]
pub struct JobContext {
    events: Sender<Event>,
    cancelled: Arc<AtomicBool>,
    tokens: Arc<TokenMailbox>,
}

impl JobContext {
    pub(crate) fn new(events: Sender<Event>, cancelled: Arc<AtomicBool>) -> Self {
        Self {
            events,
            cancelled,
            tokens: Arc::default(),
        }
    }

    /// Where the caller's new tokens arrive for this job.
    pub(crate) fn tokens(&self) -> &Arc<TokenMailbox> {
        &self.tokens
    }

    /// Queues a `tokenRequest` event: the caller should provide a new token.
    pub(crate) fn request_token(&self) {
        let _ = self.events.send(Event::TokenRequest);
    }

    /// Queues a progress event for the caller's next poll.
    pub fn progress(&self, progress: Progress) {
        // The receiver lives as long as the job; a failed send means the job
        // is being freed and nobody will read the event.
        let _ = self.events.send(Event::Progress(progress));
    }

    /// Queues `records` as pages of at most `size` records each, named
    /// `name`, for the caller's next polls (each poll hands over at most one
    /// page). Returns how many pages were queued.
    pub(crate) fn page<T: Serialize>(
        &self,
        name: &'static str,
        records: &[T],
        size: usize,
    ) -> Result<usize, OperationError> {
        let mut pages = 0;
        for chunk in records.chunks(size.max(1)) {
            self.check_cancelled()?;
            let items = serde_json::to_string(chunk).map_err(|e| {
                OperationError::new("InternalError", &format!("a page of {name}: {e}"))
            })?;
            let _ = self.events.send(Event::Page(Page { name, items }));
            pages += 1;
        }
        Ok(pages)
    }

    /// Whether the caller asked the job to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// `Err(OperationError::cancelled())` once the caller asked the job to
    /// stop, so an operation can write `context.check_cancelled()?`.
    pub fn check_cancelled(&self) -> Result<(), OperationError> {
        if self.is_cancelled() {
            Err(OperationError::cancelled())
        } else {
            Ok(())
        }
    }

    /// Waits for `duration` (a delay between steps, a `Retry-After`), ending
    /// early with the cancellation error when the caller cancels.
    pub fn sleep(&self, duration: Duration) -> Result<(), OperationError> {
        const SLICE: Duration = Duration::from_millis(10);
        let deadline = Instant::now() + duration;
        loop {
            self.check_cancelled()?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(SLICE));
        }
    }
}

/// Why an operation failed: a stable code (`EntraSnapshot.Cancelled`) that
/// scripts and the module's error records use as their id, and a one-line
/// message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationError {
    code: String,
    message: String,
}

impl OperationError {
    /// An error with code `EntraSnapshot.<name>`; line breaks in `message`
    /// are folded so the message stays one line.
    pub fn new(name: &str, message: &str) -> Self {
        Self {
            code: format!("EntraSnapshot.{name}"),
            message: one_line(message),
        }
    }

    /// The caller cancelled the job.
    pub fn cancelled() -> Self {
        Self::new("Cancelled", "the operation was cancelled")
    }

    /// The request named an operation this library does not have.
    pub fn unknown_operation(op: &str) -> Self {
        Self::new(
            "UnknownOperation",
            &format!(
                "unknown operation '{op}' (this library has: {})",
                crate::OPERATIONS.join(", ")
            ),
        )
    }

    /// The request's parameters do not fit the operation.
    pub fn invalid_argument(message: &str) -> Self {
        Self::new("InvalidArgument", message)
    }

    /// The snapshot store could not be opened, read or written.
    pub fn store(message: &str) -> Self {
        Self::new("StoreError", message)
    }

    /// Microsoft Graph failed or answered something unusable.
    pub fn graph(message: &str) -> Self {
        Self::new("GraphError", message)
    }

    /// No token could be had, Graph refused it, or it lacks a permission.
    pub fn auth(message: &str) -> Self {
        Self::new("AuthError", message)
    }

    /// An error of the snapshot store: a malformed argument (a snapshot id,
    /// a type name) stays an argument error, anything else is the store's.
    pub fn from_store(error: &entrasnap_core::Error) -> Self {
        match error.kind() {
            entrasnap_core::ErrorKind::InvalidArgument => Self::invalid_argument(error.message()),
            _ => Self::store(error.message()),
        }
    }

    /// An error of the Graph client, by what the user can do about it.
    pub fn from_graph(error: &entrasnap_graph::Error) -> Self {
        use entrasnap_graph::ErrorKind;
        let message = error.to_string();
        match error.kind() {
            ErrorKind::Cancelled => Self::cancelled(),
            ErrorKind::Auth { .. } | ErrorKind::Forbidden { .. } => Self::auth(&message),
            ErrorKind::InvalidRequest { .. } if error.path().is_none() => {
                Self::invalid_argument(&message)
            }
            _ => Self::graph(&message),
        }
    }

    /// The same error with every whole occurrence of each of `secrets`
    /// replaced, so a token echoed by a server or a library never reaches
    /// the caller (and "export" stays "export" for the token `t`).
    pub fn redact(self, secrets: &[String]) -> Self {
        Self {
            message: entrasnap_graph::redact(&self.message, secrets.iter().map(String::as_str)),
            ..self
        }
    }

    /// The operation panicked: a bug in the library.
    pub fn panic(op: &str, payload: &str) -> Self {
        Self::new(
            "Panic",
            &format!("internal error: operation '{op}' panicked: {payload}"),
        )
    }

    /// The stable code, like `EntraSnapshot.Cancelled`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.code == "EntraSnapshot.Cancelled"
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The largest page a caller may ask for: a page must stay one modest
/// string (a change record is about half a kilobyte, a restore step less).
pub(crate) const MAX_PAGE_SIZE: usize = 10_000;

/// A request's `pageSize`, if given, is 1 to [`MAX_PAGE_SIZE`].
pub(crate) fn check_page_size(op: &str, size: Option<usize>) -> Result<(), OperationError> {
    if size.is_some_and(|n| n == 0 || n > MAX_PAGE_SIZE) {
        return Err(OperationError::invalid_argument(&format!(
            "{op}: pageSize must be 1 to {MAX_PAGE_SIZE}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn messages_are_one_line() {
        let error = OperationError::new("X", "first\nsecond\r\n  third");
        assert_eq!(error.message(), "first second third");
        assert_eq!(error.code(), "EntraSnapshot.X");
    }

    #[test]
    fn events_serialize_with_their_kind() {
        let progress = Event::Progress(Progress {
            activity: "a".into(),
            status: "s".into(),
            percent: Some(50),
        });
        assert_eq!(
            serde_json::to_string(&progress).unwrap(),
            r#"{"kind":"progress","activity":"a","status":"s","percent":50}"#
        );
        assert_eq!(
            serde_json::to_string(&Event::Done).unwrap(),
            r#"{"kind":"done"}"#
        );
        assert_eq!(
            serde_json::to_string(&Event::TokenRequest).unwrap(),
            r#"{"kind":"tokenRequest"}"#
        );
        let page = Event::Page(Page {
            name: "changes",
            items: r#"[{"A":1},{"A":2}]"#.into(),
        });
        assert_eq!(
            page.to_json(),
            r#"{"kind":"page","name":"changes","items":[{"A":1},{"A":2}]}"#
        );
        assert_eq!(Event::Done.to_json(), r#"{"kind":"done"}"#);
    }

    #[test]
    fn records_are_queued_in_pages_of_the_size_asked() {
        let (events, receiver) = mpsc::channel();
        let context = JobContext::new(events, Arc::new(AtomicBool::new(false)));
        let records: Vec<u32> = (1..=5).collect();
        assert_eq!(context.page("numbers", &records, 2), Ok(3));
        let pages: Vec<String> = receiver
            .try_iter()
            .map(|e| match e {
                Event::Page(p) => p.items,
                other => panic!("not a page: {other:?}"),
            })
            .collect();
        assert_eq!(pages, ["[1,2]", "[3,4]", "[5]"]);
        assert_eq!(context.page("numbers", &[] as &[u32], 2), Ok(0));
    }

    #[test]
    fn redaction_takes_out_tokens_not_letters() {
        let jwt = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln";
        let error = OperationError::graph(&format!(
            "export failed: could not reach Graph; it said: invalid token {jwt}"
        ));
        let secrets = ["t".to_owned(), "any".to_owned(), jwt.to_owned()];
        assert_eq!(
            error.redact(&secrets).message(),
            "export failed: could not reach Graph; it said: invalid token <redacted>"
        );
        let error = OperationError::auth("any: Graph refused the token any company would use");
        assert_eq!(
            error.redact(&secrets).message(),
            "<redacted>: Graph refused the token <redacted> company would use"
        );
    }

    #[test]
    fn sleep_ends_early_when_cancelled() {
        let (events, _receiver) = mpsc::channel();
        let cancelled = Arc::new(AtomicBool::new(true));
        let context = JobContext::new(events, cancelled);
        let started = Instant::now();
        assert_eq!(
            context.sleep(Duration::from_secs(60)),
            Err(OperationError::cancelled())
        );
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}
