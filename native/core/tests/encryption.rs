//! Encryption at rest through the public API: a round trip, dedup by the
//! plaintext hash, a wrong identity, reading without one, layers built on
//! an encrypted base, prune, and a plaintext store left as it was.

use entrasnap_core::store::{KeepPolicy, SnapshotStore, generate_identity};
use entrasnap_core::{ErrorKind, LocalStore};

use crate::util::*;

const AGE_HEADER: &[u8] = b"age-encryption.org/v1\n";

fn key(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, String) {
    let (text, recipient) = generate_identity();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    (path, recipient)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn encrypted_objects_round_trip_with_the_identity_only() {
    let keys = tempfile::tempdir().unwrap();
    let (identity, recipient) = key(keys.path(), "a.key");
    let (wrong, _) = key(keys.path(), "b.key");
    let (_dir, plain) = store();
    let root = plain.root().to_path_buf();

    // The exporter holds the public key only.
    let writer = plain
        .with_recipients(std::slice::from_ref(&recipient))
        .unwrap();
    assert!(writer.crypt().is_encrypted() && !writer.can_read_objects());
    let first = snapshot(&writer, day(1, 1), 50, 0);
    // Without the identity nothing can be checked, so unchanged objects are
    // written again, under the same names (the plaintext's hash): only the
    // 5 changed users and a fresh user layer are new files (the policies'
    // layer has the same content, so the same name).
    let files_before = object_files(&writer).len();
    let second = snapshot(&writer, day(2, 1), 50, 5);
    assert_eq!(object_files(&writer).len(), files_before + 5 + 1);

    for (path, _) in object_files(&writer) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(AGE_HEADER), "{}", path.display());
        assert!(
            !contains(&bytes, b"User 1"),
            "{} holds a name",
            path.display()
        );
        assert!(!contains(&bytes, b"Engineering"));
    }
    let manifest_text =
        std::fs::read_to_string(root.join("snapshots").join(format!("{first}.json"))).unwrap();
    assert!(manifest_text.contains(&recipient));
    assert!(!manifest_text.contains("User 1"));

    // A new opening reads store.json: encrypted without being told.
    let reopened = LocalStore::open_existing(&root).unwrap();
    assert_eq!(
        reopened.crypt().recipients(),
        std::slice::from_ref(&recipient)
    );
    assert_eq!(reopened.list().unwrap().len(), 2, "headers need no key");
    let locked = reopened.manifest("latest").unwrap_err();
    assert_eq!(locked.kind(), ErrorKind::Encrypted);
    assert!(locked.message().contains(root.to_str().unwrap()));
    assert_eq!(
        reopened.verify(None).unwrap_err().kind(),
        ErrorKind::Encrypted
    );

    let bad = LocalStore::open_existing(&root)
        .unwrap()
        .with_identity_file(&wrong)
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Encrypted);
    assert!(bad.message().contains("does not match the recipients"));

    let reader = reopened.with_identity_file(&identity).unwrap();
    let m = reader.manifest(second.as_str()).unwrap();
    assert_eq!(m.summary.recipients, std::slice::from_ref(&recipient));
    let entry = m
        .find("user", "00000000-0000-4000-8000-000000000001")
        .unwrap();
    let body = reader.read_object(&entry.hash).unwrap();
    assert_eq!(body["displayName"], "User 1");
    assert_eq!(body["department"], "Engineering");
    assert_eq!(entry.name, "User 1");
    assert!(reader.verify(None).unwrap().is_ok());

    // With the identity, the next snapshot layers on the encrypted base.
    let third = snapshot(&reader, day(3, 1), 50, 6);
    let m3 = reader.manifest(third.as_str()).unwrap();
    assert_eq!(m3.entries("user").len(), 50);
    assert!(reader.verify(None).unwrap().is_ok());

    // Prune needs the identity too (it reads the layers).
    assert_eq!(
        LocalStore::open_existing(&root)
            .unwrap()
            .prune(&KeepPolicy::default())
            .unwrap_err()
            .kind(),
        ErrorKind::Encrypted
    );
    reader.prune(&KeepPolicy::default()).unwrap();
    assert!(reader.verify(None).unwrap().is_ok());

    // Flipping a byte of the ciphertext shows as damage, not as a key problem.
    let (path, _) = object_files(&reader).into_iter().next().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert!(!reader.verify(None).unwrap().is_ok());
}

#[test]
fn a_plaintext_store_is_unaffected_and_ignores_an_identity() {
    let keys = tempfile::tempdir().unwrap();
    let (identity, _) = key(keys.path(), "a.key");
    let (_dir, plain) = store();
    let id = snapshot(&plain, day(1, 1), 5, 0);
    assert!(!plain.root().join("store.json").exists());
    for (path, _) in object_files(&plain) {
        assert!(!std::fs::read(&path).unwrap().starts_with(AGE_HEADER));
    }
    let with_identity = LocalStore::open_existing(plain.root())
        .unwrap()
        .with_identity_file(&identity)
        .unwrap();
    assert!(
        with_identity
            .manifest(id.as_str())
            .unwrap()
            .summary
            .recipients
            .is_empty()
    );
    assert!(with_identity.verify(None).unwrap().is_ok());
    // No recipients given: it stays plaintext.
    let again = LocalStore::open_existing(plain.root())
        .unwrap()
        .with_recipients(&[])
        .unwrap();
    assert!(!again.crypt().is_encrypted());
}

#[test]
fn a_different_recipient_set_is_refused_naming_both() {
    let keys = tempfile::tempdir().unwrap();
    let (_, a) = key(keys.path(), "a.key");
    let (_, b) = key(keys.path(), "b.key");
    let (_dir, plain) = store();
    let root = plain.root().to_path_buf();
    plain.with_recipients(std::slice::from_ref(&a)).unwrap();
    let err = LocalStore::open_existing(&root)
        .unwrap()
        .with_recipients(std::slice::from_ref(&b))
        .unwrap_err();
    assert!(
        err.message().contains(&a) && err.message().contains(&b),
        "{err}"
    );
    let bad = LocalStore::open_existing(&root)
        .unwrap()
        .with_recipients(&["age1notakey".to_string()])
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidArgument);
}
