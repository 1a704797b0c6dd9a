use super::*;
use crate::physics::simulate_with_sound;
use crate::progress::Silent;

fn scene(text: &str) -> Scene {
    crate::scene::parse_str(text, "test", ".".as_ref()).expect("valid scene")
}

/// A scene with a silent concrete ground, a dry room and a fixed listener 3 m in front
/// of the origin at 0.5 m height; `bodies` are entity lines.
fn drop_scene(duration: f32, materials: &str, bodies: &str) -> Scene {
    scene(&format!(
        r#"Scene(version: 1, name: "s", duration: {duration}, fps: 24, physics_hz: 480,
        materials: {{"ground": (density: 2400, sound: (preset: "concrete")), {materials}}},
        entities: [
            (name: "ground", shape: Ground, material: "ground", sound: (silent: true)),
            {bodies}
        ],
        sound: (room: Preset("dry"), normalize: false,
            listener: (at: (0, 0.5, 3), look_at: (0, 0.5, 0))))"#
    ))
}

fn track(s: &Scene) -> (Trajectory, AudioTrack) {
    let traj = simulate_with_sound(s, &Silent).unwrap();
    let plan = crate::camera::plan(s, &traj).unwrap();
    let t = synthesize(s, &traj, &plan.frames).unwrap();
    (traj, t)
}

fn mid(t: &AudioTrack) -> Vec<f32> {
    t.left
        .iter()
        .zip(&t.right)
        .map(|(l, r)| 0.5 * (l + r))
        .collect()
}

/// First sample whose magnitude reaches 1 % of the track's peak.
fn onset(x: &[f32]) -> usize {
    let peak = x.iter().fold(0.0f32, |p, v| p.max(v.abs()));
    x.iter()
        .position(|v| v.abs() >= 0.01 * peak)
        .expect("sound")
}

/// The strongest frequency in `x[from..from + len]` (Hann window, parabolic peak).
fn dominant_hz(x: &[f32], from: usize, len: usize) -> f32 {
    let n = len.next_power_of_two() * 2;
    let mut buf = vec![rustfft::num_complex::Complex::new(0.0f32, 0.0); n];
    for i in 0..len.min(x.len() - from) {
        let w = 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / len as f32).cos();
        buf[i].re = x[from + i] * w;
    }
    rustfft::FftPlanner::new()
        .plan_fft_forward(n)
        .process(&mut buf);
    let mags: Vec<f32> = buf[..n / 2].iter().map(|z| z.norm()).collect();
    let lo = (40.0 * n as f32 / RATE as f32) as usize;
    let k = (lo..n / 2 - 1)
        .max_by(|&a, &b| mags[a].total_cmp(&mags[b]))
        .unwrap();
    let (a, b, c) = (mags[k - 1].ln(), mags[k].ln(), mags[k + 1].ln());
    let shift = 0.5 * (a - c) / (a - 2.0 * b + c);
    (k as f32 + shift) * RATE as f32 / n as f32
}

#[test]
fn an_impact_sounds_within_a_millisecond_of_its_contact() {
    // Without gravity a ball coasts at exactly 2 m/s (the integrator is exact for
    // constant velocity), so its surface meets the wall's at exactly 0.8 m / 2 m/s:
    // t = 0.4 s, between physics steps (480 Hz: step 192 starts at 0.4 s; shift by a
    // third of a step so the touch falls inside one).
    let offset = 2.0 / 480.0 / 3.0;
    let s = scene(&format!(
        r#"Scene(version: 1, name: "s", duration: 0.6, fps: 24, physics_hz: 480,
        gravity: (0, 0, 0),
        materials: {{"wood": (density: 700, restitution: 0.3)}},
        entities: [
            (name: "wall", shape: Box(size: (0.2, 1, 1)), material: "wood", at: (0.5, 0, 0),
             body: Fixed, sound: (silent: true)),
            (name: "ball", shape: Sphere(radius: 0.1), material: "wood", at: ({}, 0, 0),
             body: Dynamic(velocity: (2, 0, 0))),
        ],
        sound: (room: Preset("dry"), normalize: false,
            listener: (at: (0, 0, 3), look_at: (0, 0, 0))))"#,
        -0.5 + offset
    ));
    let (traj, t) = track(&s);
    let touch: f64 = 0.8 / 2.0 - offset / 2.0;
    let heard = onset(&mid(&t)) as f64 / f64::from(RATE);
    assert!(
        (heard - touch).abs() <= 1e-3,
        "the surfaces touch at {touch:.5} s, heard at {heard:.5} s"
    );
    assert!(
        (t.strikes[0].time - touch).abs() <= 1e-3,
        "strike at {:.5} s, touch at {touch:.5} s",
        t.strikes[0].time
    );
    // The collision event is the same contact.
    let event = traj
        .collisions
        .first()
        .expect("the ball hits the wall")
        .time;
    assert!((event - touch).abs() < 2.0 / 480.0, "event at {event}");
}

#[test]
fn a_harder_impact_is_louder() {
    let mut peaks = Vec::new();
    for height in [0.05f32, 0.1, 0.2, 0.4, 0.8, 1.6] {
        let s = drop_scene(
            0.9,
            r#""wood": (density: 700)"#,
            &format!(
                r#"(name: "ball", shape: Sphere(radius: 0.03), material: "wood", at: (0, {}, 0))"#,
                height + 0.03
            ),
        );
        let (_, t) = track(&s);
        assert_eq!(
            t.stats.limiter_db, 0.0,
            "physical levels, no limiter: {:?}",
            t.stats
        );
        let x = mid(&t);
        let start = onset(&x);
        // The first impact's first 20 ms.
        let peak = x[start..start + 960]
            .iter()
            .fold(0.0f32, |p, v| p.max(v.abs()));
        peaks.push(peak);
    }
    assert!(
        peaks.windows(2).all(|w| w[1] > w[0]),
        "peaks by drop height: {peaks:?}"
    );
}

#[test]
fn a_glass_sphere_rings_at_lambs_frequency_and_twice_the_size_an_octave_lower() {
    let ring = |radius: f32| {
        let s = drop_scene(
            0.6,
            r#""glass": (density: 2500, sound: (preset: "glass"))"#,
            &format!(
                r#"(name: "ball", shape: Sphere(radius: {radius}), material: "glass", at: (0, {}, 0))"#,
                radius + 0.15
            ),
        );
        let (_, t) = track(&s);
        let x = mid(&t);
        let start = onset(&x);
        dominant_hz(&x, start + 48, 4800)
    };
    let (small, big) = (ring(0.15), ring(0.3));
    // Lamb (1882): the fundamental of a free sphere, ω a / c_s = 2.640 (tabulated for
    // ν = 0.25; glass's ν = 0.22 moves it by 0.2 %).
    let glass = crate::scene::sound::find_preset("glass").unwrap();
    let cs = (glass.young_modulus / (2.0 * (1.0 + glass.poisson) * 2500.0)).sqrt();
    let analytic = 2.640 * cs / (2.0 * std::f32::consts::PI * 0.15);
    assert!(
        (small / analytic - 1.0).abs() < 0.05,
        "heard {small:.0} Hz, Lamb's {analytic:.0} Hz"
    );
    assert!(
        (small / big / 2.0 - 1.0).abs() < 0.05,
        "r 0.15 m: {small:.0} Hz, r 0.3 m: {big:.0} Hz"
    );
}

#[test]
fn steel_rings_longer_than_wood_and_rubber_dies_first() {
    // The ring after the contact ends (the click of the contact itself is left out): its
    // Schroeder T30 until the track ends; 0 when nothing rings on.
    let ring_time = |preset: &str, density: f32| {
        let s = drop_scene(
            0.8,
            &format!(r#""m": (density: {density}, restitution: 0.0, sound: (preset: "{preset}"))"#),
            r#"(name: "ball", shape: Sphere(radius: 0.3), material: "m", at: (0, 0.4, 0))"#,
        );
        let (_, t) = track(&s);
        let first = t.strikes[0];
        let after = ((first.time + f64::from(first.contact_s) + 1e-3) * f64::from(RATE)) as usize;
        // Up to the next strike (a bounce), if any.
        let end = t
            .strikes
            .iter()
            .find(|st| st.time > first.time + f64::from(first.contact_s))
            .map_or(t.left.len(), |st| (st.time * f64::from(RATE)) as usize);
        let x = mid(&t);
        space::t30(&x[after.min(end)..end], RATE).unwrap_or(0.0)
    };
    let (steel, wood, rubber) = (
        ring_time("steel", 7850.0),
        ring_time("wood", 700.0),
        ring_time("rubber", 1100.0),
    );
    assert!(
        steel > 4.0 * wood && wood > rubber,
        "steel {steel} s, wood {wood} s, rubber {rubber} s"
    );
}

#[test]
fn a_source_on_the_right_is_louder_on_the_right() {
    let s = drop_scene(
        0.5,
        r#""wood": (density: 700)"#,
        r#"(name: "ball", shape: Sphere(radius: 0.1), material: "wood", at: (1.5, 0.4, 0))"#,
    );
    let (_, t) = track(&s);
    let rms = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!(
        rms(&t.right) > 2.0 * rms(&t.left),
        "{} vs {}",
        rms(&t.right),
        rms(&t.left)
    );
}

/// The lag (samples) by which the right channel trails the left in `from..from + len`
/// (negative: the right ear hears it first).
fn lag(t: &AudioTrack, from: usize, len: usize) -> i32 {
    (-40i32..=40)
        .max_by(|&a, &b| {
            let c = |lag: i32| {
                (from..from + len)
                    .map(|n| {
                        let m = (n as i32 + lag) as usize;
                        t.left[n] * t.right.get(m).copied().unwrap_or(0.0)
                    })
                    .sum::<f32>()
            };
            c(a).total_cmp(&c(b))
        })
        .unwrap()
}

#[test]
fn the_interaural_delay_changes_sign_as_a_source_crosses() {
    // A ball thrown from left to right in front of the listener, bouncing.
    let s = drop_scene(
        2.0,
        r#""wood": (density: 700, restitution: 1.0)"#,
        r#"(name: "ball", shape: Sphere(radius: 0.08), material: "wood", at: (-2.1, 0.6, 0),
            body: Dynamic(velocity: (4.0, 0, 0)))"#,
    );
    let (traj, t) = track(&s);
    let ground_hits: Vec<(f64, f32)> = t
        .strikes
        .iter()
        .map(|st| {
            let k = (st.time * 24.0) as usize;
            (st.time, traj.frames[k].poses[1].translation.x)
        })
        .collect();
    let left_hit = ground_hits
        .iter()
        .find(|h| h.1 < -0.7)
        .unwrap_or_else(|| panic!("a bounce on the left: {ground_hits:?}"));
    let right_hit = ground_hits
        .iter()
        .rev()
        .find(|h| h.1 > 0.7)
        .unwrap_or_else(|| panic!("a bounce on the right: {ground_hits:?}"));
    let at = |time: f64| (time * f64::from(RATE)) as usize;
    let (l, r) = (
        lag(&t, at(left_hit.0), 1200),
        lag(&t, at(right_hit.0), 1200),
    );
    // On the left the left ear hears first: the right trails (positive lag).
    assert!(l > 3 && r < -3, "lags: left bounce {l}, right bounce {r}");
}

#[test]
fn the_same_scene_gives_the_same_bits_and_a_still_scene_silence() {
    let s = drop_scene(
        1.0,
        r#""steel": (density: 7850, restitution: 0.5), "wood": (density: 700)"#,
        r#"(name: "a", shape: Sphere(radius: 0.1), material: "steel", at: (0, 0.5, 0)),
           (name: "b", shape: Box(size: (0.3, 0.1, 0.2)), material: "wood", at: (0.4, 0.3, 0),
            body: Dynamic(velocity: (-1, 0, 0)))"#,
    );
    let (_, a) = track(&s);
    let (_, b) = track(&s);
    assert!(a.stats.strikes >= 2, "{:?}", a.stats);
    assert!(a.stats.continuous > 0, "the box slides: {:?}", a.stats);
    let bits = |t: &AudioTrack| -> Vec<u32> {
        t.left.iter().chain(&t.right).map(|v| v.to_bits()).collect()
    };
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(
        encode::wav_bytes(&a).unwrap(),
        encode::wav_bytes(&b).unwrap()
    );
    // No contact at all: silence of the clip's length, not an error.
    let still = scene(
        r#"Scene(version: 1, name: "still", duration: 0.5,
        entities: [(name: "ball", shape: Sphere(radius: 0.1), at: (0, 3, 0))],
        sound: (room: Preset("hall")))"#,
    );
    let (_, quiet) = track(&still);
    assert_eq!(quiet.left.len(), 24_000);
    assert!(quiet.left.iter().chain(&quiet.right).all(|v| *v == 0.0));
}

#[test]
fn the_wav_round_trips() {
    let s = drop_scene(
        0.4,
        r#""wood": (density: 700)"#,
        r#"(name: "ball", shape: Sphere(radius: 0.1), material: "wood", at: (0, 0.3, 0))"#,
    );
    let (_, t) = track(&s);
    let (rate, l, r) = encode::read_wav(&encode::wav_bytes(&t).unwrap()).unwrap();
    assert_eq!(rate, RATE);
    assert_eq!(l, t.left);
    assert_eq!(r, t.right);
}

#[test]
fn the_voice_cap_culls_the_quietest_banks_deterministically() {
    let balls: Vec<String> = (0..8)
        .map(|i| {
            format!(
                r#"(name: "b{i}", shape: Sphere(radius: 0.05), material: "wood", at: ({}, {}, 0))"#,
                -1.4 + 0.4 * i as f32,
                0.3
            )
        })
        .collect();
    let text = |voices: u32| {
        format!(
            r#"Scene(version: 1, name: "many", duration: 1.0, physics_hz: 480,
            materials: {{"wood": (density: 700, sound: (preset: "wood"))}},
            entities: [(name: "ground", shape: Ground), {}],
            sound: (voices: {voices}, room: Preset("dry"), normalize: false))"#,
            balls.join(",")
        )
    };
    let (_, all) = track(&scene(&text(64)));
    let (_, two) = track(&scene(&text(2)));
    let (_, again) = track(&scene(&text(2)));
    assert_eq!(all.stats.culled, 0);
    assert!(all.stats.peak_voices > 2, "{:?}", all.stats);
    assert!(two.stats.culled > 0, "{:?}", two.stats);
    let energy = |t: &AudioTrack| t.left.iter().chain(&t.right).map(|v| v * v).sum::<f32>();
    assert!(energy(&two) < energy(&all), "the culled banks are missing");
    assert_eq!(two.left, again.left);
}

#[test]
fn a_clip_too_long_for_audio_is_refused() {
    let s = scene(
        r#"Scene(version: 1, name: "long", duration: 601, fps: 1, physics_hz: 1,
        entities: [(name: "ball", shape: Sphere(radius: 0.1))])"#,
    );
    let traj = crate::physics::simulate(&s, &Silent).unwrap();
    let e = synthesize(&s, &traj, &[]).unwrap_err();
    assert!(e.to_string().contains("--no-audio"), "{e}");
}
