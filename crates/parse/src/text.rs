//! Byte-level helpers shared by the formats: lossy text, percent-decoding, the escapes
//! web servers put inside quoted fields, and splitting a request line and its target.

use std::borrow::Cow;

use kansoku_event::HttpRequest;

/// Text from log bytes; invalid UTF-8 is replaced rather than rejected, because attack
/// traffic carries junk and the rest of the record is still worth keeping.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    // Nearly every field is valid UTF-8, which `from_utf8` checks far faster than the
    // lossy path walks it.
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Whether a field is empty or the absent marker `-`. Written out because a slice
/// comparison calls `memcmp`, which showed in profiles at several calls per field.
#[inline]
pub(crate) fn absent(bytes: &[u8]) -> bool {
    matches!(bytes, [] | [b'-'])
}

/// `s` starts with `lit`, compared byte by byte: the literals of log formats are a few
/// bytes (often none), too short to pay for the `memcmp` call of `starts_with`.
#[inline]
pub(crate) fn starts_with_short(s: &[u8], lit: &[u8]) -> bool {
    s.len() >= lit.len() && s.iter().zip(lit).all(|(a, b)| a == b)
}

/// `None` for the absent marker `-` (and an empty field), the text otherwise.
pub(crate) fn opt_text(bytes: &[u8]) -> Option<String> {
    if absent(bytes) {
        None
    } else {
        Some(lossy(bytes))
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes once, as the server did. Invalid escapes stay as they are and `+` is
/// kept (it only means space in form bodies, and detection wants to see what was sent).
pub fn percent_decode(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'%', bytes) else {
        return Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    Cow::Owned(out)
}

/// Undoes the escapes nginx (`\xHH`, `\"`, `\\`) and Apache (`\xhh`, `\"`, `\\`, `\n`,
/// `\t`) write inside quoted fields. Unknown escapes are kept as logged.
pub(crate) fn unescape_quoted(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'\\', bytes) else {
        return Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'"') | Some(b'\\') => {
                out.push(bytes[i + 1]);
                i += 2;
            }
            Some(b'n') => {
                out.push(b'\n');
                i += 2;
            }
            Some(b't') => {
                out.push(b'\t');
                i += 2;
            }
            Some(b'x') => match (
                bytes.get(i + 2).copied().and_then(hex),
                bytes.get(i + 3).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 4;
                }
                _ => {
                    out.push(b);
                    i += 1;
                }
            },
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// Fills `path`, `query` and `raw_uri` from a request target as logged (`logged`) and
/// with the log's own escapes undone (`target`).
///
/// The target is split at the first `?`; both halves are percent-decoded once. `raw_uri`
/// keeps the logged target only when the decoded form differs from it, so the common
/// case costs no extra string.
pub(crate) fn set_target(rec: &mut HttpRequest, logged: &[u8], target: &[u8]) {
    let (p, q) = match memchr::memchr(b'?', target) {
        Some(i) => (&target[..i], Some(&target[i + 1..])),
        None => (target, None),
    };
    let path = String::from_utf8_lossy(&percent_decode(p)).into_owned();
    let query = q.map(|q| String::from_utf8_lossy(&percent_decode(q)).into_owned());
    let same = match &query {
        None => path.as_bytes() == logged,
        Some(q) => {
            logged.len() == path.len() + 1 + q.len()
                && logged.starts_with(path.as_bytes())
                && logged[path.len()] == b'?'
                && logged.ends_with(q.as_bytes())
        }
    };
    if !same {
        rec.raw_uri = Some(lossy(logged));
    }
    rec.path = Some(path);
    rec.query = query;
}

/// Whether `b` is an HTTP token character (RFC 9110 `tchar`), the alphabet of methods.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Splits a request line (as logged, escapes still in) into method, target and protocol.
///
/// A line that is not `METHOD TARGET HTTP/x` (or the HTTP/0.9 form `METHOD /TARGET`) is
/// still a request a client sent, often a scanner speaking TLS or another protocol to
/// the port: it is kept whole in `raw_uri`, with method and path left empty.
/// `escaped` says whether the log wrote `\xHH` escapes (access logs) or not (JSON).
pub(crate) fn set_request_line(rec: &mut HttpRequest, logged: &[u8], escaped: bool) {
    if absent(logged) {
        return;
    }
    let first = memchr::memchr(b' ', logged);
    let last = memchr::memrchr(b' ', logged);
    let parts = match (first, last) {
        (Some(f), Some(l)) if f < l => {
            let proto = &logged[l + 1..];
            proto
                .starts_with(b"HTTP/")
                .then(|| (&logged[..f], &logged[f + 1..l], Some(proto)))
        }
        (Some(f), _) => {
            let target = &logged[f + 1..];
            target
                .starts_with(b"/")
                .then(|| (&logged[..f], target, None))
        }
        _ => None,
    };
    match parts {
        Some((method, target, proto))
            if !method.is_empty() && method.len() <= 32 && method.iter().all(|&b| is_tchar(b)) =>
        {
            rec.method = Some(lossy(method));
            let plain = if escaped {
                unescape_quoted(target)
            } else {
                Cow::Borrowed(target)
            };
            set_target(rec, target, &plain);
            rec.protocol = proto.map(lossy);
        }
        _ => rec.raw_uri = Some(lossy(logged)),
    }
}

/// Parses an unsigned decimal number made only of ASCII digits.
pub(crate) fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

/// Parses a decimal number such as `0.123`; `None` for anything else.
pub(crate) fn parse_f64(bytes: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(bytes).ok()?;
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn percent_decode_table() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"/a%20b", b"/a b"),
            (b"%2fetc%2Fpasswd", b"/etc/passwd"),
            (b"a+b", b"a+b"),
            (b"%zz%4", b"%zz%4"),
            (b"%252e", b"%2e"),
            (b"%", b"%"),
            (b"%c0%ae", b"\xc0\xae"),
        ];
        for (input, want) in cases {
            assert_eq!(&*percent_decode(input), *want, "{input:?}");
        }
    }

    #[test]
    fn unescape_table() {
        let cases: &[(&[u8], &[u8])] = &[
            (br#"a\"b"#, b"a\"b"),
            (br"\x16\x03\x01", b"\x16\x03\x01"),
            (br"\xZZ", br"\xZZ"),
            (br"tail\", br"tail\"),
            (br"\\x41", br"\x41"),
        ];
        for (input, want) in cases {
            assert_eq!(&*unescape_quoted(input), *want, "{input:?}");
        }
    }

    #[test]
    fn request_lines() {
        // (line, method, path, query, raw_uri, protocol)
        type Row = (
            &'static [u8],
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
        );
        let cases: &[Row] = &[
            (
                b"GET /a?q=1 HTTP/1.1",
                Some("GET"),
                Some("/a"),
                Some("q=1"),
                None,
                Some("HTTP/1.1"),
            ),
            (
                b"GET /%2e%2e/x?a=%27 HTTP/1.0",
                Some("GET"),
                Some("/../x"),
                Some("a='"),
                Some("/%2e%2e/x?a=%27"),
                Some("HTTP/1.0"),
            ),
            (b"GET /", Some("GET"), Some("/"), None, None, None),
            (
                b"GET /a b HTTP/1.1",
                Some("GET"),
                Some("/a b"),
                None,
                None,
                Some("HTTP/1.1"),
            ),
            (b"HELP", None, None, None, Some("HELP"), None),
            (
                br"\x16\x03\x01\x01 \x02",
                None,
                None,
                None,
                Some(r"\x16\x03\x01\x01 \x02"),
                None,
            ),
            (b"-", None, None, None, None, None),
            (
                br"GET /\xE6\x97\xA5 HTTP/1.1",
                Some("GET"),
                Some("/日"),
                None,
                Some(r"/\xE6\x97\xA5"),
                Some("HTTP/1.1"),
            ),
        ];
        for &(line, method, path, query, raw, proto) in cases {
            let mut r = HttpRequest::default();
            set_request_line(&mut r, line, true);
            let got = (
                r.method.as_deref(),
                r.path.as_deref(),
                r.query.as_deref(),
                r.raw_uri.as_deref(),
                r.protocol.as_deref(),
            );
            assert_eq!(
                got,
                (method, path, query, raw, proto),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    proptest! {
        #[test]
        fn decoding_plain_ascii_is_identity(s in "[ -$&-~]*") {
            prop_assert_eq!(&*percent_decode(s.as_bytes()), s.as_bytes());
        }

        #[test]
        fn decoders_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = percent_decode(&b);
            let _ = unescape_quoted(&b);
            let mut r = HttpRequest::default();
            set_request_line(&mut r, &b, true);
        }
    }
}
