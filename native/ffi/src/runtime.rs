//! Async engine work on a job's thread: a tokio runtime per job, and the
//! bridge from the job's cancel flag to the engine's `CancellationToken`.

use std::future::Future;
use std::time::Duration;

use entrasnap_graph::CancellationToken;

use crate::context::{JobContext, OperationError};

/// How often the watcher looks at the job's cancel flag.
const CANCEL_CHECK: Duration = Duration::from_millis(20);

/// How long a finished job waits for stray engine tasks before it moves on.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Runs `work` to completion on a runtime of its own (two workers, so the
/// engine's concurrent reads overlap) while a watcher turns the caller's
/// `entrasnap_job_cancel` into `cancel.cancel()`.
pub(crate) fn block_on<F: Future>(
    context: &JobContext,
    cancel: &CancellationToken,
    work: F,
) -> Result<F::Output, OperationError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("entrasnap-engine")
        .enable_all()
        .build()
        .map_err(|e| {
            OperationError::new(
                "RuntimeError",
                &format!("cannot start the engine's runtime: {e}"),
            )
        })?;
    let watcher = runtime.spawn(watch(context.clone(), cancel.clone()));
    let output = runtime.block_on(work);
    watcher.abort();
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    Ok(output)
}

async fn watch(context: JobContext, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(CANCEL_CHECK);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        if context.is_cancelled() {
            cancel.cancel();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::time::Instant;

    #[test]
    fn cancelling_the_job_cancels_the_token_promptly() {
        let (events, _receiver) = mpsc::channel();
        let flag = Arc::new(AtomicBool::new(false));
        let context = JobContext::new(events, Arc::clone(&flag));
        let cancel = CancellationToken::new();
        let started = Instant::now();
        let setter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            flag.store(true, Ordering::Release);
        });
        let waited = block_on(&context, &cancel, {
            let cancel = cancel.clone();
            async move {
                tokio::select! {
                    () = cancel.cancelled() => true,
                    () = tokio::time::sleep(Duration::from_secs(30)) => false,
                }
            }
        })
        .unwrap();
        setter.join().unwrap();
        assert!(waited, "the token was not cancelled");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
