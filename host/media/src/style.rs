//! What a quote card says and how it looks, and what rendering it produced.

use crate::MediaError;

/// The largest card side accepted, in pixels.
const MAX_SIDE: u32 = 8192;

/// An 8-bit sRGB colour with straight (not premultiplied) alpha.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgba {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Opacity: 0 transparent, 255 opaque.
    pub a: u8,
}

impl Rgba {
    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b, a: 255 }
    }

    /// A colour with opacity `a`.
    pub const fn new(r: u8, g: u8, b: u8, a: u8) -> Self {
        Self { r, g, b, a }
    }

    pub(crate) fn to_skia(self) -> tiny_skia::Color {
        tiny_skia::Color::from_rgba8(self.r, self.g, self.b, self.a)
    }
}

/// How a card looks. Sizes are in pixels; [`Default`] is a 1080×1080 dark card.
#[derive(Clone, Debug, PartialEq)]
pub struct CardStyle {
    /// Width of the PNG.
    pub width: u32,
    /// Height of the PNG.
    pub height: u32,
    /// The card's background.
    pub background: Rgba,
    /// The rounded panel the text sits on.
    pub panel: Rgba,
    /// The quote's text.
    pub text_color: Rgba,
    /// The attribution line.
    pub attribution_color: Rgba,
    /// The short bar between the quote and the attribution.
    pub accent: Rgba,
    /// Space between the card's edge and the panel.
    pub margin: f32,
    /// Space between the panel's edge and the text.
    pub padding: f32,
    /// Radius of the panel's corners.
    pub corner_radius: f32,
    /// The font family asked for first; scripts it lacks fall back to other loaded fonts
    /// (Noto Sans Thai, then the TLWG families, for Thai).
    pub family: String,
    /// The font size tried first.
    pub max_font_size: f32,
    /// The smallest font size tried; a text that does not fit at it is an error.
    pub min_font_size: f32,
    /// How much the font size shrinks per try.
    pub font_size_step: f32,
    /// Line height as a multiple of the font size (Thai stacks vowels and tone marks: ≥ 1.4).
    pub line_height: f32,
    /// Font size of the attribution line.
    pub attribution_font_size: f32,
}

impl Default for CardStyle {
    fn default() -> Self {
        Self {
            width: 1080,
            height: 1080,
            background: Rgba::rgb(0x0F, 0x17, 0x2A),
            panel: Rgba::rgb(0x1E, 0x29, 0x3B),
            text_color: Rgba::rgb(0xF8, 0xFA, 0xFC),
            attribution_color: Rgba::rgb(0x94, 0xA3, 0xB8),
            accent: Rgba::rgb(0x38, 0xBD, 0xF8),
            margin: 64.0,
            padding: 72.0,
            corner_radius: 48.0,
            family: "Noto Sans".to_owned(),
            max_font_size: 72.0,
            min_font_size: 24.0,
            font_size_step: 4.0,
            line_height: 1.5,
            attribution_font_size: 30.0,
        }
    }
}

impl CardStyle {
    /// Checks that the style can produce a card: sizes positive and finite, the smallest font
    /// size not above the largest, and room left inside the panel.
    pub fn validate(&self) -> Result<(), MediaError> {
        let invalid = |what: &str| Err(MediaError::InvalidInput(format!("card style: {what}")));
        if !(1..=MAX_SIDE).contains(&self.width) || !(1..=MAX_SIDE).contains(&self.height) {
            return invalid(&format!("width and height must be within 1..={MAX_SIDE}"));
        }
        let lengths = [self.margin, self.padding, self.corner_radius];
        if lengths.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return invalid("margin, padding and corner radius must be finite and >= 0");
        }
        let sizes = [
            self.max_font_size,
            self.min_font_size,
            self.font_size_step,
            self.attribution_font_size,
        ];
        if sizes.iter().any(|v| !v.is_finite() || *v <= 0.0) {
            return invalid("font sizes and the step must be finite and > 0");
        }
        if self.min_font_size > self.max_font_size {
            return invalid("min_font_size is above max_font_size");
        }
        if !self.line_height.is_finite() || self.line_height < 1.0 {
            return invalid("line_height must be >= 1");
        }
        let inset = 2.0 * (self.margin + self.padding);
        if inset >= self.width as f32 || inset >= self.height as f32 {
            return invalid("margin and padding leave no room for text");
        }
        Ok(())
    }

    /// The font sizes tried, largest first; the last is always `min_font_size`.
    pub(crate) fn font_sizes(&self) -> Vec<f32> {
        let mut sizes = Vec::new();
        let mut size = self.max_font_size;
        while size > self.min_font_size {
            sizes.push(size);
            size -= self.font_size_step;
        }
        sizes.push(self.min_font_size);
        sizes
    }
}

/// What a card says: the quote and who said it when.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuoteCard {
    /// The quote (a post's text). Leading and trailing whitespace is not drawn.
    pub text: String,
    /// A smaller line under the quote, e.g. "Dev Advocate · 2025-11-22"; empty for none.
    pub attribution: String,
}

impl QuoteCard {
    /// A card for `text` attributed to `attribution`.
    pub fn new(text: impl Into<String>, attribution: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            attribution: attribution.into(),
        }
    }
}

/// A rectangle on the card, in whole pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// A rendered card and what went into it.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedCard {
    /// The PNG file's bytes (8-bit RGBA).
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The family of the font that drew the quote's first glyph (the style's family when the
    /// quote is empty).
    pub font_family: String,
    /// Every family that drew a glyph (quote, then attribution), in order of first use.
    pub font_families: Vec<String>,
    /// Glyphs laid out for the quote (after shaping, so not the number of characters).
    pub glyph_count: usize,
    /// Glyphs laid out for the attribution.
    pub attribution_glyph_count: usize,
    /// The font size the quote fitted at.
    pub font_size: f32,
    /// Lines the quote wrapped to.
    pub lines: usize,
    /// The panel the text sits on.
    pub panel: CardRect,
}

/// One glyph of [`crate::CardRenderer::shape`]'s result.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapedGlyph {
    /// Byte range, in the shaped text, of the characters this glyph belongs to (its cluster:
    /// a base letter and its combining marks share one).
    pub start: usize,
    /// End of that byte range.
    pub end: usize,
    /// The glyph in its font; 0 is the font's "missing glyph" (notdef).
    pub glyph_id: u16,
    /// The family of the font it comes from.
    pub font_family: String,
    /// How far it moves the pen, in pixels (0 for a combining mark).
    pub advance: f32,
    /// Horizontal position of its pen position on the line, in pixels.
    pub x: f32,
    /// Horizontal offset from the pen position given by shaping (mark positioning), in pixels.
    pub x_offset: f32,
    /// Vertical offset from the pen position given by shaping (mark positioning), in pixels.
    pub y_offset: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_sizes_step_down_to_the_minimum() {
        let style = CardStyle {
            max_font_size: 40.0,
            min_font_size: 30.0,
            font_size_step: 4.0,
            ..CardStyle::default()
        };
        assert_eq!(style.font_sizes(), vec![40.0, 36.0, 32.0, 30.0]);
    }

    #[test]
    fn rejects_unusable_styles() {
        assert!(CardStyle::default().validate().is_ok());
        let zero = CardStyle {
            width: 0,
            ..CardStyle::default()
        };
        assert!(matches!(zero.validate(), Err(MediaError::InvalidInput(_))));
        let cramped = CardStyle {
            margin: 300.0,
            padding: 300.0,
            ..CardStyle::default()
        };
        assert!(matches!(
            cramped.validate(),
            Err(MediaError::InvalidInput(_))
        ));
    }
}
