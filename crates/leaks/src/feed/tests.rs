use super::*;

fn parse(json: &str) -> Result<FeedFile, LeakError> {
    parse_feed("test.json", json.as_bytes())
}

#[test]
fn detection_table() {
    let cases = [
        (
            r#"[{"post_title":"a","group_name":"g","discovered":"2022-07-01 00:00:00"}]"#,
            FeedFormat::Ransomwatch,
        ),
        (
            r#"[{"post_title":"a","group_name":"g","discovered":"2022-07-01 00:00:00",
                 "published":"2022-06-30 00:00:00","website":"a.com","post_url":""}]"#,
            FeedFormat::Ransomwatch,
        ),
        (
            r#"[{"post_title":"a","group_name":"g","published":"2022-07-01 00:00:00","description":""}]"#,
            FeedFormat::RansomwareLivePosts,
        ),
        (
            r#"[{"victim":"a","group":"g","attackdate":"2024-01-01","discovered":"2024-01-02 00:00:00",
                 "country":"JP","activity":"","claim_url":"","description":""}]"#,
            FeedFormat::RansomwareLiveVictims,
        ),
        (
            r#"[{"post_title":"a","group_name":"g","discovered":"2024-01-02 00:00:00.123456",
                 "description":"","link":null,"magnet":null,"screen":null}]"#,
            FeedFormat::Ransomlook,
        ),
    ];
    for (json, want) in cases {
        let file = parse(json).expect("valid feed");
        assert_eq!(file.format, Some(want), "{json}");
        assert_eq!(file.posts.len(), 1, "{json}");
        assert!(file.malformed.is_empty(), "{json}");
    }
}

#[test]
fn v2_fields_land_where_they_belong() {
    let file = parse(
        r#"[{"victim":"Sample Kogyo","group":"lockbit3","attackdate":"2024-03-01 00:00:00",
             "discovered":"2024-03-02T10:00:00Z","country":"jp","activity":"Manufacturing",
             "claim_url":"http://x.onion/post/1","description":"d","domain":"sample-kogyo.co.jp"}]"#,
    )
    .expect("valid");
    let post = &file.posts[0];
    assert_eq!(post.title, "Sample Kogyo");
    assert_eq!(post.group, "lockbit3");
    assert_eq!(post.published, parse_time("2024-03-01"));
    assert_eq!(post.discovered, parse_time("2024-03-02 10:00:00"));
    assert_eq!(post.country.as_deref(), Some("jp"));
    assert_eq!(post.domain.as_deref(), Some("sample-kogyo.co.jp"));
    assert_eq!(post.post_url.as_deref(), Some("http://x.onion/post/1"));
}

#[test]
fn malformed_entries_are_counted_with_their_index() {
    let file = parse(
        r#"[
        {"post_title":"ok","group_name":"g","discovered":"2022-07-01 00:00:00"},
        {"post_title":"","group_name":"g","discovered":"2022-07-01 00:00:00"},
        {"group_name":"g","discovered":"2022-07-01 00:00:00"},
        {"post_title":"t","group_name":"g","discovered":"not a date"},
        {"post_title":"t","group_name":"g"},
        {"post_title":5,"group_name":"g","discovered":"2022-07-01 00:00:00"},
        "just a string",
        {"post_title":"ok too","group_name":"g","discovered":"2022-07-01T00:00:00Z"}
    ]"#,
    )
    .expect("file is usable");
    assert_eq!(file.entries, 8);
    assert_eq!(
        file.posts.iter().map(|p| p.index).collect::<Vec<_>>(),
        [0, 7]
    );
    let reasons: Vec<(usize, &str)> = file
        .malformed
        .iter()
        .map(|m| (m.index, m.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (1, "missing field post_title"),
            (2, "missing field post_title"),
            (3, "field discovered: unreadable time \"not a date\""),
            (4, "no time (neither published nor discovered)"),
            (5, "field post_title is not a string"),
            (6, "entry is not an object"),
        ]
    );
}

#[test]
fn whole_file_errors_are_clear() {
    let err = parse("<html>not json</html>").expect_err("not JSON");
    assert!(matches!(err, LeakError::NotJson { .. }), "{err}");
    assert!(err.to_string().contains("test.json"), "{err}");

    let err = parse(r#"{"posts": 3}"#).expect_err("not an array");
    assert!(err.to_string().contains("expected an array"), "{err}");

    let err = parse(r#"[{"name":"x","date":"2022-01-01"}]"#).expect_err("unknown keys");
    assert!(err.to_string().contains("date, name"), "{err}");

    let empty = parse("[]").expect("empty is fine");
    assert_eq!((empty.entries, empty.format), (0, None));
}

#[test]
fn ransomlook_group_export_takes_the_group_from_the_key() {
    let file = parse(
        r#"{"akira": [{"post_title":"a.de","discovered":"2024-01-02 00:00:00.000001","description":"","link":"/x"}],
            "play":  [{"post_title":"b.fr","discovered":"2024-01-03 00:00:00"}]}"#,
    )
    .expect("valid");
    assert_eq!(file.format, Some(FeedFormat::Ransomlook));
    let groups: Vec<&str> = file.posts.iter().map(|p| p.group.as_str()).collect();
    assert_eq!(groups, ["akira", "play"]);
    assert_eq!(file.posts[0].post_url.as_deref(), Some("/x"));
}
