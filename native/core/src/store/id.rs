//! Snapshot ids: UTC time to the second plus six hex digits, so ids sort by
//! time and two exports in the same second still differ
//! (`20261121T234700Z-7f3a9c`).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, ErrorKind, Result};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct SnapshotId(String);

impl SnapshotId {
    /// A new id for a snapshot started at `at`.
    pub fn generate(at: DateTime<Utc>, tenant_id: &str) -> SnapshotId {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        // No randomness crate: hash what differs between two calls instead.
        let mut h = blake3::Hasher::new();
        h.update(&at.timestamp_nanos_opt().unwrap_or_default().to_le_bytes());
        h.update(&std::process::id().to_le_bytes());
        h.update(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        h.update(
            &std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
                .to_le_bytes(),
        );
        h.update(tenant_id.as_bytes());
        let suffix = hex::encode(&h.finalize().as_bytes()[..3]);
        SnapshotId(format!("{}-{suffix}", at.format("%Y%m%dT%H%M%SZ")))
    }

    /// Accepts exactly the form `generate` produces (so an id is always a safe file name).
    pub fn parse(s: &str) -> Result<SnapshotId> {
        let b = s.as_bytes();
        let ok = b.len() == 23
            && b[..8].iter().all(u8::is_ascii_digit)
            && b[8] == b'T'
            && b[9..15].iter().all(u8::is_ascii_digit)
            && b[15] == b'Z'
            && b[16] == b'-'
            && b[17..]
                .iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c));
        if ok {
            Ok(SnapshotId(s.to_string()))
        } else {
            Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "'{s}' is not a snapshot id (expected e.g. 20261121T234700Z-7f3a9c or 'latest')"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for SnapshotId {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SnapshotId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        SnapshotId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_sort_by_time_and_differ_within_a_second() {
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 23, 47, 0).unwrap();
        let a = SnapshotId::generate(t, "tenant");
        let b = SnapshotId::generate(t, "tenant");
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("20261121T234700Z-"));
        assert_eq!(SnapshotId::parse(a.as_str()).unwrap(), a);
        let later = SnapshotId::generate(t + chrono::Duration::seconds(1), "tenant");
        assert!(later > a && later > b);
    }

    #[test]
    fn rejects_anything_that_is_not_an_id() {
        for bad in [
            "latest",
            "",
            "../20261121T234700Z-7f3a9c",
            "20261121T234700Z-7F3A9C",
            "20261121T234700Z-7f3a9c.json",
        ] {
            assert_eq!(
                SnapshotId::parse(bad).unwrap_err().kind(),
                ErrorKind::InvalidArgument,
                "{bad}"
            );
        }
    }
}
