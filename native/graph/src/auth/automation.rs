//! Managed identity through `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, the
//! environment Azure Automation (and App Service) give a runbook.
//!
//! azure_identity detects these variables too (as "App Service"), but parses
//! the answer strictly (`expires_on` must be a string, `resource` and
//! `token_type` present). This is one documented GET, so it is done here,
//! tolerant of the answer's forms and testable against a local stub.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::{AccessToken, Secret, TokenFuture, TokenSource};
use crate::error::{Error, Result};

/// The resource Automation's endpoint expects (with the trailing slash).
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";
/// App Service needs an api-version; Automation accepts it (the Azure SDKs send it there too).
const API_VERSION: &str = "2019-08-01";

/// The Automation/App Service managed identity endpoint.
pub struct AutomationIdentity {
    endpoint: reqwest::Url,
    header: Secret,
    client_id: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for AutomationIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutomationIdentity")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl AutomationIdentity {
    /// `client_id` picks a user-assigned identity; `None` is the system-assigned one.
    pub fn new(endpoint: &str, header: Secret, client_id: Option<String>) -> Result<Self> {
        let endpoint = reqwest::Url::parse(endpoint)
            .map_err(|e| Error::auth(format!("IDENTITY_ENDPOINT is not a URL ({e})")))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::auth(format!("cannot build an HTTP client: {e}")))?;
        Ok(AutomationIdentity {
            endpoint,
            header,
            client_id,
            http,
        })
    }

    async fn fetch(&self) -> Result<AccessToken> {
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("resource", GRAPH_RESOURCE)
            .append_pair("api-version", API_VERSION);
        if let Some(id) = &self.client_id {
            url.query_pairs_mut().append_pair("client_id", id);
        }
        let mut secret = reqwest::header::HeaderValue::from_str(self.header.expose())
            .map_err(|_| Error::auth("IDENTITY_HEADER holds characters a header cannot carry"))?;
        secret.set_sensitive(true);
        let resp = self
            .http
            .get(url)
            .header("X-IDENTITY-HEADER", secret)
            .header("Metadata", "True")
            .send()
            .await
            .map_err(|e| {
                Error::auth(format!(
                    "managed identity endpoint unreachable: {}",
                    e.without_url()
                ))
            })?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let why = ["error_description", "message", "error"]
                .iter()
                .find_map(|k| body.get(k).and_then(Value::as_str))
                .unwrap_or("no detail");
            return Err(Error::auth(format!(
                "managed identity endpoint answered {}: {why}",
                status.as_u16()
            )));
        }
        parse_token(&body)
    }
}

fn parse_token(body: &Value) -> Result<AccessToken> {
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::auth("managed identity endpoint answered without an access_token"))?;
    let number = |k: &str| match body.get(k) {
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let expires = number("expires_on")
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
        .or_else(|| number("expires_in").map(|s| SystemTime::now() + Duration::from_secs(s)));
    Ok(AccessToken::new(token, expires))
}

impl TokenSource for AutomationIdentity {
    fn token(&self, _refresh: bool) -> TokenFuture<'_> {
        Box::pin(self.fetch())
    }

    fn describe(&self) -> &str {
        "managed identity (IDENTITY_ENDPOINT)"
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use super::*;

    /// A one-shot loopback stub: answers one request with `body` and hands back what it received.
    fn stub(status: &str, body: &str) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/msi/token", listener.local_addr().unwrap());
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let handle = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut lines = Vec::new();
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                lines.push(line.trim().to_string());
            }
            conn.write_all(reply.as_bytes()).unwrap();
            lines
        });
        (url, handle)
    }

    #[tokio::test]
    async fn one_get_with_the_identity_header() {
        let (url, seen) = stub(
            "200 OK",
            r#"{"access_token":"AUTOMATION-TOKEN","expires_on":"4102444800","resource":"https://graph.microsoft.com/","token_type":"Bearer"}"#,
        );
        let source =
            AutomationIdentity::new(&url, Secret::new("hdr-value"), Some("client-1".into()))
                .unwrap();
        let token = source.token(false).await.unwrap();
        assert_eq!(token.secret().expose(), "AUTOMATION-TOKEN");
        assert_eq!(
            token.expires_on(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(4_102_444_800))
        );
        let lines = seen.join().unwrap();
        let request_line = &lines[0];
        assert!(
            request_line.starts_with("GET /msi/token?"),
            "{request_line}"
        );
        assert!(request_line.contains("resource=https%3A%2F%2Fgraph.microsoft.com%2F"));
        assert!(request_line.contains("client_id=client-1"));
        let has = |h: &str| lines.iter().any(|l| l.eq_ignore_ascii_case(h));
        assert!(has("x-identity-header: hdr-value"), "{lines:?}");
        assert!(has("metadata: True"), "{lines:?}");
        assert!(!format!("{source:?}").contains("hdr-value"));
    }

    #[tokio::test]
    async fn refusal_is_an_auth_error_without_secrets() {
        let (url, seen) = stub(
            "400 Bad Request",
            r#"{"error":"invalid_request","error_description":"Identity not found"}"#,
        );
        let source = AutomationIdentity::new(&url, Secret::new("hdr-value"), None).unwrap();
        let e = source.token(false).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "authentication failed: managed identity endpoint answered 400: Identity not found"
        );
        let lines = seen.join().unwrap();
        assert!(!lines[0].contains("client_id"));
    }

    #[test]
    fn numeric_and_relative_expiry() {
        let t = parse_token(&serde_json::json!({"access_token":"a","expires_on":100})).unwrap();
        assert_eq!(
            t.expires_on(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(100))
        );
        let t = parse_token(&serde_json::json!({"access_token":"a","expires_in":"3600"})).unwrap();
        assert!(t.expires_within(Duration::from_secs(3700)));
        assert!(parse_token(&serde_json::json!({"expires_in":1})).is_err());
    }
}
