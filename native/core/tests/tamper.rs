//! Tamper evidence and a private store: the manifest chain, signatures,
//! prune records, and owner-only files. Each tampering is done the way
//! someone who can write the store would do it: edit the JSON and recompute
//! the checksum, so only the chain or a signature can tell.

use std::fs;
use std::path::{Path, PathBuf};

use entrasnap_core::store::{KeepPolicy, ProblemKind, SnapshotId, StoreKeys, VerifyReport};
use entrasnap_core::{ErrorKind, LocalStore, SnapshotStore, canonical_bytes, pretty_bytes};
use serde_json::Value;

use crate::util::{TENANT, day, snapshot, store};

fn manifest_path(store: &LocalStore, id: &SnapshotId) -> PathBuf {
    store.root().join("snapshots").join(format!("{id}.json"))
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// Edits a manifest and recomputes its checksum, as a forger would.
fn reseal(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut value = read(path);
    edit(&mut value);
    write_sealed(path, value);
}

fn write_sealed(path: &Path, mut value: Value) {
    value.as_object_mut().unwrap().remove("checksum");
    let sum = blake3::hash(&canonical_bytes(&value)).to_hex().to_string();
    value["checksum"] = Value::String(sum);
    fs::write(path, pretty_bytes(&value)).unwrap();
}

fn kinds(report: &VerifyReport) -> Vec<(ProblemKind, String)> {
    report
        .problems
        .iter()
        .map(|p| (p.kind, p.snapshot.clone()))
        .collect()
}

fn three(store: &LocalStore) -> Vec<SnapshotId> {
    (1..=3)
        .map(|d| snapshot(store, day(d, 6), 3, d as usize))
        .collect()
}

/// A signing key and its public key, made as `entrasnap keygen` makes them.
fn key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (private, public, _) = entrasnap_core::store::generate_signing_key().unwrap();
    let sk = dir.join(format!("{name}.pem"));
    let pk = dir.join(format!("{name}.pem.pub"));
    entrasnap_core::store::write_private_key(&sk, &private).unwrap();
    fs::write(&pk, public).unwrap();
    (sk, pk)
}

#[test]
fn every_manifest_links_to_the_previous_one_and_a_clean_store_verifies() {
    let (_dir, store) = store();
    let ids = three(&store);
    assert!(read(&manifest_path(&store, &ids[0]))["chain"]["previous"].is_null());
    for pair in ids.windows(2) {
        let next = read(&manifest_path(&store, &pair[1]));
        let prev = read(&manifest_path(&store, &pair[0]));
        assert_eq!(next["chain"]["previous"]["id"], pair[0].as_str());
        assert_eq!(next["chain"]["previous"]["checksum"], prev["checksum"]);
    }
    let report = store.verify(None).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // Another tenant has its own chain.
    let other = store
        .begin(
            "11111111-2222-4333-8444-555555555555",
            &[crate::util::ty("user")],
        )
        .unwrap()
        .finish()
        .unwrap();
    assert!(read(&manifest_path(&store, &other))["chain"]["previous"].is_null());
    assert!(store.verify(None).unwrap().is_ok());
}

#[test]
fn a_removed_snapshot_is_named_by_the_one_that_follows_it() {
    let (_dir, store) = store();
    let ids = three(&store);
    fs::remove_file(manifest_path(&store, &ids[1])).unwrap();
    let report = store.verify(None).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::ChainBroken, ids[2].to_string())]
    );
    let message = &report.problems[0].message;
    assert!(
        message.contains(ids[1].as_str()) && message.contains("removed"),
        "{message}"
    );
}

#[test]
fn a_modified_snapshot_with_a_recomputed_checksum_breaks_its_successors_link() {
    let (_dir, store) = store();
    let ids = three(&store);
    reseal(&manifest_path(&store, &ids[1]), |v| {
        v["kind"] = "import".into()
    });
    // Its own checksum holds: only the chain can tell.
    assert!(store.manifest(ids[1].as_str()).is_ok());
    let report = store.verify(None).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::ChainBroken, ids[1].to_string())]
    );
    assert!(report.problems[0].message.contains("modified"));
}

#[test]
fn an_inserted_snapshot_is_a_fork_and_a_reorder() {
    let (_dir, store) = store();
    let ids = three(&store);
    // A forged snapshot between the second and the third, linked to the second.
    let second = read(&manifest_path(&store, &ids[1]));
    let forged_id = SnapshotId::parse("20260302T070000Z-abcdef").unwrap();
    let mut forged = second.clone();
    forged["id"] = forged_id.as_str().into();
    forged["chain"]["previous"] =
        serde_json::json!({"id": ids[1].as_str(), "checksum": second["checksum"]});
    let between = chrono::DateTime::parse_from_rfc3339(second["completedAt"].as_str().unwrap())
        .unwrap()
        + chrono::Duration::microseconds(500);
    forged["completedAt"] = between
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        .into();
    write_sealed(&manifest_path(&store, &forged_id), forged);

    let report = store.verify(None).unwrap();
    let found = kinds(&report);
    assert!(
        found.contains(&(ProblemKind::ChainForked, ids[1].to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&(ProblemKind::ChainReordered, ids[2].to_string())),
        "{found:?}"
    );
    let fork = report
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::ChainForked)
        .unwrap();
    assert!(
        fork.message.contains(forged_id.as_str()),
        "{}",
        fork.message
    );
}

#[test]
fn a_snapshot_moved_later_in_time_is_named() {
    let (_dir, store) = store();
    let ids = three(&store);
    // The second made to look newest (so `latest` would pick it).
    reseal(&manifest_path(&store, &ids[1]), |v| {
        v["completedAt"] = "2099-01-01T00:00:00.000Z".into();
    });
    let report = store.verify(None).unwrap();
    let found = kinds(&report);
    assert!(
        found.contains(&(ProblemKind::ChainBroken, ids[1].to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&(ProblemKind::ChainReordered, ids[1].to_string())),
        "{found:?}"
    );
}

#[test]
fn a_chain_link_removed_or_a_new_chain_started_is_named() {
    let (_dir, store) = store();
    let ids = three(&store);
    reseal(&manifest_path(&store, &ids[2]), |v| {
        v.as_object_mut().unwrap().remove("chain");
    });
    let report = store.verify(None).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::ChainBroken, ids[2].to_string())]
    );
    reseal(&manifest_path(&store, &ids[2]), |v| {
        v["chain"] = serde_json::json!({"previous": null});
    });
    let report = store.verify(None).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::ChainBroken, ids[2].to_string())]
    );
    assert!(report.problems[0].message.contains("starts a new chain"));
}

#[test]
fn signatures_hold_and_every_forgery_is_named() {
    let (dir, store) = store();
    let (sk, pk) = key_pair(dir.path(), "signing");
    let (_, stranger) = key_pair(dir.path(), "stranger");
    let signing = store
        .clone()
        .with_keys(StoreKeys::load(Some(&sk), &[]).unwrap());
    let ids = three(&signing);
    let verifying = store
        .clone()
        .with_keys(StoreKeys::load(None, std::slice::from_ref(&pk)).unwrap());

    let report = verifying.verify(None).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert_eq!(report.signatures_checked, 3);
    // Without the verify key, a warning says signatures were not checked.
    let unchecked = store.verify(None).unwrap();
    assert!(unchecked.is_ok());
    assert!(
        unchecked
            .warnings
            .iter()
            .any(|w| w.contains("no verify key")),
        "{:?}",
        unchecked.warnings
    );

    // The newest rewritten in full (checksum and all): only the signature tells.
    reseal(&manifest_path(&store, &ids[2]), |v| {
        v["kind"] = "import".into()
    });
    let report = verifying.verify(None).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::BadSignature, ids[2].to_string())]
    );
    assert!(
        report.problems[0]
            .message
            .contains("modified after it was signed")
    );
    // Nothing is compared with or restored from it.
    let err = verifying.manifest(ids[2].as_str()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains("cannot be trusted"), "{err}");
    assert!(verifying.manifest(ids[1].as_str()).is_ok());

    // A key that did not sign them: every one is named.
    let wrong = store
        .clone()
        .with_keys(StoreKeys::load(None, &[stranger]).unwrap());
    let report = wrong.verify(Some(ids[0].as_str())).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::BadSignature, ids[0].to_string())]
    );
    assert!(
        report.problems[0]
            .message
            .contains("not among the verify keys")
    );

    // A snapshot written without the key, into a signed store.
    let unsigned = snapshot(&store, day(4, 6), 3, 0);
    let report = verifying.verify(Some(unsigned.as_str())).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::Unsigned, unsigned.to_string())]
    );
    assert!(verifying.manifest("latest").is_err());
}

#[test]
fn prune_records_keep_the_chain_verifiable_and_signed() {
    let (dir, store) = store();
    let (sk, pk) = key_pair(dir.path(), "signing");
    let signing = store
        .clone()
        .with_keys(StoreKeys::load(Some(&sk), &[]).unwrap());
    let ids: Vec<_> = (1..=5)
        .map(|d| snapshot(&signing, day(d, 6), 3, d as usize))
        .collect();
    let report = signing
        .prune(&KeepPolicy {
            daily: 2,
            weekly: 0,
            monthly: 0,
        })
        .unwrap();
    assert_eq!(report.removed.len(), 3);
    let verifying = store
        .clone()
        .with_keys(StoreKeys::load(None, std::slice::from_ref(&pk)).unwrap());
    let report = verifying.verify(None).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert_eq!(
        report.signatures_checked, 5,
        "2 manifests and 3 prune records"
    );

    // A record forged for a snapshot removed by hand (unsigned: no key).
    let records_path = store.root().join("chain").join("pruned.json");
    let mut records = read(&records_path);
    let forged = {
        let mut r = records["records"][0].clone();
        r.as_object_mut().unwrap().remove("signature");
        r
    };
    records["records"][0] = forged;
    fs::write(&records_path, pretty_bytes(&records)).unwrap();
    let report = verifying.verify(None).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::Unsigned, ids[0].to_string())]
    );

    // The records gone: the oldest kept snapshot's predecessor is unaccounted for.
    fs::remove_file(&records_path).unwrap();
    let report = store.verify(None).unwrap();
    assert_eq!(
        kinds(&report),
        [(ProblemKind::ChainBroken, ids[3].to_string())]
    );
    assert!(report.problems[0].message.contains(ids[2].as_str()));
}

#[test]
fn a_bad_key_file_is_an_error_naming_it_and_never_its_content() {
    let (dir, _store) = store();
    let (sk, pk) = key_pair(dir.path(), "signing");
    let err = StoreKeys::load(Some(&pk), &[]).unwrap_err().to_string();
    assert!(err.contains(pk.to_str().unwrap()), "{err}");
    let garbage = dir.path().join("garbage.pem");
    fs::write(
        &garbage,
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let err = StoreKeys::load(None, &[garbage]).unwrap_err().to_string();
    assert!(
        err.contains("garbage.pem") && err.contains("Ed25519"),
        "{err}"
    );
    let missing = StoreKeys::load(Some(&dir.path().join("nope.pem")), &[]).unwrap_err();
    assert!(missing.to_string().contains("nope.pem"), "{missing}");
    let secret = fs::read_to_string(&sk).unwrap();
    let body = secret.lines().nth(1).unwrap();
    assert!(!err.contains(body));
    assert!(!format!("{:?}", StoreKeys::load(Some(&sk), &[]).unwrap()).contains(body));
}

#[cfg(unix)]
#[test]
fn the_store_is_owner_only_and_verify_warns_when_it_is_not() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, store) = store();
    let ids = three(&store);
    store.add_label(ids[0].as_str(), "known-good").unwrap();
    store
        .state_put(TENANT, &serde_json::json!({"delta": "x"}))
        .unwrap();
    let mut seen = (0, 0);
    let mut stack = vec![store.root().to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = fs::metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", p.display());
            seen.0 += 1;
            stack.extend(fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            assert_eq!(mode, 0o600, "{}", p.display());
            seen.1 += 1;
        }
    }
    assert!(seen.0 >= 5 && seen.1 >= 10, "{seen:?}");
    assert!(store.verify(None).unwrap().warnings.is_empty());

    // A store made readable by others (an old version, a chmod) is named.
    fs::set_permissions(store.root(), fs::Permissions::from_mode(0o755)).unwrap();
    let labels = store.root().join("labels.json");
    fs::set_permissions(&labels, fs::Permissions::from_mode(0o644)).unwrap();
    let report = store.verify(None).unwrap();
    assert!(report.is_ok(), "warnings are not problems");
    let warning = report.warnings.join("\n");
    assert!(
        warning.contains("readable by other accounts")
            && warning.contains("2 files and folders")
            && warning.contains("labels.json (644)"),
        "{warning}"
    );
}
