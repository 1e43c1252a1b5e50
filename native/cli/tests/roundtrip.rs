//! Issue 9, item 3: Conditional Access exports as real tenants produce them
//! (Graph beta, annotations and read-only properties included, written by
//! Windows PowerShell 5.1 as UTF-16LE or UTF-8 with a BOM) are imported into
//! the emulator through Graph's API exactly as an import script would, then
//! exported, damaged through Graph, restored, and read back: every property,
//! beta-only ones included, must come back unchanged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::compare::changes;
use crate::emulator::{Emulator, LOCATIONS, POLICIES};
use crate::util::{assert_exit, json as json_out, stdout};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ca-export")
}

/// Decodes a file by its byte-order mark: UTF-16LE (Windows PowerShell 5.1's
/// `Out-File` default), UTF-16BE, UTF-8 with a BOM, or plain UTF-8.
pub fn decode(bytes: &[u8]) -> String {
    let utf16 = |body: &[u8], le: bool| -> String {
        assert!(body.len().is_multiple_of(2), "odd length UTF-16 file");
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).expect("valid UTF-16")
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).expect("UTF-8"),
        plain => String::from_utf8(plain.to_vec()).expect("UTF-8"),
    }
}

/// What Graph refuses on create, removed the way an import script does:
/// read-only `id`, `createdDateTime`, `modifiedDateTime` (GRAPH-FACTS,
/// "Read-only"), every `@odata.context` / `<prop>@odata.context` annotation,
/// and the expanded authentication strength reduced to its `id` (the
/// strength's own properties are read-only through the policy). Exports made
/// by serializing Graph PowerShell SDK objects spell the strength's keys in
/// PascalCase (`Id`, `AllowedCombinations`, ...; seen in the public baseline
/// PathwayITSolutions/ConditionalAccess): an import script reads them
/// case-insensitively, as PowerShell does.
fn for_create(mut policy: Value) -> Value {
    fn strip_annotations(v: &mut Value) {
        match v {
            Value::Object(map) => {
                map.retain(|k, _| !(k.contains("@odata.") && k != "@odata.type"));
                map.values_mut().for_each(strip_annotations);
            }
            Value::Array(items) => items.iter_mut().for_each(strip_annotations),
            _ => {}
        }
    }
    strip_annotations(&mut policy);
    let obj = policy.as_object_mut().unwrap();
    for key in ["id", "createdDateTime", "modifiedDateTime"] {
        obj.remove(key);
    }
    if let Some(strength) = obj
        .get_mut("grantControls")
        .and_then(|g| g.get_mut("authenticationStrength"))
        .filter(|s| s.is_object())
    {
        let id = strength
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("id"))
            .map(|(_, v)| v.clone())
            .expect("an authentication strength names its id");
        *strength = json!({ "id": id });
    }
    policy
}

/// The fixtures, by file name, with the source tenant's ids mapped to the
/// demo tenant's objects of the same purpose.
fn load(emu: &Emulator) -> BTreeMap<String, (String, Value)> {
    let breakglass = emu.id_of("groups", "SG-CA-Exclude-BreakGlass");
    let allowed = emu.id_of(&format!("beta/{LOCATIONS}"), "Allowed Countries");
    let mut out = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let text = decode(&bytes)
            .replace("SOURCE-GROUP-BREAKGLASS", &breakglass)
            .replace("SOURCE-LOCATION-ALLOWED", &allowed);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{name} is not JSON after decoding: {e}"));
        out.insert(name, (bytes_kind(&bytes).to_string(), value));
    }
    out
}

fn bytes_kind(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xFE, ..] => "utf-16le",
        [0xEF, 0xBB, 0xBF, ..] => "utf-8-bom",
        _ => "utf-8",
    }
}

/// Every CA policy Graph serves on beta, by id.
fn served(emu: &Emulator) -> BTreeMap<String, Value> {
    emu.list(&format!("beta/{POLICIES}"))
        .into_iter()
        .map(|p| (p["id"].as_str().unwrap().to_string(), p))
        .collect()
}

fn without(policy: &Value, keys: &[&str]) -> Value {
    let mut p = policy.clone();
    let obj: &mut Map<String, Value> = p.as_object_mut().unwrap();
    for k in keys {
        obj.remove(*k);
    }
    p
}

#[test]
fn fixtures_are_decoded_by_their_byte_order_mark() {
    assert_eq!(decode(b"\xEF\xBB\xBF{}"), "{}");
    assert_eq!(decode(b"\xFF\xFE{\0}\0"), "{}");
    assert_eq!(decode(b"\xFE\xFF\0{\0}"), "{}");
    assert_eq!(decode(b"{}"), "{}");
    let emu = Emulator::start();
    let kinds: Vec<String> = load(&emu).values().map(|(k, _)| k.clone()).collect();
    assert!(
        kinds.iter().filter(|k| *k == "utf-16le").count() >= 2,
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| k == "utf-8-bom"), "{kinds:?}");
}

#[test]
fn real_world_exports_survive_export_damage_and_restore_unchanged() {
    let emu = Emulator::start();
    let fixtures = load(&emu);
    assert!(fixtures.len() >= 5, "{} fixtures", fixtures.len());

    // Import: one POST per policy to beta, as an import script would.
    let mut imported: BTreeMap<String, String> = BTreeMap::new(); // displayName -> id
    for (file, (_, policy)) in &fixtures {
        let body = for_create(policy.clone());
        let (status, created) = emu.try_send(
            Method::POST,
            &format!("beta/{POLICIES}"),
            Some(body.clone()),
        );
        assert_eq!(
            status, 201,
            "{file}: the emulator refused a policy real Graph accepts: {created}\n{body:#}"
        );
        // Every property the export carried (less what is stripped) is served back.
        let id = created["id"].as_str().unwrap().to_string();
        let got = emu.get(&format!("beta/{POLICIES}/{id}"));
        for (k, v) in body.as_object().unwrap() {
            if k == "grantControls" || k == "@odata.type" {
                continue;
            }
            // Present, not merely null by absence: a dropped beta property fails here.
            assert_eq!(got.get(k), Some(v), "{file}: {k} as imported");
        }
        assert_eq!(
            got["grantControls"]["authenticationStrength"]["id"],
            body["grantControls"]["authenticationStrength"]["id"],
            "{file}"
        );
        imported.insert(policy["displayName"].as_str().unwrap().to_string(), id);
    }

    let dir = tempfile::tempdir().unwrap();
    let out = emu.entrasnap(dir.path(), &["export"]);
    assert_exit(&out, 0);
    let snapshot = stdout(&out).trim().to_string();
    let before = served(&emu);
    let id = |prefix: &str| -> String {
        imported
            .iter()
            .find(|(n, _)| n.starts_with(prefix))
            .map(|(_, id)| id.clone())
            .unwrap()
    };
    let (ca200, ca202, ca203, ca204, ca206) = (
        id("CA200"),
        id("CA202"),
        id("CA203"),
        id("CA204"),
        id("CA206"),
    );

    // Damage through Graph.
    let patch = |id: &str, body: Value| {
        emu.send(Method::PATCH, &format!("beta/{POLICIES}/{id}"), Some(body));
    };
    patch(&ca200, json!({"state": "disabled"}));
    patch(
        &ca206,
        json!({"grantControls": {"operator": "AND", "builtInControls": ["passwordChange"]}}),
    );
    patch(
        &ca203,
        json!({"sessionControls": {"continuousAccessEvaluation": {"mode": "disabled"}, "persistentBrowser": null, "disableResilienceDefaults": false}}),
    );
    let mut session = before[&ca202]["sessionControls"].clone();
    session["signInFrequency"] = json!({"value": 90, "type": "days", "authenticationType": "primaryAndSecondaryAuthentication", "frequencyInterval": "timeBased", "isEnabled": true});
    patch(&ca202, json!({"sessionControls": session}));
    emu.send(Method::DELETE, &format!("beta/{POLICIES}/{ca204}"), None);
    // Hard-deleted: only a recreation (new id) can bring it back.
    emu.send(
        Method::DELETE,
        &format!("beta/identity/conditionalAccess/deletedItems/policies/{ca204}"),
        None,
    );

    // compare names each damaged policy.
    let report = emu.compare_live(dir.path(), &snapshot);
    let named: Vec<&str> = changes(&report)
        .iter()
        .filter_map(|c| c["objectName"].as_str())
        .collect();
    for id in [&ca200, &ca202, &ca203, &ca204, &ca206] {
        let name = before[id]["displayName"].as_str().unwrap();
        assert!(named.contains(&name), "compare misses {name}: {report:#}");
    }

    let out = emu.entrasnap(
        dir.path(),
        &[
            "restore",
            "--snapshot",
            &snapshot,
            "--types",
            "conditionalAccessPolicy",
            "--yes",
            "--json",
        ],
    );
    assert_exit(&out, 0);
    let result = json_out(&out);
    assert_eq!(result["outcome"]["counts"]["failed"], 0, "{result:#}");

    let after = served(&emu);
    assert_eq!(after.len(), before.len(), "as many policies as before");
    for (id, was) in &before {
        let name = was["displayName"].as_str().unwrap();
        if *id == ca204 {
            let now = after
                .values()
                .find(|p| p["displayName"] == name)
                .unwrap_or_else(|| panic!("{name} was not recreated"));
            let ignored = ["id", "createdDateTime", "modifiedDateTime"];
            assert_eq!(
                without(now, &ignored),
                without(was, &ignored),
                "{name} (hard-deleted, recreated): every property but id, createdDateTime and modifiedDateTime as before the damage"
            );
        } else {
            let now = after
                .get(id)
                .unwrap_or_else(|| panic!("{name} is gone after restore"));
            assert_eq!(
                without(now, &["modifiedDateTime"]),
                without(was, &["modifiedDateTime"]),
                "{name}: every property but modifiedDateTime as before the damage"
            );
        }
    }
}
