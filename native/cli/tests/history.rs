//! `entrasnap history` against the emulator: a policy changed three times
//! across four exports, read back event by event; deleted and restored;
//! names several objects share, names nothing has, times as range bounds.

use reqwest::Method;
use serde_json::{Value, json};

use crate::emulator::{Emulator, POLICIES};
use crate::util::{assert_exit, json, stderr, stdout};

const CA002: &str = "CA002 - Block legacy authentication";
const TYPES: &[&str] = &["export", "--types", "conditionalAccessPolicy,group"];

fn export(emu: &Emulator, store: &std::path::Path) -> String {
    let out = emu.entrasnap(store, TYPES);
    assert_exit(&out, 0);
    stdout(&out).trim().to_string()
}

fn history(emu: &Emulator, store: &std::path::Path, args: &[&str]) -> Value {
    let mut all = vec!["history", "--json"];
    all.extend(args);
    let out = emu.entrasnap(store, &all);
    assert_exit(&out, 0);
    json(&out)
}

/// The one `error:` line of a failed command (exit 1).
fn error_of(emu: &Emulator, store: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["history"];
    all.extend(args);
    let out = emu.entrasnap(store, &all);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    err.lines().next().unwrap().to_string()
}

fn events(h: &Value) -> Vec<&str> {
    h["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

#[test]
fn a_policy_changed_three_times_reads_back_change_by_change() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let policy = emu.find(POLICIES, CA002);
    let id = policy["id"].as_str().unwrap().to_string();
    let temporary = emu.id_of("groups", "SG-CA-Exclude-MFA-Temporary");
    let mut snaps = vec![export(&emu, store)];

    emu.send(
        Method::PATCH,
        &format!("{POLICIES}/{id}"),
        Some(json!({"state": "disabled"})),
    );
    snaps.push(export(&emu, store));
    let mut conditions = policy["conditions"].clone();
    conditions["users"]["excludeGroups"]
        .as_array_mut()
        .unwrap()
        .push(json!(temporary));
    emu.send(
        Method::PATCH,
        &format!("{POLICIES}/{id}"),
        Some(json!({"conditions": conditions})),
    );
    snaps.push(export(&emu, store));
    emu.send(
        Method::PATCH,
        &format!("{POLICIES}/{id}"),
        Some(json!({"displayName": "CA002 - No legacy sign-in"})),
    );
    snaps.push(export(&emu, store));

    let h = history(
        &emu,
        store,
        &["--name", "ca002 - block LEGACY authentication"],
    );
    assert_eq!(h["objectId"], id.as_str());
    assert_eq!(h["objectType"], "conditionalAccessPolicy");
    assert_eq!(h["objectName"], "CA002 - No legacy sign-in");
    assert_eq!(h["snapshots"], 4);
    assert_eq!(events(&h), ["created", "changed", "changed", "changed"]);
    let e = h["entries"].as_array().unwrap();
    assert_eq!(e[0]["from"], Value::Null);
    assert_eq!(
        e[0]["attributes"],
        json!([]),
        "first seen is not a change of every property"
    );
    assert_eq!(e[0]["to"]["id"], snaps[0].as_str());
    for k in 1..4 {
        assert_eq!(e[k]["from"]["id"], snaps[k - 1].as_str(), "{:#}", e[k]);
        assert_eq!(e[k]["to"]["id"], snaps[k].as_str(), "{:#}", e[k]);
        assert_eq!(e[k]["to"]["kind"], "export");
        assert!(e[k]["to"]["completedAt"].is_string());
        assert!(
            e[k].get("changedBy").is_none(),
            "empty attribution is left out"
        );
    }
    assert_eq!(
        e[1]["attributes"],
        json!([{"path": "state", "old": "enabled", "new": "disabled"}])
    );
    assert_eq!(
        e[2]["attributes"].as_array().unwrap().len(),
        1,
        "{:#}",
        e[2]
    );
    assert_eq!(
        e[2]["attributes"][0]["path"],
        "conditions.users.excludeGroups"
    );
    assert_eq!(e[2]["attributes"][0]["added"], json!([temporary]));
    assert_eq!(
        e[2]["attributes"][0]["names"][&temporary],
        "SG-CA-Exclude-MFA-Temporary"
    );
    assert_eq!(
        e[3]["attributes"],
        json!([{"path": "displayName", "old": CA002, "new": "CA002 - No legacy sign-in"}])
    );
    // Compare says the same of the same pair.
    let out = emu.entrasnap(
        store,
        &["compare", "--from", &snaps[0], "--to", &snaps[1], "--json"],
    );
    assert_exit(&out, 0);
    let report = json(&out);
    assert_eq!(report["changes"][0]["attributes"], e[1]["attributes"]);
    assert_eq!(report["changes"][0]["severity"], e[1]["severity"]);

    // The same object by its new name, and as text for people.
    let by_new = history(&emu, store, &["--name", "CA002 - No legacy sign-in"]);
    assert_eq!(by_new["entries"], h["entries"]);
    let out = emu.entrasnap(store, &["history", "--id", &id]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("    state: enabled -> disabled"), "{text}");
    assert!(
        text.contains("    conditions.users.excludeGroups: + SG-CA-Exclude-MFA-Temporary"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "    displayName: {CA002} -> CA002 - No legacy sign-in"
        )),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        lines.len(),
        6,
        "a header of two lines and one line per event:\n{text}"
    );
    assert!(
        lines[2].contains("created") && lines[3].contains("changed"),
        "{text}"
    );

    // --attribute narrows to one path (and what lies below it).
    let state = history(&emu, store, &["--id", &id, "--attribute", "state"]);
    assert_eq!(events(&state), ["created", "changed"]);
    assert_eq!(
        state["entries"][0]["attributes"],
        json!([{"path": "state", "new": "enabled"}])
    );
    assert_eq!(state["entries"][1]["to"]["id"], snaps[1].as_str());
    let users = history(
        &emu,
        store,
        &["--id", &id, "--attribute", "conditions.users"],
    );
    assert_eq!(events(&users), ["created", "changed"]);
    assert_eq!(users["entries"][1]["to"]["id"], snaps[2].as_str());
    assert_eq!(
        users["entries"][1]["attributes"][0]["path"],
        "conditions.users.excludeGroups"
    );
    let err = error_of(
        &emu,
        store,
        &["--id", &id, "--attribute", "conditions.colour"],
    );
    assert!(
        err.contains("attribute 'conditions.colour' matched nothing"),
        "{err}"
    );

    // Times as bounds: the last snapshot completed at or before each.
    let listed = {
        let out = emu.entrasnap(store, &["list", "--json"]);
        assert_exit(&out, 0);
        json(&out)
    };
    let completed = |id: &str| -> String {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()["completedAt"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (from, to) = (completed(&snaps[1]), completed(&snaps[2]));
    let window = history(&emu, store, &["--id", &id, "--from", &from, "--to", &to]);
    assert_eq!(window["from"]["id"], snaps[1].as_str());
    assert_eq!(window["to"]["id"], snaps[2].as_str());
    assert_eq!(window["snapshots"], 2);
    assert_eq!(events(&window), ["created", "changed"]);
    assert_eq!(
        window["entries"][1]["attributes"][0]["path"],
        "conditions.users.excludeGroups"
    );
    let to_end = history(
        &emu,
        store,
        &[
            "--id",
            &id,
            "--from",
            &snaps[2],
            "--to",
            "2999-01-01T00:00Z",
        ],
    );
    assert_eq!(to_end["snapshots"], 2);
    assert_eq!(to_end["to"]["id"], snaps[3].as_str());
    let err = error_of(&emu, store, &["--id", &id, "--to", "2000-01-01T00:00Z"]);
    assert!(
        err.contains("--to 2000-01-01T00:00Z: no snapshot of tenant"),
        "{err}"
    );
}

#[test]
fn deleted_then_restored_and_names_that_are_not_one_object() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let id = emu.id_of(POLICIES, CA002);
    let first = export(&emu, store);
    emu.send(Method::DELETE, &format!("{POLICIES}/{id}"), None);
    let deleted = export(&emu, store);
    emu.send(
        Method::POST,
        &format!("identity/conditionalAccess/deletedItems/policies/{id}/restore"),
        None,
    );
    // A group under the policy's name: two objects are called that now.
    let group = emu.send(
        Method::POST,
        "groups",
        Some(json!({"displayName": CA002, "mailEnabled": false, "mailNickname": "ca002", "securityEnabled": true})),
    );
    let restored = export(&emu, store);

    let h = history(&emu, store, &["--id", &id]);
    assert_eq!(events(&h), ["created", "deleted", "restored"], "{h:#}");
    let e = h["entries"].as_array().unwrap();
    assert_eq!(e[0]["to"]["id"], first.as_str());
    assert_eq!(
        (&e[1]["from"]["id"], &e[1]["to"]["id"]),
        (&json!(first), &json!(deleted))
    );
    assert_eq!(
        (&e[2]["from"]["id"], &e[2]["to"]["id"]),
        (&json!(deleted), &json!(restored))
    );
    assert_eq!(e[2]["objectId"], id.as_str());
    assert_eq!(e[1]["attributes"], json!([]));
    assert_eq!(e[2]["attributes"], json!([]), "restored exactly as it was");
    assert!(
        e[1]["reason"].as_str().unwrap().contains(CA002),
        "{:#}",
        e[1]
    );

    let err = error_of(&emu, store, &["--name", CA002]);
    let group_id = group["id"].as_str().unwrap();
    assert!(
        err.contains(&format!("2 objects are named '{CA002}'")),
        "{err}"
    );
    assert!(
        err.contains(&format!("conditionalAccessPolicy {id}")),
        "{err}"
    );
    assert!(err.contains(&format!("group {group_id}")), "{err}");
    assert!(err.contains("give --id"), "{err}");
    let only = history(&emu, store, &["--name", CA002, "--type", "group"]);
    assert_eq!(only["objectId"], group_id);
    assert_eq!(events(&only), ["created"]);
    assert_eq!(only["entries"][0]["from"]["id"], deleted.as_str());

    let err = error_of(&emu, store, &["--name", "CA999 - Nothing by this name"]);
    assert!(
        err.contains("no object named 'CA999 - Nothing by this name'"),
        "{err}"
    );
    let err = error_of(
        &emu,
        store,
        &["--id", "00000000-0000-4000-8000-00000000dead"],
    );
    assert!(
        err.contains("no object with id 00000000-0000-4000-8000-00000000dead"),
        "{err}"
    );
}
