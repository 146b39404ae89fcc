//! The CRS engine on hostile input: the bytes before the first NUL are SecLang text loaded
//! alone; the rest is a request (method, target, User-Agent and body on the first four
//! lines) run through a fixed rule set that uses every kind of operator and the
//! transformations CRS chains, and through the loaded text when it loads.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use kansoku_crs::{Crs, LoadOptions, Request, Scratch};
use libfuzzer_sys::fuzz_target;

const RULES: &str = r#"
SecAction "id:1,phase:1,nolog,pass,setvar:tx.score=0,setvar:tx.allowed=GET POST"
SecRule REQUEST_METHOD "!@within %{tx.allowed}" "id:2,phase:1,log,pass,setvar:tx.score=+2"
SecRule ARGS|ARGS_NAMES|REQUEST_FILENAME "@detectSQLi" "id:3,phase:2,log,pass,capture,t:none,t:urlDecodeUni,logdata:'%{TX.0}',setvar:tx.score=+5"
SecRule ARGS|REQUEST_HEADERS:User-Agent "@detectXSS" "id:4,phase:2,log,pass,t:none,t:utf8toUnicode,t:urlDecodeUni,t:htmlEntityDecode,t:jsDecode,t:cssDecode,t:removeNulls,setvar:tx.score=+5"
SecRule ARGS "@rx (?i)(?:\b(?:union|select)\b.{0,40}\bfrom\b|\$\{jndi:)" "id:5,phase:2,log,pass,capture,t:none,t:cmdLine,t:compressWhitespace,t:lowercase,chain"
    SecRule MATCHED_VARS "@pm select jndi" "t:none,setvar:tx.score=+5"
SecRule REQUEST_URI "@rx <\?(?!xml)" "id:6,phase:2,log,pass,t:none,t:normalizePathWin,t:base64DecodeExt,t:hexDecode,t:sqlHexDecode,t:escapeSeqDecode,t:replaceComments,t:removeCommentsChar"
SecRule REQUEST_BODY "@validateUrlEncoding" "id:7,phase:2,log,pass"
SecRule ARGS "@validateUtf8Encoding" "id:8,phase:2,log,pass,multiMatch,t:none,t:urlDecode,t:trim"
SecRule &ARGS "@gt 50" "id:9,phase:2,log,pass"
SecRule REQUEST_HEADERS:User-Agent "@validateByteRange 32-126" "id:10,phase:1,log,pass,t:none,t:length"
SecRule TX:score "@ge 5" "id:11,phase:2,log,pass"
"#;

fn fixed() -> &'static Crs {
    static CRS: OnceLock<Crs> = OnceLock::new();
    CRS.get_or_init(|| {
        Crs::from_text(RULES, Path::new("."), &LoadOptions::default()).expect("fixed rules load")
    })
}

fuzz_target!(|data: &[u8]| {
    let (text, req) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let mut lines = req.splitn(4, |&b| b == b'\n');
    let method = lines.next().unwrap_or_default();
    let uri = lines.next().unwrap_or_default();
    let ua = lines.next().unwrap_or_default();
    let body = lines.next();
    let request = Request {
        method,
        uri,
        protocol: b"HTTP/1.1",
        headers: vec![(b"Host", b"example.com"), (b"User-Agent", ua)],
        body,
        remote_addr: b"192.0.2.1",
        status: Some(404),
    };
    let mut scratch = Scratch::default();
    let _ = fixed().evaluate(&request, &mut scratch);
    if let Ok(text) = std::str::from_utf8(text)
        && let Ok(loaded) = Crs::from_text(text, Path::new("/nonexistent"), &LoadOptions::default())
    {
        let _ = loaded.evaluate(&request, &mut scratch);
    }
});
