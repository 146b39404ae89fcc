//! nginx `log_format` and Apache `LogFormat` strings, compiled once into a prefix literal
//! and a list of steps "read this field up to that literal".

use crate::ParseError;

/// What a field of the format means for the record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    RemoteAddr,
    ServerAddr,
    /// `10/Oct/2000:13:55:36 -0700`.
    TimeLocal,
    TimeIso8601,
    /// Seconds since the epoch with a fraction (`$msec`, Apache `%{sec}t`).
    EpochSecs,
    /// Integer milliseconds / microseconds since the epoch (`%{msec}t`, `%{usec}t`).
    EpochMillis,
    EpochMicros,
    /// An Apache strftime pattern.
    Strftime(String),
    /// The request line `GET /p?q HTTP/1.1`.
    Request,
    Method,
    /// The request target as sent, with its query (`$request_uri`).
    Target,
    /// A path the server already decoded and normalised (`$uri`, `%U`).
    DecodedPath,
    /// The query string as sent, without `?` (`$args`, `%q` with its `?` removed).
    Args,
    /// Apache `%U%q`: a decoded path directly followed by `?query` or nothing.
    PathQuery,
    Protocol,
    Status,
    BodyBytes,
    TotalBytes,
    /// Request time in seconds / milliseconds / microseconds.
    Seconds,
    Millis,
    Micros,
    Referer,
    UserAgent,
    XForwardedFor,
    /// Server name chosen by configuration (`$server_name`, `%v`).
    ServerName,
    /// Host as the client sent it (`$host`, `%{Host}i`).
    HostHeader,
    /// A port: must be a number or `-`, otherwise unused.
    Port,
    Body,
    /// Read (so the line stays aligned) but not stored.
    Ignore,
}

/// A compiled log format.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub prefix: Vec<u8>,
    pub steps: Vec<Step>,
}

/// One field and the literal that ends it (empty for a field at the end of the format).
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub field: Field,
    /// As written in the format, for error messages.
    pub name: String,
    /// Between `"` in the format, so it may hold escaped quotes and spaces.
    pub quoted: bool,
    pub next: Vec<u8>,
    /// How many times `next` occurs inside the field itself (a time with a space
    /// followed by a space), so that many matches are passed over.
    pub skip: usize,
    pub finder: memchr::memmem::Finder<'static>,
}

enum Token {
    Lit(Vec<u8>),
    Field(Field, String),
}

fn assemble(tokens: Vec<Token>) -> Result<Compiled, ParseError> {
    let mut prefix = Vec::new();
    let mut fields: Vec<(Field, String, Vec<u8>)> = Vec::new();
    for t in tokens {
        match t {
            Token::Lit(l) => match fields.last_mut() {
                Some(last) => last.2.extend_from_slice(&l),
                None => prefix.extend_from_slice(&l),
            },
            Token::Field(f, name) => {
                if let Some(prev) = fields.last_mut()
                    && prev.2.is_empty()
                {
                    if prev.0 == Field::DecodedPath && f == Field::Args {
                        prev.0 = Field::PathQuery;
                        prev.1.push_str(&name);
                        continue;
                    }
                    return Err(ParseError::LogFormat(format!(
                        "{} and {name} have nothing between them, so the line cannot be split",
                        prev.1
                    )));
                }
                fields.push((f, name, Vec::new()));
            }
        }
    }
    if fields.is_empty() {
        return Err(ParseError::LogFormat("no fields in the format".into()));
    }
    let has_time = fields.iter().any(|(f, ..)| {
        matches!(
            f,
            Field::TimeLocal
                | Field::TimeIso8601
                | Field::EpochSecs
                | Field::EpochMillis
                | Field::EpochMicros
                | Field::Strftime(_)
        )
    });
    if !has_time {
        return Err(ParseError::LogFormat(
            "no time field ($time_local, $time_iso8601, $msec, %t): records need a time".into(),
        ));
    }
    let mut steps = Vec::with_capacity(fields.len());
    let mut before_ends_quote = prefix.ends_with(b"\"");
    for (field, name, next) in fields {
        let quoted = before_ends_quote && next.starts_with(b"\"");
        before_ends_quote = next.ends_with(b"\"");
        let finder = memchr::memmem::Finder::new(&next).into_owned();
        let skip = if next.is_empty() {
            0
        } else {
            occurrences(&sample(&field), &next)
        };
        steps.push(Step {
            field,
            name,
            quoted,
            next,
            skip,
            finder,
        });
    }
    Ok(Compiled { prefix, steps })
}

/// A value the field could hold, to see which literals it contains.
fn sample(field: &Field) -> Vec<u8> {
    use std::fmt::Write;
    match field {
        Field::TimeLocal => b"10/Oct/2000:13:55:36 -0700".to_vec(),
        Field::Strftime(p) => {
            let t = chrono::DateTime::parse_from_rfc3339("2000-10-10T13:55:36-07:00")
                .expect("constant time is valid");
            let mut out = String::new();
            // An invalid pattern fails here and again on every line; nothing to skip.
            let _ = write!(out, "{}", t.format(p));
            out.into_bytes()
        }
        _ => Vec::new(),
    }
}

fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    memchr::memmem::find_iter(hay, needle).count()
}

/// A pasted `'...' '...'` nginx string is its pieces joined; a bare string is itself.
fn strip_nginx_quotes(s: &str) -> String {
    let t = s.trim();
    if !(t.starts_with('\'') && t.ends_with('\'') && t.len() >= 2) {
        return s.to_string();
    }
    let mut out = String::new();
    let mut inside = false;
    for c in t.chars() {
        match (c, inside) {
            ('\'', _) => inside = !inside,
            (c, true) => out.push(c),
            (_, false) => {}
        }
    }
    out
}

fn nginx_field(name: &str) -> Field {
    match name {
        "remote_addr" => Field::RemoteAddr,
        "server_addr" => Field::ServerAddr,
        "time_local" => Field::TimeLocal,
        "time_iso8601" => Field::TimeIso8601,
        "msec" => Field::EpochSecs,
        "request" => Field::Request,
        "request_method" => Field::Method,
        "request_uri" => Field::Target,
        "uri" | "document_uri" => Field::DecodedPath,
        "args" | "query_string" => Field::Args,
        "server_protocol" => Field::Protocol,
        "status" => Field::Status,
        "body_bytes_sent" => Field::BodyBytes,
        "bytes_sent" => Field::TotalBytes,
        "request_time" => Field::Seconds,
        "http_referer" => Field::Referer,
        "http_user_agent" => Field::UserAgent,
        "http_x_forwarded_for" => Field::XForwardedFor,
        "server_name" => Field::ServerName,
        "host" | "http_host" => Field::HostHeader,
        "server_port" => Field::Port,
        "request_body" => Field::Body,
        _ => Field::Ignore,
    }
}

/// Compiles an nginx `log_format` string (`$var` and `${var}`).
pub(crate) fn nginx(format: &str) -> Result<Compiled, ParseError> {
    let s = strip_nginx_quotes(format);
    let b = s.as_bytes();
    let mut tokens = Vec::new();
    let mut lit = Vec::new();
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
            let end = b[i + 2..]
                .iter()
                .position(|&c| c == b'}')
                .ok_or_else(|| ParseError::LogFormat("unclosed ${".into()))?;
            let name = &s[i + 2..i + 2 + end];
            tokens.push(Token::Lit(std::mem::take(&mut lit)));
            tokens.push(Token::Field(nginx_field(name), format!("${name}")));
            i += end + 3;
        } else if b[i] == b'$' && b.get(i + 1).is_some_and(|&c| ident(c)) {
            let len = b[i + 1..].iter().take_while(|&&c| ident(c)).count();
            let name = &s[i + 1..i + 1 + len];
            tokens.push(Token::Lit(std::mem::take(&mut lit)));
            tokens.push(Token::Field(nginx_field(name), format!("${name}")));
            i += len + 1;
        } else {
            lit.push(b[i]);
            i += 1;
        }
    }
    tokens.push(Token::Lit(lit));
    assemble(tokens)
}

fn apache_time(arg: Option<&str>) -> Field {
    let Some(arg) = arg else {
        return Field::TimeLocal;
    };
    let arg = arg
        .strip_prefix("begin:")
        .or_else(|| arg.strip_prefix("end:"))
        .unwrap_or(arg);
    match arg {
        "sec" => Field::EpochSecs,
        "msec" => Field::EpochMillis,
        "usec" => Field::EpochMicros,
        "msec_frac" | "usec_frac" => Field::Ignore,
        "%d/%b/%Y:%H:%M:%S %z" => Field::TimeLocal,
        p => Field::Strftime(p.to_string()),
    }
}

fn apache_field(letter: char, arg: Option<&str>) -> Result<Field, ParseError> {
    let header = arg.map(str::to_ascii_lowercase);
    Ok(match letter {
        'a' | 'h' => Field::RemoteAddr,
        'A' => Field::ServerAddr,
        't' => apache_time(arg),
        'r' => Field::Request,
        'm' => Field::Method,
        'U' => Field::DecodedPath,
        'q' => Field::Args,
        'H' => Field::Protocol,
        's' => Field::Status,
        'b' | 'B' => Field::BodyBytes,
        'O' => Field::TotalBytes,
        'D' => Field::Micros,
        'T' => match arg {
            Some("ms") => Field::Millis,
            Some("us") => Field::Micros,
            _ => Field::Seconds,
        },
        'v' | 'V' => Field::ServerName,
        'p' => Field::Port,
        'i' => match header.as_deref() {
            Some("host") => Field::HostHeader,
            Some("referer") => Field::Referer,
            Some("user-agent") => Field::UserAgent,
            Some("x-forwarded-for") => Field::XForwardedFor,
            _ => Field::Ignore,
        },
        'l' | 'u' | 'I' | 'S' | 'C' | 'e' | 'f' | 'k' | 'L' | 'n' | 'o' | 'P' | 'R' | 'X' => {
            Field::Ignore
        }
        c => return Err(ParseError::LogFormat(format!("unknown directive %{c}"))),
    })
}

/// Compiles an Apache `LogFormat` string (`%h`, `%>s`, `%{Referer}i`, `\"`...).
pub(crate) fn apache(format: &str) -> Result<Compiled, ParseError> {
    let chars: Vec<char> = format.chars().collect();
    let mut tokens = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            match chars[i + 1] {
                'n' => lit.push('\n'),
                't' => lit.push('\t'),
                o => lit.push(o),
            }
            i += 2;
            continue;
        }
        if c != '%' {
            lit.push(c);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if chars.get(i) == Some(&'%') {
            lit.push('%');
            i += 1;
            continue;
        }
        // Modifiers: `<`, `>`, and status conditions such as `!400,501`.
        while i < chars.len() && matches!(chars[i], '<' | '>' | '!' | ',' | '0'..='9') {
            i += 1;
        }
        let mut arg = None;
        if chars.get(i) == Some(&'{') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '}')
                .ok_or_else(|| ParseError::LogFormat("unclosed %{".into()))?;
            arg = Some(chars[i + 1..i + end].iter().collect::<String>());
            i += end + 1;
        }
        // `%^ti` / `%^to` (trailers) are two letters after the caret.
        if chars.get(i) == Some(&'^') {
            i += 3;
            tokens.push(Token::Lit(std::mem::take(&mut lit).into_bytes()));
            let name: String = chars[start..i.min(chars.len())].iter().collect();
            tokens.push(Token::Field(Field::Ignore, name));
            continue;
        }
        let letter = *chars
            .get(i)
            .ok_or_else(|| ParseError::LogFormat("format ends inside a directive".into()))?;
        i += 1;
        let name: String = chars[start..i].iter().collect();
        let field = apache_field(letter, arg.as_deref())?;
        tokens.push(Token::Lit(std::mem::take(&mut lit).into_bytes()));
        if letter == 't' && arg.is_none() {
            // Plain `%t` writes its own brackets.
            tokens.push(Token::Lit(b"[".to_vec()));
            tokens.push(Token::Field(field, name));
            tokens.push(Token::Lit(b"]".to_vec()));
        } else {
            tokens.push(Token::Field(field, name));
        }
    }
    tokens.push(Token::Lit(lit.into_bytes()));
    assemble(tokens)
}
