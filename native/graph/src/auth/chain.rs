//! Picking a token source from what the caller and the environment provide,
//! in DESIGN.md's order. azure_identity 1.0 has no `DefaultAzureCredential`,
//! so the chain is built here: the first source whose configuration is
//! present wins (no trial and error against live endpoints, which is slow
//! and hides misconfiguration). When none is, the Azure CLI is the last
//! resort, and its failure lists every source tried and why it did not apply.

use std::sync::Arc;
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::http::ClientOptions;
use azure_identity::{
    ClientAssertionCredential, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use super::tried::{self, Tried, missing};
use super::{
    AzureCredential, Cached, CertificateAssertion, ClientCertificate, Environment, ManagedIdentity,
    Secret, Shape, StaticToken, TokenFuture, TokenSource, azure_cli, env_token,
};
use crate::error::{Error, ErrorKind, Result};

/// What the caller says about authentication; the environment fills in the rest.
#[derive(Debug, Clone)]
pub struct AuthOptions {
    /// A token the caller already holds (e.g. from a `Connect-MgGraph` session).
    pub token: Option<Secret>,
    /// Use managed identity even without the App Service/Automation variables (Azure VMs: IMDS).
    pub managed_identity: bool,
    /// Client id of a user-assigned managed identity.
    pub managed_identity_client_id: Option<String>,
    /// Deadline for every token fetch.
    pub timeout: Duration,
    /// Where the sign-in variables are read: the process, or exactly the caller's map.
    pub environment: Environment,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            token: None,
            managed_identity: false,
            managed_identity_client_id: None,
            timeout: Duration::from_secs(30),
            environment: Environment::Process,
        }
    }
}

/// Which kind of source the chain picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceKind {
    /// `AuthOptions::token`.
    Token,
    /// `ENTRASNAP_TOKEN`.
    EnvToken,
    /// A managed identity endpoint, in any of its shapes (see [`Shape`]).
    ManagedIdentity,
    /// `AZURE_FEDERATED_TOKEN_FILE` + `AZURE_CLIENT_ID` + `AZURE_TENANT_ID`.
    WorkloadIdentity,
    /// `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET`.
    ClientSecret,
    /// `AZURE_CLIENT_CERTIFICATE_PATH` (+ `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`).
    ClientCertificate,
    /// `az account get-access-token`.
    AzureCli,
}

const WORKLOAD: &[&str] = &[
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
];
const SECRET: &[&str] = &["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"];

/// The source the chain would use, given `options` and the environment `env`.
pub fn select_source(options: &AuthOptions, env: &Environment) -> SourceKind {
    select(options, env).0
}

/// The source the chain picks, and why each one before it did not apply.
fn select(options: &AuthOptions, env: &Environment) -> (SourceKind, Vec<Tried>) {
    let mut skipped = Vec::new();
    if options.token.is_some() {
        return (SourceKind::Token, skipped);
    }
    skipped.push(Tried::new(tried::CALLER_TOKEN, "none given"));
    if env.has("ENTRASNAP_TOKEN") {
        return (SourceKind::EnvToken, skipped);
    }
    skipped.push(Tried::new(tried::ENV_TOKEN, "not set"));
    if Shape::detect(env, options.managed_identity).is_some() {
        return (SourceKind::ManagedIdentity, skipped);
    }
    let why = if env.has("IDENTITY_ENDPOINT") {
        "IDENTITY_ENDPOINT is set, but neither IDENTITY_HEADER nor IMDS_ENDPOINT"
    } else if env.has("MSI_SECRET") {
        "MSI_SECRET is set, but not MSI_ENDPOINT"
    } else {
        "none of these variables is set, and --managed-identity (-ManagedIdentity) was not given"
    };
    skipped.push(Tried::new(tried::MANAGED_IDENTITY, why));
    let has = |k: &str| env.has(k);
    match missing(WORKLOAD, has) {
        None => return (SourceKind::WorkloadIdentity, skipped),
        Some(why) => skipped.push(Tried::new(tried::WORKLOAD_IDENTITY, why)),
    }
    match missing(SECRET, has) {
        None => return (SourceKind::ClientSecret, skipped),
        Some(why) => skipped.push(Tried::new(tried::CLIENT_SECRET, why)),
    }
    match missing(&["AZURE_CLIENT_CERTIFICATE_PATH"], has) {
        None => return (SourceKind::ClientCertificate, skipped),
        Some(why) => skipped.push(Tried::new(tried::CLIENT_CERTIFICATE, why)),
    }
    (SourceKind::AzureCli, skipped)
}

/// The token source for `options` (and the environment they name), cached
/// and with a deadline on every fetch.
pub fn default_chain(options: AuthOptions) -> Result<Arc<dyn TokenSource>> {
    build(&options)
}

fn build(options: &AuthOptions) -> Result<Arc<dyn TokenSource>> {
    let env = &options.environment;
    let (kind, skipped) = select(options, env);
    tracing::debug!(?kind, "token source chosen");
    let required = |k: &str| {
        env.var(k)
            .ok_or_else(|| Error::auth(format!("{k} must be set for {kind:?} authentication")))
    };
    let azure = |name: &'static str,
                 c: azure_core::Result<Arc<dyn azure_core::credentials::TokenCredential>>|
     -> Result<Arc<dyn TokenSource>> {
        let c = c.map_err(|e| Error::auth(format!("{name}: {e}")))?;
        Ok(cached(AzureCredential::new(name, c), options.timeout))
    };
    match kind {
        SourceKind::Token => Ok(Arc::new(StaticToken::new(
            options.token.clone().expect("selected because present"),
        ))),
        SourceKind::EnvToken => Ok(Arc::new(env_token(env).expect("selected because present"))),
        SourceKind::ManagedIdentity => {
            let shape =
                Shape::detect(env, options.managed_identity).expect("selected because present")?;
            Ok(cached(
                ManagedIdentity::new(shape, options.managed_identity_client_id.clone())?,
                options.timeout,
            ))
        }
        SourceKind::WorkloadIdentity => azure(
            "workload identity",
            WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                client_id: Some(required("AZURE_CLIENT_ID")?),
                tenant_id: Some(required("AZURE_TENANT_ID")?),
                token_file_path: Some(required("AZURE_FEDERATED_TOKEN_FILE")?.into()),
                credential_options: ClientAssertionCredentialOptions {
                    client_options: client_options(env),
                },
            }))
            .map(|c| c as _),
        ),
        SourceKind::ClientSecret => azure(
            "client secret",
            ClientSecretCredential::new(
                &required("AZURE_TENANT_ID")?,
                required("AZURE_CLIENT_ID")?,
                azure_core::credentials::Secret::new(required("AZURE_CLIENT_SECRET")?),
                Some(ClientSecretCredentialOptions {
                    client_options: client_options(env),
                }),
            )
            .map(|c| c as _),
        ),
        SourceKind::ClientCertificate => {
            let tenant = required("AZURE_TENANT_ID")?;
            let client = required("AZURE_CLIENT_ID")?;
            let path = required("AZURE_CLIENT_CERTIFICATE_PATH")?;
            let cert = ClientCertificate::from_files(std::path::Path::new(&path), None)?;
            let assertion = CertificateAssertion::new(cert, &tenant, &client);
            azure(
                "client certificate",
                ClientAssertionCredential::new(
                    tenant,
                    client,
                    assertion,
                    Some(ClientAssertionCredentialOptions {
                        client_options: client_options(env),
                    }),
                )
                .map(|c| c as _),
            )
        }
        SourceKind::AzureCli => Ok(Arc::new(LastResort {
            inner: azure("Azure CLI", azure_cli::credential(env))?,
            skipped,
        })),
    }
}

/// azure_identity's HTTP options with the authority host taken from `env`
/// (`AZURE_AUTHORITY_HOST`, else the public cloud), so it never reads the
/// process environment itself.
fn client_options(env: &Environment) -> ClientOptions {
    let cloud = match env.var("AZURE_AUTHORITY_HOST") {
        Some(host) => {
            let mut custom = CustomConfiguration::default();
            custom.authority_host = host;
            CloudConfiguration::Custom(custom)
        }
        None => CloudConfiguration::AzurePublic,
    };
    ClientOptions {
        cloud: Some(Arc::new(cloud)),
        ..Default::default()
    }
}

fn cached(source: impl TokenSource + 'static, timeout: Duration) -> Arc<dyn TokenSource> {
    Arc::new(Cached::new(source, timeout))
}

/// The Azure CLI when nothing else was configured: its failure becomes the
/// list of every source tried.
struct LastResort {
    inner: Arc<dyn TokenSource>,
    skipped: Vec<Tried>,
}

impl TokenSource for LastResort {
    fn token(&self, refresh: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            self.inner.token(refresh).await.map_err(|e| {
                let why = match e.kind() {
                    ErrorKind::Auth { message } => cli_failure(message),
                    _ => e.to_string(),
                };
                let mut all = self.skipped.clone();
                all.push(Tried::new(tried::AZURE_CLI, why));
                Error::auth(tried::nothing_signed_in(&all))
            })
        })
    }

    fn describe(&self) -> &str {
        self.inner.describe()
    }
}

/// The gist of azure_identity's Azure CLI error ("Azure CLI:
/// AzureCliCredential authentication failed. az not found on PATH\nTo
/// troubleshoot, visit ..." reads "az not found on PATH").
fn cli_failure(message: &str) -> String {
    let gist = message.lines().next().unwrap_or(message);
    let gist = gist.strip_prefix("Azure CLI: ").unwrap_or(gist);
    let gist = gist
        .strip_prefix("AzureCliCredential authentication failed.")
        .unwrap_or(gist)
        .trim();
    if gist.is_empty() {
        "az gave no token".to_string()
    } else {
        gist.to_string()
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

    fn pick(options: &AuthOptions, vars: &[(&str, &str)]) -> SourceKind {
        select_source(options, &env(vars))
    }

    const EVERYTHING: &[(&str, &str)] = &[
        ("ENTRASNAP_TOKEN", "t"),
        ("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"),
        ("IDENTITY_HEADER", "h"),
        ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"),
        ("AZURE_CLIENT_ID", "c"),
        ("AZURE_TENANT_ID", "t"),
        ("AZURE_CLIENT_SECRET", "s"),
        ("AZURE_CLIENT_CERTIFICATE_PATH", "/cert.pem"),
    ];

    #[test]
    fn the_first_configured_source_wins_in_design_order() {
        let explicit = AuthOptions {
            token: Some(Secret::new("x")),
            ..Default::default()
        };
        let none = AuthOptions::default();
        assert_eq!(pick(&explicit, EVERYTHING), SourceKind::Token);
        // Drop one source at a time, from the most preferred down.
        let order = [
            (SourceKind::EnvToken, "ENTRASNAP_TOKEN"),
            (SourceKind::ManagedIdentity, "IDENTITY_ENDPOINT"),
            (SourceKind::WorkloadIdentity, "AZURE_FEDERATED_TOKEN_FILE"),
            (SourceKind::ClientSecret, "AZURE_CLIENT_SECRET"),
            (
                SourceKind::ClientCertificate,
                "AZURE_CLIENT_CERTIFICATE_PATH",
            ),
        ];
        let mut vars: Vec<(&str, &str)> = EVERYTHING.to_vec();
        for (expected, removed) in order {
            assert_eq!(pick(&none, &vars), expected, "with {vars:?}");
            vars.retain(|(k, _)| *k != removed);
        }
        assert_eq!(pick(&none, &vars), SourceKind::AzureCli);
        assert_eq!(pick(&none, &[]), SourceKind::AzureCli);
    }

    #[test]
    fn managed_identity_by_flag_or_msi_variables() {
        let flag = AuthOptions {
            managed_identity: true,
            ..Default::default()
        };
        let secret_env = [
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_SECRET", "s"),
        ];
        assert_eq!(pick(&flag, &secret_env), SourceKind::ManagedIdentity);
        let none = AuthOptions::default();
        assert_eq!(
            pick(&none, &[("MSI_ENDPOINT", "http://x")]),
            SourceKind::ManagedIdentity
        );
        // Empty variables count as unset; half a configuration is not one.
        assert_eq!(
            pick(&none, &[("ENTRASNAP_TOKEN", " ")]),
            SourceKind::AzureCli
        );
        assert_eq!(
            pick(&none, &[("IDENTITY_ENDPOINT", "http://x")]),
            SourceKind::AzureCli
        );
        assert_eq!(
            pick(
                &none,
                &[("AZURE_CLIENT_ID", "c"), ("AZURE_CLIENT_SECRET", "s")]
            ),
            SourceKind::AzureCli
        );
    }

    #[test]
    fn a_given_environment_is_read_instead_of_the_process() {
        let process_only = AuthOptions::default();
        assert_eq!(
            select_source(&process_only, &env(&[("ENTRASNAP_TOKEN", "given")])),
            SourceKind::EnvToken
        );
        // The process's PATH and HOME exist, a given map without them has none.
        let (_, skipped) = select(&process_only, &env(&[]));
        assert_eq!(skipped.len(), 6);
    }

    #[tokio::test]
    async fn built_sources_hand_out_tokens_and_explain_missing_pieces() {
        let options = AuthOptions {
            environment: env(&[("ENTRASNAP_TOKEN", "from-env")]),
            ..Default::default()
        };
        let source = build(&options).unwrap();
        assert_eq!(source.describe(), "ENTRASNAP_TOKEN");
        assert_eq!(
            source.token(false).await.unwrap().secret().expose(),
            "from-env"
        );

        let options = AuthOptions {
            environment: env(&[("AZURE_CLIENT_CERTIFICATE_PATH", "/nonexistent.pem")]),
            ..Default::default()
        };
        let e = build(&options).err().unwrap();
        assert_eq!(
            e.to_string(),
            "authentication failed: AZURE_TENANT_ID must be set for ClientCertificate authentication"
        );
    }

    #[tokio::test]
    async fn nothing_configured_lists_every_source_tried_and_how_to_use_it() {
        // A given environment without PATH: az cannot be found, whatever this machine has.
        let options = AuthOptions {
            environment: env(&[
                ("AZURE_CLIENT_ID", "c"),
                ("AZURE_CLIENT_SECRET", "sekrit-value"),
            ]),
            ..Default::default()
        };
        let source = build(&options).unwrap();
        let e = source.token(false).await.unwrap_err().to_string();
        let expected = [
            "authentication failed: nothing signed in to Microsoft Graph; tried, in order:",
            "1. a token from the caller (Export-EntraSnapshot -AccessToken, a Connect-MgGraph session, the C ABI's \"token\"): none given",
            "2. ENTRASNAP_TOKEN (a bearer token for Graph): not set",
            "3. managed identity (Automation and App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER;",
            "none of these variables is set, and --managed-identity (-ManagedIdentity) was not given",
            "4. workload identity (AZURE_FEDERATED_TOKEN_FILE + AZURE_CLIENT_ID + AZURE_TENANT_ID): AZURE_FEDERATED_TOKEN_FILE and AZURE_TENANT_ID not set",
            "5. client secret (AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET): AZURE_TENANT_ID not set",
            "6. client certificate (AZURE_CLIENT_CERTIFICATE_PATH, a PEM file with its key, + AZURE_TENANT_ID + AZURE_CLIENT_ID): AZURE_CLIENT_CERTIFICATE_PATH not set",
            "7. Azure CLI (`az login`, az on PATH): az not found on PATH",
        ];
        let mut at = 0;
        for part in expected {
            let found = e[at..]
                .find(part)
                .unwrap_or_else(|| panic!("{part:?} not in order in:\n{e}"));
            at += found + part.len();
        }
        assert!(!e.contains("sekrit"), "{e}");
        assert!(!e.contains("troubleshoot"), "{e}");
    }
}
