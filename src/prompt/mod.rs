//! Prompt stage: one English sentence -> a valid, commented RON scene that does what the
//! sentence says. Offline and deterministic: the same prompt and seed always give the same
//! bytes; no network, no model weights.
//!
//! Input: `&str` (at most [`MAX_PROMPT_CHARS`] characters, asking for at most
//! [`MAX_OBJECTS`] objects; both refused up front, before any layout or simulation).
//! Output: [`Generated`], the RON text (which [`crate::scene::parse_str`] accepts; the
//! text written is the text validated) and its [`Explain`].
//!
//! The pipeline inside:
//! 1. [`parse`](parse::parse): tokenizer + small grammar -> [`Understanding`] (object
//!    groups with counts, materials, colors, sizes, arrangements and spatial relations;
//!    events with actor, verb, target and path; camera, style and physics settings).
//! 2. layout: groups placed without interpenetration, resting on their supports; actions
//!    get initial velocities, impulses, ramps or pivots; each event adds checks. A sheet
//!    of cloth (a flag, a curtain, a tablecloth, a sheet) is written in `cloths:` with the
//!    parts that carry it and a `wind:`, and checked from its simulated vertices; the cloth
//!    words are known only in a prompt with one, so the others keep their bytes. A person
//!    (a man, a woman, a child) is written in `characters:` with its walk or run and its
//!    timed actions (push, kick, pick up, throw, sit, jump, wave, fall), and checked from
//!    its simulated skeleton, its hand and its contacts; the person words (and the seats,
//!    a bench, a chair) too are known only in a prompt with one. A prompt that asks a
//!    person for what a character cannot do yet (climb, dance, catch, …), or to kick,
//!    pick up or throw with nothing named to do it to, is refused, naming the verb.
//! 3. intent check: the scene is written, validated by [`crate::scene`], simulated by
//!    [`crate::physics`]; the checks read the trajectory and the collision events. A
//!    failed check re-lays the scene with seeded stronger pushes and tighter spacing, up to
//!    [`MAX_ATTEMPTS`] times; what still fails is reported, not hidden.
//! 4. camera: framed from the simulated motion with the existing camera fields, and
//!    checked by projecting every object into every frame.
//!
//! Units, axes and conventions are the scene format's: meters, +Y up, the action runs
//! along +X and the camera looks from +Z.

mod camera;
mod draft;
mod emit;
mod intent;
mod layout;
mod lexicon;
mod parse;

use std::fmt;

pub use intent::CheckResult;
pub use lexicon::style_words;
pub use parse::{Understanding, parse};

use crate::physics::{self, PhysicsError};
use crate::progress::Silent;
use crate::scene::{self, SceneError};

/// Layout attempts before giving up on a check.
pub const MAX_ATTEMPTS: u32 = 4;

/// The longest prompt accepted, in characters (Unicode scalar values).
///
/// A prompt is one sentence: the longest of the corpus (`tests/prompts/corpus.ron`) is
/// 94 characters and a rich sentence stays under 300. 2 000 leaves room for a
/// paragraph of settings while refusing, before any work, text that is not a prompt
/// (a 96 KB paste took 221 s and wrote thousands of objects).
pub const MAX_PROMPT_CHARS: usize = 2_000;

/// The most objects a prompt may ask for, summed over its groups (a table, a ramp or a
/// cradle counts as one).
///
/// The layout places every object, the intent check simulates them up to
/// [`MAX_ATTEMPTS`] times and the camera must keep them all in view: 200 is over six
/// times the largest group of the corpus (a run of 30 dominoes), and bigger set
/// pieces belong in a hand-edited scene with `repeat`.
pub const MAX_OBJECTS: u64 = 200;

/// Example prompts shown when a prompt has nothing usable.
pub const EXAMPLES: &[&str] = &[
    "a steel ball rolls down a wooden ramp into ten dominoes on a marble floor, slow dolly in, noir",
    "a glass falls off a table onto a concrete floor in slow motion, close-up",
    "a bowling ball knocks over ten pins, tracking shot, Michael Bay",
    "a pendulum swings into a tower of eight wooden blocks, wide shot",
    "three bouncy rubber balls drop onto a table on the Moon, top-down",
];

/// Why no scene could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PromptError {
    /// The prompt is longer than [`MAX_PROMPT_CHARS`].
    #[error(
        "the prompt is {found} characters long; at most {limit} are accepted (a prompt is one sentence, usually under 300)"
    )]
    TooLong {
        /// Characters found.
        found: usize,
        /// [`MAX_PROMPT_CHARS`].
        limit: usize,
    },
    /// The prompt asks for more objects than [`MAX_OBJECTS`].
    #[error(
        "the prompt asks for {found} objects; at most {limit} are accepted (write bigger set pieces as a scene file with `repeat`)"
    )]
    TooManyObjects {
        /// Objects asked for, summed over the groups.
        found: u64,
        /// [`MAX_OBJECTS`].
        limit: u64,
    },
    /// The prompt names no object the parser knows.
    #[error("{}", nothing_usable(.ignored))]
    NothingUsable {
        /// The words it could not use.
        ignored: Vec<String>,
    },
    /// The prompt asks a person for something characters cannot do yet.
    #[error(
        "\"{words}\": characters cannot {verb} yet; they can {}",
        lexicon::PERSON_CAN
    )]
    CannotDo {
        /// The verb's base form ("climb").
        verb: &'static str,
        /// The prompt's words.
        words: String,
    },
    /// The prompt asks a person to kick, pick up or throw and names nothing to do it to.
    #[error("\"{words}\": nothing named to {verb}; say what, e.g. \"a child {third} the ball\"")]
    NothingTo {
        /// The verb's base form ("throw").
        verb: &'static str,
        /// Its third person ("throws").
        third: &'static str,
        /// The prompt's words.
        words: String,
    },
    /// The generated scene did not validate (a bug in the generator, reported, not hidden).
    #[error("the generated scene is invalid (a bug in the prompt generator): {0}")]
    Generated(#[from] SceneError),
    /// The simulation could not run.
    #[error(transparent)]
    Physics(#[from] PhysicsError),
    /// The camera could not be planned (the style's auto-framing failed).
    #[error(transparent)]
    Camera(#[from] crate::camera::CameraError),
    /// A bundled style file, where the style words come from, is broken.
    #[error(transparent)]
    Style(#[from] crate::style::StyleError),
}

impl PromptError {
    /// True when the prompt itself is at fault (exit 2), not the generator or the
    /// machine.
    pub fn is_bad_input(&self) -> bool {
        match self {
            PromptError::TooLong { .. }
            | PromptError::TooManyObjects { .. }
            | PromptError::NothingUsable { .. }
            | PromptError::CannotDo { .. }
            | PromptError::NothingTo { .. } => true,
            PromptError::Generated(_)
            | PromptError::Physics(_)
            | PromptError::Camera(_)
            | PromptError::Style(_) => false,
        }
    }
}

fn nothing_usable(ignored: &[String]) -> String {
    let mut s = String::from("the prompt names nothing to put in a scene");
    if !ignored.is_empty() {
        s.push_str(&format!(" (not understood: {})", ignored.join(", ")));
    }
    s.push_str("; name at least one object (ball, cube, domino, ramp, table, glass, pendulum, …). For example:");
    for e in EXAMPLES {
        s.push_str(&format!("\n  cinegraph prompt \"{e}\""));
    }
    s
}

/// Options of [`generate`].
#[derive(Debug, Clone, Default)]
pub struct PromptOptions {
    /// The scene seed (every random choice of the layout derives from it).
    pub seed: u64,
}

/// A generated scene and what was understood.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The RON text, formatted and commented.
    pub ron: String,
    /// What `--explain` prints.
    pub explain: Explain,
}

/// What the generator understood, chose and verified.
#[derive(Debug, Clone, Default)]
pub struct Explain {
    /// Understood items, each with its words.
    pub understood: Vec<String>,
    /// Defaults chosen.
    pub defaults: Vec<String>,
    /// Words ignored.
    pub ignored: Vec<String>,
    /// Intent checks of the attempt kept.
    pub checks: Vec<CheckResult>,
    /// Layout attempts simulated.
    pub attempts: u32,
    /// Parts of the prompt that could not be satisfied.
    pub warnings: Vec<String>,
    /// Fraction of the objects' frames inside the camera's view.
    pub in_view: f32,
    /// The look the prompt's style words chose and the targets it promises (its
    /// contract, `styles check` measures them); `None` without a style.
    pub look: Option<(String, Vec<crate::style::contract::Target>)>,
}

impl Explain {
    /// True when every intent check passed.
    pub fn intent_ok(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

impl fmt::Display for Explain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "understood:")?;
        for u in &self.understood {
            writeln!(f, "  {u}")?;
        }
        writeln!(f, "defaults chosen:")?;
        if self.defaults.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for d in &self.defaults {
            writeln!(f, "  {d}")?;
        }
        writeln!(
            f,
            "ignored words: {}",
            if self.ignored.is_empty() {
                "(none)".to_string()
            } else {
                self.ignored.join(", ")
            }
        )?;
        writeln!(
            f,
            "intent check ({} attempt{} simulated):",
            self.attempts,
            if self.attempts == 1 { "" } else { "s" }
        )?;
        if self.checks.is_empty() {
            writeln!(
                f,
                "  (nothing happens in the prompt; objects rest where placed)"
            )?;
        }
        for c in &self.checks {
            writeln!(
                f,
                "  [{}] {} (\"{}\"): {}",
                if c.passed { "ok" } else { "FAILED" },
                c.what,
                c.words,
                c.detail
            )?;
        }
        writeln!(
            f,
            "camera: {:.0}% of object-frames in view (until the action is over)",
            self.in_view * 100.0
        )?;
        if let Some((style, targets)) = &self.look {
            writeln!(
                f,
                "look: {style}, which promises (styles check measures it):"
            )?;
            for t in targets {
                writeln!(
                    f,
                    "  {} in [{}, {}] ({})",
                    t.stat.name(),
                    t.range.0,
                    t.range.1,
                    t.source
                )?;
            }
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

fn understood(u: &Understanding) -> Vec<String> {
    let mut out = Vec::new();
    for (i, g) in u.groups.iter().enumerate() {
        let mut parts = vec![format!("{} × {}", g.count, g.noun.name().replace('_', " "))];
        if let Some(m) = g.material {
            parts.push(format!("material {}", m.name));
        }
        if let Some((c, _)) = g.color {
            parts.push(format!("color {c}"));
        }
        if g.scale != 1.0 {
            parts.push(format!("size ×{}", emit::num(g.scale)));
        }
        for m in &g.mods {
            parts.push(format!("{m:?}").to_lowercase());
        }
        for (garment, (color, _)) in &g.outfit {
            parts.push(format!("{} {color}", garment.field()));
        }
        if let Some(a) = g.arrangement {
            parts.push(format!("in a {}", a.word()));
        }
        if let Some(r) = &g.relation {
            let to = u.groups.get(r.to).map_or("?", |t| t.noun.name());
            parts.push(format!("{:?} the {to}", r.prep).to_lowercase());
        }
        out.push(format!(
            "object {}: {} <- \"{}\"",
            i + 1,
            parts.join(", "),
            g.words
        ));
    }
    if let Some((m, c, w)) = &u.floor {
        let what = [m.map(|m| m.name.to_string()), c.map(|c| c.0.to_string())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        out.push(format!("floor: {what} <- \"{w}\""));
    }
    for e in &u.events {
        let actor = u.groups.get(e.actor).map_or("?", |g| g.noun.name());
        let mut s = format!("action: {actor} {}", e.verb.word());
        if let Some(t) = e.target.and_then(|t| u.groups.get(t)) {
            s.push_str(&format!(" -> {}", t.noun.name()));
        }
        if let Some((p, g)) = e.path {
            let what = u.groups.get(g).map_or("floor", |g| g.noun.name());
            s.push_str(&format!(" ({:?} the {what})", p).to_lowercase());
        }
        out.push(format!("{s} <- \"{}\"", e.words));
    }
    for (c, w) in &u.camera {
        out.push(format!("camera: {c:?} <- \"{w}\""));
    }
    if let Some((s, w)) = &u.style {
        out.push(format!("style: {s} <- \"{w}\""));
    }
    if let Some((g, name, w)) = &u.gravity {
        out.push(format!(
            "gravity: {name}, {} m/s² <- \"{w}\"",
            emit::num(*g)
        ));
    }
    if let Some(w) = &u.slow_motion {
        out.push(format!("slow motion (time at half speed) <- \"{w}\""));
    }
    for (m, w) in &u.scene_mods {
        out.push(format!("everything {m:?} <- \"{w}\"").to_lowercase());
    }
    if let Some((d, w)) = &u.duration {
        out.push(format!("duration: {} s <- \"{w}\"", emit::num(*d)));
    }
    if let Some((a, w)) = &u.aspect {
        out.push(format!("aspect: {a:?} <- \"{w}\"").to_lowercase());
    }
    for (s, w) in &u.sound {
        out.push(format!("sound: {s:?} <- \"{w}\"").to_lowercase());
    }
    if let Some((wind, w)) = &u.wind {
        out.push(format!("wind: {} m/s <- \"{w}\"", emit::num(wind.speed())));
    }
    if let Some(w) = &u.weather {
        out.push(format!("weather (not simulated) <- \"{w}\""));
    }
    out
}

/// The objects the understanding asks for, summed over its groups.
fn object_count(u: &Understanding) -> u64 {
    u.groups.iter().map(|g| u64::from(g.count)).sum()
}

fn scene_name(u: &Understanding) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for g in &u.groups {
        // A liquid by its preset ("glass_water").
        let n = match (g.noun, g.material) {
            (lexicon::Noun::Liquid, Some(m)) => m.name,
            _ => g.noun.name(),
        };
        if !parts.contains(&n) && parts.len() < 4 {
            parts.push(n);
        }
    }
    if parts.is_empty() {
        "prompt".into()
    } else {
        parts.join("_")
    }
}

/// Turns a prompt into a scene.
///
/// # Errors
/// [`PromptError::TooLong`] and [`PromptError::TooManyObjects`] before any layout or
/// simulation when the prompt exceeds [`MAX_PROMPT_CHARS`] or [`MAX_OBJECTS`];
/// [`PromptError::NothingUsable`] when the prompt names no object (with example prompts
/// in the message); [`PromptError::CannotDo`] when it asks a person for something a
/// character cannot do yet (climb, dance, catch, …); [`PromptError::NothingTo`] when it
/// asks a person to kick, pick up or throw and names nothing to;
/// [`PromptError::Generated`] if the generated text fails validation (a generator bug);
/// [`PromptError::Physics`] if the simulation cannot be built.
///
/// ```
/// use cinegraph::prompt::{generate, PromptOptions};
/// let g = generate("a rubber ball falls onto a table", &PromptOptions { seed: 1 })?;
/// let scene = cinegraph::scene::parse_str(&g.ron, "prompt", ".".as_ref())?;
/// assert!(scene.entity_index("ball").is_some() && scene.entity_index("table").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate(prompt: &str, opts: &PromptOptions) -> Result<Generated, PromptError> {
    let found = prompt.chars().count();
    if found > MAX_PROMPT_CHARS {
        return Err(PromptError::TooLong {
            found,
            limit: MAX_PROMPT_CHARS,
        });
    }
    // The style words come from the bundled style files; a broken one is an error here
    // rather than style words silently missing from the parse.
    lexicon::style_words().map_err(|e| PromptError::Style(e.clone()))?;
    let u = parse(prompt);
    let found = object_count(&u);
    if found > MAX_OBJECTS {
        return Err(PromptError::TooManyObjects {
            found,
            limit: MAX_OBJECTS,
        });
    }
    // What a person is asked to do must be something a character can do.
    if let Some(e) = u.events.iter().find(|e| {
        u.groups.get(e.actor).is_some_and(|g| g.noun.is_person()) && !e.verb.a_person_can()
    }) {
        return Err(PromptError::CannotDo {
            verb: e.verb.base(),
            words: e.words.clone(),
        });
    }
    // What a person kicks, picks up or throws must be named.
    if let Some(e) = u.events.iter().find(|e| {
        u.groups.get(e.actor).is_some_and(|g| g.noun.is_person())
            && matches!(
                e.verb,
                lexicon::Verb::Kick | lexicon::Verb::PickUp | lexicon::Verb::Toss
            )
            && e.target.is_none()
    }) {
        return Err(PromptError::NothingTo {
            verb: e.verb.base(),
            third: e.verb.word(),
            words: e.words.clone(),
        });
    }
    if u.groups.is_empty() {
        let mut ignored = u.ignored.clone();
        if ignored.is_empty() && !prompt.trim().is_empty() {
            ignored.push(prompt.trim().chars().take(60).collect());
        }
        return Err(PromptError::NothingUsable { ignored });
    }
    let seed = opts.seed;
    let mut best: Option<(
        usize,
        u32,
        layout::Plan,
        scene::Scene,
        physics::Trajectory,
        Vec<CheckResult>,
    )> = None;
    let mut attempts = 0;
    for attempt in 0..MAX_ATTEMPTS {
        attempts = attempt + 1;
        let mut plan = layout::layout(&u, seed, attempt);
        plan.draft.name = scene_name(&u);
        plan.draft.seed = seed;
        let text = emit::emit(&plan.draft);
        let (scene, _) = crate::style::parse_str(&text, "generated scene", ".".as_ref(), None)?;
        let traj = physics::simulate(&scene, &Silent)?;
        let results = intent::evaluate(&plan.expects, &scene, &traj);
        let passed = results.iter().filter(|r| r.passed).count();
        let all = passed == results.len();
        let better = best.as_ref().is_none_or(|b| passed > b.0);
        if better {
            best = Some((passed, attempt, plan, scene, traj, results));
        }
        if all {
            break;
        }
    }
    let Some((_, attempt, mut plan, scene0, traj, results)) = best else {
        return Err(PromptError::NothingUsable {
            ignored: u.ignored.clone(),
        });
    };
    // Frame the camera on the simulated motion up to 0.6 s after the last intended
    // contact (what rolls on afterwards may leave); widen until that stays in view.
    let frames = match results
        .iter()
        .filter_map(|r| r.time)
        .fold(None, |m: Option<f32>, t| Some(m.map_or(t, |m| m.max(t))))
    {
        Some(t) => (((t + 0.6) * scene0.fps as f32).ceil() as usize).max(1),
        None => traj.frames.len(),
    };
    let mut framing = camera::frame(
        &scene0,
        &traj,
        &u.camera,
        plan.subject.as_deref(),
        seed,
        1.0,
        frames,
    );
    let mut in_view = 0.0;
    for widen in [1.0f32, 1.3, 1.7, 2.2] {
        framing = camera::frame(
            &scene0,
            &traj,
            &u.camera,
            plan.subject.as_deref(),
            seed,
            widen,
            frames,
        );
        plan.draft.camera = framing.camera.clone();
        let text = emit::emit(&plan.draft);
        let (scene, _) = crate::style::parse_str(&text, "generated scene", ".".as_ref(), None)?;
        let cams = crate::camera::track(&scene, &traj)?;
        let (frac, _) = camera::in_view(&cams, &traj, &framing.must_see, &scene, frames);
        in_view = frac;
        if frac >= 0.999 {
            break;
        }
    }
    let mut warnings = plan.warnings.clone();
    for r in results.iter().filter(|r| !r.passed) {
        warnings.push(format!(
            "could not make \"{}\" happen: {} ({}) after {attempts} attempts",
            r.words, r.what, r.detail
        ));
    }
    if in_view < 0.999 {
        warnings.push(format!(
            "the camera keeps {:.0}% of the objects' frames in view until the action is over (something leaves the frame)",
            in_view * 100.0
        ));
    }
    let mut defaults = plan.defaults.clone();
    defaults.extend(framing.notes.iter().cloned());
    if u.style.is_none() && plan.draft.style.is_none() {
        defaults.push("style: none (the renderer's default look)".into());
    }
    if u.duration.is_none() {
        defaults.push(format!("duration: {} s", emit::num(plan.draft.duration)));
    }
    // Header: the prompt, the check results, what could not be done.
    let mut header = vec![
        format!("Generated by `cinegraph prompt` (seed {seed}) from:"),
        format!("  \"{}\"", prompt.trim().replace(['\n', '\r'], " ")),
        format!(
            "Intent check (layout attempt {} of {MAX_ATTEMPTS}, simulated):",
            attempt + 1
        ),
    ];
    if results.is_empty() {
        header
            .push("  nothing happens in the prompt; every object rests where it is placed".into());
    }
    for r in &results {
        header.push(format!(
            "  [{}] {} (\"{}\"): {}",
            if r.passed { "ok" } else { "FAILED" },
            r.what,
            r.words,
            r.detail
        ));
    }
    for w in &warnings {
        header.push(format!("warning: {w}"));
    }
    if !u.ignored.is_empty() {
        header.push(format!("Words not used: {}", u.ignored.join(", ")));
    }
    plan.draft.header = header;
    let ron = emit::emit(&plan.draft);
    // The text written is the text validated.
    let (_, look) = crate::style::parse_str(&ron, "generated scene", ".".as_ref(), None)?;
    Ok(Generated {
        ron,
        explain: Explain {
            understood: understood(&u),
            defaults,
            ignored: u.ignored.clone(),
            checks: results,
            attempts,
            warnings,
            in_view,
            look: look.style.clone().map(|s| (s, look.targets.clone())),
        },
    })
}

#[cfg(test)]
mod tests;
