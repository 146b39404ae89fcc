//! The decoded buffers of one request. Each zone's raw text is fetched once; each
//! (zone, transform chain) slot is decoded only when something reads it, and slots whose
//! decoding would give the same bytes share one buffer: the raw text itself when no step
//! of the chain would change it (no `%`, `+`, `&`, uppercase…), or the first slot with
//! the same effective steps over the same text (the path and a query-less URI included).

use kansoku_event::HttpRequest;

use crate::compile::Engine;
use crate::model::Zone;
use crate::transform;

const ZONES: usize = Zone::ALL.len();

/// Where a slot's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Src {
    /// The zone is missing from the request.
    Absent,
    /// The raw text of this zone, unchanged by the chain.
    Raw(u8),
    /// `bufs[slot]`, decoded from its zone by its chain.
    Own(u16),
}

/// Per-thread buffers, grown once and reused for every request.
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    raw: Vec<Vec<u8>>,
    loaded: [bool; ZONES],
    present: [bool; ZONES],
    /// Whether `need` and `same_as` are known for the zone.
    scanned: [bool; ZONES],
    /// Earlier zone with the same raw text (itself otherwise).
    same_as: [u8; ZONES],
    need: [u8; ZONES],
    src: Vec<Src>,
    resolved: Vec<bool>,
    eff: Vec<u8>,
    ready: Vec<bool>,
    bufs: Vec<Vec<u8>>,
    tmp: Vec<u8>,
}

/// The zone's text borrowed from the request, or `None` when it must be built (the URI
/// of a request logged without one, the status) or is missing (`Some(None)`).
fn field(req: &HttpRequest, zone: Zone) -> Option<Option<&[u8]>> {
    let s = match zone {
        Zone::Path => req.path.as_deref(),
        Zone::Query | Zone::Args => req.query.as_deref(),
        Zone::Uri => match &req.raw_uri {
            Some(raw) => Some(raw.as_str()),
            None if req.path.is_none() => None,
            None => return None,
        },
        Zone::UserAgent => req.user_agent.as_deref(),
        Zone::Referer => req.referer.as_deref(),
        Zone::Method => req.method.as_deref(),
        Zone::Status => return None,
        Zone::Host => req.host.as_deref(),
        Zone::Headers => req.x_forwarded_for.as_deref(),
        Zone::Body => req.body.as_deref(),
        Zone::ClientIp => req.src_ip.as_deref(),
    };
    Some(s.map(str::as_bytes))
}

/// Builds the text of a zone that the request does not hold as one string.
fn build(req: &HttpRequest, zone: Zone, out: &mut Vec<u8>) -> bool {
    out.clear();
    if zone == Zone::Status {
        let Some(status) = req.status else {
            return false;
        };
        let mut digits = [0u8; 5];
        let mut i = digits.len();
        let mut n = status;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[i..]);
        return true;
    }
    let Some(path) = req.path.as_deref() else {
        return false;
    };
    out.extend_from_slice(path.as_bytes());
    if let Some(q) = &req.query {
        out.push(b'?');
        out.extend_from_slice(q.as_bytes());
    }
    true
}

/// A zone's text once [`Buffers::load`] has run for it.
fn text<'a>(req: &'a HttpRequest, zone: u8, built: &'a [Vec<u8>]) -> &'a [u8] {
    let z = Zone::ALL[zone as usize];
    match field(req, z) {
        Some(s) => s.unwrap_or_default(),
        None => &built[zone as usize],
    }
}

impl Buffers {
    /// Forgets the previous request; nothing is read or decoded until asked for.
    pub fn prepare(&mut self, eng: &Engine) {
        let n = eng.slots.len();
        if self.src.len() < n {
            self.src.resize(n, Src::Absent);
            self.resolved.resize(n, false);
            self.eff.resize(n, 0);
            self.ready.resize(n, false);
            self.bufs.resize_with(n, Vec::new);
        }
        if self.raw.len() < ZONES {
            self.raw.resize_with(ZONES, Vec::new);
        }
        self.loaded = [false; ZONES];
        self.resolved[..n].fill(false);
        self.ready[..n].fill(false);
    }

    /// Finds the zone's text (building it when the request holds no such string).
    fn load(&mut self, req: &HttpRequest, zone: Zone) -> bool {
        let z = zone as usize;
        if !self.loaded[z] {
            self.loaded[z] = true;
            self.scanned[z] = false;
            self.present[z] = match field(req, zone) {
                Some(s) => s.is_some(),
                None => build(req, zone, &mut self.raw[z]),
            };
        }
        self.present[z]
    }

    /// The zone's text as logged, `None` when the request lacks it.
    pub fn raw<'a>(&'a mut self, req: &'a HttpRequest, zone: Zone) -> Option<&'a [u8]> {
        self.load(req, zone)
            .then(|| text(req, zone as u8, &self.raw))
    }

    /// Decides where slot `i`'s bytes come from.
    fn resolve(&mut self, eng: &Engine, req: &HttpRequest, i: usize) -> Src {
        if self.resolved[i] {
            return self.src[i];
        }
        self.resolved[i] = true;
        let (zone, chain) = eng.slots[i];
        let z = zone as usize;
        if !self.load(req, zone) {
            self.src[i] = Src::Absent;
            return Src::Absent;
        }
        if !self.scanned[z] {
            self.scanned[z] = true;
            let own = text(req, z as u8, &self.raw);
            self.need[z] = transform::needs(own);
            self.same_as[z] = z as u8;
            let twin = (0..ZONES).find(|&y| {
                y != z
                    && self.loaded[y]
                    && self.present[y]
                    && self.scanned[y]
                    && self.same_as[y] as usize == y
                    && text(req, y as u8, &self.raw) == own
            });
            if let Some(y) = twin {
                self.same_as[z] = y as u8;
            }
        }
        let eff = transform::effective(chain, self.need[z]);
        self.eff[i] = eff;
        let base = self.same_as[z];
        self.src[i] = if eff == 0 {
            Src::Raw(base)
        } else {
            let owner = (0..eng.slots.len()).find(|&j| {
                j != i
                    && self.resolved[j]
                    && self.src[j] == Src::Own(j as u16)
                    && self.eff[j] == eff
                    && self.same_as[eng.slots[j].0 as usize] == base
            });
            Src::Own(owner.unwrap_or(i) as u16)
        };
        self.src[i]
    }

    /// The bytes of slot `s` (decoding them on first use), `None` when its zone is absent.
    pub fn get<'a>(&'a mut self, eng: &Engine, req: &'a HttpRequest, s: usize) -> Option<&'a [u8]> {
        self.ensure(eng, req, s);
        self.peek(req, s)
    }

    /// Decodes slot `s` unless done already, and says where its bytes are.
    pub fn ensure(&mut self, eng: &Engine, req: &HttpRequest, s: usize) -> Src {
        let src = self.resolve(eng, req, s);
        if let Src::Own(j) = src {
            let j = j as usize;
            if !self.ready[j] {
                self.ready[j] = true;
                let (zone, chain) = eng.slots[j];
                let z = zone as usize;
                transform::apply_with_needs(
                    chain,
                    text(req, z as u8, &self.raw),
                    self.need[z],
                    &mut self.bufs[j],
                    &mut self.tmp,
                );
            }
        }
        src
    }

    /// The bytes of slot `s`, which [`Buffers::ensure`] has decoded.
    pub fn peek<'a>(&'a self, req: &'a HttpRequest, s: usize) -> Option<&'a [u8]> {
        match self.src[s] {
            Src::Absent => None,
            Src::Raw(z) => Some(text(req, z, &self.raw)),
            Src::Own(j) => Some(&self.bufs[j as usize]),
        }
    }

    /// Where slot `s`'s bytes are, once [`Buffers::ensure`] has run for it.
    pub fn src(&self, s: usize) -> Src {
        if self.resolved[s] {
            self.src[s]
        } else {
            Src::Absent
        }
    }
}
