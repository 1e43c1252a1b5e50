//! The one error for "nothing signed in": every source of the chain, in
//! order, how to use it, and what was missing or what failed. The command
//! and the C ABI both show exactly this text.

use std::fmt::Write;

/// One source of the chain and why it did not sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tried {
    /// What the source is and how to use it.
    pub source: &'static str,
    /// What was missing, or what failed.
    pub outcome: String,
}

impl Tried {
    pub fn new(source: &'static str, outcome: impl Into<String>) -> Self {
        Tried {
            source,
            outcome: outcome.into(),
        }
    }
}

/// The sources, as the chain tries them and as users set them up.
pub(crate) const CALLER_TOKEN: &str = "a token from the caller (Export-EntraSnapshot -AccessToken, a Connect-MgGraph session, the C ABI's \"token\")";
pub(crate) const ENV_TOKEN: &str = "ENTRASNAP_TOKEN (a bearer token for Graph)";
pub(crate) const MANAGED_IDENTITY: &str = "managed identity (Automation and App Service: IDENTITY_ENDPOINT + IDENTITY_HEADER; \
     App Service 2017: MSI_ENDPOINT + MSI_SECRET; Cloud Shell: MSI_ENDPOINT; Azure Arc: IDENTITY_ENDPOINT + IMDS_ENDPOINT; \
     Azure VMs: --managed-identity / -ManagedIdentity; a user-assigned identity: --identity-client-id / -IdentityClientId)";
pub(crate) const WORKLOAD_IDENTITY: &str =
    "workload identity (AZURE_FEDERATED_TOKEN_FILE + AZURE_CLIENT_ID + AZURE_TENANT_ID)";
pub(crate) const CLIENT_SECRET: &str =
    "client secret (AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET)";
pub(crate) const CLIENT_CERTIFICATE: &str = "client certificate (AZURE_CLIENT_CERTIFICATE_PATH, a PEM file with its key, + AZURE_TENANT_ID + AZURE_CLIENT_ID)";
pub(crate) const AZURE_CLI: &str = "Azure CLI (`az login`, az on PATH)";

/// "nothing signed in to Microsoft Graph; tried, in order:" and one
/// numbered line per source. The lines break for the terminal; the C ABI
/// folds them into one.
pub(crate) fn nothing_signed_in(tried: &[Tried]) -> String {
    let mut text = String::from("nothing signed in to Microsoft Graph; tried, in order:");
    for (n, t) in tried.iter().enumerate() {
        let _ = write!(text, "\n  {}. {}: {}", n + 1, t.source, t.outcome);
    }
    text
}

/// "A and B not set", for the variables of `needed` that `has` lacks.
pub(crate) fn missing(needed: &[&str], has: impl Fn(&str) -> bool) -> Option<String> {
    let absent: Vec<&str> = needed.iter().copied().filter(|k| !has(k)).collect();
    match absent.as_slice() {
        [] => None,
        [one] => Some(format!("{one} not set")),
        [init @ .., last] => Some(format!("{} and {last} not set", init.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_source_with_its_outcome() {
        let text = nothing_signed_in(&[
            Tried::new(ENV_TOKEN, "not set"),
            Tried::new(AZURE_CLI, "az not found on PATH"),
        ]);
        assert_eq!(
            text,
            "nothing signed in to Microsoft Graph; tried, in order:\n  \
             1. ENTRASNAP_TOKEN (a bearer token for Graph): not set\n  \
             2. Azure CLI (`az login`, az on PATH): az not found on PATH"
        );
        assert_eq!(
            missing(&["A", "B", "C"], |k| k == "B").unwrap(),
            "A and C not set"
        );
        assert_eq!(missing(&["A"], |_| false).unwrap(), "A not set");
        assert_eq!(missing(&["A"], |_| true), None);
    }
}
