//! HTTP: Graph's version roots on 127.0.0.1, the emulator's own `/_sim`
//! routes, latency and fault injection. Everything Graph-shaped is handed
//! to `api::handle`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api;
use crate::error::GraphError;
use crate::faults::{self, Action};
use crate::identity;
use crate::request::{self, GraphRequest};
use crate::sim::{Sim, now};
use crate::state;

pub(crate) const JSON_CONTENT_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

pub fn router(sim: Arc<Sim>) -> Router {
    // Fault scripts carry whole hostile bodies (tests send 20 MB ones).
    Router::new()
        .fallback(entry)
        .layer(axum::extract::DefaultBodyLimit::max(64 << 20))
        .with_state(sim)
}

fn json_response(status: u16, body: &Value) -> Response {
    let mut r = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static(JSON_CONTENT_TYPE));
    r
}

fn error_response(e: GraphError) -> Response {
    let id = uuid_like();
    json_response(e.status, &e.body(&id, &id, &now()))
}

fn uuid_like() -> String {
    crate::rng::Rng::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    )
    .guid()
}

async fn entry(
    State(sim): State<Arc<Sim>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(answer) = identity::serve(&sim, &method, &uri, &headers, &body) {
        return answer;
    }
    let path = uri.path().to_string();
    if let Some(rest) = path.strip_prefix("/_sim/") {
        return control(&sim, &method, rest, &body).await;
    }
    let (version, sub) = match path.trim_start_matches('/').split_once('/') {
        Some((v @ ("v1.0" | "beta"), rest)) => (v.to_string(), rest.to_string()),
        _ if path == "/v1.0" || path == "/beta" => {
            (path.trim_start_matches('/').to_string(), String::new())
        }
        _ => {
            return error_response(GraphError::new(
                400,
                "BadRequest",
                format!("Invalid version: the path must start with /v1.0 or /beta, not '{path}'."),
            ));
        }
    };
    sim.stats
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .http_requests += 1;
    if !sim.config.latency.is_zero() {
        tokio::time::sleep(sim.config.latency).await;
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let scripted = sim.faults.pick(
        method.as_str(),
        &format!("/{sub}"),
        is_write(&method, &sub, &body),
    );
    if let Some(action) = &scripted {
        if *action != Action::Hold {
            sim.stats.lock().unwrap_or_else(|e| e.into_inner()).faults += 1;
        }
        if let Some(answer) = scripted_before(&sim, action).await {
            return answer;
        }
    }
    let fault = fault(&sim);
    if matches!(fault, Some(Fault::Before(_))) {
        return fault.expect("checked").respond();
    }
    let body = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => Some(v),
            Err(e) => {
                return error_response(GraphError::new(
                    400,
                    "BadRequest",
                    format!(
                        "Unable to read JSON request payload: {e}. Please ensure Content-Type header is set and payload is of valid JSON format."
                    ),
                ));
            }
        }
    };
    let decoded = percent_decode(&sub);
    let query = serde_urlencoded::from_str::<Vec<(String, String)>>(uri.query().unwrap_or(""))
        .unwrap_or_default();
    let req = GraphRequest {
        method: method.as_str().to_string(),
        version,
        path: decoded,
        query,
        headers: headers
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().ok()?.to_string(),
                ))
            })
            .collect::<HashMap<_, _>>(),
        body,
        base_url: format!("http://{host}"),
    };
    // Big pages serialise for a while: keep them off the async workers.
    let handler_sim = sim.clone();
    let resp = match tokio::task::spawn_blocking(move || api::handle(&handler_sim, &req)).await {
        Ok(r) => r,
        Err(_) => {
            return error_response(GraphError::new(
                500,
                "InternalServerError",
                "The emulator failed on this request.",
            ));
        }
    };
    // Some gateway faults happen after the service did the work: a client cannot
    // assume a failed write did nothing.
    if let Some(f) = fault {
        return f.respond();
    }
    let resp = match scripted {
        Some(action) => match scripted_after(action, resp, &format!("http://{host}{uri}")) {
            Ok(answer) => return answer,
            Err(resp) => resp,
        },
        None => resp,
    };
    if let request::Body::Json(v) = &resp.body
        && !sim.config.latency_per_object.is_zero()
    {
        let objects = u32::try_from(objects_in(v)).unwrap_or(u32::MAX);
        if objects > 0 {
            tokio::time::sleep(sim.config.latency_per_object.saturating_mul(objects)).await;
        }
    }
    let mut out = match resp.body {
        request::Body::Json(v) => json_response(resp.status, &v),
        request::Body::Text(t) => {
            let mut r = Response::new(Body::from(t));
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/plain"));
            r
        }
        request::Body::Empty => Response::new(Body::empty()),
    };
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in resp.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            out.headers_mut().insert(name, value);
        }
    }
    out
}

/// Objects an answer carries: its `value`, or its `$batch` sub-answers' values.
fn objects_in(body: &Value) -> usize {
    if let Some(items) = body.get("value").and_then(Value::as_array) {
        return items.len();
    }
    body.get("responses")
        .and_then(Value::as_array)
        .map_or(0, |rs| {
            rs.iter()
                .filter_map(|r| r.get("body"))
                .map(objects_in)
                .sum()
        })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a request changes the tenant: a write verb, and for `$batch` a
/// write among its sub-requests (an export's batches of reads are not).
fn is_write(method: &Method, sub: &str, body: &[u8]) -> bool {
    if !matches!(method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE") {
        return false;
    }
    if sub.trim_matches('/') != "$batch" {
        return true;
    }
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|b| b.get("requests").and_then(Value::as_array).cloned())
        .is_some_and(|requests| {
            requests.iter().any(|r| {
                r.get("method")
                    .and_then(Value::as_str)
                    .is_some_and(|m| !m.eq_ignore_ascii_case("GET"))
            })
        })
}

/// A scripted fault that answers instead of the service (`None`: serve the
/// request, after a wait or with the tokens expired).
async fn scripted_before(sim: &Sim, action: &Action) -> Option<Response> {
    match action {
        Action::Throttle { retry_after } => {
            sim.stats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .throttled += 1;
            let mut r = error_response(GraphError::new(
                429,
                "TooManyRequests",
                "Too many requests.",
            ));
            if let Some(s) = retry_after
                && let Ok(v) = HeaderValue::from_str(&s.to_string())
            {
                r.headers_mut().insert("retry-after", v);
            }
            Some(r)
        }
        Action::Status { status } => Some(error_response(GraphError::new(
            *status,
            "generalException",
            "An injected error.",
        ))),
        Action::Drop => Some(Fault::Drop.respond()),
        Action::Slow { delay_ms } => {
            let wait = delay_ms.map_or(faults::DEFAULT_SLOW, Duration::from_millis);
            tokio::time::sleep(wait).await;
            None
        }
        Action::ExpireTokens => {
            sim.expire_tokens();
            None
        }
        Action::Hold => {
            sim.faults.hold().await;
            None
        }
        Action::Body {
            status,
            content_type,
            body,
            body_base64,
        } => {
            let mut r = Response::new(Body::from(faults::body_bytes(body, body_base64)));
            *r.status_mut() = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
            let ct = content_type.as_deref().unwrap_or(JSON_CONTENT_TYPE);
            if let Ok(v) = HeaderValue::from_str(ct) {
                r.headers_mut().insert("content-type", v);
            }
            Some(r)
        }
        Action::BreakBody | Action::Truncate | Action::Garble | Action::SelfLink => None,
    }
}

/// A scripted fault on the service's answer: `Ok` replaces it, `Err` hands
/// it back (changed or not) to be sent as usual.
fn scripted_after(
    action: Action,
    mut resp: request::GraphResponse,
    own_url: &str,
) -> Result<Response, request::GraphResponse> {
    let bytes = match &resp.body {
        request::Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
        request::Body::Text(t) => t.clone().into_bytes(),
        request::Body::Empty => Vec::new(),
    };
    let with_status = |body: Body| {
        let mut r = Response::new(body);
        *r.status_mut() = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::OK);
        r.headers_mut()
            .insert("content-type", HeaderValue::from_static(JSON_CONTENT_TYPE));
        r
    };
    match action {
        Action::Truncate => Ok(with_status(Body::from(bytes[..bytes.len() / 2].to_vec()))),
        Action::Garble => {
            // Every seventh byte becomes 0xFF: neither JSON nor UTF-8.
            let garbled: Vec<u8> = bytes
                .iter()
                .enumerate()
                .map(|(i, b)| if i % 7 == 3 { 0xFF } else { *b })
                .collect();
            Ok(with_status(Body::from(garbled)))
        }
        Action::BreakBody => {
            let half = Bytes::from(bytes[..bytes.len() / 2].to_vec());
            let stream = futures::stream::iter([
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected fault",
                )),
            ]);
            Ok(with_status(Body::from_stream(stream)))
        }
        Action::SelfLink => {
            if let request::Body::Json(Value::Object(page)) = &mut resp.body
                && page.contains_key("value")
            {
                page.remove("@odata.deltaLink");
                page.insert("@odata.nextLink".into(), Value::String(own_url.to_string()));
            }
            Err(resp)
        }
        _ => Err(resp),
    }
}

enum Fault {
    Before(u16),
    After(u16),
    Drop,
}

impl Fault {
    fn respond(self) -> Response {
        let status = match self {
            Fault::Before(s) | Fault::After(s) => s,
            Fault::Drop => {
                // A body that fails mid-stream: hyper aborts the connection.
                let stream = futures::stream::once(async {
                    Err::<Bytes, std::io::Error>(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "injected fault",
                    ))
                });
                return Response::new(Body::from_stream(stream));
            }
        };
        let (code, message) = match status {
            503 => (
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry.",
            ),
            504 => ("UnknownError", "Gateway timeout."),
            _ => ("generalException", "An unexpected error occurred."),
        };
        error_response(GraphError::new(status, code, message))
    }
}

fn fault(sim: &Sim) -> Option<Fault> {
    if !sim.chance(sim.config.fault_rate) {
        return None;
    }
    sim.stats.lock().unwrap_or_else(|e| e.into_inner()).faults += 1;
    let mut rng = sim.rng.lock().unwrap_or_else(|e| e.into_inner());
    let status = [500, 503, 504][rng.below(3)];
    Some(match rng.below(4) {
        0 => Fault::Drop,
        1 => Fault::After(status),
        _ => Fault::Before(status),
    })
}

/// The emulator's own routes: statistics, state, and knobs for tests.
async fn control(sim: &Arc<Sim>, method: &Method, rest: &str, body: &[u8]) -> Response {
    match (method.as_str(), rest) {
        ("GET", "stats") => {
            let stats = sim.stats.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let mut value = serde_json::to_value(stats).unwrap_or_default();
            value["held"] = json!(sim.faults.held());
            json_response(200, &value)
        }
        ("DELETE", "stats") => {
            *sim.stats.lock().unwrap_or_else(|e| e.into_inner()) = Default::default();
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", "health") => json_response(200, &json!({"status": "ok"})),
        // Every audit event recorded, delay and retention ignored.
        ("GET", "audit") => json_response(200, &json!({"value": sim.audit.all()})),
        ("DELETE", "audit") => {
            sim.audit.clear();
            StatusCode::NO_CONTENT.into_response()
        }
        // {"delaySecs": N, "retentionSecs": N}: how events are listed from now on.
        ("POST", "audit") => {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let secs = |k: &str| {
                v.get(k)
                    .and_then(Value::as_f64)
                    .map(Duration::from_secs_f64)
            };
            if secs("delaySecs").is_none() && secs("retentionSecs").is_none() {
                return json_response(
                    400,
                    &json!({"error": "give delaySecs and/or retentionSecs (seconds, a number)"}),
                );
            }
            sim.audit
                .set_window(secs("delaySecs"), secs("retentionSecs"));
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", "state") => {
            let sim = sim.clone();
            match tokio::task::spawn_blocking(move || serde_json::to_vec(&*sim.read())).await {
                Ok(Ok(bytes)) => {
                    let mut r = Response::new(Body::from(bytes));
                    r.headers_mut()
                        .insert("content-type", HeaderValue::from_static("application/json"));
                    r
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        ("POST", "save") => match &sim.config.state {
            Some(path) => match state::save(sim, path) {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(e) => json_response(500, &json!({"error": e.to_string()})),
            },
            None => json_response(
                400,
                &json!({"error": "the emulator was started without --state"}),
            ),
        },
        ("GET", "faults") => json_response(
            200,
            &serde_json::to_value(sim.faults.script()).unwrap_or_default(),
        ),
        ("POST", "faults") => match faults::Script::parse(body) {
            Ok(script) => {
                sim.faults.set(script);
                StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => json_response(400, &json!({"error": format!("not a fault script: {e}")})),
        },
        ("DELETE", "faults") => {
            sim.faults.set(faults::Script::default());
            sim.faults.release();
            // Tokens expired by a script are accepted again.
            sim.expired
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "release") => {
            sim.faults.release();
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "expire-tokens") => {
            sim.expire_tokens();
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "expire-delta-tokens") => {
            sim.write().epoch += 1;
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A running emulator: its address, and a way to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub sim: Arc<Sim>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop serving, and save the state when `--state` was given.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(path) = self.sim.config.state.clone() {
            state::save(&self.sim, &path)?;
        }
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn serve(sim: Arc<Sim>, port: u16) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(sim.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        addr,
        sim,
        shutdown: Some(tx),
        task: Some(task),
    })
}
