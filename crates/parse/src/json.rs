//! Reading JSON log lines: lenient about text (invalid UTF-8 is replaced), strict about
//! structure. serde_json bounds nesting at 128 levels, so no line can exhaust the stack.

use serde_json::{Map, Value};

use crate::ParseError;

/// The line as a JSON object.
pub(crate) fn object(line: &[u8]) -> Result<Map<String, Value>, ParseError> {
    let text = String::from_utf8_lossy(line);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ParseError::Malformed("JSON line is not an object".into())),
        Err(e) => Err(ParseError::Malformed(format!("not JSON: {e}"))),
    }
}

/// A string or number as text; `null`, `""` and `-` are absent.
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if s.is_empty() || s == "-" => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => text(a.first()),
        _ => None,
    }
}

/// A non-negative integer written as a number or as a numeric string.
pub(crate) fn uint(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Looks `path` (`a.b.c`) up in an object whose keys may be nested (`{"a":{"b":..}}`),
/// dotted (`{"a.b":..}`) or a mix of both, as ECS documents allow.
pub(crate) fn lookup<'a>(obj: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = obj.get(path) {
        return Some(v);
    }
    let mut split = path.match_indices('.').map(|(i, _)| i);
    split.find_map(|i| match obj.get(&path[..i]) {
        Some(Value::Object(inner)) => lookup(inner, &path[i + 1..]),
        _ => None,
    })
}

/// A header value from `{"Name": "v"}` (any case, value possibly a list) or from
/// `[{"name": "Name", "value": "v"}]`.
pub(crate) fn header(headers: Option<&Value>, name: &str) -> Option<String> {
    match headers? {
        Value::Object(m) => m
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| text(Some(v))),
        Value::Array(items) => items.iter().find_map(|h| {
            let n = h.get("name").and_then(Value::as_str)?;
            n.eq_ignore_ascii_case(name).then(|| text(h.get("value")))?
        }),
        _ => None,
    }
}

/// `1.1`, `"1.1"` or `"HTTP/1.1"` as `HTTP/1.1`.
pub(crate) fn protocol(v: Option<&Value>) -> Option<String> {
    let t = text(v)?;
    Some(if t.starts_with("HTTP") {
        t
    } else {
        format!("HTTP/{t}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_nested_dotted_and_mixed() {
        let o = object(br#"{"a":{"b":{"c":1}},"x.y":2,"m":{"n.o":3}}"#).expect("object");
        assert_eq!(uint(lookup(&o, "a.b.c")), Some(1));
        assert_eq!(uint(lookup(&o, "x.y")), Some(2));
        assert_eq!(uint(lookup(&o, "m.n.o")), Some(3));
        assert_eq!(lookup(&o, "a.c"), None);
    }

    #[test]
    fn headers_in_both_shapes() {
        let o = object(br#"{"h":{"user-agent":["ua"]},"l":[{"name":"Host","value":"x"}]}"#)
            .expect("object");
        assert_eq!(header(o.get("h"), "User-Agent").as_deref(), Some("ua"));
        assert_eq!(header(o.get("l"), "host").as_deref(), Some("x"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(object(deep.as_bytes()).is_err());
        assert!(
            object(b"{\"a\":\"\xff\"}").is_ok(),
            "invalid UTF-8 is replaced"
        );
    }
}
