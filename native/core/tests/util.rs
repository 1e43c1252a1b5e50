use chrono::{DateTime, TimeZone, Utc};
use entrasnap_core::store::SnapshotId;
use entrasnap_core::{LocalStore, NormalizedObject, ObjectType, normalize};
use serde_json::{Value, json};

pub const TENANT: &str = "0f5b2c1e-7d44-4c1a-9a4e-2b6f3d8e9c10";

pub fn ty(name: &str) -> &'static ObjectType {
    ObjectType::find(name).unwrap()
}

pub fn store() -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path().join("store")).unwrap();
    (dir, store)
}

pub fn day(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
}

pub fn user(i: usize, department: &str) -> NormalizedObject {
    normalize(
        ty("user"),
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
            "id": format!("00000000-0000-4000-8000-{i:012}"),
            "displayName": format!("User {i}"),
            "userPrincipalName": format!("user{i}@contoso.example"),
            "department": department,
            "accountEnabled": true,
            "businessPhones": [],
            "lastPasswordChangeDateTime": "2026-01-01T00:00:00Z"
        }),
    )
    .unwrap()
}

pub fn group(id: &str, name: &str) -> NormalizedObject {
    normalize(
        ty("group"),
        json!({"id": id, "displayName": name, "groupTypes": [], "securityEnabled": true}),
    )
    .unwrap()
}

pub fn ca_policies() -> Vec<NormalizedObject> {
    let raw: Vec<Value> =
        serde_json::from_str(include_str!("../../sim/data/ca-baseline-export.json")).unwrap();
    raw.into_iter()
        .map(|p| normalize(ty("conditionalAccessPolicy"), p).unwrap())
        .collect()
}

/// Writes one snapshot of `users` users (department `dept` for the first
/// `changed`, "Sales" for the rest) and the CA baseline.
pub fn snapshot(store: &LocalStore, at: DateTime<Utc>, users: usize, changed: usize) -> SnapshotId {
    let w = store
        .begin_at(TENANT, &[ty("user"), ty("conditionalAccessPolicy")], at)
        .unwrap();
    for i in 0..users {
        let dept = if i < changed { "Engineering" } else { "Sales" };
        w.put(ty("user"), &user(i, dept)).unwrap();
    }
    for p in ca_policies() {
        w.put(ty("conditionalAccessPolicy"), &p).unwrap();
    }
    w.finish().unwrap()
}

/// Every object file under the store, with its size.
pub fn object_files(store: &LocalStore) -> Vec<(std::path::PathBuf, u64)> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(store.root().join("objects")).unwrap() {
        for f in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let f = f.unwrap();
            out.push((f.path(), f.metadata().unwrap().len()));
        }
    }
    out.sort();
    out
}

pub fn object_path(
    store: &LocalStore,
    hash: &entrasnap_core::store::ObjectHash,
) -> std::path::PathBuf {
    let hex = hash.to_hex();
    store.root().join("objects").join(&hex[..2]).join(&hex[2..])
}
