//! The store's writer lock: one export or prune at a time per store. Readers
//! never take it; they see only files that were renamed into place whole.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// Held while an export or prune runs; released on drop (and by the OS if the
/// process dies, so a killed export never leaves the store locked).
/// Tries 10 ms apart before a held lock is reported busy (200 ms in all).
const GRACE_TRIES: u32 = 20;

#[derive(Debug)]
pub(crate) struct StoreLock {
    _file: File,
}

impl StoreLock {
    pub(crate) fn acquire(root: &Path) -> Result<StoreLock> {
        let path = root.join("lock");
        let mut file = super::private::open_or_create(&path)?;
        // A lock just released can still look held for a moment: a child this
        // process forks (a test's subprocess, a host's) holds a copy of the
        // descriptor until it execs. A real holder keeps it for seconds, so a
        // short grace tells the two apart.
        let mut tries = 0;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if tries < GRACE_TRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(TryLockError::WouldBlock) => return Err(locked(root, &path)),
                Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
            }
        }
        // Who holds it, for the message another process will show. Best effort.
        let holder = format!(
            "pid {} since {}\n",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        let _ = file
            .set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(holder.as_bytes()));
        Ok(StoreLock { _file: file })
    }
}

fn locked(root: &Path, path: &PathBuf) -> Error {
    let mut holder = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut holder));
    let holder = holder.trim();
    let by = if holder.is_empty() {
        String::new()
    } else {
        format!(" ({holder})")
    };
    Error::new(
        ErrorKind::Locked,
        format!(
            "snapshot store {} is busy: another export or prune is running{by}; try again when it has finished",
            root.display()
        ),
    )
}
