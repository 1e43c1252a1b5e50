//! The crate's error type: one clear line that names the path, snapshot or
//! object involved, and a kind callers can branch on.

use std::path::Path;

/// An error from the engine core. `Display` is one line naming what failed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// What went wrong, for callers that react differently (e.g. an exit code per kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    Io,
    /// Another process holds the store's writer lock (an export or prune is running).
    Locked,
    /// A snapshot, object or type that was asked for does not exist.
    NotFound,
    /// Stored data does not match its hash or checksum, or cannot be decoded.
    Corrupt,
    /// An object handed to the engine is not what its type expects.
    InvalidObject,
    /// A caller passed a malformed argument (snapshot id, tenant id, type name...).
    InvalidArgument,
    /// The store is encrypted and no identity, or not a matching one, was given.
    Encrypted,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// An I/O failure on `path`; the OS error is kept in the message.
    pub(crate) fn io(action: &str, path: &Path, err: std::io::Error) -> Error {
        Error::new(
            ErrorKind::Io,
            format!("cannot {action} {}: {err}", path.display()),
        )
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
