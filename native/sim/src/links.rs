//! Relationships: group and administrative-unit members, owners, a user's
//! manager; read as objects or `$ref`s, written with `$ref`.

use std::collections::BTreeSet;
use std::ops::Bound;

use serde_json::{Map, Value, json};

use crate::error::{GraphError, GraphResult};
use crate::kind::{Kind, Rel};
use crate::objects::resolve_id;
use crate::project::{after_id, page_by_id, project};
use crate::query::Query;
use crate::request::{GraphRequest, GraphResponse};
use crate::route::Nav;
use crate::sim::Sim;
use crate::tenant::{Obj, Tenant};

/// Graph expands at most 20 related objects.
const EXPAND_LIMIT: usize = 20;

/// The id at the end of an `@odata.id` / `@odata.bind` URL.
pub fn id_from_url(url: &str) -> String {
    url.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(url)
        .to_string()
}

pub fn already_exists(rel: Rel) -> GraphError {
    GraphError::bad_request(format!(
        "One or more added object references already exist for the following modified properties: '{}'.",
        rel.name()
    ))
}

/// What may be linked: group members are users, groups and service principals;
/// owners are users and service principals; role-assignable groups take no groups.
pub fn check_target(
    t: &Tenant,
    kind: Kind,
    source: &Obj,
    rel: Rel,
    target: &str,
) -> GraphResult<()> {
    let target_kind = t
        .live_kind(target)
        .ok_or_else(|| GraphError::not_found(target))?;
    let allowed = match (kind, rel) {
        (Kind::Group, Rel::Members) => {
            let role_assignable = source.get("isAssignableToRole") == Some(&json!(true));
            matches!(target_kind, Kind::User | Kind::ServicePrincipal)
                || target_kind == Kind::Group && !role_assignable
        }
        (Kind::AdministrativeUnit, Rel::Members) => matches!(target_kind, Kind::User | Kind::Group),
        (_, Rel::Owners) => matches!(target_kind, Kind::User | Kind::ServicePrincipal),
        _ => false,
    };
    if !allowed || source.get("id").and_then(Value::as_str) == Some(target) {
        return Err(GraphError::bad_request(format!(
            "A {} cannot be added to the {} of a {}.",
            target_kind.info().entity,
            rel.name(),
            kind.info().entity
        )));
    }
    Ok(())
}

pub fn parse_expand(kind: Kind, expand: Option<&str>) -> GraphResult<Option<String>> {
    let Some(e) = expand else { return Ok(None) };
    let name = e.split('(').next().unwrap_or(e).trim();
    let ok = name == "manager" && kind == Kind::User
        || Rel::parse(name).is_some_and(|r| kind.info().relations.contains(&r));
    if !ok {
        return Err(GraphError::bad_request(format!(
            "Could not find a property named '{name}' on type 'microsoft.graph.{}'.",
            kind.info().entity
        )));
    }
    Ok(Some(name.to_string()))
}

fn summary(t: &Tenant, id: &str) -> Option<Value> {
    let kind = t.live_kind(id)?;
    let obj = t.get(kind, id)?;
    let mut o = Map::new();
    o.insert("@odata.type".into(), Value::String(kind.odata_type()));
    o.extend(project(kind.info(), obj, None, true));
    Some(Value::Object(o))
}

pub fn expand_into(t: &Tenant, kind: Kind, obj: &Obj, rel: &str, out: &mut Map<String, Value>) {
    let id = obj.get("id").and_then(Value::as_str).unwrap_or_default();
    if rel == "manager" {
        let m = t
            .manager
            .get(id)
            .and_then(|m| summary(t, m))
            .unwrap_or(Value::Null);
        out.insert("manager".into(), m);
        return;
    }
    let Some(rel) = Rel::parse(rel).filter(|r| kind.info().relations.contains(r)) else {
        return;
    };
    let items: Vec<Value> = t
        .targets(rel, id)
        .into_iter()
        .flatten()
        .take(EXPAND_LIMIT)
        .filter_map(|m| summary(t, m))
        .collect();
    out.insert(rel.name().into(), Value::Array(items));
}

pub fn list(
    sim: &Sim,
    req: &GraphRequest,
    kind: Kind,
    id: &str,
    rel: Rel,
    refs: bool,
) -> GraphResult<GraphResponse> {
    let t = sim.read();
    let id = resolve_id(&t, kind, id).ok_or_else(|| GraphError::not_found(id))?;
    let empty = Default::default();
    let targets = t.targets(rel, &id).unwrap_or(&empty);
    page_of(&t, req, kind, targets, None, refs)
}

/// The groups and administrative units that list `id` as a member.
fn member_of(t: &Tenant, id: &str) -> impl Iterator<Item = String> {
    t.sources(id)
        .filter(|(r, _)| *r == Rel::Members)
        .map(|(_, s)| s.clone())
        .collect::<Vec<_>>()
        .into_iter()
}

/// Everything reachable from `id` by `step`, `id` itself excluded (cycles are cut).
fn closure(id: &str, step: impl Fn(&str) -> Vec<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![id.to_string()];
    while let Some(cur) = todo.pop() {
        for next in step(&cur) {
            if next != id && seen.insert(next.clone()) {
                todo.push(next);
            }
        }
    }
    seen
}

/// `memberOf`, `transitiveMemberOf`, `transitiveMembers`, casts and `$count`
/// of a relation. `$count` needs `ConsistencyLevel: eventual`, as on collections:
/// without it Graph answers 400 "$count is not currently supported."
/// (microsoft-graph-docs #18613 for members, #11882 for transitiveMembers).
pub fn related(
    sim: &Sim,
    req: &GraphRequest,
    kind: Kind,
    id: &str,
    nav: Nav,
    cast: Option<Kind>,
    count: bool,
) -> GraphResult<GraphResponse> {
    if count && !req.eventual() {
        return Err(GraphError::bad_request(
            "$count is not currently supported.",
        ));
    }
    let t = sim.read();
    let id = resolve_id(&t, kind, id).ok_or_else(|| GraphError::not_found(id))?;
    let ids: BTreeSet<String> = match nav {
        Nav::Direct(rel) => t.targets(rel, &id).cloned().unwrap_or_default(),
        Nav::MemberOf => member_of(&t, &id).collect(),
        Nav::TransitiveMemberOf => closure(&id, |x| member_of(&t, x).collect()),
        Nav::TransitiveMembers => closure(&id, |x| {
            t.targets(Rel::Members, x)
                .into_iter()
                .flatten()
                .cloned()
                .collect()
        }),
    };
    if count {
        let q = Query::parse(req)?;
        let n = ids
            .iter()
            .filter_map(|m| Some((t.live_kind(m)?, m)))
            .filter(|(k, _)| cast.is_none_or(|c| c == *k))
            .filter_map(|(k, m)| t.get(k, m))
            .filter(|o| q.filter.as_ref().is_none_or(|f| f.matches(o)))
            .count();
        return Ok(GraphResponse::text(n.to_string()));
    }
    page_of(&t, req, kind, &ids, cast, false)
}

pub(crate) fn page_of(
    t: &Tenant,
    req: &GraphRequest,
    kind: Kind,
    targets: &BTreeSet<String>,
    cast: Option<Kind>,
    refs: bool,
) -> GraphResult<GraphResponse> {
    let q = Query::parse(req)?;
    let size = q.page_size(kind.info())?;
    let after = after_id(q.skiptoken.as_deref())?;
    let range = match &after {
        Some(a) => targets.range::<String, _>((Bound::Excluded(a), Bound::Unbounded)),
        None => targets.range::<String, _>(..),
    };
    let items = range.filter_map(|target| {
        let target_kind = t.live_kind(target)?;
        if cast.is_some_and(|c| c != target_kind) {
            return None;
        }
        let obj = t.get(target_kind, target).expect("live");
        if q.filter.as_ref().is_some_and(|f| !f.matches(obj)) {
            return None;
        }
        let item = if refs {
            json!({"@odata.id": format!("{}/directoryObjects/{target}", req.root())})
        } else {
            let mut o = Map::new();
            o.insert(
                "@odata.type".into(),
                Value::String(target_kind.odata_type()),
            );
            o.extend(project(target_kind.info(), obj, q.select.as_deref(), true));
            Value::Object(o)
        };
        Some((target.clone(), item))
    });
    let page = page_by_id(items, size, None);
    let context = match (refs, cast) {
        (true, _) => format!("{}/$metadata#Collection(string)", req.root()),
        (false, Some(c)) => format!("{}/$metadata#{}", req.root(), c.info().paths[0].join("/")),
        (false, None) => format!("{}/$metadata#directoryObjects", req.root()),
    };
    Ok(GraphResponse::ok(page.into_body(req, context)))
}

fn ref_target(req: &GraphRequest) -> GraphResult<String> {
    req.body
        .as_ref()
        .and_then(|b| b.get("@odata.id"))
        .and_then(Value::as_str)
        .map(id_from_url)
        .ok_or_else(|| {
            GraphError::bad_request("The '@odata.id' property is required in the request body.")
        })
}

pub fn add(
    sim: &Sim,
    req: &GraphRequest,
    kind: Kind,
    id: &str,
    rel: Rel,
) -> GraphResult<GraphResponse> {
    let target = ref_target(req)?;
    let mut t = sim.write();
    let id = resolve_id(&t, kind, id).ok_or_else(|| GraphError::not_found(id))?;
    let source = t.get(kind, &id).expect("resolved").clone();
    check_target(&t, kind, &source, rel, &target)?;
    if !t.add_link(kind, rel, &id, &target) {
        return Err(already_exists(rel));
    }
    Ok(GraphResponse::no_content())
}

pub fn remove(
    sim: &Sim,
    kind: Kind,
    id: &str,
    rel: Rel,
    target: &str,
) -> GraphResult<GraphResponse> {
    let mut t = sim.write();
    let id = resolve_id(&t, kind, id).ok_or_else(|| GraphError::not_found(id))?;
    if !t.remove_link(kind, rel, &id, target) {
        return Err(GraphError::not_found(target));
    }
    Ok(GraphResponse::no_content())
}

pub fn manager(sim: &Sim, req: &GraphRequest, id: &str, refs: bool) -> GraphResult<GraphResponse> {
    let t = sim.read();
    let id = resolve_id(&t, Kind::User, id).ok_or_else(|| GraphError::not_found(id))?;
    let m = t
        .manager
        .get(&id)
        .filter(|m| t.live_kind(m).is_some())
        .ok_or_else(|| GraphError::not_found("manager"))?;
    if refs {
        return Ok(GraphResponse::ok(json!({
            "@odata.context": format!("{}/$metadata#directoryObjects/$entity", req.root()),
            "@odata.id": format!("{}/directoryObjects/{m}", req.root()),
        })));
    }
    let mut body = summary(&t, m).expect("live manager");
    body["@odata.context"] = json!(format!("{}/$metadata#directoryObjects/$entity", req.root()));
    Ok(GraphResponse::ok(body))
}

pub fn set_manager(sim: &Sim, req: &GraphRequest, id: &str) -> GraphResult<GraphResponse> {
    let target = ref_target(req)?;
    let mut t = sim.write();
    let id = resolve_id(&t, Kind::User, id).ok_or_else(|| GraphError::not_found(id))?;
    if t.live_kind(&target) != Some(Kind::User) || target == id {
        return Err(GraphError::bad_request(format!(
            "Invalid manager '{target}': a manager must be another existing user."
        )));
    }
    if t.manager.get(&id) != Some(&target) {
        t.set_manager(&id, Some(target));
    }
    Ok(GraphResponse::no_content())
}

pub fn remove_manager(sim: &Sim, id: &str) -> GraphResult<GraphResponse> {
    let mut t = sim.write();
    let id = resolve_id(&t, Kind::User, id).ok_or_else(|| GraphError::not_found(id))?;
    if !t.manager.contains_key(&id) {
        return Err(GraphError::not_found("manager"));
    }
    t.set_manager(&id, None);
    Ok(GraphResponse::no_content())
}
