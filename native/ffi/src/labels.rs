//! `snapshot.resolve` and `snapshot.label`: what a reference means, and
//! naming snapshots.
//!
//! `{"op": "snapshot.resolve", "store", "snapshot": "<id>|latest|label:NAME"}`
//! -> the snapshot's summary `{"id", "tenantId", "kind", "labels",
//! "createdAt", "completedAt", "engineVersion", "types", "counts", "intact"}`.
//! A caller that runs several jobs on one snapshot (a preview, then the run)
//! resolves once and passes the id: `latest` may mean another snapshot later.
//!
//! `{"op": "snapshot.label", "store", "snapshot"?, "name", "remove"?: false}`
//! -> `{"label", "snapshot", "removed"}`. Adding needs `snapshot`; removing
//! checks it when given. A label already on another snapshot, or a bad
//! name, fails with `EntraSnapshot.InvalidArgument`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::context::{JobContext, OperationError};
use crate::operation::{self, Operation};
use crate::store;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResolveParams {
    store: String,
    snapshot: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LabelParams {
    store: String,
    #[serde(default)]
    snapshot: Option<String>,
    name: String,
    #[serde(default)]
    remove: bool,
}

pub(crate) fn prepare_resolve(params: Map<String, Value>) -> Operation {
    match operation::params::<ResolveParams>("snapshot.resolve", params) {
        Ok(params) => Box::new(move |context| resolve(&params, context)),
        Err(error) => operation::fail(error),
    }
}

pub(crate) fn prepare_label(params: Map<String, Value>) -> Operation {
    match operation::params::<LabelParams>("snapshot.label", params) {
        Ok(params) if !params.remove && params.snapshot.is_none() => {
            operation::fail(OperationError::invalid_argument(
                "snapshot.label: snapshot is required to add a label (or remove: true)",
            ))
        }
        Ok(params) => Box::new(move |context| label(&params, context)),
        Err(error) => operation::fail(error),
    }
}

fn resolve(params: &ResolveParams, context: &JobContext) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let store = store::open_existing(&params.store)?;
    let summary = store::resolve(&store, &params.snapshot)?;
    Ok(serde_json::to_value(summary).expect("a summary serializes"))
}

fn label(params: &LabelParams, context: &JobContext) -> Result<Value, OperationError> {
    context.check_cancelled()?;
    let store = store::open_existing(&params.store)?;
    let on = if params.remove {
        store
            .remove_label(params.snapshot.as_deref(), &params.name)
            .map_err(|e| OperationError::from_store(&e))?
    } else {
        let snapshot = params.snapshot.as_deref().expect("checked when prepared");
        store
            .add_label(snapshot, &params.name)
            .map_err(|e| OperationError::from_store(&e))?
            .id
    };
    Ok(json!({
        "label": params.name,
        "snapshot": on,
        "removed": params.remove,
    }))
}

#[cfg(test)]
mod tests {
    use crate::list::tests::run_request;
    use chrono::{TimeZone, Utc};
    use entrasnap_core::store::SnapshotKind;
    use entrasnap_core::{LocalStore, ObjectType, normalize};
    use serde_json::{Value, json};

    const TENANT: &str = "0f5b2c1e-7d44-4c1a-9a4e-2b6f3d8e9c10";

    fn snapshot(store: &LocalStore, day: u32, kind: SnapshotKind) -> String {
        let ty = ObjectType::find("namedLocation").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap();
        let w = store.begin_at(TENANT, &[ty], at).unwrap().with_kind(kind);
        let body = json!({
            "@odata.type": "#microsoft.graph.countryNamedLocation",
            "id": "5b0a0000-0000-4000-8000-000000000001",
            "displayName": "Allowed Countries",
            "countriesAndRegions": ["NL"],
            "includeUnknownCountriesAndRegions": false
        });
        w.put(ty, &normalize(ty, body).unwrap()).unwrap();
        w.finish().unwrap().to_string()
    }

    #[test]
    fn resolve_names_the_newest_export_and_labels_stand_for_their_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let export = snapshot(&store, 1, SnapshotKind::Export);
        let live = snapshot(&store, 2, SnapshotKind::CompareLive);
        let path = dir.path().to_str().unwrap();

        let latest =
            run_request(json!({"op": "snapshot.resolve", "store": path, "snapshot": "latest"}))
                .unwrap();
        assert_eq!(latest["id"], json!(export));
        assert_eq!(latest["kind"], "export");
        assert_eq!(latest["labels"], json!([]));
        assert_eq!(latest["createdAt"], "2026-03-01T00:00:00Z");

        let labelled = run_request(json!({
            "op": "snapshot.label", "store": path, "snapshot": live, "name": "incident-42"
        }))
        .unwrap();
        assert_eq!(
            labelled,
            json!({"label": "incident-42", "snapshot": live, "removed": false})
        );
        let resolved = run_request(
            json!({"op": "snapshot.resolve", "store": path, "snapshot": "label:incident-42"}),
        )
        .unwrap();
        assert_eq!(resolved["id"], json!(live));
        assert_eq!(resolved["kind"], "compare-live");
        assert_eq!(resolved["labels"], json!(["incident-42"]));

        let listed = run_request(json!({"op": "snapshot.list", "store": path})).unwrap();
        let rows: Vec<(&str, &str, &Value)> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap(),
                    s["kind"].as_str().unwrap(),
                    &s["labels"],
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (live.as_str(), "compare-live", &json!(["incident-42"])),
                (export.as_str(), "export", &json!([]))
            ]
        );

        let removed = run_request(
            json!({"op": "snapshot.label", "store": path, "name": "incident-42", "remove": true}),
        )
        .unwrap();
        assert_eq!(removed["snapshot"], json!(live));
        let error = run_request(
            json!({"op": "snapshot.resolve", "store": path, "snapshot": "label:incident-42"}),
        )
        .unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.StoreError");
        assert!(
            error.message().contains("no label 'incident-42'"),
            "{}",
            error.message()
        );
        let error = run_request(
            json!({"op": "snapshot.label", "store": path, "snapshot": export, "name": "latest"}),
        )
        .unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.InvalidArgument");
        let error =
            run_request(json!({"op": "snapshot.label", "store": path, "name": "x"})).unwrap_err();
        assert_eq!(error.code(), "EntraSnapshot.InvalidArgument");
    }

    #[test]
    fn list_names_an_unreadable_snapshot_and_latest_refuses_to_skip_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let old = snapshot(&store, 1, SnapshotKind::Export);
        let newer = snapshot(&store, 2, SnapshotKind::Export);
        let manifest = dir.path().join("snapshots").join(format!("{newer}.json"));
        std::fs::write(&manifest, b"{ truncated").unwrap();
        let path = dir.path().to_str().unwrap();

        let listed = run_request(json!({"op": "snapshot.list", "store": path})).unwrap();
        assert_eq!(listed[0]["id"], json!(newer));
        assert_eq!(listed[0]["readable"], false);
        assert!(
            listed[0]["reason"].as_str().unwrap().contains("unreadable"),
            "{listed}"
        );
        assert_eq!(listed[1]["id"], json!(old));
        assert_eq!(listed[1]["readable"], true);

        let error =
            run_request(json!({"op": "snapshot.resolve", "store": path, "snapshot": "latest"}))
                .unwrap_err();
        assert!(error.message().contains(&newer), "{}", error.message());
        let ok =
            run_request(json!({"op": "snapshot.resolve", "store": path, "snapshot": old})).unwrap();
        assert_eq!(ok["id"], json!(old));
    }
}
