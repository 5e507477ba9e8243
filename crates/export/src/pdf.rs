//! The charge nurse's PDF exports: the record of one transfusion and the ward's quality report
//! for a period. A4 portrait, every word in the chosen language, Chinese in the embedded
//! WenQuanYi Micro Hei (subset to the glyphs used, text extractable).
//!
//! The pages are laid out first as a plain list of drawing operations per page (so long tables
//! break across pages with their header repeated, and every page knows the page count for its
//! footer), then written with krilla in one pass.

use bedside_core::Instant;
use std::collections::HashMap;

use chrono::DateTime;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;

use crate::chart::{self, MarkerKind};
use bedside_core::check::component_name;
use bedside_core::messages::Lang;
use bedside_core::review::{PeriodReport, Round, TransfusionReview};

/// WenQuanYi Micro Hei (index 0 of the collection), compiled in: the binary needs no files.
static FONT: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/wqy-microhei.ttc"
));

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font (WenQuanYi Micro Hei) could not be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 42.0;
const RIGHT: f32 = PAGE_W - 42.0;
const TOP: f32 = 46.0;
/// Lowest baseline of the body; the footer sits below it.
const BOTTOM: f32 = PAGE_H - 52.0;
const WIDTH: f32 = RIGHT - LEFT;

const BLACK: [u8; 3] = [0, 0, 0];
const GREY: [u8; 3] = [100, 100, 100];
const RULE: [u8; 3] = [170, 170, 170];
const STRIPE: [u8; 3] = [242, 242, 242];
const ACCENT: [u8; 3] = [150, 20, 30];

enum Op {
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

/// Glyph advances of the font, to measure, wrap and truncate text.
struct Metrics {
    face: ttf_parser::Face<'static>,
    units: f32,
    /// Glyph and advance in em, `None` when the font has no glyph for the character.
    cache: HashMap<char, Option<(u16, f32)>>,
}

impl Metrics {
    fn new() -> Result<Metrics, PdfError> {
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
    fn glyphs(&mut self, text: &str) -> Vec<KrillaGlyph> {
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
    fn clean(&mut self, text: &str) -> String {
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

    fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(c).unwrap_or(0.5))
            .sum::<f32>()
            * size
    }

    /// The text cut to `max_w` with an ellipsis when it is longer.
    fn fit(&mut self, text: &str, size: f32, max_w: f32) -> String {
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
    fn wrap(&mut self, text: &str, size: f32, max_w: f32, max_lines: usize) -> Vec<String> {
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

/// A column of a table: its heading and width.
struct Col<'a> {
    title: &'a str,
    width: f32,
}

/// Pages being laid out.
struct Layout {
    m: Metrics,
    lang: Lang,
    pages: Vec<Vec<Op>>,
    /// Top of the next thing on the current page.
    y: f32,
    /// Words at the left of every footer.
    footer: String,
}

impl Layout {
    fn new(lang: Lang, footer: String) -> Result<Layout, PdfError> {
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

    fn t<'a>(&self, en: &'a str, zh: &'a str) -> &'a str {
        match self.lang {
            Lang::En => en,
            Lang::ZhCn => zh,
        }
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
    fn ensure(&mut self, h: f32) -> bool {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, rgb: [u8; 3], text: &str) {
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

    fn text_right(&mut self, right: f32, y: f32, size: f32, rgb: [u8; 3], text: &str) {
        let text = self.m.clean(text);
        let w = self.m.width(&text, size);
        self.text(right - w, y, size, rgb, &text);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: [u8; 3]) {
        if w > 0.0 && h > 0.0 {
            self.op(Op::Rect { x, y, w, h, rgb });
        }
    }

    fn line(&mut self, points: Vec<(f32, f32)>, rgb: [u8; 3], width: f32, dashed: bool) {
        if points.len() >= 2 {
            self.op(Op::Line {
                points,
                rgb,
                width,
                dashed,
            });
        }
    }

    fn title(&mut self, text: &str, sub: &str) {
        self.text(LEFT, self.y + 16.0, 17.0, ACCENT, text);
        self.text_right(RIGHT, self.y + 16.0, 8.5, GREY, sub);
        self.y += 24.0;
        self.line(vec![(LEFT, self.y), (RIGHT, self.y)], ACCENT, 1.2, false);
        self.y += 8.0;
    }

    fn heading(&mut self, text: &str) {
        self.ensure(40.0);
        self.y += 8.0;
        self.text(LEFT, self.y + 11.0, 11.0, ACCENT, text);
        self.y += 15.0;
        self.line(vec![(LEFT, self.y), (RIGHT, self.y)], RULE, 0.5, false);
        self.y += 4.0;
    }

    /// A wrapped paragraph, indented by `indent`.
    fn para(&mut self, text: &str, size: f32, rgb: [u8; 3], indent: f32) {
        let lines = self.m.wrap(text, size, WIDTH - indent, 40);
        for line in lines {
            self.ensure(size * 1.4);
            self.text(LEFT + indent, self.y + size, size, rgb, &line);
            self.y += size * 1.4;
        }
    }

    /// Label–value pairs in two columns.
    fn pairs(&mut self, pairs: &[(&str, String)]) {
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
    fn table(&mut self, cols: &[Col], rows: &[Vec<String>], size: f32, max_lines: usize) {
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
            let none = self.t("none", "无").to_string();
            self.text(LEFT + 2.0, self.y + size + 2.0, size, GREY, &none);
            self.y += lh + 3.0;
        }
    }

    /// Writes the pages, each with its footer: `footer · page i / n`.
    fn finish(self, title: &str) -> Result<Vec<u8>, PdfError> {
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
            let page_words = match self.lang {
                Lang::En => format!("page {} of {total}", i + 1),
                Lang::ZhCn => format!("第 {} 页 / 共 {total} 页", i + 1),
            };
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

fn time(at: Instant) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn time_opt(at: Option<Instant>) -> String {
    at.map_or("—".to_string(), time)
}

/// An audit time as stored (RFC 3339) shown like every other time; anything else as it is.
fn audit_time(at: &str) -> String {
    DateTime::parse_from_rfc3339(at).map_or(at.to_string(), time)
}

fn slot_words(slot: &str, lang: Lang) -> String {
    bedside_core::review::slot_name(slot).get(lang).to_string()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or("—".to_string(), |v| v.to_string())
}

fn round_row(r: &Round, lang: Lang) -> Vec<String> {
    let v = &r.vitals;
    let bp = match (v.sbp, v.dbp) {
        (None, None) => "—".to_string(),
        (s, d) => format!("{}/{}", opt(s), opt(d)),
    };
    vec![
        time(r.at),
        slot_words(&r.slot, lang),
        v.temp_tenths
            .map_or("—".to_string(), |t| format!("{:.1}", t as f32 / 10.0)),
        opt(v.hr),
        bp,
        opt(v.rr),
        opt(v.spo2),
        if r.symptoms.is_empty() {
            "—".to_string()
        } else {
            r.symptoms.join(", ")
        },
        r.taken_by.label(),
    ]
}

/// The record of one transfusion (输血记录单), A4 portrait, in `lang`.
pub fn transfusion_pdf(review: &TransfusionReview, lang: Lang) -> Result<Vec<u8>, PdfError> {
    let footer = format!(
        "{} · {} · {}",
        review.patient_name, review.patient_id, review.din
    );
    let mut l = Layout::new(lang, footer)?;
    let title = l.t("Transfusion record", "输血记录单").to_string();
    let sub = format!("{} · {}", review.ward, review.procedure_urn);
    l.title(&title, &sub);

    let t = |en: &'static str, zh: &'static str| match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    };
    l.pairs(&[
        (t("Patient", "患者"), review.patient_name.clone()),
        (t("Patient ID", "病历号"), review.patient_id.clone()),
        (t("Unit (DIN)", "血袋号"), review.din.clone()),
        (t("Product", "产品码"), review.product_id.clone()),
        (
            t("Component", "血液成分"),
            component_name(review.component, lang).to_string(),
        ),
        (t("Ward", "病区"), review.ward.clone()),
        (t("Issued", "发血时间"), time_opt(review.issued_at)),
        (t("Started", "开始时间"), time(review.started_at)),
        (t("Ended", "结束时间"), time_opt(review.ended_at)),
        (
            t("Outcome", "结果"),
            review.outcome.words().get(lang).to_string(),
        ),
        (
            t("Volume", "输入量"),
            review
                .volume_ml
                .map_or("—".to_string(), |v| format!("{v} ml")),
        ),
        (
            t("Keep bag until", "血袋保留至"),
            time_opt(review.keep_until),
        ),
    ]);
    if let Some(note) = review.end_note.as_deref().filter(|n| !n.trim().is_empty()) {
        let words = format!("{}：{note}", t("Note", "备注"));
        l.para(&words, 9.0, BLACK, 0.0);
    }

    // The check.
    let c = &review.check;
    l.heading(t("Bedside check", "床旁双人核对"));
    l.pairs(&[
        (t("Checked at", "核对时间"), time(c.at)),
        (t("First nurse", "核对者"), c.first.label()),
        (t("Second nurse", "复核者"), c.second.label()),
    ]);
    let scans = if c.scans.is_empty() {
        "—".to_string()
    } else {
        c.scans.join("  |  ")
    };
    l.para(
        &format!("{}：{scans}", t("Scanned", "扫描内容")),
        8.5,
        BLACK,
        0.0,
    );
    let keyed = if c.keyed_reasons.is_empty() {
        t("none (everything scanned)", "无（全部扫码）").to_string()
    } else {
        c.keyed_reasons.join("; ")
    };
    l.para(
        &format!("{}：{keyed}", t("Keyed in", "手工录入原因")),
        8.5,
        BLACK,
        0.0,
    );
    if c.acknowledgements.is_empty() {
        let none = format!(
            "{}：{}",
            t("Warnings acknowledged", "已确认的警告"),
            t("none", "无")
        );
        l.para(&none, 8.5, BLACK, 0.0);
    } else {
        let head = format!("{}：", t("Warnings acknowledged", "已确认的警告"));
        l.para(&head, 8.5, BLACK, 0.0);
        for (code, reason) in &c.acknowledgements {
            l.para(&format!("• {code} — {reason}"), 8.5, BLACK, 10.0);
        }
    }

    // The chart, then the rounds.
    // The heading stays with the chart.
    l.ensure(CHART_H + 60.0);
    l.heading(t("Vital signs", "生命体征"));
    chart_block(&mut l, review);
    let rows: Vec<Vec<String>> = review.rounds.iter().map(|r| round_row(r, lang)).collect();
    let widths = [72.0, 44.0, 28.0, 26.0, 44.0, 22.0, 30.0, 0.0, 92.0];
    let titles = [
        t("Time", "时间"),
        t("Round", "时点"),
        t("T °C", "体温"),
        t("HR", "心率"),
        t("BP", "血压"),
        t("RR", "呼吸"),
        "SpO2",
        t("Symptoms", "症状"),
        t("Taken by", "测量者"),
    ];
    let cols = columns(&titles, &widths);
    l.table(&cols, &rows, 7.5, 4);

    // The timeline.
    l.heading(t("Timeline", "时间线"));
    let rows: Vec<Vec<String>> = review
        .timeline()
        .iter()
        .map(|e| vec![time(e.at), e.what.get(lang).to_string()])
        .collect();
    l.table(
        &[
            Col {
                title: t("Time", "时间"),
                width: 80.0,
            },
            Col {
                title: t("What happened", "事件"),
                width: WIDTH - 80.0,
            },
        ],
        &rows,
        8.0,
        3,
    );

    // The reaction.
    if let Some(r) = &review.reaction {
        l.heading(t("Transfusion reaction", "输血不良反应"));
        l.pairs(&[
            (t("Stopped at", "停止时间"), time(r.stopped_at)),
            (
                t("Serious", "严重"),
                if r.serious {
                    t("yes", "是")
                } else {
                    t("no", "否")
                }
                .to_string(),
            ),
            (t("Suspected", "疑似反应"), r.suspected.clone()),
            (t("Recorded by", "记录者"), r.recorded_by.label()),
        ]);
        l.para(
            &format!("{}：{}", t("Trigger", "触发"), r.trigger),
            8.5,
            BLACK,
            0.0,
        );
        l.para(
            &format!("{}：{}", t("Actions taken", "处理措施"), r.actions_taken),
            8.5,
            BLACK,
            0.0,
        );
    }

    // Interruptions in detail (the timeline has only their reasons).
    if !review.interruptions.is_empty() {
        l.heading(t("Interruptions", "中断"));
        let rows: Vec<Vec<String>> = review
            .interruptions
            .iter()
            .map(|i| {
                vec![
                    time(i.at),
                    i.reason.clone(),
                    i.by.clone(),
                    time_opt(i.restarted_at),
                    opt(i.restarted_by.clone()),
                    opt(i.second_checker.clone()),
                ]
            })
            .collect();
        let titles = [
            t("Interrupted", "中断时间"),
            t("Reason", "原因"),
            t("By", "操作者"),
            t("Restarted", "继续时间"),
            t("By", "操作者"),
            t("Second checker", "复核者"),
        ];
        let cols = columns(&titles, &[72.0, 0.0, 70.0, 72.0, 70.0, 70.0]);
        l.table(&cols, &rows, 7.5, 4);
    }

    // Sync state.
    l.heading(t("Blood bank records", "与血库同步状态"));
    let s = &review.sync;
    let line = match lang {
        Lang::En => format!("sent: {}, not yet sent: {}", s.sent, s.unsent),
        Lang::ZhCn => format!("已发送：{}，未发送：{}", s.sent, s.unsent),
    };
    l.para(&line, 9.0, BLACK, 0.0);
    if s.quarantined.is_empty() {
        let none = format!(
            "{}：{}",
            t("Refused by the blood bank", "被血库拒收"),
            t("none", "无")
        );
        l.para(&none, 9.0, BLACK, 0.0);
    } else {
        let head = format!("{}：", t("Refused by the blood bank", "被血库拒收"));
        l.para(&head, 9.0, ACCENT, 0.0);
        for (what, why) in &s.quarantined {
            l.para(&format!("• {what} — {why}"), 8.5, BLACK, 10.0);
        }
    }

    // Audit trail.
    l.heading(t("Audit trail", "审计记录"));
    let rows: Vec<Vec<String>> = review
        .audit
        .iter()
        .map(|a| {
            vec![
                a.seq.to_string(),
                audit_time(&a.at),
                a.actor.clone(),
                a.action.clone(),
                a.detail.clone(),
            ]
        })
        .collect();
    let titles = [
        "#",
        t("Time", "时间"),
        t("Who", "操作者"),
        t("Action", "操作"),
        t("Detail", "详情"),
    ];
    let cols = columns(&titles, &[28.0, 72.0, 80.0, 95.0, 0.0]);
    l.table(&cols, &rows, 7.0, 6);

    l.finish(&format!("{title} {} {}", review.patient_name, review.din))
}

/// Columns of the given widths; the one of width 0 takes what is left.
fn columns<'a>(titles: &[&'a str], widths: &[f32]) -> Vec<Col<'a>> {
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

const CHART_H: f32 = 270.0;

/// The vital-sign chart with its legend, drawn from `chart::vital_chart`.
fn chart_block(l: &mut Layout, review: &TransfusionReview) {
    let height = CHART_H;
    l.ensure(height + 20.0);
    let lang = l.lang;
    // Legend.
    let mut x = LEFT;
    let ly = l.y + 8.0;
    let c = chart::vital_chart(review, WIDTH, height);
    for s in &c.series {
        l.line(vec![(x, ly - 3.0), (x + 14.0, ly - 3.0)], s.rgb, 1.6, false);
        let name = s.name.get(lang).to_string();
        l.text(x + 17.0, ly, 7.5, BLACK, &name);
        x += 17.0 + l.m.width(&name, 7.5) + 14.0;
    }
    l.y += 14.0;
    let (ox, oy) = (LEFT, l.y);
    let at = |x: f32, y: f32| (ox + x, oy + y);

    for b in &c.bands {
        let a = b.area;
        l.rect(
            ox + a.left,
            oy + a.top,
            a.width(),
            a.height(),
            [247, 247, 250],
        );
        for t in &b.ticks {
            l.line(
                vec![at(a.left, t.pos), at(a.right, t.pos)],
                [215, 215, 220],
                0.4,
                false,
            );
            l.text_right(ox + a.left - 3.0, oy + t.pos + 2.3, 6.5, GREY, &t.label);
        }
        let title = b.title.get(lang).to_string();
        l.text(ox + a.left, oy + a.top - 2.5, 6.5, GREY, &title);
    }
    let p = c.plot;
    for t in &c.x_ticks {
        l.line(
            vec![at(t.pos, p.bottom), at(t.pos, p.bottom + 3.0)],
            GREY,
            0.5,
            false,
        );
        let w = l.m.width(&t.label, 7.0);
        l.text(
            ox + t.pos - w / 2.0,
            oy + p.bottom + 11.0,
            7.0,
            BLACK,
            &t.label,
        );
    }
    let x_title = c.x_title.get(lang).to_string();
    l.text_right(ox + p.right, oy + p.bottom + 22.0, 7.0, GREY, &x_title);
    for m in &c.markers {
        let rgb = match m.kind {
            MarkerKind::Start | MarkerKind::End => [60, 60, 60],
            MarkerKind::Interruption | MarkerKind::Restart => [230, 130, 0],
            MarkerKind::Stop => ACCENT,
        };
        l.line(vec![at(m.x, p.top), at(m.x, p.bottom)], rgb, 0.8, true);
        let label = m.label.get(lang).to_string();
        l.text(ox + m.x + 2.0, oy + p.bottom - 3.0, 6.5, rgb, &label);
    }
    if c.series.iter().all(|s| s.points.is_empty()) {
        let none = match lang {
            Lang::En => "no vital signs recorded",
            Lang::ZhCn => "无生命体征记录",
        };
        let w = l.m.width(none, 10.0);
        l.text(
            ox + (p.left + p.right - w) / 2.0,
            oy + p.top + p.height() / 2.0,
            10.0,
            GREY,
            none,
        );
    }
    for s in &c.series {
        for seg in s.segments() {
            let pts: Vec<(f32, f32)> = seg.iter().map(|pt| at(pt.x, pt.y)).collect();
            l.line(pts, s.rgb, 1.4, false);
        }
        // Dots and value labels; a label is left out when it would sit on the previous one.
        let mut last_label_x = f32::NEG_INFINITY;
        for pt in &s.points {
            l.rect(ox + pt.x - 1.6, oy + pt.y - 1.6, 3.2, 3.2, s.rgb);
            let w = l.m.width(&pt.label, 6.0);
            if pt.x - w / 2.0 > last_label_x + 2.0 {
                // Below the line for the diastolic and near a band's top, else above.
                let top = c.bands.get(s.band).map_or(0.0, |b| b.area.top);
                let dy = if s.code == "dbp" || pt.y - top < 9.0 {
                    8.0
                } else {
                    -3.0
                };
                l.text(ox + pt.x - w / 2.0, oy + pt.y + dy, 6.0, s.rgb, &pt.label);
                last_label_x = pt.x + w / 2.0;
            }
        }
    }
    l.y += height + 4.0;
}

/// The ward's quality report for a period (科室输血质量报告), A4 portrait, in `lang`.
pub fn period_pdf(report: &PeriodReport, lang: Lang) -> Result<Vec<u8>, PdfError> {
    let period = format!("{} – {}", time(report.from), time(report.to));
    let mut l = Layout::new(lang, format!("{} · {period}", report.ward))?;
    let t = |en: &'static str, zh: &'static str| match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    };
    let title = t("Ward transfusion quality report", "科室输血质量报告");
    l.title(title, &report.ward);
    l.pairs(&[
        (t("Ward", "病区"), report.ward.clone()),
        (t("Period", "统计期间"), period.clone()),
        (t("Generated", "生成时间"), time(report.generated_at)),
        (t("By", "生成者"), report.generated_by.label()),
        (t("Transfusions", "输血例数"), report.rows.len().to_string()),
    ]);

    l.heading(t("Indicators", "质量指标"));
    for ind in &report.indicators {
        let extra = ind.breakdown.len().min(8) as f32 * 10.0;
        l.ensure(40.0 + extra);
        let title = ind.title.get(lang).to_string();
        let title = l.m.fit(&title, 9.5, WIDTH);
        l.text(LEFT, l.y + 10.0, 9.5, BLACK, &title);
        l.y += 14.0;
        // The bar: the full width is 100 %.
        let bar_w = 300.0;
        let by = l.y;
        l.rect(LEFT, by, bar_w, 9.0, [228, 228, 232]);
        let percent = ind.percent().filter(|p| p.is_finite());
        if let Some(p) = percent {
            let w = (p.clamp(0.0, 100.0) as f32) / 100.0 * bar_w;
            l.rect(LEFT, by, w, 9.0, [31, 119, 180]);
        }
        if let Some(target) = ind.target_percent.filter(|t| t.is_finite()) {
            let x = LEFT + (target.clamp(0.0, 100.0) as f32) / 100.0 * bar_w;
            l.line(vec![(x, by - 2.0), (x, by + 11.0)], ACCENT, 1.2, false);
        }
        let pct = percent.map_or("—".to_string(), |p| format!("{p:.1} %"));
        let mut figures = format!("{} / {}   {pct}", ind.numerator, ind.denominator);
        if let Some(target) = ind.target_percent.filter(|t| t.is_finite()) {
            figures.push_str(&format!("   {} {target:.0} %", t("target", "目标")));
        }
        l.text(LEFT + bar_w + 10.0, by + 8.0, 9.0, BLACK, &figures);
        l.y += 14.0;
        for (key, count) in ind.breakdown.iter().take(8) {
            let line = l.m.fit(&format!("{key}: {count}"), 7.5, WIDTH - 20.0);
            l.text(LEFT + 12.0, l.y + 7.5, 7.5, GREY, &line);
            l.y += 10.0;
        }
        if ind.breakdown.len() > 8 {
            let more = format!("… +{}", ind.breakdown.len() - 8);
            l.text(LEFT + 12.0, l.y + 7.5, 7.5, GREY, &more);
            l.y += 10.0;
        }
        l.y += 6.0;
    }
    if report.indicators.is_empty() {
        l.para(t("none", "无"), 9.0, GREY, 0.0);
    }

    l.heading(t("Transfusions", "输血明细"));
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            vec![
                time(r.started_at),
                time_opt(r.ended_at),
                format!("{} {}", r.patient_name, r.patient_id),
                r.din.clone(),
                component_name(r.component, lang).to_string(),
                r.outcome.words().get(lang).to_string(),
                r.rounds.to_string(),
                format!("{} / {}", r.unsent, r.quarantined),
            ]
        })
        .collect();
    let titles = [
        t("Started", "开始"),
        t("Ended", "结束"),
        t("Patient", "患者"),
        t("Unit (DIN)", "血袋号"),
        t("Component", "成分"),
        t("Outcome", "结果"),
        t("Rounds", "次数"),
        t("Unsent / refused", "未发/拒收"),
    ];
    let cols = columns(&titles, &[70.0, 70.0, 0.0, 82.0, 48.0, 62.0, 30.0, 50.0]);
    l.table(&cols, &rows, 7.0, 1);

    l.finish(&format!("{title} {} {period}", report.ward))
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
