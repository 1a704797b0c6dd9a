//! Files: the helpers every stage uses to write and read them. Writes are atomic (a
//! temporary file in the same folder, synced, then renamed): a crash or a full disk never
//! leaves a half-written file under the final name. JSON is pretty-printed with a final
//! newline; PNG through `image` (8- or 16-bit, 16-bit samples given native-endian); EXR
//! through `exr`, lossless (`FAST_LOSSLESS`), one layer of named channels. Nothing here
//! knows a stage's data.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use exr::prelude::{
    AnyChannel, AnyChannels, Encoding, FlatSamples, Image, Layer as ExrLayer, LayerAttributes,
    SmallVec, WritableImage,
};
use image::{ExtendedColorType, ImageEncoder, codecs::png::PngEncoder};

/// Why a file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A JSON file is not what it should be.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The plot could not be drawn.
    #[error("cannot draw the energy plot: {0}")]
    Plot(String),
}

/// Writes `bytes` to `path` through a temporary file and a rename.
///
/// # Errors
/// [`FileError::Write`] if any step fails; the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let err = |source| FileError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// Writes a value as pretty JSON, atomically.
///
/// # Errors
/// [`FileError`] if it cannot be encoded or written.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), FileError> {
    write_atomic(path, json_text(path, value)?.as_bytes())
}

/// A value as the pretty JSON text this module writes (a newline at the end); `path`
/// names it in the error.
///
/// # Errors
/// [`FileError::Format`] if it cannot be encoded.
pub fn json_text<T: serde::Serialize>(path: &Path, value: &T) -> Result<String, FileError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| enc_err(path, e))?;
    text.push('\n');
    Ok(text)
}

/// Reads and parses a JSON file written by this module.
///
/// # Errors
/// [`FileError::Read`] or [`FileError::Format`].
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, FileError> {
    let bytes = std::fs::read(path).map_err(|source| FileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_json(path, &bytes)
}

/// Parses JSON bytes; `path` names them in the error, with the line and column.
///
/// # Errors
/// [`FileError::Format`].
pub fn parse_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
) -> Result<T, FileError> {
    serde_json::from_slice(bytes).map_err(|e| FileError::Format {
        path: path.to_path_buf(),
        message: format!("line {} column {}: {e}", e.line(), e.column()),
    })
}

fn enc_err(path: &Path, e: impl std::fmt::Display) -> FileError {
    FileError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Encodes `data` (`w × h` pixels of `color`, rows top to bottom) as PNG and writes it
/// atomically.
///
/// # Errors
/// [`FileError::Format`] if it cannot be encoded, [`FileError::Write`] if not written.
pub fn png(
    path: &Path,
    w: u32,
    h: u32,
    data: &[u8],
    color: ExtendedColorType,
) -> Result<(), FileError> {
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(data, w, h, color)
        .map_err(|e| enc_err(path, e))?;
    write_atomic(path, &bytes)
}

/// [`png()`] for 16-bit samples (`L16`, `Rgb16`, …), given as numbers.
///
/// # Errors
/// As [`png()`].
pub fn png16(
    path: &Path,
    w: u32,
    h: u32,
    samples: &[u16],
    color: ExtendedColorType,
) -> Result<(), FileError> {
    // PNG stores 16-bit samples big-endian; the encoder takes native-endian bytes.
    let data: Vec<u8> = samples.iter().flat_map(|v| v.to_ne_bytes()).collect();
    png(path, w, h, &data, color)
}

/// Writes one EXR layer of `w × h` pixels with the named channels (sorted as EXR
/// requires), lossless, atomically.
///
/// # Errors
/// As [`png()`].
pub fn exr(
    path: &Path,
    w: u32,
    h: u32,
    channels: Vec<(&str, FlatSamples)>,
) -> Result<(), FileError> {
    let list: SmallVec<[AnyChannel<FlatSamples>; 4]> = channels
        .into_iter()
        .map(|(name, samples)| AnyChannel::new(name, samples))
        .collect();
    let layer = ExrLayer::new(
        (w as usize, h as usize),
        LayerAttributes::default(),
        Encoding::FAST_LOSSLESS,
        AnyChannels::sort(list),
    );
    let mut buf = Cursor::new(Vec::new());
    Image::from_layer(layer)
        .write()
        .to_buffered(&mut buf)
        .map_err(|e| enc_err(path, e))?;
    write_atomic(path, &buf.into_inner())
}
