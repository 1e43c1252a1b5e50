//! Picking a token source from what the caller and the environment provide,
//! in DESIGN.md's order. azure_identity 1.0 has no `DefaultAzureCredential`,
//! so the chain is built here: the first source whose configuration is
//! present wins (no trial and error against live endpoints, which is slow
//! and hides misconfiguration).

use std::sync::Arc;
use std::time::Duration;

use azure_identity::{
    AzureCliCredential, ClientAssertionCredential, ClientSecretCredential,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential,
};

use super::{
    AutomationIdentity, AzureCredential, Cached, CertificateAssertion, ClientCertificate, Secret,
    StaticToken, TokenSource, env_token,
};
use crate::error::{Error, Result};

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
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            token: None,
            managed_identity: false,
            managed_identity_client_id: None,
            timeout: Duration::from_secs(30),
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
    /// `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` (Azure Automation, App Service).
    AutomationIdentity,
    /// azure_identity's managed identity (IMDS on VMs; `MSI_ENDPOINT` hosts).
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

/// An environment lookup that treats empty values as unset.
type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn var(env: Env<'_>, key: &str) -> Option<String> {
    env(key).filter(|v| !v.trim().is_empty())
}

/// The source the chain would use, given `options` and the environment `env`.
pub fn select_source(options: &AuthOptions, env: Env<'_>) -> SourceKind {
    let has = |k: &str| var(env, k).is_some();
    if options.token.is_some() {
        SourceKind::Token
    } else if has("ENTRASNAP_TOKEN") {
        SourceKind::EnvToken
    } else if has("IDENTITY_ENDPOINT") && has("IDENTITY_HEADER") {
        SourceKind::AutomationIdentity
    } else if options.managed_identity || has("MSI_ENDPOINT") || has("IDENTITY_ENDPOINT") {
        SourceKind::ManagedIdentity
    } else if has("AZURE_FEDERATED_TOKEN_FILE") && has("AZURE_CLIENT_ID") && has("AZURE_TENANT_ID")
    {
        SourceKind::WorkloadIdentity
    } else if has("AZURE_TENANT_ID") && has("AZURE_CLIENT_ID") && has("AZURE_CLIENT_SECRET") {
        SourceKind::ClientSecret
    } else if has("AZURE_CLIENT_CERTIFICATE_PATH") {
        SourceKind::ClientCertificate
    } else {
        SourceKind::AzureCli
    }
}

/// The token source for `options` and the process environment, cached and
/// with a deadline on every fetch.
pub fn default_chain(options: AuthOptions) -> Result<Arc<dyn TokenSource>> {
    let env = |k: &str| std::env::var(k).ok();
    build(&options, &env)
}

fn build(options: &AuthOptions, env: Env<'_>) -> Result<Arc<dyn TokenSource>> {
    let kind = select_source(options, env);
    tracing::debug!(?kind, "token source chosen");
    let required = |k: &str| {
        var(env, k)
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
        SourceKind::AutomationIdentity => Ok(cached(
            AutomationIdentity::new(
                &required("IDENTITY_ENDPOINT")?,
                Secret::new(required("IDENTITY_HEADER")?),
                options.managed_identity_client_id.clone(),
            )?,
            options.timeout,
        )),
        SourceKind::ManagedIdentity => azure(
            "managed identity",
            ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                user_assigned_id: options
                    .managed_identity_client_id
                    .clone()
                    .map(UserAssignedId::ClientId),
                ..Default::default()
            }))
            .map(|c| c as _),
        ),
        SourceKind::WorkloadIdentity => azure(
            "workload identity",
            WorkloadIdentityCredential::new(None).map(|c| c as _),
        ),
        SourceKind::ClientSecret => azure(
            "client secret",
            ClientSecretCredential::new(
                &required("AZURE_TENANT_ID")?,
                required("AZURE_CLIENT_ID")?,
                azure_core::credentials::Secret::new(required("AZURE_CLIENT_SECRET")?),
                None,
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
                ClientAssertionCredential::new(tenant, client, assertion, None).map(|c| c as _),
            )
        }
        SourceKind::AzureCli => azure("Azure CLI", AzureCliCredential::new(None).map(|c| c as _)),
    }
}

fn cached(source: impl TokenSource + 'static, timeout: Duration) -> Arc<dyn TokenSource> {
    Arc::new(Cached::new(source, timeout))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn pick(options: &AuthOptions, vars: &[(&str, &str)]) -> SourceKind {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        select_source(options, &|k| map.get(k).cloned())
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
            (SourceKind::AutomationIdentity, "IDENTITY_ENDPOINT"),
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
        assert_eq!(
            pick(
                &flag,
                &[("IDENTITY_ENDPOINT", "http://x"), ("IDENTITY_HEADER", "h")]
            ),
            SourceKind::AutomationIdentity
        );
        // Empty variables count as unset; half a configuration is not one.
        assert_eq!(
            pick(&none, &[("ENTRASNAP_TOKEN", " ")]),
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

    #[tokio::test]
    async fn built_sources_hand_out_tokens_and_explain_missing_pieces() {
        let map: HashMap<&str, &str> = [("ENTRASNAP_TOKEN", "from-env")].into();
        let env = |k: &str| map.get(k).map(|v| v.to_string());
        let source = build(&AuthOptions::default(), &env).unwrap();
        assert_eq!(source.describe(), "ENTRASNAP_TOKEN");
        assert_eq!(
            source.token(false).await.unwrap().secret().expose(),
            "from-env"
        );

        let map: HashMap<&str, &str> =
            [("AZURE_CLIENT_CERTIFICATE_PATH", "/nonexistent.pem")].into();
        let env = |k: &str| map.get(k).map(|v| v.to_string());
        let e = build(&AuthOptions::default(), &env).err().unwrap();
        assert_eq!(
            e.to_string(),
            "authentication failed: AZURE_TENANT_ID must be set for ClientCertificate authentication"
        );
    }
}
