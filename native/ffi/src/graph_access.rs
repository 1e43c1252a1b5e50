//! How an operation reaches Microsoft Graph: the base URL and the sign-in
//! parameters every Graph-speaking operation accepts (`token`, `graphUrl`,
//! `managedIdentity`, `identityClientId`, `environment`, `tokenRefresh`,
//! `tokenRefreshTimeoutMs`). They are taken out of the request before its
//! own parameters are parsed, so no parse error can quote a secret, and
//! every operation signs in the same way.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use entrasnap_graph::auth::Cached;
use entrasnap_graph::{
    AuthOptions, CancellationToken, ClientOptions, Environment, ErrorKind, GraphClient, Secret,
    graph_url_in,
};
use serde_json::{Map, Value};

use crate::context::{JobContext, OperationError};
use crate::token_refresh::{self, CallerToken};

/// Variables of `environment` whose values are secrets, taken out of every message.
const SECRET_VARIABLES: &[&str] = &[
    "ENTRASNAP_TOKEN",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "IDENTITY_HEADER",
    "MSI_SECRET",
];

pub(crate) struct GraphAccess {
    token: Option<Secret>,
    graph_url: Option<String>,
    managed_identity: bool,
    identity_client_id: Option<String>,
    environment: Environment,
    /// `Some(wait)`: ask the caller for a new token when Graph refuses it.
    token_refresh: Option<Duration>,
}

impl GraphAccess {
    /// Removes the sign-in parameters from `params`; `op` names the operation in errors.
    pub(crate) fn take(op: &str, params: &mut Map<String, Value>) -> Result<Self, OperationError> {
        let invalid = |what: &str| OperationError::invalid_argument(&format!("{op}: {what}"));
        let token = match params.remove("token") {
            None | Some(Value::Null) => None,
            Some(Value::String(token)) if token.trim().is_empty() => {
                return Err(invalid("token is empty"));
            }
            Some(Value::String(token)) => Some(Secret::new(token)),
            Some(_) => return Err(invalid("token must be a string")),
        };
        let string = |params: &mut Map<String, Value>, key: &str| match params.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(&format!("{key} must be a string"))),
        };
        let flag = |params: &mut Map<String, Value>, key: &str| match params.remove(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(_) => Err(invalid(&format!("{key} must be true or false"))),
        };
        let graph_url = string(params, "graphUrl")?;
        let identity_client_id = string(params, "identityClientId")?;
        let managed_identity = flag(params, "managedIdentity")?;
        let environment = match params.remove("environment") {
            None | Some(Value::Null) => Environment::Process,
            Some(Value::Object(vars)) => {
                let mut map = HashMap::with_capacity(vars.len());
                for (key, value) in vars {
                    match value {
                        Value::String(v) => {
                            map.insert(key, v);
                        }
                        Value::Null => {}
                        // The name only: the value may be a secret.
                        _ => return Err(invalid(&format!("environment.{key} must be a string"))),
                    }
                }
                Environment::given(map)
            }
            Some(_) => {
                return Err(invalid(
                    "environment must be an object of variable names and string values",
                ));
            }
        };
        let refresh = flag(params, "tokenRefresh")?;
        let timeout = match params.remove("tokenRefreshTimeoutMs") {
            None | Some(Value::Null) => token_refresh::DEFAULT_TIMEOUT,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|ms| ms > 0) => {
                Duration::from_millis(n.as_u64().unwrap_or_default())
            }
            Some(_) => {
                return Err(invalid(
                    "tokenRefreshTimeoutMs must be a positive number of milliseconds",
                ));
            }
        };
        if refresh && token.is_none() {
            return Err(invalid(
                "tokenRefresh needs the token it renews: give token as well",
            ));
        }
        Ok(Self {
            token,
            graph_url,
            managed_identity,
            identity_client_id,
            environment,
            token_refresh: refresh.then_some(timeout),
        })
    }

    /// `error` without any secret the caller handed over: the token, the
    /// tokens provided since, and the secret values of `environment`.
    pub(crate) fn redact(&self, error: OperationError, context: &JobContext) -> OperationError {
        let mut secrets = context.tokens().seen();
        secrets.extend(self.token.as_ref().map(|t| t.expose().to_owned()));
        secrets.extend(
            self.environment
                .given_values()
                .filter(|(k, _)| SECRET_VARIABLES.contains(k))
                .map(|(_, v)| v.trim().to_owned()),
        );
        error.redact(&secrets)
    }

    /// A client for Graph (or the emulator at `graphUrl`) signed in with the
    /// caller's token, else the engine's sign-in chain over `environment`;
    /// cancelled with `cancel`.
    pub(crate) fn client(
        &self,
        context: &JobContext,
        cancel: &CancellationToken,
    ) -> Result<GraphClient, OperationError> {
        let failed = |e: entrasnap_graph::Error| match e.kind() {
            ErrorKind::Auth { .. } => {
                OperationError::auth(&format!("cannot sign in to Microsoft Graph: {e}"))
            }
            _ => OperationError::from_graph(&e),
        };
        if let (Some(wait), Some(token)) = (self.token_refresh, &self.token) {
            let source = CallerToken::new(token.expose(), context, wait, cancel);
            // Requests refused together share one renewal; the caller's
            // wait has its own, clearer deadline.
            let source = Arc::new(Cached::new(source, wait + Duration::from_secs(10)));
            let url = graph_url_in(self.graph_url.as_deref(), &self.environment);
            return GraphClient::new(ClientOptions {
                cancel: cancel.clone(),
                ..ClientOptions::new(url, source)
            })
            .map_err(failed);
        }
        let auth = AuthOptions {
            token: self.token.clone(),
            managed_identity: self.managed_identity,
            managed_identity_client_id: self.identity_client_id.clone(),
            environment: self.environment.clone(),
            ..Default::default()
        };
        GraphClient::connect(self.graph_url.as_deref(), auth, cancel).map_err(failed)
    }
}
