//! What a caller asks of Graph, and what comes back.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// How a request may be treated beyond what its method says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// Safe to send again after a 5xx or a dropped connection. GET, PUT,
    /// PATCH and DELETE are; a POST only when the caller says so (an action
    /// that sets a state, say), because a 504 can come after Graph applied
    /// the write and a second POST would do it twice.
    pub idempotent: bool,
    /// The Graph permission the request needs, named in a 403's message
    /// (e.g. `Policy.Read.All`).
    pub permission: Option<String>,
}

/// One Graph request: a method, a path relative to the API version root
/// (`/users?$top=999`, or `/beta/...` to pick another version) or an
/// absolute link Graph handed out (`@odata.nextLink`), headers and a body.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
    pub(crate) options: RequestOptions,
}

impl Request {
    pub fn new(method: Method, target: impl Into<String>) -> Self {
        Request {
            method,
            target: target.into(),
            headers: Vec::new(),
            body: None,
            options: RequestOptions::default(),
        }
    }

    pub fn get(target: impl Into<String>) -> Self {
        Request::new(Method::GET, target)
    }

    pub fn post(target: impl Into<String>, body: Value) -> Self {
        Request::new(Method::POST, target).json(body)
    }

    pub fn patch(target: impl Into<String>, body: Value) -> Self {
        Request::new(Method::PATCH, target).json(body)
    }

    pub fn put(target: impl Into<String>, body: Value) -> Self {
        Request::new(Method::PUT, target).json(body)
    }

    pub fn delete(target: impl Into<String>) -> Self {
        Request::new(Method::DELETE, target)
    }

    /// A JSON body (sent with `Content-Type: application/json`).
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// An extra header, sent on every try and every page (`ConsistencyLevel: eventual`, `Prefer`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The permission named when Graph answers 403.
    pub fn permission(mut self, permission: impl Into<String>) -> Self {
        self.options.permission = Some(permission.into());
        self
    }

    /// Mark a POST safe to repeat after a 5xx or a dropped connection.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.options.idempotent = yes;
        self
    }

    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    /// The same request sent to another URL (the next page), headers and options kept.
    pub(crate) fn to(&self, target: &str) -> Request {
        Request {
            target: target.to_string(),
            ..self.clone()
        }
    }
}

/// Graph's answer: status, headers and the JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

/// `error.code` and `error.message` of Graph's error body.
pub(crate) fn graph_error(body: &Value) -> (String, String) {
    let e = body.get("error");
    let text = |k: &str| {
        e.and_then(|e| e.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let code = text("code");
    (
        if code.is_empty() {
            "unknown".to_string()
        } else {
            code
        },
        text("message"),
    )
}
