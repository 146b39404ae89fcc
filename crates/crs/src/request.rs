//! A request as a log shows it, and the SecLang variables derived from it once per
//! request (arguments decoded, path split, cookies parsed).

use crate::rule::Var;
use crate::transform::Transform;

/// A request rebuilt from a log line. Every field is what the log carries, as bytes.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a [u8],
    /// The request target as logged (`/a/b?x=1`, or an absolute URL).
    pub uri: &'a [u8],
    /// `HTTP/1.1`; empty when the log does not say.
    pub protocol: &'a [u8],
    /// Headers the log shows (name, value): typically Host, User-Agent, Referer.
    pub headers: Vec<(&'a [u8], &'a [u8])>,
    /// The body, when the source carries it (a WAF audit log), read as a form.
    pub body: Option<&'a [u8]>,
    /// Client address.
    pub remote_addr: &'a [u8],
    /// Response status, when known.
    pub status: Option<u16>,
}

/// One member of a collection (or a scalar variable): its key and value.
#[derive(Debug, Clone, Default)]
pub struct Member {
    /// Key within the collection (`id` for `ARGS:id`), or empty for a scalar.
    pub key: Vec<u8>,
    /// The value.
    pub value: Vec<u8>,
}

/// The variables of one request. Member ids index `members` and are stable for the
/// request, so transformed values can be cached per (member, transformation chain).
#[derive(Debug, Default)]
pub struct Vars {
    /// Every member of every request variable.
    pub members: Vec<Member>,
    hashes: Vec<u64>,
    lists: Vec<(Var, Vec<u32>)>,
}

impl Vars {
    /// Fills the variables for `req`, reusing allocations.
    pub fn fill(&mut self, req: &Request<'_>) {
        self.members.clear();
        self.hashes.clear();
        for (_, l) in &mut self.lists {
            l.clear();
        }
        let raw = req.uri;
        let uri = strip_authority(raw);
        let (path, query) = match memchr::memchr(b'?', uri) {
            Some(i) => (&uri[..i], Some(&uri[i + 1..])),
            None => (uri, None),
        };
        // REQUEST_FILENAME is the path percent-decoded (not `+`), as CRS's tests expect.
        let decoded_path = percent_decode(path);
        let path = decoded_path.as_slice();
        let basename = match memchr::memrchr(b'/', path) {
            Some(i) => &path[i + 1..],
            None => path,
        };
        let mut line = Vec::with_capacity(req.method.len() + raw.len() + req.protocol.len() + 2);
        line.extend_from_slice(req.method);
        line.push(b' ');
        line.extend_from_slice(raw);
        if !req.protocol.is_empty() {
            line.push(b' ');
            line.extend_from_slice(req.protocol);
        }
        self.scalar(Var::RequestMethod, req.method);
        self.scalar(Var::RequestUri, uri);
        self.scalar(Var::RequestUriRaw, raw);
        self.scalar(Var::RequestFilename, path);
        self.scalar(Var::RequestBasename, basename);
        self.scalar(Var::RequestProtocol, req.protocol);
        self.scalar(Var::RemoteAddr, req.remote_addr);
        self.push(Var::RequestLine, Vec::new(), line);
        if let Some(q) = query {
            self.scalar(Var::QueryString, q);
        } else {
            self.scalar(Var::QueryString, b"");
        }
        if let Some(status) = req.status {
            self.push(
                Var::ResponseStatus,
                Vec::new(),
                status.to_string().into_bytes(),
            );
        }

        let mut combined = 0usize;
        if let Some(q) = query {
            for (k, v) in form_pairs(q) {
                combined += k.len() + v.len();
                self.push(Var::ArgsGetNames, k.clone(), k.clone());
                self.push(Var::ArgsGet, k, v);
            }
        }
        if let Some(body) = req.body {
            self.scalar(Var::RequestBody, body);
            self.scalar(Var::ReqbodyProcessor, b"URLENCODED");
            for (k, v) in form_pairs(body) {
                combined += k.len() + v.len();
                self.push(Var::ArgsPostNames, k.clone(), k.clone());
                self.push(Var::ArgsPost, k, v);
            }
        }
        self.scalar(Var::ReqbodyError, b"0");
        self.push(
            Var::ArgsCombinedSize,
            Vec::new(),
            combined.to_string().into_bytes(),
        );
        for &(name, value) in &req.headers {
            self.push(Var::RequestHeadersNames, name.to_vec(), name.to_vec());
            self.push(Var::RequestHeaders, name.to_vec(), value.to_vec());
            if name.eq_ignore_ascii_case(b"cookie") {
                for (k, v) in cookie_pairs(value) {
                    self.push(Var::RequestCookiesNames, k.clone(), k.clone());
                    self.push(Var::RequestCookies, k, v);
                }
            }
        }
    }

    fn scalar(&mut self, var: Var, value: &[u8]) {
        self.push(var, Vec::new(), value.to_vec());
    }

    fn push(&mut self, var: Var, key: Vec<u8>, value: Vec<u8>) {
        let id = u32::try_from(self.members.len()).unwrap_or(u32::MAX);
        self.hashes.push(hash(&value));
        self.members.push(Member { key, value });
        match self.lists.iter_mut().find(|(v, _)| *v == var) {
            Some((_, l)) => l.push(id),
            None => self.lists.push((var, vec![id])),
        }
    }

    /// A 64-bit hash of a member's value (for remembering answers across requests).
    pub fn hash(&self, id: u32) -> u64 {
        self.hashes.get(id as usize).copied().unwrap_or(0)
    }

    /// A 64-bit hash of the request's shape: which variables it has, with which keys, in
    /// which order (member ids), but not their values. Two requests of one shape number
    /// their members alike.
    pub fn shape(&self) -> u64 {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut h = foldhash::fast::FixedState::with_seed(0x6b61_6e73_6f6b_7503).build_hasher();
        for (var, ids) in self.lists.iter().filter(|(_, ids)| !ids.is_empty()) {
            var.hash(&mut h);
            ids.hash(&mut h);
        }
        for m in &self.members {
            h.write(&m.key);
            h.write_usize(m.key.len());
        }
        h.finish()
    }

    /// Member ids of a request variable (`ARGS` joins `ARGS_GET` and `ARGS_POST`).
    pub fn ids(&self, var: Var, out: &mut Vec<u32>) {
        let mut add = |v: Var| {
            if let Some((_, l)) = self.lists.iter().find(|(x, _)| *x == v) {
                out.extend_from_slice(l);
            }
        };
        match var {
            Var::Args => {
                add(Var::ArgsGet);
                add(Var::ArgsPost);
            }
            Var::ArgsNames => {
                add(Var::ArgsGetNames);
                add(Var::ArgsPostNames);
            }
            v => add(v),
        }
    }

    /// The first value of a scalar variable, or a member by key (case-insensitive).
    pub fn get(&self, var: Var, key: Option<&[u8]>) -> Option<&[u8]> {
        self.find(var, key)
            .map(|id| self.members[id as usize].value.as_slice())
    }

    /// The id of the member [`Vars::get`] reads.
    pub fn find(&self, var: Var, key: Option<&[u8]>) -> Option<u32> {
        let mut ids = Vec::new();
        self.ids(var, &mut ids);
        ids.into_iter()
            .find(|&i| key.is_none_or(|k| self.members[i as usize].key.eq_ignore_ascii_case(k)))
    }
}

fn hash(value: &[u8]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // Fixed seed: the same value hashes the same in every request of a thread.
    let mut h = foldhash::fast::FixedState::with_seed(0x6b61_6e73_6f6b_7500).build_hasher();
    h.write(value);
    h.write_usize(value.len());
    h.finish()
}

/// `%XX` decoded; a malformed escape is kept as is; `+` stays.
fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && let (Some(h), Some(l)) = (
                s.get(i + 1).copied().and_then(hex),
                s.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// `http://host:port/path` → `/path`; anything else unchanged.
fn strip_authority(uri: &[u8]) -> &[u8] {
    let lower_starts = |p: &[u8]| uri.len() >= p.len() && uri[..p.len()].eq_ignore_ascii_case(p);
    for scheme in [&b"http://"[..], b"https://"] {
        if lower_starts(scheme) {
            let rest = &uri[scheme.len()..];
            return match memchr::memchr(b'/', rest) {
                Some(i) => &rest[i..],
                None => b"/",
            };
        }
    }
    uri
}

/// `a=1&b=2` → decoded pairs, as ModSecurity parses `application/x-www-form-urlencoded`.
fn form_pairs(s: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = match memchr::memchr(b'=', p) {
                Some(i) => (&p[..i], &p[i + 1..]),
                None => (p, &b""[..]),
            };
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &[u8]) -> Vec<u8> {
    Transform::from_name("urlDecodeUni")
        .and_then(|t| t.apply(s))
        .unwrap_or_else(|| s.to_vec())
}

/// `a=1; b=2` → pairs (version 0 cookies, values as sent).
fn cookie_pairs(s: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.split(|&b| b == b';')
        .map(<[u8]>::trim_ascii)
        .filter(|p| !p.is_empty())
        .map(|p| match memchr::memchr(b'=', p) {
            Some(i) => (p[..i].to_vec(), p[i + 1..].to_vec()),
            None => (p.to_vec(), Vec::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_of_a_logged_request() {
        let req = Request {
            method: b"GET",
            uri: b"http://example.com/a/b.php?id=1%27&x",
            protocol: b"HTTP/1.1",
            headers: vec![(b"User-Agent", b"curl"), (b"Cookie", b"s=1; t=2")],
            ..Default::default()
        };
        let mut v = Vars::default();
        v.fill(&req);
        assert_eq!(
            v.get(Var::RequestUri, None),
            Some(&b"/a/b.php?id=1%27&x"[..])
        );
        assert_eq!(v.get(Var::RequestFilename, None), Some(&b"/a/b.php"[..]));
        assert_eq!(v.get(Var::RequestBasename, None), Some(&b"b.php"[..]));
        assert_eq!(v.get(Var::Args, Some(b"ID")), Some(&b"1'"[..]));
        assert_eq!(v.get(Var::Args, Some(b"x")), Some(&b""[..]));
        assert_eq!(v.get(Var::RequestCookies, Some(b"t")), Some(&b"2"[..]));
        assert_eq!(
            v.get(Var::RequestHeaders, Some(b"user-agent")),
            Some(&b"curl"[..])
        );
        assert_eq!(
            v.get(Var::RequestLine, None),
            Some(&b"GET http://example.com/a/b.php?id=1%27&x HTTP/1.1"[..])
        );
    }
}
