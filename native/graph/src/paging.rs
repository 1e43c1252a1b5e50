//! Collections over several pages: follow `@odata.nextLink` to the end.

use std::collections::HashSet;

use serde_json::Value;

use crate::client::GraphClient;
use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;

/// One page of a collection.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub values: Vec<Value>,
    /// `@odata.count`, which Graph puts on the first page only.
    pub count: Option<u64>,
    pub next_link: Option<String>,
    /// Set on the last page of a delta round.
    pub delta_link: Option<String>,
}

impl Page {
    /// One page body as the client reads it (strict JSON, then the page's
    /// shape), for tools and the fuzz targets; `display` names the request in errors.
    pub fn from_bytes(bytes: &[u8], display: &str) -> Result<Page> {
        let body = crate::strict_json::parse(bytes).map_err(|e| {
            Error::new(ErrorKind::InvalidResponse {
                message: format!("the body is not JSON ({e})"),
            })
            .with_request("GET", display)
        })?;
        Page::parse(body, "GET", display)
    }

    pub(crate) fn parse(mut body: Value, method: &str, display: &str) -> Result<Page> {
        let values = match body.get_mut("value").map(Value::take) {
            Some(Value::Array(v)) => v,
            _ => {
                return Err(Error::new(ErrorKind::InvalidResponse {
                    message: "expected a collection (a `value` array)".into(),
                })
                .with_request(method, display));
            }
        };
        let link = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        Ok(Page {
            values,
            count: body.get("@odata.count").and_then(Value::as_u64),
            next_link: link("@odata.nextLink"),
            delta_link: link("@odata.deltaLink"),
        })
    }
}

/// Walks a collection page by page. Each next page is requested with the
/// link exactly as Graph gave it (it carries `$skiptoken` state that must
/// not be rebuilt), and with the first request's headers again: Graph does
/// not carry `ConsistencyLevel` or `Prefer` over to later pages.
pub struct Pager {
    client: GraphClient,
    request: Request,
    next: Option<String>,
    pages: usize,
    /// Every URL requested so far, absolute: a Graph that sends one back (to
    /// the same page or an earlier one) would otherwise be paged forever.
    seen: HashSet<String>,
}

impl Pager {
    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Page>> {
        let Some(target) = self.next.take() else {
            return Ok(None);
        };
        let request = self.request.to(&target);
        let response = self.client.send(&request).await?;
        let resolved = self.client.resolve(&target)?;
        let display = resolved.display;
        let page = Page::parse(response.body, request.method.as_str(), &display)?;
        self.pages += 1;
        // Absolute, so the first request (a path) is recognised too.
        let here = resolved.url.to_string();
        self.seen.insert(here.clone());
        let next = page
            .next_link
            .as_deref()
            .and_then(|n| self.client.resolve(n).ok())
            .map(|n| n.url.to_string());
        if let Some(next) = next.filter(|n| self.seen.contains(n)) {
            let which = if next == here {
                "the page itself".to_string()
            } else {
                "an earlier page".to_string()
            };
            return Err(Error::new(ErrorKind::InvalidResponse {
                message: format!(
                    "page {} links to {which} as its next page: Graph's paging loops",
                    self.pages
                ),
            })
            .with_request("GET", &display));
        }
        self.next = page.next_link.clone();
        Ok(Some(page))
    }

    /// Pages fetched so far.
    pub fn pages(&self) -> usize {
        self.pages
    }
}

impl GraphClient {
    /// Walk the collection `request` asks for, one page at a time.
    pub fn pages(&self, request: Request) -> Pager {
        Pager {
            next: Some(request.target.clone()),
            client: self.clone(),
            request,
            pages: 0,
            seen: HashSet::new(),
        }
    }

    /// Every item of a collection, all pages.
    pub async fn get_all(&self, path_or_url: &str) -> Result<Vec<Value>> {
        self.get_all_request(Request::get(path_or_url)).await
    }

    /// Every item of a collection, all pages, with the request's headers on each page.
    pub async fn get_all_request(&self, request: Request) -> Result<Vec<Value>> {
        let mut pager = self.pages(request);
        let mut all = Vec::new();
        while let Some(page) = pager.next_page().await? {
            all.extend(page.values);
        }
        Ok(all)
    }
}
