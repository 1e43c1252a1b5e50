//! Sign-in from the environment alone, against the emulator's managed
//! identity endpoints: for each shape Azure hands a process, `entrasnap
//! export` with only that shape's variables set gets its token from the
//! endpoint and exports; malformed answers and a missing configuration fail
//! with errors that say what was tried.

use std::process::{Command, Output};

use entrasnap_sim::identity::{Expiry, IdentityConfig, USER_ASSIGNED_CLIENT_ID};

use crate::emulator::Emulator;

fn emulator(expiry: Expiry) -> Emulator {
    Emulator::with(entrasnap_sim::Config {
        identity: IdentityConfig {
            expiry,
            ..Default::default()
        },
        ..Default::default()
    })
}

/// The variables `/_sim/identity` gives for `shape`.
fn shape_vars(emu: &Emulator, shape: &str) -> Vec<(String, String)> {
    let overview = emu.get("_sim/identity");
    overview[shape]
        .as_object()
        .unwrap_or_else(|| panic!("no {shape} in {overview}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn issued(emu: &Emulator) -> u64 {
    emu.get("_sim/identity")["issued"].as_u64().unwrap()
}

/// `entrasnap export --types user` with an empty environment but the Graph
/// URL and `vars`.
fn export(emu: &Emulator, vars: &[(String, String)], flags: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_entrasnap"))
        .args(["export", "--types", "user", "--store"])
        .arg(dir.path().join("store"))
        .args(flags)
        .env_clear()
        .env("ENTRASNAP_GRAPH_URL", &emu.url)
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_exports(emu: &Emulator, shape: &str, flags: &[&str]) {
    let before = issued(emu);
    let vars = shape_vars(emu, shape);
    let out = export(emu, &vars, flags);
    assert!(out.status.success(), "{shape}: {}", stderr(&out));
    assert!(
        issued(emu) > before,
        "{shape}: no token came from the endpoint"
    );
    for (_, value) in &vars {
        assert!(
            !stderr(&out).contains(value.as_str()) || value.starts_with("http"),
            "{shape}"
        );
    }
}

#[test]
fn every_managed_identity_shape_signs_in_from_its_variables_alone() {
    let emu = emulator(Expiry::EpochString);
    assert_exports(&emu, "appService2019", &[]);
    assert_exports(&emu, "appService2017", &[]);
    assert_exports(&emu, "cloudShell", &[]);
    assert_exports(&emu, "arc", &[]);
    assert_exports(&emu, "imds", &["--managed-identity"]);
}

#[test]
fn user_assigned_identities_by_client_id() {
    let emu = emulator(Expiry::EpochString);
    let user = ["--identity-client-id", USER_ASSIGNED_CLIENT_ID];
    assert_exports(&emu, "appService2019", &user);
    assert_exports(&emu, "appService2017", &user);
    let mut imds = vec!["--managed-identity"];
    imds.extend(user);
    assert_exports(&emu, "imds", &imds);

    let out = export(
        &emu,
        &shape_vars(&emu, "imds"),
        &[
            "--managed-identity",
            "--identity-client-id",
            "00000000-0000-0000-0000-000000000001",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("managed identity (IMDS: Azure VM) answered 400: Identity not found"),
        "{}",
        stderr(&out)
    );
    let out = export(&emu, &shape_vars(&emu, "cloudShell"), &user);
    assert!(
        stderr(&out).contains("has no user-assigned identities"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_expiry_form_is_understood() {
    for expiry in [Expiry::EpochNumber, Expiry::Date, Expiry::ExpiresIn] {
        let emu = emulator(expiry);
        assert_exports(&emu, "appService2019", &[]);
    }
}

#[test]
fn malformed_answers_fail_clearly() {
    let cases = [
        (
            Expiry::None,
            "answered without expires_on or expires_in, so the token's lifetime is unknown",
        ),
        (Expiry::EpochMs, "is epoch milliseconds, not seconds"),
    ];
    for (expiry, expected) in cases {
        let emu = emulator(expiry);
        let out = export(&emu, &shape_vars(&emu, "imds"), &["--managed-identity"]);
        assert_eq!(out.status.code(), Some(1), "{expiry:?}");
        let e = stderr(&out);
        assert!(e.contains("export failed: authentication failed"), "{e}");
        assert!(e.contains(expected), "{expiry:?}: {e}");
    }
}

#[test]
fn a_wrong_identity_header_is_refused_by_the_endpoint() {
    let emu = emulator(Expiry::EpochString);
    let mut vars = shape_vars(&emu, "appService2019");
    for (k, v) in &mut vars {
        if k == "IDENTITY_HEADER" {
            *v = "not-the-header".into();
        }
    }
    let out = export(&emu, &vars, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("answered 401"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not-the-header"), "{}", stderr(&out));
}

#[test]
fn nothing_configured_lists_every_source_tried() {
    let emu = emulator(Expiry::EpochString);
    // No PATH either: az cannot be found, whatever this machine has installed.
    let out = export(&emu, &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    let first = e.lines().next().unwrap_or_default();
    for part in [
        "export failed: authentication failed for GET ",
        "nothing signed in to Microsoft Graph; tried, in order: 1. a token from the caller",
        "2. ENTRASNAP_TOKEN (a bearer token for Graph): not set",
        "3. managed identity (",
        "4. workload identity (",
        "5. client secret (AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET): AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET not set",
        "6. client certificate (",
        "7. Azure CLI (`az login`, az on PATH): az not found on PATH",
    ] {
        assert!(first.contains(part), "{part:?} not in: {first}");
    }
}
