//! Server identity and login: `GET /security/serverinfo` (security.yaml) and `POST /login`
//! (gateway.yaml), both plain JSON objects rather than JSON:API documents.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::lenient;

/// `GET /security/serverinfo`: identity of the primary server; needs no authentication.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ServerInfo {
    /// `serverName`: the primary server's name.
    pub server_name: Option<String>,
    /// `nbuVersion`: NetBackup version of the primary server, e.g. `11.2`.
    pub nbu_version: Option<String>,
    /// `masterHostId`: the primary server's host id.
    pub master_host_id: Option<String>,
    /// `domainType` of the primary server.
    pub domain_type: Option<String>,
    /// `nbuKeySize`: key size for new certificate key pairs.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub nbu_key_size: Option<u64>,
    /// `externalCaUsage`: which certificate authorities are in use (a code).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub external_ca_usage: Option<i64>,
    /// `cacpivEnabled`: smart-card login mode (a code; 0 disabled).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub cacpiv_enabled: Option<i64>,
    /// `cacpivConnectorPort`.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub cacpiv_connector_port: Option<u64>,
    /// `ssoEnabled`: single sign-on is on.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub sso_enabled: Option<bool>,
    /// `freezeModeEnabled`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub freeze_mode_enabled: Option<bool>,
}

/// `POST /login` body. `Debug` never shows the password; `Serialize` writes it, because it is
/// the request body.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginRequest {
    /// `userName`.
    pub user_name: String,
    /// `password`: the account password, or an API key.
    #[serde(serialize_with = "expose", deserialize_with = "secret")]
    pub password: SecretString,
    /// `domainName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    /// `domainType`: `NT`, `vx`, `unixpwd` or `ldap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_type: Option<String>,
}

impl LoginRequest {
    /// A login for `user_name` with no domain.
    pub fn new(user_name: impl Into<String>, password: SecretString) -> Self {
        Self {
            user_name: user_name.into(),
            password,
            domain_name: None,
            domain_type: None,
        }
    }

    /// Sets `domainName` and `domainType`.
    pub fn with_domain(mut self, name: impl Into<String>, kind: impl Into<String>) -> Self {
        self.domain_name = Some(name.into());
        self.domain_type = Some(kind.into());
        self
    }
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("user_name", &self.user_name)
            .field("password", &"[REDACTED]")
            .field("domain_name", &self.domain_name)
            .field("domain_type", &self.domain_type)
            .finish()
    }
}

/// `POST /login` answer (201). `Debug` never shows the token; `Serialize` writes it so a
/// simulator can answer with it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginResponse {
    /// `token`: goes in `Authorization` as is.
    #[serde(serialize_with = "expose", deserialize_with = "secret")]
    pub token: SecretString,
    /// `tokenType`.
    #[serde(default, deserialize_with = "lenient::scalar_text")]
    pub token_type: Option<String>,
    /// `validity`: how long the token lasts, in seconds.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub validity: Option<u64>,
}

impl LoginResponse {
    /// A response carrying `token`, valid for `validity_seconds`.
    pub fn new(token: SecretString, validity_seconds: Option<u64>) -> Self {
        Self {
            token,
            token_type: None,
            validity: validity_seconds,
        }
    }

    /// `validity` as a duration.
    pub fn validity_duration(&self) -> Option<Duration> {
        self.validity.map(Duration::from_secs)
    }
}

impl fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginResponse")
            .field("token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("validity", &self.validity)
            .finish()
    }
}

fn expose<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}
