//! The recycle bins: which deleted objects can still come back with their own
//! id. The planner restores those instead of creating new objects.

use std::collections::{BTreeMap, BTreeSet};

use entrasnap_core::ObjectType;
use entrasnap_core::diff::{ChangeKind, Report};
use entrasnap_core::restore::DeletedItems;
use futures::future::try_join_all;
use serde_json::Value;

use super::RestoreError;
use crate::client::GraphClient;
use crate::request::Request;

/// Lists the deleted objects of every type in `types` that has a recycle bin
/// (directory objects under `directory/deletedItems/microsoft.graph.<cast>`,
/// Conditional Access under `identity/conditionalAccess/deletedItems/...`, in
/// the type's API version), all pages, normalized like snapshot bodies.
pub async fn read_deleted(
    client: &GraphClient,
    types: &[&'static ObjectType],
) -> Result<DeletedItems, RestoreError> {
    let reads = types
        .iter()
        .filter_map(|ty| Some((*ty, ty.soft_delete.deleted_items_path()?)))
        .map(|(ty, path)| async move {
            let select = if ty.select.is_empty() {
                String::new()
            } else {
                format!("?$select={}", ty.select.join(","))
            };
            let request = Request::get(format!("/{}/{path}{select}", ty.api_version.as_str()))
                .permission(ty.permissions.read.join(" or "));
            let items: Vec<Value> = client.get_all_request(request).await?;
            Ok::<_, RestoreError>((ty, items))
        });
    let mut deleted = DeletedItems::default();
    for (ty, items) in try_join_all(reads).await? {
        for raw in items {
            let object = entrasnap_core::normalize(ty, raw).map_err(RestoreError::Object)?;
            deleted.insert(ty.name, object.id, object.body);
        }
    }
    Ok(deleted)
}

/// The ids in the recycle bin of each type of `report` that lost objects, so
/// a report against the live tenant says whether a deleted object can come
/// back with its id or is gone. Best effort: a bin that cannot be read
/// (permissions, an API not available) leaves that type's removals unknown.
pub async fn removed_restorable(
    client: &GraphClient,
    report: &Report,
) -> BTreeMap<String, BTreeSet<String>> {
    let types: BTreeSet<&str> = report
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Removed)
        .map(|c| c.object_type.as_str())
        .collect();
    let mut bins = BTreeMap::new();
    for ty in types.into_iter().filter_map(ObjectType::find) {
        if ty.soft_delete.deleted_items_path().is_none() {
            continue;
        }
        if let Ok(deleted) = read_deleted(client, &[ty]).await {
            let ids = deleted
                .0
                .get(ty.name)
                .map(|objects| objects.keys().cloned().collect())
                .unwrap_or_default();
            bins.insert(ty.name.to_string(), ids);
        }
    }
    bins
}
