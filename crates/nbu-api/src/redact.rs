//! Scrubbing of text that came from the server before an [`Error`](crate::Error) keeps it.
//!
//! A server (or a proxy in front of it) may echo the request in its error answers: a 401 body
//! that repeats the `Authorization` header would otherwise carry the API key into every log
//! line, health page and error chain that shows the error. So every text read from an answer
//! (error bodies, `errorMessage`, `errorDetails`, relayed header values, decoder messages) passes
//! through [`Redactor::scrub`] and is cut to a bounded length before it is stored.

use std::sync::{Mutex, PoisonError};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// What a removed secret is replaced with.
const MASK: &str = "***";

/// Secrets shorter than this are not searched for: masking every `ab` in a message would make
/// it unreadable, and a two-character secret protects nothing anyway.
const MIN_SECRET_CHARS: usize = 4;

/// The most characters of a relayed server text kept in an error. Enough for any real
/// `errorMessage`; a page of HTML or a stack trace is cut.
pub(crate) const MAX_RELAYED_CHARS: usize = 512;

/// Login tokens remembered for scrubbing: the current one and the one it replaced, which a
/// 401 answer may still echo.
const TOKENS_KEPT: usize = 2;

/// The client's own secrets, in every form a server is likely to echo them in.
#[derive(Default)]
pub(crate) struct Redactor {
    /// The API key and the login password, fixed for the life of the client.
    fixed: Vec<SecretString>,
    /// The newest login tokens, newest last.
    tokens: Mutex<Vec<SecretString>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor(***)")
    }
}

impl Redactor {
    /// A redactor for these fixed secrets (API key, password).
    pub(crate) fn new(fixed: impl IntoIterator<Item = SecretString>) -> Self {
        Self {
            fixed: fixed.into_iter().collect(),
            tokens: Mutex::new(Vec::new()),
        }
    }

    /// Adds a login token, forgetting the oldest beyond [`TOKENS_KEPT`].
    pub(crate) fn add_token(&self, token: &SecretString) {
        // A plain list replaced in whole steps: a panic elsewhere cannot leave it half-written.
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.push(token.clone());
        if tokens.len() > TOKENS_KEPT {
            tokens.remove(0);
        }
    }

    /// `text` with every known secret (raw, URL-encoded, JSON-escaped, any ASCII case) and every
    /// `Bearer …` or `Authorization: …` value replaced by `***`.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        for secret in self.fixed.iter().chain(tokens.iter()) {
            let secret = secret.expose_secret();
            if secret.chars().count() < MIN_SECRET_CHARS {
                continue;
            }
            for form in forms(secret) {
                out = replace_ignore_ascii_case(&out, &form, MASK);
            }
        }
        // Known secrets first: the field masking stops at a quote or a comma, which a key may
        // hold, and would leave the rest of such a key where the search could no longer find it.
        mask_credential_fields(&out)
    }

    /// [`scrub`](Self::scrub) then [`cap`] at [`MAX_RELAYED_CHARS`].
    pub(crate) fn relay(&self, text: &str) -> String {
        cap(&self.scrub(text), MAX_RELAYED_CHARS)
    }

    /// Scrubs every string (keys included) of a JSON value, then, when its JSON text is longer
    /// than [`MAX_RELAYED_CHARS`], replaces it with that text cut short.
    pub(crate) fn relay_json(&self, value: Value) -> Value {
        let scrubbed = self.scrub_json(value);
        let text = scrubbed.to_string();
        if text.chars().count() > MAX_RELAYED_CHARS {
            Value::String(cap(&text, MAX_RELAYED_CHARS))
        } else {
            scrubbed
        }
    }

    fn scrub_json(&self, value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.scrub(&text)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.scrub_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.scrub(&k), self.scrub_json(v)))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// The forms of `secret` worth searching for: as is, percent-encoded (`%20` and `+` for a
/// space), and JSON-escaped (also with `\/`).
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    let form_encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    forms.push(form_encoded.replace('+', "%20"));
    forms.push(form_encoded);
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned();
    forms.push(json.replace('/', "\\/"));
    forms.push(json);
    forms.sort();
    forms.dedup();
    // Longest first, so a form that contains another is masked whole.
    forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    forms.retain(|form| !form.is_empty());
    forms
}

/// Replaces every ASCII-case-insensitive occurrence of `needle` in `haystack`.
fn replace_ignore_ascii_case(haystack: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_owned();
    }
    let lower_hay = haystack.to_ascii_lowercase();
    let lower_needle = needle.to_ascii_lowercase();
    // ASCII lowercasing keeps every byte offset, so positions found in the lowered copy are
    // char boundaries of the original too.
    let mut out = String::with_capacity(haystack.len());
    let mut last = 0;
    for (start, _) in lower_hay.match_indices(&lower_needle) {
        if start < last {
            continue;
        }
        out.push_str(haystack.get(last..start).unwrap_or_default());
        out.push_str(with);
        last = start + needle.len();
    }
    out.push_str(haystack.get(last..).unwrap_or_default());
    out
}

/// Masks the value after `Bearer ` and after an `Authorization` name (`Authorization: x`,
/// `"authorization": "x"`, `authorization=x`), whatever the value is: a server may echo a
/// token this client no longer knows, or the key in a form not foreseen here.
fn mask_credential_fields(text: &str) -> String {
    let mut out = text.to_owned();
    for marker in ["bearer ", "authorization"] {
        out = mask_after(&out, marker);
    }
    out
}

fn mask_after(text: &str, marker: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower.get(search..).and_then(|rest| rest.find(marker)) {
        let mut at = search + found + marker.len();
        search = at;
        if marker == "authorization" {
            // Skip a closing quote, spaces and the `:` or `=` between name and value; anything
            // else means the word was prose, not a field.
            while bytes
                .get(at)
                .is_some_and(|b| matches!(b, b'"' | b'\'' | b' '))
            {
                at += 1;
            }
            if !bytes.get(at).is_some_and(|b| matches!(b, b':' | b'=')) {
                continue;
            }
            at += 1;
        }
        while bytes
            .get(at)
            .is_some_and(|b| matches!(b, b' ' | b'"' | b'\''))
        {
            at += 1;
        }
        let end = value_end(bytes, at);
        if end == at {
            continue;
        }
        // A `Bearer` scheme inside an Authorization value is masked here along with the rest.
        out.push_str(text.get(copied..at).unwrap_or_default());
        out.push_str(MASK);
        copied = end;
        search = end;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// Where a credential value starting at `start` ends: at a quote, a comma, a closing brace,
/// or any whitespace other than a space (an `Authorization` value may be `Bearer <token>`).
fn value_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while let Some(&b) = bytes.get(end) {
        if matches!(b, b'"' | b'\'' | b',' | b'}' | b';' | b'&' | b'<')
            || (b.is_ascii_whitespace() && b != b' ')
        {
            break;
        }
        end += 1;
    }
    // A trailing space belongs to whatever follows.
    while end > start && bytes.get(end - 1) == Some(&b' ') {
        end -= 1;
    }
    end
}

/// `text` cut to `max` characters, with `… (N bytes more)` naming what was left out.
pub(crate) fn cap(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!(
            "{}… ({} bytes more)",
            text.get(..cut).unwrap_or_default(),
            group_thousands((text.len() - cut) as u64)
        ),
    }
}

/// `1234567` as `1,234,567`, for byte counts people read.
pub(crate) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "A1uMjmj93mrp/sW9q+WroT-Key";

    fn redactor() -> Redactor {
        let r = Redactor::new([SecretString::from(KEY), SecretString::from("pass word\"x")]);
        r.add_token(&SecretString::from("tok-1-aaaa"));
        r
    }

    #[test]
    fn every_form_of_a_known_secret_is_masked() {
        let r = redactor();
        let encoded: String = url::form_urlencoded::byte_serialize(KEY.as_bytes()).collect();
        for text in [
            format!("key {KEY} end"),
            format!("key {} end", KEY.to_ascii_lowercase()),
            format!("key {encoded} end"),
            format!("key {} end", KEY.replace('/', "\\/")),
            "pw pass word\\\"x end".to_owned(),
            "pw pass%20word%22x end".to_owned(),
            "pw pass+word%22x end".to_owned(),
            "token tok-1-aaaa end".to_owned(),
        ] {
            let scrubbed = r.scrub(&text);
            assert!(
                scrubbed.starts_with(text.get(..3).unwrap_or_default()),
                "{scrubbed}"
            );
            assert!(
                scrubbed.ends_with(" end") && scrubbed.contains(MASK),
                "{text} -> {scrubbed}"
            );
            for secret in ["Mjmj93", "mjmj93", "word", "tok-1"] {
                assert!(!scrubbed.contains(secret), "{text} -> {scrubbed}");
            }
        }
    }

    #[test]
    fn only_the_newest_tokens_are_kept() {
        let r = redactor();
        r.add_token(&SecretString::from("tok-2-bbbb"));
        r.add_token(&SecretString::from("tok-3-cccc"));
        let scrubbed = r.scrub("tok-1-aaaa tok-2-bbbb tok-3-cccc");
        assert_eq!(scrubbed, "tok-1-aaaa *** ***");
    }

    #[test]
    fn unknown_credentials_after_bearer_and_authorization_are_masked() {
        let r = Redactor::new([]);
        for (text, expected) in [
            (
                "Authorization: Bearer xyz123\nnext",
                "Authorization: ***\nnext",
            ),
            (
                r#"{"authorization":"abc def","x":1}"#,
                r#"{"authorization":"***","x":1}"#,
            ),
            (
                "header authorization=abc&b=2",
                "header authorization=***&b=2",
            ),
            ("sent bearer QWERTY, refused", "sent bearer ***, refused"),
            (
                "missing Authorization header",
                "missing Authorization header",
            ),
            ("Authorization required.", "Authorization required."),
        ] {
            assert_eq!(r.scrub(text), expected, "{text}");
        }
    }

    #[test]
    fn short_secrets_are_not_searched() {
        let r = Redactor::new([SecretString::from("ab")]);
        assert_eq!(r.scrub("about a lab"), "about a lab");
    }

    #[test]
    fn non_ascii_text_survives_scrubbing() {
        let r = redactor();
        let text = format!("Ünïcödé {KEY} ✓");
        assert_eq!(r.scrub(&text), "Ünïcödé *** ✓");
    }

    #[test]
    fn long_text_is_capped_with_the_rest_counted() {
        let text = "é".repeat(600);
        let capped = cap(&text, 512);
        assert!(capped.starts_with(&"é".repeat(512)), "{capped}");
        assert!(capped.ends_with("… (176 bytes more)"), "{capped}");
        assert_eq!(cap("short", 512), "short");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
    }

    #[test]
    fn json_is_scrubbed_throughout_and_capped() {
        let r = redactor();
        let value = serde_json::json!({"echo": [{KEY: KEY}], "n": 1});
        let scrubbed = r.relay_json(value).to_string();
        assert!(!scrubbed.contains("Mjmj93"), "{scrubbed}");
        assert!(scrubbed.contains("\"n\":1"), "{scrubbed}");
        let big = serde_json::json!(["x".repeat(2000)]);
        let capped = r.relay_json(big);
        assert!(
            capped.as_str().is_some_and(|s| s.ends_with("bytes more)")),
            "{capped}"
        );
    }
}
