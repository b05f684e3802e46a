//! NetBackup API versions: the `version=` parameter of the vendor media type.

use std::fmt;
use std::str::FromStr;

/// An API version this client can speak, sent as
/// `Accept: application/vnd.netbackup+json;version=<major>.0`.
///
/// The API version moves only on breaking changes, and servers keep serving older versions,
/// so a client picks the newest version that both sides know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `10.0`: NetBackup 10.0 to 10.4.
    V10_0,
    /// `12.0`: NetBackup 10.5.
    V12_0,
    /// `13.0`: NetBackup 11.0.
    V13_0,
    /// `14.0`: NetBackup 11.2.
    V14_0,
}

impl ApiVersion {
    /// Every supported version, newest first: the order negotiation probes in.
    pub const ALL: [ApiVersion; 4] = [Self::V14_0, Self::V13_0, Self::V12_0, Self::V10_0];

    /// The newest version this client knows.
    pub const LATEST: ApiVersion = Self::V14_0;

    /// The oldest version this client knows; servers keep accepting it, so calls that must
    /// work before negotiation (login, server info) fall back to it.
    pub const OLDEST: ApiVersion = Self::V10_0;

    /// The version number as NetBackup writes it, e.g. `"14.0"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V10_0 => "10.0",
            Self::V12_0 => "12.0",
            Self::V13_0 => "13.0",
            Self::V14_0 => "14.0",
        }
    }

    /// The JSON media type for `Accept` and `Content-Type`,
    /// e.g. `application/vnd.netbackup+json;version=14.0`.
    pub const fn media_type(self) -> &'static str {
        match self {
            Self::V10_0 => "application/vnd.netbackup+json;version=10.0",
            Self::V12_0 => "application/vnd.netbackup+json;version=12.0",
            Self::V13_0 => "application/vnd.netbackup+json;version=13.0",
            Self::V14_0 => "application/vnd.netbackup+json;version=14.0",
        }
    }

    /// The plain-text media type `GET /ping` produces, e.g. `text/vnd.netbackup+plain;version=14.0`.
    pub const fn plain_media_type(self) -> &'static str {
        match self {
            Self::V10_0 => "text/vnd.netbackup+plain;version=10.0",
            Self::V12_0 => "text/vnd.netbackup+plain;version=12.0",
            Self::V13_0 => "text/vnd.netbackup+plain;version=13.0",
            Self::V14_0 => "text/vnd.netbackup+plain;version=14.0",
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given to [`ApiVersion::from_str`] names no supported version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported NetBackup API version {given:?}: expected one of 14.0, 13.0, 12.0, 10.0")]
pub struct ParseApiVersionError {
    given: String,
}

impl FromStr for ApiVersion {
    type Err = ParseApiVersionError;

    /// Accepts `"14.0"` and `"14"` (and likewise for every supported version), ignoring
    /// surrounding whitespace.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let major = trimmed.strip_suffix(".0").unwrap_or(trimmed);
        match major {
            "10" => Ok(Self::V10_0),
            "12" => Ok(Self::V12_0),
            "13" => Ok(Self::V13_0),
            "14" => Ok(Self::V14_0),
            _ => Err(ParseApiVersionError {
                given: text.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_minor() {
        for version in ApiVersion::ALL {
            assert_eq!(version.as_str().parse::<ApiVersion>(), Ok(version));
            let major = version.as_str().trim_end_matches(".0");
            assert_eq!(major.parse::<ApiVersion>(), Ok(version));
        }
        assert_eq!(" 13.0 ".parse::<ApiVersion>(), Ok(ApiVersion::V13_0));
    }

    #[test]
    fn rejects_unknown_versions_naming_the_input() {
        for bad in ["11.0", "14.1", "", "latest", "1.0"] {
            let err = bad.parse::<ApiVersion>().err();
            let message = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains(&format!("{bad:?}")), "{message}");
        }
    }

    #[test]
    fn all_is_newest_first_and_media_types_match() {
        let mut sorted = ApiVersion::ALL;
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(sorted, ApiVersion::ALL);
        for version in ApiVersion::ALL {
            assert_eq!(
                version.media_type(),
                format!("application/vnd.netbackup+json;version={version}")
            );
            assert_eq!(
                version.plain_media_type(),
                format!("text/vnd.netbackup+plain;version={version}")
            );
        }
    }
}
