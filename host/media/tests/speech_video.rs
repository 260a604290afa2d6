//! Speech with the real espeak-ng and card videos with the real ffmpeg
//! (scripts/media-deps.sh installs both).

mod common;

use common::{ENGLISH_POST, THAI_POST, artifact_dir};
use dailyx_media::{
    CardRenderer, CardStyle, MediaError, QuoteCard, Voice, default_font_dirs, mux_card_video,
    probe_duration, probe_streams, speak, voice_for_text,
};
use std::{path::Path, time::Duration};

const TIMEOUT: Duration = Duration::from_secs(120);

fn write_card(text: &str, style: &CardStyle, path: &Path) {
    let mut renderer = CardRenderer::new(&default_font_dirs()).expect("load the fonts");
    let card = renderer
        .render(&QuoteCard::new(text, "Dev Advocate · 2025-11-22"), style)
        .expect("render the card");
    std::fs::write(path, card.png).expect("write the card");
}

#[tokio::test]
async fn speaks_thai_and_english() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (text, voice, name) in [
        (THAI_POST, Voice::Thai, "speech-thai.wav"),
        (ENGLISH_POST, Voice::English, "speech-english.wav"),
    ] {
        assert_eq!(voice_for_text(text), voice);
        let out = dir.path().join(name);
        let info = speak(text, voice, &out, TIMEOUT).await.expect("speak");
        assert_eq!(info.path, out);
        assert!(info.bytes > 44);
        assert!(info.sample_rate > 0 && info.channels > 0);
        let probed = probe_duration(&out).await.expect("probe the WAV");
        assert!(probed > Duration::from_millis(500), "{name}: {probed:?}");
        // The header-derived duration agrees with ffprobe's.
        assert!(
            info.duration.abs_diff(probed) < Duration::from_millis(10),
            "{name}: header {:?}, ffprobe {probed:?}",
            info.duration
        );
        let streams = probe_streams(&out).await.expect("probe the streams");
        assert_eq!(streams.len(), 1);
        assert_eq!(streams[0].codec_type, "audio");
        std::fs::copy(&out, artifact_dir().join(name)).expect("keep the artifact");
    }
    // Only the WAVs are left: no temporary files.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    assert_eq!(names, ["speech-english.wav", "speech-thai.wav"]);
}

#[tokio::test]
async fn speak_rejects_empty_text() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("empty.wav");
    assert!(matches!(
        speak("  \n", Voice::English, &out, TIMEOUT).await,
        Err(MediaError::InvalidInput(_))
    ));
    assert!(!out.exists());
}

#[tokio::test]
async fn card_and_thai_speech_make_an_mp4() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let png = dir.path().join("card.png");
    let wav = dir.path().join("speech.wav");
    let mp4 = dir.path().join("card.mp4");
    write_card(THAI_POST, &CardStyle::default(), &png);
    let audio = speak(THAI_POST, Voice::Thai, &wav, TIMEOUT)
        .await
        .expect("speak");

    let video = mux_card_video(&png, &wav, &mp4, TIMEOUT)
        .await
        .expect("mux");
    assert_eq!(video.path, mp4);
    assert_eq!(video.bytes, std::fs::metadata(&mp4).expect("stat").len());
    let audio_duration = probe_duration(&wav).await.expect("probe the WAV");
    assert_eq!(video.audio_duration, audio_duration);
    assert!(audio.duration.abs_diff(audio_duration) < Duration::from_millis(10));
    let mp4_duration = probe_duration(&mp4).await.expect("probe the MP4");
    assert_eq!(video.duration, mp4_duration);
    assert!(
        mp4_duration.abs_diff(audio_duration) <= Duration::from_millis(100),
        "mp4 {mp4_duration:?} vs audio {audio_duration:?}"
    );

    let streams = probe_streams(&mp4).await.expect("probe the streams");
    let video_streams: Vec<_> = streams.iter().filter(|s| s.codec_type == "video").collect();
    let audio_streams: Vec<_> = streams.iter().filter(|s| s.codec_type == "audio").collect();
    assert_eq!(
        (video_streams.len(), audio_streams.len(), streams.len()),
        (1, 1, 2)
    );
    assert_eq!(video_streams[0].codec_name, "h264");
    assert_eq!(audio_streams[0].codec_name, "aac");
    assert_eq!(
        (video_streams[0].width, video_streams[0].height),
        (Some(1080), Some(1080))
    );
    std::fs::copy(&mp4, artifact_dir().join("quote-card-thai.mp4")).expect("keep the artifact");
}

#[tokio::test]
async fn odd_sized_cards_become_even_videos() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let png = dir.path().join("odd.png");
    let wav = dir.path().join("speech.wav");
    let mp4 = dir.path().join("odd.mp4");
    let style = CardStyle {
        width: 641,
        height: 361,
        margin: 24.0,
        padding: 24.0,
        max_font_size: 36.0,
        min_font_size: 12.0,
        attribution_font_size: 16.0,
        ..CardStyle::default()
    };
    write_card("Odd sizes are fine.", &style, &png);
    speak("Odd sizes are fine.", Voice::English, &wav, TIMEOUT)
        .await
        .expect("speak");
    mux_card_video(&png, &wav, &mp4, TIMEOUT)
        .await
        .expect("mux");
    let streams = probe_streams(&mp4).await.expect("probe the streams");
    let video = streams
        .iter()
        .find(|s| s.codec_type == "video")
        .expect("a video stream");
    assert_eq!((video.width, video.height), (Some(640), Some(360)));
}

#[tokio::test]
async fn missing_inputs_are_reported_with_their_path() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing = dir.path().join("missing.png");
    let out = dir.path().join("out.mp4");
    match mux_card_video(&missing, &missing, &out, TIMEOUT).await {
        Err(MediaError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("unexpected result: {other:?}"),
    }
    assert!(matches!(
        probe_duration(&missing).await,
        Err(MediaError::Io { .. })
    ));
    // A file ffprobe cannot read: its first stderr line comes back.
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, b"not a video").expect("write");
    match probe_duration(&junk).await {
        Err(MediaError::ToolFailed { tool, stderr, .. }) => {
            assert_eq!(tool, "ffprobe");
            assert!(!stderr.is_empty());
        }
        other => panic!("unexpected result: {other:?}"),
    }
    assert!(!out.exists());
}
