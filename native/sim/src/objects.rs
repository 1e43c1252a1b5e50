//! Collections and items: list, get, create, update, delete, and the item actions
//! (addPassword, removePassword, updateAllowedCombinations).

use std::ops::Bound;

use serde_json::{Map, Value, json};

use crate::error::{GraphError, GraphResult};
use crate::grants;
use crate::kind::{Deletion, Kind, Rel};
use crate::links;
use crate::project::{Page, check_select, context_url, decode_token, page_by_id, project};
use crate::query::Query;
use crate::request::{GraphRequest, GraphResponse};
use crate::sim::{Sim, now};
use crate::tenant::{Obj, Tenant};
use crate::validate;

/// Resolve an item id: users also answer to their userPrincipalName, and
/// authentication method configurations to any casing of their id.
pub fn resolve_id(t: &Tenant, kind: Kind, id: &str) -> Option<String> {
    let coll = t.collection(kind)?;
    if coll.contains_key(id) {
        return Some(id.to_string());
    }
    match kind {
        Kind::User if id.contains('@') => coll
            .iter()
            .find(|(_, o)| {
                o.get("userPrincipalName")
                    .and_then(Value::as_str)
                    .is_some_and(|u| u.eq_ignore_ascii_case(id))
            })
            .map(|(k, _)| k.clone()),
        _ => coll.keys().find(|k| k.eq_ignore_ascii_case(id)).cloned(),
    }
}

fn require_item(t: &Tenant, kind: Kind, id: &str) -> GraphResult<String> {
    resolve_id(t, kind, id).ok_or_else(|| GraphError::not_found(id))
}

pub fn list(sim: &Sim, req: &GraphRequest, kind: Kind) -> GraphResult<GraphResponse> {
    let info = kind.info();
    let q = Query::parse(req)?;
    q.check_advanced(req, info.directory_object)?;
    check_select(kind, q.select.as_deref(), true)?;
    let size = q.page_size(info)?;
    let expand = links::parse_expand(kind, q.expand.as_deref())?;
    let search = q.search.as_deref().map(parse_search).transpose()?;
    let t = sim.read();
    let empty = Default::default();
    let coll = t.collection(kind).unwrap_or(&empty);
    let keep = |o: &Obj| {
        q.filter.as_ref().is_none_or(|f| f.matches(o))
            && search.as_ref().is_none_or(|(p, term)| {
                o.get(p)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.to_lowercase().contains(term))
            })
    };
    let shape = |o: &Obj| {
        let mut v = project(info, o, q.select.as_deref(), true);
        if let Some(rel) = &expand {
            links::expand_into(&t, kind, o, rel, &mut v);
        }
        Value::Object(v)
    };
    let count = q.count.then(|| coll.values().filter(|o| keep(o)).count());
    let token = q.skiptoken.as_deref().map(decode_token).transpose()?;
    let page = if let Some(order) = &q.orderby {
        // Sorted reads page by offset: ids no longer give the order.
        let (prop, desc) = parse_orderby(order)?;
        let mut all: Vec<&Obj> = coll.values().filter(|o| keep(o)).collect();
        all.sort_by_key(|o| o.get(&prop).and_then(Value::as_str).map(str::to_lowercase));
        if desc {
            all.reverse();
        }
        let offset = token
            .as_ref()
            .and_then(|t| t.get("o"))
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let items: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(size)
            .map(|o| shape(o))
            .collect();
        let next = (offset + size < all.len()).then(|| json!({"o": offset + size}));
        Page { items, next, count }
    } else {
        let after = token
            .as_ref()
            .and_then(|t| t.get("a"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let range = match &after {
            Some(a) => coll.range::<String, _>((Bound::Excluded(a), Bound::Unbounded)),
            None => coll.range::<String, _>(..),
        };
        page_by_id(
            range
                .filter(|(_, o)| keep(o))
                .map(|(id, o)| (id.clone(), shape(o))),
            size,
            count,
        )
    };
    Ok(GraphResponse::ok(page.into_body(
        req,
        context_url(req, info.context, q.select.as_deref()),
    )))
}

fn parse_orderby(text: &str) -> GraphResult<(String, bool)> {
    let mut parts = text.split_whitespace();
    let prop = parts.next().unwrap_or_default().to_string();
    let desc = match parts.next() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(GraphError::bad_request(format!(
                "Invalid $orderby direction '{other}'."
            )));
        }
    };
    Ok((prop, desc))
}

/// `$search="displayName:term"`.
fn parse_search(text: &str) -> GraphResult<(String, String)> {
    let inner = text.trim().trim_matches('"');
    let (prop, term) = inner.split_once(':').ok_or_else(|| {
        GraphError::bad_request("Syntax error: expected \"property:term\" in $search.")
    })?;
    Ok((prop.to_string(), term.to_lowercase()))
}

pub fn count(sim: &Sim, req: &GraphRequest, kind: Kind) -> GraphResult<GraphResponse> {
    if kind.info().directory_object && !req.eventual() {
        return Err(GraphError::bad_request(
            "$count is not currently supported.",
        ));
    }
    let q = Query::parse(req)?;
    let t = sim.read();
    let n = t.collection(kind).map_or(0, |c| {
        c.values()
            .filter(|o| q.filter.as_ref().is_none_or(|f| f.matches(o)))
            .count()
    });
    Ok(GraphResponse::text(n.to_string()))
}

pub fn get(sim: &Sim, req: &GraphRequest, kind: Kind, id: &str) -> GraphResult<GraphResponse> {
    let info = kind.info();
    let q = Query::parse(req)?;
    check_select(kind, q.select.as_deref(), false)?;
    let expand = links::parse_expand(kind, q.expand.as_deref())?;
    let t = sim.read();
    let id = require_item(&t, kind, id)?;
    let obj = t.get(kind, &id).expect("resolved id exists");
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        Value::String(format!(
            "{}/$entity",
            context_url(req, info.context, q.select.as_deref())
        )),
    );
    body.extend(project(info, obj, q.select.as_deref(), false));
    if let Some(rel) = &expand {
        links::expand_into(&t, kind, obj, rel, &mut body);
    }
    Ok(GraphResponse::ok(Value::Object(body)))
}

/// Split `members@odata.bind` / `owners@odata.bind` off a body.
fn take_binds(kind: Kind, body: &mut Obj) -> GraphResult<Vec<(Rel, Vec<String>)>> {
    let mut binds = Vec::new();
    let keys: Vec<String> = body
        .keys()
        .filter(|k| k.ends_with("@odata.bind"))
        .cloned()
        .collect();
    for key in keys {
        let rel_name = key.trim_end_matches("@odata.bind");
        let rel = Rel::parse(rel_name)
            .filter(|r| kind.info().relations.contains(r))
            .ok_or_else(|| GraphError::unknown_property(&key))?;
        let urls = body.remove(&key).unwrap_or_default();
        let urls = urls
            .as_array()
            .ok_or_else(|| GraphError::bad_request(format!("'{key}' must be an array of URLs.")))?;
        if urls.len() > 20 {
            return Err(GraphError::bad_request(
                "The number of references in a single request exceeds the limit of 20.",
            ));
        }
        let ids = urls
            .iter()
            .map(|u| {
                u.as_str()
                    .map(links::id_from_url)
                    .ok_or_else(|| GraphError::bad_request(format!("Invalid URL in '{key}'.")))
            })
            .collect::<GraphResult<Vec<_>>>()?;
        binds.push((rel, ids));
    }
    Ok(binds)
}

/// Graph's property rules for a write: known properties only, no annotations,
/// read-only properties only at their current value.
fn check_properties(kind: Kind, body: &Obj, existing: Option<&Obj>) -> GraphResult<()> {
    let info = kind.info();
    for (key, value) in body {
        if key == "@odata.type" {
            continue;
        }
        if key.starts_with('@') || key.contains("@odata.") {
            return Err(GraphError::read_only(key));
        }
        let known = if info.properties.is_empty() {
            // Kinds whose shape varies by subtype: the stored object is the schema.
            existing.is_none_or(|e| e.contains_key(key))
        } else {
            info.properties.contains(&key.as_str())
        };
        if !known {
            return Err(match kind {
                Kind::ConditionalAccessPolicy | Kind::NamedLocation => {
                    GraphError::ca_bad_request(format!(
                        "Invalid property '{key}' for type microsoft.graph.{}.",
                        info.entity
                    ))
                }
                _ => GraphError::unknown_property(key),
            });
        }
        let read_only = info.read_only.contains(&key.as_str())
            || validate::create_only(kind).contains(&key.as_str()) && existing.is_some();
        if read_only {
            let unchanged = match existing {
                Some(e) => e.get(key).unwrap_or(&Value::Null) == value,
                None => value.is_null(),
            };
            if !unchanged {
                return Err(GraphError::read_only(key));
            }
        }
    }
    Ok(())
}

fn body_object(req: &GraphRequest) -> GraphResult<Obj> {
    match &req.body {
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(_) => Err(GraphError::bad_request(
            "The request body must be a JSON object.",
        )),
        None => Err(GraphError::bad_request(
            "Empty Payload. JSON content expected.",
        )),
    }
}

pub fn create(sim: &Sim, req: &GraphRequest, kind: Kind) -> GraphResult<GraphResponse> {
    let info = kind.info();
    if matches!(
        kind,
        Kind::AuthenticationMethodConfiguration | Kind::Organization
    ) {
        return Err(GraphError::method_not_allowed());
    }
    let mut body = body_object(req)?;
    let binds = take_binds(kind, &mut body)?;
    check_properties(kind, &body, None)?;
    let id = match kind {
        Kind::CrossTenantAccessPolicyPartner => body
            .get("tenantId")
            .and_then(Value::as_str)
            .map(str::to_string),
        Kind::AuthenticationContextClassReference => {
            body.get("id").and_then(Value::as_str).map(str::to_string)
        }
        Kind::OAuth2PermissionGrant => {
            Some(grants::grant_id(&body).ok_or_else(|| {
                GraphError::bad_request(
                    "Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant'.",
                )
            })?)
        }
        _ => None,
    };
    let mut t = sim.write();
    let id = match id {
        Some(id) => id,
        None => sim.guid(),
    };
    let stamp = now();
    let mut obj = validate::new_object(&t, kind, &id, body, &stamp, sim)?;
    validate::object(&t, kind, &obj, None)?;
    for (rel, targets) in &binds {
        for target in targets {
            links::check_target(&t, kind, &obj, *rel, target)?;
        }
    }
    if kind == Kind::AuthenticationContextClassReference && t.exists(kind, &id)
        || kind == Kind::CrossTenantAccessPolicyPartner && t.exists(kind, &id)
    {
        return Err(GraphError::new(
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            format!("An object with id '{id}' already exists."),
        ));
    }
    if kind == Kind::ConditionalAccessPolicy || kind == Kind::NamedLocation {
        obj.entry("modifiedDateTime").or_insert(Value::Null);
    }
    t.insert(kind, id.clone(), obj.clone());
    for (rel, targets) in binds {
        for target in targets {
            t.add_link(kind, rel, &id, &target);
        }
    }
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$entity", context_url(req, info.context, None))),
    );
    out.extend(project(info, &obj, Some(&["*".to_string()]), false));
    for p in info.write_only {
        out.remove(*p);
    }
    let location = format!("{}/{}/{}", req.root(), info.paths[0].join("/"), id);
    Ok(GraphResponse::json(201, Value::Object(out)).with_header("Location", location))
}

pub fn update(sim: &Sim, req: &GraphRequest, kind: Kind, id: &str) -> GraphResult<GraphResponse> {
    if kind == Kind::RoleAssignment {
        return Err(GraphError::method_not_allowed());
    }
    let mut body = body_object(req)?;
    let binds = take_binds(kind, &mut body)?;
    let mut t = sim.write();
    // Authentication contexts are created by PATCH too (upsert by id).
    if kind == Kind::AuthenticationContextClassReference && resolve_id(&t, kind, id).is_none() {
        drop(t);
        let mut sub = req.clone();
        let mut b = body;
        b.insert("id".into(), Value::String(id.to_string()));
        sub.body = Some(Value::Object(b));
        return create(sim, &sub, kind).map(|_| GraphResponse::no_content());
    }
    let id = require_item(&t, kind, id)?;
    let existing = t.get(kind, &id).expect("resolved").clone();
    validate::protect_builtin(kind, &existing)?;
    if matches!(
        kind,
        Kind::NamedLocation | Kind::AuthenticationMethodConfiguration
    ) {
        match body.get("@odata.type") {
            None => {
                return Err(GraphError::ca_bad_request(
                    "The '@odata.type' property is required to update this object.".to_string(),
                ));
            }
            Some(t) if Some(t) != existing.get("@odata.type") => {
                return Err(GraphError::ca_bad_request(format!(
                    "The '@odata.type' '{}' does not match the object's type.",
                    t.as_str().unwrap_or_default()
                )));
            }
            _ => {}
        }
    }
    check_properties(kind, &body, Some(&existing))?;
    body.remove("@odata.type");
    let mut merged = existing.clone();
    for (k, v) in &body {
        merged.insert(k.clone(), v.clone());
    }
    validate::object(&t, kind, &merged, Some(&existing))?;
    for (rel, targets) in &binds {
        for target in targets {
            links::check_target(&t, kind, &merged, *rel, target)?;
            if t.has_link(*rel, &id, target) {
                return Err(links::already_exists(*rel));
            }
        }
    }
    let changed = t.update(kind, &id, body);
    if !changed.is_empty() && existing.contains_key("modifiedDateTime") {
        t.update(
            kind,
            &id,
            Map::from_iter([("modifiedDateTime".to_string(), Value::String(now()))]),
        );
    }
    for (rel, targets) in binds {
        for target in targets {
            t.add_link(kind, rel, &id, &target);
        }
    }
    Ok(GraphResponse::no_content())
}

pub fn delete(sim: &Sim, _req: &GraphRequest, kind: Kind, id: &str) -> GraphResult<GraphResponse> {
    let mut t = sim.write();
    let id = require_item(&t, kind, id)?;
    let existing = t.get(kind, &id).expect("resolved").clone();
    validate::protect_builtin(kind, &existing)?;
    let stamp = now();
    match kind.info().deletion {
        Deletion::Directory | Deletion::ConditionalAccess => {
            t.soft_delete(kind, &id, &stamp);
            // Deleting an app registration also deletes its service principal in
            // the home tenant; restoring the app does not bring the SP back.
            if kind == Kind::Application {
                let app_id = existing.get("appId").cloned();
                let sps: Vec<String> = t
                    .collection(Kind::ServicePrincipal)
                    .into_iter()
                    .flatten()
                    .filter(|(_, sp)| sp.get("appId") == app_id.as_ref())
                    .map(|(k, _)| k.clone())
                    .collect();
                for sp in sps {
                    t.soft_delete(Kind::ServicePrincipal, &sp, &stamp);
                }
            }
        }
        Deletion::Hard => {
            t.hard_delete(kind, &id);
        }
        Deletion::Forbidden => return Err(GraphError::method_not_allowed()),
    }
    Ok(GraphResponse::no_content())
}

pub fn action(
    sim: &Sim,
    req: &GraphRequest,
    kind: Kind,
    id: &str,
    action: &str,
) -> GraphResult<GraphResponse> {
    match (kind, action) {
        (Kind::Application | Kind::ServicePrincipal, "addPassword") => {
            add_password(sim, req, kind, id)
        }
        (Kind::Application | Kind::ServicePrincipal, "removePassword") => {
            remove_password(sim, req, kind, id)
        }
        (Kind::AuthenticationStrengthPolicy, "updateAllowedCombinations") => {
            update_combinations(sim, req, id)
        }
        _ => Err(GraphError::no_route(&format!(
            "{}/{id}/{action}",
            kind.info().paths[0].join("/")
        ))),
    }
}

/// A secret's value is returned once, here, and never stored: later reads show only its hint.
fn add_password(sim: &Sim, req: &GraphRequest, kind: Kind, id: &str) -> GraphResult<GraphResponse> {
    let body = req.body.clone().unwrap_or(json!({}));
    let cred = body.get("passwordCredential").cloned().unwrap_or(json!({}));
    let mut t = sim.write();
    let id = require_item(&t, kind, id)?;
    let secret: String = {
        let mut rng = sim.rng.lock().unwrap_or_else(|e| e.into_inner());
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
        (0..40)
            .map(|_| CHARS[rng.below(CHARS.len())] as char)
            .collect()
    };
    let start = cred
        .get("startDateTime")
        .cloned()
        .unwrap_or_else(|| Value::String(now()));
    let end = cred.get("endDateTime").cloned().unwrap_or_else(|| {
        Value::String(
            (chrono::Utc::now() + chrono::Duration::days(730))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    });
    let stored = json!({
        "customKeyIdentifier": null,
        "displayName": cred.get("displayName").cloned().unwrap_or(Value::Null),
        "endDateTime": end,
        "hint": &secret[..3],
        "keyId": sim.guid(),
        "secretText": null,
        "startDateTime": start,
    });
    let mut creds = t
        .get(kind, &id)
        .and_then(|o| o.get("passwordCredentials"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    creds.push(stored.clone());
    t.update(
        kind,
        &id,
        Map::from_iter([("passwordCredentials".to_string(), Value::Array(creds))]),
    );
    let mut out = stored;
    out["secretText"] = Value::String(secret);
    out["@odata.context"] = Value::String(format!(
        "{}/$metadata#microsoft.graph.passwordCredential",
        req.root()
    ));
    Ok(GraphResponse::ok(out))
}

fn remove_password(
    sim: &Sim,
    req: &GraphRequest,
    kind: Kind,
    id: &str,
) -> GraphResult<GraphResponse> {
    let key_id = req
        .body
        .as_ref()
        .and_then(|b| b.get("keyId"))
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request("The 'keyId' parameter is required."))?
        .to_string();
    let mut t = sim.write();
    let id = require_item(&t, kind, id)?;
    let creds = t
        .get(kind, &id)
        .and_then(|o| o.get("passwordCredentials"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let kept: Vec<Value> = creds
        .iter()
        .filter(|c| c.get("keyId").and_then(Value::as_str) != Some(&key_id))
        .cloned()
        .collect();
    if kept.len() == creds.len() {
        return Err(GraphError::bad_request(format!(
            "No password credential found with keyId '{key_id}'."
        )));
    }
    t.update(
        kind,
        &id,
        Map::from_iter([("passwordCredentials".to_string(), Value::Array(kept))]),
    );
    Ok(GraphResponse::no_content())
}

fn update_combinations(sim: &Sim, req: &GraphRequest, id: &str) -> GraphResult<GraphResponse> {
    let kind = Kind::AuthenticationStrengthPolicy;
    let combos = req
        .body
        .as_ref()
        .and_then(|b| b.get("allowedCombinations"))
        .cloned()
        .ok_or_else(|| {
            GraphError::bad_request("The 'allowedCombinations' parameter is required.")
        })?;
    validate::combinations(&combos)?;
    let mut t = sim.write();
    let id = require_item(&t, kind, id)?;
    let existing = t.get(kind, &id).expect("resolved").clone();
    validate::protect_builtin(kind, &existing)?;
    let previous = existing
        .get("allowedCombinations")
        .cloned()
        .unwrap_or(json!([]));
    t.update(
        kind,
        &id,
        Map::from_iter([
            ("allowedCombinations".to_string(), combos.clone()),
            ("modifiedDateTime".to_string(), Value::String(now())),
        ]),
    );
    let references: Vec<Value> = validate::policies_using_strength(&t, &id)
        .into_iter()
        .map(Value::String)
        .collect();
    Ok(GraphResponse::ok(json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.updateAllowedCombinationsResult", req.root()),
        "additionalInformation": null,
        "conditionalAccessReferences": references,
        "currentCombinations": combos,
        "previousCombinations": previous,
    })))
}

/// `/directoryObjects/{id}`: any live directory object, with its `@odata.type`.
pub fn directory_object(sim: &Sim, req: &GraphRequest, id: &str) -> GraphResult<GraphResponse> {
    let t = sim.read();
    let kind = t
        .live_kind(id)
        .filter(|k| k.info().directory_object)
        .ok_or_else(|| GraphError::not_found(id))?;
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$metadata#directoryObjects/$entity", req.root())),
    );
    out.insert("@odata.type".into(), Value::String(kind.odata_type()));
    out.extend(project(
        kind.info(),
        t.get(kind, id).expect("live"),
        None,
        false,
    ));
    Ok(GraphResponse::ok(Value::Object(out)))
}

/// `POST /directoryObjects/getByIds`: up to 1000 ids, optionally limited to types.
pub fn get_by_ids(sim: &Sim, req: &GraphRequest) -> GraphResult<GraphResponse> {
    let body = body_object(req)?;
    let ids = body
        .get("ids")
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::bad_request("The 'ids' parameter is required."))?;
    if ids.len() > 1000 {
        return Err(GraphError::bad_request(
            "Too many ids: the maximum is 1000.",
        ));
    }
    let types: Option<Vec<String>> = body.get("types").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_lowercase)
            .collect()
    });
    let t = sim.read();
    let mut value = Vec::new();
    for id in ids.iter().filter_map(Value::as_str) {
        let Some(kind) = t.live_kind(id).filter(|k| k.info().directory_object) else {
            continue;
        };
        if types
            .as_ref()
            .is_some_and(|ts| !ts.contains(&kind.info().entity.to_lowercase()))
        {
            continue;
        }
        let mut o = Map::new();
        o.insert("@odata.type".into(), Value::String(kind.odata_type()));
        o.extend(project(
            kind.info(),
            t.get(kind, id).expect("live"),
            None,
            false,
        ));
        value.push(Value::Object(o));
    }
    Ok(GraphResponse::ok(json!({
        "@odata.context": format!("{}/$metadata#directoryObjects", req.root()),
        "value": value,
    })))
}
