//! How an operation reaches Microsoft Graph: the base URL and the sign-in
//! parameters every Graph-speaking operation accepts (`token`, `graphUrl`,
//! `managedIdentity`, `identityClientId`). They are taken out of the request
//! before its own parameters are parsed, so no parse error can quote the
//! token, and every operation signs in the same way.

use entrasnap_graph::{AuthOptions, CancellationToken, ErrorKind, GraphClient, Secret};
use serde_json::{Map, Value};

use crate::context::OperationError;

pub(crate) struct GraphAccess {
    token: Option<Secret>,
    graph_url: Option<String>,
    managed_identity: bool,
    identity_client_id: Option<String>,
}

impl GraphAccess {
    /// Removes the sign-in parameters from `params`; `op` names the operation in errors.
    pub(crate) fn take(op: &str, params: &mut Map<String, Value>) -> Result<Self, OperationError> {
        let token = match params.remove("token") {
            None | Some(Value::Null) => None,
            Some(Value::String(token)) if token.trim().is_empty() => {
                return Err(OperationError::invalid_argument(&format!(
                    "{op}: token is empty"
                )));
            }
            Some(Value::String(token)) => Some(Secret::new(token)),
            Some(_) => {
                return Err(OperationError::invalid_argument(&format!(
                    "{op}: token must be a string"
                )));
            }
        };
        let string = |params: &mut Map<String, Value>, key: &str| match params.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(OperationError::invalid_argument(&format!(
                "{op}: {key} must be a string"
            ))),
        };
        let graph_url = string(params, "graphUrl")?;
        let identity_client_id = string(params, "identityClientId")?;
        let managed_identity = match params.remove("managedIdentity") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => b,
            Some(_) => {
                return Err(OperationError::invalid_argument(&format!(
                    "{op}: managedIdentity must be true or false"
                )));
            }
        };
        Ok(Self {
            token,
            graph_url,
            managed_identity,
            identity_client_id,
        })
    }

    /// The caller's token, to scrub from any message before it leaves the library.
    pub(crate) fn secret(&self) -> String {
        self.token
            .as_ref()
            .map(|t| t.expose().to_owned())
            .unwrap_or_default()
    }

    /// A client for Graph (or the emulator at `graphUrl`) signed in with the
    /// caller's token, else the engine's sign-in chain; cancelled with `cancel`.
    pub(crate) fn client(&self, cancel: &CancellationToken) -> Result<GraphClient, OperationError> {
        let auth = AuthOptions {
            token: self.token.clone(),
            managed_identity: self.managed_identity,
            managed_identity_client_id: self.identity_client_id.clone(),
            ..Default::default()
        };
        GraphClient::connect(self.graph_url.as_deref(), auth, cancel).map_err(|e| match e.kind() {
            ErrorKind::Auth { .. } => {
                OperationError::auth(&format!("cannot sign in to Microsoft Graph: {e}"))
            }
            _ => OperationError::from_graph(&e),
        })
    }
}
