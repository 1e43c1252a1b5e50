//! Managed identity endpoints, each accepting exactly what Microsoft's own
//! client (Azure.Identity) sends to its kind and refusing what it would not:
//!
//! | route | plays | takes |
//! |---|---|---|
//! | `/identity/appservice2019` | Automation's sandbox, App Service (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) | GET or POST, `X-IDENTITY-HEADER`, api-version 2019-08-01 or none, `client_id` |
//! | `/identity/appservice2017` | App Service 2017 (`MSI_ENDPOINT` + `MSI_SECRET`) | GET, `secret`, `Metadata: true`, api-version 2017-09-01, `clientid` |
//! | `/identity/cloudshell` | Cloud Shell (`MSI_ENDPOINT`) | POST, form body `resource=`, `Metadata: true`; system-assigned only |
//! | `/identity/arc` | Azure Arc (`IDENTITY_ENDPOINT` + `IMDS_ENDPOINT`) | GET, `Metadata: true`, api-version 2019-11-01; 401 `WWW-Authenticate: Basic realm=<key file>`, then `Authorization: Basic <key>` |
//! | `/metadata/identity/oauth2/token` | IMDS (its host moved by `AZURE_POD_IDENTITY_AUTHORITY_HOST`) | GET, `Metadata: true`, api-version 2018-02-01, `client_id` |
//!
//! `GET /_sim/identity` says which variables point at each, with their
//! secrets, and counts the tokens issued. Tokens are opaque, accepted by the
//! emulator's Graph, and expire after `--token-lifetime-secs` (an hour
//! without it); `--identity-expiry` picks how the answer says so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::rng::Rng;
use crate::sim::Sim;

/// How an answer states the token's expiry (`--identity-expiry`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Expiry {
    /// `"expires_on": "1796190017"` (and `expires_in`), as IMDS and App Service 2019 answer.
    #[default]
    EpochString,
    /// `"expires_on": 1796190017`.
    EpochNumber,
    /// `"expires_on": "12/02/2026 05:40:17 +00:00"`, as App Service 2017 answers.
    Date,
    /// Only `"expires_in": 3600`.
    ExpiresIn,
    /// Malformed: neither field.
    None,
    /// Malformed: `expires_on` in epoch milliseconds.
    EpochMs,
}

/// The identity endpoints' settings.
#[derive(Debug, Clone, Default)]
pub struct IdentityConfig {
    pub expiry: Expiry,
    /// Where Arc's key files are written (a fresh temp folder when unset).
    pub arc_tokens_dir: Option<PathBuf>,
}

/// The command-line flags for [`IdentityConfig`].
#[derive(Debug, Clone, clap::Args)]
pub struct IdentityArgs {
    /// How managed identity answers state the token's expiry.
    #[arg(long, value_enum, default_value_t = Expiry::EpochString)]
    pub identity_expiry: Expiry,
    /// Folder for Azure Arc's challenge key files (default: a new temp folder).
    #[arg(long, value_name = "DIR")]
    pub arc_tokens_dir: Option<PathBuf>,
}

impl From<IdentityArgs> for IdentityConfig {
    fn from(args: IdentityArgs) -> Self {
        IdentityConfig {
            expiry: args.identity_expiry,
            arc_tokens_dir: args.arc_tokens_dir,
        }
    }
}

/// The one user-assigned identity every endpoint knows (by `client_id`).
pub const USER_ASSIGNED_CLIENT_ID: &str = "5b1f3c2e-8d4a-4f6b-9c7e-2a1d0e9f8b7c";

const GRAPH: &str = "https://graph.microsoft.com";

/// The endpoints' secrets and what they have issued.
pub struct IdentityState {
    identity_header: String,
    msi_secret: String,
    arc_dir: Mutex<Option<PathBuf>>,
    /// Arc keys handed out and not yet used, and their files.
    arc_keys: Mutex<HashMap<String, PathBuf>>,
    issued: Mutex<u64>,
    rng: Mutex<Rng>,
}

impl IdentityState {
    pub fn new(config: &IdentityConfig) -> Self {
        // Not the tenant's seeded generator: secrets must differ per run,
        // and drawing them must not shift the tenant's ids.
        let mut rng = Rng::new(crate::rng::fresh_seed());
        IdentityState {
            identity_header: rng.guid(),
            msi_secret: rng.guid(),
            arc_dir: Mutex::new(config.arc_tokens_dir.clone()),
            arc_keys: Mutex::new(HashMap::new()),
            issued: Mutex::new(0),
            rng: Mutex::new(rng),
        }
    }

    fn guid(&self) -> String {
        self.rng.lock().unwrap_or_else(|e| e.into_inner()).guid()
    }

    /// The Arc key folder, created (private to this user) on first use.
    fn arc_dir(&self) -> std::io::Result<PathBuf> {
        let mut dir = self.arc_dir.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = dir.as_ref() {
            return Ok(d.clone());
        }
        let d = std::env::temp_dir().join(format!("entrasnap-sim-arc-{}", self.guid()));
        private_dir(&d)?;
        *dir = Some(d.clone());
        Ok(d)
    }
}

fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Answers the identity routes; `None` for every other request.
pub fn serve(
    sim: &Sim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Option<Response> {
    let base = format!(
        "http://{}",
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
    );
    let request = Request {
        method: method.as_str(),
        query: serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default(),
        form: serde_urlencoded::from_bytes(body).unwrap_or_default(),
        headers,
    };
    let answer = match uri.path() {
        "/_sim/identity" if method == Method::GET => overview(sim, &base),
        "/identity/appservice2019" => app_service_2019(sim, &request),
        "/identity/appservice2017" => app_service_2017(sim, &request),
        "/identity/cloudshell" => cloud_shell(sim, &request),
        "/identity/arc" => arc(sim, &request),
        "/metadata/identity/oauth2/token" => imds(sim, &request),
        _ => return None,
    };
    Some(answer.unwrap_or_else(Refusal::into_response))
}

struct Request<'a> {
    method: &'a str,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    headers: &'a HeaderMap,
}

impl Request<'_> {
    fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn form(&self, key: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn metadata(&self) -> Result<(), Refusal> {
        match self.header("metadata") {
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(()),
            _ => Err(refuse(
                400,
                "invalid_request",
                "Required metadata header not specified",
            )),
        }
    }

    fn method(&self, allowed: &[&str]) -> Result<(), Refusal> {
        if allowed.contains(&self.method) {
            Ok(())
        } else {
            Err(refuse(
                405,
                "invalid_request",
                &format!("This endpoint takes {}", allowed.join(" or ")),
            ))
        }
    }

    fn api_version(&self, expected: &str, optional: bool) -> Result<(), Refusal> {
        match self.query("api-version") {
            Some(v) if v == expected => Ok(()),
            None if optional => Ok(()),
            other => Err(refuse(
                400,
                "invalid_request",
                &format!(
                    "api-version {} is not supported here; use {expected}",
                    other.unwrap_or("(none)")
                ),
            )),
        }
    }
}

type Answer = Result<Response, Refusal>;

/// An endpoint's "no": `{"error", "error_description"}`, and for Arc's
/// challenge the key file it names.
struct Refusal {
    status: u16,
    error: &'static str,
    description: String,
    realm: Option<PathBuf>,
}

impl Refusal {
    fn into_response(self) -> Response {
        let mut response = json(
            self.status,
            &json!({"error": self.error, "error_description": self.description}),
        );
        if let Some(file) = self.realm
            && let Ok(value) = HeaderValue::from_str(&format!("Basic realm={}", file.display()))
        {
            response.headers_mut().insert("www-authenticate", value);
        }
        response
    }
}

fn refuse(status: u16, error: &'static str, description: &str) -> Refusal {
    Refusal {
        status,
        error,
        description: description.to_string(),
        realm: None,
    }
}

fn json(status: u16, body: &Value) -> Response {
    let mut r = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// The resource asked for must be Graph.
fn resource(value: Option<&str>) -> Result<(), Refusal> {
    match value.map(|r| r.trim_end_matches('/')) {
        Some(GRAPH) => Ok(()),
        Some(other) => Err(refuse(
            400,
            "invalid_resource",
            &format!("This emulator issues tokens for {GRAPH} only, not '{other}'"),
        )),
        None => Err(refuse(
            400,
            "invalid_request",
            "Required query variable 'resource' is missing",
        )),
    }
}

/// A user-assigned identity must be one the endpoint knows.
fn user_assigned(client_id: Option<&str>) -> Result<(), Refusal> {
    match client_id {
        None | Some(USER_ASSIGNED_CLIENT_ID) => Ok(()),
        Some(_) => Err(refuse(400, "invalid_request", "Identity not found")),
    }
}

fn secret_header(request: &Request, name: &str, expected: &str) -> Result<(), Refusal> {
    if request.header(name) == Some(expected) {
        Ok(())
    } else {
        Err(refuse(
            401,
            "unauthorized",
            &format!("The {name} header is missing or wrong"),
        ))
    }
}

fn app_service_2019(sim: &Sim, r: &Request) -> Answer {
    r.method(&["GET", "POST"])?;
    secret_header(r, "x-identity-header", &sim.identity.identity_header)?;
    r.api_version("2019-08-01", true)?;
    resource(r.query("resource").or_else(|| r.form("resource")))?;
    user_assigned(r.query("client_id").or_else(|| r.form("client_id")))?;
    Ok(issue(sim))
}

fn app_service_2017(sim: &Sim, r: &Request) -> Answer {
    r.method(&["GET"])?;
    r.metadata()?;
    secret_header(r, "secret", &sim.identity.msi_secret)?;
    r.api_version("2017-09-01", false)?;
    resource(r.query("resource"))?;
    user_assigned(r.query("clientid"))?;
    Ok(issue(sim))
}

fn cloud_shell(sim: &Sim, r: &Request) -> Answer {
    r.method(&["POST"])?;
    r.metadata()?;
    if r.form("client_id").is_some() || r.query("client_id").is_some() {
        return Err(refuse(
            400,
            "invalid_request",
            "Cloud Shell supports only the system-assigned identity",
        ));
    }
    resource(r.form("resource"))?;
    Ok(issue(sim))
}

fn arc(sim: &Sim, r: &Request) -> Answer {
    r.method(&["GET"])?;
    r.metadata()?;
    r.api_version("2019-11-01", false)?;
    resource(r.query("resource"))?;
    if r.query("client_id").is_some() {
        return Err(refuse(
            400,
            "invalid_request",
            "Azure Arc supports only the system-assigned identity",
        ));
    }
    let state = &sim.identity;
    let Some(authorization) = r.header("authorization") else {
        return challenge(state);
    };
    let key = authorization.strip_prefix("Basic ").unwrap_or_default();
    let used = state
        .arc_keys
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(key);
    let Some(file) = used else {
        return Err(refuse(
            401,
            "unauthorized",
            "The key is not one this agent issued",
        ));
    };
    // A key answers one challenge.
    let _ = std::fs::remove_file(file);
    Ok(issue(sim))
}

/// Writes a new key file and names it in a 401, as the Arc agent does.
fn challenge(state: &IdentityState) -> Answer {
    let failed = |e: std::io::Error| {
        refuse(
            500,
            "internal_error",
            &format!("cannot write the key file: {e}"),
        )
    };
    let dir = state.arc_dir().map_err(failed)?;
    let key = state.guid();
    let file = dir.join(format!("{}.key", state.guid()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&file).map_err(failed)?, key.as_bytes())
        .map_err(failed)?;
    state
        .arc_keys
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, file.clone());
    Err(Refusal {
        realm: Some(file),
        ..refuse(401, "unauthorized", "Use the key in the realm's file")
    })
}

fn imds(sim: &Sim, r: &Request) -> Answer {
    r.method(&["GET"])?;
    r.metadata()?;
    r.api_version("2018-02-01", false)?;
    resource(r.query("resource"))?;
    user_assigned(r.query("client_id"))?;
    Ok(issue(sim))
}

/// A new token, registered with the emulator's Graph so its lifetime runs
/// from now, in the answer shape `--identity-expiry` chose.
fn issue(sim: &Sim) -> Response {
    use std::hash::{Hash, Hasher};
    let token = format!("sim-mi-{}", sim.identity.guid());
    let lifetime = sim
        .config
        .token_lifetime
        .unwrap_or(Duration::from_secs(3600));
    {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        token.as_str().hash(&mut h);
        sim.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(h.finish(), Instant::now());
    }
    *sim.identity
        .issued
        .lock()
        .unwrap_or_else(|e| e.into_inner()) += 1;
    let expires = chrono::Utc::now() + lifetime;
    let epoch = expires.timestamp();
    let seconds = lifetime.as_secs();
    let mut body = json!({"access_token": token, "token_type": "Bearer", "resource": GRAPH});
    let fields = match sim.config.identity.expiry {
        Expiry::EpochString => {
            json!({"expires_on": epoch.to_string(), "expires_in": seconds.to_string()})
        }
        Expiry::EpochNumber => json!({"expires_on": epoch}),
        Expiry::Date => json!({"expires_on": expires.format("%m/%d/%Y %H:%M:%S %:z").to_string()}),
        Expiry::ExpiresIn => json!({"expires_in": seconds}),
        Expiry::None => json!({}),
        Expiry::EpochMs => json!({"expires_on": (epoch * 1000).to_string()}),
    };
    if let (Some(body), Value::Object(fields)) = (body.as_object_mut(), fields) {
        body.extend(fields);
    }
    json(200, &body)
}

/// `GET /_sim/identity`: the variables for each shape, and the count of
/// tokens issued.
fn overview(sim: &Sim, base: &str) -> Answer {
    let state = &sim.identity;
    let arc_dir = match state.arc_dir() {
        Ok(d) => d.display().to_string(),
        Err(e) => return Err(refuse(500, "internal_error", &e.to_string())),
    };
    Ok(json(
        200,
        &json!({
            "appService2019": {
                "IDENTITY_ENDPOINT": format!("{base}/identity/appservice2019"),
                "IDENTITY_HEADER": state.identity_header,
            },
            "appService2017": {
                "MSI_ENDPOINT": format!("{base}/identity/appservice2017"),
                "MSI_SECRET": state.msi_secret,
            },
            "cloudShell": {"MSI_ENDPOINT": format!("{base}/identity/cloudshell")},
            "arc": {
                "IDENTITY_ENDPOINT": format!("{base}/identity/arc"),
                "IMDS_ENDPOINT": base,
                "ENTRASNAP_ARC_TOKENS_DIR": arc_dir,
            },
            "imds": {"AZURE_POD_IDENTITY_AUTHORITY_HOST": base},
            "userAssignedClientId": USER_ASSIGNED_CLIENT_ID,
            "issued": *state.issued.lock().unwrap_or_else(|e| e.into_inner()),
        }),
    ))
}
