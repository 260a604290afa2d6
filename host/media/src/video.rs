//! Card videos: the quote card as a still picture over the speech, muxed by `ffmpeg`.

use crate::{
    MediaError,
    exec::{self, FFMPEG},
    probe::{ensure_file, probe_duration},
    tts::{partial_path, remove_quietly},
};
use std::{
    ffi::OsString,
    path::{Path, PathBuf},
    time::Duration,
};

/// Frames per second of card videos. A still picture compresses to almost nothing per frame,
/// and 25 fps keeps the video's end within one frame (40 ms) of the audio's.
pub const VIDEO_FRAME_RATE: u32 = 25;

/// An MP4 that [`mux_card_video`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoInfo {
    /// Where it is.
    pub path: PathBuf,
    /// Its duration, probed with `ffprobe` after writing.
    pub duration: Duration,
    /// The duration of the audio it was made from, probed with `ffprobe` before muxing.
    pub audio_duration: Duration,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Makes an MP4 of `card_png` shown for as long as `audio` plays: H.264 (libx264,
/// `-tune stillimage`, yuv420p, dimensions rounded down to even) and AAC, with the `moov` atom
/// first (`-movflags +faststart`) so that it streams.
///
/// The output is cut at the audio's probed duration (`-t`, with `-shortest` as well): `-shortest`
/// alone lets a looped picture overrun the audio by the muxer's buffering. ffmpeg writes to a
/// temporary file beside `out_mp4` that is renamed to `out_mp4` only on success; `timeout`
/// bounds the ffmpeg run (a run past it is killed).
pub async fn mux_card_video(
    card_png: &Path,
    audio: &Path,
    out_mp4: &Path,
    timeout: Duration,
) -> Result<VideoInfo, MediaError> {
    ensure_file(card_png)?;
    ensure_file(audio)?;
    let audio_duration = probe_duration(audio).await?;
    if audio_duration.is_zero() {
        return Err(MediaError::InvalidInput(format!(
            "{} has no audio to put under the card",
            audio.display()
        )));
    }
    let partial = partial_path(out_mp4, "partial.mp4");
    let frame_rate = VIDEO_FRAME_RATE.to_string();
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-nostdin", "-y", "-hide_banner", "-loglevel", "error"]);
    push(&["-loop", "1", "-framerate", &frame_rate, "-i"]);
    args.push(card_png.as_os_str().to_owned());
    args.push("-i".into());
    args.push(audio.as_os_str().to_owned());
    let duration = format!("{:.6}", audio_duration.as_secs_f64());
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-map", "0:v:0", "-map", "1:a:0"]);
    push(&["-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p"]);
    push(&[
        "-c:v",
        "libx264",
        "-tune",
        "stillimage",
        "-preset",
        "medium",
        "-crf",
        "20",
    ]);
    push(&["-pix_fmt", "yuv420p", "-r", &frame_rate]);
    push(&["-c:a", "aac", "-b:a", "128k", "-ar", "44100"]);
    push(&[
        "-t",
        &duration,
        "-shortest",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
    ]);
    args.push(partial.clone().into_os_string());

    if let Err(error) = exec::run(FFMPEG, args, None, timeout).await {
        remove_quietly(&partial);
        return Err(error);
    }
    std::fs::rename(&partial, out_mp4).map_err(|e| {
        remove_quietly(&partial);
        MediaError::io(out_mp4, e)
    })?;
    let bytes = std::fs::metadata(out_mp4)
        .map_err(|e| MediaError::io(out_mp4, e))?
        .len();
    let duration = probe_duration(out_mp4).await?;
    tracing::info!(
        path = %out_mp4.display(),
        ?duration,
        ?audio_duration,
        bytes,
        "muxed card video"
    );
    Ok(VideoInfo {
        path: out_mp4.to_path_buf(),
        duration,
        audio_duration,
        bytes,
    })
}
