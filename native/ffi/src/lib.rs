//! The C ABI of the EntraSnapshot engine: JSON in, JSON out, UTF-8, no callbacks.
//!
//! Long work runs as a job: `entrasnap_job_start` takes a JSON request whose
//! `"op"` names the operation, `entrasnap_job_poll` hands back the progress
//! events queued since the last poll, `entrasnap_job_cancel` asks the
//! operation to stop, `entrasnap_job_result` takes the outcome and
//! `entrasnap_job_free` releases the job. Conventions (after rustls-ffi):
//! every exported function runs inside a panic boundary, output parameters
//! come last and are written only on success, and every string the library
//! returns is released with `entrasnap_string_free`.

use std::ffi::{CString, c_char};

// The engine's own allocator: with glibc's, memory a job freed stayed in
// per-thread arenas of the host process (a pwsh restore of 5,000 users on
// `large` peaked far above its heap); mimalloc gives it back. Only the
// library's allocations use it, and every string it hands out is freed by
// it (entrasnap_string_free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc holds freed memory back for a moment and returns it only when
/// the thread that freed it allocates again; a job's threads end with the
/// job, so a finished job's memory stayed in the host process (a pwsh
/// restore of 5,000 users on `large` held 387 MB after its preview, 209 MB
/// with this, and peaked 416 -> 350 MB). A purge delay of zero returns it as
/// it is freed, at no measurable cost; MIMALLOC_PURGE_DELAY, when set, wins.
pub(crate) fn give_back_freed_memory() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // `mi_option_purge_delay`, 15 in mimalloc's `mi_option_e` (v2 and v3).
            const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
            // SAFETY: an option store, done once, before this library's job threads start.
            unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
        }
    });
}

#[macro_use]
mod panic;

mod audit;
mod compare;
mod context;
mod export;
mod graph_access;
mod history;
mod job;
mod keys;
mod labels;
mod list;
mod operation;
mod records;
mod restore;
mod result;
mod runtime;
mod selftest;
mod store;
mod token_refresh;
mod verify;

pub use context::{JobContext, OperationError, Progress};
pub use job::{
    entrasnap_job, entrasnap_job_cancel, entrasnap_job_free, entrasnap_job_poll,
    entrasnap_job_provide_token, entrasnap_job_result, entrasnap_job_start,
};
pub use operation::OPERATIONS;
pub use result::{entrasnap_result, entrasnap_result_text};

/// The version of this C ABI. It changes whenever a function, a parameter or
/// a meaning changes incompatibly; callers refuse a library whose
/// `entrasnap_abi_version()` differs from the header they were built with.
pub const ENTRASNAP_ABI_VERSION: u32 = 1;

/// The crate version, NUL-terminated for C.
const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
) {
    Ok(version) => version,
    Err(_) => panic!("the crate version contains a NUL byte"),
};

/// The ABI version of the loaded library (`ENTRASNAP_ABI_VERSION` when the
/// header and the library agree).
#[unsafe(no_mangle)]
pub extern "C" fn entrasnap_abi_version() -> u32 {
    ffi_panic_boundary! { ENTRASNAP_ABI_VERSION }
}

/// The library's version, like "0.1.0". A static string: do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn entrasnap_version() -> *const c_char {
    ffi_panic_boundary! { VERSION.as_ptr() }
}

/// Releases a string returned by this library. `NULL` is ignored.
///
/// # Safety
///
/// `text` is `NULL` or a string returned by this library through an output
/// parameter, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entrasnap_string_free(text: *mut c_char) {
    ffi_panic_boundary! {
        if !text.is_null() {
            // SAFETY: the caller hands back a pointer from `into_c_string`.
            drop(unsafe { CString::from_raw(text) });
        }
    }
}

/// Turns JSON text into a string the caller owns and frees with
/// `entrasnap_string_free`.
fn into_c_string(json: String) -> *mut c_char {
    // serde_json escapes U+0000, so JSON text never holds a NUL byte.
    CString::new(json)
        .expect("JSON text holds no NUL byte")
        .into_raw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(entrasnap_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(entrasnap_abi_version(), ENTRASNAP_ABI_VERSION);
    }

    #[test]
    fn freeing_null_is_a_no_op() {
        // SAFETY: NULL is allowed.
        unsafe { entrasnap_string_free(std::ptr::null_mut()) };
    }
}
