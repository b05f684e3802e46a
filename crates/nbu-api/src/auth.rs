//! Credentials and the login token cache.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// How requests authenticate.
#[derive(Clone, Default)]
pub(crate) enum Credentials {
    /// No `Authorization` header (only unauthenticated endpoints will work).
    #[default]
    None,
    /// An API key, sent as is in `Authorization`.
    ApiKey(SecretString),
    /// User name and password exchanged at `POST /login` for a token.
    Login(LoginCredentials),
}

#[derive(Clone)]
pub(crate) struct LoginCredentials {
    pub(crate) user_name: String,
    pub(crate) password: SecretString,
    pub(crate) domain_name: Option<String>,
    pub(crate) domain_type: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::ApiKey(_) => f.write_str("ApiKey(***)"),
            Self::Login(login) => f
                .debug_struct("Login")
                .field("user_name", &login.user_name)
                .field("password", &"***")
                .field("domain_name", &login.domain_name)
                .field("domain_type", &login.domain_type)
                .finish(),
        }
    }
}

/// The body of `POST /login`. Serialised only into the request body, never logged.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginBody<'a> {
    user_name: &'a str,
    password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain_type: Option<&'a str>,
}

impl<'a> LoginBody<'a> {
    pub(crate) fn new(login: &'a LoginCredentials) -> Self {
        Self {
            user_name: &login.user_name,
            password: login.password.expose_secret(),
            domain_name: login.domain_name.as_deref(),
            domain_type: login.domain_type.as_deref(),
        }
    }
}

/// The answer of `POST /login` (201): `{token, tokenType, validity}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginAnswer {
    pub(crate) token: String,
    /// Seconds the token stays valid; absent means "unknown", treated as short-lived.
    #[serde(default)]
    pub(crate) validity: Option<u64>,
}

impl fmt::Debug for LoginAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAnswer")
            .field("token", &"***")
            .field("validity", &self.validity)
            .finish()
    }
}

/// A login token and when to stop using it.
pub(crate) struct Token {
    pub(crate) value: SecretString,
    /// Renew at or after this instant, ahead of the real expiry.
    pub(crate) renew_at: Instant,
    /// Incremented at every login, so that a 401 invalidates only the token it was sent with.
    pub(crate) generation: u64,
}

/// Assumed validity when the login answer does not say.
const UNKNOWN_VALIDITY: Duration = Duration::from_secs(300);

/// The longest validity believed: NetBackup issues tokens for hours, and a larger number (or a
/// garbled one) must neither overflow the clock arithmetic nor keep a token for ever.
const MAX_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

impl Token {
    pub(crate) fn new(answer: LoginAnswer, now: Instant, generation: u64) -> Self {
        let validity = answer
            .validity
            .map(Duration::from_secs)
            .unwrap_or(UNKNOWN_VALIDITY)
            .min(MAX_VALIDITY);
        // Renew a minute early, or a fifth of the validity for short-lived tokens, so a request
        // never leaves with a token that expires on the way.
        let margin = (validity / 5).min(Duration::from_secs(60));
        // A clock too close to its end to add a week is not a real one; renewing at once is the
        // safe answer there.
        let renew_at = now
            .checked_add(validity.saturating_sub(margin))
            .unwrap_or(now);
        Self {
            value: SecretString::from(answer.token),
            renew_at,
            generation,
        }
    }

    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        now < self.renew_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let key = Credentials::ApiKey(SecretString::from("K-SECRET-1"));
        let login = Credentials::Login(LoginCredentials {
            user_name: "admin".into(),
            password: SecretString::from("P-SECRET-2"),
            domain_name: None,
            domain_type: Some("vx".into()),
        });
        let answer = LoginAnswer {
            token: "T-SECRET-3".into(),
            validity: Some(10),
        };
        let shown = format!("{key:?} {login:?} {answer:?}");
        for secret in ["K-SECRET-1", "P-SECRET-2", "T-SECRET-3"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("admin"));
    }

    #[test]
    fn token_renews_ahead_of_expiry() {
        let now = Instant::now();
        let long = Token::new(
            LoginAnswer {
                token: "t".into(),
                validity: Some(86_400),
            },
            now,
            1,
        );
        assert_eq!(long.renew_at, now + Duration::from_secs(86_400 - 60));
        let short = Token::new(
            LoginAnswer {
                token: "t".into(),
                validity: Some(100),
            },
            now,
            1,
        );
        assert_eq!(short.renew_at, now + Duration::from_secs(80));
        assert!(short.is_fresh(now + Duration::from_secs(79)));
        assert!(!short.is_fresh(now + Duration::from_secs(80)));
    }

    #[test]
    fn huge_validity_is_capped_instead_of_overflowing() {
        let now = Instant::now();
        let token = Token::new(
            LoginAnswer {
                token: "t".into(),
                validity: Some(u64::MAX),
            },
            now,
            1,
        );
        assert_eq!(token.renew_at, now + MAX_VALIDITY - Duration::from_secs(60));
        let parsed: LoginAnswer =
            serde_json::from_str(r#"{"token": "t", "validity": 18446744073709551615}"#)
                .unwrap_or_else(|e| panic!("u64::MAX validity must decode: {e}"));
        assert_eq!(parsed.validity, Some(u64::MAX));
    }

    #[test]
    fn login_body_uses_spec_names_and_skips_absent_domain() {
        let creds = LoginCredentials {
            user_name: "u".into(),
            password: SecretString::from("p"),
            domain_name: Some("d".into()),
            domain_type: None,
        };
        let json = serde_json::to_value(LoginBody::new(&creds)).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"userName": "u", "password": "p", "domainName": "d"})
        );
    }
}
