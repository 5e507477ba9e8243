//! Pages as lists of drawing operations, and the building blocks the reports are made of: titles,
//! headings, paragraphs, label–value pairs and tables that break across pages.

use bedside_core::messages::{tr, Lang};

use super::metrics::Metrics;
use super::{PdfError, ACCENT, BLACK, BOTTOM, GREY, LEFT, RIGHT, RULE, STRIPE, TOP, WIDTH};

pub(super) enum Op {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        rgb: [u8; 3],
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        rgb: [u8; 3],
    },
    Line {
        points: Vec<(f32, f32)>,
        rgb: [u8; 3],
        width: f32,
        dashed: bool,
    },
}

/// A column of a table: its heading and width.
pub(super) struct Col<'a> {
    pub(super) title: &'a str,
    pub(super) width: f32,
}

/// Pages being laid out.
pub(super) struct Layout {
    pub(super) m: Metrics,
    pub(super) lang: Lang,
    pub(super) pages: Vec<Vec<Op>>,
    /// Top of the next thing on the current page.
    pub(super) y: f32,
    /// Words at the left of every footer.
    pub(super) footer: String,
}

impl Layout {
    pub(super) fn new(lang: Lang, footer: String) -> Result<Layout, PdfError> {
        let mut l = Layout {
            m: Metrics::new()?,
            lang,
            pages: Vec::new(),
            y: TOP,
            footer: String::new(),
        };
        l.footer = l.m.clean(&footer);
        l.new_page();
        Ok(l)
    }

    pub(super) fn t<'a>(&self, msgid: &'a str) -> &'a str {
        tr(self.lang, msgid)
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn op(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// Starts a new page unless `h` more points fit on this one.
    pub(super) fn ensure(&mut self, h: f32) -> bool {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
            true
        } else {
            false
        }
    }

    pub(super) fn text(&mut self, x: f32, y: f32, size: f32, rgb: [u8; 3], text: &str) {
        let text = self.m.clean(text);
        if !text.trim().is_empty() {
            self.op(Op::Text {
                x,
                y,
                size,
                rgb,
                text,
            });
        }
    }

    pub(super) fn text_right(&mut self, right: f32, y: f32, size: f32, rgb: [u8; 3], text: &str) {
        let text = self.m.clean(text);
        let w = self.m.width(&text, size);
        self.text(right - w, y, size, rgb, &text);
    }

    pub(super) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: [u8; 3]) {
        if w > 0.0 && h > 0.0 {
            self.op(Op::Rect { x, y, w, h, rgb });
        }
    }

    pub(super) fn line(&mut self, points: Vec<(f32, f32)>, rgb: [u8; 3], width: f32, dashed: bool) {
        if points.len() >= 2 {
            self.op(Op::Line {
                points,
                rgb,
                width,
                dashed,
            });
        }
    }

    pub(super) fn title(&mut self, text: &str, sub: &str) {
        self.text(LEFT, self.y + 16.0, 17.0, ACCENT, text);
        self.text_right(RIGHT, self.y + 16.0, 8.5, GREY, sub);
        self.y += 24.0;
        self.line(vec![(LEFT, self.y), (RIGHT, self.y)], ACCENT, 1.2, false);
        self.y += 8.0;
    }

    pub(super) fn heading(&mut self, text: &str) {
        self.ensure(40.0);
        self.y += 8.0;
        self.text(LEFT, self.y + 11.0, 11.0, ACCENT, text);
        self.y += 15.0;
        self.line(vec![(LEFT, self.y), (RIGHT, self.y)], RULE, 0.5, false);
        self.y += 4.0;
    }

    /// A wrapped paragraph, indented by `indent`.
    pub(super) fn para(&mut self, text: &str, size: f32, rgb: [u8; 3], indent: f32) {
        let lines = self.m.wrap(text, size, WIDTH - indent, 40);
        for line in lines {
            self.ensure(size * 1.4);
            self.text(LEFT + indent, self.y + size, size, rgb, &line);
            self.y += size * 1.4;
        }
    }

    /// Label–value pairs in two columns.
    pub(super) fn pairs(&mut self, pairs: &[(&str, String)]) {
        let size = 9.0;
        let col_w = WIDTH / 2.0;
        let label_w = 62.0;
        for chunk in pairs.chunks(2) {
            let wrapped: Vec<Vec<String>> = chunk
                .iter()
                .map(|(_, v)| self.m.wrap(v, size, col_w - label_w - 8.0, 3))
                .collect();
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1);
            let h = n as f32 * size * 1.35 + 3.0;
            self.ensure(h);
            for (i, ((label, _), lines)) in chunk.iter().zip(wrapped).enumerate() {
                let x = LEFT + i as f32 * col_w;
                let label = self.m.fit(label, 8.0, label_w - 4.0);
                self.text(x, self.y + size, 8.0, GREY, &label);
                for (j, line) in lines.iter().enumerate() {
                    let y = self.y + size + j as f32 * size * 1.35;
                    self.text(x + label_w, y, size, BLACK, line);
                }
            }
            self.y += h;
        }
    }

    fn table_header(&mut self, cols: &[Col], size: f32) {
        let h = size * 1.4 + 4.0;
        self.rect(LEFT, self.y, WIDTH, h, [225, 225, 225]);
        let mut x = LEFT;
        for c in cols {
            let title = self.m.fit(c.title, size, c.width - 4.0);
            self.text(x + 2.0, self.y + size + 2.0, size, BLACK, &title);
            x += c.width;
        }
        self.y += h;
    }

    /// A table broken across pages as needed, its header repeated on each. Cells wrap to at
    /// most `max_lines` lines.
    pub(super) fn table(
        &mut self,
        cols: &[Col],
        rows: &[Vec<String>],
        size: f32,
        max_lines: usize,
    ) {
        let lh = size * 1.3;
        self.ensure(size * 1.4 + 4.0 + lh + 3.0);
        self.table_header(cols, size);
        for (i, row) in rows.iter().enumerate() {
            let cells: Vec<Vec<String>> = cols
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let text = row.get(j).map(String::as_str).unwrap_or("");
                    self.m.wrap(text, size, c.width - 4.0, max_lines)
                })
                .collect();
            let n = cells.iter().map(Vec::len).max().unwrap_or(1);
            let h = n as f32 * lh + 3.0;
            if self.ensure(h) {
                self.table_header(cols, size);
            }
            if i % 2 == 1 {
                self.rect(LEFT, self.y, WIDTH, h, STRIPE);
            }
            let mut x = LEFT;
            for (c, lines) in cols.iter().zip(cells) {
                for (k, line) in lines.iter().enumerate() {
                    let y = self.y + 1.5 + size + k as f32 * lh;
                    self.text(x + 2.0, y, size, BLACK, line);
                }
                x += c.width;
            }
            self.y += h;
        }
        if rows.is_empty() {
            let none = self.t("none").to_string();
            self.text(LEFT + 2.0, self.y + size + 2.0, size, GREY, &none);
            self.y += lh + 3.0;
        }
    }
}

/// Columns of the given widths; the one of width 0 takes what is left.
pub(super) fn columns<'a>(titles: &[&'a str], widths: &[f32]) -> Vec<Col<'a>> {
    let fixed: f32 = widths.iter().sum();
    titles
        .iter()
        .zip(widths)
        .map(|(title, &w)| Col {
            title,
            width: if w == 0.0 {
                (WIDTH - fixed).max(20.0)
            } else {
                w
            },
        })
        .collect()
}
