//! Managed identity in every shape Azure hands a process, spoken as
//! Microsoft's own client (Azure.Identity) speaks it, because each endpoint
//! accepts only its own dialect:
//!
//! | environment | request |
//! |---|---|
//! | Automation, App Service 2019: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` | GET `?api-version=2019-08-01&resource=` (+`client_id`), `X-IDENTITY-HEADER` |
//! | App Service 2017: `MSI_ENDPOINT` + `MSI_SECRET` | GET `?api-version=2017-09-01&resource=` (+`clientid`), `secret`, `Metadata: true` |
//! | Cloud Shell: `MSI_ENDPOINT` alone | POST, form body `resource=`, `Metadata: true` |
//! | Azure Arc: `IDENTITY_ENDPOINT` + `IMDS_ENDPOINT` | GET `?api-version=2019-11-01&resource=` → 401 naming a key file → the same GET with `Authorization: Basic <key>` |
//! | Azure VMs: IMDS (`--managed-identity`) | GET `http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=` (+`client_id`), `Metadata: true`; `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves the host |
//!
//! azure_identity 1.0 does not fit: it refuses the `MSI_*` variables, reads
//! `expires_on` only as an epoch string, sends api-version 2019-08-01 to
//! every endpoint and falls back to IMDS (a time-out in Automation's
//! sandbox). Each shape here is one or two documented HTTP requests.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderValue, WWW_AUTHENTICATE};
use serde_json::Value;

use super::{AccessToken, Environment, Secret, TokenFuture, TokenSource, identity_answer};
use crate::error::{Error, Result};

/// The resource Azure.Identity asks for Graph's `.default` scope.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";

/// Where the Azure Connected Machine agent writes the key files of its
/// challenge; only files there are read (a key file elsewhere would let a
/// rogue endpoint make us send any file's content).
#[cfg(windows)]
const ARC_TOKENS_DIR: &str = r"C:\ProgramData\AzureConnectedMachineAgent\Tokens";
#[cfg(not(windows))]
const ARC_TOKENS_DIR: &str = "/var/opt/azcmagent/tokens";

/// Moves [`ARC_TOKENS_DIR`], for tests and agents installed elsewhere.
pub const ARC_TOKENS_DIR_VARIABLE: &str = "ENTRASNAP_ARC_TOKENS_DIR";

/// The agent's key files are small; Azure.Identity refuses bigger ones.
const ARC_KEY_MAX_BYTES: u64 = 4096;

/// IMDS's fixed address and path.
const IMDS_HOST: &str = "http://169.254.169.254";
const IMDS_PATH: &str = "/metadata/identity/oauth2/token";

/// Which endpoint, and what it needs.
#[derive(Clone)]
pub enum Shape {
    /// Azure Automation's sandbox, App Service (2019 API).
    AppService2019 {
        endpoint: reqwest::Url,
        header: Secret,
    },
    /// App Service's 2017 API (Hybrid Runbook Workers on App Service-like hosts).
    AppService2017 {
        endpoint: reqwest::Url,
        secret: Secret,
    },
    /// Azure Cloud Shell: system-assigned only.
    CloudShell { endpoint: reqwest::Url },
    /// Azure Arc-enabled servers: a challenge answered with a local key file.
    Arc {
        endpoint: reqwest::Url,
        tokens_dir: PathBuf,
    },
    /// The VM's Instance Metadata Service.
    Imds { url: reqwest::Url },
}

impl Shape {
    /// The shape the environment describes, in Azure.Identity's order of
    /// detection; IMDS only when asked for (`--managed-identity`), since
    /// every machine "has" it and a probe would time out elsewhere.
    /// `None`: no managed identity is configured.
    pub fn detect(env: &Environment, imds: bool) -> Option<Result<Shape>> {
        let url = |key: &str| -> Result<reqwest::Url> {
            let value = env.var(key).unwrap_or_default();
            reqwest::Url::parse(&value)
                .map_err(|e| Error::auth(format!("{key} is not a URL ({e})")))
        };
        let shape = if env.has("IDENTITY_ENDPOINT") && env.has("IDENTITY_HEADER") {
            url("IDENTITY_ENDPOINT").map(|endpoint| Shape::AppService2019 {
                endpoint,
                header: Secret::new(env.var("IDENTITY_HEADER").unwrap_or_default()),
            })
        } else if env.has("MSI_ENDPOINT") && env.has("MSI_SECRET") {
            url("MSI_ENDPOINT").map(|endpoint| Shape::AppService2017 {
                endpoint,
                secret: Secret::new(env.var("MSI_SECRET").unwrap_or_default()),
            })
        } else if env.has("MSI_ENDPOINT") {
            url("MSI_ENDPOINT").map(|endpoint| Shape::CloudShell { endpoint })
        } else if env.has("IDENTITY_ENDPOINT") && env.has("IMDS_ENDPOINT") {
            url("IDENTITY_ENDPOINT").map(|endpoint| Shape::Arc {
                endpoint,
                tokens_dir: env
                    .var(ARC_TOKENS_DIR_VARIABLE)
                    .map_or_else(|| PathBuf::from(ARC_TOKENS_DIR), PathBuf::from),
            })
        } else if imds {
            let host = env
                .var("AZURE_POD_IDENTITY_AUTHORITY_HOST")
                .unwrap_or_else(|| IMDS_HOST.to_string());
            reqwest::Url::parse(&format!("{}{IMDS_PATH}", host.trim_end_matches('/')))
                .map(|url| Shape::Imds { url })
                .map_err(|e| {
                    Error::auth(format!(
                        "AZURE_POD_IDENTITY_AUTHORITY_HOST is not a URL ({e})"
                    ))
                })
        } else {
            return None;
        };
        Some(shape)
    }

    /// How the shape is named in messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Shape::AppService2019 { .. } => {
                "managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER: Automation, App Service)"
            }
            Shape::AppService2017 { .. } => {
                "managed identity (MSI_ENDPOINT + MSI_SECRET: App Service 2017)"
            }
            Shape::CloudShell { .. } => "managed identity (MSI_ENDPOINT: Cloud Shell)",
            Shape::Arc { .. } => "managed identity (IDENTITY_ENDPOINT + IMDS_ENDPOINT: Azure Arc)",
            Shape::Imds { .. } => "managed identity (IMDS: Azure VM)",
        }
    }
}

/// A managed identity endpoint as a [`TokenSource`].
pub struct ManagedIdentity {
    shape: Shape,
    client_id: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedIdentity")
            .field("shape", &self.shape.describe())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ManagedIdentity {
    /// `client_id` picks a user-assigned identity; `None` is the
    /// system-assigned one. Cloud Shell and Arc have only the latter.
    pub fn new(shape: Shape, client_id: Option<String>) -> Result<Self> {
        if client_id.is_some() && matches!(shape, Shape::CloudShell { .. } | Shape::Arc { .. }) {
            return Err(Error::auth(format!(
                "{} has no user-assigned identities: drop the identity client id",
                shape.describe()
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::auth(format!("cannot build an HTTP client: {e}")))?;
        Ok(ManagedIdentity {
            shape,
            client_id,
            http,
        })
    }

    /// The request for this shape, with `authorization` as Arc's answer to
    /// its challenge.
    fn request(&self, authorization: Option<&Secret>) -> Result<reqwest::RequestBuilder> {
        let get = |endpoint: &reqwest::Url, api_version: &str, client_key: &str| {
            let mut url = endpoint.clone();
            url.query_pairs_mut()
                .append_pair("api-version", api_version)
                .append_pair("resource", GRAPH_RESOURCE);
            if let Some(id) = &self.client_id {
                url.query_pairs_mut().append_pair(client_key, id);
            }
            self.http.get(url)
        };
        let builder = match &self.shape {
            Shape::AppService2019 { endpoint, header } => get(endpoint, "2019-08-01", "client_id")
                .header("X-IDENTITY-HEADER", sensitive("IDENTITY_HEADER", header)?),
            Shape::AppService2017 { endpoint, secret } => get(endpoint, "2017-09-01", "clientid")
                .header("Metadata", "true")
                .header("secret", sensitive("MSI_SECRET", secret)?),
            Shape::CloudShell { endpoint } => self
                .http
                .post(endpoint.clone())
                .header("Metadata", "true")
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(
                    serde_urlencoded::to_string([("resource", GRAPH_RESOURCE)]).unwrap_or_default(),
                ),
            Shape::Arc { endpoint, .. } => {
                let builder = get(endpoint, "2019-11-01", "client_id").header("Metadata", "true");
                match authorization {
                    Some(key) => builder.header(
                        reqwest::header::AUTHORIZATION,
                        sensitive(
                            "the Arc key file",
                            &Secret::new(format!("Basic {}", key.expose())),
                        )?,
                    ),
                    None => builder,
                }
            }
            Shape::Imds { url } => get(url, "2018-02-01", "client_id").header("Metadata", "true"),
        };
        Ok(builder.header("x-ms-client-request-id", uuid::Uuid::new_v4().to_string()))
    }

    async fn send(&self, authorization: Option<&Secret>) -> Result<reqwest::Response> {
        self.request(authorization)?.send().await.map_err(|e| {
            Error::auth(format!(
                "{} is unreachable: {}",
                self.shape.describe(),
                e.without_url()
            ))
        })
    }

    async fn fetch(&self) -> Result<AccessToken> {
        let who = self.shape.describe();
        let mut response = self.send(None).await?;
        if let Shape::Arc { tokens_dir, .. } = &self.shape
            && response.status() == reqwest::StatusCode::UNAUTHORIZED
        {
            let key = arc_key(response.headers().get(WWW_AUTHENTICATE), tokens_dir)?;
            response = self.send(Some(&key)).await?;
        }
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let why = ["error_description", "message", "error"]
                .iter()
                .find_map(|k| body.get(k).and_then(Value::as_str))
                .unwrap_or("no detail");
            return Err(Error::auth(format!(
                "{who} answered {}: {why}",
                status.as_u16()
            )));
        }
        identity_answer::parse(&body, SystemTime::now(), who)
    }
}

/// A header value marked sensitive (reqwest keeps it out of its logs).
fn sensitive(what: &str, secret: &Secret) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(secret.expose())
        .map_err(|_| Error::auth(format!("{what} holds characters a header cannot carry")))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The key Arc's challenge (`WWW-Authenticate: Basic realm=<file>`) points
/// at, checked as Azure.Identity checks it: a `.key` file of at most 4 KB
/// directly in the agent's tokens folder.
fn arc_key(challenge: Option<&HeaderValue>, tokens_dir: &Path) -> Result<Secret> {
    let refuse = |why: String| Error::auth(format!("Azure Arc's challenge is unusable: {why}"));
    let challenge = challenge
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| refuse("the 401 has no WWW-Authenticate header".into()))?;
    let file = challenge
        .split_once("realm=")
        .map(|(_, file)| file.trim().trim_matches('"'))
        .filter(|f| !f.is_empty())
        .ok_or_else(|| refuse(format!("'{challenge}' names no realm file")))?;
    let file = Path::new(file);
    if file.parent() != Some(tokens_dir) {
        return Err(refuse(format!(
            "the key file {} is not in {} (set {ARC_TOKENS_DIR_VARIABLE} if the agent keeps its keys elsewhere)",
            file.display(),
            tokens_dir.display()
        )));
    }
    if file.extension().and_then(|e| e.to_str()) != Some("key") {
        return Err(refuse(format!("{} is not a .key file", file.display())));
    }
    let size = std::fs::metadata(file)
        .map_err(|e| refuse(format!("cannot read {} ({e})", file.display())))?
        .len();
    if size > ARC_KEY_MAX_BYTES {
        return Err(refuse(format!(
            "{} holds {size} bytes, more than a key's {ARC_KEY_MAX_BYTES}",
            file.display()
        )));
    }
    let key = std::fs::read_to_string(file)
        .map_err(|e| refuse(format!("cannot read {} ({e})", file.display())))?;
    Ok(Secret::new(key.trim()))
}

impl TokenSource for ManagedIdentity {
    fn token(&self, _refresh: bool) -> TokenFuture<'_> {
        Box::pin(self.fetch())
    }

    fn describe(&self) -> &str {
        self.shape.describe()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment::given(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        )
    }

    fn detect(vars: &[(&str, &str)], imds: bool) -> Option<&'static str> {
        Shape::detect(&env(vars), imds).map(|s| s.unwrap().describe())
    }

    #[test]
    fn each_environment_is_recognised_as_azure_identity_does() {
        let e = "http://127.0.0.1:1/x";
        assert_eq!(
            detect(
                &[
                    ("IDENTITY_ENDPOINT", e),
                    ("IDENTITY_HEADER", "h"),
                    ("IMDS_ENDPOINT", e)
                ],
                false
            ),
            Some(
                Shape::AppService2019 {
                    endpoint: e.parse().unwrap(),
                    header: Secret::new("h")
                }
                .describe()
            )
        );
        assert!(
            detect(&[("MSI_ENDPOINT", e), ("MSI_SECRET", "s")], false)
                .unwrap()
                .contains("2017")
        );
        assert!(
            detect(&[("MSI_ENDPOINT", e)], false)
                .unwrap()
                .contains("Cloud Shell")
        );
        assert!(
            detect(&[("IDENTITY_ENDPOINT", e), ("IMDS_ENDPOINT", e)], false)
                .unwrap()
                .contains("Arc")
        );
        assert_eq!(detect(&[("IDENTITY_ENDPOINT", e)], false), None);
        assert_eq!(detect(&[], false), None);
        assert!(detect(&[], true).unwrap().contains("IMDS"));
        let Some(Ok(Shape::Imds { url })) = Shape::detect(
            &env(&[("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9/")]),
            true,
        ) else {
            panic!("IMDS expected");
        };
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/metadata/identity/oauth2/token"
        );
        let Some(Err(e)) = Shape::detect(&env(&[("MSI_ENDPOINT", "not a url")]), false) else {
            panic!("an error expected");
        };
        assert!(e.to_string().contains("MSI_ENDPOINT is not a URL"), "{e}");
    }

    #[test]
    fn cloud_shell_and_arc_have_no_user_assigned_identities() {
        let shape = Shape::CloudShell {
            endpoint: "http://127.0.0.1:1/".parse().unwrap(),
        };
        let e = ManagedIdentity::new(shape, Some("c".into())).unwrap_err();
        assert!(e.to_string().contains("no user-assigned identities"), "{e}");
    }

    #[test]
    fn an_arc_challenge_may_only_name_a_small_key_file_in_the_tokens_folder() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("abc.key");
        std::fs::write(&key, "the-key\n").unwrap();
        let header =
            |p: &Path| HeaderValue::from_str(&format!("Basic realm={}", p.display())).unwrap();
        assert_eq!(
            arc_key(Some(&header(&key)), dir.path()).unwrap().expose(),
            "the-key"
        );
        let other = tempfile::tempdir().unwrap();
        let elsewhere = other.path().join("abc.key");
        std::fs::write(&elsewhere, "x").unwrap();
        let e = arc_key(Some(&header(&elsewhere)), dir.path()).unwrap_err();
        assert!(e.to_string().contains("is not in"), "{e}");
        let not_key = dir.path().join("passwd");
        std::fs::write(&not_key, "x").unwrap();
        assert!(
            arc_key(Some(&header(&not_key)), dir.path())
                .unwrap_err()
                .to_string()
                .contains("not a .key file")
        );
        let big = dir.path().join("big.key");
        std::fs::write(&big, vec![b'k'; 5000]).unwrap();
        assert!(
            arc_key(Some(&header(&big)), dir.path())
                .unwrap_err()
                .to_string()
                .contains("5000 bytes")
        );
        assert!(
            arc_key(None, dir.path())
                .unwrap_err()
                .to_string()
                .contains("no WWW-Authenticate")
        );
    }
}
