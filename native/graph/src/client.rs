//! The Graph client: one place where every request gets its token, its
//! client-request-id, its turn under the throttling limits, and its retries.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::auth::{AccessToken, AuthOptions, Environment, TokenSource, default_chain};
use crate::counters::{Counters, Stats};
use crate::error::{Error, ErrorKind, Result};
use crate::request::{Request, Response, graph_error};
use crate::retry;
use crate::strict_json;
use crate::throttle::{CA_INTERVAL, Cancelled, Limiter, Pacer, is_conditional_access};

/// The public Graph endpoint, when the caller names none.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";

/// The Graph URL: the caller's (`--graph-url`, `-GraphUrl`), else
/// `ENTRASNAP_GRAPH_URL` of the process, else [`DEFAULT_GRAPH_URL`].
pub fn graph_url(explicit: Option<&str>) -> String {
    graph_url_in(explicit, &Environment::Process)
}

/// [`graph_url`], with `ENTRASNAP_GRAPH_URL` read from `env`.
pub fn graph_url_in(explicit: Option<&str>, env: &Environment) -> String {
    explicit
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .or_else(|| env.var("ENTRASNAP_GRAPH_URL"))
        .unwrap_or_else(|| DEFAULT_GRAPH_URL.to_string())
}

/// How to reach Graph and how hard to try.
#[derive(Clone)]
pub struct ClientOptions {
    /// `--graph-url` / `ENTRASNAP_GRAPH_URL`, else [`DEFAULT_GRAPH_URL`]; the caller resolves it.
    pub base_url: String,
    pub token_source: Arc<dyn TokenSource>,
    /// Version segment for paths that do not name one (`v1.0`).
    pub api_version: String,
    /// Most requests in flight at once (Conditional Access aside, which is paced).
    pub max_concurrency: usize,
    /// Tries after a 5xx or a connection failure.
    pub max_retries: u32,
    /// Tries after a 429 (these are expected under load and cost nothing at Graph).
    pub max_throttle_retries: u32,
    /// First backoff step; it doubles per try, with jitter.
    pub retry_base_delay: Duration,
    /// Deadline for one HTTP exchange, body included.
    pub request_timeout: Duration,
    pub user_agent: String,
    /// Stops waits and requests early; the client then answers [`ErrorKind::Cancelled`].
    pub cancel: CancellationToken,
}

impl ClientOptions {
    pub fn new(base_url: impl Into<String>, token_source: Arc<dyn TokenSource>) -> Self {
        ClientOptions {
            base_url: base_url.into(),
            token_source,
            api_version: "v1.0".into(),
            max_concurrency: 8,
            max_retries: 5,
            max_throttle_retries: 20,
            retry_base_delay: Duration::from_millis(500),
            request_timeout: Duration::from_secs(100),
            user_agent: concat!("entrasnap/", env!("CARGO_PKG_VERSION")).into(),
            cancel: CancellationToken::new(),
        }
    }
}

/// A Microsoft Graph client for one tenant. Cheap to clone; clones share
/// limits, pacing and counters.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    api_version: String,
    source: Arc<dyn TokenSource>,
    limiter: Limiter,
    pacer: Pacer,
    counters: Counters,
    max_retries: u32,
    max_throttle_retries: u32,
    retry_base_delay: Duration,
    cancel: CancellationToken,
}

/// Where a request goes, and how it is named in messages.
pub(crate) struct Target {
    pub url: Url,
    /// The path without query string (which can hold skip/delta tokens).
    pub display: String,
    /// Under Conditional Access's 1 request/s limit.
    pub paced: bool,
}

/// The final answer to a request, with the tries it took.
pub(crate) struct Outcome {
    pub response: Response,
    pub faults: u32,
    pub throttles: u32,
}

enum Attempt {
    Answered(Response),
    /// Connection failure, timeout, a body that broke off, or 2xx with a body that is not JSON.
    Failed(String),
}

impl GraphClient {
    pub fn new(options: ClientOptions) -> Result<Self> {
        let invalid = |message: String| Error::new(ErrorKind::InvalidRequest { message });
        let base = Url::parse(options.base_url.trim_end_matches('/'))
            .map_err(|e| invalid(format!("the Graph URL is not a URL ({e})")))?;
        if !matches!(base.scheme(), "http" | "https") || base.query().is_some() {
            return Err(invalid(
                "the Graph URL must be http(s) without a query".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .user_agent(options.user_agent)
            .connect_timeout(Duration::from_secs(15))
            .timeout(options.request_timeout)
            .build()
            .map_err(|e| invalid(format!("cannot build an HTTP client ({e})")))?;
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                base,
                api_version: options.api_version,
                source: options.token_source,
                limiter: Limiter::new(options.max_concurrency),
                pacer: Pacer::new(CA_INTERVAL),
                counters: Counters::default(),
                max_retries: options.max_retries,
                max_throttle_retries: options.max_throttle_retries,
                retry_base_delay: options.retry_base_delay,
                cancel: options.cancel,
            }),
        })
    }

    /// Counters so far, for progress events.
    pub fn stats(&self) -> Stats {
        let mut s = self.inner.counters.snapshot();
        s.concurrency = self.inner.limiter.limit();
        s
    }

    /// The cancellation signal this client obeys.
    /// Signs in the first way `auth` allows and returns a client for
    /// `graph_url` (else `ENTRASNAP_GRAPH_URL` of `auth`'s environment, else Graph), stopped by
    /// `cancel`: how the command, the C ABI and the demo all reach Graph.
    /// A sign-in that cannot start is an `Auth` error.
    pub fn connect(
        graph_url_arg: Option<&str>,
        auth: AuthOptions,
        cancel: &CancellationToken,
    ) -> Result<GraphClient> {
        let url = graph_url_in(graph_url_arg, &auth.environment);
        let source = default_chain(auth)?;
        let mut options = ClientOptions {
            cancel: cancel.clone(),
            ..ClientOptions::new(url, source)
        };
        // Drills and tests against the emulator shorten the backoff; the
        // number of tries stays what it is against Graph.
        if let Some(ms) = std::env::var("ENTRASNAP_RETRY_BASE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            options.retry_base_delay = Duration::from_millis(ms);
        }
        GraphClient::new(options)
    }

    /// Where this client's tokens come from (the restore checks their permissions).
    pub fn token_source(&self) -> Arc<dyn TokenSource> {
        self.inner.source.clone()
    }

    pub fn cancel_token(&self) -> &CancellationToken {
        &self.inner.cancel
    }

    pub(crate) fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// GET one resource and return its JSON body.
    pub async fn get(&self, target: &str) -> Result<Value> {
        Ok(self.send(&Request::get(target)).await?.body)
    }

    /// Send a request with retries; a status that is not 2xx after them becomes an [`Error`].
    pub async fn send(&self, request: &Request) -> Result<Response> {
        let target = self.resolve(&request.target)?;
        let outcome = self.execute(request, &target).await?;
        let status = outcome.response.status;
        if (200..300).contains(&status) {
            return Ok(outcome.response);
        }
        Err(self.status_error(request, &target, &outcome))
    }

    fn status_error(&self, request: &Request, target: &Target, outcome: &Outcome) -> Error {
        let (code, message) = graph_error(&outcome.response.body);
        let status = outcome.response.status;
        let kind = if status == 410 || code == "syncStateNotFound" || code == "resyncRequired" {
            ErrorKind::SyncStateNotFound
        } else {
            match status {
                429 => ErrorKind::Throttled {
                    retries: outcome.throttles,
                },
                401 => ErrorKind::Auth {
                    message: format!(
                        "Graph refused the token even after asking {} for a new one (401 {code}: {message})",
                        self.inner.source.describe()
                    ),
                },
                403 => ErrorKind::Forbidden {
                    code,
                    message,
                    permission: request.options.permission.clone(),
                },
                404 => ErrorKind::NotFound { code, message },
                500..=599 => ErrorKind::Server {
                    status,
                    code,
                    retries: outcome.faults,
                },
                _ => ErrorKind::BadRequest {
                    status,
                    code,
                    message,
                },
            }
        };
        Error::on(kind, request.method.as_str(), &target.display)
    }

    /// Where `target` points. Absolute links must stay on the Graph URL's
    /// origin: the bearer token goes wherever the request goes.
    pub(crate) fn resolve(&self, target: &str) -> Result<Target> {
        let base = &self.inner.base;
        let invalid = |message: String| Error::new(ErrorKind::InvalidRequest { message });
        let url = if target.starts_with("http://") || target.starts_with("https://") {
            let url =
                Url::parse(target).map_err(|e| invalid(format!("a link is not a URL ({e})")))?;
            if url.origin() != base.origin() {
                return Err(invalid(format!(
                    "a link points to {}, not to the Graph URL; the token is not sent there",
                    url.host_str().unwrap_or("another host")
                )));
            }
            url
        } else {
            let t = target.trim_start_matches('/');
            let first = t.split(['/', '?']).next().unwrap_or("");
            let joined = if matches!(first, "v1.0" | "beta") || first == self.inner.api_version {
                format!("{}/{t}", base.as_str().trim_end_matches('/'))
            } else {
                format!(
                    "{}/{}/{t}",
                    base.as_str().trim_end_matches('/'),
                    self.inner.api_version
                )
            };
            Url::parse(&joined).map_err(|e| invalid(format!("not a valid path ({e})")))?
        };
        let path = url
            .path()
            .strip_prefix(base.path().trim_end_matches('/'))
            .unwrap_or(url.path());
        let rest = ["v1.0", "beta", self.inner.api_version.as_str()]
            .iter()
            .find_map(|v| {
                path.strip_prefix(&format!("/{v}"))
                    .filter(|r| r.is_empty() || r.starts_with('/'))
            })
            .unwrap_or(path);
        let default_prefix = format!("/{}", self.inner.api_version);
        let display = if path.starts_with(&format!("{default_prefix}/")) || path == default_prefix {
            if rest.is_empty() {
                "/".to_string()
            } else {
                rest.to_string()
            }
        } else {
            path.to_string()
        };
        Ok(Target {
            paced: is_conditional_access(rest),
            display,
            url,
        })
    }

    /// Sends until Graph gives an answer worth returning: success, an error
    /// retrying cannot fix, or the last of the allowed retries.
    pub(crate) async fn execute(&self, request: &Request, target: &Target) -> Result<Outcome> {
        let inner = &*self.inner;
        let method = request.method.as_str();
        let cancelled = || Error::on(ErrorKind::Cancelled, method, &target.display);
        let repeatable = request.options.idempotent || retry::is_idempotent(&request.method);
        let (mut faults, mut throttles) = (0u32, 0u32);
        let mut refreshed: Option<AccessToken> = None;
        let mut reauthenticated = false;
        loop {
            if inner.cancel.is_cancelled() {
                return Err(cancelled());
            }
            // Wait for a turn before taking the token: a long wait must not
            // send a token that expired in the queue.
            let permit = if target.paced {
                let waited = inner
                    .pacer
                    .turn(&inner.cancel)
                    .await
                    .map_err(|Cancelled| cancelled())?;
                inner.counters.waited(waited);
                None
            } else {
                let (permit, paused) = inner
                    .limiter
                    .acquire(&inner.cancel)
                    .await
                    .map_err(|Cancelled| cancelled())?;
                inner.counters.waited(paused);
                Some(permit)
            };
            let token = match refreshed.take() {
                Some(t) => t,
                None => inner
                    .source
                    .token(false)
                    .await
                    .map_err(|e| e.with_request(method, &target.display))?,
            };
            let attempt = tokio::select! {
                a = self.attempt(request, target, &token) => a?,
                _ = inner.cancel.cancelled() => return Err(cancelled()),
            };
            drop(permit);
            let response = match attempt {
                Attempt::Answered(r) => r,
                Attempt::Failed(message) => {
                    if !repeatable || faults >= inner.max_retries {
                        return Err(Error::on(
                            ErrorKind::Transport {
                                message,
                                retries: faults,
                            },
                            method,
                            &target.display,
                        ));
                    }
                    tracing::debug!(method, path = %target.display, %message, faults, "retrying after a failed exchange");
                    self.pause(retry::backoff(inner.retry_base_delay, faults), false)
                        .await
                        .map_err(|Cancelled| cancelled())?;
                    faults += 1;
                    inner.counters.retried(1);
                    continue;
                }
            };
            let status = response.status;
            let retry_after = retry::retry_after(&response.headers);
            if status == 429 {
                inner.counters.throttled(1);
                if !target.paced {
                    inner.limiter.throttled(retry_after);
                }
                if throttles >= inner.max_throttle_retries {
                    return Ok(Outcome {
                        response,
                        faults,
                        throttles,
                    });
                }
                let mut wait = retry_after
                    .unwrap_or_else(|| retry::backoff(inner.retry_base_delay, throttles + 1));
                if target.paced {
                    // Another app spent this second's Conditional Access budget.
                    wait = wait.max(CA_INTERVAL);
                }
                tracing::debug!(method, path = %target.display, ?wait, throttles, "throttled");
                self.pause(wait, true)
                    .await
                    .map_err(|Cancelled| cancelled())?;
                throttles += 1;
                inner.counters.retried(1);
                continue;
            }
            if status < 500 {
                inner.limiter.success();
            }
            if status == 401 && !reauthenticated {
                // Long jobs outlive a token: ask the source for a new one, once.
                reauthenticated = true;
                tracing::debug!(method, path = %target.display, "401: fetching a new token");
                refreshed = Some(
                    inner
                        .source
                        .token(true)
                        .await
                        .map_err(|e| e.with_request(method, &target.display))?,
                );
                inner.counters.retried(1);
                continue;
            }
            if retry::is_transient(status) && repeatable && faults < inner.max_retries {
                let wait =
                    retry_after.unwrap_or_else(|| retry::backoff(inner.retry_base_delay, faults));
                tracing::debug!(method, path = %target.display, status, faults, "retrying after a server error");
                self.pause(wait, false)
                    .await
                    .map_err(|Cancelled| cancelled())?;
                faults += 1;
                inner.counters.retried(1);
                continue;
            }
            return Ok(Outcome {
                response,
                faults,
                throttles,
            });
        }
    }

    /// One HTTP exchange, body read to the end.
    async fn attempt(
        &self,
        request: &Request,
        target: &Target,
        token: &AccessToken,
    ) -> Result<Attempt> {
        let inner = &*self.inner;
        let method = request.method.as_str();
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", token.secret().expose()))
            .map_err(|_| {
                Error::on(
                    ErrorKind::Auth {
                        message: format!(
                            "the token from {} holds characters a header cannot carry",
                            inner.source.describe()
                        ),
                    },
                    method,
                    &target.display,
                )
            })?;
        bearer.set_sensitive(true);
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut builder = inner
            .http
            .request(request.method.clone(), target.url.clone())
            .header(AUTHORIZATION, bearer)
            .header("client-request-id", &client_request_id)
            .header(ACCEPT, "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        inner.counters.sent();
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return Ok(Attempt::Failed(describe(e))),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Ok(Attempt::Failed(describe(e))),
        };
        tracing::debug!(method, path = %target.display, status, %client_request_id, "graph answered");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            match strict_json::parse(&bytes) {
                Ok(v) => v,
                Err(e) if (200..300).contains(&status) => {
                    return Ok(Attempt::Failed(format!("the body is not JSON ({e})")));
                }
                Err(_) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
            }
        };
        Ok(Attempt::Answered(Response {
            status,
            headers,
            body,
        }))
    }

    /// (max_retries, max_throttle_retries)
    pub(crate) fn limits(&self) -> (u32, u32) {
        (self.inner.max_retries, self.inner.max_throttle_retries)
    }

    pub(crate) fn retry_base_delay(&self) -> Duration {
        self.inner.retry_base_delay
    }

    /// 429s that arrived inside a `$batch` envelope count like top-level ones.
    pub(crate) fn note_throttled(&self, n: u64, retry_after: Option<Duration>) {
        self.inner.counters.throttled(n);
        self.inner.limiter.throttled(retry_after);
    }

    pub(crate) fn note_retried(&self, n: u64) {
        self.inner.counters.retried(n);
    }

    /// A cancellable wait outside any one request (between batch rounds).
    pub(crate) async fn wait(&self, wait: Duration, throttling: bool) -> Result<()> {
        self.pause(wait, throttling)
            .await
            .map_err(|Cancelled| Error::on(ErrorKind::Cancelled, "POST", "/$batch"))
    }

    /// Sleeps (cancellably); throttling waits are counted.
    async fn pause(&self, wait: Duration, throttling: bool) -> std::result::Result<(), Cancelled> {
        if throttling {
            self.inner.counters.waited(wait);
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => Ok(()),
            _ = self.inner.cancel.cancelled() => Err(Cancelled),
        }
    }
}

/// A transport error without its URL (whose query can hold skip/delta tokens).
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the body broke off"
    } else {
        "request failed"
    };
    let mut message = kind.to_string();
    let e = e.without_url();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Secret;
    use crate::auth::StaticToken;

    fn client(base: &str) -> GraphClient {
        let source = Arc::new(StaticToken::new(Secret::new("t")));
        GraphClient::new(ClientOptions::new(base, source)).unwrap()
    }

    #[test]
    fn paths_links_and_how_they_are_named() {
        let c = client("https://graph.example/");
        let t = c.resolve("/users?$top=5&$skiptoken=abc").unwrap();
        assert_eq!(
            t.url.as_str(),
            "https://graph.example/v1.0/users?$top=5&$skiptoken=abc"
        );
        assert_eq!(t.display, "/users");
        assert!(!t.paced);

        let t = c
            .resolve("beta/identity/conditionalAccess/policies/1")
            .unwrap();
        assert_eq!(
            t.url.as_str(),
            "https://graph.example/beta/identity/conditionalAccess/policies/1"
        );
        assert_eq!(t.display, "/beta/identity/conditionalAccess/policies/1");
        assert!(t.paced);

        let t = c
            .resolve(
                "https://graph.example/v1.0/identity/conditionalAccess/namedLocations?$skiptoken=x",
            )
            .unwrap();
        assert_eq!(t.display, "/identity/conditionalAccess/namedLocations");
        assert!(t.paced);

        let e = c.resolve("https://evil.example/v1.0/users").err().unwrap();
        assert_eq!(
            e.to_string(),
            "cannot send: a link points to evil.example, not to the Graph URL; the token is not sent there"
        );
        assert!(
            c.resolve("http://graph.example/v1.0/users").is_err(),
            "scheme is part of the origin"
        );

        let c = client("http://127.0.0.1:8080/graph");
        let t = c.resolve("/v1.0/users").unwrap();
        assert_eq!(t.url.as_str(), "http://127.0.0.1:8080/graph/v1.0/users");
        assert_eq!(t.display, "/users");
    }

    #[test]
    fn graph_url_prefers_the_caller() {
        assert_eq!(
            graph_url(Some(" http://127.0.0.1:1 ")),
            "http://127.0.0.1:1"
        );
    }
}
