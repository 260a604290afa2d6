//! twitter-text's published conformance cases for the weighted length (v3 configuration,
//! emoji discounted), transcribed from `conformance/validate.yml` of
//! <https://github.com/twitter/twitter-text> (Apache-2.0): sections
//! `WeightedTweetsWithDiscountedEmojiCounterTest` and `UnicodeDirectionalMarkerCounterTest`,
//! with the cases whose text is identical in `WeightedTweetsCounterTest`. Invisible characters
//! are written as escapes. Each case names its description in the YAML.

use dailyx_xtext::weighted_length;

const POEM: &str = "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。朱雀桥边野草花，乌衣巷口夕阳斜。旧时王谢堂前燕，飞入寻常百姓家。朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。独在异乡为异客，每逢佳节倍思亲。遥知兄弟登高处，遍插茱萸少一人。";
const FAMILY: &str = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}";
const ENGLAND: &str = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";

fn x(n: usize) -> String {
    "xxxxxxxxxx-".repeat(n)
}

fn cases() -> Vec<(&'static str, String, u32)> {
    vec![
        (
            "Long tweet, overflow at char index 280",
            format!("285 chars-{}", x(25)),
            285,
        ),
        (
            "Long tweet with url in the middle, overflow at char index 284",
            format!("285 chars- http://www.twitter.com/jack {}", x(24)),
            299,
        ),
        (
            "Long tweet with url at the end, overflow at char index 265",
            format!("{} http://www.twitter.com/jack ", x(24)),
            289,
        ),
        (
            "10 url string, no overflow",
            "https://www.twitter.com/aloha ".repeat(10),
            240,
        ),
        (
            "160 CJK char, overflow at char index 140",
            POEM.to_owned(),
            320,
        ),
        (
            "3 latin char + 160 CJK char, overflow at char index 141",
            format!("the{POEM}"),
            323,
        ),
        ("'Á' is normalized into 1 char", "A\u{301}B".to_owned(), 2),
        (
            "282 chars with a normalized character within valid range but outside 280",
            format!("282 chars-{}xxxxxA\u{301}x", x(24)),
            281,
        ),
        (
            "Count unicode emoji chars inside the basic multilingual plane",
            "\u{1F637}\u{1F47E}\u{1F621}\u{1F525}\u{1F4A9}".to_owned(),
            10,
        ),
        (
            "Handle a 64 character domain without protocol",
            "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com".to_owned(),
            68,
        ),
        ("140 family emoji", FAMILY.repeat(140), 280),
        (
            "Unicode 10.0 emoji",
            format!("Unicode 10.0 emoji: \u{1F92A}; \u{1F9D5}; \u{1F9D5}\u{1F3FE}; {ENGLAND}"),
            34,
        ),
        (
            "Unicode 9.0 emoji",
            "Unicode 9.0 emoji: \u{1F920}; \u{1F483}; \u{1F483}\u{1F3FE}".to_owned(),
            29,
        ),
        (
            "Count the number of characters",
            "This is a test.".to_owned(),
            15,
        ),
        (
            "Count multiple URLs correctly",
            "Test https://test.com test https://test.com test.com test".to_owned(),
            86,
        ),
    ]
}

#[test]
fn weighted_length_matches_twitter_text_conformance() {
    let mut failures = Vec::new();
    for (description, text, expected) in cases() {
        let got = weighted_length(&text);
        if got != expected {
            failures.push(format!("{description}: expected {expected}, got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
