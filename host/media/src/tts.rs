//! Text-to-speech with `espeak-ng`.

use crate::{
    MediaError,
    exec::{self, ESPEAK_NG},
};
use std::{
    ffi::OsString,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// An espeak-ng voice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Voice {
    /// Thai (`th`).
    Thai,
    /// English (`en`).
    English,
}

impl Voice {
    /// The espeak-ng voice name.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Thai => "th",
            Self::English => "en",
        }
    }
}

/// Thai if the text has any Thai letter (U+0E00–U+0E7F), English otherwise.
pub fn voice_for_text(text: &str) -> Voice {
    if text.chars().any(|c| ('\u{0E00}'..='\u{0E7F}').contains(&c)) {
        Voice::Thai
    } else {
        Voice::English
    }
}

/// A WAV file that [`speak`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioInfo {
    /// Where it is.
    pub path: PathBuf,
    /// Its duration, from the WAV header and the size of its sample data.
    pub duration: Duration,
    /// Samples per second.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u16,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// Speaks `text` with `voice` into the WAV file `out`, with `espeak-ng`.
///
/// The text goes to espeak-ng's standard input (UTF-8), never through a shell or the command
/// line. espeak-ng writes to a temporary file beside `out` that is renamed to `out` only on
/// success, so a failure or a timeout (after which the program is killed) leaves no partial
/// file at `out`.
pub async fn speak(
    text: &str,
    voice: Voice,
    out: &Path,
    timeout: Duration,
) -> Result<AudioInfo, MediaError> {
    if text.trim().is_empty() {
        return Err(MediaError::InvalidInput("there is no text to speak".into()));
    }
    let partial = partial_path(out, "partial.wav");
    let mut args: Vec<OsString> = ["-v", voice.code(), "-b", "1", "-w"]
        .into_iter()
        .map(OsString::from)
        .collect();
    args.push(partial.clone().into_os_string());
    args.push("--stdin".into());
    let result = exec::run(ESPEAK_NG, args, Some(text.as_bytes()), timeout).await;
    if let Err(error) = result {
        remove_quietly(&partial);
        return Err(error);
    }
    let info = match read_wav_info(&partial) {
        Ok(info) => info,
        Err(error) => {
            remove_quietly(&partial);
            return Err(error);
        }
    };
    std::fs::rename(&partial, out).map_err(|e| {
        remove_quietly(&partial);
        MediaError::io(out, e)
    })?;
    let info = AudioInfo {
        path: out.to_path_buf(),
        ..info
    };
    tracing::info!(
        voice = voice.code(),
        path = %out.display(),
        duration = ?info.duration,
        chars = text.chars().count(),
        "spoke"
    );
    Ok(info)
}

/// `dir/.name.suffix` beside `path`: same file system, so a rename publishes it atomically.
pub(crate) fn partial_path(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "media".into());
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}-{n}.{suffix}", std::process::id()))
}

pub(crate) fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "cannot remove partial file");
    }
}

/// Reads the format and the sample data's size of a PCM WAV file.
fn read_wav_info(path: &Path) -> Result<AudioInfo, MediaError> {
    let bytes = std::fs::read(path).map_err(|e| MediaError::io(path, e))?;
    parse_wav(&bytes)
        .map(|(sample_rate, channels, block_align, data_len)| AudioInfo {
            path: path.to_path_buf(),
            duration: Duration::from_secs_f64(
                data_len as f64 / (f64::from(sample_rate) * f64::from(block_align)),
            ),
            sample_rate,
            channels,
            bytes: bytes.len() as u64,
        })
        .ok_or_else(|| MediaError::BadOutput {
            tool: ESPEAK_NG.name,
            detail: format!("{} is not a PCM WAV file with audio", path.display()),
        })
}

/// `(sample_rate, channels, block_align, data_len)` of a RIFF/WAVE file; the data length is
/// clamped to what the file holds (a streamed WAV may carry a placeholder size).
fn parse_wav(bytes: &[u8]) -> Option<(u32, u16, u16, u64)> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    if bytes.get(0..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut format = None;
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = bytes.get(at..at + 4)?;
        let size = u32_at(at + 4)? as usize;
        let body = at + 8;
        match id {
            b"fmt " => {
                let channels = u16_at(body + 2)?;
                let sample_rate = u32_at(body + 4)?;
                let block_align = u16_at(body + 12)?;
                format = Some((sample_rate, channels, block_align));
            }
            b"data" => {
                let (sample_rate, channels, block_align) = format?;
                if sample_rate == 0 || block_align == 0 {
                    return None;
                }
                let data_len = size.min(bytes.len() - body) as u64;
                return (data_len > 0).then_some((sample_rate, channels, block_align, data_len));
            }
            _ => {}
        }
        // Chunks are padded to an even size.
        at = body.checked_add(size)?.checked_add(size & 1)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_thai_for_thai_letters() {
        assert_eq!(voice_for_text("ship it"), Voice::English);
        assert_eq!(voice_for_text("Daily X Agent เวอร์ชันใหม่"), Voice::Thai);
        assert_eq!(voice_for_text(""), Voice::English);
    }

    #[test]
    fn parses_a_wav_header() {
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&0u32.to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
        wav.extend_from_slice(&1u16.to_le_bytes()); // mono
        wav.extend_from_slice(&22050u32.to_le_bytes());
        wav.extend_from_slice(&44100u32.to_le_bytes());
        wav.extend_from_slice(&2u16.to_le_bytes());
        wav.extend_from_slice(&16u16.to_le_bytes());
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&0x7fff_ffffu32.to_le_bytes()); // a streaming placeholder
        wav.extend_from_slice(&vec![0; 44100]);
        assert_eq!(parse_wav(&wav), Some((22050, 1, 2, 44100)));
        assert_eq!(parse_wav(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(parse_wav(b"not a wav"), None);
    }
}
