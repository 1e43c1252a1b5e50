use crate::util::*;

#[test]
fn list_shows_complete_snapshots_newest_first() {
    let f = Fixture::new();
    let oldest = f.snapshot(march(1, 6), 3, sales);
    let newest = f.snapshot(march(2, 6), 5, sales);
    let middle = f.snapshot(march(1, 18), 4, sales);
    // Started and never finished (a killed export): never listed.
    let unfinished = f
        .store
        .begin_at(TENANT, &[ty("user")], march(3, 6))
        .unwrap();
    unfinished.put(ty("user"), &user(0, "Sales")).unwrap();
    drop(unfinished);

    let out = f.run(&["list"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("ID "), "{text}");
    for (line, id) in lines[1..].iter().zip([&newest, &middle, &oldest]) {
        assert!(line.starts_with(id.as_str()), "{text}");
        assert!(line.contains(TENANT) && line.contains("yes"), "{line}");
    }
    assert!(lines[1].contains("2026-03-02 06:00:00") && lines[1].contains("user 5"));

    let out = f.run(&["list", "--json"]);
    assert_exit(&out, 0);
    let list = json(&out);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [newest.as_str(), middle.as_str(), oldest.as_str()]);
    assert_eq!(list[0]["tenantId"], TENANT);
    assert_eq!(list[0]["createdAt"], "2026-03-02T06:00:00Z");
    assert_eq!(list[0]["types"], serde_json::json!(["user"]));
    assert_eq!(list[0]["counts"]["user"], 5);
    assert_eq!(list[0]["intact"], true);
}

#[test]
fn the_store_can_come_from_the_environment() {
    let f = Fixture::new();
    let id = f.snapshot(march(1, 6), 1, sales);
    let out = assert_cmd::Command::cargo_bin("entrasnap")
        .unwrap()
        .env("ENTRASNAP_STORE", f.path())
        .args(["list", "--json"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(json(&out)[0]["id"], id.as_str());
}

#[test]
fn an_empty_store_lists_nothing() {
    let f = Fixture::new();
    let out = f.run(&["list"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("no complete snapshots in store"));
    assert_eq!(json(&f.run(&["list", "--json"])), serde_json::json!([]));
}

#[test]
fn show_lists_a_snapshots_objects() {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 2, sales);
    let id = f.snapshot(march(2, 6), 3, sales);

    let out = f.run(&["show", "--snapshot", "latest", "--type", "User"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("snapshot  {id}\n")), "{text}");
    assert!(
        text.contains(&format!("user  {}  User 2", user_id(2))),
        "{text}"
    );

    let out = f.run(&["show", "--snapshot", id.as_str(), "--json"]);
    assert_exit(&out, 0);
    let shown = json(&out);
    assert_eq!(shown["snapshot"]["id"], id.as_str());
    let users = shown["objects"]["user"].as_array().unwrap();
    assert_eq!(users.len(), 3);
    assert_eq!(users[1]["name"], "User 1");
    assert_eq!(users[1]["id"], user_id(1));

    let out = f.run(&["show", "--snapshot", "latest", "--type", "group"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).starts_with(&format!("error: snapshot {id} did not export group")));
    let out = f.run(&["show", "--snapshot", "latest", "--type", "gizmo"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).starts_with("error: unknown object type 'gizmo'"));
}
