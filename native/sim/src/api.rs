//! One Graph operation from start to finish: authentication, throttling,
//! dispatch and Graph's response headers. HTTP requests and `$batch`
//! sub-requests both come through `handle`.

use std::hash::{Hash, Hasher};
use std::time::Instant;

use crate::error::{GraphError, GraphResult};
use crate::kind::{Kind, ThrottleClass};
use crate::query::Query;
use crate::request::{Body, GraphRequest, GraphResponse};
use crate::route::{self, Nav, Route};
use crate::sim::{Sim, now};
use crate::throttle::{Verdict, adjust_cost};
use crate::{audit, batch, delta, directory_roles, links, objects, recycle, singletons};

pub fn handle(sim: &Sim, req: &GraphRequest) -> GraphResponse {
    let route = route::parse(&req.path);
    let label = route::label(&req.method, &route, &req.path);
    let request_id = sim.guid();
    let client_request_id = req
        .header("client-request-id")
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());

    let mut charge = None;
    let result = (|| -> GraphResult<GraphResponse> {
        authenticate(sim, req)?;
        let route = route
            .clone()
            .ok_or_else(|| GraphError::no_route(req.path.trim_matches('/')))?;
        if sim.config.throttle && route != Route::Batch {
            charge = admit(sim, req, &route)?;
        }
        let pending = audit::begin(sim, req, &route);
        let resp = dispatch(sim, req, &route)?;
        if let Some(p) = pending {
            audit::finish(sim, req, &route, p, &resp);
        }
        Ok(resp)
    })();

    let mut resp = match result {
        Ok(r) => r,
        Err(e) => {
            let body = e.body(&request_id, &client_request_id, &now());
            let mut r = GraphResponse::json(e.status, body);
            r.headers.extend(e.headers);
            r
        }
    };
    resp.headers.push(("request-id".into(), request_id));
    resp.headers
        .push(("client-request-id".into(), client_request_id));
    if let Some(Charge { cost, used }) = charge {
        resp.headers
            .push(("x-ms-resource-unit".into(), cost.to_string()));
        // Graph starts telling a client how close it is to the limit at 80%.
        if used >= 0.8 {
            resp.headers.push((
                "x-ms-throttle-limit-percentage".into(),
                format!("{used:.1}"),
            ));
        }
    }
    let write = req.is_write() && route != Some(Route::Batch);
    let mut stats = sim.stats.lock().unwrap_or_else(|e| e.into_inner());
    stats.record(&label, write, resp.status == 429);
    if let Some(Charge { cost, .. }) = charge {
        stats.resource_units += u64::from(cost);
    }
    resp
}

/// Any bearer token is accepted; a missing one, or one past `--token-lifetime`, is a 401.
fn authenticate(sim: &Sim, req: &GraphRequest) -> GraphResult<()> {
    let token = req
        .header("authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            GraphError::new(401, "InvalidAuthenticationToken", "Access token is empty.")
        })?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    token.hash(&mut h);
    let hash = h.finish();
    let first = *sim
        .tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(hash)
        .or_insert_with(Instant::now);
    let checked_on_the_envelope = req.header(batch::SUB_REQUEST).is_some();
    let expired = !checked_on_the_envelope
        && (sim
            .expired
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&hash)
            || sim
                .config
                .token_lifetime
                .is_some_and(|lifetime| first.elapsed() > lifetime));
    if expired {
        return Err(GraphError::new(
            401,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
        ));
    }
    Ok(())
}

fn throttle_class_and_cost(req: &GraphRequest, route: &Route) -> (ThrottleClass, u32) {
    let class = |k: Kind| k.info().throttle;
    match route {
        Route::Collection(k) | Route::Item(k, _) | Route::Count(k) | Route::Delta(k) => (
            class(*k),
            if req.method == "GET" {
                k.info().read_cost
            } else {
                1
            },
        ),
        Route::Links { kind, rel, .. } => (
            class(*kind),
            if req.method == "GET" && *rel == crate::kind::Rel::Members {
                3
            } else {
                1
            },
        ),
        Route::CaDeletedList(k) | Route::CaDeletedItem(k, _) | Route::CaDeletedRestore(k, _) => {
            (class(*k), 1)
        }
        Route::GetByIds => (ThrottleClass::Directory, 3),
        Route::Related { kind, nav, .. } => (
            class(*kind),
            match nav {
                Nav::TransitiveMemberOf | Nav::TransitiveMembers => 5,
                Nav::Direct(crate::kind::Rel::Members) => 3,
                _ => 1,
            },
        ),
        _ => (ThrottleClass::Directory, 1),
    }
}

/// Apply the tenant's throttling budgets; returns what a directory request was charged.
/// What an admitted request cost, and how full the tenant's bucket is now (0..1).
struct Charge {
    cost: u32,
    used: f64,
}

fn admit(sim: &Sim, req: &GraphRequest, route: &Route) -> GraphResult<Option<Charge>> {
    let (class, base) = throttle_class_and_cost(req, route);
    let q = Query::parse(req).unwrap_or_default();
    let cost = if req.method == "GET" {
        adjust_cost(base, q.select.is_some(), q.expand.is_some(), q.top)
    } else {
        base
    };
    let verdict = sim
        .throttle
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .check(class, cost, req.is_write(), Instant::now());
    match verdict {
        Verdict::Allow { used } => {
            Ok((class == ThrottleClass::Directory).then_some(Charge { cost, used }))
        }
        Verdict::Throttle {
            retry_after,
            information,
        } => {
            let mut e = GraphError::new(
                429,
                "TooManyRequests",
                "Too many requests. Please retry after the time in the Retry-After header, if present.",
            );
            if let Some(wait) = retry_after {
                e = e
                    // Whole seconds, rounded up, as Graph sends it (RFC 9110's delay-seconds):
                    // clients that parse an integer must not choke, and none retries early.
                    .with_header("Retry-After", (wait.ceil() as u64).max(1).to_string())
                    .with_header(
                        "x-ms-throttle-scope",
                        "Tenant_Application/ReadWrite/entrasnap-sim".into(),
                    )
                    .with_header("x-ms-throttle-information", information.to_string());
            }
            Err(e)
        }
    }
}

fn dispatch(sim: &Sim, req: &GraphRequest, route: &Route) -> GraphResult<GraphResponse> {
    let m = req.method.as_str();
    match (route, m) {
        (Route::Batch, "POST") => batch::run(sim, req),
        (Route::Collection(k), "GET") => objects::list(sim, req, *k),
        (Route::Collection(k), "POST") => objects::create(sim, req, *k),
        (Route::Count(k), "GET") => objects::count(sim, req, *k),
        (Route::Item(k, id), "GET") => objects::get(sim, req, *k, id),
        (Route::Item(k, id), "PATCH") => objects::update(sim, req, *k, id),
        (Route::Item(k, id), "DELETE") => objects::delete(sim, req, *k, id),
        (Route::Delta(k), "GET") => delta::round(sim, req, *k),
        (Route::DirectoryRoles, "GET") => directory_roles::list(sim, req),
        (Route::DirectoryRole(id), "GET") => directory_roles::get(sim, req, id),
        (Route::DirectoryRoleMembers(id), "GET") => directory_roles::members(sim, req, id),
        (
            Route::Related {
                kind,
                id,
                nav,
                cast,
                count,
            },
            "GET",
        ) => links::related(sim, req, *kind, id, *nav, *cast, *count),
        (
            Route::Links {
                kind,
                id,
                rel,
                refs,
            },
            "GET",
        ) => links::list(sim, req, *kind, id, *rel, *refs),
        (
            Route::Links {
                kind,
                id,
                rel,
                refs: true,
            },
            "POST",
        ) => links::add(sim, req, *kind, id, *rel),
        (
            Route::LinkRef {
                kind,
                id,
                rel,
                target,
            },
            "DELETE",
        ) => links::remove(sim, *kind, id, *rel, target),
        (Route::Manager { id, refs }, "GET") => links::manager(sim, req, id, *refs),
        (Route::Manager { id, refs: true }, "PUT") => links::set_manager(sim, req, id),
        (Route::Manager { id, refs: true }, "DELETE") => links::remove_manager(sim, id),
        (Route::Action { kind, id, action }, "POST") => {
            objects::action(sim, req, *kind, id, action)
        }
        (Route::DeletedList(k), "GET") => recycle::list(sim, req, *k),
        (Route::DeletedItem(id), "GET") => recycle::get(sim, req, id),
        (Route::DeletedItem(id), "DELETE") => recycle::purge(sim, id),
        (Route::DeletedRestore(id), "POST") => recycle::restore(sim, req, id),
        (Route::CaDeletedList(k), "GET") => recycle::ca_list(sim, req, *k),
        (Route::CaDeletedItem(k, id), "GET") => recycle::ca_get(sim, req, *k, id),
        (Route::CaDeletedItem(k, id), "DELETE") => recycle::ca_purge(sim, *k, id),
        (Route::CaDeletedRestore(k, id), "POST") => recycle::ca_restore(sim, req, *k, id),
        (Route::Singleton(s), "GET") => singletons::get(sim, req, *s),
        (Route::Singleton(s), "PATCH") => singletons::update(sim, req, *s),
        (Route::CrossTenantReset, "POST") => singletons::reset_cross_tenant_default(sim),
        (Route::DirectoryObject(id), "GET") => objects::directory_object(sim, req, id),
        (Route::GetByIds, "POST") => objects::get_by_ids(sim, req),
        (Route::DirectoryAudits, "GET") => audit::list(sim, req),
        (Route::DirectoryAudit(id), "GET") => audit::get(sim, req, id),
        _ => Err(GraphError::method_not_allowed()),
    }
}

/// The JSON body of a response, for `$batch` envelopes and tests.
pub fn body_json(resp: &GraphResponse) -> serde_json::Value {
    match &resp.body {
        Body::Json(v) => v.clone(),
        Body::Text(t) => serde_json::Value::String(t.clone()),
        Body::Empty => serde_json::Value::Null,
    }
}
