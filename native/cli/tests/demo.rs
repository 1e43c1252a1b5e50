//! `entrasnap demo` runs on a fresh machine with nothing but the binary.

use assert_cmd::Command;

/// The whole story: snapshot, incident, report, what-if, restore, the
/// department-only restore, verification; an HTML report written.
#[test]
fn demo_runs_the_whole_story() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let store = dir.path().join("store");
    let out = Command::cargo_bin("entrasnap")
        .unwrap()
        .args(["demo", "--report"])
        .arg(&report)
        .arg("--store")
        .arg(&store)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // The report, most severe first.
    let critical = text
        .find(
            "CRITICAL  Conditional Access policy 'CA001 - Require MFA for all users' was disabled",
        )
        .unwrap_or_else(|| panic!("{text}"));
    let high = text.find("HIGH ").unwrap();
    assert!(critical < high, "{text}");
    assert!(
        text.contains("4 changes: 1 critical, 3 high (42 below medium not shown)"),
        "{text}"
    );
    // Who did it, from the audit log: the compromised account's four changes,
    // the HR sync's 42 and the legitimate admin's one, each named.
    assert!(
        text.contains(
            "mallory.admin@contoso.onmicrosoft.com: 4 changes on 4 objects, 1 critical, 3 high"
        ),
        "{text}"
    );
    assert!(
        text.contains("changed by mallory.admin@contoso.onmicrosoft.com at ")
            && text.contains("(Update conditional access policy: state)"),
        "{text}"
    );
    assert!(
        text.contains(
            "Contoso HR Sync (app 5e6f7081-9293-4a4b-8c5d-6e7f8091a2b3): 42 changes on 42 objects"
        ),
        "{text}"
    );
    assert!(
        text.contains("--changed-by mallory.admin@contoso.onmicrosoft.com --since"),
        "{text}"
    );
    // What-if wrote nothing; the restore of the attacker's changes wrote four steps and read back clean.
    assert!(
        text.contains("What-if wrote nothing: the emulator counted 0 writes."),
        "{text}"
    );
    assert!(
        text.contains("Restore ") && text.contains(": 4 written, 0 failed; read back: clean."),
        "{text}"
    );
    assert!(text.contains("42 users' department written back"), "{text}");
    // Only the legitimate change is left, and the log says whose it is.
    assert!(text.contains("1 change: 1 low"), "{text}");
    assert!(
        text.contains("changed by lee.admin@contoso.onmicrosoft.com at "),
        "{text}"
    );
    assert!(
        text.contains(
            "Lee Gu: department 'IT' (restored), job title 'Chief Security Architect' (kept)."
        ),
        "{text}"
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Contoso HR Portal"));
    // The snapshots and the restore journals stay in the store that was asked for.
    assert!(store.join("journal").read_dir().unwrap().count() >= 2);
}

#[test]
fn unknown_commands_are_usage_errors() {
    let out = Command::cargo_bin("entrasnap")
        .unwrap()
        .arg("frobnicate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
