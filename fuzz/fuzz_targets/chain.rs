//! The chain check, through the store's public API: any bytes as the prune
//! records (`chain/pruned.json`) beside two genuine signed snapshots give a
//! report, never a panic; records that cannot be read are a problem named
//! as such, and the genuine snapshots stay readable.
#![no_main]

use std::sync::OnceLock;

use entrasnap_core::store::{ProblemKind, StoreKeys};
use entrasnap_core::{LocalStore, ObjectType, SnapshotStore};
use libfuzzer_sys::fuzz_target;

fn store() -> &'static (tempfile::TempDir, LocalStore) {
    static STORE: OnceLock<(tempfile::TempDir, LocalStore)> = OnceLock::new();
    entrasnap_fuzz::shared_store(&STORE, |dir| {
        let key = dir.join("signing.pem");
        entrasnap_core::store::write_key_pair(&key).unwrap();
        let keys = StoreKeys::load(Some(&key), &[]).unwrap();
        let store = LocalStore::open(dir.join("store"))
            .unwrap()
            .with_keys(keys);
        let ty = ObjectType::find("user").unwrap();
        for _ in 0..2 {
            store.begin("t-1", &[ty]).unwrap().finish().unwrap();
        }
        std::fs::create_dir_all(store.root().join("chain")).unwrap();
        store
    })
}

fuzz_target!(|data: &[u8]| {
    let (_dir, store) = store();
    std::fs::write(store.root().join("chain").join("pruned.json"), data).unwrap();
    let report = store.verify(None).unwrap();
    if serde_json::from_slice::<serde_json::Value>(data).is_err() {
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::ChainBroken && p.message.contains("prune records")),
            "unreadable records are named: {:?}",
            report.problems
        );
    }
    assert!(store.manifest("latest").is_ok());
});
