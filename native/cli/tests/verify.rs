use std::fs;

use entrasnap_core::SnapshotStore;

use crate::util::*;

#[test]
fn a_clean_store_verifies() {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 3, sales);
    f.snapshot(march(2, 6), 3, sales);

    let out = f.run(&["verify"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("ok: checked 2 snapshots"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stderr(&out), "");

    let out = f.run(&["verify", "--snapshot", "latest", "--json"]);
    assert_exit(&out, 0);
    let report = json(&out);
    assert_eq!(report["snapshotsChecked"], 1);
    assert_eq!(report["problems"], serde_json::json!([]));
}

#[test]
fn a_flipped_byte_names_the_snapshot_and_object() {
    let f = Fixture::new();
    let id = f.snapshot(march(1, 6), 3, sales);
    let entry = f
        .store
        .manifest("latest")
        .unwrap()
        .find("user", &user_id(2))
        .unwrap()
        .clone();
    let path = f.object_path(&entry.hash);
    let mut bytes = fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    fs::write(&path, bytes).unwrap();

    let out = f.run(&["verify"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "error: 1 problem in 1 snapshot", "{err}");
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[1].contains(id.as_str())
            && lines[1].contains(&format!("user 'User 2' ({})", user_id(2)))
            && lines[1].contains("damaged"),
        "{err}"
    );

    let out = f.run(&["verify", "--json"]);
    assert_exit(&out, 1);
    let report = json(&out);
    let p = &report["problems"][0];
    assert_eq!(p["kind"], "objectCorrupt");
    assert_eq!(p["snapshot"], id.as_str());
    assert_eq!(p["type"], "user");
    assert_eq!(p["objectId"], user_id(2));
    assert_eq!(p["objectName"], "User 2");
    assert!(stderr(&out).starts_with("error: 1 problem in 1 snapshot\n"));
}

#[test]
fn a_deleted_object_file_is_named_in_every_snapshot_that_needs_it() {
    let f = Fixture::new();
    let first = f.snapshot(march(1, 6), 3, sales);
    let second = f.snapshot(march(2, 6), 3, sales);
    let entry = f
        .store
        .manifest("latest")
        .unwrap()
        .find("user", &user_id(1))
        .unwrap()
        .clone();
    fs::remove_file(f.object_path(&entry.hash)).unwrap();

    let out = f.run(&["verify"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("error: 2 problems in 2 snapshots\n"),
        "{err}"
    );
    for id in [&first, &second] {
        assert!(
            err.lines().any(|l| l.contains(id.as_str())
                && l.contains(&format!("user 'User 1' ({})", user_id(1)))
                && l.contains("missing")),
            "{err}"
        );
    }

    let out = f.run(&["verify", "--snapshot", first.as_str()]);
    assert_exit(&out, 1);
    assert!(stderr(&out).starts_with("error: 1 problem in 1 snapshot\n"));
}

#[test]
fn an_edited_manifest_is_named() {
    let f = Fixture::new();
    let id = f.snapshot(march(1, 6), 3, sales);
    let path = f.manifest_path(&id);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"user\": 3"), "{text}");
    fs::write(&path, text.replace("\"user\": 3", "\"user\": 2")).unwrap();

    let out = f.run(&["verify"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("error: 2 problems in 1 snapshot\n"),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.contains(id.as_str()) && l.contains("manifest was changed")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.contains(id.as_str()) && l.contains("user: manifest counts 2")),
        "{err}"
    );
    let kinds: Vec<String> = json(&f.run(&["verify", "--json"]))["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["manifestEdited", "countMismatch"]);

    // Listing flags it; reading it is refused with a pointer to verify.
    let out = f.run(&["list"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).lines().nth(1).unwrap().contains("NO"));
    assert!(stderr(&out).starts_with(&format!("warning: snapshot {id} was changed")));
    let out = f.run(&["show", "--snapshot", id.as_str()]);
    assert_exit(&out, 1);
    assert!(stderr(&out).starts_with(&format!("error: snapshot {id}: manifest was changed")));
}

#[test]
fn a_missing_index_layer_is_a_problem_not_an_unknown_snapshot() {
    let f = Fixture::new();
    let id = f.snapshot(march(1, 6), 3, sales);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(f.manifest_path(&id)).unwrap()).unwrap();
    let layer = manifest["index"]["user"][0].as_str().unwrap();
    fs::remove_file(f.path().join("objects").join(&layer[..2]).join(&layer[2..])).unwrap();

    let out = f.run(&["verify", "--snapshot", id.as_str()]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.starts_with("error: 1 problem in 1 snapshot\n"), "{err}");
    assert!(
        err.contains(&format!("snapshot {id}: user: the list of user objects")),
        "{err}"
    );
}
