use super::*;

const LIST: &str = "jp\nco.jp\nde\nuk\nco.uk\ncom\norg\nio\nco\ncom.co\nau\ncom.au\nus\nfr\n";

fn resolver(with_psl: bool) -> CountryResolver {
    CountryResolver {
        psl: with_psl.then(|| PublicSuffixList::parse(LIST)),
        names: Some(NameList::parse("names", "Walmart,US\n").expect("valid")),
        kanji_only_is_japanese: true,
    }
}

fn ev(title: &str) -> Evidence<'_> {
    Evidence {
        title,
        ..Evidence::default()
    }
}

fn got(r: &Resolution) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        r.victim_domain.as_deref(),
        r.country.as_deref(),
        r.source.map(CountrySource::as_str),
    )
}

#[test]
fn country_of_domain_table() {
    let cases = [
        ("example-kogyo.co.jp", Some("co.jp"), Some("JP")),
        ("example-kogyo.co.jp", None, Some("JP")),
        ("sample.de", None, Some("DE")),
        ("iis.ac.uk", Some("ac.uk"), Some("GB")),
        ("pinnick.co.uk", None, Some("GB")),
        ("walmart.com", Some("com"), None),
        ("example.org", None, None),
        ("startup.io", Some("io"), None),
        ("startup.co", Some("co"), None),
        ("empresa.com.co", Some("com.co"), Some("CO")),
        ("empresa.com.co", None, Some("CO")),
        ("channel.tv", None, None),
        ("agency.eu", None, None),
        ("city.us", None, Some("US")),
    ];
    for (domain, suffix, want) in cases {
        assert_eq!(
            country_of_domain(domain, suffix).as_deref(),
            want,
            "{domain} {suffix:?}"
        );
    }
}

#[test]
fn explicit_codes_table() {
    let cases = [
        ("JP", Some("JP")),
        (" jp ", Some("JP")),
        ("UK", Some("GB")),
        ("N/A", None),
        ("Japan", None),
        ("", None),
        ("XX", None),
    ];
    for (field, want) in cases {
        assert_eq!(normalise_country_code(field).as_deref(), want, "{field:?}");
    }
}

#[test]
fn evidence_order_table() {
    for with_psl in [true, false] {
        let r = resolver(with_psl);
        let cases = [
            // Explicit beats everything, even a contradicting domain.
            (
                Evidence {
                    country: Some("US"),
                    ..ev("example-kogyo.co.jp")
                },
                (Some("example-kogyo.co.jp"), Some("US"), Some("explicit")),
            ),
            // An explicit country that is not a code falls through to the domain.
            (
                Evidence {
                    country: Some("N/A"),
                    ..ev("www.sample.de")
                },
                (Some("sample.de"), Some("DE"), Some("cctld")),
            ),
            (
                ev("riken.co.jp"),
                (Some("riken.co.jp"), Some("JP"), Some("cctld")),
            ),
            // A generic TLD says nothing; Japanese text decides.
            (
                ev("sample-kogyo.com 株式会社サンプル"),
                (Some("sample-kogyo.com"), Some("JP"), Some("japanese_text")),
            ),
            (
                Evidence {
                    description: Some("データを公開します"),
                    ..ev("Acme")
                },
                (None, Some("JP"), Some("japanese_text")),
            ),
            (
                ev("Walmart was encrypted"),
                (None, Some("US"), Some("name_list")),
            ),
            (ev("Continental Management"), (None, None, None)),
            (
                Evidence {
                    domain: Some("https://www.example.fr/about"),
                    ..ev("Example SA")
                },
                (Some("example.fr"), Some("FR"), Some("cctld")),
            ),
        ];
        for (evidence, want) in cases {
            assert_eq!(
                got(&r.resolve(&evidence)),
                want,
                "{evidence:?} psl={with_psl}"
            );
        }
    }
}

#[test]
fn psl_rejects_what_is_not_a_domain() {
    // Without the list any alphabetic last label passes; with it, only real TLDs do.
    let title = ev("report.pdf leaked");
    assert_eq!(
        resolver(false).resolve(&title).victim_domain.as_deref(),
        Some("report.pdf")
    );
    assert_eq!(resolver(true).resolve(&title).victim_domain, None);
}

#[test]
fn kanji_only_text_follows_the_setting() {
    let mut r = resolver(false);
    let title = ev("東京工業");
    assert_eq!(r.resolve(&title).country.as_deref(), Some("JP"));
    r.kanji_only_is_japanese = false;
    let res = r.resolve(&title);
    assert_eq!(res.country, None);
    assert!(res.has_japanese, "the text is still marked");
}

#[test]
fn embedded_data_parses() {
    assert!(CCTLDS.iso.len() > 240);
    assert!(CCTLDS.generic.contains("io"));
}
