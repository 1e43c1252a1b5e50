//! A Conditional Access baseline as Graph PowerShell exports it from a real
//! tenant (data/ca-baseline-export.json): with its annotations and read-only
//! properties it is refused; stripped and re-mapped it POSTs cleanly to /beta.

use serde_json::{Map, Value};

use crate::util::Graph;

const EXPORT: &str = include_str!("../data/ca-baseline-export.json");
const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "modifiedDateTime",
    "deletedDateTime",
    "templateId",
];

fn strip(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| !k.starts_with('@') && !k.contains("@odata."))
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn the_real_baseline_posts_cleanly_once_stripped() {
    let g = Graph::demo().await;
    let bg = g.id_by_name("groups", "SG-CA-Exclude-BreakGlass").await;
    let pilot = g.id_by_name("groups", "SG-CA-Pilot").await;
    let admins = g.id_by_name("groups", "SG-Admins-Privileged").await;
    let trusted = g
        .id_by_name("identity/conditionalAccess/namedLocations", "Corporate HQ")
        .await;
    let countries = g
        .id_by_name(
            "identity/conditionalAccess/namedLocations",
            "Allowed Countries",
        )
        .await;
    let text = EXPORT
        .replace("{breakGlassGroupId}", &bg)
        .replace("{pilotGroupId}", &pilot)
        .replace("{adminsGroupId}", &admins)
        .replace("{trustedLocationId}", &trusted)
        .replace("{allowedCountriesLocationId}", &countries);
    let policies: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(policies.len() >= 10);
    for raw in &policies {
        let name = raw["displayName"].as_str().unwrap();
        // As exported: refused for its annotations and read-only properties.
        let r = g
            .post("/beta/identity/conditionalAccess/policies", raw.clone())
            .await;
        assert_eq!(
            r.status, 400,
            "{name} posted with read-only properties and annotations"
        );
        let mut body = strip(raw);
        for p in READ_ONLY {
            body.as_object_mut().unwrap().remove(*p);
        }
        if text_has_terms_of_use(&body) {
            // Terms-of-use agreements are not modelled by the emulator: drop the reference.
            body["grantControls"]["termsOfUse"] = Value::Array(Vec::new());
            if body["grantControls"]["builtInControls"]
                .as_array()
                .is_some_and(Vec::is_empty)
            {
                body["grantControls"]["builtInControls"] = serde_json::json!(["mfa"]);
            }
        }
        let r = g
            .post("/beta/identity/conditionalAccess/policies", body.clone())
            .await;
        assert_eq!(r.status, 201, "{name}: {}", r.body);
        let created = g
            .get(&format!(
                "/beta/identity/conditionalAccess/policies/{}",
                r.body["id"].as_str().unwrap()
            ))
            .await
            .body;
        assert_eq!(
            created["conditions"], body["conditions"],
            "{name}: conditions kept as sent, beta properties included"
        );
        assert_eq!(created["sessionControls"], body["sessionControls"]);
    }
}

fn text_has_terms_of_use(body: &Value) -> bool {
    body["grantControls"]["termsOfUse"]
        .as_array()
        .is_some_and(|t| !t.is_empty())
}
