//! The Azure CLI credential, run with the caller's PATH. azure_identity
//! runs `/bin/sh -c "az ..."` with the process's environment; when the
//! caller handed over its own environment (PowerShell's, which the process
//! never sees on Linux and macOS), `az` must be found on that PATH instead.

use std::ffi::OsStr;
use std::io;
use std::process::Output;
use std::sync::Arc;

use azure_identity::{AzureCliCredential, AzureCliCredentialOptions, Executor};

use super::Environment;

/// The variables of a handed-over environment that the CLI itself reads.
const PASSED: &[&str] = &["PATH", "AZURE_CONFIG_DIR", "HOME"];

#[derive(Debug)]
struct WithEnvironment(Vec<(&'static str, Option<String>)>);

#[async_trait::async_trait]
impl Executor for WithEnvironment {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> io::Result<Output> {
        let mut command = tokio::process::Command::new(program);
        command.args(args);
        for (key, value) in &self.0 {
            match value {
                Some(v) => command.env(key, v),
                // Not in the caller's environment: not in the CLI's either
                // (HOME excepted: the process's is the same user's).
                None if *key == "HOME" => &mut command,
                None => command.env_remove(key),
            };
        }
        command.output().await
    }
}

pub(crate) fn credential(
    env: &Environment,
) -> azure_core::Result<Arc<dyn azure_core::credentials::TokenCredential>> {
    let executor: Option<Arc<dyn Executor>> = match env {
        Environment::Process => None,
        Environment::Given(_) => Some(Arc::new(WithEnvironment(
            PASSED.iter().map(|k| (*k, env.var(k))).collect(),
        ))),
    };
    AzureCliCredential::new(Some(AzureCliCredentialOptions {
        executor,
        ..Default::default()
    }))
    .map(|c| c as _)
}
