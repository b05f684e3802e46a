//! Turning estate data into NetBackup JSON: small writing helpers shared by the endpoint renderers,
//! pagination envelopes and the error body.

pub(crate) mod catalog;
pub(crate) mod jobs;
pub(crate) mod resources;

use serde_json::{Value, json};
use std::fmt::Write as _;

/// Days since 1970-01-01 to a civil (year, month, day), proleptic Gregorian (Howard Hinnant's method).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends `secs` (Unix seconds) as `2024-01-31T12:34:56.000Z`, the form NetBackup returns.
pub(crate) fn write_iso(out: &mut String, secs: u32) {
    let secs = i64::from(secs);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let tod = secs.rem_euclid(86_400);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        tod / 3600,
        tod / 60 % 60,
        tod % 60
    );
}

/// `secs` as an ISO 8601 UTC date-time string.
pub(crate) fn iso(secs: u32) -> String {
    let mut out = String::with_capacity(24);
    write_iso(&mut out, secs);
    out
}

/// A duration as ISO 8601 (`PT1H2M3S`; `PT0S` for zero), as NetBackup writes `elapsedTime`.
pub(crate) fn iso_duration(secs: u32) -> String {
    if secs == 0 {
        return "PT0S".into();
    }
    let mut out = String::from("PT");
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        let _ = write!(out, "{h}H");
    }
    if m > 0 {
        let _ = write!(out, "{m}M");
    }
    if s > 0 {
        let _ = write!(out, "{s}S");
    }
    out
}

/// Appends `text` as a JSON string literal.
pub(crate) fn write_json_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes one JSON object field by field, straight into a string: the jobs endpoint renders many
/// records per page, and skipping an intermediate `serde_json::Value` halves the work.
pub(crate) struct ObjWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjWriter<'a> {
    pub(crate) fn begin(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, first: true }
    }

    /// Writes the key and returns the buffer for the value.
    pub(crate) fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_json_str(self.out, key);
        self.out.push(':');
        self.out
    }

    pub(crate) fn str(&mut self, key: &str, value: &str) -> &mut Self {
        let out = self.key(key);
        write_json_str(out, value);
        self
    }

    pub(crate) fn int(&mut self, key: &str, value: i64) -> &mut Self {
        let out = self.key(key);
        let _ = write!(out, "{value}");
        self
    }

    pub(crate) fn float(&mut self, key: &str, value: f64) -> &mut Self {
        let out = self.key(key);
        let _ = write!(out, "{value:.1}");
        self
    }

    pub(crate) fn time(&mut self, key: &str, secs: u32) -> &mut Self {
        let out = self.key(key);
        out.push('"');
        write_iso(out, secs);
        out.push('"');
        self
    }

    pub(crate) fn end(self) {
        self.out.push('}');
    }
}

/// `meta.pagination` of an offset-paginated collection (integers, as storage.yaml documents them;
/// `page` counts from 0 like the vendor examples; `next`/`prev` only when such a page exists).
pub(crate) fn offset_pagination(count: usize, offset: usize, limit: usize) -> Value {
    let pages = if limit == 0 { 0 } else { count.div_ceil(limit) };
    let last = if limit == 0 {
        0
    } else {
        pages.saturating_sub(1) * limit
    };
    let mut pagination = json!({
        "count": count,
        "pages": pages,
        "page": offset.checked_div(limit).unwrap_or(0),
        "offset": offset,
        "limit": limit,
        "first": 0,
        "last": last,
    });
    if limit > 0 && offset + limit < count {
        pagination["next"] = json!(offset + limit);
    }
    if offset > 0 {
        pagination["prev"] = json!(offset.saturating_sub(limit.max(1)));
    }
    pagination
}

/// Top-level `links` of an offset-paginated collection; `href(offset)` builds a page's URL.
pub(crate) fn offset_links(
    count: usize,
    offset: usize,
    limit: usize,
    href: impl Fn(usize) -> String,
) -> Value {
    let last = if limit == 0 {
        0
    } else {
        count.div_ceil(limit).saturating_sub(1) * limit
    };
    let mut links = json!({
        "self": {"href": href(offset)},
        "first": {"href": href(0)},
        "last": {"href": href(last)},
    });
    if limit > 0 && offset + limit < count {
        links["next"] = json!({"href": href(offset + limit)});
    }
    if offset > 0 {
        links["prev"] = json!({"href": href(offset.saturating_sub(limit.max(1)))});
    }
    links
}

/// The NetBackup error body (`errorCode`, `errorMessage`, optional `errorDetails`).
pub(crate) fn error_body(code: i64, message: &str, details: &[String]) -> Value {
    let mut body = json!({"errorCode": code, "errorMessage": message});
    if !details.is_empty() {
        body["errorDetails"] = json!(details);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_matches_jiff_across_eras() {
        for secs in [
            0u32,
            951_782_400,
            1_709_164_800,
            1_760_000_123,
            4_102_444_799,
            u32::MAX,
        ] {
            let expected = jiff::Timestamp::from_second(i64::from(secs))
                .expect("in range")
                .strftime("%Y-%m-%dT%H:%M:%S.000Z")
                .to_string();
            assert_eq!(iso(secs), expected);
        }
    }

    #[test]
    fn durations_and_strings() {
        assert_eq!(iso_duration(0), "PT0S");
        assert_eq!(iso_duration(346), "PT5M46S");
        assert_eq!(iso_duration(3600), "PT1H");
        let mut out = String::new();
        write_json_str(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(
            serde_json::from_str::<String>(&out).expect("valid json"),
            "a\"b\\c\n\u{1}é"
        );
    }

    #[test]
    fn offset_pagination_matches_the_vendor_example() {
        // manage.yaml's example: 8 pages of 10, last page at offset 70.
        let p = offset_pagination(75, 0, 10);
        assert_eq!(
            p,
            json!({"count": 75, "pages": 8, "page": 0, "offset": 0, "limit": 10, "first": 0, "last": 70, "next": 10})
        );
        let p = offset_pagination(75, 70, 10);
        assert_eq!(p["prev"], 60);
        assert!(p.get("next").is_none());
    }
}
