//! JSON `$batch`: up to 20 sub-requests, each answered on its own (throttling
//! included: a 429 comes back inside the 200 envelope). `dependsOn` orders
//! them; dependents of a failed request get 424. Responses come back in no
//! particular order, as Graph's do.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::api::{body_json, handle};
use crate::error::{GraphError, GraphResult};
use crate::request::{GraphRequest, GraphResponse};
use crate::sim::Sim;

const MAX_REQUESTS: usize = 20;

struct Sub {
    id: String,
    method: String,
    url: String,
    headers: HashMap<String, String>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn parse(body: &Value) -> GraphResult<Vec<Sub>> {
    let bad = |m: &str| GraphError::new(400, "BadRequest", m.to_string());
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("Invalid batch payload format."))?;
    if requests.len() > MAX_REQUESTS {
        return Err(bad(
            "The number of requests in a batch exceeds the limit of 20.",
        ));
    }
    let mut subs = Vec::new();
    let mut seen = HashSet::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(bad("Each request in a batch needs an 'id'.")),
        };
        if !seen.insert(id.clone()) {
            return Err(bad(&format!(
                "Batch request ids must be unique: '{id}' is repeated."
            )));
        }
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&format!("Request id : {id} has no method.")))?;
        let url = r
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&format!("Request id : {id} has no url.")))?;
        let headers: HashMap<String, String> = r
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let body = r.get("body").cloned().filter(|b| !b.is_null());
        if body.is_some() && !headers.contains_key("content-type") {
            return Err(bad(&format!(
                "Write request id : {id} does not contain Content-Type header or body."
            )));
        }
        let depends_on = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|d| {
                        d.as_str()
                            .map(str::to_string)
                            .or_else(|| d.as_u64().map(|n| n.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        subs.push(Sub {
            id,
            method: method.to_ascii_uppercase(),
            url: url.to_string(),
            headers,
            body,
            depends_on,
        });
    }
    for (i, s) in subs.iter().enumerate() {
        if let Some(d) = s.depends_on.iter().find(|d| !seen.contains(*d)) {
            return Err(bad(&format!(
                "Request id : {} depends on unknown request id : {d}.",
                s.id
            )));
        }
        // A request may depend only on one listed before it (msgraph-sdk-dotnet-core
        // #891: Graph answers "Invalid dependency for request Id ...").
        if s.depends_on
            .iter()
            .any(|d| !subs[..i].iter().any(|e| e.id == *d))
        {
            return Err(bad(&format!(
                "Invalid dependency for request Id : {}.",
                s.id
            )));
        }
    }
    // Graph runs a batch fully in parallel or fully in sequence: once one request
    // names dependsOn, every request after the first must (microsoft-graph-docs
    // #16280, where Graph's own sample mixing the two was refused with this text).
    if subs.iter().any(|s| !s.depends_on.is_empty())
        && subs.iter().skip(1).any(|s| s.depends_on.is_empty())
    {
        return Err(bad(
            "Batch should be either fully sequential or fully parallel.",
        ));
    }
    Ok(subs)
}

/// Execution order honouring dependsOn; a cycle is refused.
fn order(subs: &[Sub]) -> GraphResult<Vec<usize>> {
    let mut done: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    while out.len() < subs.len() {
        let next = subs.iter().enumerate().find(|(i, s)| {
            !out.contains(i) && s.depends_on.iter().all(|d| done.contains(d.as_str()))
        });
        let Some((i, s)) = next else {
            return Err(GraphError::new(
                400,
                "BadRequest",
                "The dependsOn references in the batch form a cycle.",
            ));
        };
        done.insert(&s.id);
        out.push(i);
    }
    Ok(out)
}

fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let url = url.trim_start_matches('/');
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    (path.to_string(), pairs)
}

/// Marks a request as a `$batch` sub-request (set here, after the client's headers).
pub const SUB_REQUEST: &str = "x-entrasnap-sim-sub-request";

pub fn run(sim: &Sim, req: &GraphRequest) -> GraphResult<GraphResponse> {
    let body = req
        .body
        .clone()
        .ok_or_else(|| GraphError::new(400, "BadRequest", "Invalid batch payload format."))?;
    let subs = parse(&body)?;
    let mut status: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    for i in order(&subs)? {
        let s = &subs[i];
        let failed_dep = s
            .depends_on
            .iter()
            .find(|d| status.get(*d).is_some_and(|st| *st >= 400));
        let (code, headers, body) = if let Some(dep) = failed_dep {
            let e = GraphError::new(
                424,
                "FailedDependency",
                format!("Request {dep}, on which this request depends, failed."),
            );
            (
                424,
                Map::new(),
                e.body(&sim.guid(), &sim.guid(), &crate::sim::now()),
            )
        } else {
            let (path, query) = split_url(&s.url);
            let mut headers = req.headers.clone();
            headers.retain(|k, _| k == "authorization" || k == "client-request-id");
            headers.extend(s.headers.clone());
            // Graph checks the token once, on the envelope: a sub-request is
            // never refused for a token that expired while its batch ran.
            headers.insert(SUB_REQUEST.into(), "1".into());
            let sub = GraphRequest {
                method: s.method.clone(),
                version: req.version.clone(),
                path,
                query,
                headers,
                body: s.body.clone(),
                base_url: req.base_url.clone(),
            };
            let r = handle(sim, &sub);
            let headers: Map<String, Value> = r
                .headers
                .iter()
                .filter(|(k, _)| {
                    !k.eq_ignore_ascii_case("request-id")
                        && !k.eq_ignore_ascii_case("client-request-id")
                })
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            (r.status, headers, body_json(&r))
        };
        status.insert(s.id.clone(), code);
        let mut headers = headers;
        // Graph's batch items carry their Content-Type, and SDKs read the body by it.
        if !body.is_null()
            && !headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("content-type"))
        {
            headers.insert(
                "Content-Type".into(),
                Value::String(crate::server::JSON_CONTENT_TYPE.into()),
            );
        }
        let mut entry = json!({"id": s.id, "status": code});
        if !headers.is_empty() {
            entry["headers"] = Value::Object(headers);
        }
        if !body.is_null() {
            entry["body"] = body;
        }
        responses.push(entry);
    }
    // Graph returns sub-responses in any order: clients must match them by id.
    {
        let mut rng = sim.rng.lock().unwrap_or_else(|e| e.into_inner());
        for i in (1..responses.len()).rev() {
            let j = rng.below(i + 1);
            responses.swap(i, j);
        }
    }
    Ok(GraphResponse::ok(json!({"responses": responses})))
}
