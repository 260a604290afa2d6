//! Loading fonts from explicit directories into a cosmic-text [`FontSystem`], with a fallback
//! order of our own: no fontconfig, no implicit system fonts.

use crate::MediaError;
use cosmic_text::{Fallback, FontSystem, PlatformFallback, fontdb};
use std::path::{Path, PathBuf};
use unicode_script::Script;

/// Where Debian 12 puts the fonts the cards use, in order of preference: fonts-thai-tlwg's TTF
/// faces (its `fonts-tlwg-*-ttf` dependencies), the same faces if the OTF variants were
/// installed instead, and fonts-noto-core (Noto Sans, Noto Sans Thai and the other scripts).
pub const DEFAULT_FONT_DIR_CANDIDATES: [&str; 3] = [
    "/usr/share/fonts/truetype/tlwg",
    "/usr/share/fonts/opentype/tlwg",
    "/usr/share/fonts/truetype/noto",
];

/// The [`DEFAULT_FONT_DIR_CANDIDATES`] that exist on this machine. Empty when neither font
/// package is installed (then [`crate::CardRenderer::new`] reports [`MediaError::NoFonts`]).
pub fn default_font_dirs() -> Vec<PathBuf> {
    DEFAULT_FONT_DIR_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .filter(|dir| dir.is_dir())
        .collect()
}

/// The locale given to cosmic-text: fixed, so that rendering does not depend on the machine's.
/// (It only steers the choice among CJK fonts.)
const LOCALE: &str = "en-US";

/// Loads every font under `dirs` (recursively). A directory that cannot be read is an error, and
/// so is loading no font at all.
pub(crate) fn load_font_system(dirs: &[PathBuf]) -> Result<FontSystem, MediaError> {
    let mut db = fontdb::Database::new();
    for dir in dirs {
        check_dir(dir)?;
        let before = db.len();
        db.load_fonts_dir(dir);
        tracing::debug!(dir = %dir.display(), faces = db.len() - before, "loaded fonts");
    }
    if db.is_empty() {
        return Err(MediaError::NoFonts {
            dirs: dirs.to_vec(),
        });
    }
    db.set_sans_serif_family("Noto Sans");
    db.set_serif_family("Noto Serif");
    db.set_monospace_family("Noto Sans Mono");
    tracing::info!(faces = db.len(), dirs = ?dirs, "font database ready");
    Ok(FontSystem::new_with_locale_and_db_and_fallback(
        LOCALE.to_owned(),
        db,
        CardFallback,
    ))
}

fn check_dir(dir: &Path) -> Result<(), MediaError> {
    let metadata = std::fs::metadata(dir).map_err(|source| MediaError::FontDir {
        path: dir.to_path_buf(),
        source,
    })?;
    if metadata.is_dir() {
        // Readable, not just present: load_fonts_dir would skip it silently.
        std::fs::read_dir(dir).map_err(|source| MediaError::FontDir {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(())
    } else {
        Err(MediaError::FontDir {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
        })
    }
}

/// Whether the family is among the loaded faces.
pub(crate) fn has_family(font_system: &FontSystem, family: &str) -> bool {
    font_system
        .db()
        .faces()
        .any(|face| face.families.iter().any(|(name, _)| name == family))
}

/// The first family name of a loaded face.
pub(crate) fn family_name(font_system: &FontSystem, id: fontdb::ID) -> String {
    font_system
        .db()
        .face(id)
        .and_then(|face| face.families.first().map(|(name, _)| name.clone()))
        .unwrap_or_else(|| format!("{id:?}"))
}

/// Fallback order for the cards: Noto first (matching designs across scripts), then TLWG for
/// Thai. Families that are not loaded are skipped by cosmic-text; after the lists it tries every
/// loaded face, so the lists only decide which font wins, not whether a glyph is found.
struct CardFallback;

impl Fallback for CardFallback {
    fn common_fallback(&self) -> &[&'static str] {
        &[
            "Noto Sans",
            "Noto Sans Thai",
            "Noto Sans Symbols",
            "Noto Sans Symbols2",
            "Noto Sans Math",
            "Noto Serif",
            "Loma",
            "Garuda",
            "Waree",
        ]
    }

    fn forbidden_fallback(&self) -> &[&'static str] {
        &[]
    }

    fn script_fallback(&self, script: Script, locale: &str) -> &[&'static str] {
        match script {
            Script::Thai => &[
                "Noto Sans Thai",
                "Noto Looped Thai",
                "Noto Serif Thai",
                "Loma",
                "Garuda",
                "Waree",
                "Norasi",
            ],
            other => PlatformFallback.script_fallback(other, locale),
        }
    }
}
