//! What a file really is, from its first bytes: the magic numbers of its
//! format (the `infer` crate), and for images the width and height from the
//! header alone (the `imagesize` crate; nothing is decoded).

/// How much of a file is read to check it: enough for any format's magic
/// number and for an image header behind large metadata (a JPEG's EXIF).
pub const HEAD_BYTES: u64 = 256 * 1024;

/// Whether `content_type` is one the server can recognize by its first
/// bytes (only such types may be uploaded: a type that cannot be checked
/// could be anything).
pub fn recognizes(content_type: &str) -> bool {
    infer::is_mime_supported(content_type)
}

/// The type a file's first bytes show, if any.
pub fn detect(head: &[u8]) -> Option<&'static str> {
    infer::get(head).map(|kind| kind.mime_type())
}

/// What was learned from a file's first bytes.
#[derive(Debug, PartialEq)]
pub struct Facts {
    pub width: Option<i32>,
    pub height: Option<i32>,
}

/// Checks that `head` (a file's first bytes) is of the `declared` type;
/// `Err` carries what it looks like instead (`None`: nothing recognized).
pub fn check(declared: &str, head: &[u8]) -> Result<Facts, Option<&'static str>> {
    let found = detect(head);
    if found != Some(declared) {
        return Err(found);
    }
    let (width, height) = if declared.starts_with("image/") {
        match imagesize::blob_size(head) {
            Ok(size) => (
                i32::try_from(size.width).ok(),
                i32::try_from(size.height).ok(),
            ),
            Err(_) => (None, None),
        }
    } else {
        (None, None)
    };
    Ok(Facts { width, height })
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    /// A 3×2 PNG's signature and header chunk.
    pub const PNG_3X2: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0, 0x12, 0x16, 0xf1, 0x4d,
    ];

    #[test]
    fn check__reads_the_type_and_the_image_size_from_the_header() {
        assert_eq!(
            check("image/png", PNG_3X2),
            Ok(Facts {
                width: Some(3),
                height: Some(2)
            })
        );
    }

    #[test]
    fn check__refuses_a_file_that_is_not_what_it_says() {
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
        assert_eq!(
            check("image/png", exe),
            Err(Some("application/vnd.microsoft.portable-executable"))
        );
        assert_eq!(check("image/png", b"just some text"), Err(None));
        assert_eq!(check("image/gif", PNG_3X2), Err(Some("image/png")));
    }

    #[test]
    fn recognizes__only_types_with_a_magic_number() {
        assert!(recognizes("image/png"));
        assert!(recognizes("application/pdf"));
        assert!(!recognizes("text/plain"));
        assert!(!recognizes("image/x-not-a-type"));
    }
}
