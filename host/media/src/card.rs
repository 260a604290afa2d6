//! Quote cards: a post's text shaped by cosmic-text, drawn on a tiny-skia canvas, as PNG.

use crate::{
    CardRect, CardStyle, MediaError, QuoteCard, RenderedCard, Rgba, ShapedGlyph, fonts,
    text::{Prepared, is_ignorable, line_starts},
};
use cosmic_text::{Attrs, Buffer, Color, Family, FontSystem, Metrics, Shaping, SwashCache, Wrap};
use std::path::PathBuf;
use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Transform};

/// Renders quote cards. Loads its fonts once ([`CardRenderer::new`]) and caches rasterised
/// glyphs between renders, so keep one and reuse it.
pub struct CardRenderer {
    font_system: FontSystem,
    swash: SwashCache,
    font_dirs: Vec<PathBuf>,
}

impl std::fmt::Debug for CardRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardRenderer")
            .field("font_dirs", &self.font_dirs)
            .field("faces", &self.face_count())
            .finish_non_exhaustive()
    }
}

/// A laid-out block of text (the quote or the attribution).
struct Block {
    buffer: Buffer,
    height: f32,
    lines: usize,
}

impl CardRenderer {
    /// Loads every font under `font_dirs` (recursively; [`crate::default_font_dirs`] are the
    /// Debian packages' directories). Nothing else is loaded: no fontconfig, no system fonts.
    pub fn new(font_dirs: &[PathBuf]) -> Result<Self, MediaError> {
        let font_system = fonts::load_font_system(font_dirs)?;
        Ok(Self {
            font_system,
            swash: SwashCache::new(),
            font_dirs: font_dirs.to_vec(),
        })
    }

    /// The directories the fonts were loaded from.
    pub fn font_dirs(&self) -> &[PathBuf] {
        &self.font_dirs
    }

    /// The number of font faces loaded.
    pub fn face_count(&self) -> usize {
        self.font_system.db().len()
    }

    /// Whether a loaded face belongs to `family`.
    pub fn has_family(&self, family: &str) -> bool {
        fonts::has_family(&self.font_system, family)
    }

    /// Shapes `text` on one line per paragraph (no wrapping) in `family` at `font_size`, with
    /// the renderer's font fallback, and returns its glyphs in visual order; byte ranges refer
    /// to `text`. Missing glyphs are returned as glyph 0, not reported: a diagnostic for
    /// seeing how text is shaped. [`CardRenderer::render`] checks coverage itself.
    pub fn shape(
        &mut self,
        text: &str,
        family: &str,
        font_size: f32,
    ) -> Result<Vec<ShapedGlyph>, MediaError> {
        if !font_size.is_finite() || font_size <= 0.0 {
            return Err(MediaError::InvalidInput(format!(
                "font size {font_size} is not positive"
            )));
        }
        self.require_family(family)?;
        let buffer = self.layout(text, family, font_size, font_size * 1.5, None);
        let starts = line_starts(&buffer);
        let mut glyphs = Vec::new();
        for run in buffer.layout_runs() {
            let base = starts[run.line_i];
            for glyph in run.glyphs {
                glyphs.push(ShapedGlyph {
                    start: base + glyph.start,
                    end: base + glyph.end,
                    glyph_id: glyph.glyph_id,
                    font_family: fonts::family_name(&self.font_system, glyph.font_id),
                    advance: glyph.w,
                    x: glyph.x,
                    x_offset: glyph.x_offset * glyph.font_size,
                    y_offset: glyph.y_offset * glyph.font_size,
                });
            }
        }
        Ok(glyphs)
    }

    /// Checks that every character of `text` but whitespace and invisible format characters is
    /// drawn with a real glyph (none with notdef) when shaped in `family` with fallback.
    pub fn check_coverage(&mut self, text: &str, family: &str) -> Result<(), MediaError> {
        self.require_family(family)?;
        let prepared = Prepared::new(text, false);
        let buffer = self.layout(&prepared.text, family, 32.0, 48.0, None);
        self.ensure_covered(&buffer, &prepared, "text")
    }

    /// Renders `card` as a PNG in `style`.
    ///
    /// The quote is wrapped to the panel's width (at spaces, and at Thai word boundaries) and
    /// its font size shrinks by `font_size_step` from `max_font_size` until it fits; it is
    /// centred vertically above the attribution. Fails with [`MediaError::UncoveredChar`] if
    /// any character would be drawn as a missing glyph, and with [`MediaError::TextTooLong`]
    /// if the quote does not fit even at `min_font_size`.
    pub fn render(
        &mut self,
        card: &QuoteCard,
        style: &CardStyle,
    ) -> Result<RenderedCard, MediaError> {
        style.validate()?;
        self.require_family(&style.family)?;

        let (width, height) = (style.width as f32, style.height as f32);
        let panel = CardRect {
            x: style.margin.round() as u32,
            y: style.margin.round() as u32,
            width: (width - 2.0 * style.margin).round().max(1.0) as u32,
            height: (height - 2.0 * style.margin).round().max(1.0) as u32,
        };
        let inner_left = style.margin + style.padding;
        let inner_width = width - 2.0 * inner_left;
        let inner_top = style.margin + style.padding;
        let inner_bottom = height - style.margin - style.padding;

        // The attribution, at the bottom of the panel, with the accent bar above it.
        let attribution = Prepared::new(&card.attribution, true);
        let attribution_size = style.attribution_font_size;
        let mut text_bottom = inner_bottom;
        let mut attribution_block = None;
        if !attribution.text.is_empty() {
            let block = self.fit_block(
                &attribution.text,
                &style.family,
                attribution_size,
                attribution_size * 1.4,
                inner_width,
            );
            self.ensure_covered(&block.buffer, &attribution, "attribution")?;
            let top = (inner_bottom - block.height).round();
            text_bottom = top - attribution_size * 2.0;
            attribution_block = Some((block, top));
        }
        let accent_bar = attribution_block.as_ref().map(|(_, top)| {
            let bar_height = (attribution_size / 5.0).max(2.0).round();
            (top - attribution_size * 0.9 - bar_height, bar_height)
        });
        let text_height = text_bottom - inner_top;
        let quote = Prepared::new(&card.text, true);
        let chars = card.text.chars().count();
        if text_height < style.min_font_size * style.line_height && !quote.text.is_empty() {
            return Err(MediaError::TextTooLong {
                chars,
                min_font_size: style.min_font_size,
            });
        }

        // The quote: coverage first (it does not depend on the size), then the largest size
        // that fits.
        let mut fitted = None;
        if !quote.text.is_empty() {
            for (i, size) in style.font_sizes().into_iter().enumerate() {
                let block = self.fit_block(
                    &quote.text,
                    &style.family,
                    size,
                    size * style.line_height,
                    inner_width,
                );
                if i == 0 {
                    self.ensure_covered(&block.buffer, &quote, "text")?;
                }
                if block.height <= text_height {
                    fitted = Some((block, size));
                    break;
                }
            }
            if fitted.is_none() {
                return Err(MediaError::TextTooLong {
                    chars,
                    min_font_size: style.min_font_size,
                });
            }
        }

        // Draw.
        let mut pixmap = Pixmap::new(style.width, style.height).ok_or_else(|| {
            MediaError::InvalidInput(format!(
                "cannot allocate a {}x{} canvas",
                style.width, style.height
            ))
        })?;
        pixmap.fill(style.background.to_skia());
        fill_rounded_rect(
            &mut pixmap,
            style.margin,
            style.margin,
            width - 2.0 * style.margin,
            height - 2.0 * style.margin,
            style.corner_radius,
            style.panel,
        );
        if let Some((bar_top, bar_height)) = accent_bar {
            fill_rounded_rect(
                &mut pixmap,
                inner_left,
                bar_top,
                (attribution_size * 3.2).min(inner_width),
                bar_height,
                bar_height / 2.0,
                style.accent,
            );
        }

        let mut families = Vec::new();
        let (mut glyph_count, mut lines, mut font_size) = (0, 0, style.max_font_size);
        let mut font_family = style.family.clone();
        if let Some((block, size)) = &fitted {
            let top = (inner_top + (text_height - block.height) / 2.0).round();
            let drawn = self.draw_block(
                &mut pixmap,
                &block.buffer,
                &quote,
                (inner_left, top),
                style.text_color,
                &mut families,
            );
            glyph_count = drawn;
            lines = block.lines;
            font_size = *size;
            if let Some(first) = families.first() {
                font_family = first.clone();
            }
        }
        let mut attribution_glyph_count = 0;
        if let Some((block, top)) = &attribution_block {
            attribution_glyph_count = self.draw_block(
                &mut pixmap,
                &block.buffer,
                &attribution,
                (inner_left, *top),
                style.attribution_color,
                &mut families,
            );
        }

        let png = pixmap
            .encode_png()
            .map_err(|e| MediaError::Encode(e.to_string()))?;
        tracing::debug!(
            width = style.width,
            height = style.height,
            font_size,
            lines,
            glyph_count,
            families = ?families,
            bytes = png.len(),
            "rendered quote card"
        );
        Ok(RenderedCard {
            png,
            width: style.width,
            height: style.height,
            font_family,
            font_families: families,
            glyph_count,
            attribution_glyph_count,
            font_size,
            lines,
            panel,
        })
    }

    fn require_family(&self, family: &str) -> Result<(), MediaError> {
        if self.has_family(family) {
            Ok(())
        } else {
            Err(MediaError::FamilyNotFound {
                family: family.to_owned(),
            })
        }
    }

    /// Shapes and lays out `text`, wrapped at `width` if given.
    fn layout(
        &mut self,
        text: &str,
        family: &str,
        font_size: f32,
        line_height: f32,
        width: Option<f32>,
    ) -> Buffer {
        let mut buffer = Buffer::new(&mut self.font_system, Metrics::new(font_size, line_height));
        buffer.set_wrap(if width.is_some() {
            Wrap::WordOrGlyph
        } else {
            Wrap::None
        });
        buffer.set_size(width, None);
        let attrs = Attrs::new().family(Family::Name(family));
        buffer.set_text(text, &attrs, Shaping::Advanced, None);
        buffer.shape_until_scroll(&mut self.font_system, false);
        buffer
    }

    fn fit_block(
        &mut self,
        text: &str,
        family: &str,
        font_size: f32,
        line_height: f32,
        width: f32,
    ) -> Block {
        let buffer = self.layout(text, family, font_size, line_height, Some(width));
        let (mut height, mut lines) = (0.0f32, 0);
        for run in buffer.layout_runs() {
            height = height.max(run.line_top + run.line_height);
            lines += 1;
        }
        Block {
            buffer,
            height,
            lines,
        }
    }

    /// The first character (in text order) drawn with a missing glyph, as an error.
    fn ensure_covered(
        &mut self,
        buffer: &Buffer,
        prepared: &Prepared,
        field: &'static str,
    ) -> Result<(), MediaError> {
        let starts = line_starts(buffer);
        let mut first: Option<(usize, char)> = None;
        for run in buffer.layout_runs() {
            for glyph in run.glyphs.iter().filter(|g| g.glyph_id == 0) {
                let cluster = &run.text[glyph.start..glyph.end];
                let base = starts[run.line_i] + glyph.start;
                // A cluster holds a letter and its marks: blame the characters the glyph's
                // font lacks, or the cluster's first visible character if it has them all.
                let font = self.font_system.get_font(glyph.font_id, glyph.font_weight);
                let lacks = |c: char| {
                    font.as_ref()
                        .is_none_or(|f| f.as_swash().charmap().map(c) == 0)
                };
                let visible = || {
                    cluster
                        .char_indices()
                        .filter(|&(_, c)| !c.is_whitespace() && !is_ignorable(c))
                };
                let culprit = visible()
                    .find(|&(_, c)| lacks(c))
                    .or_else(|| visible().next());
                if let Some((offset, c)) = culprit
                    && first.is_none_or(|(at, _)| base + offset < at)
                {
                    first = Some((base + offset, c));
                }
            }
        }
        match first {
            None => Ok(()),
            Some((at, ch)) => {
                let error = MediaError::UncoveredChar {
                    ch,
                    codepoint: u32::from(ch),
                    index: prepared.original_char_index(at),
                    field,
                };
                tracing::warn!(%error, "refusing to render missing glyphs");
                Err(error)
            }
        }
    }

    /// Draws a laid-out block with its top-left corner at `origin`; returns the number of
    /// glyphs drawn (inserted break hints excluded) and records the families used.
    fn draw_block(
        &mut self,
        pixmap: &mut Pixmap,
        buffer: &Buffer,
        prepared: &Prepared,
        origin: (f32, f32),
        color: Rgba,
        families: &mut Vec<String>,
    ) -> usize {
        let (canvas_width, canvas_height) = (pixmap.width() as i32, pixmap.height() as i32);
        let pixels = pixmap.data_mut();
        let starts = line_starts(buffer);
        let base_color = Color::rgba(color.r, color.g, color.b, 255);
        let mut count = 0;
        for run in buffer.layout_runs() {
            for glyph in run.glyphs {
                let start = starts[run.line_i] + glyph.start;
                if prepared.is_inserted(start, starts[run.line_i] + glyph.end) {
                    continue;
                }
                count += 1;
                let family = fonts::family_name(&self.font_system, glyph.font_id);
                if !families.contains(&family) {
                    families.push(family);
                }
                if glyph.glyph_id == 0 {
                    // Only invisible characters get here (coverage was checked).
                    continue;
                }
                let physical = glyph.physical((origin.0, origin.1 + run.line_y), 1.0);
                self.swash.with_pixels(
                    &mut self.font_system,
                    physical.cache_key,
                    base_color,
                    |x, y, pixel| {
                        let (px, py) = (physical.x + x, physical.y + y);
                        if px >= 0 && py >= 0 && px < canvas_width && py < canvas_height {
                            let at = (py as usize * canvas_width as usize + px as usize) * 4;
                            blend_over(&mut pixels[at..at + 4], pixel, color.a);
                        }
                    },
                );
            }
        }
        count
    }
}

/// Source-over of a straight-alpha glyph pixel (its alpha scaled by `opacity`) onto a
/// premultiplied RGBA pixel.
fn blend_over(dst: &mut [u8], src: Color, opacity: u8) {
    let alpha = u32::from(src.a()) * u32::from(opacity) / 255;
    if alpha == 0 {
        return;
    }
    let inverse = 255 - alpha;
    let channels = [src.r(), src.g(), src.b()];
    for (d, s) in dst.iter_mut().zip(channels) {
        let premultiplied = u32::from(s) * alpha / 255;
        *d = (premultiplied + u32::from(*d) * inverse / 255).min(255) as u8;
    }
    dst[3] = (alpha + u32::from(dst[3]) * inverse / 255).min(255) as u8;
}

/// Fills a rectangle with rounded corners (circular arcs approximated by cubics).
fn fill_rounded_rect(pixmap: &mut Pixmap, x: f32, y: f32, w: f32, h: f32, r: f32, color: Rgba) {
    if w <= 0.0 || h <= 0.0 {
        return;
    }
    let r = r.min(w / 2.0).min(h / 2.0).max(0.0);
    // Distance of the cubic's control points from the corner's ends for a quarter circle.
    let k = r * (1.0 - 0.552_284_8);
    let (right, bottom) = (x + w, y + h);
    let mut pb = PathBuilder::new();
    pb.move_to(x + r, y);
    pb.line_to(right - r, y);
    pb.cubic_to(right - k, y, right, y + k, right, y + r);
    pb.line_to(right, bottom - r);
    pb.cubic_to(right, bottom - k, right - k, bottom, right - r, bottom);
    pb.line_to(x + r, bottom);
    pb.cubic_to(x + k, bottom, x, bottom - k, x, bottom - r);
    pb.line_to(x, y + r);
    pb.cubic_to(x, y + k, x + k, y, x + r, y);
    pb.close();
    let Some(path) = pb.finish() else {
        return;
    };
    let mut paint = Paint::default();
    paint.set_color(color.to_skia());
    paint.anti_alias = true;
    pixmap.fill_path(
        &path,
        &paint,
        FillRule::Winding,
        Transform::identity(),
        None,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renderer_can_move_to_another_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<CardRenderer>();
    }

    #[test]
    fn blending_is_source_over() {
        let mut pixel = [0u8, 0, 0, 255];
        blend_over(&mut pixel, Color::rgba(255, 255, 255, 255), 255);
        assert_eq!(pixel, [255, 255, 255, 255]);
        let mut pixel = [0u8, 0, 0, 255];
        blend_over(&mut pixel, Color::rgba(255, 255, 255, 128), 255);
        assert_eq!(pixel, [128, 128, 128, 255]);
    }
}
