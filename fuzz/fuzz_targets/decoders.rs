//! The detection decoders (URL, HTML entities, path normalisation, whitespace) and the
//! parser's percent-decoding, alone and chained as rules chain them.
#![no_main]

use kansoku_detect::transform;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let mut tmp = Vec::new();
    transform::url_decode(data, &mut out, true);
    assert!(out.len() <= data.len());
    out.clear();
    transform::url_decode(data, &mut out, false);
    out.clear();
    transform::html_decode(data, &mut out);
    out.clear();
    transform::normalize_path(data, &mut out);
    out.clear();
    transform::squeeze(data, &mut out);
    let _ = transform::needs(data);
    let _ = kansoku_parse::percent_decode(data);
    if let Some((&bits, rest)) = data.split_first() {
        out.clear();
        transform::apply(
            kansoku_detect::model::Transforms(bits),
            rest,
            &mut out,
            &mut tmp,
        );
    }
});
