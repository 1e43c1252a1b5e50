//! `$filter`: the OData subset directory queries accept. Comparisons on strings
//! are case-insensitive, as in Entra. `ne`, `not` and `endswith` are "advanced
//! queries" that Graph serves only with `ConsistencyLevel: eventual`.

use serde_json::{Map, Value};

use crate::error::{GraphError, GraphResult};

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare(String, Op, Value),
    In(String, Vec<Value>),
    StartsWith(String, String),
    EndsWith(String, String),
    /// `collection/any(v: v/prop eq 'x')`: some element matches (paths under `v`).
    Any(String, String, Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Num(f64),
    Open,
    Close,
    Comma,
}

fn invalid(text: &str) -> GraphError {
    GraphError::bad_request(format!("Invalid filter clause: {text}"))
}

fn tokenize(text: &str) -> GraphResult<Vec<Token>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1
            }
            ')' => {
                out.push(Token::Close);
                i += 1
            }
            ',' => {
                out.push(Token::Comma);
                i += 1
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(invalid(text)),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1
                        }
                    }
                }
                out.push(Token::Str(s));
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '(' | ')' | ',' | '\'') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let numeric = word.starts_with(|c: char| c.is_ascii_digit() || c == '-');
                match word.parse::<f64>() {
                    Ok(n) if numeric => out.push(Token::Num(n)),
                    _ => out.push(Token::Word(word)),
                }
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn next(&mut self) -> GraphResult<Token> {
        let t = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or_else(|| invalid(self.text))?;
        self.pos += 1;
        Ok(t)
    }

    fn expect(&mut self, t: Token) -> GraphResult<()> {
        if self.next()? == t {
            Ok(())
        } else {
            Err(invalid(self.text))
        }
    }

    fn expr(&mut self) -> GraphResult<Filter> {
        let mut left = self.and_expr()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and_expr()?));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> GraphResult<Filter> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> GraphResult<Filter> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn literal(&mut self) -> GraphResult<Value> {
        Ok(match self.next()? {
            Token::Str(s) => Value::String(s),
            Token::Num(n) => serde_json::Number::from_f64(n)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Token::Word(w) if w == "true" => Value::Bool(true),
            Token::Word(w) if w == "false" => Value::Bool(false),
            Token::Word(w) if w == "null" => Value::Null,
            // Edm.Guid literals are written bare.
            Token::Word(w)
                if w.len() == 36 && w.chars().all(|c| c.is_ascii_hexdigit() || c == '-') =>
            {
                Value::String(w)
            }
            // Edm.DateTimeOffset literals too (`activityDateTime ge 2026-12-01T14:00:00Z`).
            Token::Word(w) if chrono::DateTime::parse_from_rfc3339(&w).is_ok() => Value::String(w),
            _ => return Err(invalid(self.text)),
        })
    }

    fn primary(&mut self) -> GraphResult<Filter> {
        match self.next()? {
            Token::Open => {
                let e = self.expr()?;
                self.expect(Token::Close)?;
                Ok(e)
            }
            Token::Word(w)
                if self.tokens.get(self.pos) == Some(&Token::Open)
                    && w.to_ascii_lowercase().ends_with("/any") =>
            {
                self.pos += 1;
                let Token::Word(head) = self.next()? else {
                    return Err(invalid(self.text));
                };
                let Some((var, rest)) = head.split_once(':') else {
                    return Err(invalid(self.text));
                };
                if !rest.is_empty() {
                    // `t:t/id` written without a space: the rest is the first path.
                    self.pos -= 1;
                    self.tokens[self.pos] = Token::Word(rest.to_string());
                }
                let inner = self.expr()?;
                self.expect(Token::Close)?;
                Ok(Filter::Any(
                    w[..w.len() - "/any".len()].to_string(),
                    var.trim().to_string(),
                    Box::new(inner),
                ))
            }
            Token::Word(w) if self.tokens.get(self.pos) == Some(&Token::Open) => {
                let func = w.to_ascii_lowercase();
                if func != "startswith" && func != "endswith" {
                    return Err(GraphError::unsupported_query(format!(
                        "Unsupported Query. Function '{w}' is not supported."
                    )));
                }
                self.pos += 1;
                let Token::Word(path) = self.next()? else {
                    return Err(invalid(self.text));
                };
                self.expect(Token::Comma)?;
                let Token::Str(arg) = self.next()? else {
                    return Err(invalid(self.text));
                };
                self.expect(Token::Close)?;
                Ok(if func == "startswith" {
                    Filter::StartsWith(path, arg)
                } else {
                    Filter::EndsWith(path, arg)
                })
            }
            Token::Word(path) => {
                if path.contains("/any(") || path.contains("/all(") {
                    return Err(GraphError::unsupported_query(
                        "Unsupported Query. Lambda operators are not supported by the emulator.",
                    ));
                }
                let Token::Word(op) = self.next()? else {
                    return Err(invalid(self.text));
                };
                let op = match op.to_ascii_lowercase().as_str() {
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "gt" => Op::Gt,
                    "ge" => Op::Ge,
                    "lt" => Op::Lt,
                    "le" => Op::Le,
                    "in" => {
                        self.expect(Token::Open)?;
                        let mut values = vec![self.literal()?];
                        while self.tokens.get(self.pos) == Some(&Token::Comma) {
                            self.pos += 1;
                            values.push(self.literal()?);
                        }
                        self.expect(Token::Close)?;
                        return Ok(Filter::In(path, values));
                    }
                    _ => return Err(invalid(self.text)),
                };
                Ok(Filter::Compare(path, op, self.literal()?))
            }
            _ => Err(invalid(self.text)),
        }
    }
}

impl Filter {
    pub fn parse(text: &str) -> GraphResult<Filter> {
        let mut p = Parser {
            tokens: tokenize(text)?,
            pos: 0,
            text,
        };
        let f = p.expr()?;
        if p.pos != p.tokens.len() {
            return Err(invalid(text));
        }
        Ok(f)
    }

    /// Does this filter use an operator that needs `ConsistencyLevel: eventual`?
    pub fn is_advanced(&self) -> bool {
        match self {
            Filter::Or(a, b) | Filter::And(a, b) => a.is_advanced() || b.is_advanced(),
            Filter::Any(_, _, inner) => inner.is_advanced(),
            Filter::Not(_) | Filter::EndsWith(..) => true,
            Filter::Compare(_, op, _) => *op == Op::Ne,
            Filter::In(..) | Filter::StartsWith(..) => false,
        }
    }

    /// The ids of an `id eq 'a' or id eq 'b'` filter (the only form delta accepts).
    pub fn id_list(&self) -> Option<Vec<String>> {
        match self {
            Filter::Compare(p, Op::Eq, Value::String(id)) if p == "id" => Some(vec![id.clone()]),
            Filter::Or(a, b) => {
                let mut ids = a.id_list()?;
                ids.extend(b.id_list()?);
                Some(ids)
            }
            _ => None,
        }
    }

    pub fn matches(&self, obj: &Map<String, Value>) -> bool {
        match self {
            Filter::Or(a, b) => a.matches(obj) || b.matches(obj),
            Filter::And(a, b) => a.matches(obj) && b.matches(obj),
            Filter::Not(a) => !a.matches(obj),
            Filter::Compare(path, op, lit) => compare(lookup(obj, path), *op, lit),
            Filter::In(path, lits) => lits.iter().any(|l| compare(lookup(obj, path), Op::Eq, l)),
            Filter::StartsWith(path, prefix) => {
                as_text(lookup(obj, path)).is_some_and(|s| starts_with_ignoring_case(s, prefix))
            }
            Filter::EndsWith(path, suffix) => as_text(lookup(obj, path))
                .is_some_and(|s| s.to_lowercase().ends_with(&suffix.to_lowercase())),
            Filter::Any(path, var, inner) => lookup(obj, path)
                .and_then(Value::as_array)
                .is_some_and(|items| {
                    items.iter().any(|item| {
                        let mut scope = Map::new();
                        scope.insert(var.clone(), item.clone());
                        inner.matches(&scope)
                    })
                }),
        }
    }
}

fn lookup<'a>(obj: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('/');
    let mut cur = obj.get(parts.next()?)?;
    for p in parts {
        cur = cur.get(p)?;
    }
    Some(cur)
}

/// A string that is an RFC 3339 timestamp, as an instant.
fn instant(s: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let looks = s.len() >= 20 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T';
    looks
        .then(|| chrono::DateTime::parse_from_rfc3339(s).ok())
        .flatten()
}

/// Graph's `startswith`, which ignores case. ASCII prefixes (every one the
/// engine's partitioned reads send) are compared in place: lowercasing each
/// value made a filtered page of 100,000 users a full allocation per user.
fn starts_with_ignoring_case(s: &str, prefix: &str) -> bool {
    if prefix.is_ascii() {
        return s.len() >= prefix.len()
            && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    }
    s.to_lowercase().starts_with(&prefix.to_lowercase())
}

fn as_text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

fn compare(actual: Option<&Value>, op: Op, lit: &Value) -> bool {
    let actual = actual.unwrap_or(&Value::Null);
    let ord = match (actual, lit) {
        // Timestamps compare as instants: `...:00Z` and `...:00.5000000Z` differ in text order.
        (Value::String(a), Value::String(b))
            if let (Some(a), Some(b)) = (instant(a), instant(b)) =>
        {
            Some(a.cmp(&b))
        }
        (Value::String(a), Value::String(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Null, Value::Null) => Some(std::cmp::Ordering::Equal),
        _ => None,
    };
    match (op, ord) {
        (Op::Eq, o) => o == Some(std::cmp::Ordering::Equal),
        (Op::Ne, o) => o != Some(std::cmp::Ordering::Equal),
        (_, None) => false,
        (Op::Gt, Some(o)) => o.is_gt(),
        (Op::Ge, Some(o)) => o.is_ge(),
        (Op::Lt, Some(o)) => o.is_lt(),
        (Op::Le, Some(o)) => o.is_le(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn simple_forms_match_case_insensitively() {
        let u = obj(
            json!({"displayName": "Adele Vance", "department": "Sales", "accountEnabled": true}),
        );
        assert!(
            Filter::parse("displayName eq 'adele vance'")
                .unwrap()
                .matches(&u)
        );
        assert!(
            Filter::parse("startswith(displayName,'ADE')")
                .unwrap()
                .matches(&u)
        );
        assert!(
            Filter::parse("department in ('HR', 'Sales')")
                .unwrap()
                .matches(&u)
        );
        assert!(
            Filter::parse("accountEnabled eq true and department eq 'Sales'")
                .unwrap()
                .matches(&u)
        );
        assert!(
            !Filter::parse("department eq 'HR' or displayName eq 'x'")
                .unwrap()
                .matches(&u)
        );
        assert!(
            Filter::parse("displayName eq 'O''Brien'").unwrap()
                == Filter::Compare("displayName".into(), Op::Eq, json!("O'Brien"))
        );
    }

    #[test]
    fn advanced_and_invalid_forms_are_recognised() {
        assert!(Filter::parse("department ne 'HR'").unwrap().is_advanced());
        assert!(
            Filter::parse("endswith(mail,'@contoso.com')")
                .unwrap()
                .is_advanced()
        );
        assert!(!Filter::parse("id eq 'a'").unwrap().is_advanced());
        assert!(Filter::parse("displayName eq").is_err());
        assert!(Filter::parse("displayName eq 'x' extra").is_err());
        assert_eq!(
            Filter::parse("id eq 'a' or id eq 'b'").unwrap().id_list(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
    }
}
