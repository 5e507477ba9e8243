//! A transfusion while it runs, as the nurse's screens need it: what is due and when, the
//! slow-rate period, reminders, what an observation means (a warning to watch, or a trigger that
//! stops the transfusion with a prefilled reaction report), interruption and the repeat check
//! before restarting, and the end with volume and keep-until time.
//!
//! The rules themselves are `domain::observations`'; this module gathers a transfusion's events
//! into its domain view and turns the rules' results into what a screen shows. No I/O: the
//! handheld (`app::handheld`) records, this module decides nothing that needs the store.

use bedside_clock::Instant;
use bedside_core::check::component_name;
use bedside_core::event::{BedsideEvent, ObservationRound, StaffRef, TransfusionRef};
use bedside_core::messages::{date_time, tr, tr_noop, Lang, Text};
use bedside_core::observations::{
    bag_discard_after, evaluate, next_due, schedule, slow_rate_until, suspected_reaction,
    symptom_name, trigger_codes, Alert, AlertCode, Observation, Slot, SlotStatus, Suspected,
    Transfusion, Vitals,
};
use bedside_core::policy::Policy;
use bedside_core::review::Person;
use bedside_core::transition::judge_round;

/// The symptoms the observation screen offers as chips (clinical rules §4), with their codes.
pub const SYMPTOM_CHIPS: [(&str, &str); 11] = [
    ("rigors", tr_noop("Rigors")),
    ("urticaria", tr_noop("Urticaria")),
    ("rash", tr_noop("Rash")),
    ("dyspnoea", tr_noop("Breathless")),
    ("wheeze", tr_noop("Wheeze")),
    ("chest_pain", tr_noop("Chest pain")),
    ("back_pain", tr_noop("Back pain")),
    ("haematuria", tr_noop("Dark urine")),
    ("flushing", tr_noop("Flushing")),
    ("nausea", tr_noop("Nausea")),
    ("anxiety", tr_noop("Anxiety")),
];

/// A symptom chip's label in `lang`; a symptom the chips do not know is shown as written.
pub fn symptom_words(code: &str, lang: Lang) -> String {
    SYMPTOM_CHIPS.iter().find(|(c, _)| *c == code).map_or_else(
        || code.to_string(),
        |(_, msgid)| tr(lang, msgid).to_string(),
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct Interruption {
    pub at: Instant,
    pub reason: String,
}

/// A transfusion started on this device and not yet ended.
#[derive(Debug, Clone)]
pub struct RunningTransfusion {
    pub transfusion: TransfusionRef,
    /// The patient's hospital number (MRN) as the start recorded it, else the Patient id.
    pub patient_mrn: String,
    pub monitor: Transfusion,
    pub started_by: StaffRef,
    /// The nurse responsible for it now: who started it, or the last one it was handed over to.
    pub responsible: Person,
    pub interrupted: Option<Interruption>,
    /// The rounds recorded so far (baseline included), for the reaction report.
    pub rounds: Vec<ObservationRound>,
    /// A round raised a stop trigger and no reaction report was sent yet: the transfusion is
    /// stopped, whatever happened to the app since (it is judged again when rebuilt).
    pub stop: Option<Box<ReactionDraft>>,
}

fn observation(round: &ObservationRound) -> Observation {
    Observation {
        at: round.at,
        vitals: round.vitals.clone(),
        symptoms: round.symptoms.clone(),
    }
}

impl RunningTransfusion {
    /// The transfusion of a `Started` event; `issued_at` is when the unit left the blood bank.
    pub fn started(event: &bedside_core::event::Started, issued_at: Instant) -> RunningTransfusion {
        RunningTransfusion {
            transfusion: event.transfusion.clone(),
            patient_mrn: event
                .patient_mrn
                .clone()
                .unwrap_or_else(|| event.transfusion.patient_id.clone()),
            monitor: Transfusion {
                component: event.transfusion.component,
                issued_at,
                started_at: Some(event.started_at),
                ended_at: None,
                baseline: event.baseline.as_ref().map(observation),
                observations: Vec::new(),
                pauses: Vec::new(),
            },
            started_by: event.first_checker.clone(),
            responsible: Person {
                badge: event.first_checker.staff_id.clone(),
                name: event.first_checker.name.clone(),
            },
            interrupted: None,
            rounds: event.baseline.iter().cloned().collect(),
            stop: None,
        }
    }

    /// Rebuilds the running transfusions from their events in recording order (after an app
    /// restart). `issued_at` finds when a dispense left the blood bank. Every round is judged
    /// again, so a stop trigger not yet reported comes back as a stop.
    pub fn from_events(
        events: &[BedsideEvent],
        issued_at: impl Fn(&str) -> Option<Instant>,
        policy: &Policy,
    ) -> Vec<RunningTransfusion> {
        let mut running: Vec<RunningTransfusion> = Vec::new();
        for event in events {
            let urn = event.subject();
            match event {
                BedsideEvent::Started(s) => {
                    // Unknown handover time (the unit left the cache): the start is the latest
                    // it can have been, so the 4-hour limit is never judged later than it is.
                    let issued = s
                        .issued_at
                        .or_else(|| issued_at(&s.transfusion.dispense_id))
                        .unwrap_or(s.started_at);
                    running.push(RunningTransfusion::started(s, issued));
                }
                BedsideEvent::ObservationsTaken(o) => {
                    if let Some(r) = running
                        .iter_mut()
                        .find(|r| r.transfusion.procedure_uuid == urn)
                    {
                        r.record_round(&o.round, policy);
                    }
                }
                BedsideEvent::Ended(_) | BedsideEvent::ReactionReported(_) => {
                    running.retain(|r| r.transfusion.procedure_uuid != urn)
                }
                BedsideEvent::NearMiss(_) => {}
            }
        }
        running
    }

    /// A round joins the transfusion and is judged: a stop trigger stops the transfusion until
    /// the reaction is reported (the first stop is the one reported).
    pub fn record_round(&mut self, round: &ObservationRound, policy: &Policy) -> Judgement {
        self.monitor.observations.push(observation(round));
        self.rounds.push(round.clone());
        let judgement = self.judge_round(round, policy);
        if let (Judgement::Stop(draft), None) = (&judgement, &self.stop) {
            self.stop = Some(draft.clone());
        }
        judgement
    }

    /// The schedule slot an observation taken at `now` fills: the open slot whose window holds
    /// `now`, or `unscheduled` (an extra round the nurse chose to take).
    pub fn slot_at(&self, now: Instant, policy: &Policy) -> String {
        schedule(&self.monitor, now, policy)
            .into_iter()
            .find(|s| s.status == SlotStatus::Open && s.window_start <= now && now <= s.window_end)
            .map(|s| s.label)
            .unwrap_or_else(|| "unscheduled".to_string())
    }

    /// What the observation screen and the ward list show at `now`.
    pub fn timeline(&self, now: Instant, policy: &Policy) -> Timeline {
        let started = self.monitor.started_at.unwrap_or(now);
        let elapsed = (now - started).num_minutes().max(0);
        let headline = Text::tr(
            "Started {start} · running {min} min",
            &[("start", &hhmm(started)), ("min", &elapsed.to_string())],
        );
        // While the bag is stopped the schedule's clock stands still: no countdown, no reminder.
        let (due, due_now) = match next_due(&self.monitor, now, policy) {
            _ if self.interrupted.is_some() => (
                Some(Text::tr("Observations wait while the transfusion is interrupted: the schedule goes on from the restart",
                    &[],
                )),
                false,
            ),
            Some(slot) => (Some(due_words(&slot, now)), slot.window_start <= now),
            None => (None, false),
        };
        let alerts: Vec<Alert> = evaluate(&self.monitor, now, policy)
            .into_iter()
            .filter(|a| !a.code.is_reaction())
            .collect();
        let overdue = alerts.iter().any(|a| a.code == AlertCode::ObsOverdue);
        Timeline {
            headline,
            responsible: Text::tr(
                "Responsible nurse: {who}",
                &[("who", &self.responsible.label())],
            ),
            slow_rate: self.slow_rate_words(now, policy),
            due,
            // Remind (flash) while an observation can be taken and is not yet, or one was missed.
            remind: due_now || overdue || self.stop.is_some(),
            overdue,
            alerts: alerts.into_iter().map(|a| a.message).collect(),
            stopped: self.stop.as_ref().map(|d| {
                Text::tr(
                    "STOPPED at {at} for a suspected reaction: send the reaction report",
                    &[("at", &hhmm(d.stopped_at))],
                )
            }),
            interrupted: self.interrupted.as_ref().map(|i| {
                Text::tr(
                    "Interrupted at {at} ({reason}): repeat the two-person check before restarting",
                    &[("at", &hhmm(i.at)), ("reason", &i.reason)],
                )
            }),
        }
    }

    /// While the first minutes must run slowly: how long is left.
    fn slow_rate_words(&self, now: Instant, policy: &Policy) -> Option<Text> {
        slow_rate_until(&self.monitor, policy)
            .filter(|until| now < *until)
            .map(|until| {
                let left = ((until - now).num_seconds() + 59) / 60;
                Text::tr("First minutes: run slowly (about 20 drops/min) and stay at the bedside · {left} min left",
                    &[("left", &left.to_string())],
                )
            })
    }

    /// What a round means for this transfusion (the rules of `domain::transition`): reaction
    /// triggers that stop it, or warnings to watch.
    pub fn judge_round(&self, round: &ObservationRound, policy: &Policy) -> Judgement {
        let (stop, watch) = judge_round(&self.monitor, &observation(round), policy);
        if stop.is_empty() {
            Judgement::Watch(watch)
        } else {
            Judgement::Stop(Box::new(self.reaction_draft(round, stop, watch)))
        }
    }

    fn reaction_draft(
        &self,
        round: &ObservationRound,
        stop: Vec<Alert>,
        watch: Vec<Alert>,
    ) -> ReactionDraft {
        let (suspected, serious) = suspected_reaction(&stop, &round.symptoms);
        let alerts: Vec<&Alert> = stop.iter().chain(watch.iter()).collect();
        let report = Text::from_each(|lang| self.reaction_report(round, suspected, &alerts, lang));
        ReactionDraft {
            trigger: trigger_codes(&stop),
            alerts: alerts.iter().map(|a| a.message.clone()).collect(),
            suspected,
            serious,
            stopped_at: round.at,
            report,
            round: round.clone(),
        }
    }

    /// The reaction report's text in `lang`, for the nurse to check and send: the patient and
    /// unit, the times, what raised the trigger, the signs at baseline and at the stop.
    fn reaction_report(
        &self,
        round: &ObservationRound,
        suspected: Suspected,
        alerts: &[&Alert],
        lang: Lang,
    ) -> String {
        let t = &self.transfusion;
        let at = |i: Instant| date_time(lang, i);
        let started = self.monitor.started_at.unwrap_or(round.at);
        let component = component_name(t.component, lang);
        let mut lines = vec![
            format!(
                "{}: {} ({})",
                tr(lang, "Patient"),
                t.patient_name,
                t.patient_id
            ),
            format!(
                "{}: {} · {} · {}",
                tr(lang, "Unit"),
                t.din,
                component,
                t.product_id
            ),
            format!(
                "{}: {} · {}: {}",
                tr(lang, "Issued"),
                at(self.monitor.issued_at),
                tr(lang, "started"),
                at(started),
            ),
            format!("{}: {}", tr(lang, "Stopped"), at(round.at)),
            format!("{}: {}", tr(lang, "Suspected"), suspected.words().get(lang)),
        ];
        for a in alerts {
            lines.push(format!("• {}", a.message.get(lang)));
        }
        if let Some(b) = self.rounds.iter().find(|r| r.slot == "baseline") {
            lines.push(format!(
                "{}: {}",
                tr(lang, "Baseline"),
                vitals_line(&b.vitals, &b.symptoms, lang)
            ));
        }
        lines.push(format!(
            "{} {}: {}",
            tr(lang, "At"),
            round.at.format("%H:%M"),
            vitals_line(&round.vitals, &round.symptoms, lang)
        ));
        lines.push(String::new());
        lines.push(
            tr(
                lang,
                "Actions: transfusion stopped; line kept open with 0.9% saline; doctor informed; bag and giving set kept; samples sent to the blood bank.",
            )
            .to_string(),
        );
        lines.join("\n")
    }

    /// The end as it would be recorded at `now`: when the empty bag may go.
    pub fn keep_until(&self, now: Instant, policy: &Policy) -> Option<Instant> {
        let mut ended = self.monitor.clone();
        ended.ended_at = Some(now);
        bag_discard_after(&ended, policy)
    }
}

fn hhmm(t: Instant) -> String {
    t.format("%H:%M").to_string()
}

/// When the next observation is due, as the nurse reads it at `now`: due now, can be taken now,
/// or in how many minutes.
fn due_words(slot: &Slot, now: Instant) -> Text {
    let label = slot_words(&slot.label);
    let open = slot.window_start <= now;
    let minutes = (slot.due - now).num_minutes();
    if open && now >= slot.due {
        Text::tr_with(
            "{label} observation due now (window closes {close})",
            &[
                ("label", (&label).into()),
                ("close", (&hhmm(slot.window_end)).into()),
            ],
        )
    } else if open {
        Text::tr_with(
            "{label} observation: you can take it now (due {due})",
            &[
                ("label", (&label).into()),
                ("due", (&hhmm(slot.due)).into()),
            ],
        )
    } else {
        Text::tr_with(
            "Next: {label} observation in {min} min ({due})",
            &[
                ("label", (&label).into()),
                ("min", (&minutes.to_string()).into()),
                ("due", (&hhmm(slot.due)).into()),
            ],
        )
    }
}

fn slot_words(label: &str) -> Text {
    match label {
        "end" => Text::tr("end-of-transfusion", &[]),
        other => {
            let minutes = other.trim_end_matches("min");
            Text::tr("{m}-minute", &[("m", minutes)])
        }
    }
}

/// Vital signs in one line, as a nurse writes them.
pub fn vitals_line(v: &Vitals, symptoms: &[String], lang: Lang) -> String {
    let mut parts: Vec<Text> = Vec::new();
    if let Some(t) = v.temp_tenths {
        let value = format!("{}.{}", t / 10, (t % 10).abs());
        parts.push(Text::tr("T {value} °C", &[("value", &value)]));
    }
    if let Some(hr) = v.hr {
        parts.push(Text::tr("HR {value}/min", &[("value", &hr.to_string())]));
    }
    match (v.sbp, v.dbp) {
        (Some(s), Some(d)) => parts.push(Text::tr(
            "BP {sbp}/{dbp} mmHg",
            &[("sbp", &s.to_string()), ("dbp", &d.to_string())],
        )),
        (Some(s), None) => parts.push(Text::tr(
            "systolic BP {sbp} mmHg",
            &[("sbp", &s.to_string())],
        )),
        _ => {}
    }
    if let Some(rr) = v.rr {
        parts.push(Text::tr("RR {value}/min", &[("value", &rr.to_string())]));
    }
    if let Some(s) = v.spo2 {
        parts.push(Text::tr("SpO2 {value}%", &[("value", &s.to_string())]));
    }
    if !symptoms.is_empty() {
        let names: Vec<Text> = symptoms.iter().map(|s| symptom_name(s)).collect();
        parts.push(Text::list(&names));
    }
    if parts.is_empty() {
        return tr(lang, "not measured").to_string();
    }
    let parts: Vec<&str> = parts.iter().map(|p| p.get(lang)).collect();
    parts.join(" · ")
}

/// What the observation screen shows at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub headline: Text,
    /// Whose transfusion it is now (its reminders are hers).
    pub responsible: Text,
    /// While the first minutes run slowly.
    pub slow_rate: Option<Text>,
    pub due: Option<Text>,
    /// Whether to draw the nurse's attention (an observation can be taken now, or was missed).
    pub remind: bool,
    pub overdue: bool,
    /// Warnings of the whole transfusion: missed observations, baseline missing, 4-hour limit.
    pub alerts: Vec<Text>,
    pub interrupted: Option<Text>,
    /// Stopped for a suspected reaction, the report not yet sent.
    pub stopped: Option<Text>,
}

/// What one round means.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// No stop trigger; these warnings (maybe none) ask the nurse to watch closely.
    Watch(Vec<Alert>),
    /// A stop trigger: stop the transfusion and report.
    Stop(Box<ReactionDraft>),
}

/// The reaction report, prefilled; the nurse may edit the report and the seriousness.
#[derive(Debug, Clone, PartialEq)]
pub struct ReactionDraft {
    /// The codes of the stop triggers that raised it (`FEBRILE; HYPOTENSION`): the record keeps
    /// codes, and the words are made when it is read.
    pub trigger: String,
    pub alerts: Vec<Text>,
    pub suspected: Suspected,
    pub serious: bool,
    /// When the transfusion stopped: the time of the round that raised the trigger.
    pub stopped_at: Instant,
    pub report: Text,
    pub round: ObservationRound,
}

/// Volume keyed at the end, in ml: required, and within what one bag can hold.
pub fn parse_volume(text: &str) -> Result<u32, Text> {
    let text = text.trim();
    match text.parse::<u32>() {
        Ok(v) if v <= 1000 => Ok(v),
        _ if text.is_empty() => Err(Text::tr("Key in the volume transfused (ml).", &[])),
        _ => Err(Text::tr(
            "Volume {v} ml is not possible for one bag (0–1000 ml). Check and key it again.",
            &[("v", text)],
        )),
    }
}
