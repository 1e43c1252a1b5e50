//! Retention: which snapshots to keep, and removing the rest together with
//! every object no kept snapshot refers to.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::Datelike;
use serde::Serialize;

use super::atomic::{self, TEMP_PREFIX};
use super::chain;
use super::crypt::StoreCrypt;
use super::hash::ObjectHash;
use super::id::SnapshotId;
use super::keys::StoreKeys;
use super::kind::SnapshotKind;
use super::manifest::{self, Layer, SnapshotSummary};
use super::objects;
use crate::error::{Error, Result};

/// How many snapshots to keep, per tenant: the newest of each of the last
/// `daily` days, `weekly` ISO weeks and `monthly` months that have snapshots.
/// The newest snapshot is always kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeepPolicy {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl KeepPolicy {
    /// The ids `self` keeps among `snapshots` (any order, any tenants).
    pub fn select(&self, snapshots: &[SnapshotSummary]) -> BTreeSet<SnapshotId> {
        let mut by_tenant: BTreeMap<&str, Vec<&SnapshotSummary>> = BTreeMap::new();
        for s in snapshots {
            by_tenant.entry(&s.tenant_id).or_default().push(s);
        }
        let mut keep = BTreeSet::new();
        for mut list in by_tenant.into_values() {
            list.sort_by(|a, b| {
                b.created_at
                    .cmp(&a.created_at)
                    .then_with(|| b.id.cmp(&a.id))
            });
            keep.extend(list.first().map(|s| s.id.clone()));
            let rules: [(u32, Period); 3] = [
                (self.daily, |s| {
                    (s.created_at.year(), s.created_at.ordinal())
                }),
                (self.weekly, |s| {
                    let w = s.created_at.iso_week();
                    (w.year(), w.week())
                }),
                (self.monthly, |s| {
                    (s.created_at.year(), s.created_at.month())
                }),
            ];
            for (count, bucket) in rules {
                let mut last = None;
                let mut kept = 0;
                // Newest first, so the first snapshot seen in a period is its newest.
                for s in &list {
                    if kept == count {
                        break;
                    }
                    let b = bucket(s);
                    if last != Some(b) {
                        last = Some(b);
                        kept += 1;
                        keep.insert(s.id.clone());
                    }
                }
            }
        }
        keep
    }
}

/// The calendar period a snapshot falls in: (year, day/week/month number).
type Period = fn(&SnapshotSummary) -> (i32, u32);

/// What a prune did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PruneReport {
    pub kept: Vec<SnapshotId>,
    pub removed: Vec<SnapshotId>,
    pub objects_removed: u64,
    pub bytes_freed: u64,
    /// Why unreferenced objects were left in place, when they were: a
    /// manifest or index that could not be read might refer to them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep_skipped: Option<String>,
}

/// What a prune keeps of `readable`: what `policy` keeps, every labelled
/// snapshot, and each tenant's newest export (what `latest` means).
pub(crate) fn kept(
    policy: &KeepPolicy,
    readable: &[SnapshotSummary],
    labelled: &BTreeSet<SnapshotId>,
) -> BTreeSet<SnapshotId> {
    let mut keep = policy.select(readable);
    keep.extend(labelled.iter().cloned());
    let exports: Vec<SnapshotSummary> = readable
        .iter()
        .filter(|s| s.kind == SnapshotKind::Export)
        .cloned()
        .collect();
    keep.extend(KeepPolicy::default().select(&exports));
    keep
}

/// Runs with the writer lock held, so no export adds objects meanwhile.
/// `labelled` snapshots are kept whatever the policy, and so is each
/// tenant's newest export (what `latest` means).
pub(crate) fn prune(
    root: &Path,
    crypt: &StoreCrypt,
    policy: &KeepPolicy,
    summaries: Vec<Result<SnapshotSummary, (SnapshotId, Error)>>,
    labelled: &BTreeSet<SnapshotId>,
    keys: &StoreKeys,
) -> Result<PruneReport> {
    let mut report = PruneReport::default();
    let mut readable = Vec::new();
    let mut unreadable = Vec::new();
    for s in summaries {
        match s {
            Ok(s) => readable.push(s),
            Err((id, e)) => unreadable.push((id, e)),
        }
    }
    let keep = kept(policy, &readable, labelled);
    // The chain remembers what goes, before it goes (see chain.rs).
    let removing: Vec<manifest::Loaded> = readable
        .iter()
        .filter(|s| !keep.contains(&s.id))
        .map(|s| manifest::load(root, &s.id))
        .collect::<Result<_>>()?;
    chain::record_pruned(root, &removing, keys)?;
    for s in &readable {
        if keep.contains(&s.id) {
            report.kept.push(s.id.clone());
        } else {
            let path = manifest::manifest_path(root, &s.id);
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
            report.removed.push(s.id.clone());
        }
    }
    report.kept.sort_by(|a, b| b.cmp(a));
    report.removed.sort_by(|a, b| b.cmp(a));
    atomic::sync_dir(&root.join("snapshots"))?;

    // An unreadable manifest is kept, and since its objects are unknown, nothing is swept.
    if let Some((id, e)) = unreadable.first() {
        report.kept.push(id.clone());
        report.sweep_skipped = Some(format!("snapshot {id} cannot be read ({e})"));
        return Ok(report);
    }
    let referenced = match referenced(root, crypt, &report.kept) {
        Ok(r) => r,
        Err(e) => {
            report.sweep_skipped = Some(e.to_string());
            return Ok(report);
        }
    };
    for (path, hash) in objects::walk(root)? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        // Temp files are leftovers of killed writers: none is running now.
        let unreferenced = match hash {
            Some(h) => !referenced.contains(&h),
            None => name.starts_with(TEMP_PREFIX),
        };
        if unreferenced {
            let size = std::fs::metadata(&path)
                .map(|m| m.len())
                .unwrap_or_default();
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
            report.objects_removed += 1;
            report.bytes_freed += size;
        }
    }
    Ok(report)
}

/// Every object the kept snapshots use: their index layers, and the entries
/// (and links) those layers resolve to. An entry a later layer replaced is no
/// longer used, so its object may go. Shared layers are read once.
fn referenced(root: &Path, crypt: &StoreCrypt, kept: &[SnapshotId]) -> Result<HashSet<ObjectHash>> {
    let mut layers: HashMap<ObjectHash, Layer> = HashMap::new();
    let mut out = HashSet::new();
    for id in kept {
        let loaded = manifest::load(root, id)?;
        for chain in loaded.file.index.values() {
            let mut entries = Vec::new();
            for hash in chain {
                if !layers.contains_key(hash) {
                    layers.insert(*hash, manifest::read_layer(root, crypt, hash)?);
                }
                entries = manifest::apply(entries, layers[hash].clone());
                out.insert(*hash);
            }
            for e in entries {
                out.insert(e.hash);
                out.extend(e.links);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn snap(tenant: &str, at: DateTime<Utc>) -> SnapshotSummary {
        SnapshotSummary {
            id: SnapshotId::generate(at, tenant),
            tenant_id: tenant.into(),
            kind: SnapshotKind::Export,
            labels: Vec::new(),
            created_at: at,
            completed_at: at,
            engine_version: "0".into(),
            types: vec![],
            counts: BTreeMap::new(),
            recipients: Vec::new(),
            intact: true,
        }
    }

    fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn keeps_the_newest_of_each_recent_day_week_and_month() {
        // Two a day for ten days of March, one on 15 Feb and one on 20 Jan.
        let mut all = Vec::new();
        for day in 1..=10 {
            all.push(snap("t", at(3, day, 6)));
            all.push(snap("t", at(3, day, 18)));
        }
        let feb = snap("t", at(2, 15, 12));
        let jan = snap("t", at(1, 20, 12));
        all.push(feb.clone());
        all.push(jan.clone());
        let id_at = |m, d, h| {
            all.iter()
                .find(|s| s.created_at == at(m, d, h))
                .unwrap()
                .id
                .clone()
        };

        let keep = KeepPolicy {
            daily: 3,
            weekly: 0,
            monthly: 0,
        }
        .select(&all);
        let expect: BTreeSet<_> = [id_at(3, 10, 18), id_at(3, 9, 18), id_at(3, 8, 18)].into();
        assert_eq!(keep, expect);

        // ISO weeks: 9-10 March (week 11), 2-8 March (week 10), 1 March (week 9).
        let keep = KeepPolicy {
            daily: 0,
            weekly: 3,
            monthly: 0,
        }
        .select(&all);
        let expect: BTreeSet<_> = [id_at(3, 10, 18), id_at(3, 8, 18), id_at(3, 1, 18)].into();
        assert_eq!(keep, expect);

        let keep = KeepPolicy {
            daily: 1,
            weekly: 0,
            monthly: 3,
        }
        .select(&all);
        let expect: BTreeSet<_> = [id_at(3, 10, 18), feb.id.clone(), jan.id.clone()].into();
        assert_eq!(keep, expect);

        // Nothing asked: the newest survives anyway.
        let keep = KeepPolicy::default().select(&all);
        assert_eq!(keep, [id_at(3, 10, 18)].into());
    }

    #[test]
    fn each_tenant_keeps_its_own() {
        let a = snap("a", at(3, 1, 1));
        let b_old = snap("b", at(3, 1, 1));
        let b_new = snap("b", at(3, 2, 1));
        let keep = KeepPolicy::default().select(&[a.clone(), b_old, b_new.clone()]);
        assert_eq!(keep, [a.id, b_new.id].into());
    }
}
