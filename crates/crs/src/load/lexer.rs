//! Splits a SecLang file into directives: comments dropped, `\` line continuations
//! joined, arguments split as Apache's configuration parser does (double or single
//! quotes; inside quotes `\"` is a quote and `\\` a backslash; every other backslash is
//! kept for the regex that follows).

/// One directive: its name, arguments and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// `SecRule`, `SecAction`, ...
    pub name: String,
    /// Arguments with quotes removed.
    pub args: Vec<String>,
    /// Line where the directive starts.
    pub line: usize,
}

/// Splits a file's text into directives. An unterminated quote takes the rest of the
/// directive as the argument (as Apache does), never panics.
pub fn directives(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = i + 1;
            let t = raw.trim_start();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
        }
        let line = raw.trim_end();
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            continue;
        }
        logical.push_str(line);
        if let Some(d) = split(&logical, start) {
            out.push(d);
        }
        logical.clear();
    }
    if !logical.is_empty()
        && let Some(d) = split(&logical, start)
    {
        out.push(d);
    }
    out
}

fn split(line: &str, number: usize) -> Option<Directive> {
    let mut words = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let quote = bytes[i];
        if quote == b'"' || quote == b'\'' {
            i += 1;
            let mut word = Vec::new();
            while i < bytes.len() && bytes[i] != quote {
                if bytes[i] == b'\\'
                    && i + 1 < bytes.len()
                    && (bytes[i + 1] == quote || bytes[i + 1] == b'\\')
                {
                    word.push(bytes[i + 1]);
                    i += 2;
                } else {
                    word.push(bytes[i]);
                    i += 1;
                }
            }
            i += 1;
            words.push(String::from_utf8_lossy(&word).into_owned());
        } else {
            let s = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            words.push(line[s..i].to_owned());
        }
    }
    let mut words = words.into_iter();
    let name = words.next()?;
    Some(Directive {
        name,
        args: words.collect(),
        line: number,
    })
}

/// Splits an action list (`id:1,phase:2,msg:'a, b',t:none`) into `(name, value)` pairs.
/// Single quotes protect commas; `\'` inside them is a quote.
pub fn actions(s: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let ns = i;
        while i < bytes.len() && bytes[i] != b':' && bytes[i] != b',' {
            i += 1;
        }
        let name = s[ns..i].trim().to_owned();
        if i >= bytes.len() || bytes[i] == b',' {
            out.push((name, None));
            continue;
        }
        i += 1; // ':'
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let mut value = Vec::new();
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() && bytes[i + 1] == b'\'' {
                    value.push(b'\'');
                    i += 2;
                } else {
                    value.push(bytes[i]);
                    i += 1;
                }
            }
            i += 1;
            // Anything up to the next comma after a closing quote is dropped.
            while i < bytes.len() && bytes[i] != b',' {
                i += 1;
            }
        } else {
            while i < bytes.len() && bytes[i] != b',' {
                value.push(bytes[i]);
                i += 1;
            }
            while value.last().is_some_and(u8::is_ascii_whitespace) {
                value.pop();
            }
        }
        out.push((name, Some(String::from_utf8_lossy(&value).into_owned())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_and_quotes() {
        let text = "# comment\nSecRule ARGS \"@rx a\\\"b\" \\\n    \"id:1,\\\n    phase:2\"\n\nSecMarker END\n";
        let d = directives(text);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].name, "SecRule");
        assert_eq!(d[0].args, vec!["ARGS", "@rx a\"b", "id:1,    phase:2"]);
        assert_eq!(d[0].line, 2);
        assert_eq!(d[1].args, vec!["END"]);
        assert_eq!(d[1].line, 6);
    }

    #[test]
    fn backslashes_stay_for_regexes() {
        let d = directives(r#"SecRule ARGS "@rx \d+\x5c\\" "id:2""#);
        assert_eq!(d[0].args[1], r"@rx \d+\x5c\");
    }

    #[test]
    fn action_values_keep_quoted_commas() {
        let a = actions("id:1, phase:2,msg:'a, b \\'c\\'',t:none,chain,setvar:'tx.x=+%{tx.y}'");
        assert_eq!(a[0], ("id".into(), Some("1".into())));
        assert_eq!(a[1], ("phase".into(), Some("2".into())));
        assert_eq!(a[2], ("msg".into(), Some("a, b 'c'".into())));
        assert_eq!(a[4], ("chain".into(), None));
        assert_eq!(a[5], ("setvar".into(), Some("tx.x=+%{tx.y}".into())));
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for s in [
            "\"",
            "SecRule \"",
            "'",
            "a\\",
            "SecRule ARGS '@rx",
            "\\\\\\",
        ] {
            let _ = directives(s);
            let _ = actions(s);
        }
    }
}
