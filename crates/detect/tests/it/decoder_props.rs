//! Properties of the decoders rules run before matching: no input panics, no
//! decoder grows its input past what it may, and encode → decode round-trips.

use kansoku_detect::model::Transforms;
use kansoku_detect::transform::{apply, html_decode, normalize_path, squeeze, url_decode};
use proptest::prelude::*;

fn percent_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

fn entity_encode(text: &str) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                format!("&#x{:x};", c as u32)
            } else {
                format!("&#{};", c as u32)
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn no_decoder_panics(input in proptest::collection::vec(any::<u8>(), 0..256), bits in any::<u8>()) {
        let (mut out, mut tmp) = (Vec::new(), Vec::new());
        url_decode(&input, &mut out, true);
        // %XX shrinks three bytes to one; %uXXXX six to at most four.
        prop_assert!(out.len() <= input.len());
        html_decode(&input, &mut out);
        // An entity is at least three bytes (`&#1`) and decodes to at most four.
        prop_assert!(out.len() <= input.len() * 4 / 3 + 4);
        normalize_path(&input, &mut out);
        prop_assert!(out.len() <= input.len() + 1);
        squeeze(&input, &mut out);
        prop_assert!(out.len() <= input.len());
        apply(Transforms(bits), &input, &mut out, &mut tmp);
    }

    #[test]
    fn percent_encoding_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let mut out = Vec::new();
        url_decode(percent_encode(&bytes).as_bytes(), &mut out, false);
        prop_assert_eq!(&out, &bytes);
        // Lower-case hex digits too.
        url_decode(percent_encode(&bytes).to_lowercase().as_bytes(), &mut out, true);
        prop_assert_eq!(&out, &bytes);
    }

    #[test]
    fn text_without_escapes_is_left_alone(s in "[^%+&]{0,64}") {
        let mut out = Vec::new();
        url_decode(s.as_bytes(), &mut out, true);
        prop_assert_eq!(&out, s.as_bytes());
        html_decode(s.as_bytes(), &mut out);
        prop_assert_eq!(&out, s.as_bytes());
    }

    #[test]
    fn plus_is_a_space_only_when_asked(s in "[a-z+]{0,32}") {
        let mut out = Vec::new();
        url_decode(s.as_bytes(), &mut out, true);
        prop_assert_eq!(String::from_utf8(out.clone()).expect("ascii"), s.replace('+', " "));
        url_decode(s.as_bytes(), &mut out, false);
        prop_assert_eq!(&out, s.as_bytes());
    }

    #[test]
    fn numeric_entities_round_trip(s in "\\PC{0,32}") {
        let mut out = Vec::new();
        html_decode(entity_encode(&s).as_bytes(), &mut out);
        prop_assert_eq!(String::from_utf8(out).expect("utf8"), s);
    }

    #[test]
    fn normalised_paths_are_fixed_points(input in "[a-z./\\\\]{0,40}") {
        let (mut once, mut twice) = (Vec::new(), Vec::new());
        normalize_path(input.as_bytes(), &mut once);
        normalize_path(&once, &mut twice);
        prop_assert_eq!(&once, &twice);
        prop_assert!(!once.windows(4).any(|w| w == b"/../"));
    }
}
