//! A typed builder for NetBackup's OData `filter` and its `sort` parameter.
//!
//! NetBackup filters follow OData 4.01: strings in single quotes (a quote inside is doubled),
//! date-times unquoted in RFC 3339 with `Z`, nested fields joined with `/`
//! (`scanHost/hostName`), the functions `contains`, `startswith` and `endswith`, and the
//! operators `and`, `or`, `not` with parentheses. Which fields and operators an endpoint accepts
//! is listed in its spec; the builder does not police that.

use std::fmt;
use std::ops::Not;

/// A value on the right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FilterValue {
    /// A string, rendered in single quotes with `'` doubled.
    Text(String),
    /// An integer, rendered as is.
    Int(i64),
    /// A boolean, rendered `true`/`false`.
    Bool(bool),
    /// An instant, rendered unquoted as `2024-05-06T11:41:45.000Z`.
    Timestamp(jiff::Timestamp),
}

impl fmt::Display for FilterValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => write_quoted(f, text),
            Self::Int(n) => write!(f, "{n}"),
            Self::Bool(b) => write!(f, "{b}"),
            // Millisecond precision in UTC with `Z`, the form the specs' examples use.
            Self::Timestamp(ts) => write!(f, "{}", ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")),
        }
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("'")?;
    f.write_str(&text.replace('\'', "''"))?;
    f.write_str("'")
}

impl From<&str> for FilterValue {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for FilterValue {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&String> for FilterValue {
    fn from(value: &String) -> Self {
        Self::Text(value.clone())
    }
}

impl From<i64> for FilterValue {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<i32> for FilterValue {
    fn from(value: i32) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<u32> for FilterValue {
    fn from(value: u32) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<bool> for FilterValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<jiff::Timestamp> for FilterValue {
    fn from(value: jiff::Timestamp) -> Self {
        Self::Timestamp(value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    fn keyword(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Lt => "lt",
            Self::Le => "le",
            Self::Gt => "gt",
            Self::Ge => "ge",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Contains,
    StartsWith,
    EndsWith,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Self::Contains => "contains",
            Self::StartsWith => "startswith",
            Self::EndsWith => "endswith",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Compare {
        field: String,
        op: Comparison,
        value: FilterValue,
    },
    Call {
        function: Function,
        field: String,
        text: String,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Raw(String),
}

/// An OData filter expression; its [`Display`](fmt::Display) is the text for `filter=`.
///
/// ```
/// use nbu_api::Filter;
/// let since: jiff::Timestamp = "2024-05-06T11:41:45Z".parse().unwrap();
/// let filter = Filter::ge("lastUpdateTime", since)
///     .and(Filter::eq("jobType", "BACKUP").or(Filter::eq("jobType", "DBBACKUP")));
/// assert_eq!(
///     filter.to_string(),
///     "lastUpdateTime ge 2024-05-06T11:41:45.000Z and (jobType eq 'BACKUP' or jobType eq 'DBBACKUP')"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Expr);

impl Filter {
    fn compare(field: impl Into<String>, op: Comparison, value: impl Into<FilterValue>) -> Self {
        Self(Expr::Compare {
            field: field.into(),
            op,
            value: value.into(),
        })
    }

    fn call(function: Function, field: impl Into<String>, text: impl Into<String>) -> Self {
        Self(Expr::Call {
            function,
            field: field.into(),
            text: text.into(),
        })
    }

    /// `field eq value`. Nested fields are written with `/`, e.g. `"scanHost/hostName"`.
    pub fn eq(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, Comparison::Eq, value)
    }

    /// `field ne value`.
    pub fn ne(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, Comparison::Ne, value)
    }

    /// `field lt value`.
    pub fn lt(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, Comparison::Lt, value)
    }

    /// `field le value`.
    pub fn le(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, Comparison::Le, value)
    }

    /// `field gt value`.
    pub fn gt(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, Comparison::Gt, value)
    }

    /// `field ge value`.
    pub fn ge(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, Comparison::Ge, value)
    }

    /// `contains(field,'text')`.
    pub fn contains(field: impl Into<String>, text: impl Into<String>) -> Self {
        Self::call(Function::Contains, field, text)
    }

    /// `startswith(field,'text')`.
    pub fn startswith(field: impl Into<String>, text: impl Into<String>) -> Self {
        Self::call(Function::StartsWith, field, text)
    }

    /// `endswith(field,'text')`.
    pub fn endswith(field: impl Into<String>, text: impl Into<String>) -> Self {
        Self::call(Function::EndsWith, field, text)
    }

    /// Filter text written by hand, used verbatim; it is parenthesised when combined.
    pub fn raw(text: impl Into<String>) -> Self {
        Self(Expr::Raw(text.into()))
    }

    /// `self and other`.
    #[must_use]
    pub fn and(self, other: Filter) -> Self {
        Self(Expr::And(Box::new(self.0), Box::new(other.0)))
    }

    /// `self or other`.
    #[must_use]
    pub fn or(self, other: Filter) -> Self {
        Self(Expr::Or(Box::new(self.0), Box::new(other.0)))
    }

    /// `not (self)`; the same as `!self`.
    #[must_use]
    pub fn negated(self) -> Self {
        Self(Expr::Not(Box::new(self.0)))
    }

    /// All of `filters` joined with `and`; `None` when there are none.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::and)
    }

    /// Any of `filters` joined with `or`; `None` when there are none.
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Option<Filter> {
        filters.into_iter().reduce(Filter::or)
    }
}

impl Not for Filter {
    type Output = Filter;

    fn not(self) -> Filter {
        self.negated()
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, &self.0)
    }
}

/// Whether `expr` must be wrapped when it is an operand of `and`: OData binds `and` tighter than
/// `or`, and hand-written text may hold either.
fn needs_parens_under_and(expr: &Expr) -> bool {
    matches!(expr, Expr::Or(..) | Expr::Raw(_))
}

fn write_operand(f: &mut fmt::Formatter<'_>, expr: &Expr, parens: bool) -> fmt::Result {
    if parens {
        f.write_str("(")?;
        write_expr(f, expr)?;
        f.write_str(")")
    } else {
        write_expr(f, expr)
    }
}

fn write_expr(f: &mut fmt::Formatter<'_>, expr: &Expr) -> fmt::Result {
    match expr {
        Expr::Compare { field, op, value } => write!(f, "{field} {} {value}", op.keyword()),
        Expr::Call {
            function,
            field,
            text,
        } => {
            write!(f, "{}({field},", function.name())?;
            write_quoted(f, text)?;
            f.write_str(")")
        }
        Expr::And(left, right) => {
            write_operand(f, left, needs_parens_under_and(left))?;
            f.write_str(" and ")?;
            write_operand(f, right, needs_parens_under_and(right))
        }
        Expr::Or(left, right) => {
            write_operand(f, left, matches!(**left, Expr::Raw(_)))?;
            f.write_str(" or ")?;
            write_operand(f, right, matches!(**right, Expr::Raw(_)))
        }
        Expr::Not(inner) => {
            // `not` binds tighter than comparisons, so anything but a function call needs
            // parentheses to mean what the caller built.
            f.write_str("not ")?;
            write_operand(f, inner, !matches!(**inner, Expr::Call { .. }))
        }
        Expr::Raw(text) => f.write_str(text),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SortKey {
    field: String,
    descending: bool,
}

/// A `sort` parameter: one or more fields, each ascending or descending (`-field`).
///
/// ```
/// use nbu_api::Sort;
/// assert_eq!(Sort::desc("lastUpdateTime").then_asc("jobId").to_string(), "-lastUpdateTime,jobId");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort(Vec<SortKey>);

impl Sort {
    /// Ascending on `field`.
    pub fn asc(field: impl Into<String>) -> Self {
        Self(vec![SortKey {
            field: field.into(),
            descending: false,
        }])
    }

    /// Descending on `field`.
    pub fn desc(field: impl Into<String>) -> Self {
        Self(vec![SortKey {
            field: field.into(),
            descending: true,
        }])
    }

    /// Then ascending on `field`, for ties.
    #[must_use]
    pub fn then_asc(mut self, field: impl Into<String>) -> Self {
        self.0.push(SortKey {
            field: field.into(),
            descending: false,
        });
        self
    }

    /// Then descending on `field`, for ties.
    #[must_use]
    pub fn then_desc(mut self, field: impl Into<String>) -> Self {
        self.0.push(SortKey {
            field: field.into(),
            descending: true,
        });
        self
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, key) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            if key.descending {
                f.write_str("-")?;
            }
            f.write_str(&key.field)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> jiff::Timestamp {
        text.parse()
            .unwrap_or_else(|e| panic!("bad test timestamp {text}: {e}"))
    }

    #[test]
    fn comparisons_render_each_value_kind() {
        let cases = [
            (Filter::eq("state", "DONE"), "state eq 'DONE'"),
            (Filter::ne("status", 0), "status ne 0"),
            (Filter::lt("jobId", 42_i64), "jobId lt 42"),
            (Filter::le("parentJobId", 7_u32), "parentJobId le 7"),
            (
                Filter::gt("kilobytesTransferred", 0),
                "kilobytesTransferred gt 0",
            ),
            (Filter::eq("acknowledged", false), "acknowledged eq false"),
            (
                Filter::ge("startTime", ts("2020-05-06T11:41:45Z")),
                "startTime ge 2020-05-06T11:41:45.000Z",
            ),
            (
                Filter::le("endTime", ts("2020-05-06T11:41:45.123456Z")),
                "endTime le 2020-05-06T11:41:45.123Z",
            ),
        ];
        for (filter, expected) in cases {
            assert_eq!(filter.to_string(), expected);
        }
    }

    #[test]
    fn timestamps_with_offsets_render_in_utc() {
        let local: jiff::Timestamp = "2024-01-01T02:00:00+02:00".parse().unwrap_or_default();
        assert_eq!(
            Filter::ge("createdDateTime", local).to_string(),
            "createdDateTime ge 2024-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(
            Filter::eq("clientName", "o'brien's pc").to_string(),
            "clientName eq 'o''brien''s pc'"
        );
        assert_eq!(
            Filter::contains("policyName", "it's").to_string(),
            "contains(policyName,'it''s')"
        );
    }

    #[test]
    fn functions_and_nested_fields() {
        assert_eq!(
            Filter::startswith("scanHost/hostName", "media").to_string(),
            "startswith(scanHost/hostName,'media')"
        );
        assert_eq!(
            Filter::endswith("policyName", "_daily").to_string(),
            "endswith(policyName,'_daily')"
        );
    }

    #[test]
    fn boolean_structure_keeps_its_meaning() {
        let a = || Filter::eq("a", 1);
        let b = || Filter::eq("b", 2);
        let c = || Filter::eq("c", 3);
        assert_eq!(
            a().and(b()).and(c()).to_string(),
            "a eq 1 and b eq 2 and c eq 3"
        );
        assert_eq!(a().or(b()).to_string(), "a eq 1 or b eq 2");
        assert_eq!(
            a().and(b().or(c())).to_string(),
            "a eq 1 and (b eq 2 or c eq 3)"
        );
        assert_eq!(
            a().or(b()).and(c()).to_string(),
            "(a eq 1 or b eq 2) and c eq 3"
        );
        assert_eq!(
            a().or(b().and(c())).to_string(),
            "a eq 1 or b eq 2 and c eq 3"
        );
        assert_eq!((!a()).to_string(), "not (a eq 1)");
        assert_eq!(a().or(b()).negated().to_string(), "not (a eq 1 or b eq 2)");
        assert_eq!(
            (!Filter::contains("policyName", "x")).to_string(),
            "not contains(policyName,'x')"
        );
        assert_eq!(
            Filter::raw("x eq 1 or y eq 2").and(a()).to_string(),
            "(x eq 1 or y eq 2) and a eq 1"
        );
    }

    #[test]
    fn all_and_any_fold() {
        assert_eq!(Filter::all(Vec::new()), None);
        let joined = Filter::all([Filter::eq("a", 1), Filter::eq("b", 2)]).map(|f| f.to_string());
        assert_eq!(joined.as_deref(), Some("a eq 1 and b eq 2"));
        let either = Filter::any([Filter::eq("a", 1), Filter::eq("b", 2)]).map(|f| f.to_string());
        assert_eq!(either.as_deref(), Some("a eq 1 or b eq 2"));
    }

    #[test]
    fn sort_renders_comma_list_with_minus_for_descending() {
        assert_eq!(Sort::asc("jobId").to_string(), "jobId");
        assert_eq!(Sort::desc("lastUpdateTime").to_string(), "-lastUpdateTime");
        assert_eq!(
            Sort::desc("startTime")
                .then_asc("jobId")
                .then_desc("status")
                .to_string(),
            "-startTime,jobId,-status"
        );
    }
}
