//! The rules for what a client may put in a message.

use super::{IMAGE_URL_MAX, MESSAGE_TEXT_MAX, Media, MessageKind, text};
use crate::error::{AppError, AppResult};

pub const MEDIA_MAX_ITEMS: usize = 10;
pub const CLIENT_MESSAGE_ID_MAX: usize = 64;
pub const SHORTCODE_MAX_BYTES: usize = 32;
const MIME_TYPE_MAX: usize = 255;
const MEDIA_NAME_MAX: usize = 255;
/// Larger than any real picture or video frame.
const MEDIA_DIMENSION_MAX: i32 = 100_000;

/// A message's checked content.
#[derive(Debug)]
pub struct Content {
    pub kind: MessageKind,
    pub text: Option<String>,
    pub media: Vec<Media>,
}

/// Media as a client sends it (unchecked).
pub struct MediaInput {
    pub url: String,
    pub mime_type: String,
    pub size: i64,
    pub name: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_ms: Option<i64>,
}

/// TEXT needs 1–4,000 characters after trimming; IMAGE, VIDEO and FILE need
/// 1–10 media items and may carry a caption. SYSTEM is the server's own.
pub fn parse_content(
    kind: MessageKind,
    text: Option<&str>,
    media: Vec<MediaInput>,
) -> AppResult<Content> {
    match kind {
        MessageKind::System => Err(AppError::bad_input(
            "kind",
            "SYSTEM messages are written by the server",
        )),
        MessageKind::Text => {
            if !media.is_empty() {
                return Err(AppError::bad_input(
                    "media",
                    "a TEXT message has no media; use IMAGE, VIDEO or FILE",
                ));
            }
            let text = parse_text(text.unwrap_or_default())?;
            Ok(Content {
                kind,
                text: Some(text),
                media: Vec::new(),
            })
        }
        MessageKind::Image | MessageKind::Video | MessageKind::File => {
            if media.is_empty() || media.len() > MEDIA_MAX_ITEMS {
                return Err(AppError::bad_input(
                    "media",
                    format!("needs 1 to {MEDIA_MAX_ITEMS} items"),
                ));
            }
            let caption = match text.map(str::trim) {
                Some(t) if !t.is_empty() => Some(parse_text(t)?),
                _ => None,
            };
            let media = media
                .into_iter()
                .map(|m| parse_media(kind, m))
                .collect::<AppResult<Vec<_>>>()?;
            Ok(Content {
                kind,
                text: caption,
                media,
            })
        }
    }
}

/// Like [`parse_content`], for media made from checked uploads: their URL
/// is a store reference and their type was checked against the file, and
/// the same rules apply to their number and types.
pub fn parse_uploaded_content(
    kind: MessageKind,
    text: Option<&str>,
    media: Vec<Media>,
) -> AppResult<Content> {
    let as_sent = media
        .iter()
        .map(|m| MediaInput {
            url: "https://uploaded.invalid/".into(),
            mime_type: m.mime_type.clone(),
            size: m.size,
            name: None,
            width: None,
            height: None,
            duration_ms: None,
        })
        .collect();
    let mut content = parse_content(kind, text, as_sent)?;
    content.media = media;
    Ok(content)
}

/// The kind a message of these media is when the sender names none:
/// IMAGE if all are images, VIDEO if all are videos, else FILE.
pub fn kind_of_media(media: &[Media]) -> MessageKind {
    let all = |prefix: &str| media.iter().all(|m| m.mime_type.starts_with(prefix));
    match () {
        _ if all("image/") => MessageKind::Image,
        _ if all("video/") => MessageKind::Video,
        _ => MessageKind::File,
    }
}

/// Message text: 1–4,000 characters after trimming.
pub fn parse_text(raw: &str) -> AppResult<String> {
    text::multi_line("text", raw, 1, MESSAGE_TEXT_MAX)
}

fn parse_media(kind: MessageKind, m: MediaInput) -> AppResult<Media> {
    let url = text::http_url("media.url", &m.url, IMAGE_URL_MAX)?;
    let mime_type = m.mime_type.trim().to_ascii_lowercase();
    let well_formed = mime_type.len() <= MIME_TYPE_MAX
        && mime_type.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && mime_type
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/.+-_".contains(c))
        });
    if !well_formed {
        return Err(AppError::bad_input(
            "media.mimeType",
            "is not a MIME type such as image/png",
        ));
    }
    let expected = match kind {
        MessageKind::Image => Some("image/"),
        MessageKind::Video => Some("video/"),
        _ => None,
    };
    if let Some(prefix) = expected
        && !mime_type.starts_with(prefix)
    {
        return Err(AppError::bad_input(
            "media.mimeType",
            format!("must be {prefix}* for this kind"),
        ));
    }
    if m.size < 0 {
        return Err(AppError::bad_input("media.size", "must not be negative"));
    }
    let dimension_ok = |d: Option<i32>| d.is_none_or(|d| (1..=MEDIA_DIMENSION_MAX).contains(&d));
    if !dimension_ok(m.width) || !dimension_ok(m.height) {
        return Err(AppError::bad_input(
            "media.width",
            format!("width and height must be 1 to {MEDIA_DIMENSION_MAX}"),
        ));
    }
    if m.duration_ms.is_some_and(|d| d < 0) {
        return Err(AppError::bad_input(
            "media.durationMs",
            "must not be negative",
        ));
    }
    let name = m
        .name
        .map(|n| text::single_line("media.name", &n, 1, MEDIA_NAME_MAX))
        .transpose()?;
    Ok(Media {
        url,
        mime_type,
        size: m.size,
        name,
        width: m.width,
        height: m.height,
        duration_ms: m.duration_ms,
    })
}

/// A client's id for idempotent retries: 1–64 letters, digits, `-`, `_`,
/// `.` or `:`.
pub fn parse_client_message_id(raw: &str) -> AppResult<String> {
    let ok = !raw.is_empty()
        && raw.len() <= CLIENT_MESSAGE_ID_MAX
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(AppError::bad_input(
            "clientMessageId",
            format!("must be 1 to {CLIENT_MESSAGE_ID_MAX} letters, digits, '-', '_', '.' or ':'"),
        ))
    }
}

/// One emoji or a `:shortcode:` of at most 32 bytes (a custom emoji's
/// name).
///
/// An emoji is one entry of Unicode's emoji list (`emoji-test.txt`, through
/// the `emojis` crate): skin tones, flags, keycaps and ZWJ sequences
/// included. Anything else is refused: letters and symbols such as `§`,
/// invisible format characters (U+202E, zero-width space or joiner, BOM), a
/// lone combining mark, an emoji with marks piled on. An unqualified or
/// minimally-qualified form ("❤" without VS16) is stored as the
/// fully-qualified one ("❤️"): both look the same, so they must be one
/// reaction, not two.
pub fn parse_emoji(raw: &str) -> AppResult<String> {
    let invalid = || {
        AppError::bad_input(
            "emoji",
            "must be one emoji or a :shortcode: of at most 32 bytes",
        )
    };
    if let Some(inner) = raw.strip_prefix(':').and_then(|r| r.strip_suffix(':')) {
        let ok = raw.len() <= SHORTCODE_MAX_BYTES
            && !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_+-".contains(c));
        return if ok {
            Ok(raw.to_owned())
        } else {
            Err(invalid())
        };
    }
    emojis::get(raw)
        .map(|emoji| emoji.as_str().to_owned())
        .ok_or_else(invalid)
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn emoji__accepts_unicode_emoji_and_shortcodes() {
        for ok in [
            "👍",
            "👍🏽",
            "👨\u{200d}👩\u{200d}👧",
            "🇫🇷",
            "❤\u{fe0f}",
            "1\u{fe0f}\u{20e3}",
            ":party_parrot:",
            ":thumbs_up:",
            ":+1:",
        ] {
            assert_eq!(parse_emoji(ok).ok().as_deref(), Some(ok), "{ok:?}");
        }
    }

    #[test]
    fn emoji__unqualified_forms_are_stored_fully_qualified() {
        for (unqualified, qualified) in [
            ("\u{2764}", "\u{2764}\u{fe0f}"),
            ("1\u{20e3}", "1\u{fe0f}\u{20e3}"),
            ("\u{263a}", "\u{263a}\u{fe0f}"),
        ] {
            assert_eq!(
                parse_emoji(unqualified).ok().as_deref(),
                Some(qualified),
                "{unqualified:?}"
            );
        }
    }

    #[test]
    fn emoji__refuses_format_characters_marks_symbols_and_text() {
        let piled_up = format!("👍{}", "\u{301}".repeat(7));
        for bad in [
            "\u{202e}",
            "\u{200b}",
            "\u{200d}",
            "\u{feff}",
            "\u{301}",
            "§",
            "¿",
            piled_up.as_str(),
            "👍\u{200b}",
            "\u{202e}👍",
            "🏽",
            "",
            "a",
            "é",
            "1",
            "#",
            " ",
            "👍👍",
            "ok",
            ":",
            "::",
            ":Upper:",
            ":has space:",
            &format!(":{}:", "a".repeat(31)),
        ] {
            let err = parse_emoji(bad).expect_err(bad);
            assert!(
                matches!(&err, AppError::BadInput { field, .. } if *field == "emoji"),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn content__kinds_need_their_parts() {
        assert!(parse_content(MessageKind::Text, Some("  hi  "), vec![]).is_ok());
        assert!(parse_content(MessageKind::Text, Some("   "), vec![]).is_err());
        assert!(parse_content(MessageKind::Text, Some(&"x".repeat(4001)), vec![]).is_err());
        assert!(parse_content(MessageKind::Image, Some("caption"), vec![]).is_err());
        assert!(parse_content(MessageKind::System, Some("x"), vec![]).is_err());
        let image = || MediaInput {
            url: "https://cdn.example/a.png".into(),
            mime_type: "image/png".into(),
            size: 10,
            name: None,
            width: Some(10),
            height: Some(10),
            duration_ms: None,
        };
        assert!(parse_content(MessageKind::Image, None, vec![image()]).is_ok());
        assert!(
            parse_content(MessageKind::Video, None, vec![image()]).is_err(),
            "video needs video/*"
        );
        assert!(
            parse_content(MessageKind::Image, None, (0..11).map(|_| image()).collect()).is_err()
        );
    }
}
