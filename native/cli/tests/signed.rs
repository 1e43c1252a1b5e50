//! Tamper evidence through the binary, against the emulator: the keys an
//! admin makes with `keygen`, exports signed with them, `verify` checking
//! them, and a forged known-good snapshot that `restore` refuses before it
//! writes anything to the tenant.

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};

use crate::emulator::{Emulator, POLICIES};
use crate::util::*;

const CA001: &str = "CA001 - Require MFA for all users";

fn signed_export(emu: &Emulator, store: &Path, key: &Path) -> String {
    let out = emu.entrasnap(store, &["export", "--signing-key", key.to_str().unwrap()]);
    assert_exit(&out, 0);
    stdout(&out).trim().to_string()
}

/// Rewrites a manifest and its checksum, as someone who can write the store would.
fn forge(store: &Path, id: &str, edit: impl FnOnce(&mut Value)) {
    let path = store.join("snapshots").join(format!("{id}.json"));
    let mut value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut value);
    value.as_object_mut().unwrap().remove("checksum");
    let sum = blake3::hash(&entrasnap_core::canonical_bytes(&value))
        .to_hex()
        .to_string();
    value["checksum"] = Value::String(sum);
    std::fs::write(&path, entrasnap_core::pretty_bytes(&value)).unwrap();
}

#[test]
fn signed_exports_verify_and_a_forged_snapshot_is_refused_before_any_write() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let key = dir.path().join("signing.pem");
    let public = dir.path().join("signing.pem.pub");

    let out = run(&["keygen", "--out", key.to_str().unwrap(), "--json"]);
    assert_exit(&out, 0);
    let made = json(&out);
    assert_eq!(made["publicKey"], public.to_str().unwrap());
    let key_id = made["keyId"].as_str().unwrap().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // A key is never replaced, and never printed.
    let again = run(&["keygen", "--out", key.to_str().unwrap()]);
    assert_exit(&again, 1);
    assert!(
        stderr(&again).contains("never replaced"),
        "{}",
        stderr(&again)
    );
    let secret = std::fs::read_to_string(&key).unwrap();
    assert!(!stdout(&out).contains(secret.lines().nth(1).unwrap()));

    let known_good = signed_export(&emu, &store, &key);
    let ca001 = emu.id_of(&format!("beta/{POLICIES}"), CA001);
    emu.send(
        Method::PATCH,
        &format!("beta/{POLICIES}/{ca001}"),
        Some(json!({"state": "disabled"})),
    );
    let damaged = signed_export(&emu, &store, &key);

    let out = emu.entrasnap(
        &store,
        &["verify", "--verify-key", public.to_str().unwrap()],
    );
    assert_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("ok: checked 2 snapshots, 2 signatures"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stderr(&out), "", "an owner-only store raises no warning");
    // Without the key, verify says the signatures went unchecked.
    let out = emu.entrasnap(&store, &["verify"]);
    assert_exit(&out, 0);
    assert!(stderr(&out).starts_with("warning: snapshots in this store are signed"));

    // The attacker rewrites the known-good snapshot's manifest (checksum too).
    forge(&store, &known_good, |m| {
        m["types"] = json!(["conditionalAccessPolicy"]);
    });
    let writes = emu.writes();
    let out = emu.entrasnap(
        &store,
        &[
            "restore",
            "--snapshot",
            &known_good,
            "--yes",
            "--verify-key",
            public.to_str().unwrap(),
        ],
    );
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ")
            && err.contains(&format!("snapshot {known_good} cannot be trusted"))
            && err.contains("nothing was written to the tenant"),
        "{err}"
    );
    assert_eq!(emu.writes(), writes, "nothing was written to the tenant");
    assert_eq!(
        emu.get(&format!("beta/{POLICIES}/{ca001}"))["state"],
        "disabled"
    );

    let out = emu.entrasnap(
        &store,
        &["verify", "--verify-key", public.to_str().unwrap(), "--json"],
    );
    assert_exit(&out, 1);
    let report = json(&out);
    let problems: Vec<(String, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                p["snapshot"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        problems.contains(&("badSignature".into(), known_good.clone())),
        "{problems:?}"
    );
    assert!(
        problems.contains(&("chainBroken".into(), known_good.clone())),
        "{problems:?}"
    );
    assert!(
        !problems.iter().any(|(_, s)| s == &damaged),
        "the newer snapshot is sound: {problems:?}"
    );
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&key_id)
            || report["problems"][1]["message"]
                .as_str()
                .unwrap()
                .contains(&key_id)
    );

    // A store made readable by others is a warning on stderr, not a failure.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = emu.entrasnap(&store, &["verify", "--snapshot", &damaged]);
        assert_exit(&out, 0);
        let err = stderr(&out);
        assert!(
            err.lines().any(
                |l| l.starts_with("warning: store") && l.contains("readable by other accounts")
            ),
            "{err}"
        );
    }
}

#[test]
fn a_bad_key_file_fails_before_the_store_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("new-store");
    let bogus = dir.path().join("not-a-key.pem");
    std::fs::write(&bogus, "hello\n").unwrap();
    let out = run(&[
        "export",
        "--store",
        store.to_str().unwrap(),
        "--signing-key",
        bogus.to_str().unwrap(),
    ]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: signing key") && err.contains("not-a-key.pem"),
        "{err}"
    );
    assert!(!store.exists(), "nothing was created");
}
