//! A visible watermark (`render --watermark`): a line of text burnt into the
//! bottom-right corner of every picture the render writes (`preview/`, `rgb/`,
//! `reference/`, and so the MP4s made from them), white over a dark shadow so it reads
//! on any background. Its text says the picture is synthetic and, with a cameo, names
//! the consent record: `SYNTHETIC · cinegraph · consent c-example-0001`.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The watermark's text, stamped by [`Watermark::stamp_rgba`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    /// What it says.
    pub text: String,
}

impl Watermark {
    /// The watermark of a render: `SYNTHETIC · cinegraph`, then each cameo's consent id.
    pub fn for_render<'a>(consent_ids: impl Iterator<Item = &'a str>) -> Watermark {
        let mut text = String::from("SYNTHETIC · cinegraph");
        for id in consent_ids {
            text.push_str(" · consent ");
            text.push_str(id);
        }
        Watermark { text }
    }

    /// The text's coverage in a `width`-wide strip along the bottom of a `width × height`
    /// picture, right-aligned with a margin: `(strip height, alpha per pixel in [0, 1])`.
    /// The font is `height / 24` pixels (at least 9), smaller when the line would not
    /// fit the width (at least 6).
    fn mask(&self, width: u32, height: u32) -> Option<(u32, Vec<f32>)> {
        let fit = 1.8 * f64::from(width) / self.text.chars().count().max(1) as f64;
        let size = (f64::from(height) / 24.0).max(9.0).min(fit).max(6.0);
        let strip = ((size * 1.6).ceil() as u32).min(height);
        if width < 16 || strip == 0 {
            return None;
        }
        super::plot::register_font();
        let mut rgb = vec![0u8; (width * strip * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (width, strip)).into_drawing_area();
            let style = TextStyle::from(("sans-serif", size).into_font())
                .color(&WHITE)
                .pos(Pos::new(HPos::Right, VPos::Center));
            let margin = (size * 0.6) as i32;
            root.draw(&Text::new(
                self.text.clone(),
                (width as i32 - margin, strip as i32 / 2),
                style,
            ))
            .ok()?;
            root.present().ok()?;
        }
        Some((
            strip,
            rgb.chunks_exact(3)
                .map(|p| f32::from(p[0]) / 255.0)
                .collect(),
        ))
    }

    /// Burns the text into an RGBA8 picture (sRGB) in place: a shadow one pixel down and
    /// right at 80 % black, then the text at 95 % white. A picture too small for it is
    /// left as it is.
    pub fn stamp_rgba(&self, rgba: &mut [u8], width: u32, height: u32) {
        if rgba.len() != (width as usize) * (height as usize) * 4 {
            return;
        }
        let Some((strip, alpha)) = self.mask(width, height) else {
            return;
        };
        let top = height - strip;
        let at = |x: u32, y: u32| ((top + y) as usize * width as usize + x as usize) * 4;
        let blend = |p: &mut [u8], target: f32, a: f32| {
            for c in &mut p[..3] {
                *c = (f32::from(*c) * (1.0 - a) + target * a).round() as u8;
            }
        };
        for y in 0..strip {
            for x in 0..width {
                let a = alpha[(y * width + x) as usize];
                if a > 0.0 && x + 1 < width && y + 1 < strip {
                    let i = at(x + 1, y + 1);
                    blend(&mut rgba[i..i + 4], 0.0, 0.8 * a);
                }
            }
        }
        for y in 0..strip {
            for x in 0..width {
                let a = alpha[(y * width + x) as usize];
                if a > 0.0 {
                    let i = at(x, y);
                    blend(&mut rgba[i..i + 4], 255.0, 0.95 * a);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stamp changes only the bottom strip, draws light text with a dark shadow
    /// there, and is the same every time.
    #[test]
    fn the_stamp_marks_only_the_bottom_right_and_is_deterministic() {
        let (w, h) = (640u32, 360u32);
        let grey = vec![128u8; (w * h * 4) as usize];
        let mark = Watermark::for_render(["c-1"].into_iter());
        assert_eq!(mark.text, "SYNTHETIC · cinegraph · consent c-1");
        let mut a = grey.clone();
        mark.stamp_rgba(&mut a, w, h);
        let mut b = grey.clone();
        mark.stamp_rgba(&mut b, w, h);
        assert_eq!(a, b, "the stamp is deterministic");
        let (mut changed, mut light, mut dark, mut lowest_row) = (0, 0, 0, h);
        let mut leftmost = w;
        for y in 0..h {
            for x in 0..w {
                let i = ((y * w + x) * 4) as usize;
                if a[i] != 128 {
                    changed += 1;
                    lowest_row = lowest_row.min(y);
                    leftmost = leftmost.min(x);
                    light += usize::from(a[i] > 180);
                    dark += usize::from(a[i] < 90);
                }
            }
        }
        println!(
            "watermark: {changed} pixels changed, rows from {lowest_row}, columns from {leftmost}, {light} light, {dark} dark"
        );
        assert!(changed > 200, "{changed} pixels changed");
        assert!(lowest_row >= h - 24, "the stamp reaches row {lowest_row}");
        assert!(leftmost > w / 4, "the stamp reaches column {leftmost}");
        assert!(light > 20 && dark > 20, "{light} light, {dark} dark");
    }
}
