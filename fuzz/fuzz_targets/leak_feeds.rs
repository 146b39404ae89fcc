//! Leak-feed files (ransomwatch, ransomware.live, RansomLook), detected and parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kansoku_leaks::feed::parse_feed("fuzz.json", data);
});
