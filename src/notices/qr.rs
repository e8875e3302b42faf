//! QR codes: rendering (the notice's link, the GiroCode) as SVG and PNG, and reading one from a photo.

use image::{ImageFormat, Luma};
use qrcode::{EcLevel, QrCode, Version};

/// Why a QR code could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The content does not fit (EPC069-12 allows version 13 at most).
    #[error("the content does not fit into a QR code of version {0} or lower")]
    TooLong(i16),
    /// The image could not be decoded.
    #[error("the image cannot be read: {0}")]
    Image(String),
    /// No QR code was found in the image.
    #[error("no QR code found in the image")]
    NotFound,
}

/// Encodes text with error correction level M, at most `max_version`.
pub fn encode(text: &str, max_version: i16) -> Result<QrCode, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|_| QrError::TooLong(max_version))?;
    match code.version() {
        Version::Normal(v) if v <= max_version => Ok(code),
        _ => Err(QrError::TooLong(max_version)),
    }
}

/// The code as an SVG document (for print).
pub fn svg(code: &QrCode) -> String {
    code.render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build()
}

/// The code as a PNG image (8 pixels per module, with the quiet zone).
pub fn png(code: &QrCode) -> Vec<u8> {
    let image = code
        .render::<Luma<u8>>()
        .module_dimensions(8, 8)
        .quiet_zone(true)
        .build();
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, ImageFormat::Png)
        .expect("PNG encoding to memory does not fail");
    bytes.into_inner()
}

/// The text of the first QR code found in an image (PNG or JPEG).
pub fn decode(image_bytes: &[u8]) -> Result<String, QrError> {
    // Within the upload limits: a photo of huge dimensions is refused before it is decoded.
    let image = crate::uploads::decode(image_bytes)
        .map_err(|e| QrError::Image(e.to_string()))?
        .1
        .to_luma8();
    let (width, height) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        image.get_pixel(x as u32, y as u32).0[0]
    });
    for grid in prepared.detect_grids() {
        if let Ok((_, content)) = grid.decode() {
            return Ok(content);
        }
    }
    Err(QrError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_code_reads_back() {
        let code = encode("https://auskunft.example/n/123456789012?s=abc", 13).unwrap();
        let png = png(&code);
        assert_eq!(&png[1..4], b"PNG");
        assert_eq!(
            decode(&png).unwrap(),
            "https://auskunft.example/n/123456789012?s=abc"
        );
        assert!(svg(&code).starts_with("<?xml"));
        assert!(matches!(
            encode(&"x".repeat(2000), 13),
            Err(QrError::TooLong(13))
        ));
        assert!(matches!(decode(b"not an image"), Err(QrError::Image(_))));
    }
}
