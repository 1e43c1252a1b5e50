//! Labels: names a person gives snapshots (`known-good`,
//! `before-change-1234`), usable wherever an id is (`label:known-good`) and
//! kept by prune whatever the retention. They live in one file of their own,
//! `labels.json`, never in a manifest: a manifest is immutable once written.
//! Each label names one snapshot; a snapshot may carry several.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic;
use super::id::SnapshotId;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::pretty_bytes;

const FORMAT: u32 = 1;
/// How a label is written where an id is expected: `label:known-good`.
pub const LABEL_PREFIX: &str = "label:";
const MAX_LEN: usize = 64;

#[derive(Debug, Default, Serialize, Deserialize)]
struct LabelsFile {
    format: u32,
    /// Label -> the snapshot it names.
    labels: BTreeMap<String, SnapshotId>,
}

fn path_of(root: &Path) -> PathBuf {
    root.join("labels.json")
}

/// Every label and the snapshot it names.
pub(crate) fn read(root: &Path) -> Result<BTreeMap<String, SnapshotId>> {
    let path = path_of(root);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    let file: LabelsFile = serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            ErrorKind::Corrupt,
            format!("labels file {} is unreadable: {e}", path.display()),
        )
    })?;
    if file.format > FORMAT {
        return Err(Error::new(
            ErrorKind::Corrupt,
            format!(
                "labels file {} was written by a newer EntraSnapshot (format {}, this one reads {FORMAT})",
                path.display(),
                file.format
            ),
        ));
    }
    Ok(file.labels)
}

/// Replaces the labels file whole. The caller holds the store lock.
pub(crate) fn write(root: &Path, labels: BTreeMap<String, SnapshotId>) -> Result<()> {
    let file = LabelsFile {
        format: FORMAT,
        labels,
    };
    let value = serde_json::to_value(&file).expect("labels serialize");
    atomic::write_atomic(&path_of(root), &pretty_bytes(&value))
}

/// Labels by snapshot, each list sorted.
pub(crate) fn by_snapshot(
    labels: &BTreeMap<String, SnapshotId>,
) -> BTreeMap<SnapshotId, Vec<String>> {
    let mut out: BTreeMap<SnapshotId, Vec<String>> = BTreeMap::new();
    for (name, id) in labels {
        out.entry(id.clone()).or_default().push(name.clone());
    }
    out
}

/// A label is 1 to 64 letters, digits, `.`, `_` or `-`, starting with a
/// letter or digit, and is neither `latest` nor `live` nor shaped like an id.
pub fn check_label(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("'{name}' cannot be a label: {why}"),
        ))
    };
    if name.is_empty() || name.len() > MAX_LEN {
        return bad("a label has 1 to 64 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return bad("use letters, digits, '.', '_' and '-', starting with a letter or digit");
    }
    if ["latest", "live"]
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r))
    {
        return bad("'latest' and 'live' already mean something");
    }
    if SnapshotId::parse(name).is_ok() {
        return bad("it looks like a snapshot id");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_are_checked() {
        for ok in ["known-good", "before-change-1234", "v1.2_rc"] {
            check_label(ok).unwrap();
        }
        for bad in [
            "",
            "-x",
            "a b",
            "latest",
            "LIVE",
            "20261121T234700Z-7f3a9c",
            "../x",
        ] {
            assert_eq!(
                check_label(bad).unwrap_err().kind(),
                ErrorKind::InvalidArgument,
                "{bad}"
            );
        }
        assert!(check_label(&"a".repeat(65)).is_err());
    }

    #[test]
    fn a_missing_file_is_no_labels_and_a_written_one_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_empty());
        let id = SnapshotId::parse("20261121T234700Z-7f3a9c").unwrap();
        write(
            dir.path(),
            BTreeMap::from([("known-good".to_string(), id.clone())]),
        )
        .unwrap();
        let back = read(dir.path()).unwrap();
        assert_eq!(back["known-good"], id);
        std::fs::write(path_of(dir.path()), b"{not json").unwrap();
        let err = read(dir.path()).unwrap_err();
        assert!(err.message().contains("labels.json"), "{err}");
    }
}
