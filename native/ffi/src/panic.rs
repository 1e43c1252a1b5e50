//! The panic boundary around every exported function.
//!
//! A panic that reaches an `extern "C"` frame aborts the process, which
//! would take the user's PowerShell session with it; instead the function
//! returns a value that says "internal error".
//!
//! A library must not write to its host's console either: Rust's default
//! panic hook prints the message (and, with RUST_BACKTRACE, a backtrace) on
//! stderr, which lands in the admin's PowerShell window. The message already
//! reaches the caller as the job's error, so panics inside the library are
//! kept quiet; any other panic of the process goes to the hook it had.

use std::cell::Cell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use crate::result::entrasnap_result;

/// What an exported function returns when its body panicked.
pub(crate) trait PanicValue {
    fn panic_value() -> Self;
}

impl PanicValue for entrasnap_result {
    fn panic_value() -> Self {
        entrasnap_result::Panic
    }
}

impl PanicValue for u32 {
    fn panic_value() -> Self {
        0
    }
}

impl PanicValue for *const c_char {
    fn panic_value() -> Self {
        std::ptr::null()
    }
}

impl PanicValue for () {
    fn panic_value() -> Self {}
}

/// Runs `body`, turning a panic into `T::panic_value()`.
pub(crate) fn boundary<T: PanicValue>(body: impl FnOnce() -> T) -> T {
    catch(body).unwrap_or_else(|_| T::panic_value())
}

/// The prefix of the names of the library's own threads (jobs, engine
/// runtimes): a panic there is always caught and reported to the caller.
pub(crate) const THREAD_PREFIX: &str = "entrasnap-";

thread_local! {
    /// How many panic boundaries the current thread is inside.
    static INSIDE: Cell<u32> = const { Cell::new(0) };
}

/// `catch_unwind` that keeps the panic off the console (see the module doc).
pub(crate) fn catch<T>(body: impl FnOnce() -> T) -> std::thread::Result<T> {
    install_quiet_hook();
    INSIDE.with(|depth| depth.set(depth.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(body));
    INSIDE.with(|depth| depth.set(depth.get() - 1));
    result
}

fn install_quiet_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = INSIDE.with(Cell::get) > 0
                || std::thread::current()
                    .name()
                    .is_some_and(|name| name.starts_with(THREAD_PREFIX));
            if !ours {
                previous(info);
            }
        }));
    });
}

/// Wraps the body of an exported function in the panic boundary. A `return`
/// inside the body returns from the exported function.
macro_rules! ffi_panic_boundary {
    ( $($body:tt)* ) => {
        $crate::panic::boundary(move || { $($body)* })
    };
}

/// The text of a panic payload, for the error a caller sees.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "a panic without a message"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_panic_value() {
        let result: entrasnap_result = ffi_panic_boundary! { panic!("boom") };
        assert_eq!(result, entrasnap_result::Panic);
        let text: *const c_char = ffi_panic_boundary! { panic!("boom") };
        assert!(text.is_null());
    }

    #[test]
    fn an_early_return_leaves_the_body() {
        let result: entrasnap_result = ffi_panic_boundary! {
            if true {
                return entrasnap_result::NullParameter;
            }
            entrasnap_result::Ok
        };
        assert_eq!(result, entrasnap_result::NullParameter);
    }
}
