//! [`Draft`] -> formatted, commented RON text in the scene format (version 1). Numbers
//! are written with at most four decimals, always with a decimal point; the same draft
//! always gives the same bytes.

use std::fmt::Write;

use glam::Vec3;

use super::draft::{
    ActOut, BodyOut, CharOut, ClothOut, Draft, EntOut, FillOut, FluidOut, RepeatOut, ShapeOut,
    TargetOut,
};

/// A float with at most 4 decimals, trailing zeros trimmed, never `-0.0`.
pub fn num(x: f32) -> String {
    let x = if x.abs() < 5e-5 { 0.0 } else { x };
    let mut s = format!("{x:.4}");
    while s.ends_with('0') && !s.ends_with(".0") {
        s.pop();
    }
    s
}

fn v3(v: Vec3) -> String {
    format!("({}, {}, {})", num(v.x), num(v.y), num(v.z))
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment line safe to write (no newlines).
fn comment(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn shape(s: &ShapeOut) -> String {
    match *s {
        ShapeOut::Sphere(r) => format!("Sphere(radius: {})", num(r)),
        ShapeOut::Box(v) => format!("Box(size: {})", v3(v)),
        ShapeOut::Cylinder(r, h) => format!("Cylinder(radius: {}, height: {})", num(r), num(h)),
        ShapeOut::Cone(r, h) => format!("Cone(radius: {}, height: {})", num(r), num(h)),
        ShapeOut::Ground => "Ground".to_string(),
        ShapeOut::Empty => String::new(),
    }
}

fn target(t: &TargetOut) -> String {
    match t {
        TargetOut::Entity(n) => quote(n),
        TargetOut::Point(p) => v3(*p),
    }
}

fn entity(out: &mut String, e: &EntOut, indent: &str) {
    let _ = writeln!(out, "{indent}// {}", comment(&e.comment));
    let mut fields = vec![format!("name: {}", quote(&e.name))];
    if e.shape != ShapeOut::Empty {
        fields.push(format!("shape: {}", shape(&e.shape)));
    }
    fields.push(format!("material: {}", quote(&e.material)));
    if let Some(m) = e.mass {
        fields.push(format!("mass: {}", num(m)));
    }
    fields.push(format!("at: {}", v3(e.at)));
    if e.rotate_deg != Vec3::ZERO {
        fields.push(format!("rotate_deg: {}", v3(e.rotate_deg)));
    }
    match e.body {
        BodyOut::Fixed => fields.push("body: Fixed".into()),
        BodyOut::Dynamic {
            velocity,
            angular,
            ccd,
        } => {
            let mut parts = Vec::new();
            if velocity != Vec3::ZERO {
                parts.push(format!("velocity: {}", v3(velocity)));
            }
            if angular != Vec3::ZERO {
                parts.push(format!("angular_velocity: {}", v3(angular)));
            }
            if ccd {
                parts.push("ccd: true".into());
            }
            fields.push(format!("body: Dynamic({})", parts.join(", ")));
        }
        BodyOut::Part => {}
        BodyOut::Kinematic(keys) => {
            let keys: Vec<String> = keys
                .iter()
                .map(|(t, at)| format!("(t: {}, at: {})", num(*t), v3(*at)))
                .collect();
            fields.push(format!("body: Kinematic(keys: [{}])", keys.join(", ")));
        }
        BodyOut::Shaken(keys) => {
            let keys: Vec<String> = keys
                .iter()
                .map(|(t, at, turn)| {
                    if *turn == 0.0 {
                        format!("(t: {}, at: {})", num(*t), v3(*at))
                    } else {
                        format!(
                            "(t: {}, at: {}, rotate_deg: {})",
                            num(*t),
                            v3(*at),
                            v3(Vec3::new(0.0, 0.0, *turn))
                        )
                    }
                })
                .collect();
            fields.push(format!("body: Kinematic(keys: [{}])", keys.join(", ")));
        }
    }
    if let Some(r) = e.repeat {
        fields.push(match r {
            RepeatOut::Line(n, step) => format!("repeat: Line(count: {n}, step: {})", v3(step)),
            RepeatOut::Ring(n, radius) => {
                format!("repeat: Ring(count: {n}, radius: {})", num(radius))
            }
            RepeatOut::RingOut(n, radius) => {
                format!(
                    "repeat: Ring(count: {n}, radius: {}, face_out: true)",
                    num(radius)
                )
            }
            RepeatOut::Stack(n) => format!("repeat: Stack(count: {n})"),
        });
    }
    let _ = write!(out, "{indent}({}", fields.join(", "));
    if e.children.is_empty() {
        let _ = writeln!(out, "),");
    } else {
        let _ = writeln!(out, ",\n{indent} children: [");
        let inner = format!("{indent}    ");
        for c in &e.children {
            entity(out, c, &inner);
        }
        let _ = writeln!(out, "{indent} ]),");
    }
}

fn cloth(out: &mut String, c: &ClothOut) {
    let _ = writeln!(out, "        // {}", comment(&c.comment));
    let mut fields = vec![
        format!("name: {}", quote(&c.name)),
        format!("material: {}", quote(c.material)),
        format!("size: ({}, {})", num(c.size.0), num(c.size.1)),
        format!("resolution: ({}, {})", c.resolution.0, c.resolution.1),
        format!("at: {}", v3(c.at)),
    ];
    if c.rotate_deg != Vec3::ZERO {
        fields.push(format!("rotate_deg: {}", v3(c.rotate_deg)));
    }
    if !c.pin.is_empty() {
        fields.push(format!("pin: [{}]", c.pin.join(", ")));
    }
    if let Some(a) = &c.attach {
        fields.push(format!("attach: {}", quote(a)));
    }
    if let Some(color) = &c.color {
        fields.push(format!("color: {}", quote(color)));
    }
    let _ = writeln!(out, "        ({}),", fields.join(", "));
}

fn fluid(out: &mut String, f: &FluidOut) {
    let _ = writeln!(out, "        // {}", comment(&f.comment));
    let fill = match &f.fill {
        FillOut::Box(c, size) => format!("Box(center: {}, size: {})", v3(*c), v3(*size)),
        FillOut::Inside(entity, level) => {
            format!("Inside(entity: {}, level: {})", quote(entity), num(*level))
        }
        FillOut::Emitter {
            at,
            direction,
            radius,
            rate,
            from,
            until,
        } => format!(
            "Emitter(at: {}, direction: {}, radius: {}, rate_l_per_s: {}, from: {}, until: {})",
            v3(*at),
            v3(*direction),
            num(*radius),
            num(*rate),
            num(*from),
            num(*until)
        ),
    };
    let mut fields = vec![
        format!("name: {}", quote(&f.name)),
        format!("material: {}", quote(f.material)),
        format!("fill: {fill}"),
        format!("particle_radius: {}", num(f.particle_radius)),
    ];
    if f.velocity != Vec3::ZERO {
        fields.push(format!("velocity: {}", v3(f.velocity)));
    }
    if let Some(color) = &f.color {
        fields.push(format!("color: {}", quote(color)));
    }
    let _ = writeln!(out, "        ({}),", fields.join(", "));
}

fn character(out: &mut String, c: &CharOut) {
    let _ = writeln!(out, "        // {}", comment(&c.comment));
    let mut body = vec![format!("height: {}", num(c.height))];
    if c.build != 1.0 {
        body.push(format!("build: {}", num(c.build)));
    }
    for (field, hex) in &c.colors {
        body.push(format!("{field}: {}", quote(hex)));
    }
    let mut fields = vec![
        format!("name: {}", quote(&c.name)),
        format!("body: ({})", body.join(", ")),
        format!("at: {}", v3(c.at)),
    ];
    if c.path.is_empty() {
        fields.push(format!("facing_deg: {}", num(c.facing_deg)));
    } else {
        let points: Vec<String> = c.path.iter().map(|p| v3(*p)).collect();
        fields.push(format!("path: [{}]", points.join(", ")));
        if c.run {
            fields.push("gait: Run".into());
        }
        if c.start != 0.0 {
            fields.push(format!("start: {}", num(c.start)));
        }
    }
    if !c.actions.is_empty() {
        let actions: Vec<String> = c
            .actions
            .iter()
            .map(|(t, a)| {
                let a = match a {
                    ActOut::Push(target) => format!("Push({})", quote(target)),
                    ActOut::Kick(target) => format!("Kick({})", quote(target)),
                    ActOut::PickUp(target) => format!("PickUp({})", quote(target)),
                    ActOut::Throw(target) => format!("Throw({})", quote(target)),
                    ActOut::Sit(seat) => format!("Sit({})", quote(seat)),
                    ActOut::Jump => "Jump".into(),
                    ActOut::Wave => "Wave".into(),
                    ActOut::Fall => "Fall".into(),
                };
                format!("({}, {a})", num(*t))
            })
            .collect();
        fields.push(format!("actions: [{}]", actions.join(", ")));
    }
    let _ = writeln!(out, "        ({}),", fields.join(", "));
}

/// Writes the draft as a RON scene.
pub fn emit(d: &Draft) -> String {
    let mut o = String::new();
    for line in &d.header {
        let _ = writeln!(o, "// {}", comment(line));
    }
    let note = |field: &str| -> String {
        d.setting_notes
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, n)| format!("  // {}", comment(n)))
            .unwrap_or_default()
    };
    o.push_str("Scene(\n");
    let _ = writeln!(o, "    version: 1,");
    let _ = writeln!(o, "    name: {},", quote(&d.name));
    let _ = writeln!(o, "    seed: {},{}", d.seed, note("seed"));
    let _ = writeln!(o, "    duration: {},{}", num(d.duration), note("duration"));
    let _ = writeln!(o, "    fps: {},", d.fps);
    let _ = writeln!(o, "    physics_hz: {},{}", d.physics_hz, note("physics_hz"));
    let _ = writeln!(
        o,
        "    gravity: {},{}",
        v3(Vec3::new(0.0, -d.gravity, 0.0)),
        note("gravity")
    );
    let _ = writeln!(
        o,
        "    resolution: ({}, {}),{}",
        d.resolution.0,
        d.resolution.1,
        note("resolution")
    );
    o.push_str("    materials: {\n");
    for m in &d.materials {
        let _ = writeln!(o, "        // {}", comment(&m.comment));
        let _ = writeln!(
            o,
            "        {}: (color: {}, density: {}, friction: {}, restitution: {}, roughness: {}, metallic: {}{}),",
            quote(&m.name),
            quote(&m.color),
            num(m.density),
            num(m.friction),
            num(m.restitution),
            num(m.roughness),
            num(m.metallic),
            m.acoustic
                .map(|p| format!(", sound: (preset: {})", quote(p)))
                .unwrap_or_default()
        );
    }
    o.push_str("    },\n    entities: [\n");
    for e in &d.entities {
        entity(&mut o, e, "        ");
    }
    o.push_str("    ],\n");
    if !d.joints.is_empty() {
        o.push_str("    joints: [\n");
        for j in &d.joints {
            let _ = writeln!(o, "        // {}", comment(&j.comment));
            let kind = match (j.hinge_axis, j.limits_deg) {
                (Some(a), Some((lo, hi))) => {
                    format!(
                        "Hinge(axis: {}, limits_deg: ({}, {}))",
                        v3(a),
                        num(lo),
                        num(hi)
                    )
                }
                (Some(a), None) => format!("Hinge(axis: {})", v3(a)),
                (None, _) => "Distance()".to_string(),
            };
            let mut fields = vec![format!("name: {}", quote(&j.name)), format!("kind: {kind}")];
            if let Some(a) = &j.a {
                fields.push(format!("a: {}", quote(a)));
            }
            fields.push(format!("b: {}", quote(&j.b)));
            fields.push(format!("anchor: {}", v3(j.anchor)));
            if let Some(b) = j.anchor_b {
                fields.push(format!("anchor_b: {}", v3(b)));
            }
            let _ = writeln!(o, "        ({}),", fields.join(", "));
        }
        o.push_str("    ],\n");
    }
    if !d.events.is_empty() {
        o.push_str("    events: [\n");
        for e in &d.events {
            let _ = writeln!(o, "        // {}", comment(&e.comment));
            for (kind, v) in [("Impulse", e.impulse), ("AngularImpulse", e.angular)] {
                if v != Vec3::ZERO {
                    let _ = writeln!(
                        o,
                        "        (at: {}, target: {}, action: {kind}({})),",
                        num(e.at),
                        quote(&e.target),
                        v3(v)
                    );
                }
            }
        }
        o.push_str("    ],\n");
    }
    if !d.cloths.is_empty() {
        o.push_str("    cloths: [\n");
        for c in &d.cloths {
            cloth(&mut o, c);
        }
        o.push_str("    ],\n");
    }
    if let Some(w) = &d.wind {
        let _ = writeln!(o, "    // wind: {}", comment(&w.comment));
        let _ = writeln!(
            o,
            "    wind: (velocity: {}, gust: {}, gust_period: {}),",
            v3(w.velocity),
            num(w.gust),
            num(w.gust_period)
        );
    }
    if !d.fluids.is_empty() {
        o.push_str("    fluids: [\n");
        for f in &d.fluids {
            fluid(&mut o, f);
        }
        o.push_str("    ],\n");
    }
    if !d.characters.is_empty() {
        o.push_str("    characters: [\n");
        for c in &d.characters {
            character(&mut o, c);
        }
        o.push_str("    ],\n");
    }
    let c = &d.camera;
    let _ = writeln!(o, "    // camera: {}", comment(&c.comment));
    match c.keys.as_slice() {
        [(_, at, look)] => {
            let _ = writeln!(
                o,
                "    camera: (fov_deg: {}, at: {}, look_at: {}),",
                num(c.fov_deg),
                v3(*at),
                target(look)
            );
        }
        keys => {
            let _ = writeln!(o, "    camera: (fov_deg: {}, keys: [", num(c.fov_deg));
            for (t, at, look) in keys {
                let _ = writeln!(
                    o,
                    "        (t: {}, at: {}, look_at: {}),",
                    num(*t),
                    v3(*at),
                    target(look)
                );
            }
            o.push_str("    ]),\n");
        }
    }
    let _ = writeln!(o, "    // lights: {}", comment(&d.rig_note));
    let _ = writeln!(o, "    lights: [Rig({})],", quote(&d.rig));
    if let Some(s) = &d.sound {
        let _ = writeln!(o, "    // sound: {}", comment(&s.comment));
        let _ = writeln!(o, "    sound: (gain_db: {}),", num(s.gain_db));
    }
    if let Some(s) = &d.style {
        let _ = writeln!(o, "    // style: {}", comment(&d.style_note));
        let _ = writeln!(o, "    style: {},", quote(s));
    }
    o.push_str(")\n");
    o
}
