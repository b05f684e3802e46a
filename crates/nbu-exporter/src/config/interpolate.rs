//! `${VAR}` references inside configuration values.
//!
//! Only the braced form is special, so API keys and passwords that contain a bare `$` stay intact.
//! `${VAR:-fallback}` uses `fallback` when `VAR` is unset or empty; `$${` writes a literal `${`.

use std::borrow::Cow;
use std::fmt;

/// Why a value could not be expanded. Never carries the value itself: it may be a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum InterpolationError {
    Unset(String),
    Unterminated,
    InvalidName(String),
}

impl fmt::Display for InterpolationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unset(name) => write!(
                f,
                "refers to the environment variable `{name}`, which is not set; set it in the \
                 environment or in the `.env` file beside the configuration file, or write \
                 `${{{name}:-default}}` to give a fallback"
            ),
            Self::Unterminated => write!(
                f,
                "has a `${{` without its closing `}}`; write `${{NAME}}`, or `$${{` for a literal `${{`"
            ),
            Self::InvalidName(name) => write!(
                f,
                "refers to `${{{name}}}`, which is not a valid variable name (letters, digits and `_`, \
                 not starting with a digit)"
            ),
        }
    }
}

/// Expands every `${NAME}` in `raw` with `lookup`. Values coming out of `lookup` are not expanded again.
pub(super) fn expand<'a>(
    raw: &'a str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Cow<'a, str>, InterpolationError> {
    if !raw.contains("${") {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            out.push_str("${");
            rest = escaped;
        } else if let Some(body_and_rest) = after.strip_prefix('{') {
            let close = body_and_rest
                .find('}')
                .ok_or(InterpolationError::Unterminated)?;
            let body = &body_and_rest[..close];
            let (name, fallback) = match body.split_once(":-") {
                Some((name, fallback)) => (name, Some(fallback)),
                None => (body, None),
            };
            if !is_variable_name(name) {
                return Err(InterpolationError::InvalidName(name.to_owned()));
            }
            match (lookup(name), fallback) {
                (Some(value), Some(fallback)) if value.is_empty() => out.push_str(fallback),
                (Some(value), _) => out.push_str(&value),
                (None, Some(fallback)) => out.push_str(fallback),
                (None, None) => return Err(InterpolationError::Unset(name.to_owned())),
            }
            rest = &body_and_rest[close + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("nbu.example.com".into()),
            "EMPTY" => Some(String::new()),
            "NESTED" => Some("${HOST}".into()),
            _ => None,
        }
    }

    fn run(raw: &str) -> Result<String, InterpolationError> {
        expand(raw, lookup).map(Cow::into_owned)
    }

    #[test]
    fn expands_references() {
        assert_eq!(run("${HOST}").unwrap(), "nbu.example.com");
        assert_eq!(
            run("https://${HOST}:1556").unwrap(),
            "https://nbu.example.com:1556"
        );
        assert_eq!(run("${MISSING:-fallback}").unwrap(), "fallback");
        assert_eq!(run("${EMPTY:-fallback}").unwrap(), "fallback");
        assert_eq!(run("${EMPTY}").unwrap(), "");
        assert_eq!(run("${NESTED}").unwrap(), "${HOST}");
    }

    #[test]
    fn leaves_other_dollars_alone() {
        assert_eq!(run("pa$$word$").unwrap(), "pa$$word$");
        assert_eq!(run("$HOST").unwrap(), "$HOST");
        assert_eq!(run("$${HOST}").unwrap(), "${HOST}");
        assert!(matches!(
            expand("plain", lookup),
            Ok(Cow::Borrowed("plain"))
        ));
    }

    #[test]
    fn reports_problems() {
        assert_eq!(
            run("${MISSING}"),
            Err(InterpolationError::Unset("MISSING".into()))
        );
        assert_eq!(run("${HOST"), Err(InterpolationError::Unterminated));
        assert_eq!(
            run("${1X}"),
            Err(InterpolationError::InvalidName("1X".into()))
        );
        assert_eq!(
            run("${}"),
            Err(InterpolationError::InvalidName(String::new()))
        );
        let message = InterpolationError::Unset("NBU1_APIKEY".into()).to_string();
        assert!(message.contains("`NBU1_APIKEY`"), "{message}");
    }
}
