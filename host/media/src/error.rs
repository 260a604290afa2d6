//! The crate's one error type.

use std::{io, path::PathBuf, time::Duration};

/// Everything that can go wrong while producing media.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// A font directory given to [`crate::CardRenderer::new`] cannot be read.
    #[error("font directory {} cannot be read: {source} (scripts/media-deps.sh installs fonts-thai-tlwg and fonts-noto-core)", path.display())]
    FontDir {
        /// The directory.
        path: PathBuf,
        /// Why it cannot be read.
        #[source]
        source: io::Error,
    },
    /// The font directories held no usable font.
    #[error(
        "no fonts were loaded from {dirs:?} (scripts/media-deps.sh installs fonts-thai-tlwg and fonts-noto-core)"
    )]
    NoFonts {
        /// The directories that were searched.
        dirs: Vec<PathBuf>,
    },
    /// The style names a font family that none of the loaded fonts has.
    #[error("font family {family:?} is not among the loaded fonts")]
    FamilyNotFound {
        /// The family asked for.
        family: String,
    },
    /// No loaded font has a glyph for a character of the text: rendering would show a tofu box.
    #[error("no loaded font covers {ch:?} (U+{codepoint:04X}), character {index} of the {field}")]
    UncoveredChar {
        /// The first uncovered character.
        ch: char,
        /// Its code point.
        codepoint: u32,
        /// Its index, in characters, in the text it came from.
        index: usize,
        /// Which text: `"text"` or `"attribution"`.
        field: &'static str,
    },
    /// The text does not fit the panel even at the style's smallest font size.
    #[error("the text ({chars} characters) does not fit the card even at {min_font_size}px")]
    TextTooLong {
        /// The length of the text in characters.
        chars: usize,
        /// The smallest font size that was tried.
        min_font_size: f32,
    },
    /// The card style or another argument is unusable (a zero size, an empty text to speak…).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The card could not be encoded as PNG.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    /// An external program is not installed.
    #[error(
        "{tool} is not installed: install the Debian package {package} (scripts/media-deps.sh)"
    )]
    ToolMissing {
        /// The program.
        tool: &'static str,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// An external program could not be started for another reason than its absence.
    #[error("cannot run {tool}: {source}")]
    Spawn {
        /// The program.
        tool: &'static str,
        /// The error from the operating system.
        #[source]
        source: io::Error,
    },
    /// An external program exited unsuccessfully.
    #[error("{tool} failed ({status}): {stderr}")]
    ToolFailed {
        /// The program.
        tool: &'static str,
        /// How it exited.
        status: String,
        /// The first non-empty line of its standard error.
        stderr: String,
    },
    /// An external program ran past its timeout; it was killed and reaped.
    #[error("{tool} timed out after {timeout:?} and was killed")]
    Timeout {
        /// The program.
        tool: &'static str,
        /// The timeout it exceeded.
        timeout: Duration,
    },
    /// An external program succeeded but its output or its file makes no sense.
    #[error("unexpected output from {tool}: {detail}")]
    BadOutput {
        /// The program.
        tool: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl MediaError {
    /// An [`MediaError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
