//! OData query options as Graph validates them.

use crate::error::{GraphError, GraphResult};
use crate::filter::Filter;
use crate::kind::KindInfo;
use crate::request::GraphRequest;

#[derive(Debug, Default, Clone)]
pub struct Query {
    pub select: Option<Vec<String>>,
    pub filter: Option<Filter>,
    pub filter_text: Option<String>,
    pub top: Option<usize>,
    pub skiptoken: Option<String>,
    pub deltatoken: Option<String>,
    pub count: bool,
    pub expand: Option<String>,
    pub orderby: Option<String>,
    pub search: Option<String>,
}

const KNOWN: &[&str] = &[
    "select",
    "filter",
    "top",
    "skiptoken",
    "deltatoken",
    "count",
    "expand",
    "orderby",
    "search",
    "skip",
    "format",
];

impl Query {
    pub fn parse(req: &GraphRequest) -> GraphResult<Query> {
        let mut q = Query::default();
        for (raw_key, value) in &req.query {
            // Graph accepts options with or without the `$` prefix.
            let key = raw_key
                .strip_prefix('$')
                .unwrap_or(raw_key)
                .to_ascii_lowercase();
            if !KNOWN.contains(&key.as_str()) {
                if raw_key.starts_with('$') {
                    return Err(GraphError::bad_request(format!(
                        "The query specified in the URI is not valid. The system query option '{raw_key}' is not supported."
                    )));
                }
                continue;
            }
            match key.as_str() {
                "select" => {
                    q.select = Some(
                        value
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    )
                }
                "filter" => {
                    q.filter = Some(Filter::parse(value)?);
                    q.filter_text = Some(value.clone());
                }
                "top" => {
                    let n: i64 = value.parse().map_err(|_| {
                        GraphError::bad_request(format!(
                            "Invalid value '{value}' for $top query option found."
                        ))
                    })?;
                    q.top = Some(n.max(0) as usize);
                    if n < 1 {
                        q.top = Some(0);
                    }
                }
                "skiptoken" => q.skiptoken = Some(value.clone()),
                "deltatoken" => q.deltatoken = Some(value.clone()),
                "count" => q.count = value.eq_ignore_ascii_case("true"),
                "expand" => q.expand = Some(value.clone()),
                "orderby" => q.orderby = Some(value.clone()),
                "search" => q.search = Some(value.clone()),
                "skip" => {
                    return Err(GraphError::bad_request(
                        "'$skip' is not supported by the service.",
                    ));
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// The page size Graph uses for this kind, validating `$top`.
    pub fn page_size(&self, info: &KindInfo) -> GraphResult<usize> {
        match self.top {
            None => Ok(info.default_page),
            Some(n) if n >= 1 && n <= info.max_page => Ok(n),
            Some(n) => Err(GraphError::unsupported_query(format!(
                "Invalid page size specified: '{n}'. Must be between 1 and {} inclusive.",
                info.max_page
            ))),
        }
    }

    /// Validate options that need `ConsistencyLevel: eventual` on directory objects.
    pub fn check_advanced(&self, req: &GraphRequest, directory: bool) -> GraphResult<()> {
        if !directory || req.eventual() {
            return Ok(());
        }
        if self.count {
            return Err(GraphError::bad_request(
                "$count is not currently supported.",
            ));
        }
        if self.search.is_some() {
            return Err(GraphError::bad_request(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        if self.filter.as_ref().is_some_and(Filter::is_advanced) {
            return Err(GraphError::unsupported_query("Unsupported Query."));
        }
        if self.orderby.is_some() && self.filter.is_some() {
            return Err(GraphError::unsupported_query(
                "Sorting not supported for current query.",
            ));
        }
        Ok(())
    }
}
