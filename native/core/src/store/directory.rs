//! The git-friendly export: one pretty canonical JSON file per object,
//! `<type>/<name-slug>__<id>.json`, plus `<name-slug>__<id>.links.json` for
//! objects with members, owners or a manager. Volatile metadata is left out so
//! that a commit shows only configuration changes.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde::Serialize;

use super::SnapshotStore;
use super::atomic;
use super::manifest::Manifest;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::pretty_bytes;

/// What [`write_directory`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryReport {
    pub written: usize,
    /// Files already holding the same bytes (left untouched, mtime included).
    pub unchanged: usize,
    /// Files of objects no longer in the snapshot.
    pub removed: usize,
}

/// Writes `snapshot` under `out_dir`. In each type folder the snapshot
/// exports, object files (`*__*.json`) of objects it no longer holds are
/// removed, so the folder mirrors the snapshot; other files are left alone.
/// Checks, before anything is exported, that `out_dir` can be the folder of
/// [`write_directory`]: a directory, or a path whose nearest existing
/// ancestor is one (it is created then).
pub fn check_out_dir(out_dir: &Path) -> Result<()> {
    let mut at = Some(out_dir);
    while let Some(path) = at {
        if path.as_os_str().is_empty() {
            break;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    if path == out_dir {
                        format!(
                            "--out {} is a file, not a folder; give a folder for --format directory",
                            out_dir.display()
                        )
                    } else {
                        format!(
                            "--out {}: {} is a file, so the folder cannot be created",
                            out_dir.display(),
                            path.display()
                        )
                    },
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => at = path.parent(),
            Err(e) => return Err(Error::io("look at", path, e)),
        }
    }
    Ok(())
}

pub fn write_directory<S: SnapshotStore>(
    store: &S,
    snapshot: &Manifest,
    out_dir: &Path,
) -> Result<DirectoryReport> {
    write_directory_with(&|h| store.read_object(h), snapshot, out_dir)
}

/// [`write_directory`] of a snapshot whose objects `read` returns (a staged
/// export, written out before it is stored so a failure stores nothing).
pub fn write_directory_with(
    read: &dyn Fn(&super::ObjectHash) -> Result<serde_json::Value>,
    snapshot: &Manifest,
    out_dir: &Path,
) -> Result<DirectoryReport> {
    let mut report = DirectoryReport::default();
    if !out_dir.exists() {
        // The export holds the tenant's data in plain JSON: as private as the store.
        atomic::ensure_dir(out_dir)?;
        super::private::protect_root(out_dir)?;
    }
    for (ty, entries) in &snapshot.objects {
        let dir = out_dir.join(ty);
        atomic::ensure_dir(&dir)?;
        let mut expected = BTreeSet::new();
        for entry in entries {
            let stem = format!("{}__{}", slug(&entry.name), safe_id(&entry.id));
            let body = read(&entry.hash).map_err(|e| in_snapshot(snapshot, ty, &entry.name, e))?;
            write_if_changed(
                &dir.join(format!("{stem}.json")),
                &pretty_bytes(&body),
                &mut report,
            )?;
            expected.insert(format!("{stem}.json"));
            if let Some(links) = entry.links {
                let links = read(&links).map_err(|e| in_snapshot(snapshot, ty, &entry.name, e))?;
                write_if_changed(
                    &dir.join(format!("{stem}.links.json")),
                    &pretty_bytes(&links),
                    &mut report,
                )?;
                expected.insert(format!("{stem}.links.json"));
            }
        }
        let listing = fs::read_dir(&dir).map_err(|e| Error::io("list", &dir, e))?;
        for file in listing {
            let file = file.map_err(|e| Error::io("list", &dir, e))?;
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && name.contains("__") && !expected.contains(&name) {
                let path = file.path();
                fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
                report.removed += 1;
            }
        }
    }
    Ok(report)
}

fn in_snapshot(snapshot: &Manifest, ty: &str, name: &str, e: Error) -> Error {
    Error::new(
        e.kind(),
        format!("snapshot {}: {ty} '{name}': {}", snapshot.id(), e.message()),
    )
}

fn write_if_changed(path: &Path, bytes: &[u8], report: &mut DirectoryReport) -> Result<()> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        report.unchanged += 1;
        return Ok(());
    }
    atomic::write_atomic(path, bytes)?;
    report.written += 1;
    Ok(())
}

/// Lowercase ASCII letters and digits separated by single dashes, at most 60
/// characters: stable and safe on every file system.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "unnamed".to_string()
    } else {
        out.to_string()
    }
}

/// Ids are GUIDs, tenant ids or short names; anything else is replaced so the
/// id can never leave the type folder.
fn safe_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_lowercase_and_safe() {
        assert_eq!(
            slug("CA001-Global-BaseProtection-AllApps-AnyPlatform-BlockLegacyAuthentication"),
            "ca001-global-baseprotection-allapps-anyplatform-blocklegacya"
        );
        assert_eq!(slug("Réseau  /  HQ (IPv4)"), "r-seau-hq-ipv4");
        assert_eq!(slug("../.."), "unnamed");
        assert_eq!(safe_id("../etc/passwd"), "_etc_passwd");
        assert_eq!(
            safe_id("3c9d5e1a-7f42-4b8e-9a61-2d0c4b7e8f13"),
            "3c9d5e1a-7f42-4b8e-9a61-2d0c4b7e8f13"
        );
    }
}
