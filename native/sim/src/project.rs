//! Shaping objects for output: `$select`, default property sets, `@odata`
//! annotations, and paging with opaque `$skiptoken`s.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::error::{GraphError, GraphResult};
use crate::kind::{Kind, KindInfo};
use crate::request::GraphRequest;
use crate::tenant::Obj;

/// Validate `$select` against the kind's properties.
pub fn check_select(kind: Kind, select: Option<&[String]>, listing: bool) -> GraphResult<()> {
    let info = kind.info();
    let Some(select) = select else { return Ok(()) };
    for p in select {
        if p == "*" || info.properties.is_empty() {
            continue;
        }
        if !info.properties.contains(&p.as_str()) {
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{p}' on type 'microsoft.graph.{}'.",
                info.entity
            )));
        }
        if listing && info.not_listable.contains(&p.as_str()) {
            return Err(GraphError::new(
                501,
                "NotImplemented",
                format!(
                    "This operation target is not yet supported. Property '{p}' can only be read for a single {}.",
                    info.entity
                ),
            ));
        }
    }
    Ok(())
}

/// The properties a read returns: `$select`, else the kind's default set, else all.
pub fn project(
    info: &KindInfo,
    obj: &Obj,
    select: Option<&[String]>,
    listing: bool,
) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(t) = obj.get("@odata.type") {
        out.insert("@odata.type".into(), t.clone());
    }
    let wanted: Option<Vec<&str>> = match select {
        Some(s) if !s.iter().any(|p| p == "*") => Some(s.iter().map(String::as_str).collect()),
        _ => info.default_select.map(|d| d.to_vec()),
    };
    match wanted {
        Some(props) => {
            for p in props {
                out.insert(p.to_string(), obj.get(p).cloned().unwrap_or(Value::Null));
            }
        }
        None => {
            for (k, v) in obj {
                if k == "@odata.type"
                    || info.write_only.contains(&k.as_str())
                    || listing && info.not_listable.contains(&k.as_str())
                {
                    continue;
                }
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

pub fn context_url(req: &GraphRequest, context: &str, select: Option<&[String]>) -> String {
    match select {
        Some(s) if !s.is_empty() => format!("{}/$metadata#{context}({})", req.root(), s.join(",")),
        _ => format!("{}/$metadata#{context}", req.root()),
    }
}

/// Percent-encode a query value (unreserved characters and a few Graph leaves readable).
pub fn pct(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' | b'$' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A link to the same resource with the same options and a new paging or delta token.
pub fn link_with(req: &GraphRequest, replace: &[&str], token_name: &str, token: &str) -> String {
    let mut q: Vec<String> = req
        .query
        .iter()
        .filter(|(k, _)| {
            let k = k.strip_prefix('$').unwrap_or(k).to_ascii_lowercase();
            !replace.contains(&k.as_str())
        })
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect();
    q.push(format!("{token_name}={token}"));
    format!(
        "{}/{}?{}",
        req.root(),
        req.path.trim_matches('/'),
        q.join("&")
    )
}

pub fn encode_token(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

pub fn decode_token(token: &str) -> GraphResult<Value> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            GraphError::bad_request("The specified page token value has expired or is invalid.")
        })
}

/// The id a `$skiptoken` says the next page starts after (id-ordered reads).
pub fn after_id(skiptoken: Option<&str>) -> GraphResult<Option<String>> {
    Ok(skiptoken
        .map(decode_token)
        .transpose()?
        .and_then(|v| v.get("a").and_then(Value::as_str).map(str::to_string)))
}

/// A page of an id-ordered read: `items` yields `(id, shaped item)` in id
/// order, starting after the token's id and already filtered. One item past
/// the page tells whether there is a next one.
pub fn page_by_id(
    items: impl Iterator<Item = (String, Value)>,
    size: usize,
    count: Option<usize>,
) -> Page {
    let mut out = Vec::with_capacity(size.min(1000));
    let mut last: Option<String> = None;
    for (id, item) in items {
        if out.len() == size {
            return Page {
                items: out,
                next: last.map(|a| json!({"a": a})),
                count,
            };
        }
        out.push(item);
        last = Some(id);
    }
    Page {
        items: out,
        next: None,
        count,
    }
}

/// One page of a collection read, as Graph shapes it.
pub struct Page {
    pub items: Vec<Value>,
    /// Where the next page starts (an id, or an offset for sorted reads).
    pub next: Option<Value>,
    pub count: Option<usize>,
}

impl Page {
    pub fn into_body(self, req: &GraphRequest, context: String) -> Value {
        let mut body = Map::new();
        body.insert("@odata.context".into(), Value::String(context));
        if let Some(c) = self.count {
            body.insert("@odata.count".into(), json!(c));
        }
        if let Some(next) = self.next {
            body.insert(
                "@odata.nextLink".into(),
                Value::String(link_with(
                    req,
                    &["skiptoken"],
                    "$skiptoken",
                    &encode_token(&next),
                )),
            );
        }
        body.insert("value".into(), Value::Array(self.items));
        Value::Object(body)
    }
}
