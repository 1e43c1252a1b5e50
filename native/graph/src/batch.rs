//! JSON `$batch`: many requests in envelopes of 20, answered in any order.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::try_join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::GraphClient;
use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;
use crate::retry;
use crate::throttle::is_conditional_access;

/// Graph's limit per envelope.
const MAX_PER_BATCH: usize = 20;

/// One request inside a batch. `url` is relative to the API version root (`/users/{id}`).
#[derive(Debug, Clone)]
pub struct BatchRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Safe to repeat after a 5xx (see [`RequestOptions::idempotent`](crate::RequestOptions)).
    pub idempotent: bool,
}

impl BatchRequest {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        BatchRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            idempotent: false,
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        BatchRequest::new(Method::GET, url)
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn repeatable(&self) -> bool {
        self.idempotent || retry::is_idempotent(&self.method)
    }

    fn to_json(&self, id: usize) -> Value {
        let mut headers: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut entry =
            json!({"id": id.to_string(), "method": self.method.as_str(), "url": self.url});
        if let Some(body) = &self.body {
            // Graph refuses a sub-request body without a Content-Type.
            if !headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("content-type"))
            {
                headers.insert("Content-Type".into(), "application/json".into());
            }
            entry["body"] = body.clone();
        }
        if !headers.is_empty() {
            entry["headers"] = Value::Object(headers);
        }
        entry
    }
}

/// The answer to one [`BatchRequest`].
#[derive(Debug, Clone)]
pub struct BatchResponse {
    /// The request's position in the input, as a string (the id it was sent with).
    pub id: String,
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

impl GraphClient {
    /// Send `requests` in `$batch` envelopes of 20 and return one response
    /// per request, in input order. Sub-requests answered 429 are sent again
    /// after the longest Retry-After among them (the SDKs do not do this);
    /// 5xx sub-responses are retried like top-level ones (repeatable methods
    /// only). Conditional Access requests are not batched: a batch would land
    /// them in the same second, so they go one by one under the pacer.
    pub async fn batch(&self, requests: Vec<BatchRequest>) -> Result<Vec<BatchResponse>> {
        let mut requests = requests;
        for r in &mut requests {
            r.url = self.batch_url(&r.url);
        }
        let (paced, batched): (Vec<usize>, Vec<usize>) =
            (0..requests.len()).partition(|&i| is_conditional_access(&requests[i].url));
        let (from_batches, from_paced) = tokio::try_join!(
            self.run_batched(&requests, batched),
            self.run_paced(&requests, paced)
        )?;
        let mut out: Vec<Option<BatchResponse>> = vec![None; requests.len()];
        for r in from_batches.into_iter().chain(from_paced) {
            let i: usize = r.id.parse().expect("ids are our indices");
            out[i] = Some(r);
        }
        Ok(out
            .into_iter()
            .map(|r| r.expect("every request is answered"))
            .collect())
    }

    /// Sub-request URLs are relative to the envelope's version.
    fn batch_url(&self, url: &str) -> String {
        let t = url.trim_start_matches('/');
        let version = self.api_version();
        let t = t
            .strip_prefix(version)
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            .unwrap_or(t);
        format!("/{}", t.trim_start_matches('/'))
    }

    async fn run_batched(
        &self,
        requests: &[BatchRequest],
        pending: Vec<usize>,
    ) -> Result<Vec<BatchResponse>> {
        let inner_max_throttle = self.limits().1;
        let inner_max_faults = self.limits().0;
        let mut done = Vec::new();
        let mut pending = pending;
        let (mut throttle_rounds, mut fault_rounds) = (0u32, 0u32);
        while !pending.is_empty() {
            let envelopes = pending
                .chunks(MAX_PER_BATCH)
                .map(|chunk| self.envelope(requests, chunk));
            let answers: Vec<Vec<BatchResponse>> = try_join_all(envelopes).await?;
            let mut throttled = Vec::new();
            let mut failed = Vec::new();
            let mut longest_retry_after: Option<Duration> = None;
            let mut given_up_throttled = 0u64;
            // A round in which something got through is progress: under a tight
            // budget every round lets a few writes in, and giving up after a fixed
            // number of such rounds would fail writes Graph was about to accept.
            let answers: Vec<BatchResponse> = answers.into_iter().flatten().collect();
            if answers.iter().any(|r| r.status != 429) {
                throttle_rounds = 0;
            }
            for r in answers {
                let i: usize = r.id.parse().expect("ids are our indices");
                if r.status == 429 && throttle_rounds >= inner_max_throttle {
                    given_up_throttled += 1;
                }
                if r.status == 429 && throttle_rounds < inner_max_throttle {
                    let ra = r
                        .headers
                        .get("retry-after")
                        .and_then(|v| retry::retry_after_value(v));
                    longest_retry_after = longest_retry_after.max(ra);
                    throttled.push(i);
                } else if retry::is_transient(r.status)
                    && requests[i].repeatable()
                    && fault_rounds < inner_max_faults
                {
                    failed.push(i);
                } else {
                    done.push(r);
                }
            }
            if given_up_throttled > 0 {
                // Still counted: the caller's throttling figures match Graph's.
                self.note_throttled(given_up_throttled, longest_retry_after);
            }
            if throttled.is_empty() && failed.is_empty() {
                break;
            }
            let wait = if throttled.is_empty() {
                retry::backoff(self.retry_base_delay(), fault_rounds)
            } else {
                longest_retry_after
                    .unwrap_or_else(|| retry::backoff(self.retry_base_delay(), throttle_rounds + 1))
            };
            tracing::debug!(
                throttled = throttled.len(),
                failed = failed.len(),
                ?wait,
                "retrying batch sub-requests"
            );
            if !throttled.is_empty() {
                throttle_rounds += 1;
                self.note_throttled(throttled.len() as u64, longest_retry_after);
            }
            if !failed.is_empty() {
                fault_rounds += 1;
            }
            self.note_retried((throttled.len() + failed.len()) as u64);
            self.wait(wait, !throttled.is_empty()).await?;
            pending = throttled.into_iter().chain(failed).collect();
            pending.sort_unstable();
        }
        Ok(done)
    }

    /// One envelope; its answers, checked against what was asked.
    async fn envelope(
        &self,
        requests: &[BatchRequest],
        chunk: &[usize],
    ) -> Result<Vec<BatchResponse>> {
        let body =
            json!({"requests": chunk.iter().map(|&i| requests[i].to_json(i)).collect::<Vec<_>>()});
        // The envelope may be repeated after a 5xx only if everything in it may.
        let all_repeatable = chunk.iter().all(|&i| requests[i].repeatable());
        let request = Request::post("$batch", body).idempotent(all_repeatable);
        let response = self.send(&request).await?;
        let invalid = |message: &str| {
            Error::on(
                ErrorKind::InvalidResponse {
                    message: message.into(),
                },
                "POST",
                "/$batch",
            )
        };
        let answers = response
            .body
            .get("responses")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("a batch answer without `responses`"))?;
        let mut out = Vec::with_capacity(chunk.len());
        for a in answers {
            let id = match a.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(invalid("a batch response without an id")),
            };
            let known = id.parse::<usize>().ok().filter(|i| chunk.contains(i));
            if known.is_none() || out.iter().any(|r: &BatchResponse| r.id == id) {
                return Err(invalid(
                    "a batch response with an id that was not asked for",
                ));
            }
            let headers = a
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| {
                    h.iter()
                        .filter_map(|(k, v)| {
                            Some((k.to_ascii_lowercase(), v.as_str()?.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(BatchResponse {
                id,
                status: a.get("status").and_then(Value::as_u64).unwrap_or(0) as u16,
                headers,
                body: a.get("body").cloned().unwrap_or(Value::Null),
            });
        }
        if out.len() != chunk.len() {
            return Err(invalid("a batch answer is missing responses"));
        }
        Ok(out)
    }

    /// Conditional Access requests, one at a time through the pacer.
    async fn run_paced(
        &self,
        requests: &[BatchRequest],
        indices: Vec<usize>,
    ) -> Result<Vec<BatchResponse>> {
        let mut out = Vec::new();
        for i in indices {
            let r = &requests[i];
            let mut request =
                Request::new(r.method.clone(), r.url.clone()).idempotent(r.idempotent);
            request.headers = r.headers.clone();
            request.body = r.body.clone();
            let target = self.resolve(&request.target)?;
            let outcome = self.execute(&request, &target).await?;
            let headers = outcome
                .response
                .headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect();
            out.push(BatchResponse {
                id: i.to_string(),
                status: outcome.response.status,
                headers,
                body: outcome.response.body,
            });
        }
        Ok(out)
    }
}
