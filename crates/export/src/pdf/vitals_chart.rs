//! The vital-sign chart on the page: the layout of `chart::vital_chart` drawn as vector paths,
//! with its legend.

use bedside_core::review::TransfusionReview;

use super::layout::Layout;
use super::{ACCENT, BLACK, GREY, LEFT, WIDTH};
use crate::chart::{self, MarkerKind, VitalChart};

pub(super) const CHART_H: f32 = 270.0;

/// The chart's top-left corner on the page: the chart's coordinates are relative to it.
type Origin = (f32, f32);

/// The vital-sign chart with its legend, drawn from `chart::vital_chart`.
pub(super) fn chart_block(l: &mut Layout, review: &TransfusionReview) {
    let height = CHART_H;
    l.ensure(height + 20.0);
    let c = chart::vital_chart(review, WIDTH, height);
    legend(l, &c);
    l.y += 14.0;
    let origin = (LEFT, l.y);
    bands(l, &c, origin);
    time_axis(l, &c, origin);
    markers(l, &c, origin);
    if c.series.iter().all(|s| s.points.is_empty()) {
        no_vital_signs(l, &c, origin);
    }
    series(l, &c, origin);
    l.y += height + 4.0;
}

/// One short line in each series' colour with its name, in a row above the chart.
fn legend(l: &mut Layout, c: &VitalChart) {
    let lang = l.lang;
    let mut x = LEFT;
    let ly = l.y + 8.0;
    for s in &c.series {
        l.line(vec![(x, ly - 3.0), (x + 14.0, ly - 3.0)], s.rgb, 1.6, false);
        let name = s.name.get(lang).to_string();
        l.text(x + 17.0, ly, 7.5, BLACK, &name);
        x += 17.0 + l.m.width(&name, 7.5) + 14.0;
    }
}

/// Each band's background, grid lines, tick labels and title.
fn bands(l: &mut Layout, c: &VitalChart, (ox, oy): Origin) {
    let lang = l.lang;
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
}

/// The minutes below the plotting area, and the axis' title.
fn time_axis(l: &mut Layout, c: &VitalChart, (ox, oy): Origin) {
    let at = |x: f32, y: f32| (ox + x, oy + y);
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
    let x_title = c.x_title.get(l.lang).to_string();
    l.text_right(ox + p.right, oy + p.bottom + 22.0, 7.0, GREY, &x_title);
}

/// Dashed lines across the chart at the start, interruptions, restarts, end or stop.
fn markers(l: &mut Layout, c: &VitalChart, (ox, oy): Origin) {
    let at = |x: f32, y: f32| (ox + x, oy + y);
    let p = c.plot;
    for m in &c.markers {
        let rgb = match m.kind {
            MarkerKind::Start | MarkerKind::End => [60, 60, 60],
            MarkerKind::Interruption | MarkerKind::Restart => [230, 130, 0],
            MarkerKind::Stop => ACCENT,
        };
        l.line(vec![at(m.x, p.top), at(m.x, p.bottom)], rgb, 0.8, true);
        let label = m.label.get(l.lang).to_string();
        l.text(ox + m.x + 2.0, oy + p.bottom - 3.0, 6.5, rgb, &label);
    }
}

/// Words in the middle of an empty chart, so it does not look like a drawing failure.
fn no_vital_signs(l: &mut Layout, c: &VitalChart, (ox, oy): Origin) {
    let p = c.plot;
    let none = l.t("no vital signs recorded");
    let w = l.m.width(none, 10.0);
    l.text(
        ox + (p.left + p.right - w) / 2.0,
        oy + p.top + p.height() / 2.0,
        10.0,
        GREY,
        none,
    );
}

/// Each series' lines, dots and value labels.
fn series(l: &mut Layout, c: &VitalChart, (ox, oy): Origin) {
    let at = |x: f32, y: f32| (ox + x, oy + y);
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
}
