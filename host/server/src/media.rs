//! Media for drafts: the quote card (a PNG of the hook, Thai shaped properly), and, when
//! enabled, the card's speech (espeak-ng) and a card video (ffmpeg). Made once per draft on
//! first need (a delivery to a provider, or an admin asking), kept as files in the data
//! directory's media folder with a row each, attached to provider posts (bytes for networks
//! that upload, a public URL for those that fetch), and served at `/media/<file>` without a
//! session: networks fetch them, and the names are random.

use crate::state::AppState;
use dailyx_dispatch::{MediaSource, ProviderKind};
use dailyx_media::{CardRenderer, CardStyle, QuoteCard};
use dailyx_runtime::secret::BoxFuture;
use dailyx_runtime::types::MediaAttachment;
use dailyx_store::{Draft, MediaAsset, Store, new_id, sha256_hex};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How media are made.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// Where the files go.
    pub dir: PathBuf,
    /// Fonts the cards may use.
    pub font_dirs: Vec<PathBuf>,
    /// Also make the speech and the card video.
    pub video: bool,
    /// The host's public URL (media are at `<public_url>/media/<file>`).
    pub public_url: String,
    /// Longest a speech or video may take to make.
    pub timeout: Duration,
}

/// Why media could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MediaFailure {
    #[allow(missing_docs)]
    #[error(transparent)]
    Store(#[from] dailyx_store::StoreError),
    #[allow(missing_docs)]
    #[error(transparent)]
    Media(#[from] dailyx_media::MediaError),
    /// The draft has no text.
    #[error("the draft has no text to make a card of")]
    Empty,
    #[allow(missing_docs)]
    #[error("{0}")]
    Io(String),
}

/// Makes and keeps the media of drafts.
pub struct DraftMedia {
    store: Store,
    settings: MediaSettings,
    /// Loaded on first use (fonts take a moment); rendering is synchronous.
    renderer: Arc<Mutex<Option<CardRenderer>>>,
    /// One draft's media are made by one task at a time.
    making: tokio::sync::Mutex<()>,
}

impl DraftMedia {
    #[allow(missing_docs)]
    pub fn new(store: Store, settings: MediaSettings) -> DraftMedia {
        DraftMedia {
            store,
            settings,
            renderer: Arc::new(Mutex::new(None)),
            making: tokio::sync::Mutex::new(()),
        }
    }

    /// The folder the files are in.
    pub fn dir(&self) -> &Path {
        &self.settings.dir
    }

    /// The public URL of an asset.
    pub fn url(&self, asset: &MediaAsset) -> String {
        format!(
            "{}/media/{}",
            self.settings.public_url.trim_end_matches('/'),
            asset.file
        )
    }

    /// The draft's media, made now when missing.
    pub async fn ensure(&self, draft: &Draft) -> Result<Vec<MediaAsset>, MediaFailure> {
        let _one = self.making.lock().await;
        let card = match self.store.media_asset(&draft.id, "image").await? {
            Some(a) => a,
            None => self.make_card(draft).await?,
        };
        let mut assets = vec![card.clone()];
        if self.settings.video {
            let audio = match self.store.media_asset(&draft.id, "audio").await? {
                Some(a) => a,
                None => self.make_audio(draft).await?,
            };
            let video = match self.store.media_asset(&draft.id, "video").await? {
                Some(v) => v,
                None => self.make_video(draft, &card, &audio).await?,
            };
            assets.push(audio);
            assets.push(video);
        }
        Ok(assets)
    }

    async fn make_card(&self, draft: &Draft) -> Result<MediaAsset, MediaFailure> {
        let hook = draft
            .tweets
            .first()
            .map(|t| t.text.clone())
            .ok_or(MediaFailure::Empty)?;
        let date = jiff::Timestamp::from_millisecond(draft.created_at)
            .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
            .unwrap_or_default();
        let card = QuoteCard::new(hook, format!("Daily X Agent · {date}"));
        let renderer = self.renderer.clone();
        let font_dirs = self.settings.font_dirs.clone();
        let png = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, MediaFailure> {
            let mut guard = renderer.lock().unwrap_or_else(|p| p.into_inner());
            if guard.is_none() {
                *guard = Some(CardRenderer::new(&font_dirs)?);
            }
            let r = guard.as_mut().ok_or(MediaFailure::Empty)?;
            Ok(r.render(&card, &CardStyle::default())?.png)
        })
        .await
        .map_err(|e| MediaFailure::Io(format!("rendering the card: {e}")))??;
        self.keep(draft, ("image", "image/png", "png"), &png).await
    }

    async fn make_audio(&self, draft: &Draft) -> Result<MediaAsset, MediaFailure> {
        let hook = draft
            .tweets
            .first()
            .map(|t| t.text.clone())
            .ok_or(MediaFailure::Empty)?;
        let tmp = self.settings.dir.join(format!(".{}.wav", new_id()));
        self.make_dir()?;
        let info = dailyx_media::speak(
            &hook,
            dailyx_media::voice_for_text(&hook),
            &tmp,
            self.settings.timeout,
        )
        .await?;
        let ms = info.duration.as_millis() as i64;
        self.keep_file(draft, ("audio", "audio/wav", "wav"), &tmp, Some(ms))
            .await
    }

    async fn make_video(
        &self,
        draft: &Draft,
        card: &MediaAsset,
        audio: &MediaAsset,
    ) -> Result<MediaAsset, MediaFailure> {
        let tmp = self.settings.dir.join(format!(".{}.mp4", new_id()));
        let info = dailyx_media::mux_card_video(
            &self.settings.dir.join(&card.file),
            &self.settings.dir.join(&audio.file),
            &tmp,
            self.settings.timeout,
        )
        .await?;
        let ms = info.duration.as_millis() as i64;
        self.keep_file(draft, ("video", "video/mp4", "mp4"), &tmp, Some(ms))
            .await
    }

    fn make_dir(&self) -> Result<(), MediaFailure> {
        std::fs::create_dir_all(&self.settings.dir).map_err(|e| {
            MediaFailure::Io(format!(
                "cannot create {}: {e}",
                self.settings.dir.display()
            ))
        })
    }

    /// Writes `bytes` to a temporary file, then keeps it as [`DraftMedia::keep_file`] does.
    async fn keep(
        &self,
        draft: &Draft,
        (kind, mime, ext): (&str, &str, &str),
        bytes: &[u8],
    ) -> Result<MediaAsset, MediaFailure> {
        self.make_dir()?;
        let tmp = self.settings.dir.join(format!(".{}.{ext}.tmp", new_id()));
        std::fs::write(&tmp, bytes)
            .map_err(|e| MediaFailure::Io(format!("cannot write {}: {e}", tmp.display())))?;
        self.keep_file(draft, (kind, mime, ext), &tmp, None).await
    }

    /// Renames the finished file `tmp` into place under a fresh name and records it (the tools
    /// write their output to `tmp`: it is moved, not copied).
    async fn keep_file(
        &self,
        draft: &Draft,
        (kind, mime, ext): (&str, &str, &str),
        tmp: &Path,
        duration_ms: Option<i64>,
    ) -> Result<MediaAsset, MediaFailure> {
        let bytes = read(tmp)?;
        let id = new_id();
        let file = format!("{id}.{ext}");
        let path = self.settings.dir.join(&file);
        std::fs::rename(tmp, &path)
            .map_err(|e| MediaFailure::Io(format!("cannot write {}: {e}", path.display())))?;
        let asset = MediaAsset {
            id,
            draft_id: draft.id.clone(),
            kind: kind.into(),
            mime: mime.into(),
            file,
            sha256: sha256_hex(&bytes),
            bytes: bytes.len() as i64,
            duration_ms,
            created_at: 0,
        };
        let kept = self.store.add_media_asset(&asset).await?;
        if kept.id != asset.id {
            // Another host made it first: its file is the one.
            let _ = std::fs::remove_file(&path);
        }
        tracing::info!(draft_id = %draft.id, kind, bytes = bytes.len(), "media made");
        Ok(kept)
    }

    /// The bytes of an asset.
    pub fn bytes(&self, asset: &MediaAsset) -> Result<Vec<u8>, MediaFailure> {
        read(&self.settings.dir.join(&asset.file))
    }
}

fn read(path: &Path) -> Result<Vec<u8>, MediaFailure> {
    std::fs::read(path)
        .map_err(|e| MediaFailure::Io(format!("cannot read {}: {e}", path.display())))
}

impl MediaSource for DraftMedia {
    fn media_for<'a>(
        &'a self,
        draft: &'a Draft,
        _provider: &'a ProviderKind,
    ) -> BoxFuture<'a, Result<Vec<MediaAttachment>, String>> {
        Box::pin(async move {
            let assets = self.ensure(draft).await.map_err(|e| e.to_string())?;
            let alt = draft
                .tweets
                .first()
                .map(|t| t.text.clone())
                .unwrap_or_default();
            let mut out = Vec::new();
            for a in assets.iter().filter(|a| a.kind != "audio") {
                // Images go as bytes too (uploads); videos only by URL (too large for a call).
                let data = if a.kind == "image" {
                    self.bytes(a).map_err(|e| e.to_string())?
                } else {
                    Vec::new()
                };
                out.push(MediaAttachment {
                    kind: a.kind.clone(),
                    mime: a.mime.clone(),
                    url: Some(self.url(a)),
                    data,
                    alt: alt.clone(),
                });
            }
            Ok(out)
        })
    }
}

/// `GET /media/{file}`: an asset's bytes, for the networks that fetch them (no session).
pub async fn serve_file(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let valid = file.len() <= 64
        && file.split_once('.').is_some_and(|(id, ext)| {
            !id.is_empty()
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && matches!(ext, "png" | "wav" | "mp4")
        });
    let not_found = || (StatusCode::NOT_FOUND, "no such media").into_response();
    let Some(media) = state.media.as_ref() else {
        return not_found();
    };
    if !valid {
        return not_found();
    }
    let asset = match state.store.media_asset_by_file(&file).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "cannot look up a media file");
            return (StatusCode::INTERNAL_SERVER_ERROR, "media lookup failed").into_response();
        }
    };
    match media.bytes(&asset) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, asset.mime.clone()),
                (
                    header::CACHE_CONTROL,
                    "public, max-age=31536000, immutable".to_owned(),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, file = %file, "a recorded media file is missing");
            not_found()
        }
    }
}
