//! Quote cards rendered with the real Debian fonts (scripts/media-deps.sh installs them).

mod common;

use common::{THAI_POST, artifact_dir};
use dailyx_media::{
    CardRenderer, CardStyle, MediaError, QuoteCard, RenderedCard, Rgba, default_font_dirs,
};
use std::path::PathBuf;

fn renderer() -> CardRenderer {
    let dirs = default_font_dirs();
    assert!(
        !dirs.is_empty(),
        "no font directories: run scripts/media-deps.sh"
    );
    CardRenderer::new(&dirs).expect("load the fonts")
}

fn decode(card: &RenderedCard) -> tiny_skia::Pixmap {
    let pixmap = tiny_skia::Pixmap::decode_png(&card.png).expect("a valid PNG");
    assert_eq!((pixmap.width(), pixmap.height()), (card.width, card.height));
    pixmap
}

/// Pixels inside the panel within a small distance of `color` (glyph interiors are exactly it).
fn ink(pixmap: &tiny_skia::Pixmap, card: &RenderedCard, color: Rgba) -> usize {
    let p = card.panel;
    let mut count = 0;
    for y in p.y..p.y + p.height {
        for x in p.x..p.x + p.width {
            let px = pixmap.pixel(x, y).expect("inside the card").demultiply();
            let near = |a: u8, b: u8| a.abs_diff(b) <= 8;
            if near(px.red(), color.r) && near(px.green(), color.g) && near(px.blue(), color.b) {
                count += 1;
            }
        }
    }
    count
}

#[test]
fn thai_quote_card_renders_with_real_glyphs() {
    let mut renderer = renderer();
    let style = CardStyle::default();
    let card = QuoteCard::new(THAI_POST, "Dev Advocate · 2025-11-22");
    let rendered = renderer
        .render(&card, &style)
        .expect("render the Thai card");

    let path = artifact_dir().join("quote-card-thai.png");
    std::fs::write(&path, &rendered.png).expect("write the artifact");
    println!("quote card: {}", path.display());

    let pixmap = decode(&rendered);
    assert_eq!((rendered.width, rendered.height), (1080, 1080));
    assert!(rendered.glyph_count > 0);
    assert!(rendered.attribution_glyph_count > 0);
    assert!(
        rendered.lines >= 2,
        "the post wraps: {} line(s)",
        rendered.lines
    );
    assert!(rendered.font_size <= style.max_font_size);
    assert!(rendered.font_size >= style.min_font_size);
    // Thai comes from a Thai font, the Latin words from Noto Sans.
    assert_eq!(rendered.font_family, "Noto Sans Thai");
    assert!(
        rendered.font_families.iter().any(|f| f == "Noto Sans"),
        "{:?}",
        rendered.font_families
    );

    let text_ink = ink(&pixmap, &rendered, style.text_color);
    assert!(text_ink > 2_000, "only {text_ink} text-coloured pixels");

    // The same card without a quote: the text is what makes the difference.
    let empty = renderer
        .render(&QuoteCard::new("", "Dev Advocate · 2025-11-22"), &style)
        .expect("render the empty card");
    assert_eq!(empty.glyph_count, 0);
    let empty_pixmap = decode(&empty);
    assert_eq!(ink(&empty_pixmap, &empty, style.text_color), 0);
    let differing = pixmap
        .pixels()
        .iter()
        .zip(empty_pixmap.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(differing > 2_000, "only {differing} pixels differ");
}

#[test]
fn thai_is_shaped_not_just_mapped() {
    let mut renderer = renderer();
    let glyphs = renderer
        .shape(THAI_POST, "Noto Sans", 48.0)
        .expect("shape the post");
    assert!(!glyphs.is_empty());
    // No notdef anywhere.
    let missing: Vec<_> = glyphs.iter().filter(|g| g.glyph_id == 0).collect();
    assert!(missing.is_empty(), "notdef glyphs: {missing:?}");
    // Every visible character belongs to a glyph's cluster.
    for (at, c) in THAI_POST.char_indices().filter(|(_, c)| !c.is_whitespace()) {
        assert!(
            glyphs.iter().any(|g| g.start <= at && at < g.end),
            "{c:?} at byte {at} has no glyph"
        );
    }
    // Thai letters come from a Thai face; its above vowels and tone marks are positioned marks
    // (no advance of their own), which only shaping does.
    let thai: Vec<_> = glyphs
        .iter()
        .filter(|g| {
            THAI_POST[g.start..g.end]
                .chars()
                .any(|c| ('\u{0E00}'..='\u{0E7F}').contains(&c))
        })
        .collect();
    assert!(thai.iter().all(|g| g.font_family == "Noto Sans Thai"));
    let marks = thai.iter().filter(|g| g.advance == 0.0).count();
    assert!(marks >= 5, "only {marks} zero-advance mark glyphs");
    let latin = glyphs
        .iter()
        .find(|g| &THAI_POST[g.start..g.end] == "D")
        .expect("the D of Daily");
    assert_eq!(latin.font_family, "Noto Sans");
}

#[test]
fn uncovered_character_is_a_typed_error() {
    let mut renderer = renderer();
    // U+E000 is private use: neither Noto nor TLWG has a glyph for it.
    let card = QuoteCard::new("ship it \u{E000} now", "");
    let error = renderer
        .render(&card, &CardStyle::default())
        .expect_err("a private-use character cannot be drawn");
    match &error {
        MediaError::UncoveredChar {
            ch,
            codepoint,
            index,
            field,
        } => {
            assert_eq!(
                (*ch, *codepoint, *index, *field),
                ('\u{E000}', 0xE000, 8, "text")
            );
        }
        other => panic!("unexpected error: {other:?}"),
    }
    assert!(error.to_string().contains("U+E000"), "{error}");

    // In the attribution, after Thai text, with leading whitespace trimmed.
    let card = QuoteCard::new(THAI_POST, "  ทีม \u{E000}");
    match renderer.render(&card, &CardStyle::default()) {
        Err(MediaError::UncoveredChar { index, field, .. }) => {
            assert_eq!((index, field), (6, "attribution"));
        }
        other => panic!("unexpected result: {other:?}"),
    }
    assert!(matches!(
        renderer.check_coverage("ok \u{E000}", "Noto Sans"),
        Err(MediaError::UncoveredChar { index: 3, .. })
    ));
    renderer
        .check_coverage(THAI_POST, "Noto Sans")
        .expect("the post is covered");
}

#[test]
fn long_text_shrinks_and_too_long_text_fails() {
    let mut renderer = renderer();
    let style = CardStyle::default();
    let short = renderer
        .render(&QuoteCard::new("สวัสดี", ""), &style)
        .expect("a short card");
    assert_eq!(short.font_size, style.max_font_size);
    let long_text = [THAI_POST; 4].join(" ");
    let long = renderer
        .render(&QuoteCard::new(long_text, ""), &style)
        .expect("a long card");
    assert!(long.font_size < style.max_font_size);
    assert!(long.lines > short.lines);
    let huge = [THAI_POST; 60].join(" ");
    assert!(matches!(
        renderer.render(&QuoteCard::new(huge, ""), &style),
        Err(MediaError::TextTooLong { .. })
    ));
}

#[test]
fn other_sizes_and_bad_inputs() {
    let mut renderer = renderer();
    let style = CardStyle {
        width: 1200,
        height: 675,
        ..CardStyle::default()
    };
    let wide = renderer
        .render(&QuoteCard::new(THAI_POST, "Dev Advocate"), &style)
        .expect("a 1200x675 card");
    let pixmap = decode(&wide);
    assert_eq!((pixmap.width(), pixmap.height()), (1200, 675));

    let unknown_family = CardStyle {
        family: "No Such Family".into(),
        ..CardStyle::default()
    };
    assert!(matches!(
        renderer.render(&QuoteCard::new("x", ""), &unknown_family),
        Err(MediaError::FamilyNotFound { .. })
    ));

    let missing = PathBuf::from("/nonexistent/fonts");
    assert!(matches!(
        CardRenderer::new(std::slice::from_ref(&missing)),
        Err(MediaError::FontDir { path, .. }) if path == missing
    ));
    let empty = tempfile::tempdir().expect("a temporary directory");
    assert!(matches!(
        CardRenderer::new(&[empty.path().to_path_buf()]),
        Err(MediaError::NoFonts { .. })
    ));
}
