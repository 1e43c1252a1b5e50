//! A Graph request and response, independent of HTTP plumbing, so `$batch`
//! sub-requests go through exactly the same code as top-level ones.

use std::collections::HashMap;

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct GraphRequest {
    pub method: String,
    /// `v1.0` or `beta`.
    pub version: String,
    /// Path under the version root, without leading slash, percent-decoded.
    pub path: String,
    /// Query pairs, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    /// Lower-cased header names.
    pub headers: HashMap<String, String>,
    pub body: Option<Value>,
    /// `http://127.0.0.1:PORT`, for absolute links.
    pub base_url: String,
}

impl GraphRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn root(&self) -> String {
        format!("{}/{}", self.base_url, self.version)
    }

    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE")
    }

    pub fn eventual(&self) -> bool {
        self.header("consistencylevel")
            .is_some_and(|v| v.eq_ignore_ascii_case("eventual"))
    }
}

#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(Value),
    Text(String),
}

#[derive(Debug, Clone)]
pub struct GraphResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl GraphResponse {
    pub fn json(status: u16, body: Value) -> Self {
        GraphResponse {
            status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    pub fn ok(body: Value) -> Self {
        Self::json(200, body)
    }

    pub fn no_content() -> Self {
        GraphResponse {
            status: 204,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    pub fn text(body: String) -> Self {
        GraphResponse {
            status: 200,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: Body::Text(body),
        }
    }

    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }
}
