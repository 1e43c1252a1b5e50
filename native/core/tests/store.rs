use std::collections::BTreeMap;
use std::fs;

use entrasnap_core::store::{KeepPolicy, Links, ProblemKind};
use entrasnap_core::{ErrorKind, SnapshotStore};
use serde_json::json;

use crate::util::*;

#[test]
fn a_writer_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<entrasnap_core::store::SnapshotWriter>();
    let (_dir, store) = store();
    let w = store.begin(TENANT, &[ty("user")]).unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let w = &w;
            s.spawn(move || {
                for i in (t * 50)..(t * 50 + 50) {
                    w.put(ty("user"), &user(i, "Sales")).unwrap();
                }
            });
        }
    });
    let m = store.manifest(w.finish().unwrap().as_str()).unwrap();
    assert_eq!(m.entries("user").len(), 200);
}

#[test]
fn identical_content_is_stored_once_across_snapshots() {
    let (_dir, store) = store();
    let first = snapshot(&store, day(1, 6), 50, 0);
    let files_after_first = object_files(&store).len();
    // Same content again: the only new file would be a layer, and there is none.
    let second = snapshot(&store, day(2, 6), 50, 0);
    assert_eq!(object_files(&store).len(), files_after_first);

    let (a, b) = (
        store.manifest(first.as_str()).unwrap(),
        store.manifest(second.as_str()).unwrap(),
    );
    assert_eq!(a.objects, b.objects);
    assert_eq!(a.summary.counts["user"], 50);
    assert_eq!(a.summary.counts["conditionalAccessPolicy"], 14);
    assert_eq!(b.summary.tenant_id, TENANT);
    assert_eq!(b.summary.engine_version, env!("CARGO_PKG_VERSION"));

    // The stored body is the normalized one; volatile data sits in the entry.
    let entry = a
        .find("user", "00000000-0000-4000-8000-000000000007")
        .unwrap();
    assert_eq!(entry.name, "User 7");
    assert_eq!(
        entry.volatile.to_map()["lastPasswordChangeDateTime"],
        json!("2026-01-01T00:00:00Z")
    );
    let body = store.read_object(&entry.hash).unwrap();
    assert_eq!(body, user(7, "Sales").body);
    assert!(body.get("lastPasswordChangeDateTime").is_none());
}

#[test]
fn a_small_change_adds_a_small_layer_not_a_second_copy() {
    let (_dir, store) = store();
    let first = snapshot(&store, day(1, 6), 400, 0);
    let size = |s: &entrasnap_core::LocalStore| -> u64 {
        let objects: u64 = object_files(s).iter().map(|(_, n)| n).sum();
        let manifests: u64 = fs::read_dir(s.root().join("snapshots"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        objects + manifests
    };
    let before = size(&store);
    // 1% of users change.
    let second = snapshot(&store, day(2, 6), 400, 4);
    let growth = size(&store) - before;
    assert!(growth * 20 < before, "grew by {growth} of {before} bytes");

    let (a, b) = (
        store.manifest(first.as_str()).unwrap(),
        store.manifest(second.as_str()).unwrap(),
    );
    let changed: Vec<_> = a
        .entries("user")
        .iter()
        .zip(b.entries("user"))
        .filter(|(x, y)| x != y)
        .collect();
    assert_eq!(changed.len(), 4);
    assert_eq!(b.entries("user").len(), 400);
    assert_eq!(
        store.read_object(&b.entries("user")[0].hash).unwrap()["department"],
        json!("Engineering")
    );

    // A removed object disappears from the next snapshot only.
    let w = store.begin_at(TENANT, &[ty("user")], day(3, 6)).unwrap();
    for i in 1..400 {
        w.put(ty("user"), &user(i, "Sales")).unwrap();
    }
    let third = store.manifest(w.finish().unwrap().as_str()).unwrap();
    assert_eq!(third.entries("user").len(), 399);
    assert!(
        third
            .find("user", "00000000-0000-4000-8000-000000000000")
            .is_none()
    );
    assert!(
        store
            .manifest(first.as_str())
            .unwrap()
            .find("user", "00000000-0000-4000-8000-000000000000")
            .is_some()
    );
    assert!(store.verify(None).unwrap().is_ok());
}

#[test]
fn a_long_chain_of_small_changes_is_folded_over_its_first_layer() {
    let (_dir, store) = store();
    let users = 400;
    let index = |id: &entrasnap_core::store::SnapshotId| -> Vec<String> {
        let text = fs::read_to_string(store.root().join(format!("snapshots/{id}.json"))).unwrap();
        let m: serde_json::Value = serde_json::from_str(&text).unwrap();
        m["index"]["user"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_string())
            .collect()
    };
    // Day d: the first d users have moved department (a few more each day).
    let mut ids = Vec::new();
    for d in 0..12 {
        ids.push(snapshot(&store, day(d as u32 + 1, 6), users, d * 2));
    }
    let first = index(&ids[0]);
    assert_eq!(first.len(), 1);
    let lengths: Vec<usize> = ids.iter().map(|id| index(id).len()).collect();
    // Seven change layers pile up, then the eighth snapshot folds them into
    // one over the same first layer, which is never written again.
    assert_eq!(lengths, [1, 2, 3, 4, 5, 6, 7, 8, 2, 3, 4, 5]);
    for id in &ids {
        assert_eq!(index(id)[0], first[0], "{id}");
    }
    // And each snapshot still reads as it was written.
    for (d, id) in ids.iter().enumerate() {
        let m = store.manifest(id.as_str()).unwrap();
        assert_eq!(m.entries("user").len(), users);
        let moved = m
            .entries("user")
            .iter()
            .filter(|e| store.read_object(&e.hash).unwrap()["department"] == json!("Engineering"))
            .count();
        assert_eq!(moved, d * 2, "{id}");
    }
    assert!(store.verify(None).unwrap().is_ok());
}

#[test]
fn an_unfinished_export_is_never_listed_and_leaves_complete_ones_intact() {
    let (_dir, store) = store();
    let done = snapshot(&store, day(1, 6), 10, 0);
    {
        let w = store.begin_at(TENANT, &[ty("user")], day(2, 6)).unwrap();
        for i in 0..10 {
            w.put(ty("user"), &user(i, "Killed")).unwrap();
        }
        // Dropped without finish, as a killed process would leave it (plus a stray temp file).
    }
    fs::write(store.root().join("snapshots/.tmp-999-0"), b"{\"half\":").unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, done);
    assert_eq!(store.manifest("latest").unwrap().id(), &done);
    assert!(store.verify(None).unwrap().is_ok());
}

#[test]
fn a_second_writer_is_refused_with_a_clear_message() {
    let (_dir, store) = store();
    let w = store.begin(TENANT, &[ty("user")]).unwrap();
    let err = store.begin(TENANT, &[ty("user")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Locked);
    let msg = err.to_string();
    assert!(msg.contains(&store.root().display().to_string()), "{msg}");
    assert!(msg.contains("another export or prune is running"), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    assert_eq!(
        store.prune(&KeepPolicy::default()).unwrap_err().kind(),
        ErrorKind::Locked
    );
    // Readers do not need the lock.
    assert!(store.list().unwrap().is_empty());
    w.finish().unwrap();
    store.begin(TENANT, &[ty("user")]).unwrap();
}

#[test]
fn verify_names_the_snapshot_and_object_of_a_flipped_byte() {
    let (_dir, store) = store();
    let id = snapshot(&store, day(1, 6), 3, 0);
    let m = store.manifest(id.as_str()).unwrap();
    let target = m.entries("conditionalAccessPolicy")[0].clone();
    let path = object_path(&store, &target.hash);
    let mut bytes = fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    fs::write(&path, bytes).unwrap();

    let report = store.verify(None).unwrap();
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
    let p = &report.problems[0];
    assert_eq!(p.kind, ProblemKind::ObjectCorrupt);
    assert_eq!(p.snapshot, id.to_string());
    assert_eq!(p.type_name.as_deref(), Some("conditionalAccessPolicy"));
    assert_eq!(p.object_id.as_deref(), Some(target.id.as_str()));
    assert!(
        p.message.contains(id.as_str())
            && p.message.contains(&target.name)
            && p.message.contains(&target.id),
        "{}",
        p.message
    );
    assert_eq!(
        store.read_object(&target.hash).unwrap_err().kind(),
        ErrorKind::Corrupt
    );
}

#[test]
fn verify_names_a_missing_object_in_every_snapshot_that_needs_it() {
    let (_dir, store) = store();
    let first = snapshot(&store, day(1, 6), 3, 0);
    let second = snapshot(&store, day(2, 6), 3, 0);
    let m = store.manifest("latest").unwrap();
    let target = m
        .find("user", "00000000-0000-4000-8000-000000000001")
        .unwrap()
        .clone();
    fs::remove_file(object_path(&store, &target.hash)).unwrap();

    let report = store.verify(None).unwrap();
    let missing: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::ObjectMissing)
        .collect();
    assert_eq!(missing.len(), 2);
    for (p, id) in missing.iter().zip([&first, &second]) {
        assert_eq!(p.snapshot, id.to_string());
        assert!(
            p.message
                .contains("user 'User 1' (00000000-0000-4000-8000-000000000001)"),
            "{}",
            p.message
        );
        assert!(p.message.contains("missing"), "{}", p.message);
    }
    // Asking for one snapshot checks only that one.
    assert_eq!(
        store.verify(Some(first.as_str())).unwrap().problems.len(),
        1
    );
}

#[test]
fn verify_detects_a_manifest_edited_after_completion() {
    let (_dir, store) = store();
    let id = snapshot(&store, day(1, 6), 3, 0);
    let path = store.root().join("snapshots").join(format!("{id}.json"));
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"user\": 3"), "{text}");
    fs::write(&path, text.replace("\"user\": 3", "\"user\": 2")).unwrap();

    let report = store.verify(Some("latest")).unwrap();
    let kinds: Vec<_> = report.problems.iter().map(|p| p.kind).collect();
    assert!(kinds.contains(&ProblemKind::ManifestEdited), "{kinds:?}");
    let edited = report
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::ManifestEdited)
        .unwrap();
    assert!(edited.message.contains(id.as_str()), "{}", edited.message);
    // The count no longer matches the entries either.
    assert!(kinds.contains(&ProblemKind::CountMismatch), "{kinds:?}");
    // Reading it for a restore is refused; listing shows it as not intact.
    let err = store.manifest(id.as_str()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains(id.as_str()));
    assert!(!store.list().unwrap()[0].intact);

    // Garbage is reported, not a panic.
    fs::write(&path, b"{not json").unwrap();
    let report = store.verify(None).unwrap();
    assert_eq!(report.problems[0].kind, ProblemKind::ManifestUnreadable);
    assert!(report.problems[0].message.contains(id.as_str()));
}

#[test]
fn prune_keeps_by_policy_and_removes_what_nothing_refers_to() {
    let (_dir, store) = store();
    // Twice a day for four days; each day's users differ so each adds objects.
    let mut ids = Vec::new();
    for d in 1..=4 {
        for h in [6, 18] {
            ids.push(snapshot(&store, day(d, h), 20, (d as usize) * 2));
        }
    }
    // Leftovers of a killed export: objects without a manifest, and a temp file.
    let orphan = killed_export_leftover(&store, day(5, 1));
    let shard = object_path(&store, &orphan).parent().unwrap().to_path_buf();
    fs::write(shard.join(".tmp-1-1"), b"partial").unwrap();

    let report = store
        .prune(&KeepPolicy {
            daily: 2,
            weekly: 0,
            monthly: 0,
        })
        .unwrap();
    let newest_two_days = vec![ids[7].clone(), ids[5].clone()];
    assert_eq!(report.kept, newest_two_days);
    assert_eq!(report.removed.len(), 6);
    assert!(report.objects_removed > 0 && report.bytes_freed > 0);
    assert!(report.sweep_skipped.is_none());
    assert!(!object_path(&store, &orphan).exists());
    assert!(!shard.join(".tmp-1-1").exists());

    let listed: Vec<_> = store.list().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(listed, newest_two_days);
    // Everything kept still verifies, and every remaining file is needed.
    let report = store.verify(None).unwrap();
    assert!(report.is_ok(), "{:#?}", report.problems);
    assert_eq!(report.objects_checked, object_files(&store).len());

    // A second prune with the same policy changes nothing.
    let again = store
        .prune(&KeepPolicy {
            daily: 2,
            weekly: 0,
            monthly: 0,
        })
        .unwrap();
    assert_eq!((again.removed.len(), again.objects_removed), (0, 0));
}

/// An object file a killed export left behind. A dropped writer takes its
/// files back (a failed export leaves nothing), so the file is kept aside
/// and put back, as a SIGKILL would have left it.
fn killed_export_leftover(
    store: &entrasnap_core::LocalStore,
    at: chrono::DateTime<chrono::Utc>,
) -> entrasnap_core::store::ObjectHash {
    let killed = store.begin_at(TENANT, &[ty("user")], at).unwrap();
    let orphan = killed.put(ty("user"), &user(999, "Orphan")).unwrap();
    let path = object_path(store, &orphan);
    let bytes = fs::read(&path).unwrap();
    drop(killed);
    assert!(!path.exists(), "an unfinished writer takes its files back");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes).unwrap();
    orphan
}

#[test]
fn prune_never_sweeps_when_a_manifest_cannot_be_read() {
    let (_dir, store) = store();
    let id = snapshot(&store, day(1, 6), 3, 0);
    let orphan = killed_export_leftover(&store, day(2, 1));
    fs::write(
        store.root().join("snapshots").join(format!("{id}.json")),
        b"garbage",
    )
    .unwrap();
    let report = store.prune(&KeepPolicy::default()).unwrap();
    assert!(report.sweep_skipped.unwrap().contains(id.as_str()));
    assert!(object_path(&store, &orphan).exists());
}

#[test]
fn links_are_stored_once_and_checked() {
    let (_dir, store) = store();
    let w = store.begin(TENANT, &[ty("group"), ty("user")]).unwrap();
    let g = group("g1", "Pilot users");
    w.put(ty("group"), &g).unwrap();
    let members: Vec<String> = (0..10_000).rev().map(|i| format!("u{i}")).collect();
    let links: Links = BTreeMap::from([
        ("members".to_string(), members),
        ("owners".to_string(), vec!["u1".into(), "u1".into()]),
    ]);
    let h = w.put_links(ty("group"), "g1", &links).unwrap().unwrap();
    // Putting the object again (a delta replay) keeps its links.
    w.put(ty("group"), &g).unwrap();
    assert_eq!(
        w.put_links(ty("group"), "nope", &links).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        w.put_links(
            ty("group"),
            "g1",
            &BTreeMap::from([("manager".to_string(), vec![])])
        )
        .unwrap_err()
        .kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        w.put(ty("application"), &g).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let id = w.finish().unwrap();

    let m = store.manifest(id.as_str()).unwrap();
    let entry = m.find("group", "g1").unwrap();
    assert_eq!(entry.links, Some(h));
    let stored = store.read_links(&h).unwrap();
    assert_eq!(stored["members"].len(), 10_000);
    assert_eq!(stored["members"][0], "u0");
    assert_eq!(stored["owners"], ["u1"]);
    // The manifest stays small: members live in their own object.
    let manifest_len = fs::metadata(store.root().join("snapshots").join(format!("{id}.json")))
        .unwrap()
        .len();
    assert!(manifest_len < 2_000, "{manifest_len}");

    fs::remove_file(object_path(&store, &h)).unwrap();
    let report = store.verify(None).unwrap();
    assert_eq!(report.problems.len(), 1);
    assert!(
        report.problems[0]
            .message
            .contains("group 'Pilot users' (g1): links"),
        "{}",
        report.problems[0].message
    );
}

#[test]
fn carried_entries_must_exist_in_the_store() {
    let (_dir, store) = store();
    let first = snapshot(&store, day(1, 6), 3, 0);
    let old = store.manifest(first.as_str()).unwrap();
    let w = store.begin_at(TENANT, &[ty("user")], day(2, 6)).unwrap();
    for e in old.entries("user") {
        w.put_entry(ty("user"), e.clone()).unwrap();
    }
    let mut bogus = old.entries("user")[0].clone();
    bogus.hash = entrasnap_core::store::ObjectHash::of(b"never stored");
    let err = w.put_entry(ty("user"), bogus).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("User 0"), "{err}");
    let second = store.manifest(w.finish().unwrap().as_str()).unwrap();
    assert_eq!(second.entries("user"), old.entries("user"));
}

#[test]
fn export_state_is_saved_only_with_a_complete_snapshot() {
    let (_dir, store) = store();
    assert_eq!(store.state_get(TENANT).unwrap(), None);
    let w = store.begin(TENANT, &[ty("user")]).unwrap();
    w.set_state(json!({"deltaLinks": {"user": "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=1"}}));
    drop(w);
    assert_eq!(store.state_get(TENANT).unwrap(), None);

    let w = store.begin(TENANT, &[ty("user")]).unwrap();
    w.set_state(json!({"deltaLinks": {"user": "token-2"}}));
    w.finish().unwrap();
    assert_eq!(
        store.state_get(TENANT).unwrap(),
        Some(json!({"deltaLinks": {"user": "token-2"}}))
    );

    store.state_put(TENANT, &json!({"reset": true})).unwrap();
    assert_eq!(
        store.state_get(TENANT).unwrap(),
        Some(json!({"reset": true}))
    );
    assert_eq!(
        store.state_get("../evil").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        store.begin("a/b", &[ty("user")]).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn unknown_ids_are_clear_errors() {
    let (_dir, store) = store();
    assert_eq!(
        store.manifest("latest").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        store.manifest("../../etc/passwd").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let err = store.manifest("20261121T234700Z-7f3a9c").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("20261121T234700Z-7f3a9c"), "{err}");
}
