//! The vital-sign chart of one transfusion as pure layout: where every line, tick and marker
//! goes in a `width` × `height` box (y grows downwards). The PDF draws it as vector paths and
//! the Slint screen can draw the same layout (`Series::svg_path` for `Path { commands: … }`).
//!
//! One band per sign, stacked (temperature, heart rate, blood pressure, SpO2), each with its own
//! clinical scale, like a ward observation chart: the lines never cross each other, so the chart
//! stays readable on a 480 px phone screen as on a page. Systolic and diastolic share the
//! blood-pressure band. A value outside its band's scale is drawn at the band's edge
//! (`ChartPoint::clamped`), its label still says the real value.

use bedside_core::Instant;

use bedside_core::messages::{tr_noop, Text};
use bedside_core::observations::Vitals;
use bedside_core::review::TransfusionReview;

/// A rectangle of the box: left, top, right, bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

impl Area {
    pub fn width(&self) -> f32 {
        self.right - self.left
    }
    pub fn height(&self) -> f32 {
        self.bottom - self.top
    }
}

/// A tick on an axis: its position (x for the time axis, y for a band) and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub pos: f32,
    pub label: String,
}

/// One horizontal band of the plotting area with its own scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// `temp`, `hr`, `bp`, `spo2`.
    pub code: &'static str,
    /// The band's name with its unit, e.g. `T °C`.
    pub title: Text,
    pub area: Area,
    /// Values at the band's bottom and top edge.
    pub min: f32,
    pub max: f32,
    pub ticks: Vec<Tick>,
}

impl Band {
    /// The y of a value, clamped into the band; `true` when clamped.
    pub fn y_of(&self, value: f32) -> (f32, bool) {
        let clamped = value.clamp(self.min, self.max);
        let t = (clamped - self.min) / (self.max - self.min);
        (self.area.bottom - t * self.area.height(), clamped != value)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    pub x: f32,
    pub y: f32,
    /// The value as recorded, in the series' unit (°C for temperature).
    pub value: f32,
    /// The value as it should be printed beside the point: `38.2`, `112`.
    pub label: String,
    /// Index of the round in `review.rounds`.
    pub round: usize,
    /// The value is outside the band's scale and drawn at its edge.
    pub clamped: bool,
    /// The previous round had no value: the line is broken before this point.
    pub starts_segment: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// `temp`, `hr`, `sbp`, `dbp`, `spo2`.
    pub code: &'static str,
    pub name: Text,
    pub unit: &'static str,
    pub rgb: [u8; 3],
    /// Index into `VitalChart::bands`.
    pub band: usize,
    pub points: Vec<ChartPoint>,
}

impl Series {
    /// SVG path data, `M x y L x y …`; a missing value starts a new `M` (a gap in the line).
    /// Empty when the series has no points.
    pub fn svg_path(&self) -> String {
        let mut out = String::new();
        for (i, p) in self.points.iter().enumerate() {
            if !out.is_empty() {
                out.push(' ');
            }
            let cmd = if i == 0 || p.starts_segment { 'M' } else { 'L' };
            out.push_str(&format!("{cmd} {:.1} {:.1}", p.x, p.y));
        }
        out
    }

    /// The points split where a value is missing: each run is drawn as one polyline.
    pub fn segments(&self) -> Vec<&[ChartPoint]> {
        let mut runs = Vec::new();
        let mut start = 0;
        for i in 1..=self.points.len() {
            if i == self.points.len() || self.points[i].starts_segment {
                if i > start {
                    runs.push(&self.points[start..i]);
                }
                start = i;
            }
        }
        runs
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Start,
    Interruption,
    Restart,
    End,
    /// Stopped for a suspected reaction.
    Stop,
}

/// A vertical line across the plotting area at a moment of the transfusion.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub x: f32,
    pub kind: MarkerKind,
    pub label: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VitalChart {
    pub width: f32,
    pub height: f32,
    /// The plotting area: all bands, the markers span it.
    pub plot: Area,
    pub bands: Vec<Band>,
    pub series: Vec<Series>,
    /// Minutes from the start, at their x; labels below the plotting area.
    pub x_ticks: Vec<Tick>,
    pub x_title: Text,
    pub markers: Vec<Marker>,
    /// Minutes from the start at the left and right edge of the plotting area.
    pub minutes_from: f32,
    pub minutes_to: f32,
}

impl VitalChart {
    /// The x of a moment, `minutes` from the start.
    pub fn x_of(&self, minutes: f32) -> f32 {
        x_of(self.plot, self.minutes_from, self.minutes_to, minutes)
    }
}

fn x_of(plot: Area, from: f32, to: f32, minutes: f32) -> f32 {
    plot.left + (minutes - from) / (to - from) * plot.width()
}

/// Room for the band's tick labels at the left, for the time labels below.
const LEFT: f32 = 40.0;
const RIGHT: f32 = 10.0;
/// Each band's title sits above it, in the gap.
const TOP: f32 = 11.0;
const BOTTOM: f32 = 26.0;
const BAND_GAP: f32 = 11.0;

struct BandSpec {
    code: &'static str,
    msgid: &'static str,
    min: f32,
    max: f32,
    ticks: &'static [f32],
}

const BANDS: [BandSpec; 4] = [
    BandSpec {
        code: "temp",
        msgid: tr_noop("T °C"),
        min: 35.0,
        max: 41.0,
        ticks: &[36.0, 38.0, 40.0],
    },
    BandSpec {
        code: "hr",
        msgid: tr_noop("HR /min"),
        min: 40.0,
        max: 160.0,
        ticks: &[60.0, 100.0, 140.0],
    },
    BandSpec {
        code: "bp",
        msgid: tr_noop("BP mmHg"),
        min: 40.0,
        max: 200.0,
        ticks: &[60.0, 100.0, 140.0, 180.0],
    },
    BandSpec {
        code: "spo2",
        msgid: tr_noop("SpO2 %"),
        min: 80.0,
        max: 100.0,
        ticks: &[85.0, 90.0, 95.0, 100.0],
    },
];

struct SeriesSpec {
    code: &'static str,
    msgid: &'static str,
    unit: &'static str,
    rgb: [u8; 3],
    band: usize,
    /// The value in the series' unit, and its label.
    value: fn(&Vitals) -> Option<(f32, String)>,
}

fn whole(v: Option<i32>) -> Option<(f32, String)> {
    v.map(|v| (v as f32, v.to_string()))
}

const SERIES: [SeriesSpec; 5] = [
    SeriesSpec {
        code: "temp",
        msgid: tr_noop("Temperature"),
        unit: "°C",
        rgb: [214, 39, 40],
        band: 0,
        value: |v| {
            v.temp_tenths
                .map(|t| (t as f32 / 10.0, format!("{:.1}", t as f32 / 10.0)))
        },
    },
    SeriesSpec {
        code: "hr",
        msgid: tr_noop("Heart rate"),
        unit: "/min",
        rgb: [31, 119, 180],
        band: 1,
        value: |v| whole(v.hr),
    },
    SeriesSpec {
        code: "sbp",
        msgid: tr_noop("Systolic BP"),
        unit: "mmHg",
        rgb: [106, 61, 154],
        band: 2,
        value: |v| whole(v.sbp),
    },
    SeriesSpec {
        code: "dbp",
        msgid: tr_noop("Diastolic BP"),
        unit: "mmHg",
        rgb: [177, 120, 220],
        band: 2,
        value: |v| whole(v.dbp),
    },
    SeriesSpec {
        code: "spo2",
        msgid: tr_noop("SpO2"),
        unit: "%",
        rgb: [44, 160, 44],
        band: 3,
        value: |v| whole(v.spo2),
    },
];

fn minutes(from: Instant, at: Instant) -> f32 {
    (at - from).num_seconds() as f32 / 60.0
}

/// The tick step (minutes) that gives at most about eight ticks.
fn tick_step(span: f32) -> f32 {
    [15.0, 30.0, 60.0, 120.0, 240.0, 480.0, 720.0, 1440.0]
        .into_iter()
        .find(|s| span / s <= 8.0)
        .unwrap_or(2880.0)
}

/// Lays out the vital-sign chart of `review` in a `width` × `height` box.
pub fn vital_chart(review: &TransfusionReview, width: f32, height: f32) -> VitalChart {
    let width = usable_size(width);
    let height = usable_size(height);
    let plot = plot_area(width, height);
    let (lo, hi) = time_span(review);
    // A little room either side so points on the edge are not cut by the frame.
    let pad = (hi - lo) * 0.03;
    let axis = TimeAxis {
        plot,
        from: lo - pad,
        to: hi + pad,
        start: review.started_at,
    };
    let bands = bands(plot);
    let series = series(review, &bands, &axis);
    VitalChart {
        width,
        height,
        plot,
        bands,
        series,
        x_ticks: x_ticks(&axis, lo, hi),
        x_title: Text::tr("minutes from start", &[]),
        markers: markers(review, &axis),
        minutes_from: axis.from,
        minutes_to: axis.to,
    }
}

/// A box side that can be laid out in: at least 1, and 1 when it is not a number.
fn usable_size(side: f32) -> f32 {
    if side.is_finite() {
        side.max(1.0)
    } else {
        1.0
    }
}

/// The plotting area inside the margins; on a tiny box the margins shrink with it.
fn plot_area(width: f32, height: f32) -> Area {
    Area {
        left: LEFT.min(width * 0.3),
        top: TOP.min(height * 0.1),
        right: (width - RIGHT.min(width * 0.1)).max(LEFT.min(width * 0.3) + 1.0),
        bottom: (height - BOTTOM.min(height * 0.3)).max(TOP.min(height * 0.1) + 1.0),
    }
}

/// The minutes the time axis must show, from the start: from the baseline (often minutes before
/// the start) to the last thing known.
fn time_span(review: &TransfusionReview) -> (f32, f32) {
    let start = review.started_at;
    let mut moments: Vec<f32> = vec![0.0, 15.0];
    moments.extend(review.rounds.iter().map(|r| minutes(start, r.at)));
    for i in &review.interruptions {
        moments.push(minutes(start, i.at));
        moments.extend(i.restarted_at.map(|at| minutes(start, at)));
    }
    moments.extend(review.ended_at.map(|at| minutes(start, at)));
    moments.extend(
        review
            .reaction
            .as_ref()
            .map(|r| minutes(start, r.stopped_at)),
    );
    let lo = moments.iter().copied().fold(0.0f32, f32::min);
    let hi = moments.iter().copied().fold(0.0f32, f32::max);
    (lo, hi)
}

/// The time axis: minutes `from`–`to` after `start` across the plotting area.
struct TimeAxis {
    plot: Area,
    from: f32,
    to: f32,
    start: Instant,
}

impl TimeAxis {
    fn x(&self, minutes: f32) -> f32 {
        x_of(self.plot, self.from, self.to, minutes)
    }

    fn x_at(&self, at: Instant) -> f32 {
        self.x(minutes(self.start, at))
    }
}

/// A tick every round step from `lo` to `hi` minutes.
fn x_ticks(axis: &TimeAxis, lo: f32, hi: f32) -> Vec<Tick> {
    let step = tick_step(hi - lo);
    let mut x_ticks = Vec::new();
    let mut t = (lo / step).ceil() * step;
    while t <= hi + 0.01 {
        x_ticks.push(Tick {
            pos: axis.x(t),
            label: format!("{}", t as i64),
        });
        t += step;
    }
    x_ticks
}

/// The four bands stacked in the plotting area, each with its ticks.
fn bands(plot: Area) -> Vec<Band> {
    let band_h = ((plot.height() - BAND_GAP * 3.0) / 4.0).max(1.0);
    BANDS
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let top = plot.top + i as f32 * (band_h + BAND_GAP);
            let area = Area {
                left: plot.left,
                top,
                right: plot.right,
                bottom: top + band_h,
            };
            let mut band = Band {
                code: spec.code,
                title: Text::tr(spec.msgid, &[]),
                area,
                min: spec.min,
                max: spec.max,
                ticks: Vec::new(),
            };
            band.ticks = spec
                .ticks
                .iter()
                .map(|&v| Tick {
                    pos: band.y_of(v).0,
                    label: format!("{v}"),
                })
                .collect();
            band
        })
        .collect()
}

fn series(review: &TransfusionReview, bands: &[Band], axis: &TimeAxis) -> Vec<Series> {
    SERIES
        .iter()
        .map(|spec| Series {
            code: spec.code,
            name: Text::tr(spec.msgid, &[]),
            unit: spec.unit,
            rgb: spec.rgb,
            band: spec.band,
            points: points(review, spec, &bands[spec.band], axis),
        })
        .collect()
}

/// One point per round that has the series' value; a round without it breaks the line.
fn points(
    review: &TransfusionReview,
    spec: &SeriesSpec,
    band: &Band,
    axis: &TimeAxis,
) -> Vec<ChartPoint> {
    let mut points = Vec::new();
    let mut gap = false;
    for (i, round) in review.rounds.iter().enumerate() {
        match (spec.value)(&round.vitals) {
            Some((value, label)) => {
                let (y, clamped) = band.y_of(value);
                points.push(ChartPoint {
                    x: axis.x_at(round.at),
                    y,
                    value,
                    label,
                    round: i,
                    clamped,
                    starts_segment: gap,
                });
                gap = false;
            }
            None => gap = !points.is_empty(),
        }
    }
    points
}

/// The start, every interruption and restart, then the stop for a reaction or else the end.
fn markers(review: &TransfusionReview, axis: &TimeAxis) -> Vec<Marker> {
    let mut markers = vec![Marker {
        x: axis.x(0.0),
        kind: MarkerKind::Start,
        label: Text::tr("start", &[]),
    }];
    for i in &review.interruptions {
        markers.push(Marker {
            x: axis.x_at(i.at),
            kind: MarkerKind::Interruption,
            label: Text::tr("interrupted", &[]),
        });
        if let Some(at) = i.restarted_at {
            markers.push(Marker {
                x: axis.x_at(at),
                kind: MarkerKind::Restart,
                label: Text::tr("restarted", &[]),
            });
        }
    }
    if let Some(r) = &review.reaction {
        markers.push(Marker {
            x: axis.x_at(r.stopped_at),
            kind: MarkerKind::Stop,
            label: Text::tr("stopped", &[]),
        });
    } else if let Some(at) = review.ended_at {
        markers.push(Marker {
            x: axis.x_at(at),
            kind: MarkerKind::End,
            label: Text::tr("end", &[]),
        });
    }
    markers
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedside_core::blood::Component;
    use bedside_core::review::{CheckDetail, Outcome, Person, Round, SyncState};

    fn at(s: &str) -> Instant {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn person() -> Person {
        Person {
            badge: "N1".into(),
            name: "陈静".into(),
        }
    }

    fn round(t: &str, vitals: Vitals) -> Round {
        Round {
            at: at(t),
            slot: "15min".into(),
            vitals,
            symptoms: vec![],
            taken_by: person(),
        }
    }

    fn review(rounds: Vec<Round>) -> TransfusionReview {
        TransfusionReview {
            procedure_urn: "urn:uuid:p".into(),
            dispense_id: "d".into(),
            patient_id: "MRN1".into(),
            patient_name: "张伟".into(),
            din: "W000012345678".into(),
            product_id: "E0001V00".into(),
            component: Component::RedCells,
            ward: "ward".into(),
            issued_at: None,
            started_at: at("2026-11-23T08:00:00+08:00"),
            ended_at: Some(at("2026-11-23T10:00:00+08:00")),
            outcome: Outcome::Ended,
            volume_ml: Some(280),
            keep_until: None,
            end_note: None,
            check: CheckDetail {
                at: at("2026-11-23T07:58:00+08:00"),
                first: person(),
                second: person(),
                scans: vec![],
                keyed_reasons: vec![],
                acknowledgements: vec![],
                emergency: None,
            },
            rounds,
            interruptions: vec![],
            handovers: vec![],
            reaction: None,
            sync: SyncState::default(),
            audit: vec![],
        }
    }

    fn vitals(temp: Option<i32>, hr: Option<i32>) -> Vitals {
        Vitals {
            temp_tenths: temp,
            hr,
            ..Vitals::default()
        }
    }

    #[test]
    fn a_known_value_lands_where_the_scale_says() {
        let r = review(vec![
            round("2026-11-23T08:00:00+08:00", vitals(Some(380), Some(100))),
            round("2026-11-23T10:00:00+08:00", vitals(Some(350), Some(40))),
        ]);
        let chart = vital_chart(&r, 480.0, 300.0);
        let temp = &chart.series[0];
        let band = &chart.bands[0];
        // 38.0 °C is half-way up the 35–41 °C band.
        let p = &temp.points[0];
        assert!((p.y - (band.area.bottom - band.area.height() / 2.0)).abs() < 0.01);
        assert_eq!(p.label, "38.0");
        // 35.0 °C is its bottom edge; the start is x of 0 minutes, the end x of 120.
        assert!((temp.points[1].y - band.area.bottom).abs() < 0.01);
        assert!((p.x - chart.x_of(0.0)).abs() < 0.01);
        assert!((temp.points[1].x - chart.x_of(120.0)).abs() < 0.01);
        // Heart rate 100 in 40–160 is half-way up its own band, below the temperature's.
        let hr = &chart.series[1];
        let hb = &chart.bands[1];
        assert!((hr.points[0].y - (hb.area.bottom - hb.area.height() / 2.0)).abs() < 0.01);
        assert!(hb.area.top > band.area.bottom);
        // Ticks every 15 or 30 minutes from 0, labelled in minutes.
        assert_eq!(chart.x_ticks[0].label, "0");
        assert!(chart.x_ticks.iter().any(|t| t.label == "60"));
        let first = chart.markers.first().unwrap();
        assert_eq!(first.kind, MarkerKind::Start);
        assert_eq!(chart.markers.last().unwrap().kind, MarkerKind::End);
        assert!(temp.svg_path().starts_with("M "));
        assert_eq!(temp.svg_path().matches('L').count(), 1);
    }

    #[test]
    fn a_missing_value_leaves_a_gap() {
        let r = review(vec![
            round("2026-11-23T08:00:00+08:00", vitals(Some(368), Some(80))),
            round("2026-11-23T08:15:00+08:00", vitals(None, Some(82))),
            round("2026-11-23T09:00:00+08:00", vitals(Some(371), Some(84))),
            round("2026-11-23T10:00:00+08:00", vitals(Some(372), None)),
        ]);
        let chart = vital_chart(&r, 480.0, 300.0);
        let temp = &chart.series[0];
        assert_eq!(temp.points.len(), 3);
        assert!(temp.points[1].starts_segment);
        assert_eq!(temp.points[1].round, 2);
        let path = temp.svg_path();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(path.matches('L').count(), 1, "{path}");
        assert_eq!(temp.segments().len(), 2);
        // A missing last value leaves no dangling segment.
        let hr = &chart.series[1];
        assert_eq!(hr.points.len(), 3);
        assert_eq!(hr.segments().len(), 1);
    }

    #[test]
    fn no_rounds_and_odd_sizes_give_empty_series_and_finite_ticks() {
        let r = review(vec![]);
        for (w, h) in [(480.0, 300.0), (0.0, 0.0), (f32::NAN, -5.0), (10.0, 10.0)] {
            let chart = vital_chart(&r, w, h);
            assert_eq!(chart.series.len(), 5);
            assert!(chart.series.iter().all(|s| s.points.is_empty()));
            assert!(chart.series.iter().all(|s| s.svg_path().is_empty()));
            assert!(chart.x_ticks.iter().all(|t| t.pos.is_finite()));
        }
    }

    #[test]
    fn out_of_scale_values_sit_on_the_edge_with_their_real_label() {
        let r = review(vec![round(
            "2026-11-23T08:00:00+08:00",
            vitals(Some(420), Some(190)),
        )]);
        let chart = vital_chart(&r, 480.0, 300.0);
        let p = &chart.series[0].points[0];
        assert!(p.clamped);
        assert_eq!(p.label, "42.0");
        assert!((p.y - chart.bands[0].area.top).abs() < 0.01);
    }
}
