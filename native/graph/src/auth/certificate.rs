//! Client certificate credentials without OpenSSL.
//!
//! azure_identity's `ClientCertificateCredential` needs OpenSSL (a native
//! dependency the PowerShell module would have to ship per platform). What
//! it does is small: sign a client-assertion JWT with the certificate's key
//! (RS256, thumbprint in the header) and post it to the token endpoint. We
//! sign here and let azure_identity's `ClientAssertionCredential` post it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::{Digest, Sha256};
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use serde_json::json;

use crate::error::{Error, Result};

/// How long an assertion is valid: Entra accepts up to 10 minutes.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

/// A certificate (DER) and its RSA private key.
pub struct ClientCertificate {
    der: Vec<u8>,
    key: RsaPrivateKey,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t#S256", &self.thumbprint_sha256())
            .finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// From PEM text holding a `CERTIFICATE` (the first one is the app's) and
    /// a `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1); the two may be
    /// in one text, as in the file AZURE_CLIENT_CERTIFICATE_PATH names.
    pub fn from_pem(text: &str) -> Result<Self> {
        let blocks = pem::parse_many(text)
            .map_err(|e| Error::auth(format!("the certificate file is not PEM ({e})")))?;
        let der = blocks
            .iter()
            .find(|b| b.tag() == "CERTIFICATE")
            .map(|b| b.contents().to_vec())
            .ok_or_else(|| Error::auth("the certificate file holds no CERTIFICATE block"))?;
        let bad_key = |e: &dyn std::fmt::Display| {
            Error::auth(format!(
                "the certificate's private key cannot be read ({e})"
            ))
        };
        let key = match blocks.iter().find(|b| b.tag().ends_with("PRIVATE KEY")) {
            Some(b) if b.tag() == "PRIVATE KEY" => {
                RsaPrivateKey::from_pkcs8_der(b.contents()).map_err(|e| bad_key(&e))?
            }
            Some(b) if b.tag() == "RSA PRIVATE KEY" => {
                RsaPrivateKey::from_pkcs1_der(b.contents()).map_err(|e| bad_key(&e))?
            }
            Some(b) => {
                return Err(Error::auth(format!(
                    "a {} is not supported: give an unencrypted PKCS#8 RSA key \
                     (openssl pkcs8 -topk8 -nocrypt)",
                    b.tag()
                )));
            }
            None => {
                return Err(Error::auth(
                    "the certificate file holds no PRIVATE KEY block",
                ));
            }
        };
        Ok(ClientCertificate { der, key })
    }

    /// From a PEM file with the certificate and, unless `key_path` is given, the key.
    pub fn from_files(
        cert_path: &std::path::Path,
        key_path: Option<&std::path::Path>,
    ) -> Result<Self> {
        let read = |p: &std::path::Path| {
            std::fs::read_to_string(p)
                .map_err(|e| Error::auth(format!("cannot read {} ({e})", p.display())))
        };
        let mut text = read(cert_path)?;
        if let Some(k) = key_path {
            text.push('\n');
            text.push_str(&read(k)?);
        }
        ClientCertificate::from_pem(&text)
    }

    /// `x5t#S256`: base64url of the SHA-256 of the certificate's DER.
    pub fn thumbprint_sha256(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(&self.der))
    }

    /// `x5t`: base64url of the SHA-1 of the DER (older Entra endpoints look for it).
    pub fn thumbprint_sha1(&self) -> String {
        use sha1::Digest as _;
        URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&self.der))
    }

    /// A signed client assertion for `client_id`, addressed to `audience` (the token endpoint).
    pub fn assertion(&self, client_id: &str, audience: &str, now: SystemTime) -> Result<String> {
        let now = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| Error::auth("the system clock is before 1970"))?
            .as_secs();
        let header = json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5t": self.thumbprint_sha1(),
            "x5t#S256": self.thumbprint_sha256(),
        });
        let claims = json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME.as_secs(),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        // Randomized signing blinds the private-key operation (timing side channels).
        let signature = SigningKey::<Sha256>::new(self.key.clone())
            .try_sign_with_rng(&mut rsa::rand_core::OsRng, signing_input.as_bytes())
            .map_err(|e| Error::auth(format!("cannot sign the client assertion ({e})")))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }
}

/// A [`ClientCertificate`] as azure_identity's `ClientAssertion`: a fresh JWT per token request.
#[derive(Debug, Clone)]
pub struct CertificateAssertion {
    certificate: Arc<ClientCertificate>,
    client_id: String,
    audience: String,
}

impl CertificateAssertion {
    pub fn new(certificate: ClientCertificate, tenant_id: &str, client_id: &str) -> Self {
        CertificateAssertion {
            certificate: Arc::new(certificate),
            client_id: client_id.to_string(),
            audience: format!("https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"),
        }
    }
}

#[async_trait::async_trait]
impl azure_identity::ClientAssertion for CertificateAssertion {
    async fn secret(
        &self,
        _options: Option<azure_core::http::ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        self.certificate
            .assertion(&self.client_id, &self.audience, SystemTime::now())
            .map_err(|e| {
                azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    e.to_string(),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    use rsa::signature::Verifier;
    use serde_json::Value;

    use super::*;

    fn decode(part: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn assertion_is_a_verifiable_rs256_jwt_with_thumbprints() {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let key_pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        // Only the certificate's bytes matter here (they are hashed), so any DER will do.
        let cert_der = b"not really a certificate, but hashed all the same".to_vec();
        let cert_pem = pem::encode(&pem::Pem::new("CERTIFICATE", cert_der.clone()));
        let cert = ClientCertificate::from_pem(&format!("{cert_pem}{}", key_pem.as_str())).unwrap();

        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let aud = "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token";
        let jwt = cert.assertion("client-1", aud, now).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);

        let header = decode(parts[0]);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(
            header["x5t#S256"],
            URL_SAFE_NO_PAD.encode(Sha256::digest(&cert_der))
        );
        use sha1::Digest as _;
        assert_eq!(
            header["x5t"],
            URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&cert_der))
        );

        let claims = decode(parts[1]);
        assert_eq!(claims["aud"], aud);
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        assert_eq!(claims["nbf"], 1_700_000_000u64);
        assert_eq!(claims["exp"], 1_700_000_600u64);
        assert_eq!(claims["jti"].as_str().unwrap().len(), 36);

        let signature =
            Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice()).unwrap();
        let verifier = VerifyingKey::<Sha256>::new(key.to_public_key());
        verifier
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("the signature verifies with the certificate's public key");
        assert!(!format!("{cert:?}").contains("PRIVATE"));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let e = ClientCertificate::from_pem("no pem here").unwrap_err();
        assert!(e.to_string().contains("no CERTIFICATE block"), "{e}");
        let cert = pem::encode(&pem::Pem::new("CERTIFICATE", vec![1, 2, 3]));
        let encrypted = pem::encode(&pem::Pem::new("ENCRYPTED PRIVATE KEY", vec![1, 2, 3]));
        let e = ClientCertificate::from_pem(&format!("{cert}{encrypted}")).unwrap_err();
        assert!(
            e.to_string()
                .contains("ENCRYPTED PRIVATE KEY is not supported"),
            "{e}"
        );
    }
}
