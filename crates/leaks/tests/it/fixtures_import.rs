//! Importing the fixtures together. Expected figures are a hand count of the fixture
//! files; the reasoning is in the comments.

use kansoku_event::leak::{CountrySource, TimeBasis};
use kansoku_leaks::country::NameList;
use kansoku_leaks::feed::FeedFormat;
use kansoku_leaks::{ImportOptions, LeakError, LeakPost, import};

use crate::{fixture, import_all, offline};

fn find<'a>(posts: &'a [LeakPost], victim: &str) -> &'a LeakPost {
    posts
        .iter()
        .find(|p| p.victim == victim)
        .unwrap_or_else(|| panic!("no post {victim:?}"))
}

#[test]
fn summary_counts_add_up_by_hand() {
    let r = import_all(&offline());
    let s = &r.summary;
    // 26 + 20 + 9 + 4 entries.
    assert_eq!(s.posts_read, 59);
    let formats: Vec<_> = s
        .files
        .iter()
        .map(|f| (f.format, f.entries, f.malformed))
        .collect();
    assert_eq!(
        formats,
        [
            (Some(FeedFormat::Ransomwatch), 26, 0),
            (Some(FeedFormat::RansomwareLivePosts), 20, 0),
            (Some(FeedFormat::RansomwareLiveVictims), 9, 3),
            (Some(FeedFormat::Ransomlook), 4, 0),
        ]
    );
    // v2 entries 5 (empty victim), 6 (date "26/09/2022"), 7 (no victim).
    let bad: Vec<_> = s.malformed.iter().map(|m| m.index).collect();
    assert_eq!(bad, [5, 6, 7]);
    assert!(
        s.malformed[1].reason.contains("26/09/2022"),
        "{:?}",
        s.malformed[1]
    );
    // Within one file: VERITAS/Veritas, CREMO/Cremo, County Suffolk x2 (one per feed
    // after the first copy), NJVC x2 in ransomwatch, example-kogyo "- updated" = 7.
    assert_eq!(s.reposts_merged, 7);
    // ransomware.live repeats 17 of ransomwatch's posts (entries 0-4, 6-12, 14-18 and
    // 19 with a later time), RansomLook repeats Rocky: 18.
    assert_eq!(s.duplicates_across_feeds, 18);
    // 21 distinct in ransomwatch + 2 new in ransomware.live (Moore Global,
    // slpcolombus.com) + 5 new v2 + 3 new RansomLook.
    assert_eq!(s.posts_kept, 31);
    assert_eq!(r.posts.len(), 31);
    assert!(s.is_consistent());
    assert_eq!(s.groups.len(), 14);
    assert_eq!(s.groups["LockBit"], 8);
    assert_eq!(s.groups["BlackCat"], 5);
    assert_eq!(s.groups["Yanluowang"], 5);
    // explicit: example-kogyo.co.jp (JP), Sample Trading GmbH (DE).
    // cctld: iis.ac.uk, riken.co.jp, quintal.com.co, www.emtelco.com.co, will-b.jp,
    //        www.sample.de.
    // japanese_text: 株式会社サンプル工業, サンプル商事.
    assert_eq!(
        (
            s.countries.explicit,
            s.countries.cctld,
            s.countries.japanese_text
        ),
        (2, 6, 2)
    );
    assert_eq!((s.countries.name_list, s.countries.unknown), (0, 21));
    assert_eq!(s.has_japanese, 2);
    // Published: the 19 clusters with a ransomware.live post, except NJVC and
    // will-b.jp whose ransomware.live time is later than ransomwatch's discovery, plus
    // the four v2 posts with an attack date.
    assert_eq!(s.time_basis["published"], 21);
    assert_eq!(s.time_basis["discovered"], 10);
}

#[test]
fn merged_posts_keep_the_earliest_time_and_count_reposts() {
    let r = import_all(&offline());
    let njvc = find(&r.posts, "NJVC");
    assert_eq!(njvc.group, "BlackCat");
    assert_eq!(njvc.reposts, 3);
    assert_eq!(njvc.time_basis, TimeBasis::Discovered);
    assert_eq!(njvc.published, None);
    assert_eq!(
        Some(njvc.time()),
        kansoku_leaks::feed::parse_time("2022-09-29 01:54:20.284914")
    );

    let suffolk = find(&r.posts, "County Suffolk and contractors");
    assert_eq!(suffolk.reposts, 3);
    assert_eq!(suffolk.time_basis, TimeBasis::Published);

    let rocky = find(&r.posts, "Rocky");
    assert_eq!((rocky.group.as_str(), rocky.reposts), ("Hive", 2));

    // Kept as the earliest copy wrote it (ransomware.live's, on a tie of times).
    let cincinnati = find(&r.posts, "Cincinnati bell didn\u{2019}t pay the ransom");
    assert_eq!(
        cincinnati.reposts, 1,
        "the entity and the curly quote compare equal"
    );

    let kogyo = find(&r.posts, "example-kogyo.co.jp");
    assert_eq!(kogyo.reposts, 1);
    assert_eq!(
        kogyo.post_url.as_deref(),
        Some("http://alphv-example.onion/example-kogyo")
    );

    let riken = find(&r.posts, "riken.co.jp");
    assert_eq!(
        (riken.group.as_str(), riken.group_variant.as_deref()),
        ("LockBit", Some("lockbit3"))
    );
    assert_eq!(riken.victim_domain.as_deref(), Some("riken.co.jp"));
    assert_eq!(
        (riken.country.as_deref(), riken.country_source),
        (Some("JP"), Some(CountrySource::Cctld))
    );
}

#[test]
fn japanese_posts_and_generic_domains() {
    let r = import_all(&offline());
    let jp = find(&r.posts, "株式会社サンプル工業");
    assert!(jp.has_japanese);
    assert_eq!(jp.country_source, Some(CountrySource::JapaneseText));
    assert_eq!(jp.description.as_deref(), Some("社内データを公開します"));

    let io = find(&r.posts, "sample.io");
    assert_eq!(
        (io.victim_domain.as_deref(), io.country.as_deref()),
        (Some("sample.io"), None)
    );

    let tokyo = find(&r.posts, "Tokyo Sample Holdings");
    assert_eq!(tokyo.victim_domain.as_deref(), Some("tokyo-sample.com"));
    assert_eq!(
        tokyo.country, None,
        "N/A is no country and .com says nothing"
    );

    let walmart = find(&r.posts, "Walmart was encrypted");
    assert_eq!(walmart.country, None, ".com is never US");
}

#[test]
fn name_list_fills_what_nothing_else_could() {
    let opts = ImportOptions {
        name_list: Some(NameList::parse("names", "Sample Kogyo,JP\nWalmart,US\n").expect("valid")),
        ..offline()
    };
    let r = import_all(&opts);
    assert_eq!(
        (r.summary.countries.name_list, r.summary.countries.unknown),
        (2, 19)
    );
    let royal = find(&r.posts, "Sample Kogyo");
    assert_eq!(royal.country_source, Some(CountrySource::NameList));
}

#[test]
fn the_debian_list_changes_no_fixture_country() {
    let debian = std::path::Path::new(kansoku_leaks::country::psl::DEBIAN_PATH);
    if !debian.is_file() {
        eprintln!(
            "note: {} absent (install Debian's publicsuffix); skipped",
            debian.display()
        );
        return;
    }
    let with = import_all(&ImportOptions::default());
    let without = import_all(&offline());
    assert_eq!(
        with.summary.public_suffix_list.as_deref(),
        Some(debian.to_str().unwrap_or_default())
    );
    assert_eq!(with.summary.countries, without.summary.countries);
    let emtelco = find(&with.posts, "www.emtelco.com.co");
    assert_eq!(emtelco.victim_domain.as_deref(), Some("emtelco.com.co"));
}

#[test]
fn without_merging_across_feeds_only_reposts_merge() {
    let opts = ImportOptions {
        merge_across_feeds: false,
        ..offline()
    };
    let s = import_all(&opts).summary;
    assert_eq!(s.duplicates_across_feeds, 0);
    // ransomwatch: 5 reposts; ransomware.live: County Suffolk; v2: example-kogyo.
    assert_eq!(s.reposts_merged, 7);
    assert_eq!(s.posts_kept, 59 - 3 - 7);
    assert!(s.is_consistent());
}

#[test]
fn a_file_that_is_not_json_fails_with_its_name() {
    let err = import(
        &[
            fixture("ransomwatch_excerpt.json"),
            fixture("not_json.json"),
        ],
        &offline(),
    )
    .expect_err("not JSON");
    assert!(matches!(err, LeakError::NotJson { .. }));
    assert!(err.to_string().contains("not_json.json"), "{err}");
    let err = import(&[fixture("missing.json")], &offline()).expect_err("missing");
    assert!(matches!(err, LeakError::Io { .. }), "{err}");
}
