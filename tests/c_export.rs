//! Compiles tests/c/export_client.c against include/entrasnap.h and runs it
//! against a started `entrasnap-sim`: an export with a bearer token, its
//! progress and report, list and verify on the same store, and an export
//! cancelled at once. The numbers are checked here, from what it prints.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::{Emulator, compile_c, library_dir};

/// A token nobody would print by accident: it must appear nowhere in what
/// the library hands back.
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.entrasnap-c-test-4f1d9a.sig";

/// What export_client printed, by step: the event arrays, the final kind
/// and the result of each job.
#[derive(Debug, Default)]
struct Step {
    events: Vec<Value>,
    end: String,
    result: Value,
    /// Tokens handed over through entrasnap_job_provide_token.
    provided: u32,
}

fn parse(stdout: &str) -> (BTreeMap<String, Step>, Vec<String>) {
    let mut steps: BTreeMap<String, Step> = BTreeMap::new();
    let mut other = Vec::new();
    for line in stdout.lines() {
        let Some((head, body)) = line.split_once(": ") else {
            other.push(line.to_owned());
            continue;
        };
        let json = |body: &str| -> Value {
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {line}"))
        };
        if let Some(step) = head.strip_suffix(" events") {
            let batch = json(body);
            let step = steps.entry(step.to_owned()).or_default();
            step.events
                .extend(batch.as_array().expect("an event array").iter().cloned());
        } else if let Some(step) = head.strip_suffix(" end") {
            steps.entry(step.to_owned()).or_default().end = body.to_owned();
        } else if let Some(step) = head.strip_suffix(" tokens provided") {
            steps.entry(step.to_owned()).or_default().provided =
                body.parse().unwrap_or_else(|e| panic!("{e}: {line}"));
        } else if let Some(step) = head.strip_suffix(" result") {
            steps.entry(step.to_owned()).or_default().result = json(body);
        } else {
            other.push(line.to_owned());
        }
    }
    (steps, other)
}

fn run_client(client: &Path, library_dir: &Path, url: &str, store: &Path) -> String {
    run_client_steps(client, library_dir, url, store, &[])
}

/// Runs the client with extra `(step, request)` jobs (only those run then).
fn run_client_steps(
    client: &Path,
    library_dir: &Path,
    url: &str,
    store: &Path,
    jobs: &[(&str, Value)],
) -> String {
    let result = Command::new(client)
        .arg(url)
        .arg(store)
        .arg(TOKEN)
        .args(
            jobs.iter()
                .flat_map(|(step, request)| [step.to_string(), request.to_string()]),
        )
        // Only the token in the request may sign in: no environment token,
        // no environment URL.
        .env_remove("ENTRASNAP_TOKEN")
        .env_remove("ENTRASNAP_GRAPH_URL")
        .env_remove("ENTRASNAP_STORE")
        .env("LD_LIBRARY_PATH", library_dir)
        .env("DYLD_LIBRARY_PATH", library_dir)
        .output()
        .expect("export_client runs");
    let stdout = String::from_utf8_lossy(&result.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert!(
        result.status.success(),
        "export_client failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        result.status
    );
    assert!(
        !stdout.contains(TOKEN),
        "the token leaked into events or results"
    );
    assert!(
        !stdout.contains("entrasnap-c-test-4f1d9a"),
        "part of the token leaked"
    );
    assert!(
        !stderr.contains("entrasnap-c-test-4f1d9a"),
        "the token leaked to stderr"
    );
    stdout
}

/// The library, a started emulator, export_client compiled against the
/// header, and a store path in a temp folder.
struct Setup {
    library_dir: std::path::PathBuf,
    emulator: Emulator,
    _scratch: tempfile::TempDir,
    client: std::path::PathBuf,
    store: std::path::PathBuf,
}

impl Setup {
    fn new() -> Setup {
        Setup::with(&[])
    }

    /// With the emulator started with `args`.
    fn with(args: &[&str]) -> Setup {
        let library_dir = library_dir();
        let emulator = Emulator::start(args);
        let scratch = tempfile::tempdir().expect("a temporary folder");
        let client = scratch.path().join("export_client");
        compile_c(
            "cc",
            &["-std=c11"],
            "export_client.c",
            &library_dir,
            &client,
        );
        let store = scratch.path().join("store");
        Setup {
            library_dir,
            emulator,
            _scratch: scratch,
            client,
            store,
        }
    }
}

#[test]
fn c_client_exports_lists_verifies_and_cancels_against_the_emulator() {
    let Setup {
        library_dir,
        emulator,
        _scratch,
        client,
        store,
    } = Setup::new();

    let stdout = run_client(&client, &library_dir, emulator.url(), &store);
    let (steps, other) = parse(&stdout);

    // The export: progress per type, then done, and the report.
    let export = &steps["export"];
    assert_eq!(export.end, "done", "{stdout}");
    assert_eq!(export.result["ok"], true, "{}", export.result);
    let report = &export.result["value"];
    let progress: Vec<&Value> = export
        .events
        .iter()
        .filter(|e| e["kind"] == "progress")
        .collect();
    assert!(!progress.is_empty(), "no progress events: {stdout}");
    for event in &progress {
        let activity = event["activity"].as_str().unwrap();
        assert!(activity.starts_with("Exporting "), "{event}");
        let status = event["status"].as_str().unwrap();
        assert!(
            status.contains(" object") && status.contains(" request"),
            "{event}"
        );
        assert!(
            event.get("percent").is_none(),
            "a percent Graph cannot know: {event}"
        );
    }
    assert!(
        progress
            .iter()
            .any(|e| e["activity"] == "Exporting conditionalAccessPolicy"),
        "{stdout}"
    );
    assert_eq!(export.events.last().unwrap()["kind"], "done");
    let snapshot_id = report["snapshotId"].as_str().expect("a snapshot id");
    assert!(report["tenantId"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        report["counts"]["conditionalAccessPolicy"]
            .as_u64()
            .unwrap()
            >= 12,
        "{report}"
    );
    assert!(
        report["counts"]["namedLocation"].as_u64().unwrap() >= 1,
        "{report}"
    );
    assert!(report["counts"]["user"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(report["counts"].as_object().unwrap().len(), 17, "{report}");
    assert_eq!(report["modes"]["user"], "full", "{report}");
    assert!(report["requests"].as_u64().unwrap() > 0, "{report}");

    // The store lists it with the report's counts, and it verifies clean.
    let list = &steps["list"];
    assert_eq!(list.end, "done");
    let listed = list.result["value"]
        .as_array()
        .expect("an array of snapshots");
    assert_eq!(listed.len(), 1, "{}", list.result);
    assert_eq!(listed[0]["id"], snapshot_id);
    assert_eq!(listed[0]["counts"], report["counts"]);
    assert_eq!(listed[0]["intact"], true);

    let verify = &steps["verify"];
    assert_eq!(verify.end, "done");
    let checked = &verify.result["value"];
    assert_eq!(checked["snapshotsChecked"], 1, "{checked}");
    assert_eq!(
        checked["problems"].as_array().unwrap().len(),
        0,
        "{checked}"
    );
    let total: u64 = report["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert!(
        checked["objectsChecked"].as_u64().unwrap() >= total.min(1),
        "{checked}"
    );

    // Cancelled at once: the job ends cancelled, promptly, and nothing new is listed.
    let cancelled = &steps["cancelled export"];
    assert_eq!(cancelled.end, "cancelled", "{stdout}");
    assert_eq!(cancelled.events.last().unwrap()["kind"], "cancelled");
    assert_eq!(cancelled.result["ok"], false);
    assert_eq!(cancelled.result["error"]["code"], "EntraSnapshot.Cancelled");
    let seconds: u64 = other
        .iter()
        .find_map(|l| l.strip_prefix("cancelled export seconds: "))
        .expect("the cancel's duration")
        .parse()
        .unwrap();
    assert!(seconds <= 10, "the cancel took {seconds} s");

    let after = &steps["list after cancel"];
    let listed = after.result["value"]
        .as_array()
        .expect("an array of snapshots");
    assert_eq!(listed.len(), 1, "{}", after.result);
    assert_eq!(listed[0]["id"], snapshot_id);
}

/// Sends one Graph request to the emulator, as an admin or an attacker would.
fn graph(url: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut req = reqwest::Client::new()
            .request(method, format!("{url}/{path}"))
            .bearer_auth("incident");
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("the emulator answers");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    })
}

/// A request for a Graph-speaking operation on `store`, signed in with the
/// test token at the emulator `url`, with `extra` parameters added.
fn graph_request(op: &str, store: &str, url: &str, extra: Value) -> Value {
    let mut r = serde_json::json!({"op": op, "store": store, "graphUrl": url, "token": TOKEN});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// The Graph path of the emulator's MFA policy, CA001.
fn ca001_path(url: &str) -> String {
    let policies = graph(
        url,
        reqwest::Method::GET,
        "beta/identity/conditionalAccess/policies",
        None,
    );
    let id = policies["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["displayName"] == "CA001 - Require MFA for all users")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    format!("beta/identity/conditionalAccess/policies/{id}")
}

#[test]
fn c_client_compares_restores_and_undoes_against_the_emulator() {
    let Setup {
        library_dir,
        emulator,
        _scratch,
        client,
        store,
    } = Setup::new();
    let url = emulator.url();
    let store_text = store.to_str().unwrap();
    let request = |op: &str, extra: Value| graph_request(op, store_text, url, extra);
    let out = run_client_steps(
        &client,
        &library_dir,
        url,
        &store,
        &[("export", request("snapshot.export", serde_json::json!({})))],
    );
    let (steps, _) = parse(&out);
    let good = steps["export"].result["value"]["snapshotId"]
        .as_str()
        .unwrap()
        .to_string();

    // The incident: the MFA policy saved as disabled.
    let policy_path = ca001_path(url);
    graph(
        url,
        reqwest::Method::PATCH,
        &policy_path,
        Some(serde_json::json!({"state": "disabled"})),
    );

    let out = run_client_steps(
        &client,
        &library_dir,
        url,
        &store,
        &[
            (
                "compare",
                request(
                    "snapshot.compare",
                    serde_json::json!({"from": good, "to": "live", "format": "html"}),
                ),
            ),
            (
                "what-if",
                request(
                    "snapshot.restore",
                    serde_json::json!({"snapshot": good, "whatIf": true}),
                ),
            ),
            (
                "restore",
                request(
                    "snapshot.restore",
                    serde_json::json!({"snapshot": good, "types": ["conditionalAccessPolicy"]}),
                ),
            ),
        ],
    );
    let (steps, _) = parse(&out);
    let compare = &steps["compare"].result["value"];
    assert_eq!(
        compare["counts"],
        serde_json::json!({"critical": 1}),
        "{compare}"
    );
    assert_eq!(
        compare["changes"][0]["objectName"],
        "CA001 - Require MFA for all users"
    );
    assert!(
        compare["rendered"]
            .as_str()
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );

    let what_if = &steps["what-if"].result["value"];
    assert_eq!(what_if["whatIf"], true, "{what_if}");
    assert!(what_if["restoreId"].is_null());
    let planned = what_if["plan"]["steps"].as_array().unwrap();
    assert_eq!(planned.len(), 1, "{what_if}");
    assert_eq!(planned[0]["summary"], "state: disabled -> enabled");

    let restore = &steps["restore"];
    assert_eq!(restore.end, "done", "{out}");
    let done = &restore.result["value"];
    assert_eq!(done["counts"]["done"], 1, "{done}");
    assert_eq!(done["verification"]["clean"], true, "{done}");
    assert!(
        restore
            .events
            .iter()
            .any(|e| e["activity"] == "Restoring" && e["percent"] == 100),
        "{out}"
    );
    let state = graph(url, reqwest::Method::GET, &policy_path, None);
    assert_eq!(state["state"], "enabled");

    // Undo puts the tenant back as it was before the restore.
    let restore_id = done["restoreId"].as_str().unwrap().to_string();
    let out = run_client_steps(
        &client,
        &library_dir,
        url,
        &store,
        &[(
            "undo",
            request("snapshot.restore", serde_json::json!({"undo": restore_id})),
        )],
    );
    let (steps, _) = parse(&out);
    assert_eq!(steps["undo"].result["value"]["counts"]["done"], 1, "{out}");
    let state = graph(url, reqwest::Method::GET, &policy_path, None);
    assert_eq!(state["state"], "disabled");

    // A guard refusal is an error with its own code, before anything is written.
    let out = run_client_steps(
        &client,
        &library_dir,
        url,
        &store,
        &[(
            "bad",
            request(
                "snapshot.restore",
                serde_json::json!({"snapshot": good, "breakGlass": ["nobody@contoso.example"]}),
            ),
        )],
    );
    let (steps, _) = parse(&out);
    assert_eq!(steps["bad"].end, "failed", "{out}");
    assert!(
        steps["bad"].result["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nobody@contoso.example"),
        "{out}"
    );
}

/// What a job that failed says: its code and message.
fn failure(step: &Step) -> (&str, &str) {
    assert_eq!(step.end, "failed", "{:?}", step.result);
    let error = &step.result["error"];
    (
        error["code"].as_str().unwrap(),
        error["message"].as_str().unwrap(),
    )
}

#[test]
fn c_client_signs_in_from_the_environment_it_hands_over() {
    let Setup {
        library_dir,
        emulator,
        _scratch,
        client,
        store,
    } = Setup::new();
    let url = emulator.url();
    let identity = graph(url, reqwest::Method::GET, "_sim/identity", None);
    let export = |environment: Value| {
        serde_json::json!({
            "op": "snapshot.export",
            "store": store.to_str().unwrap(),
            "types": ["user"],
            "environment": environment,
        })
    };
    let mut managed = identity["appService2019"].clone();
    managed["ENTRASNAP_GRAPH_URL"] = url.into();
    let out = run_client_steps(
        &client,
        &library_dir,
        url,
        &store,
        &[
            (
                "env token",
                export(serde_json::json!({"ENTRASNAP_TOKEN": TOKEN, "ENTRASNAP_GRAPH_URL": url})),
            ),
            ("managed identity", export(managed)),
            (
                "nothing",
                export(serde_json::json!({"ENTRASNAP_GRAPH_URL": url})),
            ),
            ("bad", export(serde_json::json!({"AZURE_CLIENT_SECRET": 5}))),
        ],
    );
    let (steps, _) = parse(&out);
    assert_eq!(steps["env token"].end, "done", "{out}");
    assert_eq!(steps["managed identity"].end, "done", "{out}");
    let issued = graph(url, reqwest::Method::GET, "_sim/identity", None)["issued"].clone();
    assert_eq!(issued, 1, "the token came from the identity endpoint");
    assert!(
        !out.contains(
            identity["appService2019"]["IDENTITY_HEADER"]
                .as_str()
                .unwrap()
        ),
        "{out}"
    );

    // The same wording as the command's, in one line.
    let (code, message) = failure(&steps["nothing"]);
    assert_eq!(code, "EntraSnapshot.AuthError");
    for part in [
        "nothing signed in to Microsoft Graph; tried, in order: 1. a token from the caller (Export-EntraSnapshot -AccessToken",
        "2. ENTRASNAP_TOKEN (a bearer token for Graph): not set",
        "3. managed identity (Automation and App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER;",
        "5. client secret (AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET): AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET not set",
        "7. Azure CLI (`az login`, az on PATH): az not found on PATH",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
    let (code, message) = failure(&steps["bad"]);
    assert_eq!(code, "EntraSnapshot.InvalidArgument");
    assert_eq!(
        message,
        "snapshot.export: environment.AZURE_CLIENT_SECRET must be a string"
    );
}

#[test]
fn c_client_hands_a_fresh_token_to_a_job_whose_token_expired() {
    // Tokens live 1 s from first use; Conditional Access is paced to one
    // request per 1.1 s, so every full export outlives its token.
    let Setup {
        library_dir,
        emulator,
        _scratch,
        client,
        store,
    } = Setup::with(&["--token-lifetime-secs", "1"]);
    let url = emulator.url();
    let export = |extra: Value| {
        let mut r = serde_json::json!({
            "op": "snapshot.export",
            "store": store.to_str().unwrap(),
            "graphUrl": url,
            "token": TOKEN,
        });
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    let out = run_client_steps(
        &client,
        &library_dir,
        url,
        &store,
        &[
            ("renewed", export(serde_json::json!({"tokenRefresh": true}))),
            ("plain", export(serde_json::json!({}))),
            (
                "silent renewed",
                export(serde_json::json!({"tokenRefresh": true, "tokenRefreshTimeoutMs": 300})),
            ),
        ],
    );
    let (steps, _) = parse(&out);
    let renewed = &steps["renewed"];
    assert_eq!(renewed.end, "done", "{out}");
    assert!(renewed.provided >= 1, "{out}");
    let requests = renewed
        .events
        .iter()
        .filter(|e| e["kind"] == "tokenRequest")
        .count();
    assert_eq!(
        requests as u32, renewed.provided,
        "one token per request: {out}"
    );
    assert!(
        renewed.result["value"]["counts"]["conditionalAccessPolicy"]
            .as_u64()
            .unwrap()
            >= 12,
        "{out}"
    );

    // Without the opt-in, as before: the job fails on the expired token.
    let plain = &steps["plain"];
    assert!(
        !plain.events.iter().any(|e| e["kind"] == "tokenRequest"),
        "{out}"
    );
    let (code, message) = failure(plain);
    assert_eq!(code, "EntraSnapshot.AuthError");
    assert!(
        message.contains("Graph refused the token even after asking the caller"),
        "{message}"
    );

    // A caller that never answers: the wait ends, clearly.
    let (code, message) = failure(&steps["silent renewed"]);
    assert_eq!(code, "EntraSnapshot.AuthError");
    assert!(
        message.contains("no new one came within 300ms of the tokenRequest event"),
        "{message}"
    );
}

/// A test key pair (made with `entrasnap keygen --age`; it protects nothing).
const TEST_IDENTITY: &str = "# test key: protects nothing\nAGE-SECRET-KEY-1CSQYR5EPR54ALGHCZLG78S3ZY5DPZZ2YAV547EZ8WLEV9MH2NVQSH2TD3F\n";
const TEST_RECIPIENT: &str = "age1z7wnuh5q5vmt65nyvewc75qgsskk4cvlskk5xa8ct07r65l7md0schwefe";

/// Encryption at rest through the C ABI: `recipients` on export, object
/// files sealed, `snapshot.list` without a key, `snapshot.verify` failing
/// without `identityFile` and passing with it, and a restore with it read
/// back from the tenant.
#[test]
fn c_client_encrypts_a_store_and_reads_it_with_the_identity_file() {
    let Setup {
        library_dir,
        emulator,
        _scratch,
        client,
        store,
    } = Setup::new();
    let url = emulator.url();
    let keys = tempfile::tempdir().unwrap();
    let identity = keys.path().join("store.key");
    std::fs::write(&identity, TEST_IDENTITY).unwrap();
    let identity = identity.to_str().unwrap().to_string();
    let store_text = store.to_str().unwrap();
    let request = |op: &str, extra: Value| graph_request(op, store_text, url, extra);
    let out = run_client_steps(
        &client,
        &library_dir,
        url,
        &store,
        &[(
            "export",
            request(
                "snapshot.export",
                serde_json::json!({"recipients": [TEST_RECIPIENT]}),
            ),
        )],
    );
    let (steps, _) = parse(&out);
    assert_eq!(steps["export"].end, "done", "{out}");
    let good = steps["export"].result["value"]["snapshotId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut stack = vec![store.join("objects")];
    let mut sealed = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    bytes.starts_with(b"age-encryption.org/v1\n"),
                    "{}",
                    path.display()
                );
                sealed += 1;
            }
        }
    }
    assert!(sealed > 0);

    let policy_path = ca001_path(url);
    graph(
        url,
        reqwest::Method::PATCH,
        &policy_path,
        Some(serde_json::json!({"state": "disabled"})),
    );

    let out = run_client_steps(
        &client,
        &library_dir,
        url,
        &store,
        &[
            (
                "list",
                serde_json::json!({"op": "snapshot.list", "store": store_text}),
            ),
            (
                "locked",
                serde_json::json!({"op": "snapshot.verify", "store": store_text}),
            ),
            (
                "verify",
                serde_json::json!({"op": "snapshot.verify", "store": store_text, "identityFile": identity}),
            ),
            (
                "restore",
                request(
                    "snapshot.restore",
                    serde_json::json!({"snapshot": good, "types": ["conditionalAccessPolicy"], "identityFile": identity}),
                ),
            ),
        ],
    );
    let (steps, _) = parse(&out);
    assert_eq!(steps["list"].end, "done", "{out}");
    assert!(out.contains(TEST_RECIPIENT), "{out}");
    let locked = &steps["locked"];
    assert_eq!(locked.end, "failed", "{out}");
    let message = locked.result["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(store_text) && message.contains("identityFile"),
        "{message}"
    );
    assert_eq!(steps["verify"].end, "done", "{out}");
    assert_eq!(steps["restore"].end, "done", "{out}");
    assert_eq!(
        steps["restore"].result["value"]["counts"]["done"], 1,
        "{out}"
    );
    let state = graph(url, reqwest::Method::GET, &policy_path, None);
    assert_eq!(state["state"], "enabled");
    assert!(!out.contains("AGE-SECRET-KEY"), "key material in a result");
}
