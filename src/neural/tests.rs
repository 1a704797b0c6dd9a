use candle_core::{DType, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use super::dataset::SceneFrames;
use super::noise::{NoiseField, disocclusion, gaussian};
use super::sampler::Finisher;
use super::train::{self, ModelConfig, losses, make_batch};
use super::*;

fn tiny() -> (AutoencoderConfig, DenoiserConfig) {
    (
        AutoencoderConfig {
            image_channels: 3,
            latent_channels: 4,
            hidden: 8,
            levels: 2,
            guide_channels: COND_CHANNELS,
        },
        DenoiserConfig {
            latent_channels: 4,
            cond_channels: COND_CHANNELS,
            cond_levels: 2,
            hidden: 8,
            emb_dim: 8,
            n_styles: 3,
            groups: 4,
        },
    )
}

fn tiny_config(seed: u64, lr: f64, batch: usize) -> ModelConfig {
    let (autoencoder, denoiser) = tiny();
    ModelConfig {
        autoencoder,
        denoiser,
        seed,
        lr,
        batch,
    }
}

fn tiny_model(seed: u64) -> Model {
    let (a, d) = tiny();
    Model::new(&a, &d, seed).unwrap()
}

/// A synthetic 16×16 frame whose content moves one pixel right per frame.
fn frame(k: usize) -> FrameInputs {
    let (w, h) = (16usize, 16usize);
    let px = |f: &dyn Fn(usize, usize) -> [f32; 3]| -> Vec<[f32; 3]> {
        (0..w * h).map(|i| f(i % w, i / w)).collect()
    };
    FrameInputs {
        width: w,
        height: h,
        preview: px(&|x, y| {
            let x = (x + 16 - k % 16) % 16;
            [x as f32 / 16.0, y as f32 / 16.0, 0.3]
        }),
        disparity: (0..w * h).map(|i| 0.1 + (i % w) as f32 * 0.01).collect(),
        normal: px(&|_, _| [0.0, 1.0, 0.0]),
        albedo: px(&|x, _| [0.5, 0.2, x as f32 / 32.0]),
        segmentation: (0..w * h)
            .map(|i| u32::from((i % w + 16 - k % 16) % 16 > 8))
            .collect(),
        flow_bwd: vec![[-1.0, 0.0]; w * h],
        disoccluded: (0..w * h).map(|i| k == 0 || i % w == 0).collect(),
    }
}

fn scene_frames() -> SceneFrames {
    let inputs: Vec<FrameInputs> = (0..3).map(frame).collect();
    // The "reference": brighter, warmer, with a soft shadow band.
    let reference = inputs
        .iter()
        .map(|f| {
            f.preview
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let shade = if (i / 16) > 10 { 0.5 } else { 1.0 };
                    [
                        p[0] * 1.6 * shade + 0.1,
                        p[1] * 1.2 * shade,
                        p[2] * 0.8 * shade,
                    ]
                })
                .collect()
        })
        .collect();
    SceneFrames {
        inputs,
        reference,
        style: 1,
        objects: vec![1],
    }
}

#[test]
fn networks_have_the_documented_shapes() {
    let m = tiny_model(1);
    let x = Tensor::zeros((2, 3, 16, 16), DType::F32, &Device::Cpu).unwrap();
    let z = m.autoencoder.encode(&x).unwrap();
    assert_eq!(z.dims(), &[2, 4, 4, 4]);
    let cond = Tensor::zeros((2, COND_CHANNELS, 16, 16), DType::F32, &Device::Cpu).unwrap();
    assert_eq!(
        m.autoencoder.decode(&z, Some(&cond)).unwrap().dims(),
        &[2, 3, 16, 16]
    );
    // The guided decoder refuses to run without its guide.
    assert!(m.autoencoder.decode(&z, None).is_err());
    let c = m.denoiser.encode_cond(&cond).unwrap();
    assert_eq!(c.dims(), &[2, 8, 4, 4]);
    let t = Tensor::new(&[0.5f32, 1.0], &Device::Cpu).unwrap();
    let s = Tensor::new(&[0u32, 2], &Device::Cpu).unwrap();
    assert_eq!(
        m.denoiser.forward(&z, &t, &s, &c).unwrap().dims(),
        &[2, 4, 4, 4]
    );
    // Sides the latent grid cannot divide are refused with a message, not a panic.
    let odd = Tensor::zeros((1, 3, 10, 16), DType::F32, &Device::Cpu).unwrap();
    assert!(
        m.autoencoder
            .encode(&odd)
            .unwrap_err()
            .to_string()
            .contains("divisible")
    );
}

#[test]
fn key_paths_round_trip_through_safetensors() {
    let a = tiny_model(1);
    let bytes = weights_bytes(&a.unet_vars).unwrap();
    let names: Vec<String> = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
        .unwrap()
        .into_iter()
        .map(|(k, t)| format!("{k}{:?}", t.dims()))
        .collect();
    for expected in [
        "cond.conv_in.weight[8, 18, 3, 3]",
        "cond.down.0.weight[8, 8, 3, 3]",
        "time.0.weight[8, 8]",
        "style.weight[3, 8]",
        "conv_in.weight[8, 12, 3, 3]",
        "mid.norm1.weight[16]",
        "dec.skip.weight[8, 16, 1, 1]",
        "conv_out.weight[4, 8, 3, 3]",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    let ae_names: Vec<String> =
        candle_core::safetensors::load_buffer(&weights_bytes(&a.ae_vars).unwrap(), &Device::Cpu)
            .unwrap()
            .into_keys()
            .collect();
    assert!(ae_names.iter().any(|n| n == "encoder.down.1.weight"));
    assert!(ae_names.iter().any(|n| n == "decoder.up.0.bias"));
    assert!(ae_names.iter().any(|n| n == "decoder.guide.weight"));

    // Another seed gives other weights; loading the file makes the networks equal.
    let b = tiny_model(2);
    let x = Tensor::from_vec(gaussian(3, "x", 3 * 16 * 16), (1, 3, 16, 16), &Device::Cpu).unwrap();
    let out = |m: &Model| -> Vec<f32> {
        m.autoencoder
            .encode(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    assert_ne!(out(&a), out(&b));
    load_weights_bytes(
        &b.ae_vars,
        &weights_bytes(&a.ae_vars).unwrap(),
        "a.safetensors",
    )
    .unwrap();
    load_weights_bytes(&b.unet_vars, &bytes, "a.safetensors").unwrap();
    assert_eq!(out(&a), out(&b));
    // Bytes are a function of the weights: serializing twice gives the same file.
    assert_eq!(bytes, weights_bytes(&b.unet_vars).unwrap());
}

#[test]
fn missing_or_misshapen_tensors_are_named_with_their_expected_shape() {
    let a = tiny_model(1);
    let all =
        candle_core::safetensors::load_buffer(&weights_bytes(&a.unet_vars).unwrap(), &Device::Cpu)
            .unwrap();
    let without: Vec<(String, Tensor)> = all
        .iter()
        .filter(|(k, _)| k.as_str() != "mid.conv1.weight")
        .map(|(k, t)| (k.clone(), t.clone()))
        .collect();
    let bytes = safetensors::serialize(without.iter().map(|(k, t)| (k.as_str(), t)), None).unwrap();
    let err = load_weights_bytes(&a.unet_vars, &bytes, "d.safetensors").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("d.safetensors")
            && msg.contains("\"mid.conv1.weight\"")
            && msg.contains("[16, 16, 3, 3]"),
        "{msg}"
    );

    let mut wrong: Vec<(String, Tensor)> =
        all.iter().map(|(k, t)| (k.clone(), t.clone())).collect();
    for (k, t) in &mut wrong {
        if k == "style.weight" {
            *t = Tensor::zeros((5, 8), DType::F32, &Device::Cpu).unwrap();
        }
    }
    let bytes = safetensors::serialize(wrong.iter().map(|(k, t)| (k.as_str(), t)), None).unwrap();
    let msg = load_weights_bytes(&a.unet_vars, &bytes, "d.safetensors")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("\"style.weight\"")
            && msg.contains("[5, 8]")
            && msg.contains("expected [3, 8]"),
        "{msg}"
    );

    let msg = load_weights_bytes(&a.unet_vars, b"not a file", "x.safetensors")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("x.safetensors") && msg.contains("not a safetensors"),
        "{msg}"
    );
}

#[test]
fn the_sampler_is_deterministic_for_a_seed() {
    let m = tiny_model(4);
    // A decoder whose last layer is not zero, so the noise shows in the output.
    let w = m.ae_vars.data().lock().unwrap()["decoder.conv_out.weight"].clone();
    let values = gaussian(1, "w", w.elem_count())
        .iter()
        .map(|v| v * 0.1)
        .collect::<Vec<_>>();
    w.set(&Tensor::from_vec(values, w.dims(), &Device::Cpu).unwrap())
        .unwrap();
    let run = |seed: u64| -> Vec<Vec<[f32; 3]>> {
        let mut f = Finisher::new(&m, 3, seed, 2).unwrap();
        (0..3).map(|k| f.finish(&frame(k)).unwrap()).collect()
    };
    let a = run(9);
    assert_eq!(a, run(9));
    assert_ne!(a, run(10));
    assert_eq!(a[0].len(), 256);
    assert!(
        a.iter()
            .flatten()
            .flatten()
            .all(|v| v.is_finite() && *v >= 0.0)
    );
    // Out-of-range options are errors.
    assert!(Finisher::new(&m, 0, 1, 0).is_err());
    assert!(Finisher::new(&m, 9, 1, 0).is_err());
    // Index n_styles (3 here) is "no style": the mean embedding, its own picture.
    assert!(
        Finisher::new(&m, 2, 1, 4)
            .unwrap_err()
            .to_string()
            .contains("style index 4")
    );
    let mut none = Finisher::new(&m, 2, 1, 3).unwrap();
    let mut styled = Finisher::new(&m, 2, 1, 0).unwrap();
    assert_ne!(
        none.finish(&frame(0)).unwrap(),
        styled.finish(&frame(0)).unwrap()
    );
}

#[test]
fn an_untrained_model_finishes_a_frame_as_its_preview() {
    // The decoder's last layer starts at zero: the residual is 0 whatever the latent.
    let m = tiny_model(4);
    let mut f = Finisher::new(&m, 2, 1, 0).unwrap();
    let inp = frame(0);
    let out = f.finish(&inp).unwrap();
    for (a, b) in out.iter().zip(&inp.preview) {
        for c in 0..3 {
            assert!((a[c] - b[c]).abs() < 1e-5, "{a:?} vs {b:?}");
        }
    }
}

#[test]
fn warped_noise_is_a_pure_shift_for_a_constant_flow() {
    let (w, h) = (12, 10);
    let prev = NoiseField::fresh(1, "prev", 2, w, h);
    let flow = vec![[2.0f32, -1.0]; w * h];
    let mask = vec![false; w * h];
    let next = prev.warp(&flow, &mask, 1, "next").unwrap();
    for c in 0..2 {
        for y in 0..h {
            for x in 0..w {
                let v = next.data[c * w * h + y * w + x];
                let (sx, sy) = (x as i64 + 2, y as i64 - 1);
                if sx < w as i64 && sy >= 0 {
                    assert_eq!(v, prev.data[c * w * h + sy as usize * w + sx as usize]);
                } else {
                    // Entering the frame: fresh noise, not a copy of anything nearby.
                    assert!(!prev.data.contains(&v));
                }
            }
        }
    }
    // A disoccluded cell gets fresh noise even when its flow has a source.
    let mut mask = vec![false; w * h];
    mask[5 * w + 3] = true;
    let next = prev.warp(&vec![[0.0; 2]; w * h], &mask, 1, "n").unwrap();
    assert_ne!(next.data[5 * w + 3], prev.data[5 * w + 3]);
    assert_eq!(next.data[5 * w + 4], prev.data[5 * w + 4]);
    // Mismatched sizes are an error.
    assert!(prev.warp(&flow[1..], &vec![false; w * h], 1, "n").is_err());
}

#[test]
fn warped_noise_stays_unit_gaussian_where_samples_split() {
    // A zoom in by 2 about the center: each source sample feeds about four targets.
    let (w, h) = (96, 96);
    let prev = NoiseField::fresh(2, "prev", 2, w, h);
    let flow: Vec<[f32; 2]> = (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as f32 - 48.0, (i / w) as f32 - 48.0);
            [-0.5 * x, -0.5 * y]
        })
        .collect();
    let next = prev.warp(&flow, &vec![false; w * h], 2, "next").unwrap();
    let n = next.data.len() as f64;
    let mean = next.data.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = next
        .data
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    assert!(mean.abs() < 0.03, "mean {mean}");
    assert!((var - 1.0).abs() < 0.05, "variance {var}");
    // Neighbours that share a source are uncorrelated after re-Gaussianization, where a
    // plain nearest-neighbour copy would make them equal.
    let plane = &next.data[..w * h];
    let corr = (0..h)
        .flat_map(|y| (0..w - 1).map(move |x| (y, x)))
        .map(|(y, x)| f64::from(plane[y * w + x]) * f64::from(plane[y * w + x + 1]))
        .sum::<f64>()
        / (h * (w - 1)) as f64;
    assert!(corr.abs() < 0.05, "neighbour correlation {corr}");
    // Yet the warped field follows the old one: each value keeps 1/sqrt(k) of its source
    // sample (k = 4 here), a correlation of about 0.5 where a copy would give 1.
    let copy_corr = (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as f32, (i / w) as f32);
            let src = (y + flow[i][1]).round() as usize * w + (x + flow[i][0]).round() as usize;
            f64::from(plane[i]) * f64::from(prev.data[src])
        })
        .sum::<f64>()
        / (w * h) as f64;
    assert!(
        (0.4..0.65).contains(&copy_corr),
        "warped noise lost its source: {copy_corr}"
    );
}

#[test]
fn gaussian_samples_are_standard_normal() {
    let g = gaussian(5, "g", 20_000);
    let mean = g.iter().map(|&v| f64::from(v)).sum::<f64>() / g.len() as f64;
    let var = g
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / g.len() as f64;
    assert!(
        mean.abs() < 0.03 && (var - 1.0).abs() < 0.04,
        "{mean} {var}"
    );
    assert_eq!(g, gaussian(5, "g", 20_000));
}

#[test]
fn training_pairs_carry_the_exact_flow_between_their_frames() {
    let cfg = tiny_config(3, 1e-3, 6);
    let scenes = vec![scene_frames()];
    for crop in [0, 8] {
        let b = make_batch(
            &scenes,
            cfg.batch,
            Some(cfg.latent()),
            3,
            1,
            crop,
            &Device::Cpu,
        )
        .unwrap();
        let (n, _, h, w) = b.cond.dims4().unwrap();
        assert_eq!(
            (n, h, w),
            (
                6,
                if crop == 0 { 16 } else { 8 },
                if crop == 0 { 16 } else { 8 }
            )
        );
        // The preview (channels 0..3) of each later frame, gathered from the earlier
        // frame along warp_index, is the later preview wherever the mask says so.
        let prev = b
            .cond
            .narrow(1, 0, 3)
            .unwrap()
            .reshape((6, 3, h * w))
            .unwrap();
        let early = prev.narrow(0, 0, 3).unwrap().contiguous().unwrap();
        let late: Vec<f32> = prev
            .narrow(0, 3, 3)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let gathered: Vec<f32> = early
            .gather(&b.warp_index, 2)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let mask: Vec<f32> = b.warp_mask.flatten_all().unwrap().to_vec1().unwrap();
        let valid = mask.iter().filter(|&&m| m > 0.5).count();
        // Content moves one pixel right: only the left column (and, in a crop, nothing
        // else) lacks a source.
        assert!(valid >= 3 * (h * w - h), "{valid} of {}", 3 * h * w);
        for p in 0..3 {
            for c in 0..3 {
                for i in 0..h * w {
                    if mask[p * h * w + i] > 0.5 {
                        let (x, y) = (
                            late[(p * 3 + c) * h * w + i],
                            gathered[(p * 3 + c) * h * w + i],
                        );
                        assert_eq!(x, y, "pair {p} channel {c} pixel {i}");
                    }
                }
            }
        }
        // Both frames of a pair share their time.
        let t: Vec<f32> = b.t.to_vec1().unwrap();
        assert_eq!(t[..3], t[3..]);
    }
}

#[test]
fn a_few_training_steps_lower_the_loss() {
    let m = tiny_model(7);
    let cfg = tiny_config(7, 1e-2, 4);
    let scenes = vec![scene_frames()];
    let make = || {
        make_batch(
            &scenes,
            cfg.batch,
            Some(cfg.latent()),
            7,
            0,
            0,
            &Device::Cpu,
        )
    };
    let batch = make().unwrap();
    // Batches are a function of (seed, step).
    let again = make().unwrap();
    let noise = |b: &train::Batch| -> Vec<f32> {
        let n = b.noise.as_ref().unwrap();
        n.flatten_all().unwrap().to_vec1().unwrap()
    };
    assert_eq!(noise(&batch), noise(&again));
    let total = |m: &Model| -> f32 {
        losses(m, &batch)
            .unwrap()
            .total()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
    };
    let before = total(&m);
    let mut vars = m.ae_vars.all_vars();
    vars.extend(m.unet_vars.all_vars());
    let mut opt = AdamW::new(
        vars,
        ParamsAdamW {
            lr: 1e-2,
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..25 {
        let l = losses(&m, &batch).unwrap();
        opt.backward_step(&l.total().unwrap()).unwrap();
    }
    let after = total(&m);
    assert!(after < 0.7 * before, "loss {before} -> {after}");
}

#[test]
fn metrics_behave() {
    let f = frame(1);
    let img = metrics::display(&f.preview);
    assert_eq!(metrics::psnr(&img, &img), 100.0);
    assert!((metrics::ssim(&img, &img, 16, 16) - 1.0).abs() < 1e-9);
    let darker: Vec<[f32; 3]> = img.iter().map(|p| p.map(|v| v * 0.5)).collect();
    assert!(metrics::psnr(&img, &darker) < 20.0);
    assert!(metrics::ssim(&img, &darker, 16, 16) < 0.99);
    // Frame 1 is frame 0 moved one pixel right, as its flow says: no warping error;
    // the unmoved frame 0 has one.
    let f0 = frame(0);
    let we = |a: &[[f32; 3]]| {
        metrics::warping_error(a, &f.preview, &f.flow_bwd, &f.disoccluded, 16, 16).unwrap()
    };
    assert!(we(&f0.preview) < 1e-12);
    assert!(we(&f.preview) > 1e-3);
}

/// Mottling sees grain on a flat object and nothing else: against a flat reference, an
/// image off by a smooth ramp scores ~0, one with a ±0.02 checker on the object scores
/// 0.02 (the checker's high-frequency amplitude, less the 1/9 of it the box mean keeps),
/// and a difference only on the two columns along an albedo edge scores 0 (the pixels
/// whose neighbourhood crosses the edge are left out).
#[test]
fn mottling_measures_grain_on_flat_objects_only() {
    let (w, h) = (32usize, 32usize);
    let n = w * h;
    // One object filling the frame: albedo 0.5 left of x = 16, 0.2 right of it.
    let albedo: Vec<[f32; 3]> = (0..n)
        .map(|i| if i % w < 16 { [0.5; 3] } else { [0.2; 3] })
        .collect();
    let seg = vec![7u32; n];
    let reference = vec![[0.5f32; 3]; n];
    let ramp: Vec<[f32; 3]> = (0..n).map(|i| [0.5 + 0.002 * (i % w) as f32; 3]).collect();
    let checker: Vec<[f32; 3]> = (0..n)
        .map(|i| {
            let s = if (i % w + i / w) % 2 == 0 {
                0.02
            } else {
                -0.02
            };
            [0.5 + s; 3]
        })
        .collect();
    let edge: Vec<[f32; 3]> = (0..n)
        .map(|i| {
            if (15..17).contains(&(i % w)) {
                [0.9; 3]
            } else {
                [0.5; 3]
            }
        })
        .collect();
    let m = |img: &[[f32; 3]]| metrics::mottling(img, &reference, &albedo, &seg, w, h).unwrap();
    let (smooth, grain, along_edge) = (m(&ramp), m(&checker), m(&edge));
    println!("mottling: ramp {smooth:.2e}, checker {grain:.4}, albedo edge {along_edge:.2e}");
    assert!(smooth < 1e-6, "{smooth}");
    assert!((grain - 0.02 * 8.0 / 9.0).abs() < 1e-3, "{grain}");
    assert!(along_edge < 1e-6, "{along_edge}");
    assert!(metrics::mottling(&ramp, &reference, &albedo, &vec![0; n], w, h).is_none());
}

#[test]
fn disocclusion_marks_pixels_without_a_source() {
    let (w, h) = (4, 1);
    let seg = [1, 1, 2, 2];
    let prev = [1, 2, 2, 0];
    let flow = [[0.0, 0.0], [1.0, 0.0], [f32::NAN, 0.0], [5.0, 0.0]];
    // Pixel 0: same object; 1: lands on object 2; 2: unknown flow; 3: leaves the frame.
    assert_eq!(
        disocclusion(&flow, &seg, &prev, w, h),
        vec![false, true, true, true]
    );
}

#[test]
fn bundled_style_order_is_the_shipped_models_style_table() {
    // The shipped model's style embedding index is the position in the bundled styles:
    // reordering them would give every finished frame another look's embedding. Looks
    // added after the model was trained come after its table and get the "no style"
    // embedding.
    let names: Vec<String> = crate::style::bundled()
        .unwrap()
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    assert_eq!(names[..BUNDLED_MODEL_STYLES.len()], BUNDLED_MODEL_STYLES);
    let model = bundled_model().unwrap();
    let n = BUNDLED_MODEL_STYLES.len();
    assert_eq!(model.net.config().n_styles, n);
    for (i, name) in BUNDLED_MODEL_STYLES.iter().enumerate() {
        assert_eq!(model.style_index(Some(name)), i as u32, "{name}");
    }
    assert_eq!(model.style_index(None), n as u32);
    for newer in &names[n..] {
        assert_eq!(model.style_index(Some(newer)), n as u32, "{newer}");
    }
}

#[test]
fn neural_errors_are_bad_input_by_variant() {
    let write = NeuralError::Output(crate::files::FileError::Write {
        path: "x".into(),
        source: std::io::Error::other("disk full"),
    });
    assert!(!write.is_bad_input());
    assert!(!NeuralError::Internal("lock".into()).is_bad_input());
    assert!(NeuralError::Data("--steps".into()).is_bad_input());
    assert!(NeuralError::NotAModel { path: "m".into() }.is_bad_input());
}

fn tiny_shading_with(seed: u64, upsample: shading::HeadUpsample) -> shading::ShadingModel {
    let cfg = shading::ShadingConfig {
        cond_channels: COND_CHANNELS,
        factor: 2,
        width: 8,
        head: 4,
        n_styles: 3,
        upsample,
    };
    shading::ShadingModel::new_on(&cfg, seed, &Device::Cpu).unwrap()
}

fn tiny_shading(seed: u64) -> shading::ShadingModel {
    tiny_shading_with(seed, shading::HeadUpsample::Bilinear)
}

#[test]
fn bilinear_upsampling_matches_candles_and_has_a_gradient() {
    let x = Tensor::arange(0f32, 120.0, &Device::Cpu)
        .unwrap()
        .sin()
        .unwrap()
        .reshape((2, 3, 4, 5))
        .unwrap();
    for f in [2, 4] {
        let ours = shading::upsample_bilinear(&x, f).unwrap();
        let theirs = x.upsample_bilinear2d(4 * f, 5 * f, false).unwrap();
        let diff = (ours - theirs)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(diff < 1e-5, "factor {f}: {diff}");
    }
    // A constant stays that constant.
    let c = Tensor::full(0.25f32, (1, 2, 3, 3), &Device::Cpu).unwrap();
    let up = shading::upsample_bilinear(&c, 4).unwrap();
    assert_eq!(up.dims(), [1, 2, 12, 12]);
    for v in up.flatten_all().unwrap().to_vec1::<f32>().unwrap() {
        assert!((v - 0.25).abs() < 1e-6);
    }
    // It trains: every output is a convex blend of inputs, so the gradient of the sum
    // spreads exactly one unit per output over the inputs.
    let v = candle_core::Var::from_tensor(&x).unwrap();
    let total = shading::upsample_bilinear(&v, 2)
        .unwrap()
        .sum_all()
        .unwrap();
    let grads = total.backward().unwrap();
    let g = grads.get(&v).expect("a gradient for the input");
    let spread = g.sum_all().unwrap().to_scalar::<f32>().unwrap();
    assert!((spread - (2 * 3 * 8 * 10) as f32).abs() < 1e-2, "{spread}");
}

#[test]
fn a_warm_start_converts_an_unfolding_head_and_refuses_other_shapes() {
    let old = tiny_shading_with(4, shading::HeadUpsample::Unfold);
    let new = tiny_shading(9);
    assert_eq!(new.warm_start_from(&old).unwrap(), 2);
    let var = |m: &shading::ShadingModel, name: &str| {
        m.vars.data().lock().unwrap()[name]
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
    };
    assert_eq!(var(&new, "stem.conv.weight"), var(&old, "stem.conv.weight"));
    assert_eq!(var(&new, "head.out.weight"), var(&old, "head.out.weight"));
    // Feature c of the new head is the mean of its factor² = 4 unfolded copies.
    let (a, b) = (var(&old, "head.unfold.bias"), var(&new, "head.unfold.bias"));
    assert_eq!((a.len(), b.len()), (16, 4));
    for c in 0..4 {
        let mean = a[4 * c..4 * c + 4].iter().sum::<f32>() / 4.0;
        assert!((b[c] - mean).abs() < 1e-6);
    }
    let (a, b) = (
        var(&old, "head.unfold.weight"),
        var(&new, "head.unfold.weight"),
    );
    assert_eq!((a.len(), b.len()), (16 * 8, 4 * 8));
    let mean = (0..4).map(|k| a[k * 8 + 3]).sum::<f32>() / 4.0;
    assert!((b[3] - mean).abs() < 1e-6);
    // Another width is refused, naming what does not fit.
    let cfg = shading::ShadingConfig {
        width: 16,
        ..*new.net.config()
    };
    let wide = shading::ShadingModel::new_on(&cfg, 1, &Device::Cpu).unwrap();
    let e = wide.warm_start_from(&old).unwrap_err().to_string();
    assert!(e.contains("warm start") && e.contains("[16"), "{e}");
}

#[test]
fn space_to_depth_folds_each_block_into_channels_and_back() {
    let x = Tensor::arange(0f32, 2.0 * 3.0 * 4.0 * 8.0, &Device::Cpu)
        .unwrap()
        .reshape((2, 3, 4, 8))
        .unwrap();
    let y = shading::space_to_depth(&x, 2).unwrap();
    assert_eq!(y.dims(), [2, 12, 2, 4]);
    let xs: Vec<f32> = x.flatten_all().unwrap().to_vec1().unwrap();
    let ys: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
    // Channel c·4 + dy·2 + dx at (i, j) is input channel c at (2i + dy, 2j + dx).
    for b in 0..2 {
        for c in 0..3 {
            for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                for (i, j) in [(0, 0), (1, 3), (1, 2)] {
                    let yc = c * 4 + dy * 2 + dx;
                    let got = ys[((b * 12 + yc) * 2 + i) * 4 + j];
                    let want = xs[((b * 3 + c) * 4 + 2 * i + dy) * 8 + 2 * j + dx];
                    assert_eq!(got, want, "b {b} c {c} d ({dy},{dx}) at ({i},{j})");
                }
            }
        }
    }
    let back = shading::depth_to_space(&y, 2).unwrap();
    assert_eq!(back.flatten_all().unwrap().to_vec1::<f32>().unwrap(), xs);
}

#[test]
fn an_untrained_shading_network_finishes_a_frame_as_its_preview() {
    for upsample in [
        shading::HeadUpsample::Bilinear,
        shading::HeadUpsample::Unfold,
    ] {
        untrained_shading_finishes_as_preview(upsample);
    }
}

fn untrained_shading_finishes_as_preview(upsample: shading::HeadUpsample) {
    let m = tiny_shading_with(3, upsample);
    let mut fin = shading::ShadingFinisher::new(&m, 1).unwrap();
    let f = frame(0);
    let out = fin.finish(&f).unwrap();
    assert_eq!(out.len(), f.preview.len());
    for (o, p) in out.iter().zip(&f.preview) {
        for c in 0..3 {
            assert!((o[c] - p[c]).abs() < 1e-5, "{o:?} vs {p:?}");
        }
    }
    // A size the network cannot divide is padded and cropped back.
    let mut odd = frame(1);
    let (w, h) = (13, 7);
    let keep =
        |v: &[[f32; 3]]| -> Vec<[f32; 3]> { (0..w * h).map(|i| v[(i / w) * 16 + i % w]).collect() };
    odd.preview = keep(&odd.preview);
    odd.normal = keep(&odd.normal);
    odd.albedo = keep(&odd.albedo);
    odd.disparity = (0..w * h)
        .map(|i| odd.disparity[(i / w) * 16 + i % w])
        .collect();
    odd.segmentation = (0..w * h)
        .map(|i| odd.segmentation[(i / w) * 16 + i % w])
        .collect();
    odd.flow_bwd = vec![[-1.0, 0.0]; w * h];
    odd.disoccluded = vec![true; w * h];
    odd.width = w;
    odd.height = h;
    fin.start_shot(0);
    assert_eq!(fin.finish(&odd).unwrap().len(), w * h);
    // A style index the network lacks is refused.
    assert!(shading::ShadingFinisher::new(&m, 4).is_err());
    assert!(shading::ShadingFinisher::new(&m, 3).is_ok());
}

#[test]
fn the_object_weight_moves_the_pixel_loss_toward_the_objects() {
    let m = tiny_shading(3);
    let scenes = vec![scene_frames()];
    let batch = make_batch(&scenes, 4, None, 5, 0, 0, &Device::Cpu).unwrap();
    // The batch marks exactly the scene's object (id 1) in every frame it holds.
    let objects = batch
        .objects
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let n = frame(0).width * frame(0).height;
    assert_eq!(objects.len(), 4 * n);
    let ids: Vec<u32> = (0..3).flat_map(|k| frame(k).segmentation).collect();
    for (i, &o) in objects.iter().enumerate() {
        let id = i % n;
        assert!(o == 0.0 || o == 1.0);
        // Every pixel's flag matches some frame's segmentation at that pixel.
        assert!((0..3).any(|k| f32::from(u8::from(ids[k * n + id] == 1)) == o));
    }
    let pixel = |w: f32| -> f32 {
        let [p, _] = train::shading_losses(&m, &batch, w, train::ROBUST_SCALE).unwrap();
        p.to_scalar::<f32>().unwrap()
    };
    // The untrained network returns the preview: its relative error, per pixel.
    let base = batch.cond.narrow(1, 0, 3).unwrap();
    let f = (base.exp().unwrap() - 1.0).unwrap();
    let y = ((&base + &batch.residual).unwrap().exp().unwrap() - 1.0).unwrap();
    let e = ((&f - &y).unwrap().sqr().unwrap() / (f + 0.01).unwrap().sqr().unwrap())
        .unwrap()
        .affine(1.0 / train::ROBUST_SCALE, 1.0)
        .unwrap()
        .log()
        .unwrap()
        .affine(train::ROBUST_SCALE, 0.0)
        .unwrap()
        .mean_keepdim(1)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let mean_where = |flag: f32| {
        let v: Vec<f32> = e
            .iter()
            .zip(&objects)
            .filter(|(_, o)| **o == flag)
            .map(|(e, _)| *e)
            .collect();
        v.iter().sum::<f32>() / v.len() as f32
    };
    let (on, off) = (mean_where(1.0), mean_where(0.0));
    assert!((on - off).abs() > 0.05 * off, "objects {on}, rest {off}");
    let plain = pixel(1.0);
    assert!((plain - e.iter().sum::<f32>() / e.len() as f32).abs() < 1e-4 * plain);
    // Weighting the objects moves the loss from the plain mean toward their mean.
    let heavy = pixel(1e6);
    assert!((heavy - on).abs() < 1e-3 * on, "{heavy} vs {on}");
    let four = pixel(4.0);
    assert!((four - plain) * (on - plain) > 0.0 && (four - on).abs() < (plain - on).abs());
}

#[test]
fn shading_training_lowers_the_loss_and_finishing_is_deterministic() {
    let m = tiny_shading(7);
    let scenes = vec![scene_frames()];
    let batch = make_batch(&scenes, 4, None, 7, 0, 0, &Device::Cpu).unwrap();
    assert!(batch.noise.is_none());
    let total = |m: &shading::ShadingModel| -> f32 {
        let [p, t] = train::shading_losses(m, &batch, 1.0, train::ROBUST_SCALE).unwrap();
        (p + t).unwrap().to_scalar::<f32>().unwrap()
    };
    let before = total(&m);
    let mut opt = AdamW::new(
        m.vars.all_vars(),
        ParamsAdamW {
            lr: 1e-2,
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..30 {
        let [p, t] = train::shading_losses(&m, &batch, 1.0, train::ROBUST_SCALE).unwrap();
        opt.backward_step(&(p + t).unwrap()).unwrap();
    }
    let after = total(&m);
    assert!(after < 0.5 * before, "loss {before} -> {after}");
    // Finishing is a function of the buffers, the style and the history: the same clip
    // twice gives the same bits, and a shot started again from its first frame too.
    let clip = |fin: &mut shading::ShadingFinisher<&shading::ShadingModel>| {
        (0..3)
            .map(|k| fin.finish(&frame(k)).unwrap())
            .collect::<Vec<_>>()
    };
    let mut a = shading::ShadingFinisher::new(&m, 1).unwrap();
    let first = clip(&mut a);
    a.start_shot(0);
    assert_eq!(clip(&mut a), first);
    let mut b = shading::ShadingFinisher::new(&m, 1).unwrap();
    assert_eq!(clip(&mut b), first);
    // The trained network moves the frame toward the reference.
    let r = &scenes[0].reference[0];
    let err = |img: &[[f32; 3]]| metrics::mse(img, r);
    assert!(
        err(&first[0]) < err(&scenes[0].inputs[0].preview),
        "{} vs {}",
        err(&first[0]),
        err(&scenes[0].inputs[0].preview)
    );
}
