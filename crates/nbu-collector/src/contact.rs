//! What one outcome says about the site as a whole: the rule behind `nbu_up`.
//!
//! `nbu_up` is "the site's API answered our most recent authenticated contact". A failure moves
//! it only when it is about the site (it cannot be reached, refuses our credentials, or something
//! in front of it answers instead of NetBackup); a failure that is one endpoint's business (an
//! older release without it, a bad request, a malformed answer, a slow run) is left to
//! `nbu_collector_success`.

use serde_json::error::Category;

/// How one outcome bears on `nbu_up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Contact {
    /// NetBackup answered an authenticated request: `nbu_up` is 1.
    Answered,
    /// The site could not be reached or refused us: `nbu_up` is 0.
    Failed,
    /// Nothing about the site as a whole: `nbu_up` stays as it was.
    Unchanged,
}

impl Contact {
    /// Classifies a failed call by what it says about the site.
    ///
    /// Site-level ([`Contact::Failed`]): no HTTP answer (connection refused or reset, DNS, TLS,
    /// request timeout, a body cut short), HTTP 401 or a failed login, 502/503/504 (what proxies and
    /// load balancers answer while NetBackup is away; the client has retried them already), and a
    /// body that is not JSON at all (an HTML page from a proxy). Everything else is the endpoint's
    /// business ([`Contact::Unchanged`]): 400, 403, 404, 406, 429, 500, a JSON body that does not
    /// decode, a missing count.
    pub fn of(error: &nbu_api::Error) -> Self {
        use nbu_api::Error;
        if error.is_unauthorized() {
            return Self::Failed;
        }
        match error {
            Error::RetriesExhausted { last, .. } => Self::of(last),
            Error::Http { .. } | Error::Tls { .. } => Self::Failed,
            Error::Status {
                status: 502..=504, ..
            } => Self::Failed,
            Error::Decode { source, .. } if not_json(source) => Self::Failed,
            _ => Self::Unchanged,
        }
    }
}

/// Whether the body that failed to decode was not JSON at all rather than JSON of a wrong shape
/// or cut short: the error sits on the first character of a line (HTML and plain text start with
/// a character no JSON value starts with), or the body was empty. The client keeps no body or
/// content type in its error, so this is judged from the position serde_json reports.
fn not_json(source: &serde_json::Error) -> bool {
    match source.classify() {
        Category::Syntax => {
            source.column() == 1 && source.to_string().starts_with("expected value")
        }
        Category::Eof => source.line() == 1 && source.column() == 0,
        Category::Data | Category::Io => false,
    }
}

#[cfg(test)]
mod tests {
    use super::Contact;

    fn decode(body: &str) -> nbu_api::Error {
        let source = serde_json::from_str::<serde_json::Value>(body).unwrap_err();
        nbu_api::Error::Decode {
            endpoint: "/admin/jobs".to_owned(),
            version: None,
            source,
        }
    }

    fn status(status: u16) -> nbu_api::Error {
        nbu_api::Error::Status {
            endpoint: "/admin/jobs".to_owned(),
            version: None,
            status,
            body: None,
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_site_level_and_a_bad_json_body_is_not() {
        assert_eq!(
            Contact::of(&decode("<html><body>Bad gateway</body></html>")),
            Contact::Failed
        );
        assert_eq!(Contact::of(&decode("\r\n<!DOCTYPE html>")), Contact::Failed);
        assert_eq!(Contact::of(&decode("")), Contact::Failed, "an empty body");
        assert_eq!(
            Contact::of(&decode("{\"data\": [")),
            Contact::Unchanged,
            "truncated"
        );
        assert_eq!(
            Contact::of(&decode("{\"data\": [}")),
            Contact::Unchanged,
            "malformed"
        );
        let wrong_shape = serde_json::from_str::<Vec<u8>>("{}").unwrap_err();
        let wrong_shape = nbu_api::Error::Decode {
            endpoint: "/admin/jobs".to_owned(),
            version: None,
            source: wrong_shape,
        };
        assert_eq!(Contact::of(&wrong_shape), Contact::Unchanged);
    }

    #[test]
    fn statuses_are_site_level_only_for_401_and_the_gateway_family() {
        for site_level in [401, 502, 503, 504] {
            assert_eq!(
                Contact::of(&status(site_level)),
                Contact::Failed,
                "{site_level}"
            );
        }
        for endpoint_level in [400, 403, 404, 406, 429, 500] {
            assert_eq!(
                Contact::of(&status(endpoint_level)),
                Contact::Unchanged,
                "{endpoint_level}"
            );
        }
    }

    #[test]
    fn retries_are_looked_through() {
        let exhausted = |last| nbu_api::Error::RetriesExhausted {
            endpoint: "/admin/jobs".to_owned(),
            attempts: 4,
            last: Box::new(last),
        };
        assert_eq!(Contact::of(&exhausted(status(503))), Contact::Failed);
        assert_eq!(Contact::of(&exhausted(status(429))), Contact::Unchanged);
        assert_eq!(Contact::of(&exhausted(status(500))), Contact::Unchanged);
    }

    #[test]
    fn a_refused_login_is_site_level() {
        let login = nbu_api::Error::Login {
            status: Some(401),
            reason: "bad credentials".to_owned(),
            body: None,
        };
        assert_eq!(Contact::of(&login), Contact::Failed);
        let unsupported = nbu_api::Error::VersionNotSupported {
            endpoint: "/admin/jobs".to_owned(),
            tried: Vec::new(),
        };
        assert_eq!(Contact::of(&unsupported), Contact::Unchanged);
    }
}
