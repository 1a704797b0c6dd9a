//! The track's files: `audio.wav` (48 kHz, 32-bit float, stereo) and Opus packets for the
//! MP4s.
//!
//! Why Opus: it is the open codec that MP4 players (browsers, VLC, ffmpeg) decode, it is
//! transparent at 128 kb/s stereo, and `mousiki` encodes it in pure Rust (a port of
//! libopus), so the default build needs no C codec library; AAC encoders on crates.io
//! wrap C libraries with restrictive licenses (fdk-aac). The MP4's Opus track declares
//! a pre-skip of 312 samples (the encoder's look-ahead at 48 kHz), so players start the
//! sound exactly at the first frame.

use std::io::Cursor;

use mousiki::{Application, Bitrate, Channels, Encoder};

use super::AudioTrack;

/// Samples per Opus packet (20 ms at 48 kHz).
pub const OPUS_FRAME: usize = 960;
/// The encoder's look-ahead at 48 kHz, samples: what the MP4 declares as pre-skip.
pub const PRE_SKIP: usize = 312;

/// The track as a WAV file's bytes (IEEE float, 32 bit, stereo).
///
/// # Errors
/// The WAV writer's message (it only fails on I/O, which a memory buffer does not do).
pub fn wav_bytes(track: &AudioTrack) -> Result<Vec<u8>, String> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: track.rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut buf = Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut buf, spec).map_err(|e| e.to_string())?;
        for (l, r) in track.left.iter().zip(&track.right) {
            w.write_sample(*l).map_err(|e| e.to_string())?;
            w.write_sample(*r).map_err(|e| e.to_string())?;
        }
        w.finalize().map_err(|e| e.to_string())?;
    }
    Ok(buf.into_inner())
}

/// Reads a stereo float WAV back: (rate, left, right).
///
/// # Errors
/// The reader's message for anything but a stereo 32-bit float WAV.
pub fn read_wav(bytes: &[u8]) -> Result<(u32, Vec<f32>, Vec<f32>), String> {
    let mut r = hound::WavReader::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let spec = r.spec();
    if spec.channels != 2 || spec.sample_format != hound::SampleFormat::Float {
        return Err(format!("expected stereo float samples, found {spec:?}"));
    }
    let samples: Vec<f32> = r
        .samples::<f32>()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let left = samples.iter().step_by(2).copied().collect();
    let right = samples.iter().skip(1).step_by(2).copied().collect();
    Ok((spec.sample_rate, left, right))
}

/// Encodes the track as 20 ms Opus packets at 128 kb/s (the last one padded with
/// silence; `PRE_SKIP` samples more at the end so the look-ahead drains).
///
/// # Errors
/// The encoder's message. Setting `CINEGRAPH_FAIL_AUDIO_ENCODER=1` makes it fail on
/// purpose (the tests check that the videos and the WAV survive it).
pub fn opus_packets(track: &AudioTrack) -> Result<Vec<Vec<u8>>, String> {
    if std::env::var_os("CINEGRAPH_FAIL_AUDIO_ENCODER").is_some_and(|v| v == "1") {
        return Err("failed on purpose (CINEGRAPH_FAIL_AUDIO_ENCODER=1)".into());
    }
    let mut enc = Encoder::new(track.rate, Channels::Stereo, Application::Audio)
        .map_err(|e| format!("Opus encoder: {e:?}"))?;
    enc.set_bitrate(Bitrate::Bits(128_000))
        .map_err(|e| format!("Opus bitrate: {e:?}"))?;
    let n = track.left.len() + PRE_SKIP;
    let frames = n.div_ceil(OPUS_FRAME).max(1);
    let mut pcm = vec![0.0f32; 2 * OPUS_FRAME];
    let mut packet = vec![0u8; 4000];
    let mut out = Vec::with_capacity(frames);
    for f in 0..frames {
        for k in 0..OPUS_FRAME {
            let i = f * OPUS_FRAME + k;
            pcm[2 * k] = track.left.get(i).copied().unwrap_or(0.0);
            pcm[2 * k + 1] = track.right.get(i).copied().unwrap_or(0.0);
        }
        let len = enc
            .encode_float(&pcm, &mut packet)
            .map_err(|e| format!("Opus packet {f}: {e:?}"))?;
        out.push(packet[..len].to_vec());
    }
    Ok(out)
}
