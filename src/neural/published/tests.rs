//! Tiny random-weight checkpoints in the diffusers layout, written to a temp folder and
//! loaded through [`super::load`]: the real key names and shapes at a few kilobytes.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::stable_diffusion::{
    unet_2d::UNet2DConditionModel, vae::AutoEncoderKL,
};

use super::config::{TextEncoderFile, TinyFile, UNetFile, VaeFile};
use super::*;
use crate::neural::{FrameInputs, NeuralError, init_weights, save_weights};

const UNET: &str = r#"{
  "_class_name": "UNet2DConditionModel", "in_channels": 5, "out_channels": 4,
  "block_out_channels": [32, 64], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
  "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "attention_head_dim": [2, 4],
  "cross_attention_dim": 32, "layers_per_block": 1, "norm_num_groups": 8,
  "use_linear_projection": true, "sample_size": 8
}"#;
const VAE: &str = r#"{
  "_class_name": "AutoencoderKL", "block_out_channels": [8, 8, 8, 8], "latent_channels": 4,
  "layers_per_block": 1, "norm_num_groups": 4, "scaling_factor": 0.18215
}"#;
const TEXT: &str = r#"{
  "architectures": ["CLIPTextModel"], "vocab_size": 17, "hidden_size": 32,
  "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
  "max_position_embeddings": 16, "hidden_act": "gelu", "layer_norm_eps": 1e-05
}"#;
/// Stable Diffusion 2 depth's own scheduler config.
const SCHEDULER: &str = r#"{
  "_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
  "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000,
  "prediction_type": "epsilon", "set_alpha_to_one": false, "skip_prk_steps": true,
  "steps_offset": 1, "trained_betas": null
}"#;
const TAESD: &str = r#"{
  "_class_name": "AutoencoderTiny", "act_fn": "relu", "latent_channels": 4,
  "encoder_block_out_channels": [8, 8, 8, 8], "decoder_block_out_channels": [8, 8, 8, 8],
  "num_encoder_blocks": [1, 1, 1, 1], "num_decoder_blocks": [1, 1, 1, 1],
  "scaling_factor": 1.0, "upsampling_scaling_factor": 2
}"#;
const VOCAB: &str = r#"{"!": 0, "a": 1, "b": 2, "c": 3, "a</w>": 4, "b</w>": 5, "c</w>": 6,
  "ab": 7, "abc</w>": 8, "ab</w>": 9, ",</w>": 10, "'s</w>": 11, "1</w>": 12,
  "<|startoftext|>": 13, "<|endoftext|>": 14, "'": 15, "s</w>": 16}"#;
const MERGES: &str = "#version: 0.2\na b\nab c</w>\n' s</w>\na b</w>\n";

/// Builds a network on a fresh `VarMap` with seeded weights and saves it to `path`.
fn save_net(path: &Path, seed: u64, build: impl FnOnce(VarBuilder) -> candle_core::Result<()>) {
    let map = VarMap::new();
    build(VarBuilder::from_varmap(&map, DType::F32, &Device::Cpu)).unwrap();
    init_weights(&map, seed).unwrap();
    // init_weights starts our own decoder's last layer at 0; a VAE's must not be.
    if let Some(v) = map.data().lock().unwrap().get("decoder.conv_out.weight") {
        let g = crate::neural::noise::gaussian(seed, "conv_out", v.elem_count());
        let g: Vec<f32> = g.iter().map(|x| x * 0.1).collect();
        v.set(&Tensor::from_vec(g, v.dims(), &Device::Cpu).unwrap())
            .unwrap();
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    save_weights(&map, path).unwrap();
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A complete tiny Stable Diffusion 2 depth folder (with TAESD when `taesd`).
pub(crate) fn tiny_folder(taesd: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(&d.join("unet/config.json"), UNET);
    write(&d.join("vae/config.json"), VAE);
    write(&d.join("text_encoder/config.json"), TEXT);
    write(&d.join("scheduler/scheduler_config.json"), SCHEDULER);
    write(&d.join("tokenizer/vocab.json"), VOCAB);
    write(&d.join("tokenizer/merges.txt"), MERGES);
    let unet: UNetFile = serde_json::from_str(UNET).unwrap();
    let cfg = unet.to_candle().unwrap();
    save_net(
        &d.join("unet/diffusion_pytorch_model.safetensors"),
        1,
        |vb| UNet2DConditionModel::new(vb, 5, 4, false, cfg).map(drop),
    );
    let vae: VaeFile = serde_json::from_str(VAE).unwrap();
    let cfg = vae.to_candle().unwrap();
    save_net(
        &d.join("vae/diffusion_pytorch_model.safetensors"),
        2,
        |vb| AutoEncoderKL::new(vb, 3, 3, cfg).map(drop),
    );
    let text: TextEncoderFile = serde_json::from_str(TEXT).unwrap();
    let cfg = text.to_config().unwrap();
    save_net(&d.join("text_encoder/model.safetensors"), 3, |vb| {
        ClipTextModel::new(&cfg, vb).map(drop)
    });
    if taesd {
        write(&d.join("taesd/config.json"), TAESD);
        let t: TinyFile = serde_json::from_str(TAESD).unwrap();
        let cfg = t.to_config().unwrap();
        save_net(
            &d.join("taesd/diffusion_pytorch_model.safetensors"),
            4,
            |vb| TinyAutoencoder::new(&cfg, vb).map(drop),
        );
    }
    tmp
}

/// A 64×64 frame: a bright disc near the camera over a far gradient. `shift` moves the
/// disc right by that many pixels; the backward flow then points `shift` pixels left
/// everywhere, and the leftmost `shift` columns are disoccluded.
fn frame(shift: usize) -> FrameInputs {
    let (w, h) = (64, 64);
    let n = w * h;
    let mut preview = Vec::with_capacity(n);
    let mut disparity = Vec::with_capacity(n);
    for i in 0..n {
        let (x, y) = ((i % w) as f32, (i / w) as f32);
        let (dx, dy) = (x - 28.0 - shift as f32, y - 32.0);
        let inside = dx * dx + dy * dy < 14.0 * 14.0;
        preview.push(if inside {
            [0.8, 0.5, 0.2]
        } else {
            [x / 64.0 * 0.3, 0.2, y / 64.0 * 0.4]
        });
        disparity.push(if inside {
            1.5
        } else if y > 40.0 {
            0.2
        } else {
            0.0
        });
    }
    FrameInputs {
        width: w,
        height: h,
        preview,
        disparity,
        normal: vec![[0.0, 0.0, 1.0]; n],
        albedo: vec![[0.5; 3]; n],
        segmentation: vec![0; n],
        flow_bwd: vec![[-(shift as f32), 0.0]; n],
        disoccluded: (0..n).map(|i| i % w < shift).collect(),
    }
}

fn finite(px: &[[f32; 3]]) -> bool {
    px.iter().flatten().all(|v| v.is_finite())
}

fn run_clip(model: &PublishedModel, seed: u64) -> Vec<Vec<[f32; 3]>> {
    let mut f = model.finisher(seed, 4, "abc, ab's", 0.5).unwrap();
    [frame(0), frame(8)]
        .iter()
        .map(|fr| f.finish(fr).unwrap())
        .collect()
}

#[test]
fn tiny_sd2_depth_finishes_a_clip_with_the_vae_deterministically() {
    let dir = tiny_folder(true);
    let opts = PublishedOptions {
        tiny_autoencoder: TinyAutoencoderUse::Never,
        ..PublishedOptions::default()
    };
    let model = load(dir.path(), &opts).unwrap();
    assert_eq!(model.autoencoder_name(), "vae");
    assert_eq!(model.side_multiple(), 16);
    let a = run_clip(&model, 7);
    for out in &a {
        assert_eq!(out.len(), 64 * 64);
        assert!(finite(out));
        assert!(out.iter().flatten().all(|&v| (0.0..=1.0).contains(&v)));
    }
    // (assert! rather than assert_eq!: a failure would print 8192 pixels)
    assert!(a == run_clip(&model, 7), "same seed, same clip");
    let b = run_clip(&model, 8);
    assert!(a != b, "another seed, another clip");
    // Not a constant image: the networks' output reaches the pixels.
    assert!(a[0].iter().any(|p| p != &a[0][0]));
}

#[test]
fn tiny_sd2_depth_uses_taesd_when_present_and_carries_noise_along_the_flow() {
    let dir = tiny_folder(true);
    let model = load(dir.path(), &PublishedOptions::default()).unwrap();
    assert_eq!(model.autoencoder_name(), "taesd");
    let mut f = model.finisher(3, 4, "a b c", 0.75).unwrap();
    let (f1, f2) = (frame(0), frame(8));
    let n1 = f.initial_noise(&f1).unwrap();
    let out = f.finish(&f1).unwrap();
    assert_eq!(out.len(), 64 * 64);
    assert!(finite(&out));
    assert!(
        out.iter().any(|p| p != &out[0]),
        "TAESD's output reaches the pixels"
    );
    // The flow is one latent cell to the left: every cell not in the disoccluded first
    // column keeps the noise of its left neighbour in the previous frame, exactly.
    let n2 = f.initial_noise(&f2).unwrap();
    assert_eq!((n2.width, n2.height, n2.channels), (8, 8, 4));
    for c in 0..4 {
        for y in 0..8 {
            for x in 1..8 {
                let i = (c * 8 + y) * 8 + x;
                assert_eq!(n2.data[i], n1.data[i - 1], "cell ({x}, {y}) channel {c}");
            }
            assert_ne!(n2.data[(c * 8 + y) * 8], n1.data[(c * 8 + y) * 8]);
        }
    }
    let out2 = f.finish(&f2).unwrap();
    assert!(finite(&out2));
    // A cut starts from fresh noise.
    f.cut();
    let n3 = f.initial_noise(&f2).unwrap();
    assert_ne!(n3.data[9], n2.data[9]);
}

#[test]
fn guidance_scale_one_skips_the_unconditional_pass_and_changes_the_result() {
    let dir = tiny_folder(true);
    let guided = load(dir.path(), &PublishedOptions::default()).unwrap();
    let plain = load(
        dir.path(),
        &PublishedOptions {
            guidance_scale: 1.0,
            ..PublishedOptions::default()
        },
    )
    .unwrap();
    let a = guided
        .finisher(1, 2, "abc", 1.0)
        .unwrap()
        .finish(&frame(0))
        .unwrap();
    let b = plain
        .finisher(1, 2, "abc", 1.0)
        .unwrap()
        .finish(&frame(0))
        .unwrap();
    assert!(finite(&b));
    assert!(a != b, "guidance changes the frame");
}

#[test]
fn bad_sizes_and_settings_are_refused_with_the_reason() {
    let dir = tiny_folder(true);
    let model = load(dir.path(), &PublishedOptions::default()).unwrap();
    let mut f = model.finisher(1, 4, "", 0.5).unwrap();
    let mut fr = frame(0);
    fr.width = 56;
    fr.height = 73; // 56 × 73 ≠ 4096 too, but the side check comes first
    let e = f.finish(&fr).unwrap_err().to_string();
    assert!(e.contains("multiples of 16") && e.contains("56x73"), "{e}");
    let e = model.finisher(1, 4, "", 0.1).unwrap_err().to_string();
    assert!(e.contains("runs no step"), "{e}");
    let e = model.finisher(1, 0, "", 0.5).unwrap_err().to_string();
    assert!(e.contains("steps must be in 1..=1000"), "{e}");
    let e = load(
        dir.path(),
        &PublishedOptions {
            guidance_scale: 0.5,
            ..PublishedOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("guidance scale"), "{e}");
}

fn edit_tensors(path: &Path, edit: impl FnOnce(&mut HashMap<String, Tensor>)) {
    let mut t = candle_core::safetensors::load(path, &Device::Cpu).unwrap();
    edit(&mut t);
    candle_core::safetensors::save(&t, path).unwrap();
}

#[test]
fn a_missing_tensor_is_named_with_its_file_and_expected_shape() {
    let dir = tiny_folder(false);
    let unet = dir.path().join("unet/diffusion_pytorch_model.safetensors");
    edit_tensors(&unet, |t| {
        t.remove("down_blocks.0.attentions.0.proj_in.weight");
    });
    let e = load(dir.path(), &PublishedOptions::default()).unwrap_err();
    match &e {
        NeuralError::MissingTensor {
            file,
            name,
            expected,
        } => {
            assert!(
                file.ends_with("diffusion_pytorch_model.safetensors"),
                "{file}"
            );
            assert_eq!(name, "down_blocks.0.attentions.0.proj_in.weight");
            assert_eq!(expected, &[32, 32]);
        }
        other => panic!("expected a missing tensor, got {other}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("proj_in.weight") && msg.contains("[32, 32]"),
        "{msg}"
    );

    // Through a constructor that falls back from one shape to another (the VAE's
    // attention), the tensor and its first expected shape are still the ones named.
    let dir = tiny_folder(false);
    let vae = dir.path().join("vae/diffusion_pytorch_model.safetensors");
    edit_tensors(&vae, |t| {
        t.remove("encoder.mid_block.attentions.0.query.weight");
    });
    let e = load(dir.path(), &PublishedOptions::default()).unwrap_err();
    assert!(
        matches!(&e, NeuralError::MissingTensor { name, expected, .. }
            if name == "encoder.mid_block.attentions.0.query.weight" && expected == &[8, 8]),
        "{e}"
    );

    // A projection stored as a 1×1 convolution is taken (candle's fallback), and a
    // tensor missing after it is the one blamed, not the recovered one.
    edit_tensors(&vae, |t| {
        let q = Tensor::zeros((8, 8, 1, 1), DType::F32, &Device::Cpu).unwrap();
        t.insert("encoder.mid_block.attentions.0.query.weight".into(), q);
        t.remove("decoder.conv_out.weight");
    });
    let e = load(dir.path(), &PublishedOptions::default()).unwrap_err();
    assert!(
        matches!(&e, NeuralError::MissingTensor { name, expected, .. }
            if name == "decoder.conv_out.weight" && expected == &[3, 8, 3, 3]),
        "{e}"
    );
}

#[test]
fn a_tensor_of_the_wrong_shape_names_both_shapes() {
    let dir = tiny_folder(false);
    let unet = dir.path().join("unet/diffusion_pytorch_model.safetensors");
    // A plain (4-channel) UNet's first convolution where the depth UNet's should be.
    edit_tensors(&unet, |t| {
        let w = Tensor::zeros((32, 4, 3, 3), DType::F32, &Device::Cpu).unwrap();
        t.insert("conv_in.weight".into(), w);
    });
    let e = load(dir.path(), &PublishedOptions::default()).unwrap_err();
    assert!(
        matches!(&e, NeuralError::WrongShape { name, expected, found, .. }
            if name == "conv_in.weight" && expected == &[32, 5, 3, 3] && found == &[32, 4, 3, 3]),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("[32, 5, 3, 3]") && msg.contains("[32, 4, 3, 3]"),
        "{msg}"
    );
}

#[test]
fn missing_files_and_configs_name_the_path_and_what_it_is() {
    let dir = tiny_folder(false);
    std::fs::remove_file(dir.path().join("text_encoder/model.safetensors")).unwrap();
    let e = load(dir.path(), &PublishedOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("text_encoder/model.safetensors")
            && e.contains("missing file (the CLIP text encoder's weights)"),
        "{e}"
    );
    std::fs::remove_file(dir.path().join("tokenizer/merges.txt")).unwrap();
    let e = load(dir.path(), &PublishedOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tokenizer/merges.txt") && e.contains("BPE merges"),
        "{e}"
    );
    let opts = PublishedOptions {
        tiny_autoencoder: TinyAutoencoderUse::Always,
        ..PublishedOptions::default()
    };
    write(&dir.path().join("tokenizer/merges.txt"), MERGES);
    let e = load(dir.path(), &opts).unwrap_err().to_string();
    assert!(
        e.contains("taesd/diffusion_pytorch_model.safetensors") && e.contains("TAESD"),
        "{e}"
    );
    // A plain Stable Diffusion 2 UNet config is not a depth model.
    write(
        &dir.path().join("unet/config.json"),
        &UNET.replace("\"in_channels\": 5", "\"in_channels\": 4"),
    );
    let e = load(dir.path(), &opts).unwrap_err().to_string();
    assert!(
        e.contains("unet/config.json") && e.contains("depth-conditioned"),
        "{e}"
    );
    let e = load(&dir.path().join("nowhere"), &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a folder"), "{e}");
}

#[test]
fn the_clip_tokenizer_splits_and_merges_like_clip() {
    assert_eq!(
        clip_tokenizer::split_for_test("abc, ab's 12 cab!?"),
        ["abc", ",", "ab", "'s", "1", "2", "cab", "!?"]
    );
    let t = ClipTokenizer::from_strs(VOCAB, MERGES, "!", 16).unwrap();
    // bos, abc</w>, ",</w>", ab</w>, 's</w>, 1</w>, "2</w>" (unknown: eos), c, ab</w>, eos, pad.
    assert_eq!(
        t.encode("  ABC,\tab's 12 cab "),
        [13, 8, 10, 9, 11, 12, 14, 3, 9, 14, 0, 0, 0, 0, 0, 0]
    );
    let long = t.encode(&"ab ".repeat(40));
    assert_eq!(long.len(), 16);
    assert_eq!((long[0], long[14], long[15]), (13, 9, 14));
    assert!(ClipTokenizer::from_strs(VOCAB, MERGES, "<pad>", 16).is_err());
}

#[test]
fn depth_is_normalised_per_frame_with_the_nearest_surface_at_one() {
    let d = depth_condition(&[0.0, 0.0, 2.0, 2.0, 1.0, 1.0, 0.5, 0.5], 4, 2, 2).unwrap();
    assert_eq!(d.dims(), &[1, 1, 1, 2]);
    assert_eq!(
        d.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        [-1.0, 1.0]
    );
    let flat = depth_condition(&[0.3; 4], 2, 2, 1).unwrap();
    assert_eq!(
        flat.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        [0.0; 4]
    );
}

/// What full-size Stable Diffusion 2 depth costs on this machine's CPU, on zero weights
/// of the real shapes (the arithmetic does not depend on the values). Not a check: run
/// it by hand with `cargo test --lib full_size_cost -- --ignored --nocapture`.
#[test]
#[ignore = "minutes of CPU and 5 GB of memory; prints timings"]
fn full_size_cost_on_this_cpu() {
    let time = |what: &str, f: &dyn Fn()| {
        let t = std::time::Instant::now();
        f();
        eprintln!("{what}: {:.2} s", t.elapsed().as_secs_f64());
    };
    let vb = VarBuilder::zeros(DType::F32, &Device::Cpu);
    let unet_cfg = UNetFile::default().to_candle().unwrap();
    let unet = UNet2DConditionModel::new(vb.clone(), 5, 4, false, unet_cfg).unwrap();
    let text_cfg = TextEncoderFile::default().to_config().unwrap();
    let text = ClipTextModel::new(&text_cfg, vb.clone()).unwrap();
    let vae =
        AutoEncoderKL::new(vb.clone(), 3, 3, VaeFile::default().to_candle().unwrap()).unwrap();
    let taesd = TinyAutoencoder::new(&TinyAutoencoderConfig::default(), vb).unwrap();
    let ids = Tensor::zeros((1, 77), DType::U32, &Device::Cpu).unwrap();
    time("text encoder, one prompt", &|| {
        drop(text.forward(&ids).unwrap())
    });
    let ctx = Tensor::zeros((1, 77, 1024), DType::F32, &Device::Cpu).unwrap();
    for side in [256usize, 512] {
        let l = side / 8;
        let x = Tensor::zeros((1, 5, l, l), DType::F32, &Device::Cpu).unwrap();
        time(&format!("UNet, one evaluation at {side}x{side}"), &|| {
            drop(unet.forward(&x, 500.0, &ctx).unwrap())
        });
        let z = Tensor::zeros((1, 4, l, l), DType::F32, &Device::Cpu).unwrap();
        time(&format!("VAE decode at {side}x{side}"), &|| {
            drop(vae.decode(&z).unwrap())
        });
        time(&format!("TAESD decode at {side}x{side}"), &|| {
            drop(taesd.decode(&z).unwrap())
        });
        let img = Tensor::zeros((1, 3, side, side), DType::F32, &Device::Cpu).unwrap();
        time(&format!("TAESD encode at {side}x{side}"), &|| {
            drop(taesd.encode(&img).unwrap())
        });
    }
}
