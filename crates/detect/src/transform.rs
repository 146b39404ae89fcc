//! Decoders that undo what attackers do to slip past literal matching. Each works from
//! one buffer into another and allocates nothing once the buffers have grown; [`apply`]
//! first scans the input once and skips every step that cannot change it, which is what
//! keeps a benign line cheap.

use crate::model::Transforms;

/// Byte classes that make a transform step necessary.
const PERCENT: u8 = 1;
const PLUS: u8 = 2;
const AMP: u8 = 4;
const PATHY: u8 = 8;
const SPACEY: u8 = 16;
const UPPER: u8 = 32;
const ANY_AMP: u8 = 64;
const SEMI: u8 = 128;

/// The classes of byte `b` followed by `next`. Branch-free, so the loop over a field
/// compiles to SIMD compares: this runs on every byte of every zone that is decoded.
#[inline(always)]
fn class_of(b: u8, next: u8) -> u8 {
    // Single spaces and lone slashes are the norm; only runs and `/.`, `//` need work.
    let pathy = b == b'\\' || b == b'/' && (next == b'/' || next == b'.');
    let spacey = b == b'*' || b.wrapping_sub(b'\t') < 5 || b == 0xa0 || b == b' ' && next == b' ';
    (u8::from(b == b'%') * PERCENT)
        | (u8::from(b == b'+') * PLUS)
        // Query separators are `&` too: only `&#` or an `&` with a `;` somewhere can
        // be an entity (named ones need their `;`).
        | (u8::from(b == b'&' && next == b'#') * AMP)
        | (u8::from(b == b'&') * ANY_AMP)
        | (u8::from(b == b';') * SEMI)
        | (u8::from(pathy) * PATHY)
        | (u8::from(spacey) * SPACEY)
        | (u8::from(b.wrapping_sub(b'A') < 26) * UPPER)
}

/// Which steps of any chain could change `input` (one branch-free pass).
pub fn needs(input: &[u8]) -> u8 {
    let Some((&last, _)) = input.split_last() else {
        return 0;
    };
    let n = input.len();
    let acc = input[..n - 1]
        .iter()
        .zip(&input[1..])
        .fold(class_of(last, 0), |acc, (&b, &next)| {
            acc | class_of(b, next)
        });
    let mut flags = 0;
    if acc & PERCENT != 0 {
        flags |= Transforms::URL_DECODE;
    }
    if acc & PLUS != 0 {
        // `+` may become a space next to another, so squeezing must not be skipped.
        flags |= Transforms::PLUS | Transforms::SQUEEZE;
    }
    if acc & AMP != 0 || acc & (ANY_AMP | SEMI) == ANY_AMP | SEMI {
        flags |= Transforms::HTML;
    }
    if acc & PATHY != 0 {
        flags |= Transforms::PATH;
    }
    if acc & SPACEY != 0 {
        flags |= Transforms::SQUEEZE;
    }
    if acc & UPPER != 0 {
        flags |= Transforms::LOWERCASE;
    }
    flags
}

/// The steps of `chain` that would change an input whose [`needs`] are `need`: two
/// chains with the same effective steps give the same output, so their buffers are shared.
pub fn effective(chain: Transforms, need: u8) -> u8 {
    if chain.has(Transforms::URL_DECODE) && need & (Transforms::URL_DECODE | Transforms::PLUS) != 0
    {
        chain.0
    } else {
        chain.0 & need
    }
}

/// Applies `chain` to `input`, leaving the result in `out`; `tmp` is scratch.
pub fn apply(chain: Transforms, input: &[u8], out: &mut Vec<u8>, tmp: &mut Vec<u8>) {
    apply_with_needs(chain, input, needs(input), out, tmp);
}

/// [`apply`] for a caller that already knows `needs(input)`.
pub(crate) fn apply_with_needs(
    chain: Transforms,
    input: &[u8],
    mut need: u8,
    out: &mut Vec<u8>,
    tmp: &mut Vec<u8>,
) {
    out.clear();
    out.extend_from_slice(input);
    let plus = chain.has(Transforms::PLUS);
    if chain.has(Transforms::URL_DECODE) && need & (Transforms::URL_DECODE | Transforms::PLUS) != 0
    {
        for _ in 0..3 {
            url_decode(out, tmp, plus);
            let changed = tmp != out;
            std::mem::swap(out, tmp);
            if !changed || !out.contains(&b'%') {
                break;
            }
        }
        // Decoding can reveal `&`, uppercase letters or comment markers the raw scan missed.
        need = needs(out);
    } else if plus && need & Transforms::PLUS != 0 {
        for b in out.iter_mut() {
            if *b == b'+' {
                *b = b' ';
            }
        }
    }
    if chain.has(Transforms::HTML) && need & Transforms::HTML != 0 {
        html_decode(out, tmp);
        std::mem::swap(out, tmp);
        need = needs(out);
    }
    if chain.has(Transforms::PATH) && need & Transforms::PATH != 0 {
        normalize_path(out, tmp);
        std::mem::swap(out, tmp);
    }
    if chain.has(Transforms::SQUEEZE) && need & Transforms::SQUEEZE != 0 {
        squeeze(out, tmp);
        std::mem::swap(out, tmp);
    }
    if chain.has(Transforms::LOWERCASE) && need & Transforms::LOWERCASE != 0 {
        out.make_ascii_lowercase();
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

/// One round of percent-decoding (`%XX`, `%uXXXX`), optionally `+` to space.
pub fn url_decode(input: &[u8], out: &mut Vec<u8>, plus: bool) {
    out.clear();
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            if let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            if matches!(input.get(i + 1), Some(b'u' | b'U')) {
                let digits: Option<u32> = input.get(i + 2..i + 6).and_then(|d| {
                    d.iter()
                        .try_fold(0u32, |acc, &c| hex(c).map(|v| acc << 4 | u32::from(v)))
                });
                if let Some(cp) = digits {
                    // Full-width forms (U+FF01..FF5E) are ASCII in disguise (IIS folds them).
                    let cp = if (0xff01..=0xff5e).contains(&cp) {
                        cp - 0xfee0
                    } else {
                        cp
                    };
                    let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                    continue;
                }
            }
        } else if b == b'+' && plus {
            out.push(b' ');
            i += 1;
            continue;
        }
        out.push(b);
        i += 1;
    }
}

fn named_entity(name: &[u8]) -> Option<char> {
    Some(match name.to_ascii_lowercase().as_slice() {
        b"lt" => '<',
        b"gt" => '>',
        b"amp" => '&',
        b"quot" => '"',
        b"apos" => '\'',
        b"nbsp" => ' ',
        b"tab" => '\t',
        b"newline" => '\n',
        b"colon" => ':',
        b"lpar" => '(',
        b"rpar" => ')',
        b"sol" => '/',
        b"bsol" => '\\',
        b"period" => '.',
        b"comma" => ',',
        b"excl" => '!',
        b"num" => '#',
        b"grave" => '`',
        b"equals" => '=',
        b"semi" => ';',
        b"lowbar" => '_',
        _ => return None,
    })
}

/// HTML entity decoding: named (common ones), decimal and hex, `;` optional for numbers.
pub fn html_decode(input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'&' {
            let rest = &input[i + 1..];
            if let Some(r) = rest.strip_prefix(b"#") {
                let (radix, digits) = match r.first() {
                    Some(b'x' | b'X') => (16, &r[1..]),
                    _ => (10, r),
                };
                let n = digits
                    .iter()
                    .take_while(|c| {
                        if radix == 16 {
                            c.is_ascii_hexdigit()
                        } else {
                            c.is_ascii_digit()
                        }
                    })
                    .count();
                if n > 0 {
                    let text = std::str::from_utf8(&digits[..n]).unwrap_or("0");
                    let cp = u32::from_str_radix(text, radix).unwrap_or(0xfffd);
                    let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    let prefix = if radix == 16 { 2 } else { 1 };
                    let mut used = 1 + prefix + n;
                    if input.get(i + used) == Some(&b';') {
                        used += 1;
                    }
                    i += used;
                    continue;
                }
            } else {
                let n = rest
                    .iter()
                    .take(10)
                    .take_while(|c| c.is_ascii_alphabetic())
                    .count();
                if n > 0
                    && rest.get(n) == Some(&b';')
                    && let Some(ch) = named_entity(&rest[..n])
                {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += n + 2;
                    continue;
                }
            }
        }
        out.push(input[i]);
        i += 1;
    }
}

/// Backslashes to slashes, repeated slashes squeezed, `/./` dropped and `/../` resolved
/// (never above the root).
pub fn normalize_path(input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let absolute = matches!(input.first(), Some(b'/' | b'\\'));
    let trailing = input.len() > 1 && matches!(input.last(), Some(b'/' | b'\\'));
    for seg in input.split(|&b| b == b'/' || b == b'\\') {
        match seg {
            b"" | b"." => {}
            b".." => {
                let keep = out.iter().rposition(|&b| b == b'/').unwrap_or(0);
                out.truncate(keep);
            }
            _ => {
                if absolute || !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(seg);
            }
        }
    }
    if absolute && out.is_empty() || trailing && !out.is_empty() {
        out.push(b'/');
    }
}

/// SQL comment markers (`/*`, `/*!50000`, `*/`) to spaces, whitespace runs to one space.
pub fn squeeze(input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    let mut last_space = false;
    while i < input.len() {
        let b = input[i];
        let mut skip = 0;
        if b == b'/' && input.get(i + 1) == Some(&b'*') {
            skip = 2;
            if input.get(i + 2) == Some(&b'!') {
                skip = 3 + input[i + 3..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
            }
        } else if b == b'*' && input.get(i + 1) == Some(&b'/') {
            skip = 2;
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
            || b == 0xa0 && (i == 0 || input[i - 1] < 0x80)
        {
            // A lone 0xa0 (from `%a0`) is a no-break space MySQL accepts as a separator.
            skip = 1;
        }
        if skip > 0 {
            if !last_space {
                out.push(b' ');
                last_space = true;
            }
            i += skip;
        } else {
            out.push(b);
            last_space = false;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chain: u8, s: &str) -> String {
        let (mut out, mut tmp) = (Vec::new(), Vec::new());
        apply(Transforms(chain), s.as_bytes(), &mut out, &mut tmp);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn decoders_undo_common_evasions() {
        let cases: &[(u8, &str, &str)] = &[
            (Transforms::DEFAULT.0, "UNION/**/SELECT", "union select"),
            (Transforms::DEFAULT.0, "%2527%20OR%201=1", "' or 1=1"),
            (Transforms::DEFAULT.0, "a+b%2bc", "a b+c"),
            (Transforms::DEFAULT.0, "%u003cscript%u003e", "<script>"),
            (Transforms::DEFAULT.0, "&#x3C;img src=x&#62;", "<img src=x>"),
            (
                Transforms::DEFAULT.0,
                "/*!50000UniON*/  sElect",
                " union select",
            ),
            (Transforms::PATH, "/a/./b//c/../d\\e", "/a/b/d/e"),
            (Transforms::PATH, "/../../etc/passwd", "/etc/passwd"),
            (
                Transforms::URL_DECODE | Transforms::PATH,
                "/remote/fgt_lang%3flang=/../x",
                "/remote/x",
            ),
            (Transforms::LOWERCASE, "Mozilla", "mozilla"),
            (Transforms::DEFAULT.0, "plain text", "plain text"),
            (Transforms::DEFAULT.0, "100%", "100%"),
            (Transforms::HTML, "a=1&b=2", "a=1&b=2"),
            (Transforms::HTML, "a=1&ltb", "a=1&ltb"),
            (Transforms::HTML, "a=1&lt;b", "a=1<b"),
            (Transforms::HTML, "x=&#60", "x=<"),
        ];
        for (chain, input, want) in cases {
            assert_eq!(run(*chain, input), *want, "input {input:?}");
        }
    }

    #[test]
    fn plain_fields_need_no_decoding() {
        let cases: &[(&str, u8)] = &[
            ("/products/12345", 0),
            ("/search", 0),
            (
                "q=blue+shoes&page=2",
                Transforms::PLUS | Transforms::SQUEEZE,
            ),
            ("a=1&b=2;c", Transforms::HTML),
            ("x=&#60", Transforms::HTML),
            ("/a//b", Transforms::PATH),
            ("/a/./b", Transforms::PATH),
            ("a  b", Transforms::SQUEEZE),
            ("a\tb", Transforms::SQUEEZE),
            ("Mozilla", Transforms::LOWERCASE),
            ("100%25", Transforms::URL_DECODE),
        ];
        for (input, want) in cases {
            assert_eq!(needs(input.as_bytes()), *want, "input {input:?}");
        }
    }

    #[test]
    fn truncated_escapes_never_panic() {
        for s in ["%", "%u", "%u12", "&#", "&#x", "&", "/*!", "\\..\\"] {
            let _ = run(0xff, s);
        }
    }
}
