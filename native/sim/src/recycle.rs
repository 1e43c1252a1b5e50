//! Deleted items: `/directory/deletedItems` for directory objects and
//! `/identity/conditionalAccess/deletedItems` for policies and named locations.
//! Both keep the object's id, so a restore brings back the very same object.

use std::ops::Bound;

use serde_json::{Map, Value};

use crate::error::{GraphError, GraphResult};
use crate::kind::{Deletion, Kind};
use crate::project::{after_id, check_select, context_url, page_by_id, project};
use crate::query::Query;
use crate::request::{GraphRequest, GraphResponse};
use crate::sim::Sim;
use crate::tenant::Tenant;

fn page(sim: &Sim, req: &GraphRequest, kind: Kind, context: String) -> GraphResult<GraphResponse> {
    let q = Query::parse(req)?;
    check_select(kind, q.select.as_deref(), true)?;
    let size = q.page_size(kind.info())?;
    let t = sim.read();
    let empty = Default::default();
    let bin = t.deleted.get(&kind).unwrap_or(&empty);
    let after = after_id(q.skiptoken.as_deref())?;
    let range = match &after {
        Some(a) => bin.range::<String, _>((Bound::Excluded(a), Bound::Unbounded)),
        None => bin.range::<String, _>(..),
    };
    let items = range
        .filter(|(_, d)| q.filter.as_ref().is_none_or(|f| f.matches(&d.object)))
        .map(|(id, d)| {
            let mut o = Map::new();
            o.insert("@odata.type".into(), Value::String(kind.odata_type()));
            o.extend(project(kind.info(), &d.object, q.select.as_deref(), true));
            (id.clone(), Value::Object(o))
        });
    Ok(GraphResponse::ok(
        page_by_id(items, size, None).into_body(req, context),
    ))
}

pub fn list(sim: &Sim, req: &GraphRequest, kind: Kind) -> GraphResult<GraphResponse> {
    let context = format!(
        "{}/$metadata#directory/deletedItems/microsoft.graph.{}",
        req.root(),
        kind.info().entity
    );
    page(sim, req, kind, context)
}

fn find_directory(t: &Tenant, id: &str) -> Option<Kind> {
    t.deleted
        .iter()
        .find(|(k, bin)| k.info().deletion == Deletion::Directory && bin.contains_key(id))
        .map(|(k, _)| *k)
}

fn entity(kind: Kind, obj: &crate::tenant::Obj, context: String) -> Value {
    let mut o = Map::new();
    o.insert("@odata.context".into(), Value::String(context));
    o.insert("@odata.type".into(), Value::String(kind.odata_type()));
    o.extend(project(kind.info(), obj, None, false));
    Value::Object(o)
}

pub fn get(sim: &Sim, req: &GraphRequest, id: &str) -> GraphResult<GraphResponse> {
    let t = sim.read();
    let kind = find_directory(&t, id).ok_or_else(|| GraphError::not_found(id))?;
    let obj = &t.deleted_object(kind, id).expect("found").object;
    let context = format!("{}/$metadata#directoryObjects/$entity", req.root());
    Ok(GraphResponse::ok(entity(kind, obj, context)))
}

pub fn purge(sim: &Sim, id: &str) -> GraphResult<GraphResponse> {
    let mut t = sim.write();
    let kind = find_directory(&t, id).ok_or_else(|| GraphError::not_found(id))?;
    t.purge(kind, id);
    Ok(GraphResponse::no_content())
}

pub fn restore(sim: &Sim, req: &GraphRequest, id: &str) -> GraphResult<GraphResponse> {
    let mut t = sim.write();
    let kind = find_directory(&t, id).ok_or_else(|| GraphError::not_found(id))?;
    if kind == Kind::User {
        let upn = t
            .deleted_object(kind, id)
            .and_then(|d| d.object.get("userPrincipalName"))
            .cloned();
        let clash = t
            .collection(Kind::User)
            .into_iter()
            .flatten()
            .any(|(_, u)| u.get("userPrincipalName") == upn.as_ref());
        if clash {
            return Err(GraphError::bad_request(
                "Another object with the same value for property userPrincipalName already exists.",
            ));
        }
    }
    let obj = t.restore(kind, id).expect("found");
    let context = format!("{}/$metadata#directoryObjects/$entity", req.root());
    Ok(GraphResponse::ok(entity(kind, &obj, context)))
}

fn ca_context(req: &GraphRequest, kind: Kind) -> String {
    context_url(
        req,
        &format!(
            "identity/conditionalAccess/deletedItems/{}",
            kind.ca_deleted_segment()
        ),
        None,
    )
}

pub fn ca_list(sim: &Sim, req: &GraphRequest, kind: Kind) -> GraphResult<GraphResponse> {
    page(sim, req, kind, ca_context(req, kind))
}

pub fn ca_get(sim: &Sim, req: &GraphRequest, kind: Kind, id: &str) -> GraphResult<GraphResponse> {
    let t = sim.read();
    let d = t
        .deleted_object(kind, id)
        .ok_or_else(|| GraphError::not_found(id))?;
    Ok(GraphResponse::ok(entity(
        kind,
        &d.object,
        format!("{}/$entity", ca_context(req, kind)),
    )))
}

pub fn ca_purge(sim: &Sim, kind: Kind, id: &str) -> GraphResult<GraphResponse> {
    let mut t = sim.write();
    if !t.purge(kind, id) {
        return Err(GraphError::not_found(id));
    }
    Ok(GraphResponse::no_content())
}

pub fn ca_restore(
    sim: &Sim,
    req: &GraphRequest,
    kind: Kind,
    id: &str,
) -> GraphResult<GraphResponse> {
    let mut t = sim.write();
    let obj = t
        .restore(kind, id)
        .ok_or_else(|| GraphError::not_found(id))?;
    let context = context_url(req, kind.info().context, None);
    let mut body = entity(kind, &obj, format!("{context}/$entity"));
    if let Some(o) = body.as_object_mut() {
        o.remove("deletedDateTime");
    }
    Ok(GraphResponse::ok(body))
}
