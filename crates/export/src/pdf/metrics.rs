//! The font's glyph advances: measuring, cleaning, cutting and wrapping text.

use std::collections::HashMap;

use krilla::text::{GlyphId, KrillaGlyph};

use super::{PdfError, FONT};

/// Glyph advances of the font, to measure, wrap and truncate text.
pub(super) struct Metrics {
    face: ttf_parser::Face<'static>,
    units: f32,
    /// Glyph and advance in em, `None` when the font has no glyph for the character.
    cache: HashMap<char, Option<(u16, f32)>>,
}

impl Metrics {
    pub(super) fn new() -> Result<Metrics, PdfError> {
        let face = ttf_parser::Face::parse(FONT, 0).map_err(|_| PdfError::Font)?;
        let units = f32::from(face.units_per_em()).max(1.0);
        Ok(Metrics {
            face,
            units,
            cache: HashMap::new(),
        })
    }

    fn glyph(&mut self, c: char) -> Option<(u16, f32)> {
        if let Some(g) = self.cache.get(&c) {
            return *g;
        }
        let g = self.face.glyph_index(c).and_then(|g| {
            let a = self.face.glyph_hor_advance(g)?;
            Some((g.0, f32::from(a) / self.units))
        });
        self.cache.insert(c, g);
        g
    }

    fn advance(&mut self, c: char) -> Option<f32> {
        self.glyph(c).map(|(_, a)| a)
    }

    /// The glyphs of a cleaned text, one per character: the font has no ligatures or kerning
    /// that matter for these records, and mapping characters ourselves is many times faster
    /// than shaping each string.
    pub(super) fn glyphs(&mut self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (id, advance) = self.glyph(c).unwrap_or((0, 0.5));
                KrillaGlyph::new(
                    GlyphId::new(u32::from(id)),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    /// The text as it can be drawn: control characters become spaces and characters the font
    /// lacks become `?` (never an empty box).
    pub(super) fn clean(&mut self, text: &str) -> String {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    ' '
                } else if self.advance(c).is_some() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    pub(super) fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(c).unwrap_or(0.5))
            .sum::<f32>()
            * size
    }

    /// The text cut to `max_w` with an ellipsis when it is longer.
    pub(super) fn fit(&mut self, text: &str, size: f32, max_w: f32) -> String {
        if self.width(text, size) <= max_w {
            return text.to_string();
        }
        let limit = max_w - self.width("…", size);
        let mut out = String::new();
        let mut w = 0.0;
        for c in text.chars() {
            let a = self.advance(c).unwrap_or(0.5) * size;
            if w + a > limit {
                break;
            }
            w += a;
            out.push(c);
        }
        out.truncate(out.trim_end().len());
        out.push('…');
        out
    }

    /// Greedy line breaking: at a space when the line has one (Latin text), else between any
    /// two characters (Chinese needs no spaces). At most `max_lines`, the last one cut with an
    /// ellipsis when text is left over. Always at least one line.
    pub(super) fn wrap(
        &mut self,
        text: &str,
        size: f32,
        max_w: f32,
        max_lines: usize,
    ) -> Vec<String> {
        let max_lines = max_lines.max(1);
        let mut lines: Vec<String> = Vec::new();
        let mut rest_start = None;
        'paragraphs: for (pi, para) in text.split('\n').enumerate() {
            let chars: Vec<char> = para.chars().collect();
            let mut start = 0;
            while start < chars.len() || (start == 0 && chars.is_empty()) {
                if lines.len() == max_lines {
                    rest_start = Some((pi, start));
                    break 'paragraphs;
                }
                let mut w = 0.0;
                let mut end = start;
                let mut last_space = None;
                while end < chars.len() {
                    let a = self.advance(chars[end]).unwrap_or(0.5) * size;
                    if w + a > max_w && end > start {
                        break;
                    }
                    if chars[end] == ' ' {
                        last_space = Some(end);
                    }
                    w += a;
                    end += 1;
                }
                let mut next = end;
                if end < chars.len() {
                    if let Some(s) = last_space.filter(|&s| s > start) {
                        // Break at the space only when it keeps most of the line.
                        if (s - start) * 2 >= end - start {
                            end = s;
                            next = s + 1;
                        }
                    }
                }
                lines.push(
                    chars[start..end]
                        .iter()
                        .collect::<String>()
                        .trim_end()
                        .into(),
                );
                start = next;
                if chars.is_empty() {
                    break;
                }
            }
        }
        if rest_start.is_some() {
            if let Some(last) = lines.last_mut() {
                let cut = format!("{last}…");
                *last = self.fit(&cut, size, max_w);
                if !last.ends_with('…') {
                    last.push('…');
                }
            }
        }
        if lines.is_empty() {
            lines.push(String::new());
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_chinese_anywhere_and_latin_at_spaces_and_cuts_with_an_ellipsis() {
        let mut m = Metrics::new().unwrap();
        let zh = "输血过程中患者出现寒战发热，立即停止输血并通知医生";
        let lines = m.wrap(zh, 10.0, 60.0, 10);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), zh);
        assert!(lines.iter().all(|l| m.width(l, 10.0) <= 60.0 + 0.01));
        let en = "the quick brown fox jumps over the lazy dog";
        let lines = m.wrap(en, 10.0, 80.0, 10);
        assert!(lines.iter().all(|l| !l.starts_with(' ')), "{lines:?}");
        let long = "x".repeat(5000);
        let lines = m.wrap(&long, 8.0, 100.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
        assert!(m.width(&lines[2], 8.0) <= 100.0 + 0.01);
        assert_eq!(m.wrap("", 8.0, 100.0, 3), vec![String::new()]);
        assert_eq!(m.fit("abc", 8.0, 0.0), "…");
    }
}
