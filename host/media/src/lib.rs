//! Media for posts: quote cards, speech and card videos.
//!
//! - [`CardRenderer`] renders a post's text as a square PNG quote card. Text is shaped with
//!   cosmic-text (harfrust, so Thai vowels and tone marks are positioned properly), wrapped at
//!   Thai word boundaries found by ICU4X's line segmenter, shrunk step-wise until it fits the
//!   panel, and rasterised with swash onto a tiny-skia canvas. Fonts come only from the
//!   directories the caller names ([`default_font_dirs`] are the Debian packages'), and a
//!   character that none of them covers is an error ([`MediaError::UncoveredChar`]), never a
//!   tofu box.
//! - [`speak`] writes a WAV with `espeak-ng` (Thai or English, [`voice_for_text`] picks one).
//! - [`mux_card_video`] loops the card over the speech into an H.264/AAC MP4 with `ffmpeg`;
//!   [`probe_duration`] and [`probe_streams`] ask `ffprobe`.
//!
//! The external programs and fonts come from Debian packages that `scripts/media-deps.sh`
//! installs (espeak-ng, ffmpeg, fonts-thai-tlwg, fonts-noto-core). Every program runs without a
//! shell, under a timeout that kills it and reaps it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dailyx_media::MediaError> {
//! use dailyx_media::{CardRenderer, CardStyle, QuoteCard, default_font_dirs, speak, voice_for_text};
//! use std::{path::Path, time::Duration};
//!
//! let mut renderer = CardRenderer::new(&default_font_dirs())?;
//! let card = QuoteCard::new("วันนี้เราปล่อยเวอร์ชันใหม่", "Dev Advocate · 2025-11-22");
//! let rendered = renderer.render(&card, &CardStyle::default())?;
//! std::fs::write("card.png", &rendered.png).map_err(|e| dailyx_media::MediaError::io("card.png", e))?;
//! let voice = voice_for_text(&card.text);
//! speak(&card.text, voice, Path::new("card.wav"), Duration::from_secs(30)).await?;
//! dailyx_media::mux_card_video(
//!     Path::new("card.png"),
//!     Path::new("card.wav"),
//!     Path::new("card.mp4"),
//!     Duration::from_secs(120),
//! )
//! .await?;
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod card;
mod error;
mod exec;
mod fonts;
mod probe;
mod style;
mod text;
mod tts;
mod video;

pub use card::CardRenderer;
pub use error::MediaError;
pub use fonts::{DEFAULT_FONT_DIR_CANDIDATES, default_font_dirs};
pub use probe::{PROBE_TIMEOUT, StreamInfo, probe_duration, probe_streams};
pub use style::{CardRect, CardStyle, QuoteCard, RenderedCard, Rgba, ShapedGlyph};
pub use tts::{AudioInfo, Voice, speak, voice_for_text};
pub use video::{VIDEO_FRAME_RATE, VideoInfo, mux_card_video};
