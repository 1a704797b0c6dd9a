//! English prompt -> [`Understanding`]: a tokenizer that matches the lexicon's phrases
//! longest first, then a small recursive-descent grammar over clauses:
//!
//! ```text
//! sentence := clause ((","|";"|"."|"and"|"then") clause)*
//! clause   := setting | np_list vp* | vp* (subject elided: the previous one)
//! np_list  := np (("and"|",") np)*
//! np       := det? count? adj* (arrangement "of" np | noun) arrangement? pp*
//! vp       := aux? verb np_list? particle? pp*
//! pp       := prep np_list
//! ```
//!
//! Noun phrases become object groups (with count, material, color, size, arrangement and
//! a spatial relation to another group); verb phrases become events (actor, verb, target,
//! path). Definite noun phrases ("the ball") and pronouns refer back to groups already
//! mentioned. Words the grammar cannot place are reported, not dropped silently.

use super::lexicon::{
    self as lex, Arrangement, CameraWord, Garment, MaterialDef, Noun, PhysMod, Prep, Setting, Verb,
};

/// What a container holds ("a glass of water"): the liquid's preset, its color (name and
/// hex) if one was said, and the words.
type Contents = (MaterialDef, Option<(&'static str, &'static str)>, String);

/// What kind of token a word or phrase is.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Num(u32),
    Duration(f32),
    Det,
    Pronoun,
    Conj,
    Sep,
    Filler,
    Color(&'static str, &'static str),
    Size(f32),
    Mod(PhysMod),
    Material(MaterialDef),
    /// A noun; `mat` is its material reading ("glass", "marble", "brick").
    Noun {
        noun: Noun,
        plural: bool,
        mat: Option<MaterialDef>,
    },
    ArrNoun(Arrangement),
    ArrPhrase(Arrangement),
    Prep(Prep),
    Verb(Verb),
    Camera(CameraWord),
    Style(&'static str),
    Setting(Setting),
    /// Clothes or hair a color is said of (known only in a prompt with a person).
    Garment(Garment),
    /// "wearing", "dressed in": clothes follow.
    Wearing,
    Unknown,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    text: String,
}

/// A group of objects the prompt names ("ten wooden dominoes in a row").
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The kind of object.
    pub noun: Noun,
    /// How many (1 unless counted or plural).
    pub count: u32,
    /// Whether the count was given (a number word or digits).
    pub counted: bool,
    /// Said in the plural without a count.
    pub plural: bool,
    /// The material named, if any.
    pub material: Option<MaterialDef>,
    /// The color named, if any: (word, sRGB hex).
    pub color: Option<(&'static str, &'static str)>,
    /// Uniform scale from size words.
    pub scale: f32,
    /// Physics modifiers (bouncy, heavy, …).
    pub mods: Vec<PhysMod>,
    /// How the copies stand.
    pub arrangement: Option<Arrangement>,
    /// Where it is, relative to another group.
    pub relation: Option<Relation>,
    /// A person's clothes: the colors said of them ("in a red coat", "wearing blue
    /// jeans"), in order (empty for an object).
    pub outfit: Vec<(Garment, (&'static str, &'static str))>,
    /// The words that produced it.
    pub words: String,
}

impl Group {
    /// One plain object the sentence implies but does not name (the table under a
    /// glass, the bench a character sits on): no material, color, size words or place.
    pub fn implied(noun: Noun, words: String) -> Self {
        Self {
            noun,
            count: 1,
            counted: false,
            plural: false,
            material: None,
            color: None,
            scale: 1.0,
            mods: Vec::new(),
            arrangement: None,
            relation: None,
            outfit: Vec::new(),
            words,
        }
    }
}

/// A spatial relation of one group to others.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// The relation.
    pub prep: Prep,
    /// The group it relates to.
    pub to: usize,
    /// The second group for "between".
    pub and: Option<usize>,
    /// The words.
    pub words: String,
}

/// Something that happens: an actor does a verb, perhaps to a target, along a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The group acting.
    pub actor: usize,
    /// What it does.
    pub verb: Verb,
    /// The group it acts on or moves into.
    pub target: Option<usize>,
    /// The way it goes: ("down", ramp), ("off", table), ("onto", plank), ("from", shelf).
    pub path: Option<(Prep, usize)>,
    /// The words.
    pub words: String,
}

/// A floor named in the prompt: its material, its color (name, hex) and the words.
pub type FloorSetting = (
    Option<MaterialDef>,
    Option<(&'static str, &'static str)>,
    String,
);

/// Everything the parser understood, each item with the words that produced it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Understanding {
    /// Object groups in order of mention (the floor is not one).
    pub groups: Vec<Group>,
    /// Events in order of mention.
    pub events: Vec<Event>,
    /// Camera words.
    pub camera: Vec<(CameraWord, String)>,
    /// The look, and its words.
    pub style: Option<(&'static str, String)>,
    /// Gravity magnitude, its name, and its words.
    pub gravity: Option<(f32, &'static str, String)>,
    /// "slow motion", as written.
    pub slow_motion: Option<String>,
    /// Scene-wide physics modifiers ("icy", "on ice").
    pub scene_mods: Vec<(PhysMod, String)>,
    /// Clip length, s, and its words.
    pub duration: Option<(f32, String)>,
    /// Sound words, in order, with their words.
    pub sound: Vec<(lex::SoundWord, String)>,
    /// The wind (the last wind phrase wins), with its words.
    pub wind: Option<(lex::WindWord, String)>,
    /// Aspect setting and its words.
    pub aspect: Option<(Setting, String)>,
    /// The floor's material and color, with the words.
    pub floor: Option<FloorSetting>,
    /// "until it overflows", as written: a pour goes on past the container's brim.
    pub overflow: Option<String>,
    /// Rain, snow or fog, as written (there is no weather in the simulation yet).
    pub weather: Option<String>,
    /// Words the grammar could not use.
    pub ignored: Vec<String>,
}

fn normalize(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '`' => '\'',
            '\u{2013}' | '\u{2014}' => ',',
            c => c,
        };
        for l in c.to_lowercase() {
            s.push(l);
        }
    }
    s
}

/// Splits text into words and separator marks.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = normalize(text).chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        let prev_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let keep = c.is_alphanumeric()
            || c == '\''
            || c == '-'
            || ((c == '.' || c == ':') && prev_digit && next_digit);
        if keep {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if matches!(c, ',' | '.' | ';' | '!' | '?' | ':') {
                out.push(",".to_string());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    // Trim quotes and dashes at word edges; split unknown hyphenated words later.
    out.into_iter()
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

const MAX_PHRASE: usize = 5;

/// Which word lists beyond the lexicon's first ones a prompt knows: each is known only
/// in a prompt that names one of its nouns.
#[derive(Debug, Clone, Copy)]
struct Known {
    /// The cloth words (see [`lex::CLOTH_NOUNS`]).
    cloth: bool,
    /// The liquid words (see [`lex::LIQUIDS`]).
    fluid: bool,
    /// The person words (see [`lex::PERSON_NOUNS`]).
    people: bool,
}

impl Known {
    const ALL: Known = Known {
        cloth: true,
        fluid: true,
        people: true,
    };
}

/// The kind of a phrase with the word lists `known`.
fn phrase_kind(p: &str, known: Known) -> Option<Kind> {
    let Known {
        cloth,
        fluid,
        people,
    } = known;
    if people && let Some(k) = person_phrase_kind(p) {
        return Some(k);
    }
    if cloth && let Some(k) = cloth_phrase_kind(p) {
        return Some(k);
    }
    if fluid && let Some(k) = fluid_phrase_kind(p) {
        return Some(k);
    }
    if let Some((_, s)) = lex::SETTINGS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Setting(*s));
    }
    if let Some((_, c)) = lex::CAMERA_WORDS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Camera(*c));
    }
    if let Some((_, s)) = lex::style_words()
        .unwrap_or_default()
        .iter()
        .find(|(w, _)| w == p)
    {
        return Some(Kind::Style(s));
    }
    if let Some((_, a)) = lex::ARRANGEMENT_PHRASES.iter().find(|(w, _)| *w == p) {
        return Some(Kind::ArrPhrase(*a));
    }
    if let Some((_, v)) = lex::VERBS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Verb(*v));
    }
    if let Some(k) = noun_kind(lex::NOUNS, p) {
        return Some(k);
    }
    if let Some((_, a)) = lex::ARRANGEMENT_NOUNS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::ArrNoun(*a));
    }
    if let Some((_, pr)) = lex::PREPS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Prep(*pr));
    }
    if let Some((_, n)) = lex::NUMBERS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Num(*n));
    }
    if let Some(m) = lex::material(p) {
        return Some(Kind::Material(m));
    }
    if let Some((w, hex)) = lex::COLORS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Color(w, hex));
    }
    if let Some((_, s)) = lex::SIZES.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Size(*s));
    }
    if let Some((_, m)) = lex::PHYS_MODS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Mod(*m));
    }
    if lex::DETERMINERS.contains(&p) {
        return Some(Kind::Det);
    }
    if lex::PRONOUNS.contains(&p) {
        return Some(Kind::Pronoun);
    }
    if lex::CONJUNCTIONS.contains(&p) {
        return Some(Kind::Conj);
    }
    if p == "," {
        return Some(Kind::Sep);
    }
    if lex::FILLER.contains(&p) {
        return Some(Kind::Filler);
    }
    if let Ok(n) = p.parse::<u32>() {
        return Some(Kind::Num(n));
    }
    // "6s", "2.5s", "6-second", "6-seconds"
    for suffix in ["-seconds", "-second", "-sec", "sec", "s"] {
        if let Some(num) = p.strip_suffix(suffix)
            && let Ok(x) = num.parse::<f32>()
            && x.is_finite()
        {
            return Some(Kind::Duration(x));
        }
    }
    None
}

/// The noun `p` names in a table of (singulars, plurals, noun), with its material word.
fn noun_kind(table: &[(&[&str], &[&str], Noun)], p: &str) -> Option<Kind> {
    let (_, plur, noun) = table
        .iter()
        .find(|(sing, plur, _)| sing.contains(&p) || plur.contains(&p))?;
    Some(Kind::Noun {
        noun: *noun,
        plural: plur.contains(&p),
        mat: lex::material(p),
    })
}

/// The cloth words' kinds (wind phrases, cloth verbs, nouns, prepositions, fabrics),
/// matched before the others in a prompt with a cloth word.
fn cloth_phrase_kind(p: &str) -> Option<Kind> {
    if let Some((_, w)) = lex::WIND_WORDS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Setting(Setting::Wind(*w)));
    }
    if let Some((_, v)) = lex::CLOTH_VERBS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Verb(*v));
    }
    if let Some(k) = noun_kind(lex::CLOTH_NOUNS, p) {
        return Some(k);
    }
    if let Some((_, pr)) = lex::CLOTH_PREPS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Prep(*pr));
    }
    if lex::CLOTH_FILLER.contains(&p) {
        return Some(Kind::Filler);
    }
    lex::fabric_material(p).map(Kind::Material)
}

/// The liquid words' kinds (liquids, containers, verbs, "full of", "until it
/// overflows"), matched before the others in a prompt with a liquid.
fn fluid_phrase_kind(p: &str) -> Option<Kind> {
    if let Some(m) = lex::liquid(p) {
        return Some(Kind::Noun {
            noun: Noun::Liquid,
            plural: false,
            mat: Some(m),
        });
    }
    if lex::OVERFLOW_WORDS.contains(&p) {
        return Some(Kind::Setting(Setting::Overflow));
    }
    if let Some((_, v)) = lex::FLUID_VERBS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Verb(*v));
    }
    if let Some(k) = noun_kind(lex::FLUID_NOUNS, p) {
        return Some(k);
    }
    lex::FLUID_PREPS
        .iter()
        .find(|(w, _)| *w == p)
        .map(|(_, pr)| Kind::Prep(*pr))
}

/// The person words' kinds (people, seats, their verbs, clothes, weather), matched
/// before the others in a prompt with a person.
fn person_phrase_kind(p: &str) -> Option<Kind> {
    if let Some(k) = noun_kind(lex::PERSON_NOUNS, p) {
        return Some(k);
    }
    if let Some(k) = noun_kind(lex::SEAT_NOUNS, p) {
        return Some(k);
    }
    if let Some((_, v)) = lex::PERSON_VERBS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Verb(*v));
    }
    if let Some((_, g)) = lex::GARMENTS.iter().find(|(w, _)| *w == p) {
        return Some(Kind::Garment(*g));
    }
    if lex::WEARING_WORDS.contains(&p) {
        return Some(Kind::Wearing);
    }
    lex::WEATHER_WORDS
        .contains(&p)
        .then_some(Kind::Setting(Setting::Weather))
}

/// Whether a token names a person (the person words are known only then).
fn is_person_word(t: &Token) -> bool {
    matches!(&t.kind, Kind::Noun { noun, .. } if noun.is_person())
}

/// Whether a token names a liquid (the liquid words are known only then).
fn is_liquid_word(t: &Token) -> bool {
    matches!(
        t.kind,
        Kind::Noun {
            noun: Noun::Liquid,
            ..
        }
    )
}

/// Whether a token says the prompt is about cloth: a cloth noun or a wind.
fn is_cloth_word(t: &Token) -> bool {
    match &t.kind {
        Kind::Noun { noun, .. } => noun.is_cloth(),
        Kind::Setting(Setting::Wind(_)) => true,
        _ => false,
    }
}

/// Words -> tokens, longest phrase first; unknown hyphenated words are split. The cloth
/// words are known only when one of them names a cloth or a wind, the liquid words only
/// when one names a liquid, the person words only when one names a person: without
/// any, the tokens are exactly those of the lexicon before cloth, liquids and people.
fn tokenize(text: &str) -> Vec<Token> {
    let toks = tokenize_with(text, Known::ALL);
    let known = Known {
        cloth: toks.iter().any(is_cloth_word),
        fluid: toks.iter().any(is_liquid_word),
        people: toks.iter().any(is_person_word),
    };
    if known.cloth && known.fluid && known.people {
        toks
    } else {
        tokenize_with(text, known)
    }
}

fn tokenize_with(text: &str, known: Known) -> Vec<Token> {
    let mut ws = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        let mut matched = None;
        for n in (1..=MAX_PHRASE.min(ws.len() - i)).rev() {
            let p = ws[i..i + n].join(" ");
            if let Some(k) = phrase_kind(&p, known) {
                matched = Some((k, p, n));
                break;
            }
        }
        match matched {
            Some((kind, text, n)) => {
                out.push(Token { kind, text });
                i += n;
            }
            None => {
                let w = ws[i].clone();
                if w.contains('-') {
                    let parts: Vec<String> = w
                        .split('-')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    ws.splice(i..=i, parts);
                    continue;
                }
                out.push(Token {
                    kind: Kind::Unknown,
                    text: w,
                });
                i += 1;
            }
        }
    }
    fold_durations(out)
}

/// "for 6 seconds", "lasting 6 s" -> one duration token.
fn fold_durations(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let number = match &t.kind {
            Kind::Num(n) => Some(*n as f32),
            Kind::Unknown => t.text.parse::<f32>().ok().filter(|x| x.is_finite()),
            _ => None,
        };
        if let Some(x) = number
            && let Some(next) = tokens.get(i + 1)
            && lex::SECOND_WORDS.contains(&next.text.as_str())
        {
            let mut text = format!("{} {}", t.text, next.text);
            if let Some(prev) = out.last()
                && matches!(prev.text.as_str(), "for" | "lasting" | "over" | "in")
            {
                text = format!("{} {text}", prev.text);
                out.pop();
            }
            out.push(Token {
                kind: Kind::Duration(x),
                text,
            });
            i += 2;
            continue;
        }
        if let Kind::Duration(_) = t.kind
            && let Some(prev) = out.last()
            && matches!(prev.text.as_str(), "for" | "lasting")
        {
            let text = format!("{} {}", prev.text, t.text);
            out.pop();
            out.push(Token {
                kind: t.kind.clone(),
                text,
            });
            i += 1;
            continue;
        }
        out.push(t.clone());
        i += 1;
    }
    out
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    u: Understanding,
    /// The groups of the last subject.
    subject: Vec<usize>,
    /// The last group mentioned.
    last: Option<usize>,
    /// Inside a verb phrase (pronouns mean the object, not the subject).
    in_vp: bool,
    /// Depth of prepositional phrases being parsed (commas join lists only at 0).
    nest: u32,
    /// Parsing what a person kicks or throws: "at the cans" after it says where it goes,
    /// not where it stands.
    aiming: bool,
}

/// Parses a prompt. Never fails: what it cannot use lands in `ignored`.
pub fn parse(text: &str) -> Understanding {
    parse_tokens(tokenize(text))
}

/// [`parse`] with one word list never known (for the tests that a prompt without
/// its nouns reads as it did before the list came).
#[cfg(test)]
fn parse_without(text: &str, off: fn(&mut Known)) -> Understanding {
    let mut all = Known::ALL;
    off(&mut all);
    let toks = tokenize_with(text, all);
    let mut known = Known {
        cloth: toks.iter().any(is_cloth_word),
        fluid: toks.iter().any(is_liquid_word),
        people: toks.iter().any(is_person_word),
    };
    off(&mut known);
    parse_tokens(tokenize_with(text, known))
}

/// [`parse`] with the cloth words unknown, as before cloth came (for the test that a
/// prompt without a cloth word reads as it did).
#[cfg(test)]
pub(super) fn parse_without_cloth_words(text: &str) -> Understanding {
    parse_without(text, |k| k.cloth = false)
}

/// [`parse`] with the liquid words unknown, as before liquids came (for the test that a
/// prompt without a liquid reads as it did).
#[cfg(test)]
pub(super) fn parse_without_fluid_words(text: &str) -> Understanding {
    parse_without(text, |k| k.fluid = false)
}

/// [`parse`] with the person words unknown, as before people came (for the test that a
/// prompt without a person reads as it did).
#[cfg(test)]
pub(super) fn parse_without_person_words(text: &str) -> Understanding {
    parse_without(text, |k| k.people = false)
}

fn parse_tokens(tokens: Vec<Token>) -> Understanding {
    // Sound words ("loudly", "with a thud") say nothing of the scene's structure: take
    // them out before the grammar, so "falls loudly onto" still reads "falls onto".
    let mut sound = Vec::new();
    let mut wind = None;
    let mut overflow = None;
    let mut weather = None;
    let mut toks: Vec<Token> = Vec::new();
    for t in tokens {
        match t.kind {
            Kind::Setting(Setting::Sound(w)) => sound.push((w, t.text.clone())),
            // "until it overflows" says how long a pour goes on, not who does what.
            Kind::Setting(Setting::Overflow) => overflow = Some(t.text.clone()),
            // The wind, like sound, is no part of the sentence's structure: "waves in a
            // strong wind" reads "waves", the "in a" going with the wind.
            Kind::Setting(Setting::Wind(w)) => {
                wind = Some((w, taken_with_its_preposition(&mut toks, &t.text, false)));
            }
            // The weather likewise ("walks through the rain" reads "walks").
            Kind::Setting(Setting::Weather) => {
                weather = Some(taken_with_its_preposition(&mut toks, &t.text, true));
            }
            _ => toks.push(t),
        }
    }
    let mut p = Parser {
        toks,
        pos: 0,
        u: Understanding {
            sound,
            wind,
            overflow,
            weather,
            ..Understanding::default()
        },
        subject: Vec::new(),
        last: None,
        in_vp: false,
        nest: 0,
        aiming: false,
    };
    p.sentence();
    p.u
}

/// A setting's words with the determiners and the preposition just before it, taken off
/// the end of `toks` ("through the" of "through the rain"; "across" only with
/// `across`: the wind keeps it for the sentence).
fn taken_with_its_preposition(toks: &mut Vec<Token>, text: &str, across: bool) -> String {
    let mut words = vec![text.to_string()];
    while let Some(prev) = toks.last()
        && matches!(prev.kind, Kind::Det)
    {
        words.insert(0, prev.text.clone());
        toks.pop();
    }
    if let Some(prev) = toks.last()
        && (matches!(
            prev.kind,
            Kind::Prep(Prep::In | Prep::With | Prep::On | Prep::Into | Prep::Under)
        ) || (across && matches!(prev.kind, Kind::Prep(Prep::Across))))
    {
        words.insert(0, prev.text.clone());
        toks.pop();
    }
    words.join(" ")
}

impl Parser {
    fn peek(&self) -> Option<&Kind> {
        self.toks.get(self.pos).map(|t| &t.kind)
    }

    fn peek_at(&self, k: usize) -> Option<&Kind> {
        self.toks.get(self.pos + k).map(|t| &t.kind)
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.toks[from..to.min(self.toks.len())]
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn starts_np(&self, k: usize) -> bool {
        matches!(
            self.peek_at(k),
            Some(
                Kind::Det
                    | Kind::Num(_)
                    | Kind::Color(..)
                    | Kind::Size(_)
                    | Kind::Mod(_)
                    | Kind::Material(_)
                    | Kind::Noun { .. }
                    | Kind::ArrNoun(_)
                    | Kind::Pronoun
            )
        )
    }

    /// Whether a clause about a person starts `k` tokens on: a noun phrase naming a
    /// person, then a verb ("… on a table and a man waves": the man is no second thing
    /// the glass sits on).
    fn person_clause_at(&self, k: usize) -> bool {
        let mut k = k;
        while matches!(
            self.peek_at(k),
            Some(Kind::Det | Kind::Num(_) | Kind::Color(..) | Kind::Size(_) | Kind::Mod(_))
        ) {
            k += 1;
        }
        if !matches!(self.peek_at(k), Some(Kind::Noun { noun, .. }) if noun.is_person()) {
            return false;
        }
        k += 1;
        while matches!(self.peek_at(k), Some(Kind::Filler)) {
            k += 1;
        }
        matches!(self.peek_at(k), Some(Kind::Verb(_)))
    }

    /// Skips filler; true if a verb comes next.
    fn verb_next(&self) -> bool {
        let mut k = 0;
        while matches!(self.peek_at(k), Some(Kind::Filler)) {
            k += 1;
        }
        matches!(self.peek_at(k), Some(Kind::Verb(_)))
    }

    fn sentence(&mut self) {
        while self.pos < self.toks.len() {
            if self.setting() {
                continue;
            }
            match self.peek() {
                Some(Kind::Sep | Kind::Conj | Kind::Filler) => self.pos += 1,
                Some(Kind::Verb(_)) => self.verb_phrases(),
                Some(Kind::Prep(_)) => {
                    // A prepositional phrase with no noun phrase before it in this clause:
                    // attach it to the last subject ("…, on a marble floor").
                    let start = self.pos;
                    if !self.relation_for(self.subject.clone()) {
                        self.u.ignored.push(self.text(start, start + 1));
                        self.pos = start + 1;
                    }
                }
                _ if self.starts_np(0) => {
                    let start = self.pos;
                    let groups = self.np_list(true);
                    if groups.is_empty() {
                        // Only the floor ("a marble floor") or nothing usable.
                        if self.pos == start {
                            self.u.ignored.push(self.text(start, start + 1));
                            self.pos = start + 1;
                        }
                        continue;
                    }
                    self.subject = groups;
                    if self.verb_next() {
                        self.verb_phrases();
                    }
                }
                _ => {
                    self.u.ignored.push(self.toks[self.pos].text.clone());
                    self.pos += 1;
                }
            }
        }
    }

    /// Consumes a scene-wide setting token; true if it did.
    fn setting(&mut self) -> bool {
        let Some(t) = self.toks.get(self.pos).cloned() else {
            return false;
        };
        match t.kind {
            Kind::Camera(c) => self.u.camera.push((c, t.text)),
            Kind::Style(s) => {
                if self.u.style.is_none() {
                    self.u.style = Some((s, t.text));
                } else {
                    self.u.ignored.push(format!("{} (a second style)", t.text));
                }
            }
            Kind::Setting(Setting::SlowMotion) => self.u.slow_motion = Some(t.text),
            Kind::Setting(Setting::Gravity(g, name)) => self.u.gravity = Some((g, name, t.text)),
            Kind::Setting(Setting::Mod(m)) => self.u.scene_mods.push((m, t.text)),
            Kind::Setting(Setting::Wind(w)) => self.u.wind = Some((w, t.text)),
            Kind::Setting(Setting::Sound(w)) => self.u.sound.push((w, t.text)),
            Kind::Setting(Setting::Overflow) => self.u.overflow = Some(t.text),
            Kind::Setting(Setting::Weather) => self.u.weather = Some(t.text),
            Kind::Setting(s) => self.u.aspect = Some((s, t.text)),
            Kind::Duration(d) => self.u.duration = Some((d, t.text)),
            // A lone physics adjective ("bouncy", "icy") not before a noun: scene-wide.
            Kind::Mod(m) if !self.starts_np(1) => self.u.scene_mods.push((m, t.text)),
            Kind::Material(m) if m.name == "ice" && !self.starts_np(1) => {
                self.u.scene_mods.push((PhysMod::Icy, t.text));
            }
            _ => return false,
        }
        self.pos += 1;
        // Camera handheld implies its look when no style is given later.
        true
    }

    fn np_list(&mut self, attach_pp: bool) -> Vec<usize> {
        let mut out = Vec::new();
        let mut all_and = true;
        loop {
            let before = self.pos;
            match self.np(attach_pp) {
                Some(g) => out.extend(g),
                None => {
                    self.pos = before;
                    break;
                }
            }
            let comma = matches!(self.peek(), Some(Kind::Sep)) && self.nest == 0;
            let and = self.toks.get(self.pos).is_some_and(|t| t.text == "and");
            if (comma || and)
                && self.starts_np(1)
                && !matches!(self.peek_at(1), Some(Kind::Pronoun))
                && !(self.nest > 0 && self.person_clause_at(1))
            {
                all_and &= and;
                self.pos += 1;
                continue;
            }
            break;
        }
        if !all_and {
            return out;
        }
        // "a gold ball and a copper cube on a table": the relation after the last one
        // holds for all of them.
        if let Some(rel) = out.last().and_then(|&l| self.u.groups[l].relation.clone()) {
            for &g in &out {
                if g != rel.to
                    && Some(g) != rel.and
                    && self.u.groups[g].relation.is_none()
                    && !self.leads_to(rel.to, g)
                {
                    self.u.groups[g].relation = Some(rel.clone());
                }
            }
        }
        out
    }

    /// A noun phrase; returns the groups it names (one, or those a pronoun means).
    fn np(&mut self, attach_pp: bool) -> Option<Vec<usize>> {
        let start = self.pos;
        let mut definite = false;
        let mut count: Option<u32> = None;
        let mut material = None;
        let mut color = None;
        let mut scale = 1.0f32;
        let mut mods = Vec::new();
        let mut arrangement = None;
        let mut head: Option<(Noun, bool)> = None;
        // The preset of a liquid head ("water"), and what a container holds ("a glass of
        // water": the liquid, its color, the words).
        let mut liquid: Option<MaterialDef> = None;
        let mut contents: Option<Contents> = None;
        // A person's clothes ("in a red coat").
        let mut outfit = Vec::new();
        while let Some(k) = self.peek().cloned() {
            match k {
                Kind::Det => {
                    definite |= self.toks[self.pos].text == "the";
                    self.pos += 1;
                }
                Kind::Pronoun => {
                    self.pos += 1;
                    if head.is_none() && count.is_none() {
                        // In a verb phrase "it" is the last thing mentioned that is not the
                        // subject ("hits a cube and knocks it over"); before one, the subject.
                        let other = self.last.filter(|l| !self.subject.contains(l));
                        let refs = match (self.in_vp, other) {
                            (true, Some(o)) => vec![o],
                            _ if !self.subject.is_empty() => self.subject.clone(),
                            _ => self.last.map(|l| vec![l]).unwrap_or_default(),
                        };
                        return (!refs.is_empty()).then_some(refs);
                    }
                    break;
                }
                Kind::Num(n) => {
                    count = Some(n);
                    self.pos += 1;
                }
                Kind::Color(w, h) => {
                    color = Some((w, h));
                    self.pos += 1;
                }
                Kind::Size(s) => {
                    scale *= s;
                    self.pos += 1;
                }
                Kind::Mod(m) => {
                    mods.push(m);
                    self.pos += 1;
                }
                Kind::Material(m) => {
                    material = Some(m);
                    self.pos += 1;
                }
                // An unknown adjective before a known noun ("a flurble ball"): skip it.
                Kind::Unknown
                    if self.pos > start
                        && (1..=2).any(|k| matches!(self.peek_at(k), Some(Kind::Noun { .. })))
                        && !(1..2).any(|k| {
                            matches!(self.peek_at(k), Some(Kind::Verb(_) | Kind::Prep(_)))
                        }) =>
                {
                    self.u.ignored.push(self.toks[self.pos].text.clone());
                    self.pos += 1;
                }
                Kind::Filler if self.toks[self.pos].text == "of" && count.is_some() => {
                    self.pos += 1; // "ten of the dominoes"
                }
                ref arr
                    if a_of(arr).is_some()
                        && matches!(self.peek_at(1), Some(Kind::Prep(Prep::Of))) =>
                {
                    // "a tower of ten wooden blocks": the inner phrase's words join this one.
                    arrangement = a_of(arr);
                    self.pos += 2;
                }
                Kind::Noun { noun, plural, mat } => {
                    // A material-noun before another noun is a material ("glass bottle");
                    // a liquid is one ("water" in "a water tank" is the tank's water).
                    if let Some(m) = mat
                        && noun != Noun::Liquid
                        && matches!(
                            self.peek_at(1),
                            Some(Kind::Noun { .. } | Kind::Material(_) | Kind::Color(..))
                        )
                    {
                        material = Some(m);
                        self.pos += 1;
                        continue;
                    }
                    if noun == Noun::Liquid {
                        liquid = mat;
                    }
                    head = Some((noun, plural));
                    self.pos += 1;
                    break;
                }
                _ => break,
            }
        }
        let Some((noun, plural)) = head.or_else(|| {
            // A lone material that is also a noun ("a marble") is that noun.
            let m = material?;
            lex::NOUNS
                .iter()
                .find(|(s, _, _)| s.contains(&m.name))
                .map(|(_, _, n)| (*n, false))
        }) else {
            self.pos = start;
            return None;
        };
        if head.is_none() {
            material = None;
        }
        // After the head: "in a row", "stacked", a compound like "domino run" or "brick wall".
        loop {
            match self.peek().cloned() {
                // "a woman in a red coat", "a man wearing blue jeans", "a boy with red hair".
                Some(Kind::Wearing | Kind::Prep(Prep::In | Prep::With))
                    if head.is_some_and(|h| h.0.is_person()) && self.clothes_at(1) =>
                {
                    self.pos += 1;
                    self.clothes(&mut outfit);
                }
                Some(Kind::ArrPhrase(a)) => {
                    arrangement = Some(a);
                    self.pos += 1;
                }
                // "a glass of water", "a bucket full of milk", "a bowl of warm honey".
                Some(Kind::Prep(Prep::Of))
                    if head.is_some_and(|h| h.0.is_container()) && self.liquid_after_of() =>
                {
                    let of = self.pos;
                    let mut tint = None;
                    self.pos += 1;
                    loop {
                        match self.peek().cloned() {
                            Some(Kind::Noun {
                                noun: Noun::Liquid,
                                mat: Some(m),
                                ..
                            }) => {
                                self.pos += 1;
                                contents = Some((m, tint, self.text(of, self.pos)));
                                break;
                            }
                            Some(Kind::Color(w, h)) => {
                                tint = Some((w, h));
                                self.pos += 1;
                            }
                            Some(Kind::Unknown) => {
                                self.u.ignored.push(self.toks[self.pos].text.clone());
                                self.pos += 1;
                            }
                            _ => break,
                        }
                    }
                }
                // "a sheet of silk".
                Some(Kind::Prep(Prep::Of))
                    if head.is_some_and(|h| h.0.is_cloth())
                        && matches!(self.peek_at(1), Some(Kind::Material(_))) =>
                {
                    if let Some(Kind::Material(m)) = self.peek_at(1) {
                        material = Some(*m);
                    }
                    self.pos += 2;
                }
                Some(k @ (Kind::ArrNoun(_) | Kind::Noun { .. }))
                    if self.arrangement_of(&k).is_some()
                        && !matches!(self.peek_at(1), Some(Kind::Prep(Prep::Of))) =>
                {
                    arrangement = self.arrangement_of(&k);
                    self.pos += 1;
                }
                // "a domino run of 30 dominoes": the count comes after "of".
                Some(k @ (Kind::ArrNoun(_) | Kind::Noun { .. }))
                    if self.arrangement_of(&k).is_some()
                        && matches!(self.peek_at(1), Some(Kind::Prep(Prep::Of)))
                        && matches!(self.peek_at(2), Some(Kind::Num(_)))
                        && matches!(self.peek_at(3), Some(Kind::Noun { noun: n, .. }) if *n == head.map_or(Noun::Floor, |h| h.0)) =>
                {
                    arrangement = self.arrangement_of(&k);
                    if let Some(Kind::Num(n)) = self.peek_at(2) {
                        count = Some(*n);
                    }
                    self.pos += 4;
                }
                _ => break,
            }
        }
        // The tower and pyramid nouns stand for a tower of blocks, a pyramid of cubes.
        let (noun, arrangement) = match (noun, arrangement) {
            (Noun::Tower, None) => (Noun::Block, Some(Arrangement::Stack)),
            (Noun::Pyramid, None) => (Noun::Cube, Some(Arrangement::Pyramid)),
            (Noun::Tower, Some(a)) => (Noun::Block, Some(a)),
            (Noun::Pyramid, Some(a)) => (Noun::Cube, Some(a)),
            other => other,
        };
        let words_end = self.pos;
        let words = self.text(start, words_end);
        if noun == Noun::Floor {
            let (m, c, w) = self.u.floor.take().unwrap_or((None, None, String::new()));
            let w = if w.is_empty() {
                words
            } else {
                format!("{w}; {words}")
            };
            self.u.floor = Some((material.or(m), color.or(c), w));
            return Some(vec![]);
        }
        // Reference back: "the ball" after "a steel ball", "the water" after "a glass of
        // water" (the same liquid).
        if definite
            && count.is_none()
            && material.is_none()
            && color.is_none()
            && contents.is_none()
            && let Some(i) = self
                .u
                .groups
                .iter()
                .rposition(|g| g.noun == noun && (liquid.is_none() || g.material == liquid))
        {
            if arrangement.is_some() && self.u.groups[i].arrangement.is_none() {
                self.u.groups[i].arrangement = arrangement;
            }
            self.u.groups[i].outfit.extend(outfit);
            self.last = Some(i);
            if attach_pp {
                self.relation_for(vec![i]);
            }
            return Some(vec![i]);
        }
        let default_count = match (noun, arrangement) {
            (_, Some(Arrangement::Stack)) => 6,
            (_, Some(Arrangement::Pyramid)) => 10,
            (_, Some(Arrangement::Wall)) => 18,
            (Noun::Pin, _) if plural => 10,
            (Noun::Domino, _) if plural || arrangement.is_some() => 12,
            (_, Some(_)) => 8,
            _ if plural => 3,
            _ => 1,
        };
        let g = Group {
            noun,
            count: count.unwrap_or(default_count).max(1),
            counted: count.is_some(),
            plural,
            material: liquid.or(material),
            color,
            scale,
            mods,
            arrangement,
            relation: None,
            outfit,
            words,
        };
        self.u.groups.push(g);
        let i = self.u.groups.len() - 1;
        // What it holds: a liquid group in it, right after it.
        if let Some((m, tint, words)) = contents {
            self.u.groups.push(Group {
                noun: Noun::Liquid,
                count: 1,
                counted: false,
                plural: false,
                material: Some(m),
                color: tint,
                scale: 1.0,
                mods: Vec::new(),
                arrangement: None,
                relation: Some(Relation {
                    prep: Prep::In,
                    to: i,
                    and: None,
                    words: words.clone(),
                }),
                outfit: Vec::new(),
                words,
            });
        }
        self.last = Some(i);
        if attach_pp {
            self.relation_for(vec![i]);
        }
        Some(vec![i])
    }

    /// Whether clothes start `k` tokens on: determiners, then colors and a garment, or
    /// colors alone ("in red").
    fn clothes_at(&self, k: usize) -> bool {
        let mut k = k;
        while matches!(self.peek_at(k), Some(Kind::Det)) {
            k += 1;
        }
        let mut colors = 0;
        while matches!(self.peek_at(k), Some(Kind::Color(..))) {
            colors += 1;
            k += 1;
        }
        matches!(self.peek_at(k), Some(Kind::Garment(_)))
            || (colors > 0 && !matches!(self.peek_at(k), Some(Kind::Noun { .. })))
    }

    /// Reads clothes and their colors into `outfit`: "a red coat", "red", "a red coat and
    /// blue jeans". A color with no garment is the shirt's; a garment with no color is
    /// understood and changes nothing.
    fn clothes(&mut self, outfit: &mut Vec<(Garment, (&'static str, &'static str))>) {
        loop {
            while matches!(self.peek(), Some(Kind::Det)) {
                self.pos += 1;
            }
            let mut color = None;
            while let Some(Kind::Color(w, h)) = self.peek().cloned() {
                color = Some((w, h));
                self.pos += 1;
            }
            let garment = match self.peek() {
                Some(Kind::Garment(g)) => {
                    let g = *g;
                    self.pos += 1;
                    g
                }
                _ => Garment::Shirt,
            };
            if let Some(c) = color {
                outfit.push((garment, c));
            }
            let and = self.toks.get(self.pos).is_some_and(|t| t.text == "and");
            if and && self.clothes_at(1) && {
                // Only clothes go on: "and blue jeans", not "and a woman".
                let mut k = 1;
                while matches!(self.peek_at(k), Some(Kind::Det | Kind::Color(..))) {
                    k += 1;
                }
                matches!(self.peek_at(k), Some(Kind::Garment(_)))
            } {
                self.pos += 1;
                continue;
            }
            return;
        }
    }

    /// Whether a liquid follows the "of" here, past colors and unknown words ("a glass of
    /// cold water").
    fn liquid_after_of(&self) -> bool {
        let mut k = 1;
        while matches!(self.peek_at(k), Some(Kind::Color(..) | Kind::Unknown)) {
            k += 1;
        }
        matches!(
            self.peek_at(k),
            Some(Kind::Noun {
                noun: Noun::Liquid,
                mat: Some(_),
                ..
            })
        )
    }

    fn arrangement_of(&self, k: &Kind) -> Option<Arrangement> {
        a_of(k)
    }

    /// Static relation phrases after a noun phrase ("on the table", "next to a wall").
    /// Returns true if one was consumed.
    fn relation_for(&mut self, groups: Vec<usize>) -> bool {
        let mut any = false;
        while let Some(Kind::Prep(prep)) = self.peek().cloned() {
            if !matches!(
                prep,
                Prep::On
                    | Prep::Above
                    | Prep::Under
                    | Prep::Beside
                    | Prep::LeftOf
                    | Prep::RightOf
                    | Prep::InFrontOf
                    | Prep::Behind
                    | Prep::Between
                    | Prep::TopOf
                    | Prep::BottomOf
                    | Prep::In
                    | Prep::At
            ) {
                break;
            }
            if self.aiming && prep == Prep::At {
                break;
            }
            let start = self.pos;
            self.pos += 1;
            self.nest += 1;
            let objs = self.np_list(true);
            self.nest -= 1;
            if objs.is_empty() {
                // "on a marble floor" yields no group but is understood.
                if self.pos > start + 1 && self.u.floor.is_some() {
                    any = true;
                    continue;
                }
                self.pos = start;
                break;
            }
            let words = self.text(start, self.pos);
            let (to, and) = (objs[0], objs.get(1).copied());
            for &g in &groups {
                if g != to && self.u.groups[g].relation.is_none() && !self.leads_to(to, g) {
                    let prep = if prep == Prep::In || prep == Prep::At {
                        Prep::On
                    } else {
                        prep
                    };
                    self.u.groups[g].relation = Some(Relation {
                        prep,
                        to,
                        and,
                        words: words.clone(),
                    });
                }
            }
            any = true;
        }
        any
    }

    /// One or more verb phrases sharing the current subject.
    fn verb_phrases(&mut self) {
        self.in_vp = true;
        self.nest += 1;
        self.verb_phrases_inner();
        self.nest -= 1;
        self.in_vp = false;
    }

    fn verb_phrases_inner(&mut self) {
        loop {
            while matches!(self.peek(), Some(Kind::Filler)) {
                self.pos += 1;
            }
            let Some(Kind::Verb(verb)) = self.peek().cloned() else {
                return;
            };
            let start = self.pos;
            self.pos += 1;
            let mut verb = verb;
            let mut target = None;
            let mut path = None;
            // Direct object.
            if self.starts_np(0) && !matches!(verb, Verb::Fall | Verb::Bounce | Verb::Rest) {
                self.aiming = matches!(verb, Verb::Kick | Verb::Toss);
                let objs = self.np_list(true);
                self.aiming = false;
                target = objs.first().copied();
                // "knocks the tower over"
                if matches!(self.peek(), Some(Kind::Prep(Prep::Above | Prep::Down)))
                    && verb == Verb::KnockOver
                {
                    self.pos += 1;
                }
            }
            if verb == Verb::Fall
                && matches!(self.peek(), Some(Kind::Prep(Prep::Above)))
                && !self.starts_np(1)
            {
                verb = Verb::Topple;
                self.pos += 1;
            }
            // Prepositional phrases.
            while let Some(Kind::Prep(prep)) = self.peek().cloned() {
                let pstart = self.pos;
                self.pos += 1;
                let objs = self.np_list(true);
                let Some(&obj) = objs.first() else {
                    if self.pos == pstart + 1
                        && matches!(prep, Prep::Down | Prep::Off | Prep::Across | Prep::Above)
                    {
                        // A particle: "rolls down into …", "falls off".
                        if path.is_none() && prep != Prep::Above {
                            path = Some((prep, usize::MAX));
                        }
                        continue;
                    }
                    if self.u.floor.is_some() && self.pos > pstart + 1 {
                        // "onto the floor", "across the floor": the floor is understood; a
                        // person who "sits on the floor" has it for a seat.
                        let sits = verb == Verb::Sit
                            && matches!(prep, Prep::On | Prep::Onto)
                            && self.subject_is_person();
                        if (matches!(prep, Prep::Onto | Prep::Off | Prep::Down) || sits)
                            && path.is_none()
                        {
                            path = Some((prep, usize::MAX));
                        }
                        continue;
                    }
                    self.pos = pstart;
                    break;
                };
                match prep {
                    // A person sits on a seat: "sits on the bench", "sits down at the table".
                    Prep::On | Prep::Onto | Prep::In | Prep::At
                        if verb == Verb::Sit && target.is_none() && self.subject_is_person() =>
                    {
                        target = Some(obj);
                    }
                    // What a person kicks or throws goes somewhere: "kicks the ball into
                    // the cans", "throws a ball at the tower".
                    Prep::At | Prep::Into | Prep::Onto
                        if matches!(verb, Verb::Kick | Verb::Toss)
                            && target.is_some()
                            && path.is_none() =>
                    {
                        path = Some((prep, obj));
                    }
                    // Liquids: "is poured into a glass", "floats in water", "splashes onto
                    // the table", "is filled with milk": the first object is the target, a
                    // second ("pour honey into a bowl") the path.
                    Prep::Onto
                    | Prep::On
                    | Prep::Into
                    | Prep::In
                    | Prep::At
                    | Prep::With
                    | Prep::TopOf
                    | Prep::BottomOf
                        if verb.is_fluid() =>
                    {
                        if target.is_none() {
                            target = Some(obj);
                        } else if path.is_none() {
                            path = Some((prep, obj));
                        } else {
                            self.u.ignored.push(self.text(pstart, self.pos));
                        }
                    }
                    // Cloth: "drapes over a ball", "folds onto the table", "is pulled
                    // from under the cups", "is pulled off the table".
                    Prep::Onto | Prep::On | Prep::Above | Prep::Across | Prep::Into
                        if matches!(verb, Verb::Drape | Verb::Fold) =>
                    {
                        if target.is_none() {
                            target = Some(obj);
                        }
                        path = Some((Prep::Onto, obj));
                    }
                    Prep::Under | Prep::Off | Prep::From | Prep::Across
                        if verb == Verb::Pull && path.is_none() =>
                    {
                        path = Some((prep, obj));
                    }
                    Prep::Into | Prep::At | Prep::With if target.is_none() => target = Some(obj),
                    Prep::Onto | Prep::On
                        if matches!(verb, Verb::Fall | Verb::Bounce | Verb::Throw) =>
                    {
                        if target.is_none() {
                            target = Some(obj);
                        }
                        path = Some((Prep::Onto, obj));
                    }
                    Prep::Down
                    | Prep::Off
                    | Prep::From
                    | Prep::Across
                    | Prep::TopOf
                    | Prep::BottomOf
                        if path.is_none() =>
                    {
                        path = Some((prep, obj));
                    }
                    Prep::On
                    | Prep::In
                    | Prep::Beside
                    | Prep::Above
                    | Prep::Under
                    | Prep::LeftOf
                    | Prep::RightOf
                    | Prep::InFrontOf
                    | Prep::Behind => {
                        let words = self.text(pstart, self.pos);
                        for &g in &self.subject.clone() {
                            if g != obj
                                && self.u.groups[g].relation.is_none()
                                && !self.leads_to(obj, g)
                            {
                                let prep = if prep == Prep::In { Prep::On } else { prep };
                                self.u.groups[g].relation = Some(Relation {
                                    prep,
                                    to: obj,
                                    and: None,
                                    words: words.clone(),
                                });
                            }
                        }
                    }
                    _ => self.u.ignored.push(self.text(pstart, self.pos)),
                }
            }
            let words = self.text(start, self.pos);
            let mut subjects = self.subject.clone();
            if verb.is_fluid() {
                (subjects, target, path) = self.fluid_event(verb, subjects, target, path);
            }
            if subjects.is_empty() {
                self.u.ignored.push(words);
            } else {
                for actor in subjects {
                    if Some(actor) == target {
                        continue;
                    }
                    // "sits" said of an object is "rests", as it was before people came.
                    let verb = match verb {
                        Verb::Sit if !self.u.groups[actor].noun.is_person() => Verb::Rest,
                        v => v,
                    };
                    self.u.events.push(Event {
                        actor,
                        verb,
                        target,
                        path,
                        words: words.clone(),
                    });
                }
            }
            // "and knocks over …": the same subject goes on.
            let and_verb = matches!(self.peek(), Some(Kind::Conj | Kind::Sep)) && {
                let mut k = 1;
                while matches!(self.peek_at(k), Some(Kind::Filler | Kind::Conj)) {
                    k += 1;
                }
                matches!(self.peek_at(k), Some(Kind::Verb(_)))
            };
            if and_verb {
                self.pos += 1;
                while matches!(self.peek(), Some(Kind::Conj)) {
                    self.pos += 1;
                }
                continue;
            }
            return;
        }
    }
}

impl Parser {
    /// Whether the current subject is a person.
    fn subject_is_person(&self) -> bool {
        self.subject
            .iter()
            .any(|&g| self.u.groups.get(g).is_some_and(|g| g.noun.is_person()))
    }

    /// Who does a liquid verb, to what: a pour or a fill is the liquid's, into the vessel
    /// named with it, whichever way round the sentence puts them ("water is poured into a
    /// glass", "pour honey into a bowl", "a glass is filled with milk"); with no subject
    /// ("splash water onto the floor"), the liquid object acts.
    fn fluid_event(
        &self,
        verb: Verb,
        subjects: Vec<usize>,
        target: Option<usize>,
        path: Option<(Prep, usize)>,
    ) -> (Vec<usize>, Option<usize>, Option<(Prep, usize)>) {
        let is_liquid = |g: usize| self.u.groups.get(g).is_some_and(|g| g.noun.is_liquid());
        // A person who pours does it (and is refused: people cannot pour yet).
        if subjects
            .iter()
            .any(|&g| self.u.groups.get(g).is_some_and(|g| g.noun.is_person()))
        {
            return (subjects, target, path);
        }
        let path_obj = path.map(|(_, o)| o);
        match verb {
            Verb::Pour | Verb::Fill => {
                let named: Vec<usize> = subjects
                    .iter()
                    .copied()
                    .chain(target)
                    .chain(path_obj)
                    .collect();
                let liquid = named.iter().copied().find(|&g| is_liquid(g));
                let vessel = named.iter().copied().find(|&g| !is_liquid(g));
                match liquid {
                    Some(l) => (vec![l], vessel, None),
                    None => (subjects, target, path),
                }
            }
            _ if subjects.is_empty() => match target {
                Some(t) if is_liquid(t) => (vec![t], path_obj, None),
                _ => (subjects, target, path),
            },
            _ => (subjects, target, path),
        }
    }

    /// Whether following relations from `from` reaches `to` (a relation back would make
    /// a cycle: "a on b" and "b on a").
    fn leads_to(&self, from: usize, to: usize) -> bool {
        let mut at = from;
        for _ in 0..=self.u.groups.len() {
            if at == to {
                return true;
            }
            match self.u.groups.get(at).and_then(|g| g.relation.as_ref()) {
                Some(r) => at = r.to,
                None => return false,
            }
        }
        true
    }
}

fn a_of(k: &Kind) -> Option<Arrangement> {
    match k {
        Kind::ArrNoun(a) => Some(*a),
        Kind::Noun {
            noun: Noun::Tower, ..
        } => Some(Arrangement::Stack),
        Kind::Noun {
            noun: Noun::Pyramid,
            ..
        } => Some(Arrangement::Pyramid),
        Kind::Noun {
            noun: Noun::Wall, ..
        } => Some(Arrangement::Wall),
        Kind::Noun {
            noun: Noun::Pillar, ..
        } => None,
        _ => None,
    }
}
