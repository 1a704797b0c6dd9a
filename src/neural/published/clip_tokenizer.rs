//! CLIP's byte-level BPE tokenizer (Radford et al. 2021; OpenAI's `simple_tokenizer.py`,
//! Hugging Face's `CLIPTokenizer`), read from a checkpoint's `tokenizer/vocab.json` and
//! `tokenizer/merges.txt`.
//!
//! Text is cleaned (whitespace runs become one space, ends trimmed; `ftfy`'s mojibake
//! repair and HTML unescaping are not done) and lowercased, then split like CLIP's regex
//! `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+`
//! (letters are Unicode alphabetic characters that are not numeric). Each piece's UTF-8
//! bytes are mapped to printable characters (GPT-2's `bytes_to_unicode`), its last symbol
//! gets the end-of-word mark `</w>`, and the pair of adjacent symbols with the lowest
//! merge rank is merged until no pair has a rank. The ids are `<|startoftext|>`, at most
//! `context − 2` tokens, `<|endoftext|>`, then the pad token up to the context length.

use std::collections::HashMap;
use std::path::Path;

use crate::neural::NeuralError;

const BOS: &str = "<|startoftext|>";
const EOS: &str = "<|endoftext|>";

/// A CLIP tokenizer.
#[derive(Debug, Clone)]
pub struct ClipTokenizer {
    vocab: HashMap<String, u32>,
    ranks: HashMap<(String, String), usize>,
    byte_chars: Vec<char>,
    bos: u32,
    eos: u32,
    pad: u32,
    context: usize,
}

/// GPT-2's map of the 256 byte values to printable characters: printable Latin-1 bytes
/// map to themselves, the others to `U+0100` onwards in byte order.
fn bytes_to_unicode() -> Vec<char> {
    let printable = |b: u32| {
        (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b)
    };
    let mut next = 256u32;
    (0u32..256)
        .map(|b| {
            let code = if printable(b) {
                b
            } else {
                next += 1;
                next - 1
            };
            char::from_u32(code).unwrap_or('?')
        })
        .collect()
}

impl ClipTokenizer {
    /// Reads `vocab.json` and `merges.txt`; `pad_token` pads the ids (Stable Diffusion 2
    /// pads with `"!"`, version 1 with `<|endoftext|>`); `context` is the length of every
    /// encoded prompt (77).
    ///
    /// # Errors
    /// Missing or malformed files, naming them; a vocabulary without CLIP's special
    /// tokens or the pad token.
    pub fn from_files(
        vocab: &Path,
        merges: &Path,
        pad_token: &str,
        context: usize,
    ) -> Result<Self, NeuralError> {
        let read = |p: &Path, what: &str| {
            std::fs::read_to_string(p).map_err(|e| {
                NeuralError::Data(if e.kind() == std::io::ErrorKind::NotFound {
                    format!("{}: missing file ({what})", p.display())
                } else {
                    format!("{}: cannot read {what}: {e}", p.display())
                })
            })
        };
        let v = read(vocab, "the CLIP tokenizer's vocabulary")?;
        let m = read(merges, "the CLIP tokenizer's BPE merges")?;
        Self::from_strs(&v, &m, pad_token, context)
            .map_err(|e| NeuralError::Data(format!("{}: {e}", vocab.display())))
    }

    /// From the contents of `vocab.json` and `merges.txt`.
    ///
    /// # Errors
    /// A vocabulary that is not a JSON object of ids or lacks a special token.
    pub fn from_strs(
        vocab_json: &str,
        merges_txt: &str,
        pad_token: &str,
        context: usize,
    ) -> Result<Self, String> {
        let vocab: HashMap<String, u32> =
            serde_json::from_str(vocab_json).map_err(|e| format!("not a vocabulary: {e}"))?;
        let ranks = merges_txt
            .lines()
            .filter(|l| !l.starts_with("#version") && !l.trim().is_empty())
            .filter_map(|l| l.split_once(' '))
            .enumerate()
            .map(|(rank, (a, b))| ((a.to_string(), b.to_string()), rank))
            .collect();
        let id = |t: &str| {
            vocab
                .get(t)
                .copied()
                .ok_or_else(|| format!("the vocabulary lacks the token {t:?}"))
        };
        if context < 2 {
            return Err(format!(
                "a context of {context} tokens cannot hold bos and eos"
            ));
        }
        Ok(Self {
            bos: id(BOS)?,
            eos: id(EOS)?,
            pad: id(pad_token)?,
            ranks,
            byte_chars: bytes_to_unicode(),
            context,
            vocab,
        })
    }

    /// The largest id the tokenizer can produce.
    pub fn max_id(&self) -> u32 {
        self.vocab.values().copied().max().unwrap_or(0)
    }

    /// `text` as exactly `context` ids: bos, the tokens (cut to fit), eos, padding.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let clean = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let clean = clean.to_lowercase();
        let mut ids = vec![self.bos];
        for piece in split(&clean) {
            if piece == BOS || piece == EOS {
                ids.push(if piece == BOS { self.bos } else { self.eos });
                continue;
            }
            let mapped: String = piece
                .bytes()
                .map(|b| self.byte_chars[usize::from(b)])
                .collect();
            for token in self.bpe(&mapped) {
                // CLIP's unknown token is <|endoftext|>.
                ids.push(self.vocab.get(&token).copied().unwrap_or(self.eos));
            }
        }
        ids.truncate(self.context - 1);
        ids.push(self.eos);
        ids.resize(self.context, self.pad);
        ids
    }

    /// Byte-pair merges of one piece (already mapped to printable characters).
    fn bpe(&self, piece: &str) -> Vec<String> {
        let mut word: Vec<String> = piece.chars().map(String::from).collect();
        if let Some(last) = word.last_mut() {
            last.push_str("</w>");
        }
        loop {
            let best = word
                .windows(2)
                .filter_map(|w| self.ranks.get(&(w[0].clone(), w[1].clone())))
                .min()
                .copied();
            let Some(best) = best else {
                return word;
            };
            let mut merged = Vec::with_capacity(word.len());
            let mut i = 0;
            while i < word.len() {
                if i + 1 < word.len()
                    && self.ranks.get(&(word[i].clone(), word[i + 1].clone())) == Some(&best)
                {
                    merged.push(format!("{}{}", word[i], word[i + 1]));
                    i += 2;
                } else {
                    merged.push(word[i].clone());
                    i += 1;
                }
            }
            word = merged;
        }
    }
}

/// CLIP's regex split, by hand (see the module docs).
fn split(text: &str) -> Vec<&str> {
    let is_letter = |c: char| c.is_alphabetic() && !c.is_numeric();
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let special = [BOS, EOS, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
            .into_iter()
            .find(|s| rest.starts_with(s));
        let len = if let Some(s) = special {
            s.len()
        } else if is_letter(c) {
            rest.find(|ch: char| !is_letter(ch)).unwrap_or(rest.len())
        } else if c.is_numeric() {
            c.len_utf8()
        } else {
            rest.find(|ch: char| ch.is_whitespace() || is_letter(ch) || ch.is_numeric())
                .unwrap_or(rest.len())
        };
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

#[cfg(test)]
pub(super) fn split_for_test(text: &str) -> Vec<&str> {
    split(text)
}
