//! The bad-input corpus: damaged stores, hostile Graph bodies, malformed ids
//! and paths, unknown types and flags. Every case is its own test, and each
//! asserts the same contract: exit 1 (2 for usage), exactly one `error:` line,
//! first, naming the problem and the file or object; no panic; and the store
//! exactly as it was (the writer's lock file aside, which only says who held it).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use entrasnap_core::SnapshotStore;
use entrasnap_core::store::SnapshotId;
use reqwest::Method;
use serde_json::{Value, json};

use crate::emulator::Emulator;
use crate::util::*;

/// The contract every case is held to; `case` names it in every failure.
#[track_caller]
fn assert_refused(case: &str, out: &Output, code: i32, names: &[&str]) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{case}: exit code\nstdout:\n{}\nstderr:\n{err}",
        stdout(out)
    );
    assert!(!err.contains("panicked"), "{case}: a panic\n{err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: "),
        "{case}: the first line is not the error\n{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{case}: more than one error line\n{err}"
    );
    for name in names {
        assert!(
            first.contains(name),
            "{case}: the error line does not name {name:?}\n{err}"
        );
    }
}

/// Every file under `root` and its bytes, the lock file left out.
fn contents(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.push((path.clone(), Vec::new()));
                walk(&path, out);
            } else if path.file_name().is_some_and(|n| n != "lock") {
                out.push((path.clone(), fs::read(&path).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    if root.is_file() {
        out.push((root.to_path_buf(), fs::read(root).unwrap()));
    }
    walk(root, &mut out);
    out.sort();
    out
}

/// Runs `args` against `store` and holds the outcome to the contract,
/// proving the store was not written.
#[track_caller]
fn refused(case: &str, store: &Path, args: &[&str], code: i32, names: &[&str]) -> Output {
    let before = contents(store);
    let mut all = args.to_vec();
    let path = store.to_str().unwrap();
    all.extend(["--store", path]);
    let out = run(&all);
    assert_refused(case, &out, code, names);
    assert!(contents(store) == before, "{case}: the store was changed");
    out
}

/// Two snapshots of three users; user 1 moved department in the second, so
/// comparing them reads user 1's object from each.
struct Damaged {
    f: Fixture,
    a: SnapshotId,
    b: SnapshotId,
}

fn damaged() -> Damaged {
    let f = Fixture::new();
    let a = f.snapshot(march(1, 6), 3, sales);
    let b = f.snapshot(march(2, 6), 3, |i| if i == 1 { "Legal" } else { "Sales" });
    Damaged { f, a, b }
}

impl Damaged {
    /// The object file of user 1 in the second snapshot (as the reader finds it).
    fn changed_object(&self) -> (PathBuf, String) {
        let entry = self
            .f
            .store
            .manifest(self.b.as_str())
            .unwrap()
            .find("user", &user_id(1))
            .unwrap()
            .clone();
        (self.f.object_path(&entry.hash), entry.hash.to_hex())
    }

    fn manifest(&self) -> PathBuf {
        self.f.manifest_path(&self.b)
    }

    fn manifest_json(&self) -> Value {
        serde_json::from_slice(&fs::read(self.manifest()).unwrap()).unwrap()
    }

    fn write_manifest_json(&self, value: &Value) {
        fs::write(self.manifest(), serde_json::to_vec_pretty(value).unwrap()).unwrap();
    }

    /// The first index layer of `user` named by the second manifest.
    fn layer(&self) -> (PathBuf, String) {
        let hex = self.manifest_json()["index"]["user"][0]
            .as_str()
            .unwrap()
            .to_string();
        let hash = entrasnap_core::store::ObjectHash::parse(&hex).unwrap();
        (self.f.object_path(&hash), hex)
    }

    fn compare(&self, case: &str, names: &[&str]) {
        refused(
            case,
            self.f.path(),
            &[
                "compare",
                "--from",
                self.a.as_str(),
                "--to",
                self.b.as_str(),
            ],
            1,
            names,
        );
    }

    fn show(&self, case: &str, names: &[&str]) {
        refused(
            case,
            self.f.path(),
            &["show", "--snapshot", self.b.as_str()],
            1,
            names,
        );
    }
}

// ---- damaged object files -------------------------------------------------

#[test]
fn store_truncated_object_file() {
    let d = damaged();
    let (path, hash) = d.changed_object();
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    d.compare("truncated object", &[&hash, "decompress"]);
}

#[test]
fn store_garbage_object_file() {
    let d = damaged();
    let (path, hash) = d.changed_object();
    fs::write(&path, b"this is not zstd at all").unwrap();
    d.compare("garbage object", &[&hash]);
}

#[test]
fn store_empty_object_file() {
    let d = damaged();
    let (path, hash) = d.changed_object();
    fs::write(&path, b"").unwrap();
    d.compare("empty object", &[&hash]);
}

#[test]
fn store_missing_object_file() {
    let d = damaged();
    let (path, hash) = d.changed_object();
    fs::remove_file(&path).unwrap();
    d.compare("missing object", &[&hash, "missing"]);
}

#[test]
fn store_object_file_with_other_content() {
    let d = damaged();
    let (path, hash) = d.changed_object();
    // Another object's sound file: it decompresses, but not to its name.
    let other =
        d.f.store
            .manifest(d.b.as_str())
            .unwrap()
            .find("user", &user_id(0))
            .unwrap()
            .hash;
    fs::copy(d.f.object_path(&other), &path).unwrap();
    d.compare("object with other content", &[&hash]);
}

#[test]
fn store_object_file_is_a_folder() {
    let d = damaged();
    let (path, hash) = d.changed_object();
    fs::remove_file(&path).unwrap();
    fs::create_dir(&path).unwrap();
    d.compare("object file is a folder", &[&hash]);
}

#[test]
fn store_missing_index_layer() {
    let d = damaged();
    let (path, hash) = d.layer();
    fs::remove_file(&path).unwrap();
    d.show("missing index layer", &[&hash]);
}

#[test]
fn store_garbage_index_layer() {
    let d = damaged();
    let (path, hash) = d.layer();
    fs::write(&path, [0xFFu8; 64]).unwrap();
    d.show("garbage index layer", &[&hash]);
}

// ---- damaged manifests ----------------------------------------------------

#[test]
fn manifest_truncated() {
    let d = damaged();
    let bytes = fs::read(d.manifest()).unwrap();
    fs::write(d.manifest(), &bytes[..bytes.len() / 2]).unwrap();
    d.show("truncated manifest", &[d.b.as_str(), "unreadable"]);
}

#[test]
fn manifest_empty() {
    let d = damaged();
    fs::write(d.manifest(), b"").unwrap();
    d.show("empty manifest", &[d.b.as_str(), "unreadable"]);
}

#[test]
fn manifest_garbage() {
    let d = damaged();
    fs::write(d.manifest(), b"\x00\x01garbage\x7f").unwrap();
    d.show("garbage manifest", &[d.b.as_str(), "unreadable"]);
}

#[test]
fn manifest_invalid_utf8() {
    let d = damaged();
    let mut bytes = fs::read(d.manifest()).unwrap();
    // Inside the tenant id string: the JSON is otherwise whole.
    let at = bytes
        .windows(TENANT.len())
        .position(|w| w == TENANT.as_bytes())
        .unwrap();
    bytes[at + 3] = 0xFF;
    fs::write(d.manifest(), bytes).unwrap();
    d.show("manifest with invalid UTF-8", &[d.b.as_str(), "unreadable"]);
}

#[test]
fn manifest_a_json_array() {
    let d = damaged();
    fs::write(d.manifest(), b"[]").unwrap();
    d.show("manifest that is an array", &[d.b.as_str(), "unreadable"]);
}

#[test]
fn manifest_nested_a_hundred_thousand_deep() {
    let d = damaged();
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    fs::write(d.manifest(), deep).unwrap();
    d.show("deeply nested manifest", &[d.b.as_str(), "unreadable"]);
}

#[test]
fn manifest_edited_count() {
    let d = damaged();
    let mut m = d.manifest_json();
    m["counts"]["user"] = json!(2);
    d.write_manifest_json(&m);
    d.show("manifest with an edited count", &[d.b.as_str(), "changed"]);
}

#[test]
fn manifest_edited_tenant() {
    let d = damaged();
    let mut m = d.manifest_json();
    m["tenantId"] = json!("11111111-2222-4333-8444-555555555555");
    d.write_manifest_json(&m);
    d.compare("manifest with an edited tenant", &[d.b.as_str(), "changed"]);
}

#[test]
fn manifest_from_a_future_version() {
    let d = damaged();
    let mut m = d.manifest_json();
    m["format"] = json!(99);
    d.write_manifest_json(&m);
    d.show(
        "manifest from a future version",
        &[d.b.as_str(), "newer", "99"],
    );
}

#[test]
fn manifest_naming_another_snapshot() {
    let d = damaged();
    let mut m = d.manifest_json();
    m["id"] = json!(d.a.as_str());
    d.write_manifest_json(&m);
    d.show("manifest naming another snapshot", &[d.b.as_str()]);
}

#[test]
fn manifest_missing_a_field() {
    let d = damaged();
    let mut m = d.manifest_json();
    m.as_object_mut().unwrap().remove("createdAt");
    d.write_manifest_json(&m);
    d.show("manifest missing a field", &[d.b.as_str(), "createdAt"]);
}

#[test]
fn manifest_with_a_wrong_type() {
    let d = damaged();
    let mut m = d.manifest_json();
    m["counts"] = json!("three");
    d.write_manifest_json(&m);
    d.show("manifest with a wrong type", &[d.b.as_str(), "unreadable"]);
}

// ---- stores that are not stores -------------------------------------------

#[test]
fn store_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store");
    fs::write(&file, "not a store").unwrap();
    refused(
        "store that is a file",
        &file,
        &["show", "--snapshot", "latest"],
        1,
        &[file.to_str().unwrap(), "not a directory"],
    );
}

#[test]
fn store_without_a_snapshots_folder() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("objects")).unwrap();
    refused(
        "store without snapshots",
        dir.path(),
        &["compare", "--from", "latest", "--to", "latest"],
        1,
        &[dir.path().to_str().unwrap(), "not an EntraSnapshot store"],
    );
}

#[test]
fn store_whose_snapshots_folder_is_a_file() {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 1, sales);
    let snapshots = f.path().join("snapshots");
    fs::remove_dir_all(&snapshots).unwrap();
    fs::write(&snapshots, "").unwrap();
    refused(
        "snapshots folder is a file",
        f.path(),
        &["list"],
        1,
        &["snapshots"],
    );
}

#[test]
fn store_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let out = run(&[
        "compare",
        "--from",
        "latest",
        "--to",
        "latest",
        "--store",
        missing.to_str().unwrap(),
    ]);
    assert_refused(
        "store that does not exist",
        &out,
        1,
        &[missing.to_str().unwrap(), "does not exist"],
    );
    assert!(!missing.exists());
}

#[test]
fn store_held_by_another_writer() {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 2, sales);
    // An export in progress in this process holds the writer lock.
    let writer = f
        .store
        .begin_at(TENANT, &[ty("user")], march(3, 6))
        .unwrap();
    refused(
        "held lock",
        f.path(),
        &[
            "prune",
            "--keep-daily",
            "1",
            "--keep-weekly",
            "0",
            "--keep-monthly",
            "0",
        ],
        1,
        &[f.path().to_str().unwrap(), "busy"],
    );
    drop(writer);
}

// ---- restore journals ------------------------------------------------------

/// A store with one snapshot and a journal file `body` for restore id `id`.
fn with_journal(body: &[u8]) -> (Fixture, String) {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 1, sales);
    let id = "20260301T070000Z-0a1b2c".to_string();
    fs::write(f.path().join("journal").join(format!("{id}.jsonl")), body).unwrap();
    (f, id)
}

fn undo(case: &str, f: &Fixture, id: &str, names: &[&str]) {
    let before = contents(f.path());
    let out = assert_cmd::Command::cargo_bin("entrasnap")
        .unwrap()
        .env_remove("ENTRASNAP_STORE")
        .env("ENTRASNAP_TOKEN", "test-token")
        // Nothing listens there: the journal must be refused before any request.
        .env("ENTRASNAP_GRAPH_URL", "http://127.0.0.1:9")
        .args(["restore", "--undo", id, "--yes", "--store"])
        .arg(f.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_refused(case, &out, 1, names);
    assert!(
        contents(f.path()) == before,
        "{case}: the store was changed"
    );
}

#[test]
fn journal_garbage() {
    let (f, id) = with_journal(b"\x00garbage, not JSON lines\n");
    undo("garbage journal", &f, &id, &[&id]);
}

#[test]
fn journal_empty() {
    let (f, id) = with_journal(b"");
    undo("empty journal", &f, &id, &[&id]);
}

#[test]
fn journal_invalid_utf8() {
    let (f, id) = with_journal(b"{\"format\": 1, \"restoreId\": \"\xFF\xFE\"}\n");
    undo("journal with invalid UTF-8", &f, &id, &[&id]);
}

#[test]
fn journal_that_does_not_exist() {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 1, sales);
    undo(
        "unknown restore id",
        &f,
        "20260301T070000Z-0a1b2c",
        &["20260301T070000Z-0a1b2c"],
    );
}

// ---- malformed ids and paths -----------------------------------------------

fn one_snapshot() -> Fixture {
    let f = Fixture::new();
    f.snapshot(march(1, 6), 1, sales);
    f
}

#[test]
fn snapshot_id_with_parent_steps() {
    let f = one_snapshot();
    refused(
        "../ snapshot id",
        f.path(),
        &["show", "--snapshot", "../../etc/passwd"],
        1,
        &["'../../etc/passwd' is not a snapshot id"],
    );
}

#[test]
fn snapshot_id_that_is_an_absolute_path() {
    let f = one_snapshot();
    refused(
        "absolute snapshot id",
        f.path(),
        &["verify", "--snapshot", "/etc/passwd"],
        1,
        &["'/etc/passwd' is not a snapshot id"],
    );
}

#[test]
fn snapshot_id_with_a_traversal_tail() {
    let f = one_snapshot();
    let id = "20260301T060000Z-abcdef/../../../x";
    refused(
        "snapshot id with a traversal tail",
        f.path(),
        &["compare", "--from", id, "--to", "latest"],
        1,
        &["is not a snapshot id"],
    );
}

#[test]
fn restore_id_with_parent_steps() {
    let f = one_snapshot();
    undo(
        "../ restore id",
        &f,
        "../snapshots/x",
        &["'../snapshots/x' is not"],
    );
}

#[test]
fn restore_object_id_with_parent_steps() {
    let f = one_snapshot();
    refused(
        "../ object id",
        f.path(),
        &["restore", "--snapshot", "latest", "--id", "../groups/x"],
        2,
        &["'../groups/x'"],
    );
}

#[test]
fn restore_object_id_with_a_query() {
    let f = one_snapshot();
    refused(
        "object id with a query",
        f.path(),
        &["restore", "--snapshot", "latest", "--id", "x?$filter=1"],
        2,
        &["'x?$filter=1'"],
    );
}

// ---- unknown types and flags -------------------------------------------------

#[test]
fn unknown_type_for_show() {
    let f = one_snapshot();
    refused(
        "show --type unicorn",
        f.path(),
        &["show", "--snapshot", "latest", "--type", "unicorn"],
        1,
        &["unknown object type 'unicorn'"],
    );
}

#[test]
fn unknown_type_for_compare() {
    let f = one_snapshot();
    refused(
        "compare --types unicorn",
        f.path(),
        &[
            "compare", "--from", "latest", "--to", "latest", "--types", "unicorn",
        ],
        2,
        &["unicorn"],
    );
}

#[test]
fn type_that_is_a_path() {
    let f = one_snapshot();
    refused(
        "export --types ../user",
        f.path(),
        &["export", "--types", "../user"],
        2,
        &["'../user'"],
    );
}

#[test]
fn unknown_flag() {
    let f = one_snapshot();
    refused(
        "unknown flag",
        f.path(),
        &["list", "--frobnicate"],
        2,
        &["--frobnicate"],
    );
}

#[test]
fn unknown_command() {
    let f = one_snapshot();
    refused(
        "unknown command",
        f.path(),
        &["snapshotify"],
        2,
        &["snapshotify"],
    );
}

#[test]
fn negative_retention() {
    let f = one_snapshot();
    refused(
        "prune --keep-daily -1",
        f.path(),
        &["prune", "--keep-daily", "-1"],
        2,
        &["-1"],
    );
}

#[test]
fn unknown_severity() {
    let f = one_snapshot();
    refused(
        "compare --severity-min extreme",
        f.path(),
        &[
            "compare",
            "--from",
            "latest",
            "--to",
            "latest",
            "--severity-min",
            "extreme",
        ],
        2,
        &["extreme"],
    );
}

#[test]
fn unknown_report_format() {
    let f = one_snapshot();
    refused(
        "compare --format pdf",
        f.path(),
        &[
            "compare", "--from", "latest", "--to", "latest", "--format", "pdf",
        ],
        2,
        &["pdf"],
    );
}

#[test]
fn graph_url_that_is_not_a_url() {
    let f = one_snapshot();
    let before = contents(f.path());
    let out = assert_cmd::Command::cargo_bin("entrasnap")
        .unwrap()
        .env_remove("ENTRASNAP_STORE")
        .env("ENTRASNAP_TOKEN", "test-token")
        .args(["export", "--graph-url", "not a url", "--store"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_refused("graph url not a URL", &out, 1, &["Graph URL"]);
    assert!(contents(f.path()) == before);
}

// ---- hostile Graph bodies ------------------------------------------------------

/// An export (`--json`, so stderr holds only the error) against an emulator
/// that answers requests whose path holds `path` with `rule`'s body; the store
/// already holds one snapshot, and must be left exactly so.
fn hostile(case: &str, path: &str, rule: Value, names: &[&str]) {
    let emu = Emulator::start();
    let f = one_snapshot();
    let mut rule = rule;
    rule["path"] = json!(path);
    emu.send(Method::POST, "_sim/faults", Some(json!({"rules": [rule]})));
    let before = contents(f.path());
    let out = emu
        .command(f.path(), &["export", "--json"])
        .env("ENTRASNAP_RETRY_BASE_MS", "5")
        .output()
        .unwrap();
    assert_refused(case, &out, 1, names);
    assert!(
        contents(f.path()) == before,
        "{case}: the store was changed"
    );
    assert_eq!(
        f.store.list().unwrap().len(),
        1,
        "{case}: a snapshot was listed"
    );
}

fn body(text: &str) -> Value {
    json!({"kind": "body", "body": text})
}

#[test]
fn graph_html_instead_of_json() {
    hostile(
        "HTML instead of JSON",
        "/organization",
        json!({"kind": "body", "contentType": "text/html", "body": "<html><body>Sign in to the proxy</body></html>"}),
        &["GET /organization", "not JSON"],
    );
}

#[test]
fn graph_body_nested_a_hundred_thousand_deep() {
    hostile(
        "deep nesting",
        "/users/delta",
        body(&("{\"value\":".repeat(100_000) + "1" + &"}".repeat(100_000))),
        &["GET /users/delta", "not JSON"],
    );
}

#[test]
fn graph_body_with_a_20_mb_string() {
    let name = "A".repeat(20 << 20);
    hostile(
        "20 MB string",
        "/organization",
        body(&format!(
            "{{\"value\":[{{\"id\":\"{TENANT}\",\"displayName\":\"{name}\"}}]}}"
        )),
        &["organization", "MB"],
    );
}

#[test]
fn graph_body_with_duplicate_keys() {
    hostile(
        "duplicate keys",
        "/identity/conditionalAccess/namedLocations",
        body(
            r#"{"value":[{"id":"11111111-2222-4333-8444-555555555555","id":"22222222-2222-4333-8444-555555555555","displayName":"x"}]}"#,
        ),
        &[
            "/identity/conditionalAccess/namedLocations",
            "duplicate key `id`",
        ],
    );
}

#[test]
fn graph_body_with_invalid_utf8() {
    // {"value":[{"id":"<0xFF 0xFE>"}]}
    let mut bytes = br#"{"value":[{"id":""#.to_vec();
    bytes.extend([0xFF, 0xFE]);
    bytes.extend(br#""}]}"#);
    hostile(
        "invalid UTF-8",
        "/groups/delta",
        json!({"kind": "body", "bodyBase64": base64_of(&bytes)}),
        &["GET /groups/delta", "not JSON"],
    );
}

#[test]
fn graph_value_that_is_not_an_array() {
    hostile(
        "value not an array",
        "/users/delta",
        body(r#"{"value":{"id":"x"}}"#),
        &["GET /users/delta", "value"],
    );
}

#[test]
fn graph_value_not_an_array_inside_a_batch() {
    let emu = Emulator::start();
    let f = one_snapshot();
    // Small collections come in one $batch (role definitions alone: one
    // sub-request, id 0): answer it with a page whose value is a string.
    let responses = [json!({"id": "0", "status": 200, "body": {"value": "oops"}})];
    emu.send(
        Method::POST,
        "_sim/faults",
        Some(json!({"rules": [{"kind": "body", "path": "/$batch",
            "body": json!({"responses": responses}).to_string()}]})),
    );
    let before = contents(f.path());
    let out = emu
        .command(f.path(), &["export", "--json", "--types", "roleDefinition"])
        .env("ENTRASNAP_RETRY_BASE_MS", "5")
        .output()
        .unwrap();
    assert_refused(
        "value not an array in $batch",
        &out,
        1,
        &["roleManagement/directory/roleDefinitions", "value"],
    );
    assert!(contents(f.path()) == before, "the store was changed");
}

#[test]
fn graph_body_that_is_a_number() {
    hostile(
        "body that is a number",
        "/applications/delta",
        body("42"),
        &["GET /applications/delta", "value"],
    );
}

#[test]
fn graph_objects_without_ids() {
    hostile(
        "objects without ids",
        "/users",
        body(
            r#"{"value":[{"displayName":"nobody"}],"@odata.deltaLink":"http://127.0.0.1:9/v1.0/users/delta?$deltatoken=x"}"#,
        ),
        &["user", "no 'id'"],
    );
}

#[test]
fn graph_id_with_parent_steps() {
    hostile(
        "../ id from Graph",
        "/identity/conditionalAccess/policies",
        body(r#"{"value":[{"id":"../../users/evil","displayName":"x"}]}"#),
        &["conditionalAccessPolicy", "../../users/evil"],
    );
}

#[test]
fn graph_id_with_a_nul() {
    hostile(
        "NUL in an id from Graph",
        "/identity/conditionalAccess/namedLocations",
        body(r#"{"value":[{"id":"abc\u0000def","displayName":"x"}]}"#),
        &["namedLocation", "control characters"],
    );
}

#[test]
fn graph_organization_without_a_tenant_id() {
    hostile(
        "organization without id",
        "/organization",
        body(r#"{"value":[{"displayName":"Contoso"}]}"#),
        &["/organization", "tenant id"],
    );
}

#[test]
fn graph_next_link_to_another_host() {
    hostile(
        "nextLink to another host",
        "/identity/conditionalAccess/policies",
        body(
            r#"{"value":[],"@odata.nextLink":"https://evil.example/v1.0/identity/conditionalAccess/policies?$skiptoken=x"}"#,
        ),
        &["evil.example"],
    );
}

#[test]
fn graph_page_linking_to_itself() {
    hostile(
        "self nextLink",
        "/users/delta",
        json!({"kind": "selfLink"}),
        &["GET /users/delta", "loops"],
    );
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
