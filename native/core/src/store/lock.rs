//! The store's writer lock: one export or prune at a time per store. Readers
//! never take it; they see only files that were renamed into place whole.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// Held while an export or prune runs; released on drop (and by the OS if the
/// process dies, so a killed export never leaves the store locked).
#[derive(Debug)]
pub(crate) struct StoreLock {
    _file: File,
}

impl StoreLock {
    pub(crate) fn acquire(root: &Path) -> Result<StoreLock> {
        let path = root.join("lock");
        let mut file = super::private::open_or_create(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(locked(root, &path)),
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
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
