//! `CliError`: what the command reports when it fails, and its exit code.
//! The first line on stderr says what is wrong and where; detail lines follow.

use std::fmt;

use entrasnap_core::ErrorKind;

/// Exit code of a failed command (usage errors are clap's, exit 2).
pub const EXIT_ERROR: i32 = 1;

#[derive(Debug)]
pub struct CliError {
    code: i32,
    /// `None` when nothing should be printed (stdout closed by `| head`).
    message: Option<String>,
    detail: Vec<String>,
}

impl CliError {
    /// An error (exit 1) whose message is one line naming what failed and where.
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            code: EXIT_ERROR,
            message: Some(message.into()),
            detail: Vec::new(),
        }
    }

    /// Adds a line printed under the message.
    pub fn detail(mut self, line: impl Into<String>) -> CliError {
        self.detail.push(line.into());
        self
    }

    /// Ends the command quietly with `code`.
    pub fn silent(code: i32) -> CliError {
        CliError {
            code,
            message: None,
            detail: Vec::new(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        self.code
    }

    /// Writes the message and detail to stderr.
    pub fn report(&self) {
        if let Some(message) = &self.message {
            eprintln!("error: {message}");
            for line in &self.detail {
                eprintln!("  {line}");
            }
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or_default())
    }
}

impl From<entrasnap_core::Error> for CliError {
    fn from(e: entrasnap_core::Error) -> CliError {
        let err = CliError::new(e.message());
        match e.kind() {
            ErrorKind::Locked => {
                err.detail("wait for the running export or prune to finish, then try again")
            }
            ErrorKind::Corrupt => {
                err.detail("run `entrasnap verify` for the full list of problems")
            }
            _ => err,
        }
    }
}

impl From<std::io::Error> for CliError {
    /// Writing our own output failed. A closed pipe (`entrasnap list | head`)
    /// is not an error worth a message.
    fn from(e: std::io::Error) -> CliError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::silent(0)
        } else {
            CliError::new(format!("cannot write the output: {e}"))
        }
    }
}

impl From<String> for CliError {
    fn from(message: String) -> CliError {
        CliError::new(message)
    }
}
