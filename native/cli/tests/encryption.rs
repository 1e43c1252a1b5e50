//! Encryption at rest (issue 12, item 3), end to end against the emulator:
//! an export given only the public key, `list` without the identity, the
//! reading commands with it (a restore read back from the tenant) and
//! without it (one `error:` line), a wrong identity, and a later export that
//! stays encrypted without being told.

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::json;

use crate::emulator::{Emulator, POLICIES};
use crate::util::*;

const CA001: &str = "CA001 - Require MFA for all users";
const AGE_HEADER: &[u8] = b"age-encryption.org/v1\n";

/// `entrasnap keygen --out <dir>/<name>`: the identity file and its recipient.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let out = run(&["keygen", "--age", "--out", path.to_str().unwrap()]);
    assert_exit(&out, 0);
    let recipient = stdout(&out).trim().to_string();
    assert!(recipient.starts_with("age1"), "{recipient}");
    assert!(
        !stdout(&out).contains("AGE-SECRET-KEY"),
        "keygen printed the secret"
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("AGE-SECRET-KEY-1")
    );
    (path, recipient)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every object file is age ciphertext; no file in the store holds the
/// policy's name in the clear, nor any key material.
fn assert_sealed(store: &Path) -> usize {
    let objects = files(&store.join("objects"));
    assert!(!objects.is_empty());
    for path in &objects {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            bytes.starts_with(AGE_HEADER),
            "{} is not age",
            path.display()
        );
    }
    for path in files(store) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !contains(&bytes, b"Require MFA"),
            "{} holds a name",
            path.display()
        );
        assert!(
            !contains(&bytes, b"AGE-SECRET-KEY"),
            "{} holds a key",
            path.display()
        );
    }
    objects.len()
}

/// Exit 1 with exactly one `error:` line naming the store and `--identity`.
#[track_caller]
fn assert_locked(out: &std::process::Output, store: &Path) {
    assert_exit(out, 1);
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("error: store "), "{err}");
    assert!(lines[0].contains(store.to_str().unwrap()), "{err}");
    assert!(lines[0].contains("--identity FILE"), "{err}");
    assert!(stdout(out).is_empty(), "{}", stdout(out));
}

fn ca001_state(emu: &Emulator) -> String {
    emu.find(&format!("beta/{POLICIES}"), CA001)["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_encrypted_store_is_written_with_the_public_key_and_read_with_the_identity() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (identity, recipient) = keygen(keys.path(), "store.key");
    let (wrong, other) = keygen(keys.path(), "other.key");
    let identity_arg = identity.to_str().unwrap();

    let out = emu.entrasnap(&store, &["export", "--recipient", &recipient, "--json"]);
    assert_exit(&out, 0);
    let first = json(&out)["snapshotId"].as_str().unwrap().to_string();
    assert!(
        std::fs::read_to_string(store.join("store.json"))
            .unwrap()
            .contains(&recipient)
    );
    assert_sealed(&store);

    // The headers need no key.
    let out = emu.entrasnap(&store, &["list", "--json"]);
    assert_exit(&out, 0);
    let listed = json(&out);
    assert_eq!(listed[0]["id"], first.as_str());
    assert_eq!(listed[0]["recipients"], json!([recipient]));

    // Bodies do: one line, the store named, how to give the identity.
    for args in [
        vec!["verify"],
        vec!["show", "--snapshot", "latest"],
        vec!["compare", "--from", &first, "--to", "latest"],
        vec!["restore", "--snapshot", &first, "--what-if"],
    ] {
        assert_locked(&emu.entrasnap(&store, &args), &store);
    }
    let out = emu.entrasnap(&store, &["verify", "--identity", wrong.to_str().unwrap()]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("does not match the recipients") && err.contains(&recipient),
        "{err}"
    );
    assert!(!err.contains("AGE-SECRET-KEY"), "{err}");

    // An incident, then the nightly export without --recipient or identity:
    // still encrypted (to the store's recipients), read in full.
    let id = emu.id_of(&format!("beta/{POLICIES}"), CA001);
    emu.send(
        Method::PATCH,
        &format!("beta/{POLICIES}/{id}"),
        Some(json!({"state": "disabled"})),
    );
    let out = emu.entrasnap(&store, &["export", "--json"]);
    assert_exit(&out, 0);
    let second = json(&out);
    let second_id = second["snapshotId"].as_str().unwrap().to_string();
    assert!(
        second["modes"]
            .as_object()
            .unwrap()
            .values()
            .all(|m| m == "full"),
        "{second}"
    );
    assert_sealed(&store);

    // A different recipient set is refused, naming both.
    let out = emu.entrasnap(&store, &["export", "--recipient", &other]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains(&recipient) && err.contains(&other), "{err}");

    // With the identity (flag or environment) everything reads.
    let out = emu
        .command(&store, &["verify"])
        .env("ENTRASNAP_IDENTITY_FILE", &identity)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let out = emu.entrasnap(
        &store,
        &["show", "--snapshot", &first, "--identity", identity_arg],
    );
    assert_exit(&out, 0);
    assert!(stdout(&out).contains(CA001), "{}", stdout(&out));
    let out = emu.entrasnap(
        &store,
        &[
            "compare",
            "--from",
            &first,
            "--to",
            &second_id,
            "--format",
            "json",
            "--identity",
            identity_arg,
        ],
    );
    assert_exit(&out, 0);
    let report = json(&out);
    assert!(
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["objectName"] == CA001),
        "{report}"
    );

    // The restore writes the policy back; the tenant says so.
    assert_eq!(ca001_state(&emu), "disabled");
    let out = emu.entrasnap(
        &store,
        &[
            "restore",
            "--snapshot",
            &first,
            "--types",
            "conditionalAccessPolicy",
            "--yes",
            "--json",
            "--identity",
            identity_arg,
        ],
    );
    assert_exit(&out, 0);
    assert_eq!(ca001_state(&emu), "enabled");

    // An export with the identity stays incremental, and encrypted.
    let out = emu.entrasnap(&store, &["export", "--json", "--identity", identity_arg]);
    assert_exit(&out, 0);
    let third = json(&out);
    assert!(
        third["modes"]
            .as_object()
            .unwrap()
            .values()
            .any(|m| m == "incremental"),
        "{third}"
    );
    assert_sealed(&store);
    let out = emu.entrasnap(&store, &["verify", "--identity", identity_arg]);
    assert_exit(&out, 0);
}

/// A plaintext store ignores an identity and reads as before; `store.json`
/// appears only when recipients are given.
#[test]
fn a_plaintext_store_is_unaffected() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let (identity, _) = keygen(keys.path(), "k");
    let out = emu.entrasnap(dir.path(), &["export"]);
    assert_exit(&out, 0);
    assert!(!dir.path().join("store.json").exists());
    let some = files(&dir.path().join("objects"));
    assert!(!std::fs::read(&some[0]).unwrap().starts_with(AGE_HEADER));
    assert_exit(&emu.entrasnap(dir.path(), &["verify"]), 0);
    assert_exit(
        &emu.entrasnap(
            dir.path(),
            &["verify", "--identity", identity.to_str().unwrap()],
        ),
        0,
    );
}
