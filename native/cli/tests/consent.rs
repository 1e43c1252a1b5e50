//! A compromised admin's consent on the emulator, made with Graph's own verbs
//! between an export and a compare: an attacker's app granted Mail.Read for
//! all users, a legitimate grant widened to Directory.ReadWrite.All, another
//! deleted. Each is reported by name with its severity, and a restore brings
//! the grants back exactly as exported.

use reqwest::Method;
use serde_json::{Value, json};

use crate::compare::changes;
use crate::compare_scenarios::export;
use crate::emulator::Emulator;
use crate::util::{assert_exit, json as json_out};

const GRANTS: &str = "oauth2PermissionGrants";
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn sorted_grants(emu: &Emulator) -> Vec<Value> {
    let mut all = emu.list(GRANTS);
    all.sort_by_key(id);
    all
}

#[test]
fn an_attackers_consent_is_critical_by_name_and_restore_undoes_every_grant_change() {
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let before = sorted_grants(&emu);
    assert!(before.len() >= 2, "the seed consents its apps: {before:?}");
    let baseline = export(&emu, store);

    let graph = emu
        .list("servicePrincipals")
        .into_iter()
        .find(|s| s["appId"] == GRAPH_APP_ID)
        .unwrap();
    let sp_name = |sp: &str| {
        emu.get(&format!("servicePrincipals/{sp}"))["displayName"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The attacker registers an app, gives it a service principal, consents.
    let app = emu.send(
        Method::POST,
        "applications",
        Some(json!({"displayName": "Evil App"})),
    );
    let evil = emu.send(
        Method::POST,
        "servicePrincipals",
        Some(json!({"appId": app["appId"]})),
    );
    let planted = emu.send(
        Method::POST,
        GRANTS,
        Some(json!({"clientId": id(&evil), "consentType": "AllPrincipals", "resourceId": id(&graph), "scope": "Mail.Read"})),
    );
    // One legitimate grant widened, another deleted.
    let widened = &before[0];
    emu.send(
        Method::PATCH,
        &format!("{GRANTS}/{}", id(widened)),
        Some(json!({"scope": "User.Read Directory.ReadWrite.All"})),
    );
    let deleted = &before[1];
    emu.send(Method::DELETE, &format!("{GRANTS}/{}", id(deleted)), None);

    let report = emu.compare_live(store, &baseline);
    let found = changes(&report);
    let grant = |gid: &str| {
        found
            .iter()
            .find(|c| c["objectType"] == "oAuth2PermissionGrant" && c["objectId"] == gid)
            .unwrap_or_else(|| panic!("grant {gid} reported: {report:#}"))
    };
    let c = grant(&id(&planted));
    assert_eq!(c["kind"], json!({"type": "added"}));
    assert_eq!(c["severity"], "critical");
    assert_eq!(
        c["reason"],
        "'Evil App' was granted Mail.Read on 'Microsoft Graph' for all users by consent (MITRE ATT&CK T1098.003, T1528)"
    );
    let c = grant(&id(widened));
    assert_eq!(c["severity"], "critical");
    assert_eq!(
        c["reason"],
        format!(
            "'{}' was additionally granted Directory.ReadWrite.All on 'Microsoft Graph' for all users by consent (MITRE ATT&CK T1098.003, T1528)",
            sp_name(widened["clientId"].as_str().unwrap())
        )
    );
    assert_eq!(
        c["attributes"],
        json!([{"path": "scope", "old": "User.Read", "new": "User.Read Directory.ReadWrite.All"}])
    );
    let c = grant(&id(deleted));
    assert_eq!(c["kind"], json!({"type": "removed"}));
    assert_eq!(c["severity"], "medium");
    assert_eq!(
        c["reason"],
        format!(
            "'{}' lost User.Read on 'Microsoft Graph' for all users: the grant was deleted",
            sp_name(deleted["clientId"].as_str().unwrap())
        )
    );
    // Besides the grants: the attacker's app and service principal, nothing else.
    let others: Vec<&Value> = found
        .iter()
        .filter(|c| c["objectType"] != "oAuth2PermissionGrant")
        .collect();
    assert_eq!(
        others
            .iter()
            .map(|c| c["objectType"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["application", "servicePrincipal"],
        "{report:#}"
    );
    assert_eq!(found.len(), 5, "{report:#}");

    let out = emu.entrasnap(
        store,
        &[
            "restore",
            "--snapshot",
            &baseline,
            "--delete-added",
            "--yes",
            "--json",
        ],
    );
    assert_exit(&out, 0);
    let result = json_out(&out);
    assert_eq!(result["outcome"]["counts"]["failed"], 0, "{result:#}");
    assert_eq!(
        result["outcome"]["verification"]["clean"], true,
        "{result:#}"
    );
    // Graph derives a grant's id from what it joins: the deleted one is back under its id.
    assert_eq!(sorted_grants(&emu), before);
    let again = emu.compare_live(store, &baseline);
    assert_eq!(changes(&again).len(), 0, "{again:#}");
}
