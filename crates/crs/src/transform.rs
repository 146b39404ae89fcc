//! ModSecurity transformations (`t:name` actions), on bytes.
//!
//! Every transformation the OWASP Core Rule Set 3.3.4 and 4.x use, plus the rest of
//! ModSecurity's list, written after the semantics of ModSecurity v2
//! (`apache2/re_tfns.c`, `apache2/msc_util.c`) and v3 (`src/actions/transformations`).
//! Values are bytes throughout: nothing is decoded as UTF-8, and every function is total
//! (no panic on any input) and runs in time linear in its input.
//!
//! Where ModSecurity v2 and v3 differ, this module follows:
//!
//! * `htmlEntityDecode`: v2 (numeric entities take any number of digits and keep the low
//!   byte of the value; named entities must match exactly). v3 stops after 3 decimal or
//!   2 hexadecimal digits and matches names by prefix.
//! * `cmdLine`: v3 (the whole value is processed). v2 stops at the first NUL byte.
//! * `compressWhitespace`: v2 (the byte 0xA0, a Latin-1 NBSP, is whitespace too).
//! * `removeWhitespace`: v2 (C `isspace` plus 0xA0). v3 also removes every 0xC2 byte.
//! * `utf8toUnicode`: v2 (NUL bytes are dropped). v3 keeps a NUL that ends the value.
//! * `base64Decode`: v2 (APR's decoder: the longest prefix of base64 alphabet bytes is
//!   decoded, the rest ignored). v3 uses a strict decoder that gives nothing on error.
//! * `base64DecodeExt`: v2 (invalid bytes skipped, decoding stops at a NUL byte).
//! * `sqlHexDecode`: v3 (every `0x` run is decoded, NUL bytes are kept). v2 works on a
//!   C string and copies the byte after a run without looking at it.
//! * `normalizePathWin`: every `\` becomes `/` first, then the path is normalised. Both
//!   v2 and v3 convert while walking, and a `\` the walk jumps onto while skipping
//!   separators is copied unconverted (`/./\a` gives `\a`, `a/\\b` gives `a\b`).
//!
//! [`Transform::apply`] returns `None` when the output is byte-for-byte the input, which
//! is not always ModSecurity's own "changed" flag (v2's `hexDecode` always reports a
//! change, for instance); the value seen by operators is the same.

use memchr::{memchr, memchr2};

/// One transformation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transform {
    /// `base64Decode`: decodes the longest prefix made of base64 alphabet bytes
    /// (`A-Z a-z 0-9 + /`); stops at `=` or at any other byte (ModSecurity v2, APR).
    Base64Decode,
    /// `base64DecodeExt`: forgiving base64 decoding; bytes outside the alphabet are
    /// skipped, a NUL byte ends the input, a lone sextet before `=` empties the output.
    Base64DecodeExt,
    /// `base64Encode`: standard base64 with `=` padding.
    Base64Encode,
    /// `cmdLine`: deletes `\ " ' ^`; turns runs of space, tab, CR, LF, `,` and `;` into
    /// one space; deletes a space before `/` or `(`; lowercases ASCII letters.
    CmdLine,
    /// `compressWhitespace`: each run of whitespace (C `isspace` or 0xA0) becomes one
    /// space.
    CompressWhitespace,
    /// `cssDecode`: CSS 2 escapes: `\` and 1 to 6 hex digits (the last byte kept; a
    /// full-width ASCII code point U+FF01..U+FF5E becomes ASCII), one following
    /// whitespace eaten; `\` newline is deleted; `\` and another byte gives that byte.
    CssDecode,
    /// `escapeSeqDecode`: ANSI C escapes: `\a \b \f \n \r \t \v \\ \? \' \"`, `\xHH`,
    /// `\OOO` (octal, truncated to a byte); `\` and another byte gives that byte.
    EscapeSeqDecode,
    /// `hexDecode`: each pair of bytes is read as a hex number (no validation, as
    /// ModSecurity does); an odd last byte is dropped.
    HexDecode,
    /// `hexEncode`: each byte as two lowercase hex digits.
    HexEncode,
    /// `htmlEntityDecode`: `&#DDD;`, `&#xHH;` (semicolon optional, any number of digits,
    /// low byte of the value kept) and `&quot; &amp; &lt; &gt; &nbsp;` (semicolon
    /// optional, case-insensitive); each entity becomes one byte (`&nbsp;` is 0xA0).
    HtmlEntityDecode,
    /// `jsDecode`: JavaScript escapes: `\uHHHH` (low byte, full-width ASCII mapped to
    /// ASCII), `\xHH`, `\OOO` (octal, at most 0377), `\a \b \f \n \r \t \v`; `\` and
    /// another byte gives that byte.
    JsDecode,
    /// `length`: the length of the value in bytes, as decimal text.
    Length,
    /// `lowercase`: ASCII letters to lower case.
    Lowercase,
    /// `md5`: the 16-byte binary MD5 digest.
    Md5,
    /// `normalizePath` (alias `normalisePath`): removes `//`, `/./` and `dir/../`
    /// sequences, never going above the root.
    NormalizePath,
    /// `normalizePathWin` (alias `normalisePathWin`): converts every `\` to `/`, then
    /// normalises as [`Transform::NormalizePath`].
    NormalizePathWin,
    /// `parityEven7bit`: sets the high bit of each byte for even parity.
    ParityEven7bit,
    /// `parityOdd7bit`: sets the high bit of each byte for odd parity.
    ParityOdd7bit,
    /// `parityZero7bit`: clears the high bit of each byte.
    ParityZero7bit,
    /// `removeComments`: deletes `/* ... */` and `<!-- ... -->` comments and everything
    /// from `--` or `#` to the end (ModSecurity's algorithm, quirks included: the byte
    /// after a closing `*/` or `-->` is copied whatever it is, a NUL byte when the
    /// value ends there; an unterminated comment becomes a space).
    RemoveComments,
    /// `removeCommentsChar`: deletes the comment markers `/*`, `*/`, `<!--`, `-->`, `--`
    /// and `#`.
    RemoveCommentsChar,
    /// `removeNulls`: deletes NUL bytes.
    RemoveNulls,
    /// `removeWhitespace`: deletes whitespace (C `isspace`) and 0xA0 bytes.
    RemoveWhitespace,
    /// `replaceComments`: each `/* ... */` comment (or unterminated `/* ...`) becomes one
    /// space.
    ReplaceComments,
    /// `replaceNulls`: NUL bytes become spaces.
    ReplaceNulls,
    /// `sha1`: the 20-byte binary SHA-1 digest.
    Sha1,
    /// `sqlHexDecode`: decodes SQL hex literals `0xHHHH...` in place.
    SqlHexDecode,
    /// `trim`: removes leading and trailing whitespace (C `isspace`).
    Trim,
    /// `trimLeft`: removes leading whitespace.
    TrimLeft,
    /// `trimRight`: removes trailing whitespace.
    TrimRight,
    /// `uppercase`: ASCII letters to upper case (ModSecurity v3).
    Uppercase,
    /// `urlDecode`: `%HH` decoding and `+` to space; invalid escapes are left as they are.
    UrlDecode,
    /// `urlDecodeUni`: as [`Transform::UrlDecode`], plus IIS `%uHHHH`: the low byte,
    /// full-width ASCII U+FF01..U+FF5E mapped to ASCII (no unicode map file).
    UrlDecodeUni,
    /// `urlEncode`: encodes every byte but `*`, digits and ASCII letters as `%hh`, space
    /// as `+`.
    UrlEncode,
    /// `utf8toUnicode`: each well-formed UTF-8 multi-byte sequence becomes `%uhhhh`
    /// (ModSecurity's algorithm, quirks included: overlong forms and surrogates are
    /// followed by their lead byte, truncated sequences lose their lead byte, NUL bytes
    /// are dropped).
    Utf8ToUnicode,
}

impl Transform {
    /// Every transformation, in alphabetical order of name.
    pub const ALL: [Transform; 35] = [
        Transform::Base64Decode,
        Transform::Base64DecodeExt,
        Transform::Base64Encode,
        Transform::CmdLine,
        Transform::CompressWhitespace,
        Transform::CssDecode,
        Transform::EscapeSeqDecode,
        Transform::HexDecode,
        Transform::HexEncode,
        Transform::HtmlEntityDecode,
        Transform::JsDecode,
        Transform::Length,
        Transform::Lowercase,
        Transform::Md5,
        Transform::NormalizePath,
        Transform::NormalizePathWin,
        Transform::ParityEven7bit,
        Transform::ParityOdd7bit,
        Transform::ParityZero7bit,
        Transform::RemoveComments,
        Transform::RemoveCommentsChar,
        Transform::RemoveNulls,
        Transform::RemoveWhitespace,
        Transform::ReplaceComments,
        Transform::ReplaceNulls,
        Transform::Sha1,
        Transform::SqlHexDecode,
        Transform::Trim,
        Transform::TrimLeft,
        Transform::TrimRight,
        Transform::Uppercase,
        Transform::UrlDecode,
        Transform::UrlDecodeUni,
        Transform::UrlEncode,
        Transform::Utf8ToUnicode,
    ];

    /// From the name in `t:name` (case-insensitive as ModSecurity is); None when unknown.
    /// `none` is NOT a Transform (the engine handles `t:none` as "clear the list"):
    /// `from_name("none")` returns None; the engine checks "none" first.
    ///
    /// The British spellings `normalisePath` and `normalisePathWin` are accepted too.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Transform> {
        let eq = |canonical: &str| name.eq_ignore_ascii_case(canonical);
        if eq("normalisePath") {
            return Some(Transform::NormalizePath);
        }
        if eq("normalisePathWin") {
            return Some(Transform::NormalizePathWin);
        }
        Transform::ALL.iter().copied().find(|t| eq(t.name()))
    }

    /// The canonical name, as CRS writes it (e.g. "urlDecodeUni").
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Transform::Base64Decode => "base64Decode",
            Transform::Base64DecodeExt => "base64DecodeExt",
            Transform::Base64Encode => "base64Encode",
            Transform::CmdLine => "cmdLine",
            Transform::CompressWhitespace => "compressWhitespace",
            Transform::CssDecode => "cssDecode",
            Transform::EscapeSeqDecode => "escapeSeqDecode",
            Transform::HexDecode => "hexDecode",
            Transform::HexEncode => "hexEncode",
            Transform::HtmlEntityDecode => "htmlEntityDecode",
            Transform::JsDecode => "jsDecode",
            Transform::Length => "length",
            Transform::Lowercase => "lowercase",
            Transform::Md5 => "md5",
            Transform::NormalizePath => "normalizePath",
            Transform::NormalizePathWin => "normalizePathWin",
            Transform::ParityEven7bit => "parityEven7bit",
            Transform::ParityOdd7bit => "parityOdd7bit",
            Transform::ParityZero7bit => "parityZero7bit",
            Transform::RemoveComments => "removeComments",
            Transform::RemoveCommentsChar => "removeCommentsChar",
            Transform::RemoveNulls => "removeNulls",
            Transform::RemoveWhitespace => "removeWhitespace",
            Transform::ReplaceComments => "replaceComments",
            Transform::ReplaceNulls => "replaceNulls",
            Transform::Sha1 => "sha1",
            Transform::SqlHexDecode => "sqlHexDecode",
            Transform::Trim => "trim",
            Transform::TrimLeft => "trimLeft",
            Transform::TrimRight => "trimRight",
            Transform::Uppercase => "uppercase",
            Transform::UrlDecode => "urlDecode",
            Transform::UrlDecodeUni => "urlDecodeUni",
            Transform::UrlEncode => "urlEncode",
            Transform::Utf8ToUnicode => "utf8toUnicode",
        }
    }

    /// Applies the transformation. Returns None when the input is unchanged (so callers
    /// can avoid copies), Some(new bytes) otherwise.
    #[must_use]
    pub fn apply(self, input: &[u8]) -> Option<Vec<u8>> {
        let out = match self {
            Transform::Base64Decode => base64_decode(input),
            Transform::Base64DecodeExt => base64_decode_ext(input),
            Transform::Base64Encode => base64_encode(input),
            Transform::CmdLine => cmd_line(input),
            Transform::CompressWhitespace => compress_whitespace(input),
            Transform::CssDecode => css_decode(input)?,
            Transform::EscapeSeqDecode => escape_seq_decode(input)?,
            Transform::HexDecode => hex_decode(input),
            Transform::HexEncode => hex_encode(input),
            Transform::HtmlEntityDecode => html_entity_decode(input)?,
            Transform::JsDecode => js_decode(input)?,
            Transform::Length => input.len().to_string().into_bytes(),
            Transform::Lowercase => {
                if !input.iter().any(u8::is_ascii_uppercase) {
                    return None;
                }
                input.to_ascii_lowercase()
            }
            Transform::Md5 => md5(input).to_vec(),
            Transform::NormalizePath => normalize_path(input, false),
            Transform::NormalizePathWin => normalize_path(input, true),
            Transform::ParityEven7bit => input.iter().map(|&c| parity_even(c)).collect(),
            Transform::ParityOdd7bit => input.iter().map(|&c| parity_even(c) ^ 0x80).collect(),
            Transform::ParityZero7bit => {
                if input.iter().all(u8::is_ascii) {
                    return None;
                }
                input.iter().map(|&c| c & 0x7f).collect()
            }
            Transform::RemoveComments => remove_comments(input),
            Transform::RemoveCommentsChar => remove_comments_char(input),
            Transform::RemoveNulls => {
                memchr(0, input)?;
                input.iter().copied().filter(|&c| c != 0).collect()
            }
            Transform::RemoveWhitespace => input
                .iter()
                .copied()
                .filter(|&c| !is_space(c) && c != NBSP)
                .collect(),
            Transform::ReplaceComments => replace_comments(input)?,
            Transform::ReplaceNulls => {
                memchr(0, input)?;
                input
                    .iter()
                    .map(|&c| if c == 0 { b' ' } else { c })
                    .collect()
            }
            Transform::Sha1 => sha1(input).to_vec(),
            Transform::SqlHexDecode => sql_hex_decode(input),
            Transform::Trim => trim_right(trim_left(input)).to_vec(),
            Transform::TrimLeft => trim_left(input).to_vec(),
            Transform::TrimRight => trim_right(input).to_vec(),
            Transform::Uppercase => {
                if !input.iter().any(u8::is_ascii_lowercase) {
                    return None;
                }
                input.to_ascii_uppercase()
            }
            Transform::UrlDecode => url_decode(input, false)?,
            Transform::UrlDecodeUni => url_decode(input, true)?,
            Transform::UrlEncode => url_encode(input),
            Transform::Utf8ToUnicode => utf8_to_unicode(input),
        };
        if out == input { None } else { Some(out) }
    }
}

/// Latin-1 non-breaking space, which ModSecurity v2 counts as whitespace.
const NBSP: u8 = 0xa0;

/// C `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// ModSecurity's `VALID_HEX` (and C `isxdigit`).
fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// ModSecurity's `ISODIGIT`.
fn is_octal(c: u8) -> bool {
    matches!(c, b'0'..=b'7')
}

/// ModSecurity's `xsingle2c`: the value of one hex digit, with the same arithmetic on
/// bytes that are not hex digits (callers that do not validate rely on it).
fn hex_value(c: u8) -> u8 {
    if c >= b'A' {
        (c & 0xdf).wrapping_sub(b'A').wrapping_add(10)
    } else {
        c.wrapping_sub(b'0')
    }
}

/// ModSecurity's `x2c`: two hex digits to a byte, without validation.
fn x2c(hi: u8, lo: u8) -> u8 {
    hex_value(hi).wrapping_mul(16).wrapping_add(hex_value(lo))
}

/// The value of a run of octal digits (at most 3), truncated to a byte.
fn octal_value(digits: &[u8]) -> u8 {
    let v = digits
        .iter()
        .fold(0u32, |acc, &d| acc * 8 + u32::from(d - b'0'));
    (v & 0xff) as u8
}

/// Number of octal digits (at most `max`) at the start of `bytes`.
fn octal_run(bytes: &[u8], max: usize) -> usize {
    bytes.iter().take(max).take_while(|&&c| is_octal(c)).count()
}

/// Whether `c` is `f` or `F`: the high byte of a `%uFFxx` / `\uFFxx` escape.
fn is_f(c: u8) -> bool {
    c == b'f' || c == b'F'
}

/// The low byte of a `uHHHH` escape with ModSecurity's full-width ASCII mapping:
/// U+FF01..U+FF5E become U+0021..U+007E.
fn unicode_low_byte(h1: u8, h2: u8, h3: u8, h4: u8) -> u8 {
    let c = x2c(h3, h4);
    if c > 0x00 && c < 0x5f && is_f(h1) && is_f(h2) {
        c + 0x20
    } else {
        c
    }
}

/// `urlDecode` and `urlDecodeUni` (non-strict: invalid escapes are copied).
fn url_decode(input: &[u8], uni: bool) -> Option<Vec<u8>> {
    memchr2(b'%', b'+', input)?;
    let n = input.len();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let c = input[i];
        if c == b'%' {
            if uni && i + 1 < n && (input[i + 1] == b'u' || input[i + 1] == b'U') {
                if i + 5 < n && input[i + 2..i + 6].iter().all(|&h| is_hex(h)) {
                    out.push(unicode_low_byte(
                        input[i + 2],
                        input[i + 3],
                        input[i + 4],
                        input[i + 5],
                    ));
                    i += 6;
                } else {
                    // Invalid or truncated: copy "%u" and go on after it.
                    out.extend_from_slice(&input[i..i + 2]);
                    i += 2;
                }
            } else if i + 2 < n && is_hex(input[i + 1]) && is_hex(input[i + 2]) {
                out.push(x2c(input[i + 1], input[i + 2]));
                i += 3;
            } else {
                out.push(b'%');
                i += 1;
            }
        } else {
            out.push(if c == b'+' { b' ' } else { c });
            i += 1;
        }
    }
    Some(out)
}

/// `urlEncode`.
fn url_encode(input: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(input.len() * 3);
    for &c in input {
        if c == b' ' {
            out.push(b'+');
        } else if c == b'*' || c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
        }
    }
    out
}

/// `hexEncode`.
fn hex_encode(input: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(input.len() * 2);
    for &c in input {
        out.extend_from_slice(&[HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
    }
    out
}

/// `hexDecode`: pairs through `x2c`, unvalidated, odd tail dropped.
fn hex_decode(input: &[u8]) -> Vec<u8> {
    input.chunks_exact(2).map(|p| x2c(p[0], p[1])).collect()
}

/// `sqlHexDecode` (ModSecurity v3).
fn sql_hex_decode(input: &[u8]) -> Vec<u8> {
    let n = input.len();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        if i + 3 < n
            && input[i] == b'0'
            && (input[i + 1] == b'x' || input[i + 1] == b'X')
            && is_hex(input[i + 2])
            && is_hex(input[i + 3])
        {
            i += 2;
            while i + 1 < n && is_hex(input[i]) && is_hex(input[i + 1]) {
                out.push(x2c(input[i], input[i + 1]));
                i += 2;
            }
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out
}

/// Saturating accumulation of a digit run, as C `strtol` does on a 64-bit `long`
/// (overflow gives `LONG_MAX`).
fn strtol_saturating(digits: &[u8], radix: u64) -> u64 {
    const LONG_MAX: u64 = i64::MAX as u64;
    digits.iter().fold(0u64, |acc, &d| {
        let v = u64::from(if radix == 16 { hex_value(d) } else { d - b'0' });
        acc.saturating_mul(radix).saturating_add(v).min(LONG_MAX)
    })
}

/// `htmlEntityDecode` (ModSecurity v2's `html_entities_decode_inplace`).
fn html_entity_decode(input: &[u8]) -> Option<Vec<u8>> {
    memchr(b'&', input)?;
    let n = input.len();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        // How many raw bytes to copy when no entity is decoded here.
        let mut copy = 1;
        if input[i] == b'&' && i + 1 < n {
            let mut j = i + 1;
            if input[j] == b'#' {
                copy = 2;
                if j + 1 < n {
                    j += 1;
                    if input[j] == b'x' || input[j] == b'X' {
                        copy = 3;
                        if j + 1 < n {
                            j += 1;
                            let k = j;
                            while j < n && is_hex(input[j]) {
                                j += 1;
                            }
                            if j > k {
                                out.push(strtol_saturating(&input[k..j], 16) as u8);
                                i = if j < n && input[j] == b';' { j + 1 } else { j };
                                continue;
                            }
                        }
                    } else {
                        let k = j;
                        while j < n && input[j].is_ascii_digit() {
                            j += 1;
                        }
                        if j > k {
                            out.push(strtol_saturating(&input[k..j], 10) as u8);
                            i = if j < n && input[j] == b';' { j + 1 } else { j };
                            continue;
                        }
                    }
                }
            } else {
                let k = j;
                while j < n && input[j].is_ascii_alphanumeric() {
                    j += 1;
                }
                if j > k {
                    let name = &input[k..j];
                    let decoded = if name.eq_ignore_ascii_case(b"quot") {
                        Some(b'"')
                    } else if name.eq_ignore_ascii_case(b"amp") {
                        Some(b'&')
                    } else if name.eq_ignore_ascii_case(b"lt") {
                        Some(b'<')
                    } else if name.eq_ignore_ascii_case(b"gt") {
                        Some(b'>')
                    } else if name.eq_ignore_ascii_case(b"nbsp") {
                        Some(NBSP)
                    } else {
                        None
                    };
                    match decoded {
                        Some(c) => {
                            out.push(c);
                            i = if j < n && input[j] == b';' { j + 1 } else { j };
                            continue;
                        }
                        // Unknown entity: copy "&name" and go on after it.
                        None => copy = j - k + 1,
                    }
                }
            }
        }
        let stop = (i + copy).min(n);
        out.extend_from_slice(&input[i..stop]);
        i = stop;
    }
    Some(out)
}

/// `jsDecode` (ModSecurity's `js_decode_nonstrict_inplace`).
fn js_decode(input: &[u8]) -> Option<Vec<u8>> {
    memchr(b'\\', input)?;
    let n = input.len();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        if input[i] != b'\\' {
            out.push(input[i]);
            i += 1;
            continue;
        }
        if i + 5 < n && input[i + 1] == b'u' && input[i + 2..i + 6].iter().all(|&h| is_hex(h)) {
            out.push(unicode_low_byte(
                input[i + 2],
                input[i + 3],
                input[i + 4],
                input[i + 5],
            ));
            i += 6;
        } else if i + 3 < n && input[i + 1] == b'x' && is_hex(input[i + 2]) && is_hex(input[i + 3])
        {
            out.push(x2c(input[i + 2], input[i + 3]));
            i += 4;
        } else if i + 1 < n && is_octal(input[i + 1]) {
            let mut j = octal_run(&input[i + 1..], 3);
            // Only one byte: \000 - \377.
            if j == 3 && input[i + 1] > b'3' {
                j = 2;
            }
            out.push(octal_value(&input[i + 1..i + 1 + j]));
            i += 1 + j;
        } else if i + 1 < n {
            out.push(match input[i + 1] {
                b'a' => 0x07,
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'v' => 0x0b,
                c => c,
            });
            i += 2;
        } else {
            // A lone backslash at the end stays.
            out.push(b'\\');
            i += 1;
        }
    }
    Some(out)
}

/// `escapeSeqDecode` (ModSecurity's `ansi_c_sequences_decode_inplace`).
fn escape_seq_decode(input: &[u8]) -> Option<Vec<u8>> {
    memchr(b'\\', input)?;
    let n = input.len();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        if input[i] != b'\\' || i + 1 >= n {
            out.push(input[i]);
            i += 1;
            continue;
        }
        let next = input[i + 1];
        let simple = match next {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' | b'?' | b'\'' | b'"' => Some(next),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 2;
        } else if (next == b'x' || next == b'X')
            && i + 3 < n
            && is_hex(input[i + 2])
            && is_hex(input[i + 3])
        {
            out.push(x2c(input[i + 2], input[i + 3]));
            i += 4;
        } else if is_octal(next) {
            let j = octal_run(&input[i + 1..], 3);
            out.push(octal_value(&input[i + 1..i + 1 + j]));
            i += 1 + j;
        } else {
            // Not recognised: drop the backslash, keep the byte.
            out.push(next);
            i += 2;
        }
    }
    Some(out)
}

/// `cssDecode` (ModSecurity's `css_decode_inplace`).
fn css_decode(input: &[u8]) -> Option<Vec<u8>> {
    memchr(b'\\', input)?;
    let n = input.len();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        if input[i] != b'\\' {
            out.push(input[i]);
            i += 1;
            continue;
        }
        if i + 1 >= n {
            // A trailing backslash is a line continuation to nothing.
            i += 1;
            continue;
        }
        i += 1;
        let mut j = input[i..]
            .iter()
            .take(6)
            .take_while(|&&c| is_hex(c))
            .count();
        if j > 0 {
            let h = &input[i..i + j];
            let last = x2c(h[j.saturating_sub(2)], h[j - 1]);
            let full_width_check = match j {
                1 => {
                    out.push(hex_value(h[0]));
                    false
                }
                2 | 3 => {
                    out.push(last);
                    false
                }
                4 => true,
                5 => h[0] == b'0',
                _ => h[0] == b'0' && h[1] == b'0',
            };
            if full_width_check {
                // Full-width ASCII (U+FF01..U+FF5E) becomes ASCII.
                if last > 0x00 && last < 0x5f && is_f(h[j - 3]) && is_f(h[j - 4]) {
                    out.push(last + 0x20);
                } else {
                    out.push(last);
                }
            } else if j >= 5 {
                out.push(last);
            }
            // One whitespace after a hex escape belongs to the escape.
            if i + j < n && is_space(input[i + j]) {
                j += 1;
            }
            i += j;
        } else if input[i] == b'\n' {
            i += 1;
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    Some(out)
}

/// `cmdLine` (on the whole value, as ModSecurity v3).
fn cmd_line(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut space = false;
    for &c in input {
        match c {
            b'"' | b'\'' | b'\\' | b'^' => {}
            b' ' | b',' | b';' | b'\t' | b'\r' | b'\n' => {
                if !space {
                    out.push(b' ');
                    space = true;
                }
            }
            b'/' | b'(' => {
                if space {
                    out.pop();
                }
                space = false;
                out.push(c);
            }
            _ => {
                out.push(c.to_ascii_lowercase());
                space = false;
            }
        }
    }
    out
}

/// `compressWhitespace` (ModSecurity v2: 0xA0 counts as whitespace).
fn compress_whitespace(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut in_space = false;
    for &c in input {
        if is_space(c) || c == NBSP {
            if !in_space {
                out.push(b' ');
                in_space = true;
            }
        } else {
            in_space = false;
            out.push(c);
        }
    }
    out
}

/// `trimLeft`.
fn trim_left(input: &[u8]) -> &[u8] {
    let start = input
        .iter()
        .position(|&c| !is_space(c))
        .unwrap_or(input.len());
    &input[start..]
}

/// `trimRight`.
fn trim_right(input: &[u8]) -> &[u8] {
    let end = input
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(0, |p| p + 1);
    &input[..end]
}

/// `removeComments` (ModSecurity's algorithm, quirks included).
fn remove_comments(input: &[u8]) -> Vec<u8> {
    let n = input.len();
    let at = |k: usize| input.get(k).copied();
    let mut out = Vec::with_capacity(n);
    let mut in_comment = false;
    let mut i = 0;
    while i < n {
        let c = input[i];
        if !in_comment {
            if c == b'/' && at(i + 1) == Some(b'*') {
                in_comment = true;
                i += 2;
            } else if c == b'<' && input[i..].starts_with(b"<!--") {
                in_comment = true;
                i += 4;
            } else if (c == b'-' && at(i + 1) == Some(b'-')) || c == b'#' {
                // The rest of the value is a comment.
                break;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            let close = if c == b'*' && at(i + 1) == Some(b'/') {
                2
            } else if c == b'-' && input[i..].starts_with(b"-->") {
                3
            } else {
                0
            };
            if close > 0 {
                in_comment = false;
                i += close;
                // ModSecurity copies the next byte unconditionally; past the end it
                // reads the string's terminating NUL.
                out.push(at(i).unwrap_or(0));
                i += 1;
            } else {
                i += 1;
            }
        }
    }
    if in_comment {
        out.push(b' ');
    }
    out
}

/// `removeCommentsChar`.
fn remove_comments_char(input: &[u8]) -> Vec<u8> {
    let n = input.len();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let rest = &input[i..];
        if rest.starts_with(b"/*") || rest.starts_with(b"*/") {
            i += 2;
        } else if rest.starts_with(b"<!--") {
            i += 4;
        } else if rest.starts_with(b"-->") {
            i += 3;
        } else if rest.starts_with(b"--") {
            i += 2;
        } else if rest[0] == b'#' {
            i += 1;
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
    out
}

/// `replaceComments`.
fn replace_comments(input: &[u8]) -> Option<Vec<u8>> {
    let first = memchr::memmem::find(input, b"/*")?;
    let n = input.len();
    let mut out = Vec::with_capacity(n);
    out.extend_from_slice(&input[..first]);
    let mut in_comment = false;
    let mut i = first;
    while i < n {
        let pair = (input[i], input.get(i + 1).copied());
        if !in_comment {
            if pair == (b'/', Some(b'*')) {
                in_comment = true;
                i += 2;
            } else {
                out.push(input[i]);
                i += 1;
            }
        } else if pair == (b'*', Some(b'/')) {
            in_comment = false;
            out.push(b' ');
            i += 2;
        } else {
            i += 1;
        }
    }
    if in_comment {
        out.push(b' ');
    }
    Some(out)
}

/// `normalizePath` / `normalizePathWin` (ModSecurity's `normalize_path_inplace`, with
/// backslashes converted up front for the Windows form).
fn normalize_path(input: &[u8], win: bool) -> Vec<u8> {
    let mut b = input.to_vec();
    if b.is_empty() {
        return b;
    }
    if win {
        for c in &mut b {
            if *c == b'\\' {
                *c = b'/';
            }
        }
    }
    let end = b.len() - 1;
    let relative = b[0] != b'/';
    let trailing = b[end] == b'/';
    let mut src = 0usize;
    let mut dst = 0usize;
    let mut hit_root = false;
    let mut done = false;

    while !done && src <= end && dst <= end {
        // Whether to run the copy step after normalising this position.
        let copy = 'norm: {
            if src == end {
                // Always normalise at the end of the input.
                done = true;
            } else if b[src + 1] != b'/' {
                // Not the end of a path segment.
                break 'norm true;
            }
            if src != end && b[src] == b'/' {
                // Empty segment: the copy step skips repeated slashes.
                break 'norm true;
            }
            if b[src] == b'.' {
                if dst > 0 && b[dst - 1] == b'.' {
                    // Back-reference. In a relative path that has already climbed to
                    // its root, or with no previous segment, keep it as it is.
                    if relative && (hit_root || dst <= 2) {
                        hit_root = true;
                        break 'norm true;
                    }
                    // Remove the back-reference and the previous segment.
                    dst = dst.saturating_sub(3);
                    while dst > 0 && b[dst] != b'/' {
                        dst -= 1;
                    }
                    // Never above the root.
                    if dst == 0 {
                        hit_root = true;
                        // Keep the root slash of an absolute path ending in "..".
                        if !relative && src == end {
                            dst = 1;
                        }
                    }
                    if done {
                        break 'norm false;
                    }
                    src += 1;
                } else if dst == 0 {
                    // Relative self-reference at the start.
                    if done {
                        break 'norm false;
                    }
                    src += 1;
                } else if b[dst - 1] == b'/' {
                    // Self-reference.
                    if done {
                        break 'norm false;
                    }
                    dst -= 1;
                    src += 1;
                }
            } else if dst > 0 {
                // A regular segment.
                hit_root = false;
            }
            true
        };
        if !copy {
            continue;
        }
        if b[src] == b'/' {
            // Skip to the last of several slashes.
            while src < end && b[src + 1] == b'/' {
                src += 1;
            }
            // A relative path does not start with a slash.
            if relative && dst == 0 {
                src += 1;
                continue;
            }
        }
        b[dst] = b[src];
        dst += 1;
        src += 1;
    }
    // No trailing slash unless the input had one.
    if !trailing && dst > 0 && b[dst - 1] == b'/' {
        dst -= 1;
    }
    b.truncate(dst);
    b
}

/// Appends `%u` and the code point in lowercase hex, at least 4 digits.
fn push_percent_u(out: &mut Vec<u8>, cp: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(b"%u");
    let digits = (32 - cp.leading_zeros()).div_ceil(4).max(4);
    for k in (0..digits).rev() {
        out.push(HEX[((cp >> (4 * k)) & 15) as usize]);
    }
}

/// `utf8toUnicode` (ModSecurity v2's `utf8_unicode_inplace_ex`, quirks included).
fn utf8_to_unicode(input: &[u8]) -> Vec<u8> {
    let n = input.len();
    let cont = |k: usize| input.get(k).is_some_and(|&c| c & 0xc0 == 0x80);
    let mut out = Vec::with_capacity(n + n / 2);
    let mut i = 0;
    while i < n {
        let c = input[i];
        // Length of the well-formed sequence read here (0: none) and its code point.
        let mut len = 0usize;
        let mut cp = 0u32;
        if c & 0x80 == 0 {
            // ASCII is copied; NUL is dropped.
            if c != 0 {
                out.push(c);
            }
        } else if c & 0xe0 == 0xc0 {
            if cont(i + 1) {
                len = 2;
                cp = (u32::from(c & 0x1f) << 6) | u32::from(input[i + 1] & 0x3f);
            }
        } else if c & 0xf0 == 0xe0 {
            if cont(i + 1) && cont(i + 2) {
                len = 3;
                cp = (u32::from(c & 0x0f) << 12)
                    | (u32::from(input[i + 1] & 0x3f) << 6)
                    | u32::from(input[i + 2] & 0x3f);
            }
        } else if c & 0xf8 == 0xf0 {
            // Beyond U+10FFFF: the lead byte is kept, then decoded anyway.
            if c >= 0xf5 {
                out.push(c);
            }
            if cont(i + 1) && cont(i + 2) && cont(i + 3) {
                len = 4;
                cp = (u32::from(c & 0x07) << 18)
                    | (u32::from(input[i + 1] & 0x3f) << 12)
                    | (u32::from(input[i + 2] & 0x3f) << 6)
                    | u32::from(input[i + 3] & 0x3f);
            }
        } else {
            // Any other lead byte is invalid and copied.
            out.push(c);
        }
        if len > 0 {
            push_percent_u(&mut out, cp);
        }
        // Surrogates and overlong forms are followed by their lead byte.
        if (0xd800..=0xdfff).contains(&cp) {
            out.push(c);
        }
        let overlong = match len {
            4 => cp < 0x1_0000,
            3 => cp < 0x800,
            2 => cp < 0x80,
            _ => false,
        };
        if overlong {
            out.push(c);
        }
        i += len.max(1);
    }
    out
}

/// The base64 value of an alphabet byte (`A-Z a-z 0-9 + /`).
fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// `base64Decode` (APR's `apr_base64_decode`, as ModSecurity v2 uses it).
fn base64_decode(input: &[u8]) -> Vec<u8> {
    let sextets: Vec<u8> = input.iter().map_while(|&c| base64_value(c)).collect();
    let mut out = Vec::with_capacity(sextets.len() / 4 * 3 + 2);
    for g in sextets.chunks(4) {
        if g.len() > 1 {
            out.push((g[0] << 2) | (g[1] >> 4));
        }
        if g.len() > 2 {
            out.push((g[1] << 4) | (g[2] >> 2));
        }
        if g.len() > 3 {
            out.push((g[2] << 6) | g[3]);
        }
    }
    out
}

/// `base64DecodeExt` (ModSecurity v2's `decode_base64_ext`).
fn base64_decode_ext(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let mut count = 0usize;
    let mut pending = 0u8;
    for (k, &c) in input.iter().enumerate() {
        if c == 0 {
            break;
        }
        if c == b'=' {
            // A single sextet before the padding is not a byte: nothing decodes.
            if input.get(k + 1).copied().unwrap_or(0) != b'=' && count % 4 == 1 {
                return Vec::new();
            }
            continue;
        }
        let Some(v) = base64_value(c) else {
            continue;
        };
        match count % 4 {
            0 => pending = v << 2,
            1 => {
                out.push(pending | (v >> 4));
                pending = (v & 0x0f) << 4;
            }
            2 => {
                out.push(pending | (v >> 2));
                pending = (v & 0x03) << 6;
            }
            _ => out.push(pending | v),
        }
        count += 1;
    }
    out
}

/// `base64Encode`.
fn base64_encode(input: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(input.len().div_ceil(3) * 4);
    for g in input.chunks(3) {
        let b0 = g[0];
        let b1 = g.get(1).copied().unwrap_or(0);
        let b2 = g.get(2).copied().unwrap_or(0);
        out.push(ALPHABET[usize::from(b0 >> 2)]);
        out.push(ALPHABET[usize::from(((b0 & 0x03) << 4) | (b1 >> 4))]);
        out.push(if g.len() > 1 {
            ALPHABET[usize::from(((b1 & 0x0f) << 2) | (b2 >> 6))]
        } else {
            b'='
        });
        out.push(if g.len() > 2 {
            ALPHABET[usize::from(b2 & 0x3f)]
        } else {
            b'='
        });
    }
    out
}

/// `parityEven7bit` of one byte (ModSecurity's computation, which folds all 8 bits).
fn parity_even(c: u8) -> u8 {
    let t = (c ^ (c >> 4)) & 0x0f;
    if (0x6996u16 >> t) & 1 == 1 {
        c | 0x80
    } else {
        c & 0x7f
    }
}

/// Pads a message the MD5 / SHA-1 way: 0x80, zeros, and the bit length in 8 bytes
/// (little-endian for MD5, big-endian for SHA-1).
fn md_pad(input: &[u8], big_endian: bool) -> Vec<u8> {
    let bits = (input.len() as u64).wrapping_mul(8);
    let mut m = Vec::with_capacity(input.len() + 72);
    m.extend_from_slice(input);
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend_from_slice(&if big_endian {
        bits.to_be_bytes()
    } else {
        bits.to_le_bytes()
    });
    m
}

/// SHA-1 (FIPS 180-4) digest.
fn sha1(input: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    for block in md_pad(input, true).chunks_exact(64) {
        let mut w = [0u32; 80];
        for (t, word) in block.chunks_exact(4).enumerate() {
            w[t] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for t in 16..80 {
            w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (t, &wt) in w.iter().enumerate() {
            let (f, k) = match t {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let tmp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wt);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = tmp;
        }
        for (hv, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hv = hv.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, v) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// MD5 (RFC 1321) digest.
fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 16] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
    const K: [u32; 64] = [
        0xd76a_a478,
        0xe8c7_b756,
        0x2420_70db,
        0xc1bd_ceee,
        0xf57c_0faf,
        0x4787_c62a,
        0xa830_4613,
        0xfd46_9501,
        0x6980_98d8,
        0x8b44_f7af,
        0xffff_5bb1,
        0x895c_d7be,
        0x6b90_1122,
        0xfd98_7193,
        0xa679_438e,
        0x49b4_0821,
        0xf61e_2562,
        0xc040_b340,
        0x265e_5a51,
        0xe9b6_c7aa,
        0xd62f_105d,
        0x0244_1453,
        0xd8a1_e681,
        0xe7d3_fbc8,
        0x21e1_cde6,
        0xc337_07d6,
        0xf4d5_0d87,
        0x455a_14ed,
        0xa9e3_e905,
        0xfcef_a3f8,
        0x676f_02d9,
        0x8d2a_4c8a,
        0xfffa_3942,
        0x8771_f681,
        0x6d9d_6122,
        0xfde5_380c,
        0xa4be_ea44,
        0x4bde_cfa9,
        0xf6bb_4b60,
        0xbebf_bc70,
        0x289b_7ec6,
        0xeaa1_27fa,
        0xd4ef_3085,
        0x0488_1d05,
        0xd9d4_d039,
        0xe6db_99e5,
        0x1fa2_7cf8,
        0xc4ac_5665,
        0xf429_2244,
        0x432a_ff97,
        0xab94_23a7,
        0xfc93_a039,
        0x655b_59c3,
        0x8f0c_cc92,
        0xffef_f47d,
        0x8584_5dd1,
        0x6fa8_7e4f,
        0xfe2c_e6e0,
        0xa301_4314,
        0x4e08_11a1,
        0xf753_7e82,
        0xbd3a_f235,
        0x2ad7_d2bb,
        0xeb86_d391,
    ];
    let mut h: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for block in md_pad(input, false).chunks_exact(64) {
        let mut m = [0u32; 16];
        for (t, word) in block.chunks_exact(4).enumerate() {
            m[t] = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        }
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(K[i])
                .wrapping_add(m[g])
                .rotate_left(S[(i / 16) * 4 + i % 4]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(rotated);
        }
        for (hv, v) in h.iter_mut().zip([a, b, c, d]) {
            *hv = hv.wrapping_add(v);
        }
    }
    let mut out = [0u8; 16];
    for (chunk, v) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Transform;
    use super::Transform::*;

    /// The transformed value (the input itself when `apply` reports no change).
    fn run(t: Transform, input: &[u8]) -> Vec<u8> {
        t.apply(input).unwrap_or_else(|| input.to_vec())
    }

    /// Asserts the output, and that `apply` reports a change exactly when it differs.
    #[track_caller]
    fn check(t: Transform, input: &[u8], expected: &[u8]) {
        let got = t.apply(input);
        if input == expected {
            assert_eq!(
                got,
                None,
                "{}: {:?} should be unchanged",
                t.name(),
                input.escape_ascii().to_string()
            );
        } else {
            assert_eq!(
                got.as_deref().map(|v| v.escape_ascii().to_string()),
                Some(expected.escape_ascii().to_string()),
                "{}: {:?}",
                t.name(),
                input.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn names_round_trip_case_insensitively() {
        for t in Transform::ALL {
            assert_eq!(Transform::from_name(t.name()), Some(t));
            assert_eq!(
                Transform::from_name(&t.name().to_ascii_uppercase()),
                Some(t)
            );
            assert_eq!(
                Transform::from_name(&t.name().to_ascii_lowercase()),
                Some(t)
            );
        }
        assert_eq!(Transform::from_name("none"), None);
        assert_eq!(Transform::from_name("NONE"), None);
        assert_eq!(Transform::from_name(""), None);
        assert_eq!(Transform::from_name("urlDecodeUnix"), None);
        assert_eq!(Transform::from_name("base64decode"), Some(Base64Decode));
        assert_eq!(Transform::from_name("cmdline"), Some(CmdLine));
        assert_eq!(Transform::from_name("Utf8toUnicode"), Some(Utf8ToUnicode));
        assert_eq!(Transform::from_name("normalisePath"), Some(NormalizePath));
        assert_eq!(
            Transform::from_name("normalisePathWin"),
            Some(NormalizePathWin)
        );
        assert_eq!(UrlDecodeUni.name(), "urlDecodeUni");
        assert_eq!(Utf8ToUnicode.name(), "utf8toUnicode");
        // ALL has no duplicates.
        let mut names: Vec<_> = Transform::ALL.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Transform::ALL.len());
    }

    #[test]
    fn every_crs_transformation_is_known() {
        // `grep -oh 't:[A-Za-z0-9]*'` over CRS 3.3.4 and CRS 4 rules.
        for name in [
            "base64Decode",
            "base64decode",
            "cmdLine",
            "compressWhitespace",
            "cssDecode",
            "escapeSeqDecode",
            "hexEncode",
            "htmlEntityDecode",
            "jsDecode",
            "length",
            "lowercase",
            "normalisePath",
            "normalizePath",
            "normalizePathWin",
            "removeCommentsChar",
            "removeNulls",
            "removeWhitespace",
            "replaceComments",
            "sha1",
            "urlDecode",
            "urlDecodeUni",
            "utf8toUnicode",
        ] {
            assert!(Transform::from_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn lowercase_uppercase() {
        check(Lowercase, b"", b"");
        check(Lowercase, b"testcase", b"testcase");
        check(Lowercase, b"test\0case", b"test\0case");
        check(Lowercase, b"TestCase", b"testcase");
        check(Lowercase, b"Test\0Case", b"test\0case");
        check(Lowercase, b"\xc3\x89A\xff", b"\xc3\x89a\xff");
        check(Uppercase, b"TestCase\xe9", b"TESTCASE\xe9");
        check(Uppercase, b"ABC", b"ABC");
    }

    #[test]
    fn url_decode() {
        check(UrlDecode, b"", b"");
        check(UrlDecode, b"TestCase", b"TestCase");
        check(UrlDecode, b"Test\0Case", b"Test\0Case");
        check(UrlDecode, b"Test+Case", b"Test Case");
        let mut all = b"+".to_vec();
        let mut expected = b" ".to_vec();
        for c in 0..=255u8 {
            all.extend_from_slice(format!("%{c:02x}").as_bytes());
            expected.push(c);
        }
        check(UrlDecode, &all, &expected);
        check(UrlDecode, b"%41%4a%4A", b"AJJ");
        // Partially invalid.
        check(UrlDecode, b"%+", b"% ");
        check(UrlDecode, b"%%20", b"% ");
        check(UrlDecode, b"%0g%20", b"%0g ");
        check(UrlDecode, b"%0%20", b"%0 ");
        check(UrlDecode, b"%g0%20", b"%g0 ");
        check(UrlDecode, b"%g%20", b"%g ");
        // Invalid: left as they are.
        for s in [
            &b"%0%1%2%3%4%5%6%7%8%9%0%a%b%c%d%e%f"[..],
            b"%g0%g1%g2%g3%g4%g5%g6%g7%g8%g9%g0%ga%gb%gc%gd%ge%gf",
            b"%0g%1g%2g%3g%4g%5g%6g%7g%8g%9g%0g%ag%bg%cg%dg%eg%fg",
            b"%",
            b"%0",
            b"%%",
            b"%0g",
            b"%gg",
            b"%u0041",
        ] {
            check(UrlDecode, s, s);
        }
        // Not recursive.
        check(UrlDecode, b"%2541", b"%41");
    }

    #[test]
    fn url_decode_uni() {
        check(UrlDecodeUni, b"", b"");
        check(UrlDecodeUni, b"TestCase", b"TestCase");
        check(UrlDecodeUni, b"Test\0Case", b"Test\0Case");
        check(UrlDecodeUni, b"Test+Case", b"Test Case");
        let (mut pct, mut u00, mut u11, mut expected) =
            (b"+".to_vec(), b"+".to_vec(), b"+".to_vec(), b" ".to_vec());
        for c in 0..=255u8 {
            pct.extend_from_slice(format!("%{c:02x}").as_bytes());
            u00.extend_from_slice(format!("%u00{c:02x}").as_bytes());
            u11.extend_from_slice(format!("%u11{c:02x}").as_bytes());
            expected.push(c);
        }
        check(UrlDecodeUni, &pct, &expected);
        check(UrlDecodeUni, &u00, &expected);
        // Only the low byte is kept.
        check(UrlDecodeUni, &u11, &expected);
        // Full-width ASCII U+FF01..U+FF5E maps to ASCII.
        let mut fw = Vec::new();
        let mut fw_expected = Vec::new();
        for c in 0x01..=0x5eu8 {
            fw.extend_from_slice(format!("%uff{c:02x}").as_bytes());
            fw_expected.push(c + 0x20);
        }
        check(UrlDecodeUni, &fw, &fw_expected);
        check(UrlDecodeUni, b"%uFF1C%UfF1e", b"<>");
        // Outside that range only the low byte.
        check(
            UrlDecodeUni,
            b"%uff00%uff7f%uff80%uffff",
            b"\x00\x7f\x80\xff",
        );
        check(UrlDecodeUni, b"%u0027%u2215", b"'\x15");
        // Partially invalid.
        check(UrlDecodeUni, b"%+", b"% ");
        check(UrlDecodeUni, b"%%u0020", b"% ");
        check(UrlDecodeUni, b"%0g%u0020", b"%0g ");
        check(UrlDecodeUni, b"%0%u0020", b"%0 ");
        check(UrlDecodeUni, b"%g0%u0020", b"%g0 ");
        check(UrlDecodeUni, b"%u%u0020", b"%u ");
        check(UrlDecodeUni, b"%u0%u0020", b"%u0 ");
        check(UrlDecodeUni, b"%u00%u0020", b"%u00 ");
        check(UrlDecodeUni, b"%u000%u0020", b"%u000 ");
        check(UrlDecodeUni, b"%u000g%u0020", b"%u000g ");
        // After an invalid %u, decoding resumes right after "%u".
        check(UrlDecodeUni, b"%u%41", b"%uA");
        check(UrlDecodeUni, b"%u004", b"%u004");
        for s in [
            &b"%"[..],
            b"%0",
            b"%%",
            b"%0g",
            b"%gg",
            b"%u",
            b"%U",
            b"%uzzzz",
        ] {
            check(UrlDecodeUni, s, s);
        }
    }

    #[test]
    fn url_encode() {
        check(UrlEncode, b"", b"");
        check(UrlEncode, b"TestCase", b"TestCase");
        check(UrlEncode, b"Test Case", b"Test+Case");
        check(UrlEncode, b"a*b-c_d.e~", b"a*b%2dc%5fd%2ee%7e");
        check(UrlEncode, b"%0g ", b"%250g+");
        check(UrlEncode, b"\x00\xff", b"%00%ff");
        let all: Vec<u8> = (0..=255u8).collect();
        let out = run(UrlEncode, &all);
        assert_eq!(run(UrlDecode, &out), all);
    }

    #[test]
    fn html_entity_decode() {
        check(HtmlEntityDecode, b"", b"");
        check(HtmlEntityDecode, b"TestCase", b"TestCase");
        check(HtmlEntityDecode, b"Test\0Case", b"Test\0Case");
        check(
            HtmlEntityDecode,
            b"&#x0;&#X0;&#x20;&#X20;&#0;&#32;\0&#100;&quot;&amp;&lt;&gt;&nbsp;",
            b"\0\0\x20\x20\0\x20\0\x64\"&<>\xa0",
        );
        check(
            HtmlEntityDecode,
            b"&#x0&#X0&#x20&#X20&#0&#32\0&#100&quot&amp&lt&gt&nbsp",
            b"\0\0\x20\x20\0\x20\0\x64\"&<>\xa0",
        );
        check(
            HtmlEntityDecode,
            b"&#xg;&#Xg;&#xg0;&#X2g;&#a;\0&#a2;&#3a&#a00;&#1a0;&#10a;&foo;",
            b"&#xg;&#Xg;&#xg0;\x02g;&#a;\0&#a2;\x03a&#a00;\x01a0;\x0aa;&foo;",
        );
        check(
            HtmlEntityDecode,
            b"&#xg&#Xg&#xg0&#X2g&#a\0&#a2&#3a&#a00&#1a0&#10a&foo",
            b"&#xg&#Xg&#xg0\x02g&#a\0&#a2\x03a&#a00\x01a0\x0aa&foo",
        );
        check(HtmlEntityDecode, b"&LT;script&GT;", b"<script>");
        check(HtmlEntityDecode, b"&lt;&lt&ltx;", b"<<&ltx;");
        check(
            HtmlEntityDecode,
            b"&amplifier; & &; &#; &#x;",
            b"&amplifier; & &; &#; &#x;",
        );
        // Truncated entities.
        check(HtmlEntityDecode, b"a&", b"a&");
        check(HtmlEntityDecode, b"a&#", b"a&#");
        check(HtmlEntityDecode, b"a&#x", b"a&#x");
        check(HtmlEntityDecode, b"a&#X", b"a&#X");
        check(HtmlEntityDecode, b"&#x41", b"A");
        check(HtmlEntityDecode, b"&#65", b"A");
        // Any number of digits; the low byte of the value is kept (v2).
        check(HtmlEntityDecode, b"&#x0000000041;", b"A");
        check(HtmlEntityDecode, b"&#0000060;", b"<");
        check(HtmlEntityDecode, b"&#321;&#x141;", b"AA");
        check(HtmlEntityDecode, b"&#x3c;&#X3C;", b"<<");
        // strtol overflow gives LONG_MAX, whose low byte is 0xff.
        check(HtmlEntityDecode, b"&#99999999999999999999999;x", b"\xffx");
        check(HtmlEntityDecode, b"&#xffffffffffffffffffffff;x", b"\xffx");
        // Not recursive.
        check(HtmlEntityDecode, b"&amp;lt;", b"&lt;");
    }

    #[test]
    fn js_decode() {
        check(JsDecode, b"", b"");
        check(JsDecode, b"TestCase", b"TestCase");
        check(JsDecode, b"Test\0Case", b"Test\0Case");
        check(
            JsDecode,
            b"\\a\\b\\f\\n\\r\\t\\v\\?\\'\\\"\\0\\12\\123\\x00\\xff\\u0021\\uff01",
            b"\x07\x08\x0c\x0a\x0d\t\x0b?'\"\x00\x0a\x53\x00\xff\x21\x21",
        );
        check(
            JsDecode,
            b"\\a\\b\\f\\n\\r\\t\\v\0\\?\\'\\\"\\0\\12\\123\\x00\\xff\\u0021\\uff01",
            b"\x07\x08\x0c\x0a\x0d\t\x0b\0?'\"\x00\x0a\x53\x00\xff\x21\x21",
        );
        check(
            JsDecode,
            b"\\8\\9\\666\\u00ag\\u00ga\\u0zaa\\uz0aa\\xag\\xga\\0123\\u00a",
            b"89\x366u00agu00gau0zaauz0aaxagxga\x0a3u00a",
        );
        check(JsDecode, b"\\x", b"x");
        check(JsDecode, b"\\x\\x0", b"xx0");
        check(JsDecode, b"\\x\\x0\0", b"xx0\0");
        check(JsDecode, b"\\u", b"u");
        check(JsDecode, b"\\u\\u0", b"uu0");
        check(JsDecode, b"\\u\\u0\\u01", b"uu0u01");
        check(JsDecode, b"\\u\\u0\\u01\\u012", b"uu0u01u012");
        check(JsDecode, b"\\u\\u0\\u01\\u012\0", b"uu0u01u012\0");
        check(JsDecode, b"\\", b"\\");
        check(JsDecode, b"ab\\", b"ab\\");
        check(JsDecode, b"\\\0", b"\0");
        // \x and \u are lowercase only; \X and \U are plain escapes.
        check(JsDecode, b"\\X41\\U0041", b"X41U0041");
        check(JsDecode, b"\\x3cscript\\x3E", b"<script>");
        check(JsDecode, b"\\u003cscript\\u003E\\uFF1C", b"<script><");
        check(JsDecode, b"\\u2028", b"\x28");
        check(JsDecode, b"\\377\\400\\1234", b"\xff\x200\x534");
        check(JsDecode, b"\\\\", b"\\");
    }

    #[test]
    fn css_decode() {
        check(CssDecode, b"", b"");
        check(CssDecode, b"TestCase", b"TestCase");
        check(CssDecode, b"Test\0Case", b"Test\0Case");
        check(
            CssDecode,
            b"test\\a\\b\\f\\n\\r\\t\\v\\?\\'\\\"\\0\\12\\123\\1234\\12345\\123456\\ff01\\ff5e\\\n\\0  string",
            b"test\x0a\x0b\x0fnrtv?'\"\x00\x12\x23\x34\x45\x56\x21\x7e\x00 string",
        );
        check(CssDecode, b"test\\", b"test");
        check(
            CssDecode,
            b"\\1A\\1 A\\1234567\\123456 7\\1x\\1 x",
            b"\x1A\x01A\x567\x567\x01x\x01x",
        );
        // Full-width ASCII with 5 and 6 digits.
        check(CssDecode, b"\\0ff1c\\00ff1e", b"<>");
        check(CssDecode, b"\\1ff3c\\01ff3e", b"\x3c\x3e");
        check(CssDecode, b"\\ff00\\ff7f", b"\x00\x7f");
        check(CssDecode, b"j\\61vascript", b"javascript");
        check(CssDecode, b"\\u0041", b"u0041");
        check(CssDecode, b"\\00003c\tx", b"<x");
        check(CssDecode, b"a\\\nb", b"ab");
        check(CssDecode, b"\\\\", b"\\");
    }

    #[test]
    fn escape_seq_decode() {
        check(EscapeSeqDecode, b"", b"");
        check(EscapeSeqDecode, b"TestCase", b"TestCase");
        check(EscapeSeqDecode, b"Test\0Case", b"Test\0Case");
        check(
            EscapeSeqDecode,
            b"\\a\\b\\f\\n\\r\\t\\v\\?\\'\\\"\\0\\12\\123\\x00\\xff",
            b"\x07\x08\x0c\x0a\x0d\t\x0b?'\"\x00\x0a\x53\x00\xff",
        );
        check(
            EscapeSeqDecode,
            b"\\a\\b\\f\\n\\r\\t\\v\0\\?\\'\\\"\\0\\12\\123\\x00\\xff",
            b"\x07\x08\x0c\x0a\x0d\t\x0b\0?'\"\x00\x0a\x53\x00\xff",
        );
        check(
            EscapeSeqDecode,
            b"\\8\\9\\666\\xag\\xga\\0123",
            b"89\xb6xagxga\x0a3",
        );
        check(EscapeSeqDecode, b"\\x", b"x");
        check(EscapeSeqDecode, b"\\x\\x0", b"xx0");
        check(EscapeSeqDecode, b"\\x\\x0\0", b"xx0\0");
        check(EscapeSeqDecode, b"\\0", b"\x00");
        check(EscapeSeqDecode, b"\\01", b"\x01");
        check(EscapeSeqDecode, b"\\012", b"\x0a");
        check(EscapeSeqDecode, b"\\", b"\\");
        check(EscapeSeqDecode, b"\\\0", b"\0");
        check(EscapeSeqDecode, b"\\X41\\\\x41", b"A\\x41");
        check(EscapeSeqDecode, b"\\u0041", b"u0041");
    }

    #[test]
    fn cmd_line() {
        check(CmdLine, b"", b"");
        check(CmdLine, b"ls -la", b"ls -la");
        check(CmdLine, b"C^a\"t /e't'c/p\\asswd", b"cat/etc/passwd");
        check(CmdLine, b"cat   /etc/passwd", b"cat/etc/passwd");
        check(CmdLine, b"ping ,; -c\t\r\n1", b"ping -c 1");
        check(CmdLine, b"echo (id)", b"echo(id)");
        check(CmdLine, b"  x", b" x");
        check(CmdLine, b"a , (b", b"a(b");
        // A removed character between space and '/' does not protect the space.
        check(CmdLine, b"a \"/b", b"a/b");
        // The whole value is processed, NUL bytes included (v3).
        check(CmdLine, b"A\0B C", b"a\0b c");
        check(CmdLine, b"\xc3\x89", b"\xc3\x89");
    }

    #[test]
    fn whitespace() {
        check(CompressWhitespace, b"", b"");
        check(CompressWhitespace, b"TestCase", b"TestCase");
        check(CompressWhitespace, b"Test\0Case", b"Test\0Case");
        check(CompressWhitespace, b"Test Case", b"Test Case");
        check(CompressWhitespace, b"  Test  \t   Case  ", b" Test Case ");
        check(
            CompressWhitespace,
            b"This is a   test case with a tab \t, vtab \x0b, newline \x0a, return \x0d, formfeed \x0c, and a NUL\0 in it with a CRLF at the end.\x0d\x0a",
            b"This is a test case with a tab , vtab , newline , return , formfeed , and a NUL\0 in it with a CRLF at the end. ",
        );
        check(CompressWhitespace, b"a\xa0\xa0b\t", b"a b ");
        check(CompressWhitespace, b"a\tb", b"a b");

        check(RemoveWhitespace, b"", b"");
        check(RemoveWhitespace, b"TestCase", b"TestCase");
        check(RemoveWhitespace, b"Test\0Case", b"Test\0Case");
        check(RemoveWhitespace, b"  Test  \t   Case  ", b"TestCase");
        check(
            RemoveWhitespace,
            b"This is a   test case with a tab \t, vtab \x0b, newline \x0a, return \x0d, formfeed \x0c, and a NUL\0 in it with a CRLF at the end.\x0d\x0a",
            b"Thisisatestcasewithatab,vtab,newline,return,formfeed,andaNUL\0initwithaCRLFattheend.",
        );
        check(RemoveWhitespace, b"a\xa0b\xc2\xa0c", b"ab\xc2c");

        check(Trim, b"", b"");
        check(Trim, b"TestCase", b"TestCase");
        check(Trim, b"    TestCase    ", b"TestCase");
        check(Trim, b"    Test \0 Case    ", b"Test \0 Case");
        check(Trim, b" \t   Test \0 Case \t  \t   \r\n  ", b"Test \0 Case");
        check(Trim, b" \x0b\x0c ", b"");
        check(Trim, b"\xa0x\xa0", b"\xa0x\xa0");
        check(TrimLeft, b"    Test   Case    ", b"Test   Case    ");
        check(TrimLeft, b"TestCase    ", b"TestCase    ");
        check(
            TrimLeft,
            b" \t   Test \0 Case \t  \t   \r\n  ",
            b"Test \0 Case \t  \t   \r\n  ",
        );
        check(TrimRight, b"    Test   Case    ", b"    Test   Case");
        check(TrimRight, b"    TestCase", b"    TestCase");
        check(
            TrimRight,
            b" \t   Test \0 Case \t  \t   \r\n  ",
            b" \t   Test \0 Case",
        );
        check(TrimRight, b"   ", b"");
    }

    #[test]
    fn nulls() {
        check(RemoveNulls, b"", b"");
        check(RemoveNulls, b"TestCase", b"TestCase");
        check(RemoveNulls, b"Test\x01Case", b"Test\x01Case");
        check(RemoveNulls, b"\0TestCase", b"TestCase");
        check(RemoveNulls, b"Test\0\0Case", b"TestCase");
        check(RemoveNulls, b"\0Test\0Case\0", b"TestCase");
        check(ReplaceNulls, b"", b"");
        check(ReplaceNulls, b"TestCase", b"TestCase");
        check(ReplaceNulls, b"\0TestCase", b" TestCase");
        check(ReplaceNulls, b"Test\0\0Case", b"Test  Case");
        check(ReplaceNulls, b"\0Test\0Case\0", b" Test Case ");
    }

    #[test]
    fn replace_comments() {
        check(ReplaceComments, b"", b"");
        check(ReplaceComments, b"TestCase", b"TestCase");
        check(ReplaceComments, b"Test\0Case", b"Test\0Case");
        check(ReplaceComments, b"/* TestCase */", b" ");
        check(ReplaceComments, b"/*TestCase*/", b" ");
        check(
            ReplaceComments,
            b"Before/* TestCase */After",
            b"Before After",
        );
        check(
            ReplaceComments,
            b"Before /* TestCase */ After",
            b"Before   After",
        );
        check(ReplaceComments, b"/* Test\r\nCase */", b" ");
        check(ReplaceComments, b"Before/* Test\r\nCase ", b"Before ");
        check(ReplaceComments, b"Before /* Test\nCase ", b"Before  ");
        check(
            ReplaceComments,
            b"Test\r\nCase */After",
            b"Test\r\nCase */After",
        );
        check(ReplaceComments, b"a/**/b/*/c*/d", b"a b d");
        check(ReplaceComments, b"/*", b" ");
        check(ReplaceComments, b"/*/", b" ");
        check(ReplaceComments, b"1 UNION/**/SELECT", b"1 UNION SELECT");
    }

    #[test]
    fn remove_comments() {
        check(RemoveComments, b"", b"");
        check(RemoveComments, b"TestCase", b"TestCase");
        check(RemoveComments, b"Before/* x */After", b"BeforeAfter");
        check(RemoveComments, b"Before<!-- x -->After", b"BeforeAfter");
        check(RemoveComments, b"select 1 -- comment", b"select 1 ");
        check(RemoveComments, b"select 1 # comment", b"select 1 ");
        check(RemoveComments, b"-", b"-");
        check(RemoveComments, b"/* open", b" ");
        check(RemoveComments, b"a<!-- open", b"a ");
        // ModSecurity's quirks: the byte after a closing marker is copied blindly, and a
        // closing marker at the very end copies the terminating NUL.
        check(RemoveComments, b"a/*b*/", b"a\0");
        check(RemoveComments, b"a<!--b-->", b"a\0");
        check(RemoveComments, b"/*a*//*b*/c", b"/*b*/c");
        check(RemoveComments, b"/*a*/#b", b"#b");
        check(RemoveComments, b"UNION/**/SELECT", b"UNIONSELECT");
    }

    #[test]
    fn remove_comments_char() {
        check(RemoveCommentsChar, b"", b"");
        check(RemoveCommentsChar, b"TestCase", b"TestCase");
        check(RemoveCommentsChar, b"UNION/**/SELECT", b"UNIONSELECT");
        check(RemoveCommentsChar, b"a<!--b-->c", b"abc");
        check(RemoveCommentsChar, b"a--b#c", b"abc");
        check(RemoveCommentsChar, b"a---b", b"a-b");
        check(RemoveCommentsChar, b"a/b*c-d<!e", b"a/b*c-d<!e");
        check(RemoveCommentsChar, b"/*/", b"/");
        check(RemoveCommentsChar, b"#", b"");
    }

    #[test]
    fn normalize_path() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"/foo/bar/baz", b"/foo/bar/baz"),
            (b"/foo/bar\0/baz", b"/foo/bar\0/baz"),
            (b"x", b"x"),
            (b".", b""),
            (b"./", b""),
            (b"./..", b".."),
            (b"./../", b"../"),
            (b"..", b".."),
            (b"../", b"../"),
            (b"../.", b".."),
            (b".././", b"../"),
            (b"../..", b"../.."),
            (b"../../", b"../../"),
            (b"/dir/foo//bar", b"/dir/foo/bar"),
            (b"dir/foo//bar/", b"dir/foo/bar/"),
            (b"dir/../foo", b"foo"),
            (b"dir/../../foo", b"../foo"),
            (b"dir/./.././../../foo/bar", b"../../foo/bar"),
            (b"dir/./.././../../foo/bar/.", b"../../foo/bar"),
            (b"dir/./.././../../foo/bar/./", b"../../foo/bar/"),
            (b"dir/./.././../../foo/bar/..", b"../../foo"),
            (b"dir/./.././../../foo/bar/../", b"../../foo/"),
            (b"dir/./.././../../foo/bar/", b"../../foo/bar/"),
            (b"dir//.//..//.//..//..//foo//bar", b"../../foo/bar"),
            (b"dir//.//..//.//..//..//foo//bar//", b"../../foo/bar/"),
            (b"dir/subdir/subsubdir/subsubsubdir/../../..", b"dir"),
            (b"dir/./subdir/./subsubdir/./subsubsubdir/../../..", b"dir"),
            (b"dir/./subdir/../subsubdir/../subsubsubdir/..", b"dir"),
            (b"/dir/./subdir/../subsubdir/../subsubsubdir/../", b"/dir/"),
            (
                b"/./.././../../../../../../../\0/../etc/./passwd",
                b"/etc/passwd",
            ),
            // Back-references at the start of an absolute path stop at the root.
            (b"/../etc/passwd", b"/etc/passwd"),
            (b"/../../../etc/passwd", b"/etc/passwd"),
            // The root slash goes too when nothing follows (ModSecurity strips a
            // trailing slash the input did not have).
            (b"/..", b""),
            (b"/../", b"/"),
            (b"/", b"/"),
            (b"//", b"/"),
            (b"/a/b/../../..", b""),
            (b"/a/b/../../../", b"/"),
            (b"/etc/./passwd", b"/etc/passwd"),
            (b"/etc//passwd", b"/etc/passwd"),
            (b"a\\..\\b", b"a\\..\\b"),
        ];
        for (input, expected) in cases {
            check(NormalizePath, input, expected);
        }
    }

    #[test]
    fn normalize_path_win() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"\\foo\\bar\\baz", b"/foo/bar/baz"),
            (b"\\foo\\bar\0\\baz", b"/foo/bar\0/baz"),
            (b"x", b"x"),
            (b".", b""),
            (b".\\", b""),
            (b".\\..", b".."),
            (b".\\..\\", b"../"),
            (b"..", b".."),
            (b"..\\", b"../"),
            (b"..\\.", b".."),
            (b"..\\.\\", b"../"),
            (b"..\\..", b"../.."),
            (b"..\\..\\", b"../../"),
            (b"\\dir\\foo\\\\bar", b"/dir/foo/bar"),
            (b"dir\\foo\\\\bar\\", b"dir/foo/bar/"),
            (b"dir\\..\\foo", b"foo"),
            (b"dir\\..\\..\\foo", b"../foo"),
            (b"dir\\.\\..\\.\\..\\..\\foo\\bar", b"../../foo/bar"),
            (b"dir\\.\\..\\.\\..\\..\\foo\\bar\\.", b"../../foo/bar"),
            (b"dir\\.\\..\\.\\..\\..\\foo\\bar\\.\\", b"../../foo/bar/"),
            (b"dir\\.\\..\\.\\..\\..\\foo\\bar\\..", b"../../foo"),
            (b"dir\\.\\..\\.\\..\\..\\foo\\bar\\..\\", b"../../foo/"),
            (b"dir\\.\\..\\.\\..\\..\\foo\\bar\\", b"../../foo/bar/"),
            (
                b"dir\\\\.\\\\..\\\\.\\\\..\\\\..\\\\foo\\\\bar",
                b"../../foo/bar",
            ),
            (
                b"dir\\\\.\\\\..\\\\.\\\\..\\\\..\\\\foo\\\\bar\\\\",
                b"../../foo/bar/",
            ),
            (b"dir\\subdir\\subsubdir\\subsubsubdir\\..\\..\\..", b"dir"),
            (
                b"dir\\.\\subdir\\.\\subsubdir\\.\\subsubsubdir\\..\\..\\..",
                b"dir",
            ),
            (
                b"dir\\.\\subdir\\..\\subsubdir\\..\\subsubsubdir\\..",
                b"dir",
            ),
            (
                b"\\dir\\.\\subdir\\..\\subsubdir\\..\\subsubsubdir\\..\\",
                b"/dir/",
            ),
            (
                b"\\.\\..\\.\\..\\..\\..\\..\\..\\..\\..\\\0\\..\\etc\\.\\passwd",
                b"/etc/passwd",
            ),
            // Mixed separators; runs of three collapse fully (converted first).
            (b"c:\\windows/system32\\..\\win.ini", b"c:/windows/win.ini"),
            (b"a/\\\\b", b"a/b"),
            (b"\\..\\..\\boot.ini", b"/boot.ini"),
        ];
        for (input, expected) in cases {
            check(NormalizePathWin, input, expected);
        }
    }

    #[test]
    fn utf8_to_unicode() {
        check(Utf8ToUnicode, b"", b"");
        check(Utf8ToUnicode, b"TestCase", b"TestCase");
        check(Utf8ToUnicode, "Ā ā ſ".as_bytes(), b"%u0100 %u0101 %u017f");
        check(Utf8ToUnicode, "Ѐ я ״".as_bytes(), b"%u0400 %u044f %u05f4");
        check(
            Utf8ToUnicode,
            "■ ◿ ➿ ⟯".as_bytes(),
            b"%u25a0 %u25ff %u27bf %u27ef",
        );
        check(Utf8ToUnicode, "é".as_bytes(), b"%u00e9");
        check(
            Utf8ToUnicode,
            "＜script＞".as_bytes(),
            b"%uff1cscript%uff1e",
        );
        check(Utf8ToUnicode, "😀".as_bytes(), b"%u1f600");
        check(Utf8ToUnicode, "\u{10ffff}".as_bytes(), b"%u10ffff");
        // NUL bytes are dropped (v2).
        check(Utf8ToUnicode, b"a\0b\0", b"ab");
        // Overlong forms are decoded, then followed by their lead byte.
        check(Utf8ToUnicode, b"\xc0\xaf", b"%u002f\xc0");
        check(Utf8ToUnicode, b"\xc1\xbf", b"%u007f\xc1");
        check(Utf8ToUnicode, b"\xe0\x80\xaf", b"%u002f\xe0");
        check(Utf8ToUnicode, b"\xf0\x80\x80\xaf", b"%u002f\xf0");
        // Surrogates: decoded, then the lead byte; an overlong surrogate gets it twice.
        check(Utf8ToUnicode, b"\xed\xa0\x80", b"%ud800\xed");
        check(Utf8ToUnicode, b"\xf0\x8d\xa0\x80", b"%ud800\xf0\xf0");
        // Lead bytes beyond U+10FFFF: kept, then decoded anyway.
        check(Utf8ToUnicode, b"\xf5\x80\x80\x80", b"\xf5%u140000");
        check(Utf8ToUnicode, b"\xf7\xbf\xbf\xbf", b"\xf7%u1fffff");
        check(Utf8ToUnicode, b"\xf5", b"\xf5");
        // Truncated or broken sequences lose their lead byte; stray bytes are copied.
        check(Utf8ToUnicode, b"a\xc3", b"a");
        check(Utf8ToUnicode, b"\xc3a", b"a");
        check(Utf8ToUnicode, b"\xe2\x82", b"\x82");
        check(Utf8ToUnicode, b"\xe2\x82a", b"\x82a");
        check(Utf8ToUnicode, b"\xf0\x9f\x98", b"\x9f\x98");
        check(Utf8ToUnicode, b"\x80\xbf\xf8\xff", b"\x80\xbf\xf8\xff");
    }

    #[test]
    fn base64() {
        check(Base64Decode, b"", b"");
        check(Base64Decode, b"VGVzdENhc2U=", b"TestCase");
        check(Base64Decode, b"VGVzdENhc2Ux", b"TestCase1");
        check(Base64Decode, b"VGVzdENhc2UxMg==", b"TestCase12");
        check(Base64Decode, b"VGVzdABDYXNl", b"Test\0Case");
        check(Base64Decode, b"VGVzdENhc2U=\0VGVzdENhc2U=", b"TestCase");
        // Decoding stops at the first byte outside the alphabet.
        check(Base64Decode, b"VGVz dENhc2U=", b"Tes");
        check(Base64Decode, b"QQ", b"A");
        check(Base64Decode, b"QUI", b"AB");
        check(Base64Decode, b"Q", b"");
        check(Base64Decode, b"QUJDR", b"ABC");
        check(Base64Decode, b"-_-_", b"");
        check(Base64Decode, b"PHNjcmlwdD4=", b"<script>");

        check(Base64DecodeExt, b"", b"");
        check(Base64DecodeExt, b"VGVzdENhc2U=", b"TestCase");
        check(Base64DecodeExt, b"VGVz dEN\nhc2U", b"TestCase");
        check(Base64DecodeExt, b"VG.Vz!dE*Nhc2UxMg==", b"TestCase12");
        check(Base64DecodeExt, b"VGVz\0dENhc2U=", b"Tes");
        check(Base64DecodeExt, b"QUJDR=", b"");
        check(Base64DecodeExt, b"QUJDR==", b"");
        check(Base64DecodeExt, b"QQ==", b"A");
        check(Base64DecodeExt, b"QQ", b"A");

        check(Base64Encode, b"", b"");
        check(Base64Encode, b"TestCase", b"VGVzdENhc2U=");
        check(Base64Encode, b"TestCase1", b"VGVzdENhc2Ux");
        check(Base64Encode, b"TestCase12", b"VGVzdENhc2UxMg==");
        check(Base64Encode, b"Test\0Case", b"VGVzdABDYXNl");
        let all: Vec<u8> = (0..=255u8).collect();
        assert_eq!(run(Base64Decode, &run(Base64Encode, &all)), all);
        assert_eq!(run(Base64DecodeExt, &run(Base64Encode, &all)), all);
    }

    #[test]
    fn hex() {
        check(HexEncode, b"", b"");
        check(HexEncode, b"TestCase", b"5465737443617365");
        check(HexEncode, b"Test\0Case\xff", b"546573740043617365ff");
        check(HexDecode, b"", b"");
        check(HexDecode, b"5465737443617365", b"TestCase");
        check(HexDecode, b"546573740043617365", b"Test\0Case");
        check(HexDecode, b"4A4a", b"JJ");
        // No validation, as ModSecurity: "0z" is 0 * 16 + 35.
        check(
            HexDecode,
            b"01234567890a0z01234567890a",
            b"\x01#Eg\x89\x0a#\x01#Eg\x89\x0a",
        );
        check(HexDecode, b"01234567890az", b"\x01#Eg\x89\x0a");
        check(HexDecode, b"01234567890a0", b"\x01#Eg\x89\x0a");
        check(HexDecode, b"x", b"");
        let all: Vec<u8> = (0..=255u8).collect();
        assert_eq!(run(HexDecode, &run(HexEncode, &all)), all);

        check(SqlHexDecode, b"", b"");
        check(SqlHexDecode, b"TestCase", b"TestCase");
        check(SqlHexDecode, b"0x414243", b"ABC");
        check(
            SqlHexDecode,
            b"SELECT 0x61646d696e, 0X41",
            b"SELECT admin, A",
        );
        check(SqlHexDecode, b"0x4142430", b"ABC0");
        check(SqlHexDecode, b"0x410x42", b"AB");
        check(SqlHexDecode, b"0x4", b"0x4");
        check(SqlHexDecode, b"0x", b"0x");
        check(SqlHexDecode, b"0xg1", b"0xg1");
        check(SqlHexDecode, b"00x41\0", b"0A\0");
    }

    #[test]
    fn length() {
        check(Length, b"", b"0");
        check(Length, b"0123456789abcdef", b"16");
        check(Length, b"0123456789\tabcdef", b"17");
        check(Length, b"Test\0Case", b"9");
        check(Length, b"x", b"1");
        // "1" has length 1: unchanged.
        assert_eq!(Length.apply(b"1"), None);
        check(Length, &[b'x'; 8192], b"8192");
    }

    #[test]
    fn digests() {
        check(
            Sha1,
            b"",
            b"\xda\x39\xa3\xee\x5e\x6b\x4b\x0d\x32\x55\xbf\xef\x95\x60\x18\x90\xaf\xd8\x07\x09",
        );
        check(
            Sha1,
            b"TestCase",
            b"\xa7\x0c\xe3\x83\x89\xe3\x18\xbd\x2b\xe1\x8a\x01\x11\xc6\xdc\x76\xbd\x2c\xd9\xed",
        );
        check(
            Sha1,
            b"\x00\x01\x02\x03\x04\x05\x06\x07\x08",
            b"\x63\xbf\x60\xc7\x10\x5a\x07\xa2\xb1\x25\xbb\xf8\x9e\x61\xab\xda\xbc\x69\x78\xc2",
        );
        check(
            Md5,
            b"",
            b"\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04\xe9\x80\x09\x98\xec\xf8\x42\x7e",
        );
        check(
            Md5,
            b"TestCase",
            b"\xc9\xab\xa2\xc3\xe6\x01\x26\x16\x9e\x80\xe9\xa2\x6b\xa2\x73\xc1",
        );
        check(
            Md5,
            b"\x00\x01\x02\x03\x04\x05\x06\x07\x08",
            b"\xa6\xe7\xd3\xb4\x6f\xdf\xaf\x0b\xde\x2a\x1f\x83\x2a\x00\xd2\xde",
        );
        // Lengths around the padding boundaries and several blocks (digests from
        // Python's `hashlib`).
        let hex = |t: Transform, input: &[u8]| {
            String::from_utf8(run(HexEncode, &run(t, input))).unwrap_or_default()
        };
        for (len, sha1, md5) in DIGEST_VECTORS {
            let input: Vec<u8> = (0..*len).map(|k| (k % 251) as u8).collect();
            assert_eq!(hex(Sha1, &input), *sha1, "sha1 of {len} bytes");
            assert_eq!(hex(Md5, &input), *md5, "md5 of {len} bytes");
        }
    }

    #[test]
    fn parity() {
        check(ParityEven7bit, b"", b"");
        check(
            ParityEven7bit,
            b"cefijloqrtwx03569ABDGHKMNPSUVYZ",
            b"cefijloqrtwx03569ABDGHKMNPSUVYZ",
        );
        check(
            ParityEven7bit,
            b"abcdefghijklmnopqrstuvwxyz\x000123456789\x00ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            b"\xe1\xe2c\xe4ef\xe7\xe8ij\xebl\xed\xeeo\xf0qr\xf3t\xf5\xf6wx\xf9\xfa\x000\xb1\xb23\xb456\xb7\xb89\x00AB\xc3D\xc5\xc6GH\xc9\xcaK\xccMN\xcfP\xd1\xd2S\xd4UV\xd7\xd8YZ",
        );
        check(
            ParityOdd7bit,
            b"abdghkmnpsuvyz12478CEFIJLOQRTW",
            b"abdghkmnpsuvyz12478CEFIJLOQRTW",
        );
        check(
            ParityOdd7bit,
            b"abcdefghijklmnopqrstuvwxyz\x000123456789\x00ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            b"ab\xe3d\xe5\xe6gh\xe9\xeak\xecmn\xefp\xf1\xf2s\xf4uv\xf7\xf8yz\x80\xb012\xb34\xb5\xb678\xb9\x80\xc1\xc2C\xc4EF\xc7\xc8IJ\xcbL\xcd\xceO\xd0QR\xd3T\xd5\xd6WX\xd9\xda",
        );
        check(ParityZero7bit, b"", b"");
        check(ParityZero7bit, b"abc\x00XYZ", b"abc\x00XYZ");
        check(ParityZero7bit, b"\x80\x00\x8f\xff", b"\x00\x00\x0f\x7f");
    }

    #[test]
    fn crs_chains() {
        // The chains CRS applies most, end to end.
        let chain =
            |ts: &[Transform], input: &[u8]| ts.iter().fold(input.to_vec(), |v, t| run(*t, &v));
        assert_eq!(
            chain(
                &[
                    UrlDecodeUni,
                    HtmlEntityDecode,
                    JsDecode,
                    CssDecode,
                    Lowercase
                ],
                b"%26lt%3BSCRIPT%26gt%3B\\x61lert(1)",
            ),
            b"<script>alert(1)"
        );
        assert_eq!(
            chain(&[UrlDecodeUni, CmdLine], b"c%5Ea%22t+/etc/pa%27sswd"),
            b"cat/etc/passwd"
        );
        assert_eq!(
            chain(
                &[UrlDecodeUni, NormalizePathWin],
                b"..%5c..%5c..%5cwindows%5cwin.ini"
            ),
            b"../../../windows/win.ini"
        );
        assert_eq!(
            chain(&[Utf8ToUnicode, UrlDecodeUni], "＜script＞".as_bytes()),
            b"<script>"
        );
    }

    /// A small xorshift generator: reproducible pseudo-random inputs without new deps.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
    }

    #[test]
    fn random_inputs_never_panic() {
        // Bytes that start escapes and entities are over-represented so that the
        // decoders' edge cases (truncation, invalid digits) come up often.
        const INTERESTING: &[u8] =
            b"%uUxX&#;\\/.*-<!>=+0123456789aAfFgG \t\n\0\xa0\xc0\xc3\xe2\xed\xf0\xf5\x80\xbf\xff";
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for round in 0..4000u32 {
            let len = (rng.next() % 48) as usize;
            let input: Vec<u8> = (0..len)
                .map(|_| {
                    let r = rng.next();
                    if r.is_multiple_of(3) {
                        (r >> 8) as u8
                    } else {
                        INTERESTING[((r >> 8) as usize) % INTERESTING.len()]
                    }
                })
                .collect();
            for t in Transform::ALL {
                let out = t.apply(&input);
                if let Some(out) = &out {
                    assert_ne!(out, &input, "{} reported a change without one", t.name());
                }
                let value = out.unwrap_or_else(|| input.clone());
                // Decoders never grow the value (one transformation may add a byte:
                // removeComments' copied terminator).
                if matches!(
                    t,
                    UrlDecode
                        | UrlDecodeUni
                        | HtmlEntityDecode
                        | JsDecode
                        | CssDecode
                        | EscapeSeqDecode
                        | NormalizePath
                        | NormalizePathWin
                        | HexDecode
                        | SqlHexDecode
                        | Base64Decode
                        | Base64DecodeExt
                        | CmdLine
                        | CompressWhitespace
                        | RemoveWhitespace
                        | RemoveNulls
                        | ReplaceComments
                        | RemoveCommentsChar
                        | Trim
                        | TrimLeft
                        | TrimRight
                ) {
                    assert!(value.len() <= input.len(), "{} grew {:?}", t.name(), input);
                }
                if t == RemoveComments {
                    assert!(value.len() <= input.len() + 1);
                }
            }
            // Chains as CRS writes them.
            if round.is_multiple_of(4) {
                let mut v = input.clone();
                for t in [
                    UrlDecodeUni,
                    Utf8ToUnicode,
                    HtmlEntityDecode,
                    JsDecode,
                    CssDecode,
                    CmdLine,
                ] {
                    v = run(t, &v);
                }
            }
        }
    }

    #[test]
    fn large_hostile_inputs_are_linear() {
        // Each of these would be quadratic with a naive rescan; they must finish fast.
        let n = 200_000;
        let inputs: Vec<Vec<u8>> = vec![
            b"/..".repeat(n / 3),
            b"a/".repeat(n / 2),
            b"&#".repeat(n / 2),
            b"&#x".repeat(n / 3),
            vec![b'&'; n],
            b"\\u".repeat(n / 2),
            b"%u".repeat(n / 2),
            b"/*".repeat(n / 2),
            b"<!--".repeat(n / 4),
            b"\\\\/".repeat(n / 3),
            vec![b'9'; n],
            b"0x".repeat(n / 2),
            vec![0xe2; n],
        ];
        // Termination without a panic is the check; how fast belongs in a benchmark.
        for input in &inputs {
            for t in Transform::ALL {
                let _ = t.apply(input);
            }
        }
    }

    /// (length, sha1, md5) of the bytes `k % 251` for k in 0..length.
    const DIGEST_VECTORS: &[(usize, &str, &str)] = &[
        (
            0,
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "d41d8cd98f00b204e9800998ecf8427e",
        ),
        (
            1,
            "5ba93c9db0cff93f52b521d7420e43f6eda2784f",
            "93b885adfe0da089cdf634904fd59f71",
        ),
        (
            55,
            "8ae2d46729cfe68ff927af5eec9c7d1b66d65ac2",
            "6912ee65fff2d9f9ce2508cddf8bcda0",
        ),
        (
            56,
            "636e2ec698dac903498e648bd2f3af641d3c88cb",
            "51fdd1acda72405dfdfa03fcb85896d7",
        ),
        (
            57,
            "7cb1330f35244b57437539253304ea78a6b7c443",
            "5320ef4c17ef34a0cf2db763338d25eb",
        ),
        (
            63,
            "6d942da0c4392b123528f2905c713a3ce28364bd",
            "48a6295221902e8e0938f773a7185e72",
        ),
        (
            64,
            "c6138d514ffa2135bfce0ed0b8fac65669917ec7",
            "b2d3f56bc197fd985d5965079b5e7148",
        ),
        (
            65,
            "69bd728ad6e13cd76ff19751fde427b00e395746",
            "8bd7053801c768420faf816fadba971c",
        ),
        (
            119,
            "41c89d06001bab4ab78736b44efe7ce18ce6ae08",
            "1c772251899a7ff007400b888d6b2042",
        ),
        (
            120,
            "d3dbd653bd8597b7475321b60a36891278e6a04a",
            "b7ba1efc6022e9ed272f00b8831e26e6",
        ),
        (
            1000,
            "c9c960a0b925474fab83942cc27d504fc24ac37b",
            "a24f1e3ef66950e1327f210e3997ba2c",
        ),
    ];
}
