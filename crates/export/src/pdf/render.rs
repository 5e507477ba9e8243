//! Writing the laid-out pages with krilla, each with its footer.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::text::Font;
use krilla::Document;

use super::layout::{Layout, Op};
use super::metrics::Metrics;
use super::{PdfError, FONT, GREY, LEFT, PAGE_H, PAGE_W, RIGHT, RULE, WIDTH};

impl Layout {
    /// Writes the pages, each with its footer: `footer · page i / n`.
    pub(super) fn finish(self, title: &str) -> Result<Vec<u8>, PdfError> {
        let font = Font::new(FONT.into(), 0).ok_or(PdfError::Font)?;
        let mut doc = Document::new();
        doc.set_metadata(
            Metadata::new()
                .title(title.to_string())
                .creator("bedside".to_string()),
        );
        let total = self.pages.len();
        let settings = || PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Font);
        let mut m = self.m;
        for (i, ops) in self.pages.iter().enumerate() {
            let mut page = doc.start_page_with(settings()?);
            let mut s = page.surface();
            let page_words = bedside_core::messages::Text::tr(
                "page {n} of {total}",
                &[("n", &(i + 1).to_string()), ("total", &total.to_string())],
            );
            let page_words = page_words.get(self.lang).to_string();
            let footer_y = PAGE_H - 28.0;
            let footer = Op::Text {
                x: LEFT,
                y: footer_y,
                size: 7.5,
                rgb: GREY,
                text: m.fit(&self.footer, 7.5, WIDTH - 90.0),
            };
            let pw = m.width(&page_words, 7.5);
            let page_no = Op::Text {
                x: RIGHT - pw,
                y: footer_y,
                size: 7.5,
                rgb: GREY,
                text: page_words,
            };
            let rule = Op::Line {
                points: vec![(LEFT, footer_y - 10.0), (RIGHT, footer_y - 10.0)],
                rgb: RULE,
                width: 0.5,
                dashed: false,
            };
            for op in ops.iter().chain([&rule, &footer, &page_no]) {
                draw(&mut s, &font, &mut m, op);
            }
            s.finish();
            page.finish();
        }
        doc.finish().map_err(|e| PdfError::Write(e.to_string()))
    }
}

fn colour(c: [u8; 3]) -> krilla::paint::Paint {
    rgb::Color::new(c[0], c[1], c[2]).into()
}

fn draw(s: &mut krilla::surface::Surface, font: &Font, m: &mut Metrics, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            rgb,
            text,
        } => {
            s.set_stroke(None);
            s.set_fill(Some(Fill {
                paint: colour(*rgb),
                ..Fill::default()
            }));
            let glyphs = m.glyphs(text);
            s.draw_glyphs(
                Point::from_xy(*x, *y),
                &glyphs,
                font.clone(),
                text,
                *size,
                false,
            );
        }
        Op::Rect { x, y, w, h, rgb } => {
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                s.set_stroke(None);
                s.set_fill(Some(Fill {
                    paint: colour(*rgb),
                    ..Fill::default()
                }));
                s.draw_path(&path);
            }
        }
        Op::Line {
            points,
            rgb,
            width,
            dashed,
        } => {
            let mut pb = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    pb.move_to(*x, *y);
                } else {
                    pb.line_to(*x, *y);
                }
            }
            if let Some(path) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: colour(*rgb),
                    width: *width,
                    dash: dashed.then(|| StrokeDash {
                        array: vec![3.0, 2.0],
                        offset: 0.0,
                    }),
                    ..Stroke::default()
                }));
                s.draw_path(&path);
            }
        }
    }
}
