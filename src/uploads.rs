//! Photos citizens send: checked (type, size, dimensions), re-encoded so that no metadata (EXIF: place,
//! camera, time) survives, and kept in the database until the transaction that uses them is done.

use std::io::Cursor;

use base64::Engine as _;
use image::{ImageFormat, ImageReader, Limits};

use crate::store::Database;
use crate::store::sql::with_pool;

/// The largest photo accepted.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// The largest width or height accepted (a bigger image is a decompression bomb more likely than a photo).
const MAX_DIMENSION: u32 = 8_000;
/// The most pixels accepted: a 48-megapixel phone photo, decoded, needs about 200 MB, and nothing bigger
/// is decoded at all (the header says the size before the pixels are read).
const MAX_PIXELS: u64 = 48_000_000;
/// The most memory one decoder may allocate.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// Photos decoded at once across the server: a burst of photos waits instead of multiplying memory.
static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Why a photo was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Not a PNG or JPEG image.
    #[error("only PNG and JPEG images are accepted")]
    NotAnImage,
    /// Too large.
    #[error("the image is larger than {} MiB or {MAX_DIMENSION} pixels wide or high", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    /// The database failed (for the log only).
    #[error("database error: {0}")]
    Database(String),
}

/// Decodes a PNG or JPEG photo within the limits: its format and pixels. The dimensions are read from
/// the header first, so an image bomb (a small file of huge dimensions) is refused before decoding.
pub fn decode(bytes: &[u8]) -> Result<(ImageFormat, image::DynamicImage), UploadError> {
    if bytes.len() > MAX_BYTES {
        return Err(UploadError::TooLarge);
    }
    let reader = || {
        let reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| UploadError::NotAnImage)?;
        match reader.format() {
            Some(ImageFormat::Png | ImageFormat::Jpeg) => Ok(reader),
            _ => Err(UploadError::NotAnImage),
        }
    };
    let (width, height) = reader()?
        .into_dimensions()
        .map_err(|_| UploadError::NotAnImage)?;
    if width > MAX_DIMENSION
        || height > MAX_DIMENSION
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(UploadError::TooLarge);
    }
    let mut reader = reader()?;
    let format = reader.format().unwrap_or(ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let image = reader.decode().map_err(|error| match error {
        image::ImageError::Limits(_) => UploadError::TooLarge,
        _ => UploadError::NotAnImage,
    })?;
    Ok((format, image))
}

/// Runs image work off the async threads, at most two at a time across the server.
pub async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let permit = DECODES.acquire().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .ok()
}

/// Checks a photo and re-encodes it without metadata: (content type, bytes).
pub fn sanitize(bytes: &[u8]) -> Result<(&'static str, Vec<u8>), UploadError> {
    let (format, image) = decode(bytes)?;
    let mut out = Cursor::new(Vec::new());
    let (mime, image) = match format {
        ImageFormat::Png => (
            "image/png",
            image::DynamicImage::ImageRgba8(image.to_rgba8()),
        ),
        _ => (
            "image/jpeg",
            image::DynamicImage::ImageRgb8(image.to_rgb8()),
        ),
    };
    image
        .write_to(&mut out, format)
        .map_err(|_| UploadError::NotAnImage)?;
    Ok((mime, out.into_inner()))
}

/// The uploads in the database.
#[derive(Clone)]
pub struct Uploads {
    database: Database,
}

fn db(error: sqlx::Error) -> UploadError {
    UploadError::Database(error.to_string())
}

impl Uploads {
    /// The uploads in this database.
    pub fn new(database: Database) -> Uploads {
        Uploads { database }
    }

    /// Checks, cleans and keeps a photo; its id.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, UploadError> {
        let data = bytes.to_vec();
        let (mime, clean) = off_thread(move || sanitize(&data))
            .await
            .ok_or_else(|| UploadError::Database("the decoder stopped".into()))??;
        let id = format!("up_{}", uuid::Uuid::new_v4().simple());
        let encoded = base64::engine::general_purpose::STANDARD.encode(clean);
        with_pool!(&self.database, |pool| {
            sqlx::query(
                "INSERT INTO uploads (id, content_type, data, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(mime)
            .bind(&encoded)
            .bind(chrono::Utc::now().timestamp())
            .execute(pool)
            .await
            .map_err(db)?;
        });
        Ok(id)
    }

    /// Keeps a photo a citizen sent in a form: its id, or the sentence to tell them (why it was refused,
    /// or `failed` when the database failed).
    pub async fn accept(&self, bytes: &[u8], failed: &str) -> Result<String, String> {
        self.put(bytes).await.map_err(|error| match error {
            UploadError::Database(message) => {
                tracing::warn!(%message, "storing a photo failed");
                failed.to_string()
            }
            refused => refused.to_string(),
        })
    }

    /// A kept photo: content type and base64 data.
    pub async fn get(&self, id: &str) -> Result<Option<(String, String)>, UploadError> {
        Ok(with_pool!(&self.database, |pool| {
            sqlx::query_as("SELECT content_type, data FROM uploads WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(db)?
        }))
    }

    /// Deletes photos older than `before` (they belonged to conversations that ended).
    pub async fn delete_before(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, UploadError> {
        Ok(with_pool!(&self.database, |pool| {
            sqlx::query("DELETE FROM uploads WHERE created_at < $1")
                .bind(before.timestamp())
                .execute(pool)
                .await
                .map_err(db)?
                .rows_affected()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 10, 10]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn photos_are_checked_and_re_encoded() {
        let (mime, clean) = sanitize(&png(40, 30)).unwrap();
        assert_eq!(mime, "image/png");
        assert_eq!(image::load_from_memory(&clean).unwrap().width(), 40);
        assert_eq!(
            sanitize(b"%PDF-1.4 not an image"),
            Err(UploadError::NotAnImage)
        );
        assert_eq!(
            sanitize(&vec![0u8; MAX_BYTES + 1]),
            Err(UploadError::TooLarge)
        );
        // A JPEG with an EXIF segment comes back without it.
        let mut jpeg = Cursor::new(Vec::new());
        image::RgbImage::from_pixel(16, 16, image::Rgb([1, 2, 3]))
            .write_to(&mut jpeg, ImageFormat::Jpeg)
            .unwrap();
        let mut with_exif = jpeg.into_inner();
        let exif = b"\xFF\xE1\x00\x16Exif\x00\x00GPS-Leipzig-51.34";
        with_exif.splice(2..2, exif.iter().copied());
        assert!(with_exif.windows(4).any(|w| w == b"Exif"));
        let (mime, clean) = sanitize(&with_exif).unwrap();
        assert_eq!(mime, "image/jpeg");
        assert!(!clean.windows(4).any(|w| w == b"Exif"), "metadata stripped");
    }
}
