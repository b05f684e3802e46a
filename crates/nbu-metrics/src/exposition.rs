//! The family model every metric goes through, and its rendering to the Prometheus text format.
//!
//! A [`FamilySet`] is what one producer (the jobs aggregation, a collector's self-metrics, …)
//! contributes. An [`Exposition`] merges the sets of every site — adding `site` as the first label
//! of each sample — and the global sets, then renders them: one `# HELP`/`# TYPE` pair per family,
//! families sorted by name, samples sorted by their labels, so that equal inputs always render to
//! equal bytes.

use std::collections::BTreeMap;

use prometheus::proto::{self, LabelPair, Metric, MetricFamily, MetricType};

/// The `Content-Type` of [`Exposition::render`]'s output (text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

/// The label every NetBackup-derived sample carries first.
pub const SITE_LABEL: &str = "site";

/// What kind of metric a family is, as written on its `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// A value that can go up and down.
    Gauge,
    /// A monotonic total; its name should end in `_total`.
    Counter,
    /// Observations counted into cumulative buckets, with their sum and count.
    Histogram,
}

/// The value of one histogram sample.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramValue {
    buckets: Vec<(f64, u64)>,
    count: u64,
    sum: f64,
}

impl HistogramValue {
    /// A histogram from `(upper bound, cumulative count)` pairs in increasing bound order, the
    /// total observation `count` and their `sum`. The `+Inf` bucket is added when rendering, with
    /// `count` as its value, so it must not be listed.
    pub fn new(buckets: Vec<(f64, u64)>, count: u64, sum: f64) -> Self {
        Self {
            buckets,
            count,
            sum,
        }
    }

    /// The `(upper bound, cumulative count)` pairs, without `+Inf`.
    pub fn buckets(&self) -> &[(f64, u64)] {
        &self.buckets
    }

    /// How many observations were made.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The sum of all observations.
    pub fn sum(&self) -> f64 {
        self.sum
    }
}

/// The value of one sample.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleValue {
    /// A gauge or counter value.
    Number(f64),
    /// A histogram's buckets, count and sum.
    Histogram(HistogramValue),
}

/// One labelled value of a family.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    labels: Vec<(String, String)>,
    value: SampleValue,
}

impl Sample {
    /// The `(name, value)` label pairs, in rendering order.
    pub fn labels(&self) -> &[(String, String)] {
        &self.labels
    }

    /// The value of the label called `name`, if present.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The sample's value.
    pub fn value(&self) -> &SampleValue {
        &self.value
    }

    /// The value of a gauge or counter sample; `None` for a histogram.
    pub fn number(&self) -> Option<f64> {
        match self.value {
            SampleValue::Number(value) => Some(value),
            SampleValue::Histogram(_) => None,
        }
    }
}

/// A named metric family: help text, kind and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    name: String,
    help: String,
    kind: MetricKind,
    samples: Vec<Sample>,
}

impl Family {
    /// An empty family. A family without samples is not rendered at all.
    pub fn new(name: &str, help: &str, kind: MetricKind) -> Self {
        Self {
            name: name.to_owned(),
            help: help.to_owned(),
            kind,
            samples: Vec::new(),
        }
    }

    /// The metric name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The help text.
    pub fn help(&self) -> &str {
        &self.help
    }

    /// The metric kind.
    pub fn kind(&self) -> MetricKind {
        self.kind
    }

    /// The samples, in the order they were pushed.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Whether the family has no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The first sample whose labels are exactly `labels` (in order).
    pub fn find(&self, labels: &[(&str, &str)]) -> Option<&Sample> {
        self.samples.iter().find(|sample| {
            sample.labels.len() == labels.len()
                && sample
                    .labels
                    .iter()
                    .zip(labels)
                    .all(|((n, v), (en, ev))| n == en && v == ev)
        })
    }

    /// Adds a gauge or counter sample. Labels render in the given order (after `site`).
    pub fn push(&mut self, labels: Vec<(&str, String)>, value: f64) -> &mut Self {
        self.push_value(labels, SampleValue::Number(value))
    }

    /// Adds a histogram sample.
    pub fn push_histogram(
        &mut self,
        labels: Vec<(&str, String)>,
        value: HistogramValue,
    ) -> &mut Self {
        self.push_value(labels, SampleValue::Histogram(value))
    }

    fn push_value(&mut self, labels: Vec<(&str, String)>, value: SampleValue) -> &mut Self {
        let labels = labels
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        self.samples.push(Sample { labels, value });
        self
    }
}

/// The families one producer contributes to a site (or to the global part of the exposition).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FamilySet {
    families: Vec<Family>,
}

impl FamilySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The gauge family called `name`, created on first use. When the name already exists, the
    /// existing family is returned unchanged: the first registration decides help and kind.
    pub fn gauge(&mut self, name: &str, help: &str) -> &mut Family {
        self.family(name, help, MetricKind::Gauge)
    }

    /// The counter family called `name`, created on first use (see [`FamilySet::gauge`]).
    pub fn counter(&mut self, name: &str, help: &str) -> &mut Family {
        self.family(name, help, MetricKind::Counter)
    }

    /// The histogram family called `name`, created on first use (see [`FamilySet::gauge`]).
    pub fn histogram(&mut self, name: &str, help: &str) -> &mut Family {
        self.family(name, help, MetricKind::Histogram)
    }

    /// The family called `name`, created with `help` and `kind` on first use.
    pub fn family(&mut self, name: &str, help: &str, kind: MetricKind) -> &mut Family {
        let index = match self.families.iter().position(|f| f.name == name) {
            Some(index) => index,
            None => {
                self.families.push(Family::new(name, help, kind));
                self.families.len() - 1
            }
        };
        &mut self.families[index]
    }

    /// The family called `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }

    /// The families, in creation order.
    pub fn iter(&self) -> std::slice::Iter<'_, Family> {
        self.families.iter()
    }

    /// How many families the set holds (empty ones included).
    pub fn len(&self) -> usize {
        self.families.len()
    }

    /// Whether the set holds no family.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    /// Moves every family of `other` into this set; samples of a family present in both are
    /// appended to the existing one.
    pub fn merge(&mut self, other: FamilySet) {
        for family in other.families {
            let target = self.family(&family.name, &family.help, family.kind);
            target.samples.extend(family.samples);
        }
    }
}

impl<'a> IntoIterator for &'a FamilySet {
    type Item = &'a Family;
    type IntoIter = std::slice::Iter<'a, Family>;

    fn into_iter(self) -> Self::IntoIter {
        self.families.iter()
    }
}

impl Extend<Family> for FamilySet {
    fn extend<T: IntoIterator<Item = Family>>(&mut self, iter: T) {
        for family in iter {
            let target = self.family(&family.name, &family.help, family.kind);
            target.samples.extend(family.samples);
        }
    }
}

/// Whether `name` is a valid Prometheus metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn is_valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Whether `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the
/// reserved `__`).
pub fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    !name.starts_with("__")
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[derive(Debug, Clone)]
struct Merged {
    help: String,
    kind: MetricKind,
    samples: Vec<Sample>,
}

/// Every site's families plus the global ones, ready to render.
///
/// Rules applied while merging and rendering:
/// - a family name seen again keeps the help text and kind of its first appearance; samples whose
///   value does not fit that kind (a number in a histogram, …) are dropped;
/// - [`Exposition::site`] puts `site` first on every sample, replacing any `site` label the
///   sample already had; [`Exposition::global`] adds nothing;
/// - a family with an invalid metric name, and a sample with an invalid or repeated label name
///   (or `le` on a histogram), is dropped rather than making the whole scrape unparsable;
/// - two samples with identical labels would make Prometheus reject the scrape: the first one
///   added is kept.
#[derive(Debug, Clone, Default)]
pub struct Exposition {
    families: BTreeMap<String, Merged>,
}

impl Exposition {
    /// An empty exposition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `families` for `site`: every sample gets `site` as its first label.
    pub fn site(&mut self, site: &str, families: &FamilySet) {
        self.add(Some(site), families);
    }

    /// Adds families that belong to no site (build info, reload status, …).
    pub fn global(&mut self, families: &FamilySet) {
        self.add(None, families);
    }

    fn add(&mut self, site: Option<&str>, families: &FamilySet) {
        for family in families {
            let merged = self
                .families
                .entry(family.name.clone())
                .or_insert_with(|| Merged {
                    help: family.help.clone(),
                    kind: family.kind,
                    samples: Vec::new(),
                });
            merged.samples.reserve(family.samples.len());
            for sample in &family.samples {
                let labels = match site {
                    Some(site) => std::iter::once((SITE_LABEL.to_owned(), site.to_owned()))
                        .chain(
                            sample
                                .labels
                                .iter()
                                .filter(|(name, _)| name != SITE_LABEL)
                                .cloned(),
                        )
                        .collect(),
                    None => sample.labels.clone(),
                };
                merged.samples.push(Sample {
                    labels,
                    value: sample.value.clone(),
                });
            }
        }
    }

    /// Renders the text format (0.0.4), see [`CONTENT_TYPE`].
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    /// Appends the text format (0.0.4) to `out`.
    pub fn render_into(&self, out: &mut String) {
        let encoder = prometheus::TextEncoder::new();
        for (name, merged) in &self.families {
            let Some(family) = to_proto(name, merged) else {
                continue;
            };
            // Encoding into a String fails only for an unnamed or empty family; to_proto returns
            // neither.
            let _ = encoder.encode_utf8(std::slice::from_ref(&family), out);
        }
    }
}

fn sample_is_valid(sample: &Sample, kind: MetricKind) -> bool {
    let fits = matches!(
        (&sample.value, kind),
        (
            SampleValue::Number(_),
            MetricKind::Gauge | MetricKind::Counter
        ) | (SampleValue::Histogram(_), MetricKind::Histogram)
    );
    let labels_ok = sample.labels.iter().enumerate().all(|(i, (name, _))| {
        is_valid_label_name(name)
            && !(kind == MetricKind::Histogram && name == "le")
            && sample.labels[..i]
                .iter()
                .all(|(earlier, _)| earlier != name)
    });
    fits && labels_ok
}

fn to_proto(name: &str, merged: &Merged) -> Option<MetricFamily> {
    if !is_valid_metric_name(name) {
        return None;
    }
    let mut samples: Vec<&Sample> = merged
        .samples
        .iter()
        .filter(|s| sample_is_valid(s, merged.kind))
        .collect();
    // Stable: among equal label sets the first added stays first, and dedup keeps it.
    samples.sort_by(|a, b| a.labels.cmp(&b.labels));
    samples.dedup_by(|later, earlier| later.labels == earlier.labels);
    if samples.is_empty() {
        return None;
    }
    let mut family = MetricFamily::default();
    family.set_name(name.to_owned());
    family.set_help(merged.help.clone());
    family.set_field_type(match merged.kind {
        MetricKind::Gauge => MetricType::GAUGE,
        MetricKind::Counter => MetricType::COUNTER,
        MetricKind::Histogram => MetricType::HISTOGRAM,
    });
    family.set_metric(
        samples
            .into_iter()
            .map(|s| to_metric(s, merged.kind))
            .collect(),
    );
    Some(family)
}

fn to_metric(sample: &Sample, kind: MetricKind) -> Metric {
    let labels = sample
        .labels
        .iter()
        .map(|(name, value)| {
            let mut pair = LabelPair::default();
            pair.set_name(name.clone());
            pair.set_value(value.clone());
            pair
        })
        .collect();
    let mut metric = Metric::from_label(labels);
    match (&sample.value, kind) {
        (SampleValue::Number(value), MetricKind::Counter) => {
            let mut counter = proto::Counter::default();
            counter.set_value(*value);
            metric.set_counter(counter);
        }
        (SampleValue::Number(value), _) => {
            let mut gauge = proto::Gauge::default();
            gauge.set_value(*value);
            metric.set_gauge(gauge);
        }
        (SampleValue::Histogram(value), _) => {
            let mut histogram = proto::Histogram::default();
            histogram.set_sample_count(value.count);
            histogram.set_sample_sum(value.sum);
            histogram.set_bucket(
                value
                    .buckets
                    .iter()
                    .map(|&(upper_bound, cumulative)| {
                        let mut bucket = proto::Bucket::default();
                        bucket.set_upper_bound(upper_bound);
                        bucket.set_cumulative_count(cumulative);
                        bucket
                    })
                    .collect(),
            );
            metric.set_histogram(histogram);
        }
    }
    metric
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_gauge(name: &str, labels: Vec<(&str, String)>, value: f64) -> FamilySet {
        let mut set = FamilySet::new();
        set.gauge(name, "Help.").push(labels, value);
        set
    }

    #[test]
    fn site_label_comes_first_and_help_type_appear_once() {
        let mut exposition = Exposition::new();
        exposition.site("b", &one_gauge("nbu_x", vec![("k", "v".into())], 1.0));
        exposition.site("a", &one_gauge("nbu_x", vec![("k", "v".into())], 2.0));
        let text = exposition.render();
        assert_eq!(
            text,
            "# HELP nbu_x Help.\n# TYPE nbu_x gauge\n\
             nbu_x{site=\"a\",k=\"v\"} 2\n\
             nbu_x{site=\"b\",k=\"v\"} 1\n"
        );
    }

    #[test]
    fn a_sample_that_already_has_a_site_label_gets_the_site_it_is_added_for() {
        let mut exposition = Exposition::new();
        exposition.site(
            "real",
            &one_gauge("nbu_x", vec![("site", "fake".into())], 1.0),
        );
        assert_eq!(
            exposition.render(),
            "# HELP nbu_x Help.\n# TYPE nbu_x gauge\nnbu_x{site=\"real\"} 1\n"
        );
    }

    #[test]
    fn global_families_have_no_site() {
        let mut exposition = Exposition::new();
        exposition.global(&one_gauge(
            "nbu_exporter_build_info",
            vec![("version", "1".into())],
            1.0,
        ));
        assert!(
            exposition
                .render()
                .contains("nbu_exporter_build_info{version=\"1\"} 1\n")
        );
    }

    #[test]
    fn empty_families_and_invalid_names_are_not_rendered() {
        let mut set = FamilySet::new();
        set.gauge("nbu_empty", "Nothing.");
        set.gauge("0bad", "Bad name.").push(vec![], 1.0);
        set.gauge("nbu_bad_label", "Bad label.")
            .push(vec![("__reserved", "x".into())], 1.0)
            .push(vec![("dup", "a".into()), ("dup", "b".into())], 1.0);
        let mut exposition = Exposition::new();
        exposition.global(&set);
        assert_eq!(exposition.render(), "");
    }

    #[test]
    fn duplicate_samples_keep_the_first_added() {
        let mut set = FamilySet::new();
        set.gauge("nbu_x", "X.")
            .push(vec![("k", "v".into())], 1.0)
            .push(vec![("k", "v".into())], 2.0);
        let mut exposition = Exposition::new();
        exposition.global(&set);
        assert!(exposition.render().ends_with("nbu_x{k=\"v\"} 1\n"));
    }

    #[test]
    fn first_registration_decides_kind_and_mismatched_samples_are_dropped() {
        let mut exposition = Exposition::new();
        exposition.global(&one_gauge("nbu_x", vec![("k", "a".into())], 1.0));
        let mut histogram = FamilySet::new();
        histogram.histogram("nbu_x", "Other.").push_histogram(
            vec![("k", "b".into())],
            HistogramValue::new(vec![(1.0, 1)], 1, 0.5),
        );
        exposition.global(&histogram);
        let text = exposition.render();
        assert!(text.contains("# TYPE nbu_x gauge\n"));
        assert!(!text.contains("k=\"b\""));
    }

    #[test]
    fn histogram_renders_buckets_inf_sum_and_count_with_le_last() {
        let mut set = FamilySet::new();
        set.histogram("nbu_h", "H.").push_histogram(
            vec![("a", "x".into())],
            HistogramValue::new(vec![(60.0, 1), (300.0, 2)], 3, 1000.5),
        );
        let mut exposition = Exposition::new();
        exposition.site("s", &set);
        assert_eq!(
            exposition.render(),
            "# HELP nbu_h H.\n# TYPE nbu_h histogram\n\
             nbu_h_bucket{site=\"s\",a=\"x\",le=\"60\"} 1\n\
             nbu_h_bucket{site=\"s\",a=\"x\",le=\"300\"} 2\n\
             nbu_h_bucket{site=\"s\",a=\"x\",le=\"+Inf\"} 3\n\
             nbu_h_sum{site=\"s\",a=\"x\"} 1000.5\n\
             nbu_h_count{site=\"s\",a=\"x\"} 3\n"
        );
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut set = FamilySet::new();
        set.gauge("nbu_x", "Line one\nback\\slash \"quoted\"")
            .push(vec![("policy", "a\"b\\c\nd".into())], 1.0);
        let mut exposition = Exposition::new();
        exposition.site("odd \"site\"\\\n", &set);
        assert_eq!(
            exposition.render(),
            "# HELP nbu_x Line one\\nback\\\\slash \"quoted\"\n# TYPE nbu_x gauge\n\
             nbu_x{site=\"odd \\\"site\\\"\\\\\\n\",policy=\"a\\\"b\\\\c\\nd\"} 1\n"
        );
    }

    #[test]
    fn merging_sets_appends_samples_to_same_named_families() {
        let mut a = one_gauge("nbu_x", vec![("k", "1".into())], 1.0);
        a.merge(one_gauge("nbu_x", vec![("k", "2".into())], 2.0));
        a.merge(one_gauge("nbu_y", vec![], 3.0));
        assert_eq!(a.len(), 2);
        assert_eq!(a.get("nbu_x").map(|f| f.samples().len()), Some(2));
        assert_eq!(
            a.get("nbu_x")
                .and_then(|f| f.find(&[("k", "2")]))
                .and_then(Sample::number),
            Some(2.0)
        );
    }

    #[test]
    fn name_validation() {
        assert!(is_valid_metric_name("nbu_jobs_count"));
        assert!(is_valid_metric_name("a:b"));
        assert!(!is_valid_metric_name(""));
        assert!(!is_valid_metric_name("1a"));
        assert!(!is_valid_metric_name("a-b"));
        assert!(is_valid_label_name("policy_type"));
        assert!(!is_valid_label_name("__name__"));
        assert!(!is_valid_label_name("a:b"));
        assert!(!is_valid_label_name(""));
    }
}
