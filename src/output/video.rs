//! `preview.mp4`: the preview frames as H.264 (Cisco's openh264, built from source) in
//! an MP4 container (muxide, pure Rust), so a person can just watch the clip; with the
//! clip's sound as an Opus track when there is one.

use std::path::Path;

use muxide::api::{AudioCodec, MuxerBuilder, VideoCodec};
use openh264::OpenH264API;
use openh264::encoder::{BitRate, Encoder, EncoderConfig, FrameRate, RateControlMode};
use openh264::formats::{RgbSliceU8, YUVBuffer};

use crate::files::{FileError, write_atomic};

fn err(path: &Path, e: impl std::fmt::Display) -> FileError {
    FileError::Format {
        path: path.to_path_buf(),
        message: format!("video: {e}"),
    }
}

/// Reads the PNG frames at `pngs` (each `width × height`) and encodes them with
/// [`write_mp4`].
///
/// # Errors
/// [`FileError::Format`] for an unreadable image, or [`write_mp4`]'s errors.
pub fn write_mp4_from_pngs(
    path: &Path,
    pngs: &[std::path::PathBuf],
    width: u32,
    height: u32,
    fps: u32,
    audio: Option<&[Vec<u8>]>,
) -> Result<(), FileError> {
    let mut frames = Vec::with_capacity(pngs.len());
    for p in pngs {
        let img = image::open(p).map_err(|e| FileError::Format {
            path: p.clone(),
            message: e.to_string(),
        })?;
        frames.push(img.to_rgb8().into_raw());
    }
    write_mp4(path, width, height, fps, frames.into_iter(), audio)
}

/// Encodes RGB8 frames (`width × height × 3` bytes each) at `fps` into an MP4 file, with
/// `audio` (48 kHz stereo Opus packets of 20 ms each, see [`crate::audio::encode`]) as a
/// second track. Odd sizes are cropped by one pixel (4:2:0 video needs even sizes).
///
/// # Errors
/// [`FileError`] if encoding, muxing or writing fails.
pub fn write_mp4(
    path: &Path,
    width: u32,
    height: u32,
    fps: u32,
    frames: impl Iterator<Item = Vec<u8>>,
    audio: Option<&[Vec<u8>]>,
) -> Result<(), FileError> {
    let (w, h) = ((width & !1) as usize, (height & !1) as usize);
    if w == 0 || h == 0 {
        return Err(err(path, "the frames are too small for video"));
    }
    let config = EncoderConfig::new()
        .max_frame_rate(FrameRate::from_hz(fps as f32))
        .rate_control_mode(RateControlMode::Quality)
        .bitrate(BitRate::from_bps(
            (w * h * fps as usize / 4).max(500_000) as u32
        ));
    let mut encoder =
        Encoder::with_api_config(OpenH264API::from_source(), config).map_err(|e| err(path, e))?;
    let mut mp4 = Vec::new();
    {
        let mut builder =
            MuxerBuilder::new(&mut mp4).video(VideoCodec::H264, w as u32, h as u32, f64::from(fps));
        if audio.is_some() {
            builder = builder.audio(AudioCodec::Opus, crate::audio::RATE, 2);
        }
        let mut muxer = builder.build().map_err(|e| err(path, e))?;
        let mut cropped = Vec::with_capacity(w * h * 3);
        for (k, rgb) in frames.enumerate() {
            cropped.clear();
            for row in rgb.chunks_exact(width as usize * 3).take(h) {
                cropped.extend_from_slice(&row[..w * 3]);
            }
            if cropped.len() != w * h * 3 {
                return Err(err(path, format!("frame {k} has the wrong size")));
            }
            let yuv = YUVBuffer::from_rgb8_source(RgbSliceU8::new(&cropped, (w, h)));
            let bits = encoder.encode(&yuv).map_err(|e| err(path, e))?;
            let keyframe = matches!(
                bits.frame_type(),
                openh264::encoder::FrameType::IDR | openh264::encoder::FrameType::I
            );
            let nal = bits.to_vec();
            if nal.is_empty() {
                continue;
            }
            muxer
                .write_video(k as f64 / f64::from(fps), &nal, keyframe)
                .map_err(|e| err(path, e))?;
        }
        let packet_s = crate::audio::encode::OPUS_FRAME as f64 / f64::from(crate::audio::RATE);
        for (i, packet) in audio.unwrap_or_default().iter().enumerate() {
            muxer
                .write_audio(i as f64 * packet_s, packet)
                .map_err(|e| err(path, format!("audio packet {i}: {e}")))?;
        }
        muxer.finish().map_err(|e| err(path, e))?;
    }
    write_atomic(path, &mp4)
}
