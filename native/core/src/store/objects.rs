//! The content-addressed object files: `objects/<2 hex>/<62 hex>`, each the
//! zstd-compressed canonical bytes whose BLAKE3 hash is the file name; in an
//! encrypted store, the age ciphertext of those zstd bytes (see crypt.rs).

use std::fs;
use std::io::ErrorKind as IoKind;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::atomic;
use super::crypt::{StoreCrypt, Unsealed, is_age};
use super::hash::ObjectHash;
use crate::error::{Error, ErrorKind, Result};

/// zstd's default level: fast, and objects are small.
const LEVEL: i32 = 3;

pub(crate) fn path_of(root: &Path, hash: &ObjectHash) -> PathBuf {
    let hex = hash.to_hex();
    root.join("objects").join(&hex[..2]).join(&hex[2..])
}

/// Stores `bytes` under their hash unless a sound object with that hash
/// exists. Returns the hash and, when a file was written, its path: the
/// caller owes that file an fsync (and its directory one) before publishing
/// anything that refers to it.
///
/// An existing file is checked before it is reused: one left half-written by
/// a crash (files are flushed only when a snapshot completes) is rewritten,
/// never trusted.
///
/// In an encrypted store a plaintext file is rewritten encrypted, and one
/// that cannot be checked (no identity: an export given only the public key)
/// is rewritten too, since nothing vouches for it.
pub(crate) fn put(
    root: &Path,
    crypt: &StoreCrypt,
    bytes: &[u8],
) -> Result<(ObjectHash, Option<PathBuf>)> {
    put_hashed(root, crypt, ObjectHash::of(bytes), bytes)
}

/// [`put`] for a caller that has just hashed `bytes` (`hash` is theirs).
pub(crate) fn put_hashed(
    root: &Path,
    crypt: &StoreCrypt,
    hash: ObjectHash,
    bytes: &[u8],
) -> Result<(ObjectHash, Option<PathBuf>)> {
    debug_assert!(hash == ObjectHash::of(bytes), "the hash is of these bytes");
    let path = path_of(root, &hash);
    let (found, sealed) = inspect(root, crypt, &hash);
    match found {
        Check::Ok(_) if !crypt.is_encrypted() || sealed => return Ok((hash, None)),
        Check::Missing => {}
        Check::Ok(_) | Check::Corrupt(_) | Check::Locked(_) => {
            // Another thread of the same export may be replacing it too.
            match fs::remove_file(&path) {
                Err(e) if e.kind() != IoKind::NotFound => {
                    return Err(Error::io("replace a damaged object", &path, e));
                }
                _ => {}
            }
        }
    }
    let shard = path.parent().unwrap_or(root).to_path_buf();
    atomic::ensure_dir(&shard)?;
    let compressed = compress(bytes).map_err(|e| Error::io("compress an object for", &path, e))?;
    atomic::write_renamed_unsynced(&path, &crypt.seal(compressed)?)?;
    Ok((hash, Some(path)))
}

/// zstd at [`LEVEL`], with one compression context per thread: making a
/// context for every object was a few percent of a first export.
fn compress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(zstd::bulk::Compressor::new(LEVEL)?);
        }
        c.as_mut().expect("just made").compress(bytes)
    })
}

/// What reading an object file found.
#[derive(Debug)]
pub(crate) enum Check {
    Ok(Vec<u8>),
    Missing,
    /// Unreadable, undecodable, or content that does not hash to its name.
    Corrupt(String),
    /// Encrypted, and no identity (or not one it was encrypted to) was given.
    Locked(Error),
}

/// Reads, decrypts, decompresses and re-hashes an object.
pub(crate) fn check(root: &Path, crypt: &StoreCrypt, hash: &ObjectHash) -> Check {
    inspect(root, crypt, hash).0
}

/// [`check`], and whether the file is an age file (read once: `put` needs
/// both to decide whether an encrypted store may reuse it).
fn inspect(root: &Path, crypt: &StoreCrypt, hash: &ObjectHash) -> (Check, bool) {
    let path = path_of(root, hash);
    let file = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == IoKind::NotFound => return (Check::Missing, false),
        Err(e) => {
            return (
                Check::Corrupt(format!("cannot read {}: {e}", path.display())),
                false,
            );
        }
    };
    let sealed = is_age(&file);
    let compressed = match crypt.open(file) {
        Ok(b) => b,
        Err(Unsealed::Locked(e)) => return (Check::Locked(e), sealed),
        Err(Unsealed::Damaged(why)) => {
            return (Check::Corrupt(format!("{} {why}", path.display())), sealed);
        }
    };
    let found = match zstd::stream::decode_all(compressed.as_slice()) {
        Err(e) => Check::Corrupt(format!("{} does not decompress: {e}", path.display())),
        Ok(bytes) if ObjectHash::of(&bytes) != *hash => Check::Corrupt(format!(
            "{} does not match its hash (content changed on disk)",
            path.display()
        )),
        Ok(bytes) => Check::Ok(bytes),
    };
    (found, sealed)
}

/// The object's canonical bytes, verified against its hash.
pub(crate) fn read_bytes(root: &Path, crypt: &StoreCrypt, hash: &ObjectHash) -> Result<Vec<u8>> {
    match check(root, crypt, hash) {
        Check::Ok(bytes) => Ok(bytes),
        Check::Missing => Err(Error::new(
            ErrorKind::NotFound,
            format!("object {hash} is missing from {}", root.display()),
        )),
        Check::Corrupt(why) => Err(Error::new(
            ErrorKind::Corrupt,
            format!("object {hash}: {why}"),
        )),
        Check::Locked(e) => Err(e),
    }
}

pub(crate) fn read_json(root: &Path, crypt: &StoreCrypt, hash: &ObjectHash) -> Result<Value> {
    let bytes = read_bytes(root, crypt, hash)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            ErrorKind::Corrupt,
            format!("object {hash} is not JSON: {e}"),
        )
    })
}

/// Every object file and temp file under `objects/`, for the prune sweep.
pub(crate) fn walk(root: &Path) -> Result<Vec<(PathBuf, Option<ObjectHash>)>> {
    let objects = root.join("objects");
    let mut out = Vec::new();
    for shard in read_dir(&objects)? {
        let Some(prefix) = shard
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if !shard.is_dir() {
            continue;
        }
        for file in read_dir(&shard)? {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let hash = ObjectHash::parse(&format!("{prefix}{name}")).ok();
            out.push((file, hash));
        }
    }
    Ok(out)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io("list", dir, e))?;
    let mut out = Vec::new();
    for entry in entries {
        out.push(entry.map_err(|e| Error::io("list", dir, e))?.path());
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> StoreCrypt {
        StoreCrypt::default()
    }

    #[test]
    fn stores_once_and_detects_damage() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (h, shard) = put(root, &plain(), br#"{"a":1}"#).unwrap();
        assert!(shard.is_some());
        let (h2, shard2) = put(root, &plain(), br#"{"a":1}"#).unwrap();
        assert_eq!((h, shard2), (h2, None));
        assert_eq!(
            read_json(root, &plain(), &h).unwrap(),
            serde_json::json!({"a": 1})
        );

        // Same length, different content: decompresses, but hashes differently.
        let other = zstd::bulk::compress(br#"{"a":2}"#, LEVEL).unwrap();
        fs::write(path_of(root, &h), other).unwrap();
        assert_eq!(
            read_bytes(root, &plain(), &h).unwrap_err().kind(),
            ErrorKind::Corrupt
        );
        fs::remove_file(path_of(root, &h)).unwrap();
        assert!(matches!(check(root, &plain(), &h), Check::Missing));
        assert_eq!(
            read_bytes(root, &plain(), &h).unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }

    #[test]
    fn a_damaged_object_file_is_rewritten_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = br#"{"displayName":"Require MFA"}"#;
        let (hash, written) = put(dir.path(), &plain(), bytes).unwrap();
        assert!(written.is_some());
        assert!(
            put(dir.path(), &plain(), bytes).unwrap().1.is_none(),
            "sound files are reused"
        );
        // As a crash between rename and flush could leave it.
        std::fs::write(path_of(dir.path(), &hash), b"").unwrap();
        let (again, written) = put(dir.path(), &plain(), bytes).unwrap();
        assert_eq!(again, hash);
        assert!(written.is_some(), "the damaged file is written again");
        assert!(matches!(check(dir.path(), &plain(), &hash), Check::Ok(b) if b == bytes));
    }
}
