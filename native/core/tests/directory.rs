use std::fs;

use entrasnap_core::store::write_directory;
use entrasnap_core::{SnapshotStore, pretty_bytes};

use crate::util::*;

#[test]
fn writes_one_pretty_file_per_object_and_mirrors_deletions() {
    let (dir, store) = store();
    let id = snapshot(&store, day(1, 6), 3, 0);
    let out = dir.path().join("git");
    let m = store.manifest(id.as_str()).unwrap();
    let report = write_directory(&store, &m, &out).unwrap();
    assert_eq!(report.written, 17);

    let ca001 = out.join("conditionalAccessPolicy").join(
        "ca001-global-baseprotection-allapps-anyplatform-blocklegacya__3c9d5e1a-7f42-4b8e-9a61-2d0c4b7e8f13.json",
    );
    let text = fs::read_to_string(&ca001).unwrap();
    assert!(
        text.starts_with("{\n  \"conditions\": {") && text.ends_with("}\n"),
        "{text}"
    );
    assert!(
        !text.contains("modifiedDateTime\": \"2025"),
        "volatile data stays out of git"
    );
    let user_file = out
        .join("user")
        .join("user-1__00000000-0000-4000-8000-000000000001.json");
    assert_eq!(fs::read(&user_file).unwrap(), pretty_bytes(&user1_body()));

    // Unchanged content is not rewritten; a user's own file in the folder survives.
    fs::write(out.join("user").join("README.md"), "notes").unwrap();
    let again = write_directory(&store, &m, &out).unwrap();
    assert_eq!((again.written, again.unchanged, again.removed), (0, 17, 0));

    // A snapshot without user 1: its file goes.
    let w = store.begin_at(TENANT, &[ty("user")], day(2, 6)).unwrap();
    for i in [0, 2] {
        w.put(ty("user"), &user(i, "Sales")).unwrap();
    }
    let m2 = store.manifest(w.finish().unwrap().as_str()).unwrap();
    let third = write_directory(&store, &m2, &out).unwrap();
    assert_eq!((third.written, third.unchanged, third.removed), (0, 2, 1));
    assert!(!user_file.exists());
    assert!(out.join("user").join("README.md").exists());
    assert!(
        ca001.exists(),
        "types the snapshot does not hold are left alone"
    );
}

fn user1_body() -> serde_json::Value {
    user(1, "Sales").body
}
