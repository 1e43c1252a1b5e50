//! `entrasnap demo` runs on a fresh machine with nothing but the binary.

use assert_cmd::Command;

#[test]
fn demo_tours_the_embedded_tenant() {
    let out = Command::cargo_bin("entrasnap")
        .unwrap()
        .arg("demo")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Conditional Access policies (12)"), "{text}");
    assert!(text.contains("CA001 - Require MFA for all users"));
    assert!(text.contains("excluded from 12 of 12 policies"), "{text}");
    assert!(text.contains("Break Glass Admin 1"));
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
