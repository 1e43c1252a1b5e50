//! Crash-safe file writes: temp file in the same directory, fsync, rename,
//! fsync the directory. A reader sees the old file or the new one, never half.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Prefix of temp files; prune removes leftovers of killed writers.
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to `path` atomically and durably.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_renamed(path, bytes)?;
    sync_dir(parent(path))
}

/// Like [`write_atomic`] but leaves the directory fsync to the caller, who
/// syncs each touched directory once before anything depends on the file.
pub(crate) fn write_renamed(path: &Path, bytes: &[u8]) -> Result<()> {
    write_renamed_with(path, bytes, true)
}

/// Like [`write_renamed`] without the file's own fsync: the caller flushes the
/// file (see [`sync_files`]) before anything that names it is written. Object
/// files are written this way, so a snapshot pays for its fsyncs in parallel
/// at the end instead of one at a time.
pub(crate) fn write_renamed_unsynced(path: &Path, bytes: &[u8]) -> Result<()> {
    write_renamed_with(path, bytes, false)
}

fn write_renamed_with(path: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        // Owner-only from creation (see private.rs); the rename keeps the mode.
        let mut file = super::private::create_new(&tmp)?;
        file.write_all(bytes)
            .map_err(|e| Error::io("write", &tmp, e))?;
        if sync {
            file.sync_all().map_err(|e| Error::io("flush", &tmp, e))?;
        }
        drop(file);
        fs::rename(&tmp, path).map_err(|e| Error::io("rename a temp file to", path, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Above this many files one `syncfs` is cheaper than a fsync each.
const SYNCFS_ABOVE: usize = 256;

/// Flushes `files` to disk, then the directories that hold them. Many files
/// (a first export writes one per object) are flushed with one `syncfs` of
/// the store's file system on Linux: on ext4 each fsync is a journal commit
/// of its own, 13,000 of them took 0.8 s where one `syncfs` takes 0.1 s.
/// Elsewhere, or if `syncfs` fails, each file is flushed, several at a time
/// (fsyncs overlap well on most storage).
pub(crate) fn sync_files(files: &[PathBuf]) -> Result<()> {
    if files.len() > SYNCFS_ABOVE && sync_file_system(parent(&files[0])) {
        return Ok(());
    }
    const WORKERS: usize = 8;
    let chunk = files.len().div_ceil(WORKERS).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    for f in part {
                        File::open(f)
                            .and_then(|file| file.sync_all())
                            .map_err(|e| Error::io("flush", f, e))?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join().unwrap_or_else(|_| {
                Err(Error::new(
                    crate::error::ErrorKind::Io,
                    "a flush worker failed",
                ))
            })
        })
    })?;
    let dirs: std::collections::BTreeSet<&Path> = files.iter().map(|f| parent(f)).collect();
    for dir in dirs {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Flushes everything written to the file system that holds `dir`, its
/// directories included; false when that could not be done (the caller then
/// flushes file by file). Since Linux 5.8 `syncfs` reports a write-back
/// error on the file system that no one has seen yet, even one from before
/// the descriptor was opened, as a fsync of each file would.
#[cfg(target_os = "linux")]
fn sync_file_system(dir: &Path) -> bool {
    use std::os::fd::AsRawFd;
    let Ok(d) = File::open(dir) else {
        return false;
    };
    // SAFETY: `d` is an open descriptor for the duration of the call.
    unsafe { libc::syncfs(d.as_raw_fd()) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn sync_file_system(_dir: &Path) -> bool {
    false
}

/// Makes renames and creations in `dir` durable (a no-op where directories
/// cannot be opened, as on Windows, whose renames are durable on return).
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    if cfg!(unix) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io("flush directory", dir, e))?;
    }
    Ok(())
}

/// Creates `dir` (and its parent entry durably) if it does not exist.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    super::private::create_dir_all(dir)?;
    sync_dir(parent(dir))
}

/// The folder holding `path`: `.` for a bare relative name (`Path::parent`
/// gives "" there, which cannot be opened to flush).
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent(path).join(format!("{TEMP_PREFIX}{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_relative_name_is_in_the_current_folder() {
        assert_eq!(parent(Path::new("store")), Path::new("."));
        assert_eq!(parent(Path::new("a/store")), Path::new("a"));
    }

    #[test]
    fn replaces_whole_files_and_leaves_no_temp_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.json"]);
        let err = write_atomic(&dir.path().join("missing/a.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
