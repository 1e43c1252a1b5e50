//! Owner-only files and folders. A store holds a tenant's users, its
//! Conditional Access design and its credentials' metadata: nobody but the
//! account that writes it should read it, whatever the umask says.
//!
//! On Unix every folder the store creates is 0700 and every file 0600, set
//! explicitly after creation (a umask can only take bits away, and a strict
//! one such as 0277 would leave the owner unable to write). On Windows the
//! store's root gets a protected ACL granting full control to the owner of
//! each object only (the OWNER RIGHTS SID, inherited by everything below),
//! so files created later are private without being touched one by one.
//! [`loose`] tells `verify` what is readable by others.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::error::{Error, Result};

/// Mode of folders the store creates (Unix).
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of files the store creates (Unix).
pub(crate) const FILE_MODE: u32 = 0o600;

/// Creates `path` exclusively (it must not exist), owner-only.
pub(crate) fn create_new(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    let file = open_private(&options, path).map_err(|e| Error::io("create", path, e))?;
    restrict_file(&file).map_err(|e| Error::io("make owner-only", path, e))?;
    Ok(file)
}

/// Opens `path` for reading and writing, creating it owner-only if missing
/// (the lock file). An existing file's mode is tightened too.
pub(crate) fn open_or_create(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    let file = open_private(&options, path).map_err(|e| Error::io("open", path, e))?;
    restrict_file(&file).map_err(|e| Error::io("make owner-only", path, e))?;
    Ok(file)
}

/// Creates `dir` and any missing parents below an existing ancestor; the
/// folders this creates are owner-only (existing ones are left as they are:
/// the user chose them).
pub(crate) fn create_dir_all(dir: &Path) -> Result<()> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || d.is_dir() {
            break;
        }
        missing.push(d);
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        match std::fs::create_dir(d) {
            Ok(()) => restrict_dir(d).map_err(|e| Error::io("make owner-only", d, e))?,
            // Another writer made it first: fine, it made it the same way.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(e) => return Err(Error::io("create directory", d, e)),
        }
    }
    Ok(())
}

#[cfg(unix)]
fn open_private(options: &OpenOptions, path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = options.clone();
    // Private from the first byte: no window in which the file is 0644.
    options.mode(FILE_MODE).open(path)
}

#[cfg(not(unix))]
fn open_private(options: &OpenOptions, path: &Path) -> std::io::Result<File> {
    options.open(path)
}

#[cfg(unix)]
fn restrict_file(file: &File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
}

#[cfg(not(unix))]
fn restrict_file(_file: &File) -> std::io::Result<()> {
    // Windows: inherited from the root's ACL (see restrict_dir).
    Ok(())
}

#[cfg(unix)]
fn restrict_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))
}

#[cfg(not(unix))]
fn restrict_dir(_dir: &Path) -> std::io::Result<()> {
    // Windows: inherited from the root's ACL (see protect_root).
    Ok(())
}

/// Windows: gives a folder the store just created (its root, or a directory
/// export's folder) a protected owner-only ACL, which everything created
/// inside inherits. icacls ships with every Windows since Server 2003, Azure
/// Automation's sandbox included. `/inheritance:r` drops the entries
/// inherited from above (Users, Authenticated Users); `*S-1-3-4` is OWNER
/// RIGHTS: the owner of each file, and nobody else. Unix: nothing to do,
/// [`create_dir_all`] made it 0700.
#[cfg(windows)]
pub(crate) fn protect_root(dir: &Path) -> Result<()> {
    let status = std::process::Command::new("icacls")
        .arg(dir)
        .args(["/inheritance:r", "/grant:r", "*S-1-3-4:(OI)(CI)F", "/q"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| Error::io("run icacls to make owner-only", dir, e))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::new(
            crate::error::ErrorKind::Io,
            format!(
                "cannot make {} owner-only: icacls failed ({status})",
                dir.display()
            ),
        ))
    }
}

#[cfg(not(windows))]
pub(crate) fn protect_root(_dir: &Path) -> Result<()> {
    Ok(())
}

/// Files and folders under `root` (the root included) that others may read,
/// as `path (mode)` lines; at most `limit` named, plus the total count.
#[cfg(unix)]
pub(crate) fn loose(root: &Path, limit: usize) -> (Vec<String>, usize) {
    use std::os::unix::fs::PermissionsExt;
    let mut named = Vec::new();
    let mut count = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            count += 1;
            if named.len() < limit {
                named.push(format!("{} ({mode:03o})", path.display()));
            }
        }
        if meta.is_dir()
            && let Ok(entries) = std::fs::read_dir(&path)
        {
            stack.extend(entries.flatten().map(|e| e.path()));
        }
    }
    named.sort();
    (named, count)
}

/// Windows: the root's ACL is set when the store is created; reading ACLs
/// back is left to `icacls` (documented in the README).
#[cfg(not(unix))]
pub(crate) fn loose(_root: &Path, _limit: usize) -> (Vec<String>, usize) {
    (Vec::new(), 0)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_owner_only_and_loose_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_all(&deep).unwrap();
        for d in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&dir.path().join(d)), 0o700, "{d}");
        }
        let f = deep.join("f");
        drop(create_new(&f).unwrap());
        assert_eq!(mode(&f), 0o600);
        assert!(create_new(&f).is_err(), "create_new must not reuse a file");
        assert_eq!(loose(dir.path(), 10), (vec![], 0));

        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (named, count) = loose(dir.path(), 10);
        assert_eq!(count, 1);
        assert!(named[0].ends_with("f (644)"), "{named:?}");
        drop(open_or_create(&f).unwrap());
        assert_eq!(mode(&f), 0o600, "open_or_create tightens an existing file");
    }
}
