//! Literal gates for regexes: a set of needles such that every match of the regex (on a
//! buffer decoded by the check's transforms) contains at least one of them. The shared
//! Aho–Corasick pass finds them, so a regex only runs on requests that carry one; a
//! regex without a selective enough set falls back to the per-zone `RegexSet`, which
//! runs on every request and is what makes a benign request expensive.
//!
//! The set is searched for anywhere in the pattern, not only at its start: for each
//! concatenation, the literal prefixes of every suffix of it (`;\s*(id|cat…)` gives
//! `;id`, `; id`, `;cat`…), and for an alternation the union of its branches' sets.
//! When the chain squeezes whitespace, `\s*` can only be empty or one space there, which
//! lets separators and keywords join into needles rare enough to gate.

use std::collections::HashSet;

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Capture, Class, Hir, HirKind, Repetition};

/// Most needles one regex may contribute to the automaton.
const MAX_NEEDLES: usize = 1500;

/// Elements of a concatenation whose literal prefixes are extracted at each position.
/// Every match of `subs[i..]` starts with a match of `subs[i..i + TAIL]`, so the window's
/// prefixes gate as well as the whole tail's; with needles of at most 8 bytes a longer
/// window finds nothing more, and the window keeps the search linear in the pattern's
/// length instead of quadratic (a hostile or generated 2 KB rule took seconds to load).
const TAIL: usize = 32;

/// Minimum [`needle_score`] of every needle of a gate.
const MIN_SCORE: u32 = 3;

/// How unusual a byte is in benign URLs, agents and referers.
fn byte_weight(b: u8) -> u32 {
    match b {
        b'\'' | b'"' | b'<' | b'>' | b'`' | b'|' | b'$' | b'{' | b'}' | b'\\' | b'^' => 4,
        b'!' | b'*' | b'~' | b'@' | b'#' | b'[' | b']' => 2,
        // Never in valid UTF-8: only overlong-encoding tricks produce them.
        0xc0 | 0xc1 | 0xf5..=0xff => 8,
        0..=0x1f | 0x7f => 8,
        _ => 1,
    }
}

/// Fragments of ordinary traffic (agents, referers, URLs, lowercased): a needle found
/// here would wake its rule on benign requests, so it cannot gate.
const COMMON: &str = "mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 \
(khtml, like gecko) chrome/124.0.0.0 safari/537.36 edg/124.0.2478.80 (macintosh; intel mac \
os x 10_15_7) version/17.4.1 (iphone; cpu iphone os 17_4 like mac os x) mobile/15e148 \
(linux; android 14; pixel 8) samsungbrowser/24.0 (x11; linux x86_64; rv:125.0) \
gecko/20100101 firefox/125.0 (compatible; googlebot/2.1; +http://www.google.com/bot.html) \
(compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) curl/8.5.0 python-requests/2.31 \
https://www.google.com/search?q=blue+shoes&hl=en&source=hp http://www.example.com/index.html \
/wp-content/uploads/2023/01/photo.jpg /wp-includes/js/jquery/jquery.min.js?ver=3.7.1 \
/static/app.3f2a.js /css/site.css /images/logo.png /index.php?page=2&sort=price_asc \
/default.aspx /feed.xml /data.json /fonts/inter.woff2 /icons/a.svg /favicon.ico \
?utm_source=twitter&utm_medium=social&utm_campaign=spring_sale /api/v1/items?limit=20";

/// A needle's selectivity: its length, with rare bytes counting more; nothing when
/// ordinary traffic contains it.
pub(crate) fn needle_score(n: &[u8]) -> u32 {
    if n.iter().all(|b| b.is_ascii_digit() || *b == b' ')
        || memchr::memmem::find(COMMON.as_bytes(), &n.to_ascii_lowercase()).is_some()
    {
        return 0;
    }
    n.iter().map(|&b| byte_weight(b)).sum()
}

fn set_score(set: &[Vec<u8>]) -> u32 {
    set.iter().map(|n| needle_score(n)).min().unwrap_or(0)
}

/// Beyond this score a needle is rare enough; fewer needles then matter more, since
/// every one grows the shared automaton that every request walks.
const ENOUGH: u32 = 5;

/// The better of two gates: the rarer weakest needle (up to [`ENOUGH`]), then fewer
/// needles.
fn better(a: Option<Vec<Vec<u8>>>, b: Option<Vec<Vec<u8>>>) -> Option<Vec<Vec<u8>>> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (sa, sb) = (set_score(&a).min(ENOUGH), set_score(&b).min(ENOUGH));
            if sb > sa || sb == sa && b.len() < a.len() {
                Some(b)
            } else {
                Some(a)
            }
        }
        (a, None) => a,
        (None, b) => b,
    }
}

fn is_space_class(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .all(|r| (r.start()..=r.end()).all(|b| matches!(b, b'\t'..=b'\r' | b' '))),
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .all(|r| (r.start()..=r.end()).all(|ch| matches!(ch, '\t'..='\r' | ' '))),
        _ => false,
    }
}

/// Rewrites whitespace classes for a squeezed buffer, where whitespace is one space.
fn squeeze_spaces(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Class(_) if is_space_class(h) => Hir::literal(*b" "),
        HirKind::Repetition(r) if is_space_class(&r.sub) => {
            if r.min >= 1 {
                Hir::literal(*b" ")
            } else {
                Hir::repetition(Repetition {
                    min: 0,
                    max: Some(1),
                    greedy: true,
                    sub: Box::new(Hir::literal(*b" ")),
                })
            }
        }
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(squeeze_spaces(&r.sub)),
            ..r.clone()
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(squeeze_spaces(&c.sub)),
            ..c.clone()
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(squeeze_spaces).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(squeeze_spaces).collect()),
        _ => h.clone(),
    }
}

/// Literals every match of `h` starts (or ends) with, lowercased, superstrings dropped.
fn affixes(h: &Hir, kind: ExtractKind, lowercase: bool) -> Option<Vec<Vec<u8>>> {
    let mut ex = Extractor::new();
    // Short literals keep cross products (separator × optional space × command) within
    // bounds; a prefix of a necessary literal is still necessary.
    ex.kind(kind)
        .limit_total(5000)
        .limit_class(16)
        .limit_literal_len(8);
    let seq = ex.extract(h);
    let lits = seq.literals()?;
    let mut needles: Vec<Vec<u8>> = lits
        .iter()
        .map(|l| {
            let mut b = l.as_bytes().to_vec();
            if lowercase {
                b.make_ascii_lowercase();
            }
            b
        })
        .collect();
    needles.sort_by_key(Vec::len);
    needles.dedup();
    // A needle inside a longer one already gates every match the longer one would.
    // Needles are short (see `limit_literal_len`), so checking every substring of each
    // against the kept set is cheaper than comparing needles pairwise.
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut kept_idx = Vec::new();
    for (i, n) in needles.iter().enumerate() {
        let inside = (0..n.len()).any(|a| (a + 1..=n.len()).any(|b| seen.contains(&n[a..b])));
        if !inside {
            seen.insert(n);
            kept_idx.push(i);
        }
    }
    drop(seen);
    let kept: Vec<Vec<u8>> = kept_idx.into_iter().map(|i| needles[i].clone()).collect();
    (!kept.is_empty() && kept.len() <= MAX_NEEDLES).then_some(kept)
}

fn required(h: &Hir, lowercase: bool) -> Option<Vec<Vec<u8>>> {
    let mut best = affixes(h, ExtractKind::Prefix, lowercase);
    best = better(best, affixes(h, ExtractKind::Suffix, lowercase));
    match h.kind() {
        HirKind::Alternation(subs) => {
            let mut all: Vec<Vec<u8>> = Vec::new();
            for s in subs {
                all.extend(required(s, lowercase)?);
            }
            all.sort();
            all.dedup();
            best = better(best, (all.len() <= MAX_NEEDLES).then_some(all));
        }
        HirKind::Capture(c) => best = better(best, required(&c.sub, lowercase)),
        HirKind::Repetition(r) if r.min >= 1 => best = better(best, required(&r.sub, lowercase)),
        HirKind::Concat(subs) => {
            for (i, sub) in subs.iter().enumerate() {
                let end = subs.len().min(i + TAIL);
                // The whole concatenation's prefixes are already in `best`.
                if i > 0 || end < subs.len() {
                    let tail = Hir::concat(subs[i..end].to_vec());
                    best = better(best, affixes(&tail, ExtractKind::Prefix, lowercase));
                }
                best = better(best, required(sub, lowercase));
            }
        }
        _ => {}
    }
    best
}

/// Needles gating `pattern`, or `None` when none is selective enough.
pub(crate) fn regex_needles(
    pattern: &str,
    lowercase: bool,
    squeezed: bool,
) -> Option<Vec<Vec<u8>>> {
    let mut hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(false)
        .build()
        .parse(pattern)
        .ok()?;
    if squeezed {
        hir = squeeze_spaces(&hir);
    }
    required(&hir, lowercase).filter(|set| set_score(set) >= MIN_SCORE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(p: &str, squeezed: bool) -> Option<Vec<String>> {
        regex_needles(p, true, squeezed).map(|v| {
            v.into_iter()
                .map(|n| String::from_utf8_lossy(&n).into_owned())
                .collect()
        })
    }

    #[test]
    fn gates_come_from_anywhere_in_the_pattern() {
        let shellshock = needles(r"\(\s*\)\s*\{\s*[^}]*;\s*\}\s*;?", true).unwrap_or_default();
        assert!(
            shellshock
                .iter()
                .all(|n| n.contains('{') || n.contains('}'))
        );
        let union = needles(r"(#|--|\d|/|\))\s*union\s*(#|--|$)", false).unwrap_or_default();
        assert_eq!(union, ["union"]);
        let cmd = needles(r"(;|\||&&)\s*(id|cat|ls)(\s*$|\s+\w)", true).unwrap_or_default();
        assert!(cmd.contains(&"; id".to_string()) && cmd.contains(&";cat".to_string()));
        assert!(!cmd.iter().any(|n| n == ";"), "{cmd:?}");
    }

    #[test]
    fn a_needle_deep_in_a_long_concatenation_still_gates() {
        // 300 elements of digits and dashes (common, cannot gate), then the rare part.
        let long = format!(r"{}<script\s*src", r"\d-".repeat(150));
        let gate = needles(&long, true).unwrap_or_default();
        assert!(gate.len() == 1 && gate[0].ends_with("<script"), "{gate:?}");
        // A window shorter than an optional run still finds what follows it.
        let optional = format!(r"{}(union|select)\s", r"x?".repeat(40));
        let gate = needles(&optional, false).unwrap_or_default();
        assert!(gate.contains(&"union".to_string()), "{gate:?}");
    }

    #[test]
    fn common_bytes_do_not_gate() {
        assert_eq!(needles(r"(;|/)\s*\w+", true), None);
        assert_eq!(needles(r"\d+", false), None);
        assert_eq!(needles(r"[\d)]--", false).map(|v| v.len()), Some(11));
    }
}
