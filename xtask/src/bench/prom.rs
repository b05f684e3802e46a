//! Reading sample values out of a Prometheus text exposition: the exporter's self-metrics tell the
//! benchmark when a collection finished, how long it took and what it read.

/// The value of the first sample of `name` whose labels include every pair of `labels`.
pub(crate) fn sample(exposition: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let (series, value) = parse_line(line)?;
        if series.name != name {
            return None;
        }
        let all_match = labels
            .iter()
            .all(|(key, wanted)| series.labels.iter().any(|(k, v)| k == key && v == wanted));
        all_match.then_some(value)
    })
}

/// Series lines (samples), comments and blank lines excluded.
pub(crate) fn series_count(exposition: &str) -> usize {
    exposition
        .lines()
        .filter(|line| parse_line(line).is_some())
        .count()
}

struct Series {
    name: String,
    labels: Vec<(String, String)>,
}

fn parse_line(line: &str) -> Option<(Series, f64)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line.find(['{', ' '])?;
    let name = line.get(..name_end)?.to_owned();
    let mut rest = line.get(name_end..)?;
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(inner)?;
        labels = parsed;
        rest = after;
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    };
    Some((Series { name, labels }, value))
}

/// Parses `key="value",…}` and returns the labels and what follows the closing brace.
fn parse_labels(mut text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    loop {
        text = text.trim_start_matches([',', ' ']);
        if let Some(after) = text.strip_prefix('}') {
            return Some((labels, after));
        }
        let (key, after_key) = text.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = after_key.char_indices();
        let end = loop {
            let (index, c) = chars.next()?;
            match c {
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                '"' => break index,
                other => value.push(other),
            }
        };
        labels.push((key.trim().to_owned(), value));
        text = after_key.get(end + 1..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP nbu_collector_success 1 when the collector's latest run succeeded.
# TYPE nbu_collector_success gauge
nbu_collector_success{site="bench",collector="jobs"} 1
nbu_collector_success{site="bench",collector="storage"} 0
nbu_jobs_count{site="bench",action="BACK\"UP",status="0"} 42
nbu_up 1
"#;

    #[test]
    fn finds_a_sample_by_name_and_labels() {
        assert_eq!(
            sample(TEXT, "nbu_collector_success", &[("collector", "storage")]),
            Some(0.0)
        );
        assert_eq!(
            sample(TEXT, "nbu_collector_success", &[("collector", "jobs")]),
            Some(1.0)
        );
        assert_eq!(
            sample(TEXT, "nbu_jobs_count", &[("action", "BACK\"UP")]),
            Some(42.0)
        );
        assert_eq!(sample(TEXT, "nbu_up", &[]), Some(1.0));
        assert_eq!(
            sample(TEXT, "nbu_collector_success", &[("collector", "tape")]),
            None
        );
    }

    #[test]
    fn counts_samples_only() {
        assert_eq!(series_count(TEXT), 4);
    }
}
