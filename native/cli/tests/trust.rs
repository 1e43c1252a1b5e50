//! The traps of issue 12 ("trust at 2 a.m."), each driven the way an admin
//! under pressure would: snapshots that say why they exist (`latest` is the
//! newest export), labels, filters that match nothing failing by name, a
//! what-if and a usage mistake that store nothing, unreadable snapshots
//! named, and reports a person can read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::{Value, json};

use crate::emulator::{Emulator, POLICIES};
use crate::util::*;

const CA001: &str = "CA001 - Require MFA for all users";

fn export(emu: &Emulator, store: &Path) -> String {
    let out = emu.entrasnap(store, &["export"]);
    assert_exit(&out, 0);
    stdout(&out).trim().to_string()
}

/// Every file under `dir` with its bytes: the store, byte for byte.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

fn disable_ca001(emu: &Emulator) -> String {
    let id = emu.id_of(&format!("beta/{POLICIES}"), CA001);
    emu.send(
        Method::PATCH,
        &format!("beta/{POLICIES}/{id}"),
        Some(json!({"state": "disabled"})),
    );
    id
}

fn kinds(emu: &Emulator, store: &Path) -> Vec<(String, String)> {
    let out = emu.entrasnap(store, &["list", "--json"]);
    assert_exit(&out, 0);
    json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The first run's live export used to become `latest`, so the second run
/// compared the tenant with itself and reported nothing.
#[test]
fn compare_from_latest_to_live_twice_reports_the_critical_change_both_times() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let nightly = export(&emu, dir.path());
    let ca001 = disable_ca001(&emu);

    for run in 0..2 {
        let report = emu.compare_live(dir.path(), "latest");
        assert_eq!(report["from"], nightly.as_str(), "run {run}");
        let critical: Vec<&Value> = report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["severity"] == "critical")
            .collect();
        assert_eq!(critical.len(), 1, "run {run}: {report:#}");
        assert_eq!(critical[0]["objectId"], ca001.as_str());
        assert_eq!(
            report["changes"].as_array().unwrap().len(),
            1,
            "run {run}: {report:#}"
        );
    }
    let listed = kinds(&emu, dir.path());
    let kinds: Vec<&str> = listed.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(kinds, ["compare-live", "compare-live", "export"]);
    assert_eq!(listed[2].0, nightly);

    let out = emu.entrasnap(dir.path(), &["list"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("compare-live") && text.contains("never latest"),
        "{text}"
    );
}

/// The what-if used to store its undo point, which became `latest`: the
/// damaged state. The run with --yes then restored nothing.
#[test]
fn restore_latest_what_if_then_yes_restores_and_the_what_if_stores_nothing() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let nightly = export(&emu, dir.path());
    let ca001 = disable_ca001(&emu);
    let before = contents(dir.path());
    let writes = emu.writes();

    let out = emu.entrasnap(
        dir.path(),
        &["restore", "--snapshot", "latest", "--what-if"],
    );
    assert_exit(&out, 0);
    assert!(stdout(&out).contains(CA001), "{}", stdout(&out));
    assert_eq!(
        emu.writes(),
        writes,
        "a what-if writes nothing to the tenant"
    );
    assert!(
        contents(dir.path()) == before,
        "a what-if leaves the store byte for byte as it was"
    );
    let out = emu.entrasnap(
        dir.path(),
        &["restore", "--snapshot", "latest", "--what-if", "--json"],
    );
    assert_exit(&out, 0);
    let plan = json(&out);
    assert_eq!(plan["snapshot"], nightly.as_str());
    assert_eq!(plan["preRestore"], Value::Null);
    assert!(contents(dir.path()) == before);

    let out = emu.entrasnap(
        dir.path(),
        &["restore", "--snapshot", "latest", "--yes", "--json"],
    );
    assert_exit(&out, 0);
    let result = json(&out);
    assert_eq!(result["snapshot"], nightly.as_str());
    assert_eq!(result["outcome"]["verification"]["clean"], true);
    let policy = emu.get(&format!("beta/{POLICIES}/{ca001}"));
    assert_eq!(policy["state"], "enabled", "the damage is undone");

    // The undo point is stored (before the first write), and is not `latest`.
    let pre = result["preRestore"].as_str().unwrap();
    let listed = kinds(&emu, dir.path());
    assert_eq!(
        listed,
        [
            (pre.to_string(), "undo-point".to_string()),
            (nightly.clone(), "export".to_string())
        ]
    );
    let out = emu.entrasnap(dir.path(), &["show", "--snapshot", "latest", "--json"]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["snapshot"]["id"], nightly.as_str());
}

/// A mistyped id or attribute used to plan nothing and exit 0, after
/// storing an undo-point snapshot.
#[test]
fn restore_filters_that_match_nothing_fail_naming_them_and_store_nothing() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    export(&emu, dir.path());
    disable_ca001(&emu);
    let before = contents(dir.path());
    let writes = emu.writes();
    let unknown = "0badbeef-0000-4000-8000-000000000000";

    let cases: [(&[&str], &str); 3] = [
        (&["--id", unknown], unknown),
        (
            &["--types", "user", "--attribute", "departmnt"],
            "'departmnt'",
        ),
        (
            &[
                "--types",
                "conditionalAccessPolicy",
                "--attribute",
                "state,conditions.users.excludeGrups",
            ],
            "'conditions.users.excludeGrups'",
        ),
    ];
    for (filter, named) in cases {
        let mut args = vec!["restore", "--snapshot", "latest", "--yes"];
        args.extend_from_slice(filter);
        let out = emu.entrasnap(dir.path(), &args);
        assert_exit(&out, 1);
        let err = stderr(&out);
        // Progress lines come first (a re-created object's live id needs the tenant read).
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "{filter:?}: {err}");
        assert!(
            errors[0].contains(named) && errors[0].contains("matched nothing"),
            "{filter:?}: {err}"
        );
        assert!(contents(dir.path()) == before, "{filter:?}: nothing stored");
        assert_eq!(emu.writes(), writes, "{filter:?}: nothing written");
    }

    // A type the snapshot did not export matches nothing either.
    let narrow = tempfile::tempdir().unwrap();
    let out = emu.entrasnap(narrow.path(), &["export", "--types", "namedLocation"]);
    assert_exit(&out, 0);
    let out = emu.entrasnap(
        narrow.path(),
        &[
            "restore",
            "--snapshot",
            "latest",
            "--types",
            "group",
            "--yes",
        ],
    );
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("did not export group"),
        "{}",
        stderr(&out)
    );
    let out = emu.entrasnap(
        narrow.path(),
        &[
            "compare", "--from", "latest", "--to", "latest", "--types", "group",
        ],
    );
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("did not export group"),
        "{}",
        stderr(&out)
    );
}

/// The export used to store the snapshot, then fail writing the directory.
#[test]
fn export_directory_to_a_file_fails_before_reading_or_storing_anything() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let store = dir.path().join("store");
    let requests = emu.get("_sim/stats")["requests"].as_u64().unwrap();

    let out = emu.entrasnap(
        &store,
        &[
            "export",
            "--format",
            "directory",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.contains("not-a-folder") && err.contains("is a file"),
        "{err}"
    );
    assert!(!store.exists(), "no store was created");
    assert_eq!(
        emu.get("_sim/stats")["requests"].as_u64().unwrap(),
        requests,
        "Graph was not asked"
    );

    // --out without --format directory is a usage mistake, not ignored.
    let out = emu.entrasnap(&store, &["export", "--out", dir.path().to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(!store.exists());
}

/// A Recreated change carries only the new, live id: `--id` given it must
/// select the snapshot object, and `--delete-added` must not delete the copy.
#[test]
fn a_recreated_object_is_restored_by_its_live_id_and_not_deleted_as_added() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let group = |description: &str| {
        json!({
            "displayName": "Project Falcon",
            "description": description,
            "mailEnabled": false,
            "mailNickname": "project-falcon",
            "securityEnabled": true,
        })
    };
    let old = emu.send(Method::POST, "groups", Some(group("Falcon team")))["id"]
        .as_str()
        .unwrap()
        .to_string();
    export(&emu, dir.path());

    // Deleted for good, then created again by hand, not quite the same.
    emu.send(Method::DELETE, &format!("groups/{old}"), None);
    emu.send(
        Method::DELETE,
        &format!("directory/deletedItems/{old}"),
        None,
    );
    let new = emu.send(Method::POST, "groups", Some(group("re-created by hand")))["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new, old);

    let report = emu.compare_live(dir.path(), "latest");
    let change = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["objectName"] == "Project Falcon")
        .unwrap_or_else(|| panic!("{report:#}"))
        .clone();
    assert_eq!(change["kind"]["type"], "recreated", "{change:#}");
    assert_eq!(change["kind"]["previousId"], old.as_str(), "{change:#}");
    assert_eq!(change["objectId"], new.as_str());

    let out = emu.entrasnap(
        dir.path(),
        &[
            "restore",
            "--snapshot",
            "latest",
            "--types",
            "group",
            "--id",
            &new,
            "--delete-added",
            "--yes",
            "--json",
        ],
    );
    assert_exit(&out, 0);
    let result = json(&out);
    let steps = result["plan"]["steps"].as_array().unwrap();
    assert!(
        steps.iter().all(|s| s["kind"] != "delete"),
        "the re-created copy is not deleted: {steps:#?}"
    );
    assert_eq!(steps.len(), 1, "{steps:#?}");
    assert_eq!(steps[0]["request"]["path"], format!("groups/{new}"));
    assert_eq!(result["outcome"]["verification"]["clean"], true);
    let now = emu.get(&format!("groups/{new}"));
    assert_eq!(now["description"], "Falcon team");
}

/// Each type's progress line shows its own requests, not the export's total.
#[test]
fn export_progress_shows_each_types_own_requests() {
    // Enough users for three delta pages (200 each); the rest fit one page.
    let emu = Emulator::with(entrasnap_sim::Config {
        seed: entrasnap_sim::Seed::Small,
        users: Some(450),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let out = emu.entrasnap(dir.path(), &["export"]);
    assert_exit(&out, 0);
    let err = stderr(&out);
    let done: BTreeMap<&str, u64> = err
        .lines()
        .filter(|l| l.trim_end().ends_with("done"))
        .map(|l| {
            let ty = l.split_whitespace().next().unwrap();
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "requests").unwrap();
            (ty, words[at - 1].replace(',', "").parse().unwrap())
        })
        .collect();
    assert!(done.len() >= 10, "{err}");
    assert_eq!(done["organization"], 1, "{err}");
    assert_eq!(done["conditionalAccessPolicy"], 1, "{err}");
    assert!(done["user"] >= 3, "{err}");
    let distinct: std::collections::BTreeSet<u64> = done.values().copied().collect();
    assert!(distinct.len() > 1, "every type shows the same count: {err}");
}

/// A secret added to an app reads as words in the text report, not as JSON.
#[test]
fn the_text_report_names_an_added_secret_in_words() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    export(&emu, dir.path());
    let app = emu.list("applications?$select=id,displayName")[0].clone();
    let id = app["id"].as_str().unwrap();
    emu.send(
        Method::POST,
        &format!("applications/{id}/addPassword"),
        Some(json!({"passwordCredential": {"displayName": "sync-2", "endDateTime": "2028-12-01T00:00:00Z"}})),
    );
    let out = emu.entrasnap(dir.path(), &["compare", "--from", "latest", "--to", "live"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("passwordCredentials"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("+ secret 'sync-2' (hint ") && line.ends_with(", expires 2028-12-01)"),
        "{line}"
    );
    assert!(!line.contains('{'), "{line}");
}

/// A snapshot written by a newer engine used to vanish from `list`, and
/// `latest` silently meant an older one.
#[test]
fn a_snapshot_of_a_newer_format_is_listed_and_latest_will_not_skip_it() {
    let f = Fixture::new();
    let old = f.snapshot(march(1, 6), 2, sales);
    let newer = f.snapshot(march(2, 6), 2, sales);
    let path = f.manifest_path(&newer);
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    manifest["format"] = json!(99);
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();

    let out = f.run(&["list"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.starts_with(newer.as_str()))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.contains("UNREADABLE") && row.contains("newer EntraSnapshot"),
        "{row}"
    );
    assert!(stderr(&out).contains(newer.as_str()), "{}", stderr(&out));

    let listed = json(&f.run(&["list", "--json"]));
    assert_eq!(listed[0]["id"], newer.as_str());
    assert_eq!(listed[0]["readable"], false);
    assert!(listed[0]["reason"].as_str().unwrap().contains("format 99"));
    assert_eq!(listed[1]["id"], old.as_str());
    assert_eq!(listed[1]["readable"], true);

    for args in [
        &["show", "--snapshot", "latest"][..],
        &["compare", "--from", "latest", "--to", old.as_str()][..],
    ] {
        let out = f.run(args);
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(
            err.starts_with("error: latest: snapshot ") && err.contains(newer.as_str()),
            "{args:?}: {err}"
        );
    }
    // Asked for by id, the older one is still there.
    let out = f.run(&["show", "--snapshot", old.as_str()]);
    assert_exit(&out, 0);
}

#[test]
fn a_label_stands_for_its_snapshot_and_prune_keeps_it() {
    let f = Fixture::new();
    let good = f.snapshot(march(1, 6), 2, sales);
    let middle = f.snapshot(march(2, 6), 3, sales);
    let newest = f.snapshot(march(3, 6), 4, sales);

    let out = f.run(&["label", good.as_str(), "known-good"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out).trim(),
        format!("snapshot {good} is label:known-good")
    );
    let out = f.run(&["show", "--snapshot", "label:known-good"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("snapshot  {good}\n")), "{text}");
    assert!(
        text.contains("kind      export\nlabels    known-good\n"),
        "{text}"
    );
    let listed = json(&f.run(&["list", "--json"]));
    assert_eq!(listed[2]["labels"], json!(["known-good"]));
    assert_eq!(listed[0]["labels"], json!([]));

    // A label on another snapshot is not moved silently; a bad name is refused.
    let out = f.run(&["label", "latest", "known-good"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains(good.as_str()), "{}", stderr(&out));
    let out = f.run(&["label", "latest", "latest"]);
    assert_exit(&out, 1);
    // An unknown label is named.
    let out = f.run(&["show", "--snapshot", "label:known-bad"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("no label 'known-bad'") && stderr(&out).contains("known-good"));
    // A bare label name gets a hint.
    let out = f.run(&["show", "--snapshot", "known-good"]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("label:known-good"),
        "{}",
        stderr(&out)
    );

    // Retention would keep only the newest; the label keeps the oldest too.
    let out = f.run(&[
        "prune",
        "--keep-daily",
        "1",
        "--keep-weekly",
        "0",
        "--keep-monthly",
        "0",
        "--json",
    ]);
    assert_exit(&out, 0);
    let ids: Vec<String> = json(&f.run(&["list", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [newest.to_string(), good.to_string()],
        "{middle} pruned"
    );

    let out = f.run(&["label", "--remove", "known-good"]);
    assert_exit(&out, 0);
    let out = f.run(&["show", "--snapshot", "label:known-good"]);
    assert_exit(&out, 1);
    let out = f.run(&["label", "--remove", "known-good"]);
    assert_exit(&out, 1);
}
