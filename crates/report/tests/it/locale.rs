use kansoku_event::Category;
use kansoku_report::{Lang, Locale};

#[test]
fn ja_and_en_have_exactly_the_same_keys() {
    let ja = Locale::get(Lang::Ja).keys();
    let en = Locale::get(Lang::En).keys();
    assert!(ja.len() > 100, "ja.toml did not parse: {} keys", ja.len());
    let only_ja: Vec<_> = ja.iter().filter(|k| !en.contains(k)).collect();
    let only_en: Vec<_> = en.iter().filter(|k| !ja.contains(k)).collect();
    assert!(
        only_ja.is_empty() && only_en.is_empty(),
        "only in ja: {only_ja:?}; only in en: {only_en:?}"
    );
}

#[test]
fn every_report_category_has_a_label_in_both_languages() {
    for lang in [Lang::Ja, Lang::En] {
        let loc = Locale::get(lang);
        for c in Category::ALL {
            assert!(
                loc.has(&format!("category.{}", c.as_str())),
                "{lang:?} lacks category.{c}"
            );
        }
    }
}

#[test]
fn ja_uses_the_analysts_vocabulary() {
    let ja = Locale::get(Lang::Ja);
    for (key, want) in [
        ("report.title", "定期観測レポート"),
        ("chapter.waf", "セキュリティログ観測（WAF）"),
        ("section.hourly", "1時間ごとの検知数"),
        ("category.admin_iis", "IIS管理者ページへのアクセス"),
        ("category.admin_oracle", "Oracle管理画面へのアクセス"),
        ("category.credential_probe", "アカウント情報窃取の試み"),
        ("category.fortios_sslvpn", "FortiOS VPN認証情報の窃取"),
        (
            "category.wordpress_config",
            "WordPress設定ファイル・バックアップファイルの取得",
        ),
        ("leak.group", "ランサムウェアグループ"),
        ("leak.outside", "日本以外"),
        ("leak.previous", "先月の件数"),
    ] {
        assert_eq!(ja.text(key), want);
    }
}
