//! The OData subset NetBackup filters use: `field op literal` comparisons (`eq ne lt le gt ge`),
//! `contains/startswith/endswith(field,'text')`, `and`, `or`, `not` and parentheses. Strings are in
//! single quotes (`''` escapes a quote), date-times are unquoted ISO 8601, nested fields use `/`.
//!
//! Parsing yields an [`Expr`] over field names; [`Expr::resolve`] checks it against an endpoint's
//! field table (which fields, operators and value types the spec allows) and maps names to typed
//! fields, so evaluation never compares strings to decide which field is meant.

use std::fmt;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A string function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrFunc {
    Contains,
    StartsWith,
    EndsWith,
}

/// An operator as listed in a field table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Cmp(CmpOp),
    Func(StrFunc),
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Self::Cmp(CmpOp::Eq) => "eq",
            Self::Cmp(CmpOp::Ne) => "ne",
            Self::Cmp(CmpOp::Lt) => "lt",
            Self::Cmp(CmpOp::Le) => "le",
            Self::Cmp(CmpOp::Gt) => "gt",
            Self::Cmp(CmpOp::Ge) => "ge",
            Self::Func(StrFunc::Contains) => "contains",
            Self::Func(StrFunc::StartsWith) => "startswith",
            Self::Func(StrFunc::EndsWith) => "endswith",
        }
    }
}

/// Operator sets used by the field tables.
pub(crate) mod ops {
    use super::{CmpOp, Op, StrFunc};

    pub(crate) const ALL_CMP: &[Op] = &[
        Op::Cmp(CmpOp::Eq),
        Op::Cmp(CmpOp::Ne),
        Op::Cmp(CmpOp::Lt),
        Op::Cmp(CmpOp::Gt),
        Op::Cmp(CmpOp::Le),
        Op::Cmp(CmpOp::Ge),
    ];
    pub(crate) const EQ_NE: &[Op] = &[Op::Cmp(CmpOp::Eq), Op::Cmp(CmpOp::Ne)];
    pub(crate) const EQ: &[Op] = &[Op::Cmp(CmpOp::Eq)];
    pub(crate) const GE_LE: &[Op] = &[Op::Cmp(CmpOp::Ge), Op::Cmp(CmpOp::Le)];
    pub(crate) const EQ_CONTAINS: &[Op] = &[Op::Cmp(CmpOp::Eq), Op::Func(StrFunc::Contains)];
    pub(crate) const STR_FUNCS: &[Op] = &[
        Op::Func(StrFunc::Contains),
        Op::Func(StrFunc::StartsWith),
        Op::Func(StrFunc::EndsWith),
    ];
    pub(crate) const EQ_NE_FUNCS: &[Op] = &[
        Op::Cmp(CmpOp::Eq),
        Op::Cmp(CmpOp::Ne),
        Op::Func(StrFunc::Contains),
        Op::Func(StrFunc::StartsWith),
        Op::Func(StrFunc::EndsWith),
    ];
}

/// A literal value in a filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Int(i64),
    Float(f64),
    /// Milliseconds since the Unix epoch.
    Time(i64),
    Bool(bool),
}

impl Literal {
    fn kind_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "a quoted string",
            Self::Int(_) => "an integer",
            Self::Float(_) => "a number",
            Self::Time(_) => "an unquoted date-time",
            Self::Bool(_) => "a boolean",
        }
    }
}

/// A parsed filter over fields of type `F`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr<F> {
    And(Box<Expr<F>>, Box<Expr<F>>),
    Or(Box<Expr<F>>, Box<Expr<F>>),
    Not(Box<Expr<F>>),
    Cmp {
        field: F,
        op: CmpOp,
        value: Literal,
    },
    Func {
        func: StrFunc,
        field: F,
        value: String,
    },
}

/// A field's value as seen by the evaluator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FieldValue<'a> {
    Int(i64),
    Float(f64),
    /// Milliseconds since the Unix epoch.
    Time(i64),
    Str(&'a str),
    Bool(bool),
}

/// Something a filter can be evaluated against.
pub(crate) trait Fields<F> {
    /// The value of `field`, or `None` when the record does not carry it.
    fn field(&self, field: &F) -> Option<FieldValue<'_>>;

    /// Calls `test` with the value of `field`: for records that compute some values on demand
    /// (owned, so they cannot be returned by reference from [`Fields::field`]).
    fn with_field(&self, field: &F, test: &mut dyn FnMut(Option<FieldValue<'_>>) -> bool) -> bool {
        test(self.field(field))
    }
}

/// The value type a field table declares.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Int,
    Float,
    Time,
    Str,
    /// `true` or `false`.
    Bool,
    /// A string restricted to the listed values.
    Enum(&'static [&'static str]),
    /// Whatever literal the client sends, compared by its own type: for fields whose spec table
    /// gives a description instead of a type (`bus`: "the bus value, or <multiple>").
    Any,
}

/// One filterable field of an endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldSpec<F> {
    pub(crate) name: &'static str,
    pub(crate) field: F,
    pub(crate) kind: Kind,
    pub(crate) ops: &'static [Op],
}

/// A filter that could not be parsed or is not allowed on the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError(pub(crate) String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Inclusive bounds on an integer-valued field implied by a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) lo: Option<i64>,
    pub(crate) hi: Option<i64>,
}

impl Bounds {
    pub(crate) const NONE: Self = Self { lo: None, hi: None };

    fn intersect(self, other: Self) -> Self {
        Self {
            lo: match (self.lo, other.lo) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            hi: match (self.hi, other.hi) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }
}

const MAX_DEPTH: usize = 64;

/// Parses an OData filter.
pub(crate) fn parse(input: &str) -> Result<Expr<String>, FilterError> {
    let tokens = lex(input)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    match parser.peek() {
        Tok::End => Ok(expr),
        other => Err(FilterError(format!(
            "invalid filter: unexpected {} after a complete expression",
            other.describe()
        ))),
    }
}

impl Expr<String> {
    /// Checks every field, operator and literal against `specs` and maps field names to typed fields.
    pub(crate) fn resolve<F: Copy>(self, specs: &[FieldSpec<F>]) -> Result<Expr<F>, FilterError> {
        let spec_for = |name: &str| {
            specs.iter().find(|spec| spec.name == name).ok_or_else(|| {
                let names: Vec<&str> = specs.iter().map(|spec| spec.name).collect();
                FilterError(format!(
                    "invalid filter: field {name:?} cannot be filtered on here; filterable fields: {}",
                    names.join(", ")
                ))
            })
        };
        let check_op = |spec: &FieldSpec<F>, op: Op| {
            if spec.ops.contains(&op) {
                Ok(())
            } else {
                let names: Vec<&str> = spec.ops.iter().map(|op| op.name()).collect();
                Err(FilterError(format!(
                    "invalid filter: operator {} is not supported on {}; supported: {}",
                    op.name(),
                    spec.name,
                    names.join(" ")
                )))
            }
        };
        Ok(match self {
            Self::And(a, b) => Expr::And(Box::new(a.resolve(specs)?), Box::new(b.resolve(specs)?)),
            Self::Or(a, b) => Expr::Or(Box::new(a.resolve(specs)?), Box::new(b.resolve(specs)?)),
            Self::Not(a) => Expr::Not(Box::new(a.resolve(specs)?)),
            Self::Func { func, field, value } => {
                let spec = spec_for(&field)?;
                check_op(spec, Op::Func(func))?;
                Expr::Func {
                    func,
                    field: spec.field,
                    value,
                }
            }
            Self::Cmp { field, op, value } => {
                let spec = spec_for(&field)?;
                check_op(spec, Op::Cmp(op))?;
                let value = check_literal(spec, value)?;
                Expr::Cmp {
                    field: spec.field,
                    op,
                    value,
                }
            }
        })
    }
}

fn check_literal<F>(spec: &FieldSpec<F>, value: Literal) -> Result<Literal, FilterError> {
    let mismatch = |expected: &str, value: &Literal| {
        Err(FilterError(format!(
            "invalid filter: {} expects {expected}, got {}",
            spec.name,
            value.kind_name()
        )))
    };
    match (spec.kind, value) {
        (Kind::Int, value @ Literal::Int(_)) => Ok(value),
        (Kind::Float, Literal::Int(v)) => Ok(Literal::Float(v as f64)),
        (Kind::Float, value @ Literal::Float(_)) => Ok(value),
        (Kind::Time, value @ Literal::Time(_)) => Ok(value),
        (Kind::Time, Literal::Str(text)) => Err(FilterError(format!(
            "invalid filter: {} expects an unquoted date-time such as 2024-01-31T00:00:00.000Z, got the quoted string '{text}'",
            spec.name
        ))),
        (Kind::Str, value @ Literal::Str(_)) => Ok(value),
        (Kind::Bool, value @ Literal::Bool(_)) => Ok(value),
        (Kind::Any, value) => Ok(value),
        (Kind::Enum(allowed), Literal::Str(text)) => {
            if allowed.contains(&text.as_str()) {
                Ok(Literal::Str(text))
            } else {
                Err(FilterError(format!(
                    "invalid filter: {text:?} is not a valid {}; possible values: {}",
                    spec.name,
                    allowed.join(", ")
                )))
            }
        }
        (Kind::Int, value) => mismatch("an integer", &value),
        (Kind::Float, value) => mismatch("a number", &value),
        (Kind::Time, value) => mismatch("an unquoted date-time", &value),
        (Kind::Str | Kind::Enum(_), value) => mismatch("a quoted string", &value),
        (Kind::Bool, value) => mismatch("true or false", &value),
    }
}

impl<F: PartialEq> Expr<F> {
    /// Whether `record` satisfies the filter. A field the record does not carry matches only `ne`.
    pub(crate) fn matches(&self, record: &impl Fields<F>) -> bool {
        match self {
            Self::And(a, b) => a.matches(record) && b.matches(record),
            Self::Or(a, b) => a.matches(record) || b.matches(record),
            Self::Not(a) => !a.matches(record),
            Self::Func { func, field, value } => {
                record.with_field(field, &mut |actual| match actual {
                    Some(FieldValue::Str(text)) => match func {
                        StrFunc::Contains => text.contains(value.as_str()),
                        StrFunc::StartsWith => text.starts_with(value.as_str()),
                        StrFunc::EndsWith => text.ends_with(value.as_str()),
                    },
                    _ => false,
                })
            }
            Self::Cmp { field, op, value } => {
                record.with_field(field, &mut |actual| match actual {
                    None => *op == CmpOp::Ne,
                    Some(actual) => {
                        compare(actual, value).is_some_and(|ordering| apply(*op, ordering))
                    }
                })
            }
        }
    }

    /// Inclusive bounds that every matching record's `field` satisfies, read from the top-level
    /// `and` chain (used to narrow index scans; the full filter is still evaluated on each record).
    pub(crate) fn bounds(&self, field: &F) -> Bounds {
        match self {
            Self::And(a, b) => a.bounds(field).intersect(b.bounds(field)),
            Self::Cmp {
                field: f,
                op,
                value,
            } if f == field => {
                let v = match value {
                    Literal::Int(v) | Literal::Time(v) => *v,
                    _ => return Bounds::NONE,
                };
                match op {
                    CmpOp::Eq => Bounds {
                        lo: Some(v),
                        hi: Some(v),
                    },
                    CmpOp::Gt => Bounds {
                        lo: v.checked_add(1),
                        hi: None,
                    },
                    CmpOp::Ge => Bounds {
                        lo: Some(v),
                        hi: None,
                    },
                    CmpOp::Lt => Bounds {
                        lo: None,
                        hi: v.checked_sub(1),
                    },
                    CmpOp::Le => Bounds {
                        lo: None,
                        hi: Some(v),
                    },
                    CmpOp::Ne => Bounds::NONE,
                }
            }
            _ => Bounds::NONE,
        }
    }

    /// Whether the top-level `and` chain requires `field` to be present (any comparison but `ne`).
    pub(crate) fn requires(&self, field: &F) -> bool {
        match self {
            Self::And(a, b) => a.requires(field) || b.requires(field),
            Self::Cmp { field: f, op, .. } => f == field && *op != CmpOp::Ne,
            Self::Func { field: f, .. } => f == field,
            _ => false,
        }
    }
}

fn apply(op: CmpOp, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        CmpOp::Eq => ordering == Equal,
        CmpOp::Ne => ordering != Equal,
        CmpOp::Lt => ordering == Less,
        CmpOp::Le => ordering != Greater,
        CmpOp::Gt => ordering == Greater,
        CmpOp::Ge => ordering != Less,
    }
}

fn compare(actual: FieldValue<'_>, literal: &Literal) -> Option<std::cmp::Ordering> {
    match (actual, literal) {
        (FieldValue::Int(a), Literal::Int(b)) => Some(a.cmp(b)),
        (FieldValue::Int(a), Literal::Float(b)) => (a as f64).partial_cmp(b),
        (FieldValue::Float(a), Literal::Float(b)) => a.partial_cmp(b),
        (FieldValue::Float(a), Literal::Int(b)) => a.partial_cmp(&(*b as f64)),
        (FieldValue::Time(a), Literal::Time(b)) => Some(a.cmp(b)),
        (FieldValue::Str(a), Literal::Time(b)) => parse_time(a).map(|a| a.cmp(b)),
        (FieldValue::Str(a), Literal::Str(b)) => Some(a.cmp(b.as_str())),
        (FieldValue::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Parses an ISO 8601 date-time into milliseconds since the Unix epoch.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|ts| ts.as_millisecond())
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    Ident(String),
    Lit(Literal),
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Self::LParen => "'('".into(),
            Self::RParen => "')'".into(),
            Self::Comma => "','".into(),
            Self::Ident(name) => format!("{name:?}"),
            Self::Lit(literal) => literal.kind_name().into(),
            Self::End => "end of filter".into(),
        }
    }
}

fn lex(input: &str) -> Result<Vec<Tok>, FilterError> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Tok::RParen);
                i += 1;
            }
            ',' => {
                tokens.push(Tok::Comma);
                i += 1;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(FilterError(
                                "invalid filter: unterminated string literal".into(),
                            ));
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            text.push(*other);
                            i += 1;
                        }
                    }
                }
                tokens.push(Tok::Lit(Literal::Str(text)));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '-' | ':' | '.' | '+'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                tokens.push(Tok::Lit(number_or_time(&text)?));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '/' | '.'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                tokens.push(match word.as_str() {
                    "true" => Tok::Lit(Literal::Bool(true)),
                    "false" => Tok::Lit(Literal::Bool(false)),
                    _ => Tok::Ident(word),
                });
            }
            other => {
                return Err(FilterError(format!(
                    "invalid filter: unexpected character {other:?} at position {i}"
                )));
            }
        }
    }
    tokens.push(Tok::End);
    Ok(tokens)
}

fn number_or_time(text: &str) -> Result<Literal, FilterError> {
    if text.contains('T') || text.contains(':') {
        return parse_time(text)
            .map(Literal::Time)
            .ok_or_else(|| FilterError(format!("invalid filter: {text:?} is not an ISO 8601 date-time such as 2024-01-31T00:00:00.000Z")));
    }
    if let Ok(v) = text.parse::<i64>() {
        return Ok(Literal::Int(v));
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Literal::Float(v)),
        _ => Err(FilterError(format!(
            "invalid filter: {text:?} is not a number or a date-time"
        ))),
    }
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).unwrap_or(&Tok::End)
    }

    fn next(&mut self) -> Tok {
        let tok = self.peek().clone();
        self.pos += 1;
        tok
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w == word)
    }

    fn expect(&mut self, tok: Tok) -> Result<(), FilterError> {
        let next = self.next();
        if next == tok {
            Ok(())
        } else {
            Err(FilterError(format!(
                "invalid filter: expected {}, found {}",
                tok.describe(),
                next.describe()
            )))
        }
    }

    fn or(&mut self) -> Result<Expr<String>, FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError("invalid filter: nested too deeply".into()));
        }
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr<String>, FilterError> {
        let mut left = self.not()?;
        while self.keyword("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr<String>, FilterError> {
        if self.keyword("not") {
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(FilterError("invalid filter: nested too deeply".into()));
            }
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr<String>, FilterError> {
        match self.next() {
            Tok::LParen => {
                let inner = self.or()?;
                self.expect(Tok::RParen)?;
                Ok(inner)
            }
            Tok::Ident(name) => {
                let func = match name.as_str() {
                    "contains" => Some(StrFunc::Contains),
                    "startswith" => Some(StrFunc::StartsWith),
                    "endswith" => Some(StrFunc::EndsWith),
                    _ => None,
                };
                if let (Some(func), Tok::LParen) = (func, self.peek()) {
                    self.pos += 1;
                    let field = match self.next() {
                        Tok::Ident(field) => field,
                        other => {
                            return Err(FilterError(format!(
                                "invalid filter: {name}() expects a field name first, found {}",
                                other.describe()
                            )));
                        }
                    };
                    self.expect(Tok::Comma)?;
                    let value = match self.next() {
                        Tok::Lit(Literal::Str(value)) => value,
                        other => {
                            return Err(FilterError(format!(
                                "invalid filter: {name}() expects a quoted string, found {}",
                                other.describe()
                            )));
                        }
                    };
                    self.expect(Tok::RParen)?;
                    return Ok(Expr::Func { func, field, value });
                }
                let op = match self.next() {
                    Tok::Ident(op) => match op.as_str() {
                        "eq" => CmpOp::Eq,
                        "ne" => CmpOp::Ne,
                        "lt" => CmpOp::Lt,
                        "le" => CmpOp::Le,
                        "gt" => CmpOp::Gt,
                        "ge" => CmpOp::Ge,
                        _ => {
                            return Err(FilterError(format!(
                                "invalid filter: unknown operator {op:?} after {name}; use eq ne lt le gt ge"
                            )));
                        }
                    },
                    other => {
                        return Err(FilterError(format!(
                            "invalid filter: expected an operator after {name}, found {}",
                            other.describe()
                        )));
                    }
                };
                match self.next() {
                    Tok::Lit(value) => Ok(Expr::Cmp {
                        field: name,
                        op,
                        value,
                    }),
                    other => Err(FilterError(format!(
                        "invalid filter: expected a value after {name}, found {}",
                        other.describe()
                    ))),
                }
            }
            other => Err(FilterError(format!(
                "invalid filter: expected a comparison, found {}",
                other.describe()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rec(Vec<(&'static str, FieldValue<'static>)>);

    impl Fields<String> for Rec {
        fn field(&self, field: &String) -> Option<FieldValue<'_>> {
            self.0
                .iter()
                .find(|(name, _)| name == field)
                .map(|(_, v)| *v)
        }
    }

    fn check(filter: &str, rec: &Rec) -> bool {
        parse(filter).expect("filter parses").matches(rec)
    }

    #[test]
    fn evaluates_the_netbackup_subset() {
        let t = parse_time("2024-05-06T11:41:45.000Z").expect("time");
        let rec = Rec(vec![
            ("state", FieldValue::Str("DONE")),
            ("status", FieldValue::Int(0)),
            ("clientName", FieldValue::Str("db-01.example.com")),
            ("endTime", FieldValue::Time(t)),
        ]);
        assert!(check("state eq 'DONE' and status eq 0", &rec));
        assert!(!check("state eq 'DONE' and status ne 0", &rec));
        assert!(check(
            "state eq 'ACTIVE' or (status lt 1 and not (status gt 5))",
            &rec
        ));
        assert!(check(
            "endTime ge 2024-05-06T11:41:45.000Z and endTime lt 2024-05-06T11:41:46Z",
            &rec
        ));
        assert!(check(
            "startswith(clientName,'db-') and contains(clientName, 'example')",
            &rec
        ));
        assert!(!check("endswith(clientName,'.org')", &rec));
        // Absent fields match only `ne`.
        assert!(!check("startTime gt 2020-01-01T00:00:00Z", &rec));
        assert!(check("startTime ne 2020-01-01T00:00:00Z", &rec));
        assert!(check("clientName eq 'it''s' or status eq 0", &rec));
        assert_eq!(
            parse("clientName eq 'it''s'").expect("parses"),
            Expr::Cmp {
                field: "clientName".into(),
                op: CmpOp::Eq,
                value: Literal::Str("it's".into())
            }
        );
    }

    #[test]
    fn rejects_malformed_filters_with_a_reason() {
        for bad in [
            "state eq",
            "state is 'DONE'",
            "(status eq 0",
            "status eq 0 and",
            "x eq 'a",
            "endTime gt 2024-13-45T00:00:00Z",
            "status eq 0 )",
            "§",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.0.starts_with("invalid filter"), "{bad}: {err}");
        }
        let deep = format!("{}status eq 0{}", "(".repeat(200), ")".repeat(200));
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn resolve_checks_fields_ops_and_types() {
        #[derive(Debug, Clone, Copy, PartialEq)]
        enum F {
            State,
            End,
            Policy,
        }
        let specs = [
            FieldSpec {
                name: "state",
                field: F::State,
                kind: Kind::Enum(&["DONE", "ACTIVE"]),
                ops: ops::EQ_NE,
            },
            FieldSpec {
                name: "endTime",
                field: F::End,
                kind: Kind::Time,
                ops: ops::ALL_CMP,
            },
            FieldSpec {
                name: "policyName",
                field: F::Policy,
                kind: Kind::Str,
                ops: ops::STR_FUNCS,
            },
        ];
        let resolve = |f: &str| parse(f).and_then(|e| e.resolve(&specs));
        assert!(resolve("state eq 'DONE' and endTime gt 2024-01-01T00:00:00Z").is_ok());
        assert!(
            resolve("state eq 'RUNNING'")
                .expect_err("enum")
                .0
                .contains("possible values")
        );
        assert!(
            resolve("state gt 'DONE'")
                .expect_err("op")
                .0
                .contains("not supported")
        );
        assert!(
            resolve("endTime gt '2024-01-01T00:00:00Z'")
                .expect_err("quoted")
                .0
                .contains("unquoted")
        );
        assert!(resolve("policyName eq 'x'").is_err());
        assert!(
            resolve("nope eq 1")
                .expect_err("field")
                .0
                .contains("filterable fields")
        );
        let expr = resolve("endTime ge 2024-01-01T00:00:00Z and endTime lt 2024-01-02T00:00:00Z and state eq 'DONE'").expect("ok");
        let b = expr.bounds(&F::End);
        assert_eq!(b.lo, parse_time("2024-01-01T00:00:00Z"));
        assert_eq!(b.hi, parse_time("2024-01-02T00:00:00Z").map(|v| v - 1));
        assert!(expr.requires(&F::End));
        assert_eq!(
            resolve("state eq 'DONE' or endTime lt 2024-01-01T00:00:00Z")
                .expect("ok")
                .bounds(&F::End),
            Bounds::NONE
        );
    }
}
