//! Jobs: an operation running on its own thread, and the exported functions
//! that start, poll, cancel, read and free one.

use std::ffi::{CStr, c_char};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::json;

use crate::context::{Event, JobContext, OperationError};
use crate::operation::{self, Operation, Request};
use crate::panic::panic_message;
use crate::result::entrasnap_result;
use crate::token_refresh::TokenMailbox;

/// A running or finished job. Opaque: only pointers to it cross the ABI.
/// Every function but `entrasnap_job_free` may be called on the same job
/// from several threads.
#[allow(non_camel_case_types)]
pub struct entrasnap_job {
    _private: [u8; 0],
}

struct Job {
    events: Mutex<Receiver<Event>>,
    cancelled: Arc<AtomicBool>,
    /// Where `entrasnap_job_provide_token` leaves the caller's new tokens.
    tokens: Arc<TokenMailbox>,
    /// The result JSON, set once, just before the final event is queued.
    outcome: Arc<OnceLock<String>>,
    worker: Option<JoinHandle<()>>,
}

impl Job {
    fn start(request: &str) -> Result<Self, entrasnap_result> {
        let request = Request::parse(request)?;
        let op = request.op.clone();
        let operation = operation::prepare(request);
        let (events, receiver) = mpsc::channel();
        let cancelled = Arc::new(AtomicBool::new(false));
        let outcome = Arc::new(OnceLock::new());
        let context = JobContext::new(events.clone(), Arc::clone(&cancelled));
        let tokens = Arc::clone(context.tokens());
        let worker = thread::Builder::new()
            .name(format!("entrasnap-job {op}"))
            .spawn({
                let outcome = Arc::clone(&outcome);
                move || run(&op, operation, context, events, &outcome)
            })
            .map_err(|_| entrasnap_result::InternalError)?;
        Ok(Self {
            events: Mutex::new(receiver),
            cancelled,
            tokens,
            outcome,
            worker: Some(worker),
        })
    }

    /// The events queued since the last poll, as a JSON array, waiting up
    /// to `timeout` for the first one. After the final event: `[]` at once.
    /// A page ends the batch, so one poll's answer holds at most one page.
    fn poll(&self, timeout: Duration) -> String {
        let receiver = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let mut batch: Vec<String> = Vec::new();
        let mut next = receiver.recv_timeout(timeout).ok();
        while let Some(event) = next {
            batch.push(event.to_json());
            next = if event.is_page() {
                None
            } else {
                receiver.try_recv().ok()
            };
        }
        format!("[{}]", batch.join(","))
    }

    fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.cancel();
        if let Some(worker) = self.worker.take() {
            // The worker catches the operation's panics; a failed join has
            // nothing left to report.
            let _ = worker.join();
        }
    }
}

/// The job's thread: runs the operation, stores its result, queues the
/// final event.
fn run(
    op: &str,
    operation: Operation,
    context: JobContext,
    events: Sender<Event>,
    outcome: &OnceLock<String>,
) {
    let result = crate::panic::catch(|| operation(&context))
        .unwrap_or_else(|payload| Err(OperationError::panic(op, panic_message(&*payload))));
    let (last, json) = match result {
        Ok(value) => (Event::Done, json!({ "ok": true, "value": value })),
        Err(error) => {
            let last = if error.is_cancelled() {
                Event::Cancelled
            } else {
                Event::Failed
            };
            (last, json!({ "ok": false, "error": error }))
        }
    };
    let _ = outcome.set(json.to_string());
    let _ = events.send(last);
}

/// Borrows the job behind a handle, or returns `NullParameter` from the
/// calling function.
macro_rules! try_job {
    ($job:expr) => {
        // SAFETY: the caller passes NULL or a live handle from
        // `entrasnap_job_start`, which points at a `Job`.
        match unsafe { $job.cast::<Job>().as_ref() } {
            Some(job) => job,
            None => return entrasnap_result::NullParameter,
        }
    };
}

/// Starts the job `request_json` asks for (`{"op": "engine.info"}`). On
/// success `*out_job` is the new job, to be freed with `entrasnap_job_free`.
/// An unknown operation or bad parameters still start a job: it fails, and
/// its result says why.
///
/// Encrypted stores (age, X25519): `snapshot.export` takes `"recipients":
/// ["age1..."]` to encrypt a store at rest; `snapshot.export`,
/// `snapshot.compare`, `snapshot.history`, `snapshot.restore` and
/// `snapshot.verify` take `"identityFile"`, the path of the age identity
/// file that decrypts it (only the path crosses this boundary; the file is
/// read, never copied).
///
/// # Safety
///
/// `request_json` is NULL or a NUL-terminated string; `out_job` is NULL or
/// points to writable memory for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrasnap_job_start(
    request_json: *const c_char,
    out_job: *mut *mut entrasnap_job,
) -> entrasnap_result {
    ffi_panic_boundary! {
        if request_json.is_null() || out_job.is_null() {
            return entrasnap_result::NullParameter;
        }
        // SAFETY: non-NULL and NUL-terminated, as the caller promised.
        let Ok(request) = unsafe { CStr::from_ptr(request_json) }.to_str() else {
            return entrasnap_result::InvalidUtf8;
        };
        crate::give_back_freed_memory();
        match Job::start(request) {
            Ok(job) => {
                // SAFETY: non-NULL and writable, as the caller promised.
                unsafe { out_job.write(Box::into_raw(Box::new(job)).cast()) };
                entrasnap_result::Ok
            }
            Err(result) => result,
        }
    }
}

/// Takes the events queued since the last poll: `*out_events_json` is a
/// JSON array of `{"kind": "progress", "activity", "status", "percent"}`
/// events ending, once, with `{"kind": "done" | "failed" | "cancelled"}`.
/// A job started with `"tokenRefresh": true` also queues
/// `{"kind": "tokenRequest"}` when Graph refuses its token: hand it a new
/// one with `entrasnap_job_provide_token`. A request with `"pageSize"`
/// gets its large list as `{"kind": "page", "name", "items": [...]}`
/// events before the final one; a page ends the array, so one poll hands
/// over at most one page.
/// Waits up to `timeout_ms` for the first event; the array is empty when
/// none came in time, and always empty after the final event.
///
/// # Safety
///
/// `job` is NULL or a live job; `out_events_json` is NULL or points to
/// writable memory for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrasnap_job_poll(
    job: *const entrasnap_job,
    timeout_ms: u32,
    out_events_json: *mut *mut c_char,
) -> entrasnap_result {
    ffi_panic_boundary! {
        let job = try_job!(job);
        if out_events_json.is_null() {
            return entrasnap_result::NullParameter;
        }
        let events = job.poll(Duration::from_millis(u64::from(timeout_ms)));
        // SAFETY: non-NULL and writable, as the caller promised.
        unsafe { out_events_json.write(crate::into_c_string(events)) };
        entrasnap_result::Ok
    }
}

/// Asks the job to stop. The operation stops at its next safe point and the
/// job ends with a `cancelled` event, unless it finished first. Cancelling a
/// finished job does nothing.
///
/// # Safety
///
/// `job` is NULL or a live job.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrasnap_job_cancel(job: *const entrasnap_job) -> entrasnap_result {
    ffi_panic_boundary! {
        try_job!(job).cancel();
        entrasnap_result::Ok
    }
}

/// The result of a finished job: `{"ok": true, "value": ...}` or
/// `{"ok": false, "error": {"code": "EntraSnapshot.X", "message": "..."}}`.
/// Returns `ENTRASNAP_RESULT_JOB_NOT_FINISHED` before the final event. May be
/// called more than once; each call returns a new string.
///
/// # Safety
///
/// `job` is NULL or a live job; `out_result_json` is NULL or points to
/// writable memory for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrasnap_job_result(
    job: *const entrasnap_job,
    out_result_json: *mut *mut c_char,
) -> entrasnap_result {
    ffi_panic_boundary! {
        let job = try_job!(job);
        if out_result_json.is_null() {
            return entrasnap_result::NullParameter;
        }
        let Some(outcome) = job.outcome.get() else {
            return entrasnap_result::JobNotFinished;
        };
        // SAFETY: non-NULL and writable, as the caller promised.
        unsafe { out_result_json.write(crate::into_c_string(outcome.clone())) };
        entrasnap_result::Ok
    }
}

/// Hands a job a fresh bearer token (UTF-8, NUL-terminated) after its
/// `{"kind": "tokenRequest"}` event; the job retries with it. Only for jobs
/// started with `"tokenRefresh": true` and a `token` (else
/// `ENTRASNAP_RESULT_TOKEN_NOT_EXPECTED`); an empty token is
/// `ENTRASNAP_RESULT_EMPTY_TOKEN`. The token never appears in an event, a
/// result or an error. A job whose request waits longer than its
/// `tokenRefreshTimeoutMs` (default 300000) fails with `EntraSnapshot.AuthError`.
///
/// # Safety
///
/// `job` is NULL or a live job; `token_utf8` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrasnap_job_provide_token(
    job: *const entrasnap_job,
    token_utf8: *const c_char,
) -> entrasnap_result {
    ffi_panic_boundary! {
        let job = try_job!(job);
        if token_utf8.is_null() {
            return entrasnap_result::NullParameter;
        }
        // SAFETY: non-NULL and NUL-terminated, as the caller promised.
        let Ok(token) = unsafe { CStr::from_ptr(token_utf8) }.to_str() else {
            return entrasnap_result::InvalidUtf8;
        };
        job.tokens.provide(token)
    }
}

/// Cancels the job if it still runs, waits for its thread to end, and
/// releases it. `NULL` is ignored.
///
/// # Safety
///
/// `job` is NULL or a live job that no other thread is using; it is invalid
/// afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrasnap_job_free(job: *mut entrasnap_job) {
    ffi_panic_boundary! {
        if !job.is_null() {
            // SAFETY: the pointer came from `Box::into_raw` in
            // `entrasnap_job_start` and is not used again.
            drop(unsafe { Box::from_raw(job.cast::<Job>()) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn events_until_last(job: &Job) -> Vec<Value> {
        let mut all = Vec::new();
        for _ in 0..1000 {
            let batch: Vec<Value> =
                serde_json::from_str(&job.poll(Duration::from_secs(5))).unwrap();
            all.extend(batch);
            if all.last().is_some_and(|event| {
                ["done", "failed", "cancelled"].contains(&event["kind"].as_str().unwrap_or(""))
            }) {
                return all;
            }
        }
        panic!("no final event: {all:?}");
    }

    fn outcome(job: &Job) -> Value {
        serde_json::from_str(job.outcome.get().unwrap()).unwrap()
    }

    #[test]
    fn a_poll_hands_over_at_most_one_page() {
        let job = Job::start(r#"{"op":"engine.selftest","events":5,"pageSize":2}"#).unwrap();
        // Let the job queue everything, so the polls below find it all waiting.
        while job.outcome.get().is_none() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut polls = Vec::new();
        loop {
            let batch: Vec<Value> = serde_json::from_str(&job.poll(Duration::ZERO)).unwrap();
            if batch.is_empty() {
                break;
            }
            polls.push(batch);
        }
        let pages: Vec<&Value> = polls
            .iter()
            .flatten()
            .filter(|e| e["kind"] == "page")
            .collect();
        assert_eq!(pages.len(), 3);
        assert_eq!(
            pages[0],
            &json!({"kind": "page", "name": "numbers", "items": [1, 2]})
        );
        assert_eq!(pages[2]["items"], json!([5]));
        for batch in &polls {
            let in_batch = batch.iter().filter(|e| e["kind"] == "page").count();
            assert!(in_batch <= 1, "{batch:?}");
            if in_batch == 1 {
                assert_eq!(
                    batch.last().unwrap()["kind"],
                    "page",
                    "a page ends its poll"
                );
            }
        }
        assert_eq!(
            polls.last().unwrap().last().unwrap(),
            &json!({"kind": "done"})
        );
        assert_eq!(
            outcome(&job),
            json!({ "ok": true, "value": { "events": 5, "pages": 3 } })
        );
    }

    #[test]
    fn a_job_reports_progress_then_done() {
        let job = Job::start(r#"{"op":"engine.selftest","events":5}"#).unwrap();
        let events = events_until_last(&job);
        assert_eq!(events.len(), 6);
        assert_eq!(events[5], json!({ "kind": "done" }));
        assert_eq!(
            outcome(&job),
            json!({ "ok": true, "value": { "events": 5 } })
        );
        assert_eq!(job.poll(Duration::from_secs(5)), "[]");
    }

    #[test]
    fn a_cancelled_job_ends_cancelled() {
        let job = Job::start(r#"{"op":"engine.selftest","events":100000,"delayMs":10}"#).unwrap();
        job.cancel();
        let events = events_until_last(&job);
        assert_eq!(events.last().unwrap(), &json!({ "kind": "cancelled" }));
        assert_eq!(outcome(&job)["error"]["code"], "EntraSnapshot.Cancelled");
    }

    #[test]
    fn a_panic_in_the_job_fails_the_job() {
        let job = Job::start(r#"{"op":"engine.selftest","panic":"job"}"#).unwrap();
        let events = events_until_last(&job);
        assert_eq!(events.last().unwrap(), &json!({ "kind": "failed" }));
        let error = &outcome(&job)["error"];
        assert_eq!(error["code"], "EntraSnapshot.Panic");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("engine.selftest")
        );
    }

    #[test]
    fn a_panic_in_start_is_caught_at_the_boundary() {
        let mut job = std::ptr::null_mut();
        // SAFETY: a NUL-terminated request and a writable out pointer.
        let result = unsafe {
            entrasnap_job_start(
                cr#"{"op":"engine.selftest","panic":"start"}"#.as_ptr(),
                &mut job,
            )
        };
        assert_eq!(result, entrasnap_result::Panic);
        assert!(job.is_null());
    }
}
