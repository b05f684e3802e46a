//! Durations written the way the Go exporter's operators already write them (`1h30m`, `90s`, `500ms`).

use std::fmt;
use std::time::Duration;

/// Why a duration string was rejected; rendered after the key path and the bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DurationError {
    Empty,
    Negative,
    MissingUnit,
    UnknownUnit(String),
    Malformed,
    TooLarge,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: &str =
            "write a number followed by a unit (`ms`, `s`, `m` or `h`), e.g. `90s` or `1h30m`";
        match self {
            Self::Empty => write!(f, "is empty; {UNITS}"),
            Self::Negative => write!(f, "is negative; durations must be zero or more"),
            Self::MissingUnit => write!(f, "has no unit; {UNITS}"),
            Self::UnknownUnit(unit) => write!(f, "has the unknown unit `{unit}`; {UNITS}"),
            Self::Malformed => write!(f, "is not a duration; {UNITS}"),
            Self::TooLarge => write!(f, "is too large"),
        }
    }
}

/// Parses Go's `time.ParseDuration` syntax: one or more `<decimal><unit>` terms, or a bare `0`.
///
/// Go also accepts negative durations; none of our settings can use one, so a sign is an error here.
pub(super) fn parse(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if text.starts_with('-') {
        return Err(DurationError::Negative);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total_nanos: u128 = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after_number) = rest.split_at(number_len);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(DurationError::Malformed);
        }
        let unit_len = after_number
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after_number.len());
        let (unit, after_unit) = after_number.split_at(unit_len);
        if unit.is_empty() {
            return Err(DurationError::MissingUnit);
        }
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3_600 * 1_000_000_000,
            other => return Err(DurationError::UnknownUnit(other.to_owned())),
        };
        total_nanos = total_nanos
            .checked_add(term_nanos(number, unit_nanos)?)
            .ok_or(DurationError::TooLarge)?;
        rest = after_unit;
    }
    let secs = u64::try_from(total_nanos / 1_000_000_000).map_err(|_| DurationError::TooLarge)?;
    let nanos = u32::try_from(total_nanos % 1_000_000_000).map_err(|_| DurationError::TooLarge)?;
    Ok(Duration::new(secs, nanos))
}

/// Value of one `<decimal><unit>` term; fractions are exact to the nanosecond (`1.5h` is `90m`).
fn term_nanos(number: &str, unit_nanos: u128) -> Result<u128, DurationError> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| DurationError::TooLarge)?
    };
    let mut nanos = whole
        .checked_mul(unit_nanos)
        .ok_or(DurationError::TooLarge)?;
    let mut scale = unit_nanos;
    for digit in fraction.chars().filter_map(|c| c.to_digit(10)) {
        scale /= 10;
        if scale == 0 {
            break;
        }
        nanos += u128::from(digit) * scale;
    }
    Ok(nanos)
}

/// Renders a duration in the same syntax, for messages (`1h30m`, `90s` → `1m30s`, `500ms`).
pub(super) fn format(duration: Duration) -> String {
    if duration.is_zero() {
        return "0s".to_owned();
    }
    if duration.subsec_nanos() != 0 && duration.as_secs() == 0 {
        let millis = duration.as_millis();
        return if Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX)) == duration {
            format!("{millis}ms")
        } else {
            format!("{}ns", duration.as_nanos())
        };
    }
    let secs = duration.as_secs();
    let (hours, minutes, seconds) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 || duration.subsec_nanos() != 0 {
        let millis = duration.subsec_millis();
        if millis == 0 {
            out.push_str(&format!("{seconds}s"));
        } else {
            out.push_str(&format!("{seconds}.{millis:03}s"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_syntax_is_accepted() {
        let cases = [
            ("1h", Duration::from_secs(3600)),
            ("30m", Duration::from_secs(1800)),
            ("90s", Duration::from_secs(90)),
            ("1h30m", Duration::from_secs(5400)),
            ("1.5h", Duration::from_secs(5400)),
            ("500ms", Duration::from_millis(500)),
            ("2m3.5s", Duration::from_millis(123_500)),
            ("10us", Duration::from_micros(10)),
            ("7ns", Duration::from_nanos(7)),
            ("0", Duration::ZERO),
            ("+5s", Duration::from_secs(5)),
            (" 1m ", Duration::from_secs(60)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn bad_durations_say_why() {
        assert_eq!(parse("1x"), Err(DurationError::UnknownUnit("x".into())));
        assert_eq!(parse("90"), Err(DurationError::MissingUnit));
        assert_eq!(parse(""), Err(DurationError::Empty));
        assert_eq!(parse("-5m"), Err(DurationError::Negative));
        assert_eq!(parse("h"), Err(DurationError::Malformed));
        assert_eq!(parse("1..5s"), Err(DurationError::Malformed));
        assert_eq!(parse("1 h"), Err(DurationError::UnknownUnit(" h".into())));
        assert_eq!(
            parse("99999999999999999999999h"),
            Err(DurationError::TooLarge)
        );
    }

    #[test]
    fn formatting_round_trips() {
        for text in ["1h30m", "1m30s", "500ms", "50s", "1h", "2m3.500s"] {
            let parsed = parse(text).unwrap();
            assert_eq!(parse(&format(parsed)), Ok(parsed), "{text}");
        }
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format(Duration::from_millis(500)), "500ms");
        assert_eq!(format(Duration::ZERO), "0s");
    }
}
