//! The error body NetBackup sends with 4xx and 5xx answers.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::lenient;

/// `{errorCode, errorMessage, attributeErrors, errorDetails}`, the same in every API version.
///
/// Decoding tolerates any JSON object: fields of an unexpected shape are absent, never an error,
/// because this body is read while another error is already being reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ErrorBody {
    /// `errorCode`: NetBackup's numeric error or status code.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub error_code: Option<i64>,
    /// `errorMessage`: the server's human-readable message.
    #[serde(deserialize_with = "lenient::scalar_text")]
    pub error_message: Option<String>,
    /// `attributeErrors`: per-attribute validation messages, kept as raw JSON.
    pub attribute_errors: Option<Value>,
    /// `errorDetails`: further detail entries, kept as raw JSON.
    #[serde(deserialize_with = "details")]
    pub error_details: Option<Vec<Value>>,
    /// `fileUploadErrors`: per-file errors of multipart uploads, as raw JSON.
    #[serde(deserialize_with = "details")]
    pub file_upload_errors: Option<Vec<Value>>,
}

/// A list documented as an array; a lone value becomes a one-entry list.
fn details<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Value>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Array(items) => Some(items),
        other => Some(vec![other]),
    })
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.error_code, self.error_message.as_deref()) {
            (Some(code), Some(message)) => write!(f, "error {code}: {message}"),
            (Some(code), None) => write!(f, "error {code}"),
            (None, Some(message)) => f.write_str(message),
            (None, None) => f.write_str("no error details"),
        }
    }
}
