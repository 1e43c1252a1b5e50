//! The crate's error: what went wrong, and on which request.
//!
//! Messages name the method and the path (never the query string, which can
//! hold `$skiptoken`/`$deltatoken` state, and never a token) so they can go
//! to logs, progress events and the PowerShell host as they are.

use std::fmt;

/// A failed Graph request or token acquisition.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    method: Option<String>,
    path: Option<String>,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Graph kept answering 429 until the retry budget ran out.
    Throttled { retries: u32 },
    /// 403: the token lacks a permission; `permission` is the one the caller named.
    Forbidden {
        code: String,
        message: String,
        permission: Option<String>,
    },
    /// 404.
    NotFound { code: String, message: String },
    /// Any other 4xx that retrying cannot fix (400, 405, 409, 412, 424, ...).
    BadRequest {
        status: u16,
        code: String,
        message: String,
    },
    /// No token could be had, or Graph refused a freshly fetched one.
    Auth { message: String },
    /// 410 Gone or `syncStateNotFound`: a delta token has expired; a full sync is needed.
    SyncStateNotFound,
    /// 5xx after the retry budget ran out (or on a write that must not be repeated).
    Server {
        status: u16,
        code: String,
        retries: u32,
    },
    /// The connection failed or a body broke off mid-stream, after retries.
    Transport { message: String, retries: u32 },
    /// Graph answered 2xx with a body that is not the JSON expected.
    InvalidResponse { message: String },
    /// The request cannot be sent as given (bad URL, foreign host in a link, ...).
    InvalidRequest { message: String },
    /// The cancellation signal fired.
    Cancelled,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            method: None,
            path: None,
        }
    }

    pub(crate) fn on(kind: ErrorKind, method: &str, path: &str) -> Self {
        Error {
            kind,
            method: Some(method.to_string()),
            path: Some(path.to_string()),
        }
    }

    pub(crate) fn auth(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Auth {
            message: message.into(),
        })
    }

    pub(crate) fn with_request(mut self, method: &str, path: &str) -> Self {
        self.method.get_or_insert_with(|| method.to_string());
        self.path.get_or_insert_with(|| path.to_string());
        self
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The HTTP method of the failed request, when there was one.
    pub fn method(&self) -> Option<&str> {
        self.method.as_deref()
    }

    /// The path (no query string) of the failed request, when there was one.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// True for a throttling failure (for progress events and error ids).
    pub fn is_throttled(&self) -> bool {
        matches!(self.kind, ErrorKind::Throttled { .. })
    }
}

impl std::error::Error for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let req = match (&self.method, &self.path) {
            (Some(m), Some(p)) => format!("{m} {p}"),
            _ => String::new(),
        };
        let on = |prefix: &str| {
            if req.is_empty() {
                String::new()
            } else {
                format!("{prefix}{req}")
            }
        };
        match &self.kind {
            ErrorKind::Throttled { retries } => write!(
                f,
                "Graph kept throttling {} (429) after {retries} retries",
                or_request(&req)
            ),
            ErrorKind::Forbidden {
                code,
                message,
                permission,
            } => {
                write!(f, "Graph refused {} (403 {code})", or_request(&req))?;
                match permission {
                    Some(p) => write!(f, ": the token lacks {p}"),
                    None => write!(f, ": {}", one_line(message)),
                }
            }
            ErrorKind::NotFound { code, message } => write!(
                f,
                "Graph found nothing at {} (404 {code}): {}",
                or_request(&req),
                one_line(message)
            ),
            ErrorKind::BadRequest {
                status,
                code,
                message,
            } => write!(
                f,
                "Graph rejected {} ({status} {code}): {}",
                or_request(&req),
                one_line(message)
            ),
            ErrorKind::Auth { message } => {
                write!(
                    f,
                    "authentication failed{}: {}",
                    on(" for "),
                    one_line(message)
                )
            }
            ErrorKind::SyncStateNotFound => write!(
                f,
                "the delta token{} has expired (syncStateNotFound): a full sync is needed",
                on(" of ")
            ),
            ErrorKind::Server {
                status,
                code,
                retries,
            } => write!(
                f,
                "Graph failed {} ({status} {code}) after {retries} retries",
                or_request(&req)
            ),
            ErrorKind::Transport { message, retries } => write!(
                f,
                "could not reach Graph{} after {retries} retries: {}",
                on(" for "),
                one_line(message)
            ),
            ErrorKind::InvalidResponse { message } => write!(
                f,
                "Graph answered {} with an unexpected body: {}",
                or_request(&req),
                one_line(message)
            ),
            ErrorKind::InvalidRequest { message } => {
                write!(f, "cannot send{}: {}", on(" "), one_line(message))
            }
            ErrorKind::Cancelled => write!(f, "{} was cancelled", or_request(&req)),
        }
    }
}

fn or_request(req: &str) -> &str {
    if req.is_empty() { "the request" } else { req }
}

/// Messages end up on one line of a terminal or an error record.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_request_and_permission() {
        let e = Error::on(
            ErrorKind::Forbidden {
                code: "Authorization_RequestDenied".into(),
                message: "Insufficient privileges to complete the operation.".into(),
                permission: Some("Policy.Read.All".into()),
            },
            "GET",
            "/identity/conditionalAccess/policies",
        );
        assert_eq!(
            e.to_string(),
            "Graph refused GET /identity/conditionalAccess/policies (403 Authorization_RequestDenied): the token lacks Policy.Read.All"
        );
    }

    #[test]
    fn messages_are_one_line() {
        let e = Error::on(
            ErrorKind::BadRequest {
                status: 400,
                code: "Request_BadRequest".into(),
                message: "Property 'id' is\nread-only.".into(),
            },
            "PATCH",
            "/users/1",
        );
        assert_eq!(
            e.to_string(),
            "Graph rejected PATCH /users/1 (400 Request_BadRequest): Property 'id' is read-only."
        );
        assert_eq!(
            Error::new(ErrorKind::Cancelled).to_string(),
            "the request was cancelled"
        );
    }
}
