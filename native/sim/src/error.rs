//! Graph's error body and the status codes that go with it.

use serde_json::{Value, json};

/// An error answered with Graph's `{"error":{"code","message","innerError"}}` body.
/// `innerError` (dates and request ids) is filled in by the responder.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Extra response headers (Location on 410, nothing else so far).
    pub headers: Vec<(String, String)>,
}

pub type GraphResult<T> = Result<T, GraphError>;

impl GraphError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: code.to_string(),
            message: message.into(),
            headers: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "Request_BadRequest", message)
    }

    /// Conditional Access and named locations answer with this plainer code.
    pub fn ca_bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn unsupported_query(message: impl Into<String>) -> Self {
        Self::new(400, "Request_UnsupportedQuery", message)
    }

    pub fn not_found(id: &str) -> Self {
        Self::new(
            404,
            "Request_ResourceNotFound",
            format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    }

    pub fn no_route(path: &str) -> Self {
        Self::new(
            400,
            "BadRequest",
            format!("Resource not found for the segment '{path}'."),
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    }

    pub fn read_only(property: &str) -> Self {
        Self::bad_request(format!(
            "Property '{property}' is read-only and cannot be set."
        ))
    }

    pub fn unknown_property(property: &str) -> Self {
        Self::bad_request(format!(
            "Property '{property}' does not exist as a declared property or extension property."
        ))
    }

    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }

    pub fn body(&self, request_id: &str, client_request_id: &str, date: &str) -> Value {
        json!({"error": {
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": date,
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        }})
    }
}
