//! Result codes of the exported functions.

use std::ffi::{CStr, c_char};

/// What an exported function reports. Codes are stable: they are grouped in
/// ranges (1xx: the caller passed something wrong; 2xx: the job is not in a
/// state that allows the call; 9xx: an internal error in the library), and a
/// retired code is never reused for another meaning.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum entrasnap_result {
    /// The call succeeded; output parameters are written.
    Ok = 0,
    /// A pointer parameter was NULL.
    NullParameter = 100,
    /// A string parameter was not valid UTF-8.
    InvalidUtf8 = 101,
    /// The request was not valid JSON.
    InvalidJson = 102,
    /// The request was JSON but not an object with a string "op".
    InvalidRequest = 103,
    /// A token handed to `entrasnap_job_provide_token` was empty.
    EmptyToken = 104,
    /// The job has not finished yet: poll until its final event.
    JobNotFinished = 200,
    /// The job takes no token from `entrasnap_job_provide_token`: its
    /// request did not ask for `"tokenRefresh": true` with a `token`.
    TokenNotExpected = 201,
    /// The library panicked; the call had no effect. Please report it.
    Panic = 900,
    /// The library could not do what was asked for a reason outside the
    /// caller's control (for example, no thread could be started).
    InternalError = 901,
}

/// Every code, to look one up by number.
const ALL: [entrasnap_result; 10] = [
    entrasnap_result::Ok,
    entrasnap_result::NullParameter,
    entrasnap_result::InvalidUtf8,
    entrasnap_result::InvalidJson,
    entrasnap_result::InvalidRequest,
    entrasnap_result::EmptyToken,
    entrasnap_result::JobNotFinished,
    entrasnap_result::TokenNotExpected,
    entrasnap_result::Panic,
    entrasnap_result::InternalError,
];

impl entrasnap_result {
    /// A one-line description of the code, for error messages.
    pub fn text(self) -> &'static CStr {
        match self {
            Self::Ok => c"success",
            Self::NullParameter => c"a pointer parameter was NULL",
            Self::InvalidUtf8 => c"a string parameter was not valid UTF-8",
            Self::InvalidJson => c"the request was not valid JSON",
            Self::InvalidRequest => c"the request was not a JSON object with a string \"op\"",
            Self::EmptyToken => c"the token was empty",
            Self::JobNotFinished => c"the job has not finished yet",
            Self::TokenNotExpected => {
                c"the job did not ask for tokens: start it with \"tokenRefresh\": true and a token"
            }
            Self::Panic => c"internal error: the library panicked",
            Self::InternalError => c"internal error in the library",
        }
    }

    fn from_code(code: u32) -> Option<Self> {
        ALL.into_iter().find(|result| *result as u32 == code)
    }
}

/// A static, one-line description of a result code (also for codes this
/// library does not know). Do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn entrasnap_result_text(result: u32) -> *const c_char {
    ffi_panic_boundary! {
        match entrasnap_result::from_code(result) {
            Some(known) => known.text().as_ptr(),
            None => c"unknown result code".as_ptr(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_text() {
        let mut texts: Vec<_> = ALL.iter().map(|r| r.text()).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), ALL.len());
    }

    #[test]
    fn an_unknown_code_has_a_text() {
        // SAFETY: a static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(entrasnap_result_text(12345)) };
        assert_eq!(text, c"unknown result code");
    }
}
