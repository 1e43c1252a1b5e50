//! The recycle bins: which deleted objects can still come back with their own
//! id. The planner restores those instead of creating new objects.

use entrasnap_core::ObjectType;
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
