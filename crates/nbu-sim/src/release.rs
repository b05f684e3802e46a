//! NetBackup releases the simulator can play, and the API media-type versions each one accepts.

use std::fmt;
use std::str::FromStr;

/// A NetBackup API media-type version (`application/vnd.netbackup+json;version=MAJOR.MINOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// Major part.
    pub major: u16,
    /// Minor part.
    pub minor: u16,
}

impl ApiVersion {
    /// API 10.0 (NetBackup 10.0–10.4).
    pub const V10_0: Self = Self::new(10, 0);
    /// API 12.0 (NetBackup 10.5).
    pub const V12_0: Self = Self::new(12, 0);
    /// API 13.0 (NetBackup 11.0).
    pub const V13_0: Self = Self::new(13, 0);
    /// API 14.0 (NetBackup 11.2).
    pub const V14_0: Self = Self::new(14, 0);
    /// Every version the simulator knows, oldest first.
    pub const KNOWN: [Self; 4] = [Self::V10_0, Self::V12_0, Self::V13_0, Self::V14_0];

    /// A version from its parts.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// Parses `"14.0"` (a bare major `"14"` is read as `14.0`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().trim_matches('"');
        let (major, minor) = match text.split_once('.') {
            Some((major, minor)) => (major, minor),
            None => (text, "0"),
        };
        Some(Self::new(major.parse().ok()?, minor.parse().ok()?))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The NetBackup release the simulator plays. It decides the current API version, which older versions
/// stay accepted, which endpoints exist and the shape of some responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Release {
    /// NetBackup 10.3 (API 10.0).
    V10_3,
    /// NetBackup 10.5 (API 12.0).
    V10_5,
    /// NetBackup 11.0 (API 13.0).
    V11_0,
    /// NetBackup 11.2 (API 14.0), the default.
    #[default]
    V11_2,
}

impl Release {
    /// Every release, oldest first.
    pub const ALL: [Self; 4] = [Self::V10_3, Self::V10_5, Self::V11_0, Self::V11_2];

    /// The API version this release produces by default and announces in `X-NetBackup-API-Version`.
    pub fn api_version(self) -> ApiVersion {
        match self {
            Self::V10_3 => ApiVersion::V10_0,
            Self::V10_5 => ApiVersion::V12_0,
            Self::V11_0 => ApiVersion::V13_0,
            Self::V11_2 => ApiVersion::V14_0,
        }
    }

    /// Whether a request asking for `version` is served. NetBackup bumps the API version only on
    /// breaking changes and keeps older versions working, so a release accepts its own version and every
    /// older one the simulator knows (10.0, 12.0, 13.0, 14.0); anything else is answered with 406.
    pub fn accepts(self, version: ApiVersion) -> bool {
        ApiVersion::KNOWN.contains(&version) && version <= self.api_version()
    }

    /// The release number as NetBackup reports it (`nbuVersion`), e.g. `"11.2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V10_3 => "10.3",
            Self::V10_5 => "10.5",
            Self::V11_0 => "11.0",
            Self::V11_2 => "11.2",
        }
    }

    /// Tape media, tape volume pools and robot device hosts arrived with 10.5 (API 12.0).
    pub fn has_tape_inventory(self) -> bool {
        self >= Self::V10_5
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an unknown release name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown NetBackup release {0:?}: use one of 10.3, 10.5, 11.0, 11.2")]
pub struct UnknownRelease(pub String);

impl FromStr for Release {
    type Err = UnknownRelease;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|release| release.as_str() == s.trim())
            .ok_or_else(|| UnknownRelease(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_releases_keep_accepting_older_versions() {
        assert!(Release::V11_2.accepts(ApiVersion::V14_0));
        assert!(Release::V11_2.accepts(ApiVersion::V10_0));
        assert!(!Release::V10_3.accepts(ApiVersion::V12_0));
        assert!(Release::V10_3.accepts(ApiVersion::V10_0));
        assert!(!Release::V11_2.accepts(ApiVersion::new(11, 0)));
        assert!(!Release::V11_2.accepts(ApiVersion::new(3, 0)));
        assert!(!Release::V11_0.accepts(ApiVersion::V14_0));
    }

    #[test]
    fn parses_names_and_versions() {
        assert_eq!("10.5".parse::<Release>(), Ok(Release::V10_5));
        assert!("9.1".parse::<Release>().is_err());
        assert_eq!(ApiVersion::parse("13.0"), Some(ApiVersion::V13_0));
        assert_eq!(ApiVersion::parse("\"12\""), Some(ApiVersion::V12_0));
        assert_eq!(ApiVersion::parse("x"), None);
    }
}
