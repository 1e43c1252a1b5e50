//! `entrasnap export` against the emulator, as a pipeline would run it.

use std::process::{Command, Stdio};

use entrasnap_core::{LocalStore, SnapshotStore};
use serde_json::Value;

struct Emulator {
    _rt: tokio::runtime::Runtime,
    url: String,
    _running: entrasnap_sim::Running,
}

fn emulator() -> Emulator {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let running = rt
        .block_on(entrasnap_sim::start(entrasnap_sim::Config::default(), 0))
        .unwrap();
    Emulator {
        url: running.url(),
        _running: running,
        _rt: rt,
    }
}

fn entrasnap(emu: &Emulator, store: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_entrasnap"));
    c.env("ENTRASNAP_TOKEN", "test-token")
        .env("ENTRASNAP_GRAPH_URL", &emu.url)
        .arg("--store")
        .arg(store);
    c.env_remove("ENTRASNAP_STORE");
    c
}

fn export_cmd(emu: &Emulator, store: &std::path::Path) -> Command {
    export_cmd_at(&emu.url, store)
}

fn export_cmd_at(url: &str, store: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_entrasnap"));
    c.args(["export", "--store"])
        .arg(store)
        .env("ENTRASNAP_TOKEN", "test-token")
        .env("ENTRASNAP_GRAPH_URL", url);
    c
}

#[test]
fn export_prints_the_snapshot_id_and_the_store_lists_it() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let out = export_cmd(&emu, dir.path()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(id.lines().count(), 1, "stdout is the id alone: {id}");
    let listed = LocalStore::open(dir.path()).unwrap().list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.to_string(), id);
    assert!(listed[0].counts["conditionalAccessPolicy"] >= 12);
    let _ = entrasnap(&emu, dir.path());

    // --json: one document, the export report; a second run is incremental.
    let out = export_cmd(&emu, dir.path()).arg("--json").output().unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(report["modes"]["user"], "incremental");
    assert!(
        out.stderr.is_empty(),
        "no progress noise with --json: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn directory_format_writes_one_canonical_file_per_object() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let out = export_cmd(&emu, dir.path())
        .args([
            "--types",
            "conditionalAccessPolicy,NamedLocation",
            "--format",
            "directory",
            "--out",
        ])
        .arg(files.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let policies: Vec<_> = std::fs::read_dir(files.path().join("conditionalAccessPolicy"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(policies.len(), 12);
    let name = policies
        .iter()
        .map(|p| p.file_name().to_string_lossy().to_string())
        .find(|n| n.contains("require-mfa-for-all-users"))
        .expect("slugged file name");
    assert!(name.contains("__") && name.ends_with(".json"), "{name}");
    let text =
        std::fs::read_to_string(files.path().join("conditionalAccessPolicy").join(&name)).unwrap();
    assert!(
        text.ends_with('\n') && text.contains("\n  \""),
        "pretty JSON"
    );
    assert!(
        !text.contains("modifiedDateTime"),
        "volatile properties stay out of the compared files"
    );
    assert!(
        std::fs::read_dir(files.path().join("namedLocation"))
            .unwrap()
            .count()
            == 5
    );
    assert!(!files.path().join("user").exists(), "only the asked types");
}

#[test]
fn bad_input_is_refused_with_a_clear_line() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let out = export_cmd(&emu, dir.path())
        .args(["--types", "user,unicorn"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown type is a usage error"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown object type 'unicorn'"));
    let out = export_cmd(&emu, dir.path())
        .args(["--format", "directory"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--format directory needs --out");

    // Graph that is not there: exit 1, one line first, nothing listed.
    let out = Command::new(env!("CARGO_BIN_EXE_entrasnap"))
        .args(["export", "--store"])
        .arg(dir.path())
        .env("ENTRASNAP_TOKEN", "secret-token-value")
        .env("ENTRASNAP_GRAPH_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: export failed"), "{err}");
    assert!(
        !err.contains("secret-token-value"),
        "the token never appears"
    );
    assert!(
        LocalStore::open(dir.path())
            .unwrap()
            .list()
            .unwrap()
            .is_empty()
    );
}

/// SIGKILL at chosen requests of an export: the emulator parks request N+1
/// (a `hold` rule), the test sees it parked in `/_sim/stats` and kills the
/// exporter there, so each kill point is decided by N, not by the machine's
/// speed. Every fourth trial is let go just before the kill, so it lands
/// while the last answers are being written (objects, index, manifest).
/// `ENTRASNAP_TRIALS` sets the number of trials (CI: 12).
#[test]
fn killing_the_exporter_never_damages_a_snapshot_or_lists_a_partial_one() {
    let emu = crate::emulator::Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    let requests = |emu: &crate::emulator::Emulator| emu.stats()["httpRequests"].as_u64().unwrap();
    let before = requests(&emu);
    assert!(
        export_cmd_at(&emu.url, dir.path())
            .arg("--full")
            .status()
            .unwrap()
            .success()
    );
    let per_export = requests(&emu) - before;
    let mut complete = 1;
    let mut seed = 0x5EED_u64;
    let (mut parked, mut tail, mut finished) = (0, 0, 0);
    let trials = crate::emulator::trials(12);
    for round in 0..trials {
        // Every fifth round, one export is let through first.
        if round % 5 == 4 {
            assert!(
                export_cmd_at(&emu.url, dir.path())
                    .status()
                    .unwrap()
                    .success()
            );
            complete += 1;
        }
        let after = crate::emulator::next_random(&mut seed) % per_export;
        emu.faults(serde_json::json!([{"kind": "hold", "after": after}]));
        let mut child = export_cmd_at(&emu.url, dir.path())
            .arg(if round % 2 == 0 {
                "--full"
            } else {
                "--types=user,group,conditionalAccessPolicy"
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let held = emu.wait_held(&mut child);
        let let_go = held && round % 4 == 3;
        if let_go {
            emu.release();
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        emu.release();
        let listed = store.list().unwrap();
        if held && !let_go {
            // A request was still unanswered: the export cannot have finished.
            parked += 1;
            assert_eq!(
                listed.len(),
                complete,
                "round {round} (killed at request {after}): a partial snapshot is listed"
            );
        } else {
            // Killed after its last request, or it ran to the end first.
            if let_go {
                tail += 1
            } else {
                finished += 1
            }
            assert!(
                listed.len() == complete || listed.len() == complete + 1,
                "round {round} (request {after}): {} listed, {complete} complete before",
                listed.len()
            );
        }
        complete = listed.len();
        assert!(
            listed.iter().all(|s| s.intact),
            "round {round}: every listed snapshot is intact"
        );
        let report = store.verify(None).unwrap();
        assert!(
            report.problems.is_empty(),
            "round {round}: {:?}",
            report
                .problems
                .iter()
                .map(|p| &p.message)
                .collect::<Vec<_>>()
        );
    }
    eprintln!(
        "export kill trials: {trials} ({parked} mid-export at a parked request, {tail} while writing the last answers, {finished} finished first)"
    );
    assert!(
        parked >= trials / 2,
        "most trials killed mid-export: {parked} of {trials}"
    );
    // The store is still usable: a new export completes and verifies.
    let out = export_cmd_at(&emu.url, dir.path()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(store.list().unwrap().len(), complete + 1);
    assert!(store.verify(None).unwrap().problems.is_empty());
}
