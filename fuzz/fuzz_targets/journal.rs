//! The restore journal reader, through the store's public API: any bytes as
//! a journal give a journal or an error, never a panic; the listing agrees.
#![no_main]

use std::sync::OnceLock;

use entrasnap_core::LocalStore;
use libfuzzer_sys::fuzz_target;

const ID: &str = "20260301T070000Z-0a1b2c";

fn store() -> &'static (tempfile::TempDir, LocalStore) {
    static STORE: OnceLock<(tempfile::TempDir, LocalStore)> = OnceLock::new();
    entrasnap_fuzz::shared_store(&STORE, |dir| {
        let store = LocalStore::open(dir).unwrap();
        store
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, store) = store();
    let path = dir.path().join("journal").join(format!("{ID}.jsonl"));
    std::fs::write(&path, data).unwrap();
    if let Ok(journal) = store.read_journal(ID) {
        let _ = journal.completed();
        let _ = journal.id_map();
    }
    let _ = store.journals();
});
