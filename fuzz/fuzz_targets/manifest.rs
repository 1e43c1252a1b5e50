//! The manifest reader, through the store's public API: any bytes as a
//! manifest file give a summary or an error naming the snapshot, never a
//! panic, and `list` never lists what `manifest` refuses.
#![no_main]

use std::sync::OnceLock;

use entrasnap_core::{LocalStore, SnapshotStore};
use libfuzzer_sys::fuzz_target;

const ID: &str = "20260301T060000Z-abcdef";

fn store() -> &'static (tempfile::TempDir, LocalStore) {
    static STORE: OnceLock<(tempfile::TempDir, LocalStore)> = OnceLock::new();
    entrasnap_fuzz::shared_store(&STORE, |dir| {
        let store = LocalStore::open(dir).unwrap();
        store
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, store) = store();
    let path = dir.path().join("snapshots").join(format!("{ID}.json"));
    std::fs::write(&path, data).unwrap();
    let manifest = store.manifest(ID);
    if let Err(e) = &manifest {
        assert!(e.to_string().contains(ID), "the error names the snapshot: {e}");
    }
    let listed = store.list().unwrap();
    if manifest.is_err() {
        assert!(
            listed.iter().all(|s| s.id.as_str() != ID || !s.intact),
            "listed as intact but unreadable"
        );
    }
    let _ = store.verify(Some(ID));
});
