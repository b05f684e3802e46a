//! Lenient decoding helpers shared by every model.
//!
//! NetBackup's specs and servers disagree with themselves (integer ids where the schema says
//! string, enum values outside the documented list, durations in more than one shape). One bad
//! field must not fail a whole page of results, so these helpers accept every shape seen and
//! turn what they cannot read into "absent" rather than an error.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp};
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// One JSON value as this module reads it: a scalar, or `Absent` for `null`, arrays and objects
/// (an unexpected shape is absent, not fatal). Text is borrowed from the input where the
/// deserializer allows: most of it is parsed into numbers and times, never kept.
enum Scalar<'de> {
    Text(Cow<'de, str>),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Bool(bool),
    Absent,
}

impl Scalar<'_> {
    fn into_text(self) -> Option<String> {
        match self {
            Self::Text(text) => Some(text.into_owned()),
            Self::Unsigned(v) => Some(v.to_string()),
            Self::Signed(v) => Some(v.to_string()),
            Self::Float(v) => Some(v.to_string()),
            Self::Bool(v) => Some(v.to_string()),
            Self::Absent => None,
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Signed(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Unsigned(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Absent)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Absent)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Scalar<'de>, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Scalar::Absent)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Scalar<'de>, A::Error> {
        IgnoredAny.visit_map(map).map(|_| Scalar::Absent)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar<'de>, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// Any scalar as text; other shapes and `null` are absent.
pub(crate) fn scalar_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    scalar(d).map(Scalar::into_text)
}

/// A resource id: the specs say string, their examples send integers; both become text.
pub(crate) fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    scalar_text(d).map(Option::unwrap_or_default)
}

/// An optional integer that may arrive as a number or a numeric string; anything else is absent.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Signed(v) => Some(v),
        Scalar::Unsigned(v) => i64::try_from(v).ok(),
        // A float with no fractional part ("12.0") is still an integer count.
        Scalar::Float(v) => whole(v),
        Scalar::Text(text) => {
            let text = text.trim();
            text.parse::<i64>()
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(whole))
        }
        Scalar::Bool(_) | Scalar::Absent => None,
    })
}

/// `v` as an integer when it has no fractional part and fits.
fn whole(v: f64) -> Option<i64> {
    // The cast saturates; the range check keeps saturated values out.
    (v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64).then_some(v as i64)
}

/// An optional non-negative integer; negative values (NetBackup's "unknown" sentinels such as
/// -1 or -99) and unreadable values are absent.
pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(opt_i64(d)?.and_then(|v| u64::try_from(v).ok()))
}

/// An optional floating-point number, from a number or a numeric string; anything else is absent.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let value = match scalar(d)? {
        Scalar::Float(v) => Some(v),
        // Counts and ratios beyond 2^53 lose precision either way; the cast is the reading.
        Scalar::Unsigned(v) => Some(v as f64),
        Scalar::Signed(v) => Some(v as f64),
        Scalar::Text(text) => text.trim().parse::<f64>().ok(),
        Scalar::Bool(_) | Scalar::Absent => None,
    };
    Ok(value.filter(|f| f.is_finite()))
}

/// An optional flag from `true`/`false`, `1`/`0`, `yes`/`no` or their string forms; anything
/// else is absent.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Bool(flag) => Some(flag),
        Scalar::Unsigned(1) | Scalar::Signed(1) => Some(true),
        Scalar::Unsigned(0) | Scalar::Signed(0) => Some(false),
        Scalar::Text(text) => {
            let text = text.trim();
            if ["true", "1", "yes"]
                .iter()
                .any(|t| text.eq_ignore_ascii_case(t))
            {
                Some(true)
            } else if ["false", "0", "no"]
                .iter()
                .any(|t| text.eq_ignore_ascii_case(t))
            {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    })
}

/// An optional list of strings; scalar items become text, other items are dropped, and a lone
/// scalar becomes a one-item list.
pub(crate) fn opt_text_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => Some(items.iter().filter_map(value_text).collect()),
        Value::Object(_) => None,
        scalar => value_text(&scalar).map(|text| vec![text]),
    })
}

/// An optional string-to-string map; scalar values become text, other values are dropped.
pub(crate) fn opt_text_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(entries) => Some(
            entries
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value_text(value)?)))
                .collect(),
        ),
        _ => None,
    })
}

/// A scalar JSON value as text.
fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A timestamp in RFC 3339 (a space instead of `T` is accepted). The specs call these UTC
/// timestamps, so one without an offset is read as UTC. Text that is no timestamp is absent
/// rather than a decode failure.
pub(crate) fn opt_timestamp<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Timestamp>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Text(text) => parse_timestamp(&text),
        _ => None,
    })
}

/// Parses a timestamp as [`opt_timestamp`] does.
fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    // Running jobs send `""` for their end: answered without building a parse error.
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if let Some(at) = parse_utc_wire_time(text.as_bytes()) {
        return Some(at);
    }
    text.parse::<Timestamp>().ok().or_else(|| {
        let civil: DateTime = text.parse().ok()?;
        TimeZone::UTC.to_timestamp(civil).ok()
    })
}

/// The one shape NetBackup sends, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, read without jiff's general
/// parser: a job listing carries three of these per job, and the general parser was a tenth of the
/// decode time. Anything else (offsets, lowercase, leap seconds, missing parts) is `None` and goes to
/// jiff, so the result never differs from it.
fn parse_utc_wire_time(text: &[u8]) -> Option<Timestamp> {
    let (civil, rest) = text.split_at_checked(19)?;
    let fraction = rest.strip_suffix(b"Z")?;
    let nanos = match fraction {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let value = digits_value(digits)?;
            // Scale to nanoseconds: ".5" is 500,000,000.
            value * 10_u32.pow(9 - u32::try_from(digits.len()).ok()?)
        }
        _ => return None,
    };
    let separators = [4, 7, 10, 13, 16].map(|at| civil.get(at).copied());
    if separators != [b'-', b'-', b'T', b':', b':'].map(Some) {
        return None;
    }
    let number = |at: usize, len: usize| digits_value(civil.get(at..at + len)?);
    let two_digits = |at: usize| i8::try_from(number(at, 2)?).ok();
    let second = two_digits(17)?;
    if second > 59 {
        return None;
    }
    let at = DateTime::new(
        i16::try_from(number(0, 4)?).ok()?,
        two_digits(5)?,
        two_digits(8)?,
        two_digits(11)?,
        two_digits(14)?,
        second,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    jiff::tz::Offset::UTC.to_timestamp(at).ok()
}

/// The value of a run of ASCII digits (at most nine), or `None` if any byte is not a digit.
fn digits_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0_u32, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

/// Parses an ISO 8601 duration such as `PT1H2M3S` or `P1DT2H` (a day counts as 24 hours);
/// jiff's friendly form (`1h 2m 3s`) is accepted too.
///
/// Returns `None` for anything else, including an empty string and units of no fixed length
/// (months, years).
pub fn parse_duration(text: &str) -> Option<SignedDuration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    // The common shape (`PT…`, no days) reads directly; Span handles the calendar units (days,
    // weeks) that SignedDuration rejects, at several times the cost.
    text.parse::<SignedDuration>().ok().or_else(|| {
        let span: Span = text.parse().ok()?;
        span.to_duration(SpanRelativeTo::days_are_24_hours()).ok()
    })
}

/// An optional ISO 8601 duration; unreadable text is absent.
pub(crate) fn opt_duration<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<SignedDuration>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Text(text) => parse_duration(&text),
        _ => None,
    })
}

/// A pagination reference: an opaque cursor (cursor paging) or a page offset (offset paging).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageRef {
    /// An opaque cursor, passed back as `page[after]` or `page[before]`.
    Cursor(String),
    /// A record offset, passed back as `page[offset]`.
    Offset(u64),
}

impl PageRef {
    /// The cursor text, if this is a cursor.
    pub fn cursor(&self) -> Option<&str> {
        match self {
            Self::Cursor(c) => Some(c),
            Self::Offset(_) => None,
        }
    }

    /// The offset, if this is an offset.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Self::Offset(o) => Some(*o),
            Self::Cursor(_) => None,
        }
    }
}

impl fmt::Display for PageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cursor(c) => f.write_str(c),
            Self::Offset(o) => write!(f, "{o}"),
        }
    }
}

impl Serialize for PageRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Cursor(c) => s.serialize_str(c),
            Self::Offset(o) => s.serialize_u64(*o),
        }
    }
}

/// Reads `next`/`prev`: a string is a cursor, a non-negative integer an offset.
///
/// An empty string means "no page": following it would request the first page again.
pub(crate) fn opt_page_ref<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PageRef>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Text(cursor) if !cursor.is_empty() => Some(PageRef::Cursor(cursor.into_owned())),
        Scalar::Unsigned(offset) => Some(PageRef::Offset(offset)),
        Scalar::Signed(offset) => u64::try_from(offset).ok().map(PageRef::Offset),
        _ => None,
    })
}

/// Deserializes an open enum from its wire text; used by [`open_enum!`].
pub(crate) fn open_enum_value<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    Ok(match scalar(d)? {
        Scalar::Text(text) => T::from(&text),
        other => T::from(other.into_text().unwrap_or_default().as_str()),
    })
}

/// Declares an enum over a documented vocabulary that keeps unknown values as `Other(text)`.
///
/// Matching ignores ASCII case; `as_str` gives the documented spelling back. Serialization writes
/// the wire text, so snapshots show what the server sent.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value outside the documented vocabulary, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire text of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $( if text.eq_ignore_ascii_case($wire) { return Self::$variant; } )+
                Self::Other(text.to_owned())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::models::lenient::open_enum_value(d)
            }
        }
    };
}

pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What jiff's general parser makes of `text`: the answer the fast path must agree with.
    fn general(text: &str) -> Option<Timestamp> {
        text.parse::<Timestamp>().ok()
    }

    proptest! {
        #[test]
        fn the_wire_time_fast_path_agrees_with_jiff(
            year in 0_u32..10_000,
            month in 0_u32..14,
            day in 0_u32..33,
            hour in 0_u32..25,
            minute in 0_u32..61,
            second in 0_u32..61,
            fraction in prop::option::of("[0-9]{1,10}"),
        ) {
            let fraction_digits = fraction.as_ref().map_or(0, String::len);
            let fraction = fraction.map(|digits| format!(".{digits}")).unwrap_or_default();
            let text =
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}Z");
            let fast = parse_utc_wire_time(text.as_bytes());
            // Whatever the fast path answers, jiff answers the same; and it answers every time
            // jiff reads, except leap seconds and fractions finer than a nanosecond.
            if fast.is_some() {
                prop_assert_eq!(fast, general(&text), "{}", text);
            } else if second < 60 && fraction_digits <= 9 {
                prop_assert_eq!(general(&text), None, "{}", text);
            }
            prop_assert_eq!(parse_timestamp(&text), general(&text), "{}", text);
        }
    }

    #[test]
    fn shapes_outside_the_fast_path_still_parse_through_jiff() {
        for text in [
            "2026-03-01T10:00:00+01:00",
            "2026-03-01 10:00:00Z",
            "2026-03-01T10:00:00",
            "2026-03-01t10:00:00z",
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(parse_utc_wire_time(text.as_bytes()), None, "{text}");
            assert!(parse_timestamp(text).is_some(), "{text}");
        }
        assert_eq!(parse_utc_wire_time(b"2026-03-01T10:00:00.Z"), None);
        assert_eq!(parse_utc_wire_time(b"2026-03-01T10:0a:00Z"), None);
        assert_eq!(
            parse_utc_wire_time(b"2026-03-01T10:00:00.25Z"),
            general("2026-03-01T10:00:00.25Z")
        );
    }
}
