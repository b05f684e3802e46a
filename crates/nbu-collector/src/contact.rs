//! What one outcome says about the site as a whole: the rule behind `nbu_up`.
//!
//! `nbu_up` is "the site's API answered our most recent authenticated contact". A failure moves
//! it only when it is about the site (it cannot be reached, refuses our credentials, or something
//! in front of it answers instead of NetBackup); a failure that is one endpoint's business (an
//! older release without it, a bad request, a malformed answer, a slow run) is left to
//! `nbu_collector_success`.

use nbu_api::{Error, ErrorKind};

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
    /// body whose content type is not JSON (an HTML page from a proxy). Everything else is the
    /// endpoint's business ([`Contact::Unchanged`]): 400, 403, 404, 406, 429, 500, a JSON body
    /// that does not decode, an answer over the body limit.
    pub fn of(error: &Error) -> Self {
        match error {
            Error::RetriesExhausted { last, .. } => Self::of(last),
            Error::Http { .. } | Error::Tls { .. } | Error::NotJson { .. } => Self::Failed,
            _ if error.kind() == ErrorKind::Unauthorized => Self::Failed,
            _ if matches!(error.status(), Some(502..=504)) => Self::Failed,
            _ => Self::Unchanged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Contact;

    fn status(status: u16) -> nbu_api::Error {
        nbu_api::Error::Status {
            method: "GET",
            url: "https://nbu.example:1556/netbackup/admin/jobs".to_owned(),
            endpoint: "/admin/jobs".to_owned(),
            version: None,
            status,
            body: None,
            text: None,
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_site_level() {
        let html = nbu_api::Error::NotJson {
            method: "GET",
            url: "https://nbu.example:1556/netbackup/admin/jobs".to_owned(),
            endpoint: "/admin/jobs".to_owned(),
            version: None,
            status: 200,
            content_type: "text/html".to_owned(),
            bytes: 42,
            start: "<html>".to_owned(),
        };
        assert_eq!(Contact::of(&html), Contact::Failed);
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
