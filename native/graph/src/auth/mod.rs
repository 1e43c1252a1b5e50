//! Where access tokens come from, and how they are kept out of sight.
//!
//! A [`TokenSource`] hands out bearer tokens for Graph. The engine asks it
//! again with `refresh = true` when Graph says a token has expired, because
//! export jobs outlive a token (about an hour). Token text lives only in a
//! [`Secret`], whose `Debug` and `Display` print `<redacted>`: it never
//! reaches logs, errors, snapshots, disk or command lines.

mod azure_cli;
mod cache;
mod certificate;
mod chain;
mod environment;
mod identity_answer;
mod managed_identity;
mod redact;
mod tried;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

pub use cache::Cached;
pub use certificate::{CertificateAssertion, ClientCertificate};
pub use chain::{AuthOptions, SourceKind, default_chain, select_source};
pub use environment::Environment;
pub use managed_identity::{ARC_TOKENS_DIR_VARIABLE, GRAPH_RESOURCE, ManagedIdentity, Shape};
pub use redact::redact;

/// The scope of a token for Microsoft Graph (public cloud).
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Text that must never be shown: a token, a client secret, a header secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret text, for the one place that has to send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A bearer token for Graph and, when known, when it expires.
#[derive(Clone, Debug)]
pub struct AccessToken {
    secret: Secret,
    expires_on: Option<SystemTime>,
}

impl AccessToken {
    pub fn new(secret: impl Into<String>, expires_on: Option<SystemTime>) -> Self {
        AccessToken {
            secret: Secret::new(secret),
            expires_on,
        }
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    pub fn expires_on(&self) -> Option<SystemTime> {
        self.expires_on
    }

    /// True when the token expires within `margin` (never, for a token without an expiry).
    pub fn expires_within(&self, margin: Duration) -> bool {
        self.expires_on
            .is_some_and(|t| t <= SystemTime::now() + margin)
    }
}

/// The future a [`TokenSource`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken>> + Send + 'a>>;

/// Something that hands out Graph access tokens.
///
/// Object-safe so the CLI, the C ABI (which asks PowerShell for tokens) and
/// tests can each bring their own. `refresh = true` means Graph refused the
/// last token: fetch a new one rather than returning a cached one.
pub trait TokenSource: Send + Sync {
    fn token(&self, refresh: bool) -> TokenFuture<'_>;

    /// How the source is named in messages: "managed identity", "Azure CLI", ...
    fn describe(&self) -> &str;
}

impl<T: TokenSource + ?Sized> TokenSource for Arc<T> {
    fn token(&self, refresh: bool) -> TokenFuture<'_> {
        (**self).token(refresh)
    }

    fn describe(&self) -> &str {
        (**self).describe()
    }
}

/// A token the caller already holds (from `Connect-MgGraph`, a pipeline, `ENTRASNAP_TOKEN`).
///
/// It cannot be renewed: asked to refresh, it hands out the same token, and
/// Graph's second 401 then becomes an [`ErrorKind::Auth`](crate::ErrorKind::Auth) error.
#[derive(Debug, Clone)]
pub struct StaticToken {
    token: AccessToken,
    name: &'static str,
}

impl StaticToken {
    pub fn new(token: Secret) -> Self {
        StaticToken {
            token: AccessToken {
                secret: token,
                expires_on: None,
            },
            name: "the caller",
        }
    }

    /// The token in `ENTRASNAP_TOKEN`, if set.
    pub fn from_env() -> Option<Self> {
        env_token(&Environment::Process)
    }
}

fn env_token(env: &Environment) -> Option<StaticToken> {
    let t = env.var("ENTRASNAP_TOKEN")?;
    Some(StaticToken {
        name: "ENTRASNAP_TOKEN",
        ..StaticToken::new(Secret::new(t))
    })
}

impl TokenSource for StaticToken {
    fn token(&self, _refresh: bool) -> TokenFuture<'_> {
        Box::pin(async move { Ok(self.token.clone()) })
    }

    fn describe(&self) -> &str {
        self.name
    }
}

/// Any `azure_identity` credential (managed identity, workload identity,
/// client secret, client assertion, Azure CLI) as a [`TokenSource`].
pub struct AzureCredential {
    name: &'static str,
    credential: Arc<dyn azure_core::credentials::TokenCredential>,
    scope: String,
}

impl AzureCredential {
    pub fn new(
        name: &'static str,
        credential: Arc<dyn azure_core::credentials::TokenCredential>,
    ) -> Self {
        AzureCredential {
            name,
            credential,
            scope: GRAPH_SCOPE.to_string(),
        }
    }
}

impl fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCredential")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TokenSource for AzureCredential {
    // azure_identity keeps its own cache and renews near expiry; it has no
    // "force" flag, so `refresh` cannot do more than ask again.
    fn token(&self, _refresh: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            let t = self
                .credential
                .get_token(&[self.scope.as_str()], None)
                .await
                .map_err(|e| Error::auth(format!("{}: {e}", self.name)))?;
            let expires = u64::try_from(t.expires_on.unix_timestamp())
                .ok()
                .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s));
            Ok(AccessToken::new(t.token.secret(), expires))
        })
    }

    fn describe(&self) -> &str {
        self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let t = AccessToken::new("eyJ0eXAiOiJKV1QiLCJhbGciOi.SIGNATURE", None);
        for shown in [
            format!("{t:?}"),
            format!("{:?}", t.secret()),
            format!("{}", t.secret()),
            format!("{:#?}", StaticToken::new(Secret::new("eyJ0eXAi.SIGNATURE"))),
        ] {
            assert!(!shown.contains("SIGNATURE"), "{shown}");
            assert!(!shown.contains("eyJ0eXAi"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
        assert_eq!(t.secret().expose(), "eyJ0eXAiOiJKV1QiLCJhbGciOi.SIGNATURE");
    }

    #[test]
    fn expiry_margin() {
        let soon = AccessToken::new("x", Some(SystemTime::now() + Duration::from_secs(60)));
        assert!(soon.expires_within(Duration::from_secs(300)));
        assert!(!soon.expires_within(Duration::from_secs(10)));
        assert!(!AccessToken::new("x", None).expires_within(Duration::from_secs(300)));
    }
}
