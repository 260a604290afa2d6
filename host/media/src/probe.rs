//! Asking `ffprobe` about media files.

use crate::{
    MediaError,
    exec::{self, FFPROBE},
};
use std::{ffi::OsStr, path::Path, time::Duration};

/// How long one `ffprobe` call may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// One stream of a media file, as `ffprobe` reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamInfo {
    /// The stream's index in the file.
    pub index: u32,
    /// `video`, `audio`, `subtitle`, `data`…
    pub codec_type: String,
    /// The codec, e.g. `h264`, `aac`, `pcm_s16le`.
    pub codec_name: String,
    /// The stream's own duration, when the container records one.
    pub duration: Option<Duration>,
    /// Frame width, for a video stream.
    pub width: Option<u32>,
    /// Frame height, for a video stream.
    pub height: Option<u32>,
}

/// The duration of a media file (its container's, `format=duration`), from
/// `ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1`.
pub async fn probe_duration(path: &Path) -> Result<Duration, MediaError> {
    ensure_file(path)?;
    let output = exec::run(
        FFPROBE,
        [
            OsStr::new("-v"),
            OsStr::new("error"),
            OsStr::new("-show_entries"),
            OsStr::new("format=duration"),
            OsStr::new("-of"),
            OsStr::new("default=nw=1:nk=1"),
            path.as_os_str(),
        ],
        None,
        PROBE_TIMEOUT,
    )
    .await?;
    let text = String::from_utf8_lossy(&output.stdout);
    let value = text.trim();
    let duration = parse_seconds(value).ok_or_else(|| MediaError::BadOutput {
        tool: FFPROBE.name,
        detail: format!("no duration for {}: {value:?}", path.display()),
    })?;
    tracing::debug!(path = %path.display(), ?duration, "probed duration");
    Ok(duration)
}

/// The streams of a media file, in file order.
pub async fn probe_streams(path: &Path) -> Result<Vec<StreamInfo>, MediaError> {
    ensure_file(path)?;
    let output = exec::run(
        FFPROBE,
        [
            OsStr::new("-v"),
            OsStr::new("error"),
            OsStr::new("-show_entries"),
            OsStr::new("stream=index,codec_type,codec_name,duration,width,height"),
            OsStr::new("-of"),
            OsStr::new("compact=p=0"),
            path.as_os_str(),
        ],
        None,
        PROBE_TIMEOUT,
    )
    .await?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            parse_stream(line).ok_or_else(|| MediaError::BadOutput {
                tool: FFPROBE.name,
                detail: format!("unreadable stream line for {}: {line:?}", path.display()),
            })
        })
        .collect()
}

/// `index=0|codec_name=h264|codec_type=video|duration=3.200000`, keys in any order.
fn parse_stream(line: &str) -> Option<StreamInfo> {
    let (mut index, mut codec_type, mut codec_name, mut duration) = (None, None, None, None);
    let (mut width, mut height) = (None, None);
    for field in line.trim().split('|') {
        let (key, value) = field.split_once('=')?;
        match key {
            "index" => index = value.parse().ok(),
            "codec_type" => codec_type = Some(value.to_owned()),
            "codec_name" => codec_name = Some(value.to_owned()),
            "duration" => duration = parse_seconds(value),
            "width" => width = value.parse().ok(),
            "height" => height = value.parse().ok(),
            _ => {}
        }
    }
    Some(StreamInfo {
        index: index?,
        codec_type: codec_type?,
        codec_name: codec_name.unwrap_or_default(),
        duration,
        width,
        height,
    })
}

/// A non-negative, finite number of seconds (`N/A` and the like are `None`).
fn parse_seconds(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// A clear error for a missing input instead of ffprobe's own wording.
pub(crate) fn ensure_file(path: &Path) -> Result<(), MediaError> {
    let metadata = std::fs::metadata(path).map_err(|e| MediaError::io(path, e))?;
    if metadata.is_file() {
        Ok(())
    } else {
        Err(MediaError::InvalidInput(format!(
            "{} is not a regular file",
            path.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stream_lines_and_durations() {
        let stream = parse_stream("index=1|codec_name=aac|codec_type=audio|duration=2.5").unwrap();
        assert_eq!(stream.index, 1);
        assert_eq!(stream.codec_type, "audio");
        assert_eq!(stream.codec_name, "aac");
        assert_eq!(stream.duration, Some(Duration::from_millis(2500)));
        let video = parse_stream(
            "index=0|codec_name=h264|width=1080|height=1080|codec_type=video|duration=N/A",
        )
        .unwrap();
        assert_eq!(
            (video.duration, video.width, video.height),
            (None, Some(1080), Some(1080))
        );
        assert!(parse_stream("garbage").is_none());
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("nan"), None);
    }
}
