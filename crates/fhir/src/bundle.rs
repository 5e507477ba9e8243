//! Bedside events as transaction Bundles (contract §2.5): made so that sending the same bytes
//! again stores nothing twice. Creates are conditional on the record's own `urn:uuid`
//! identifier, the Provenance is a PUT of a client-made id, and the end or stop of a transfusion
//! is a version-aware PUT of the Procedure.

use serde_json::{json, Value};

use super::*;
use bedside_core::blood::Component;
use bedside_core::check::{component_name, Instant};
use bedside_core::event::*;
use bedside_core::messages::Lang;

fn staff_reference(staff: &StaffRef) -> Value {
    match &staff.practitioner_id {
        Some(id) => json!({"reference": format!("Practitioner/{id}"), "display": staff.name}),
        None => json!({
            "identifier": {"system": STAFF_SYSTEM, "value": staff.staff_id},
            "display": staff.name
        }),
    }
}

fn client_identifier(urn: &str) -> Value {
    json!([{"system": UUID_SYSTEM, "value": urn}])
}

fn conditional_post(resource_type: &str, urn: &str, resource: Value) -> Value {
    json!({
        "fullUrl": urn,
        "resource": resource,
        "request": {
            "method": "POST",
            "url": resource_type,
            "ifNoneExist": format!("identifier={UUID_SYSTEM}|{urn}")
        }
    })
}

pub fn transaction(bundle_urn: &str, now: &Instant, entries: Vec<Value>) -> Value {
    json!({
        "resourceType": "Bundle",
        "identifier": {"system": UUID_SYSTEM, "value": bundle_urn},
        "type": "transaction",
        "timestamp": date_time(now),
        "entry": entries
    })
}

/// The same transaction as [`transaction`], written from entries already serialized: a backlog
/// batch joins the stored entries of many rounds without parsing and writing them again.
pub fn transaction_text(bundle_urn: &str, now: &Instant, entries: &[String]) -> String {
    let quoted = |s: &str| Value::String(s.to_string()).to_string();
    let mut text = format!(
        r#"{{"resourceType":"Bundle","identifier":{{"system":{},"value":{}}},"type":"transaction","timestamp":{},"entry":["#,
        quoted(UUID_SYSTEM),
        quoted(bundle_urn),
        quoted(&date_time(now)),
    );
    text.reserve(entries.iter().map(|e| e.len() + 1).sum());
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(entry);
    }
    text.push_str("]}");
    text
}

/// The conditional reference to a transfusion's Procedure, usable before its server id is known.
pub fn procedure_by_identifier(procedure_urn: &str) -> String {
    format!("Procedure?identifier={UUID_SYSTEM}|{procedure_urn}")
}

/// The Procedure a start creates; also the base an end or stop is applied to.
pub fn procedure_resource(e: &Started) -> Value {
    let t = &e.transfusion;
    let (en, zh) = (
        component_name(t.component, Lang::En),
        component_name(t.component, Lang::ZhCn),
    );
    let (code, display) = match t.component {
        Component::RedCells => ("116863004", "Transfusion of red blood cells"),
        _ => ("116859006", "Transfusion of blood product"),
    };
    let mut procedure = json!({
        "resourceType": "Procedure",
        "identifier": client_identifier(&t.procedure_uuid),
        "status": "in-progress",
        "code": {
            "coding": [{"system": SNOMED, "code": code, "display": display}],
            "text": format!("输注{zh} / {en} transfusion")
        },
        "subject": {"reference": format!("Patient/{}", t.patient_id), "display": t.patient_name},
        "occurrencePeriod": {"start": date_time(&e.started_at)},
        "recorded": date_time(&e.started_at),
        "recorder": staff_reference(&e.first_checker),
        "performer": [{"actor": staff_reference(&e.first_checker)}],
        "location": {"reference": format!("Location/{}", t.ward.location_id), "display": t.ward.name},
        "used": [{"reference": {
            "reference": format!("BiologicallyDerivedProduct/{}", t.product_id),
            "display": t.din
        }}],
        "supportingInfo": [{"reference": format!("BiologicallyDerivedProductDispense/{}", t.dispense_id)}]
    });
    if let Some(sr) = &t.service_request_id {
        procedure["basedOn"] = json!([{"reference": format!("ServiceRequest/{sr}")}]);
    }
    let mut notes: Vec<Value> = e
        .acknowledgements
        .iter()
        .map(|a| {
            json!({
                "time": date_time(&e.checked_at),
                "text": format!("核对警告已确认 / check warning acknowledged: {} — {}", a.code, a.reason)
            })
        })
        .collect();
    if let Some(em) = &e.emergency {
        notes.push(json!({
            "time": date_time(&e.checked_at),
            "text": format!(
                "紧急发血，未完成交叉配血（{}授权）/ emergency release before crossmatch, authorised by {}",
                em.authorised_by, em.authorised_by
            )
        }));
    }
    if !notes.is_empty() {
        procedure["note"] = Value::Array(notes);
    }
    procedure
}

fn provenance(e: &Started, procedure_urn: &str) -> Value {
    let t = &e.transfusion;
    let agent = |code: &str, display: &str, who: &StaffRef| {
        json!({
            "type": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                "code": code, "display": display
            }]},
            "who": staff_reference(who)
        })
    };
    let mut p = json!({
        "resourceType": "Provenance",
        "id": e.provenance_uuid,
        "target": [{"reference": procedure_urn}],
        "occurredDateTime": date_time(&e.checked_at),
        "recorded": date_time(&e.checked_at),
        "location": {"reference": format!("Location/{}", t.ward.location_id), "display": t.ward.name},
        "activity": {
            "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle",
                "code": "verify", "display": "Verify Record Lifecycle Event"
            }],
            "text": "输血前床旁双人核对（三查八对）/ two-person pre-transfusion bedside check"
        },
        "patient": {"reference": format!("Patient/{}", t.patient_id), "display": t.patient_name},
        "agent": [
            agent("performer", "Performer", &e.first_checker),
            agent("verifier", "Verifier", &e.second_checker)
        ],
        "entity": [{"role": "source", "what": {
            "reference": format!("BiologicallyDerivedProductDispense/{}", t.dispense_id)
        }}]
    });
    if let Some(sr) = &t.service_request_id {
        p["basedOn"] = json!([{"reference": format!("ServiceRequest/{sr}")}]);
    }
    p
}

fn quantity(value: Value, unit: &str, code: &str) -> Value {
    json!({"value": value, "unit": unit, "system": UCUM, "code": code})
}

fn tenths(t: i32) -> Value {
    // 366 → 36.6, written with one decimal as the nurse entered it.
    let v = f64::from(t) / 10.0;
    serde_json::Number::from_f64((v * 10.0).round() / 10.0)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// The vital signs of one round: one Observation per measured sign, each created conditionally.
/// `part_of` is the Procedure: its `urn:uuid` inside the start bundle, or a conditional
/// reference in a later bundle.
pub fn vital_sign_entries(
    round: &ObservationRound,
    transfusion: &TransfusionRef,
    part_of: &str,
) -> Vec<Value> {
    let v = &round.vitals;
    let [temp_id, hr_id, bp_id, rr_id, spo2_id] = &round.sign_uuids;
    let sign = VitalSign {
        round,
        transfusion,
        part_of,
        note: round_note(round),
    };
    [
        (temp_id, v.temp_tenths.map(|t| sign.temperature(t))),
        (hr_id, v.hr.map(|hr| sign.heart_rate(hr))),
        (
            bp_id,
            v.sbp.zip(v.dbp).map(|(s, d)| sign.blood_pressure(s, d)),
        ),
        (rr_id, v.rr.map(|rr| sign.respiratory_rate(rr))),
        (spo2_id, v.spo2.map(|spo2| sign.oxygen_saturation(spo2))),
    ]
    .into_iter()
    .filter_map(|(id, resource)| {
        let mut resource = resource?;
        resource["identifier"] = client_identifier(id);
        Some(conditional_post("Observation", id, resource))
    })
    .collect()
}

/// The note every Observation of a round carries: its schedule slot, and the symptoms seen.
fn round_note(round: &ObservationRound) -> String {
    let mut note = format!(
        "输血观察时点 / transfusion observation slot: {}",
        round.slot
    );
    if !round.symptoms.is_empty() {
        note.push_str(&format!("；症状 / symptoms: {}", round.symptoms.join(", ")));
    }
    note
}

fn loinc(code: &str, display: &str) -> Value {
    json!({"system": LOINC, "code": code, "display": display})
}

/// What the Observations of one round share: the patient, the Procedure, the time, who took it.
struct VitalSign<'a> {
    round: &'a ObservationRound,
    transfusion: &'a TransfusionRef,
    part_of: &'a str,
    note: String,
}

impl VitalSign<'_> {
    fn observation(&self, profile: &str, coding: Value, text: &str) -> Value {
        json!({
            "resourceType": "Observation",
            "meta": {"profile": [format!("http://hl7.org/fhir/StructureDefinition/{profile}")]},
            "partOf": [{"reference": self.part_of}],
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs", "display": "Vital Signs"
            }]}],
            "code": {"coding": coding, "text": text},
            "subject": {
                "reference": format!("Patient/{}", self.transfusion.patient_id),
                "display": self.transfusion.patient_name
            },
            "effectiveDateTime": date_time(&self.round.at),
            "performer": [staff_reference(&self.round.taken_by)],
            "note": [{"text": self.note}]
        })
    }

    fn temperature(&self, t: i32) -> Value {
        let mut r = self.observation(
            "bodytemp",
            json!([loinc("8310-5", "Body temperature")]),
            "体温",
        );
        r["valueQuantity"] = quantity(tenths(t), "°C", "Cel");
        r
    }

    fn heart_rate(&self, hr: i32) -> Value {
        let mut r = self.observation("heartrate", json!([loinc("8867-4", "Heart rate")]), "心率");
        r["valueQuantity"] = quantity(json!(hr), "beats/minute", "/min");
        r
    }

    fn blood_pressure(&self, sbp: i32, dbp: i32) -> Value {
        let mut r = self.observation(
            "bp",
            json!([loinc(
                "85354-9",
                "Blood pressure panel with all children optional"
            )]),
            "血压",
        );
        r["component"] = json!([
            {"code": {"coding": [loinc("8480-6", "Systolic blood pressure")]},
             "valueQuantity": quantity(json!(sbp), "mmHg", "mm[Hg]")},
            {"code": {"coding": [loinc("8462-4", "Diastolic blood pressure")]},
             "valueQuantity": quantity(json!(dbp), "mmHg", "mm[Hg]")}
        ]);
        r
    }

    fn respiratory_rate(&self, rr: i32) -> Value {
        let mut r = self.observation(
            "resprate",
            json!([loinc("9279-1", "Respiratory rate")]),
            "呼吸",
        );
        r["valueQuantity"] = quantity(json!(rr), "breaths/minute", "/min");
        r
    }

    fn oxygen_saturation(&self, spo2: i32) -> Value {
        let mut r = self.observation(
            "oxygensat",
            json!([
                loinc("2708-6", "Oxygen saturation in Arterial blood"),
                loinc(
                    "59408-5",
                    "Oxygen saturation in Arterial blood by Pulse oximetry"
                )
            ]),
            "血氧饱和度",
        );
        r["valueQuantity"] = quantity(json!(spo2), "%", "%");
        r
    }
}

/// Check done, transfusion started: Procedure, Provenance of the two-person check, baseline.
pub fn start_bundle(e: &Started, bundle_urn: &str, base_url: &str, now: &Instant) -> Value {
    let procedure_urn = &e.transfusion.procedure_uuid;
    let mut entries = vec![conditional_post(
        "Procedure",
        procedure_urn,
        procedure_resource(e),
    )];
    entries.push(json!({
        "fullUrl": format!("{}/Provenance/{}", base_url.trim_end_matches('/'), e.provenance_uuid),
        "resource": provenance(e, procedure_urn),
        "request": {"method": "PUT", "url": format!("Provenance/{}", e.provenance_uuid)}
    }));
    if let Some(round) = &e.baseline {
        entries.extend(vital_sign_entries(round, &e.transfusion, procedure_urn));
    }
    transaction(bundle_urn, now, entries)
}

pub fn observations_bundle(e: &ObservationsTaken, bundle_urn: &str, now: &Instant) -> Value {
    let part_of = procedure_by_identifier(&e.transfusion.procedure_uuid);
    transaction(
        bundle_urn,
        now,
        vital_sign_entries(&e.round, &e.transfusion, &part_of),
    )
}

fn push_note(procedure: &mut Value, time: &Instant, text: String) {
    let notes = procedure
        .as_object_mut()
        .map(|o| o.entry("note").or_insert_with(|| json!([])));
    if let Some(Value::Array(notes)) = notes {
        // Re-applying a change after a conflict must not repeat its notes.
        if !notes
            .iter()
            .any(|n| n.get("text").and_then(Value::as_str) == Some(&text))
        {
            notes.push(json!({"time": date_time(time), "text": text}));
        }
    }
}

/// The handheld's change to a Procedure — status, end time, reason, appended notes — applied to
/// `current` (the server's version, or the one the start created).
pub fn apply_change(current: &Value, event: &BedsideEvent) -> Value {
    let mut p = current.clone();
    if let Some(meta) = p.as_object_mut() {
        meta.remove("meta");
        meta.remove("text");
    }
    match event {
        BedsideEvent::Ended(e) => {
            p["status"] = json!("completed");
            p["occurrencePeriod"]["end"] = json!(date_time(&e.ended_at));
            let mut text = String::from("输注结束 / transfusion ended");
            if let Some(ml) = e.volume_ml {
                text.push_str(&format!("；输入量 / volume {ml} mL"));
            }
            if let Some(keep) = &e.bag_keep_until {
                text.push_str(&format!(
                    "；空血袋保留至 / empty bag kept until {}",
                    keep.format("%Y-%m-%d %H:%M")
                ));
            }
            if let Some(note) = &e.note {
                let words = bedside_core::review::end_note_words(note);
                text.push_str(&format!(
                    "；{} / {}",
                    words.get(Lang::ZhCn),
                    words.get(Lang::En)
                ));
            }
            push_note(&mut p, &e.ended_at, text);
        }
        BedsideEvent::ReactionReported(e) => {
            p["status"] = json!("stopped");
            p["occurrencePeriod"]["end"] = json!(date_time(&e.stopped_at));
            p["statusReason"] = json!({"text": "疑似输血反应，已停止输注 / stopped for a suspected transfusion reaction"});
            push_note(&mut p, &e.stopped_at, e.trigger.clone());
        }
        BedsideEvent::Started(_)
        | BedsideEvent::ObservationsTaken(_)
        | BedsideEvent::NearMiss(_) => {}
    }
    p
}

/// End or stop: a version-aware PUT of the Procedure (`id`, `version` as the server has it),
/// the round of vital signs, and for a reaction the AdverseEvent.
pub fn update_bundle(
    event: &BedsideEvent,
    current: &Value,
    procedure_id: &str,
    version: &str,
    bundle_urn: &str,
    base_url: &str,
    now: &Instant,
) -> Value {
    let mut procedure = apply_change(current, event);
    procedure["id"] = json!(procedure_id);
    let procedure_ref = format!("Procedure/{procedure_id}");
    let mut entries = vec![json!({
        "fullUrl": format!("{}/{procedure_ref}", base_url.trim_end_matches('/')),
        "resource": procedure,
        "request": {"method": "PUT", "url": procedure_ref, "ifMatch": weak_etag(version)}
    })];
    match event {
        BedsideEvent::Ended(e) => {
            if let Some(round) = &e.round {
                entries.extend(vital_sign_entries(round, &e.transfusion, &procedure_ref));
            }
        }
        BedsideEvent::ReactionReported(e) => {
            let signs = vital_sign_entries(&e.round, &e.transfusion, &procedure_ref);
            let effect = signs
                .first()
                .and_then(|s| s.get("fullUrl").cloned())
                .map(|url| json!([{"reference": url}]));
            entries.extend(signs);
            entries.push(adverse_event(e, &procedure_ref, effect));
        }
        _ => {}
    }
    transaction(bundle_urn, now, entries)
}

fn adverse_event(e: &ReactionReported, procedure_ref: &str, effect: Option<Value>) -> Value {
    let t = &e.transfusion;
    let (code, display) = if e.serious {
        ("serious", "Serious")
    } else {
        ("non-serious", "Non-serious")
    };
    let mut ae = json!({
        "resourceType": "AdverseEvent",
        "identifier": client_identifier(&e.adverse_event_uuid),
        "status": "in-progress",
        "actuality": "actual",
        "code": {
            "coding": [{"system": SNOMED, "code": "82545002", "display": "Blood transfusion reaction"}],
            "text": e.suspected
        },
        "subject": {"reference": format!("Patient/{}", t.patient_id), "display": t.patient_name},
        "occurrenceDateTime": date_time(&e.round.at),
        "detected": date_time(&e.round.at),
        "recordedDate": date_time(&e.stopped_at),
        "location": {"reference": format!("Location/{}", t.ward.location_id), "display": t.ward.name},
        "seriousness": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
            "code": code, "display": display
        }]},
        "recorder": staff_reference(&e.recorded_by),
        "suspectEntity": [
            {
                "instanceReference": {
                    "reference": format!("BiologicallyDerivedProduct/{}", t.product_id),
                    "display": t.din
                },
                "causality": {
                    "entityRelatedness": {"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/adverse-event-causality-assess",
                        "code": "possible", "display": "Possible"
                    }]},
                    "author": staff_reference(&e.recorded_by)
                }
            },
            {"instanceReference": {"reference": procedure_ref}}
        ],
        "mitigatingAction": [{"itemCodeableConcept": {"text": report_text(&e.actions_taken)}}],
        "note": [{"text": e.trigger}]
    });
    if let Some(effect) = effect {
        ae["resultingEffect"] = effect;
    }
    conditional_post("AdverseEvent", &e.adverse_event_uuid, ae)
}

/// The patient a near miss names: the wristband's identifier as read, as a logical reference
/// (the patient may be none the blood bank knows). The MRN when the device knew whose it is.
fn scanned_patient(e: &NearMiss, mrn_system: &str) -> Value {
    let display = e
        .patient_name
        .clone()
        .unwrap_or_else(|| "未识别的患者 / patient not identified".to_string());
    match (&e.patient_mrn, &e.patient_scanned) {
        (Some(mrn), _) => json!({
            "identifier": {"system": mrn_system, "value": mrn},
            "display": display
        }),
        (None, Some(read)) => json!({
            "identifier": {
                "type": {"text": "腕带扫描所得 / as read from the wristband"},
                "value": read
            },
            "display": display
        }),
        (None, None) => json!({"display": "腕带未读取 / no wristband read"}),
    }
}

/// The unit a near miss names: the issued product when the DIN was found, else the DIN as read.
fn scanned_unit(e: &NearMiss) -> Option<Value> {
    let display = match (&e.din, &e.product_code) {
        (Some(din), Some(code)) => format!("{din} {code}"),
        (Some(din), None) => din.clone(),
        (None, Some(code)) => code.clone(),
        (None, None) => return None,
    };
    let mut unit = json!({"display": display});
    if let Some(id) = &e.product_id {
        unit["reference"] = json!(format!("BiologicallyDerivedProduct/{id}"));
    }
    if let Some(din) = &e.din {
        unit["identifier"] = json!({"system": ISBT_DIN, "value": din});
    }
    Some(unit)
}

/// A stopped check (a near miss) as an R5 AdverseEvent with `actuality` potential: the reason
/// codes as contributing factors, the patient and unit as scanned, both checkers.
pub fn near_miss_resource(e: &NearMiss, mrn_system: &str) -> Value {
    let factors: Vec<Value> = e
        .reasons
        .iter()
        .map(|code| json!({"itemCodeableConcept": {"coding": [{"system": CHECK_REASON, "code": code}]}}))
        .collect();
    let mut participants = vec![json!({
        "function": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "code": "PRF", "display": "performer"
        }]},
        "actor": staff_reference(&e.first_checker)
    })];
    if let Some(second) = &e.second_checker {
        participants.push(json!({
            "function": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                "code": "VRF", "display": "verifier"
            }]},
            "actor": staff_reference(second)
        }));
    }
    let mut ae = json!({
        "resourceType": "AdverseEvent",
        "identifier": client_identifier(&e.adverse_event_uuid),
        "status": "completed",
        "actuality": "potential",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-category",
            "code": "product-use-error", "display": "Product Use Error"
        }]}],
        "code": {"text": format!(
            "床旁核对拦截的输血差错（未遂）/ near miss: the bedside check stopped the unit ({})",
            e.reasons.join(", ")
        )},
        "subject": scanned_patient(e, mrn_system),
        "occurrenceDateTime": date_time(&e.detected_at),
        "detected": date_time(&e.detected_at),
        "recordedDate": date_time(&e.detected_at),
        "location": {"reference": format!("Location/{}", e.ward.location_id), "display": e.ward.name},
        "recorder": staff_reference(&e.first_checker),
        "participant": participants,
        "contributingFactor": factors,
        "preventiveAction": [{"itemCodeableConcept": {
            "text": "床旁双人扫码核对拦截，未输注 / stopped by the two-person bedside scan check; not transfused"
        }}]
    });
    if let Some(unit) = scanned_unit(e) {
        ae["suspectEntity"] = json!([{"instanceReference": unit}]);
    }
    let mut notes = vec![json!({"text": format!("扫描内容 / scanned: {}", e.scans.join(" | "))})];
    if !e.keyed_reasons.is_empty() {
        notes.push(json!({"text": format!(
            "手工输入献血码原因 / unit number keyed because: {}",
            e.keyed_reasons.join("; ")
        )}));
    }
    ae["note"] = Value::Array(notes);
    ae
}

/// A near miss's transaction: its AdverseEvent, created conditionally on its own identifier, so
/// a resend is answered `200` with the record already stored. The patient's MRN goes in the
/// site's record-number system (`[mapping] mrn_system`), the one it was read in.
pub fn near_miss_bundle(e: &NearMiss, bundle_urn: &str, now: &Instant, mrn_system: &str) -> Value {
    transaction(
        bundle_urn,
        now,
        vec![conditional_post(
            "AdverseEvent",
            &e.adverse_event_uuid,
            near_miss_resource(e, mrn_system),
        )],
    )
}

/// The reaction report for the blood bank: the nurse's words, or the standard actions in both
/// languages for a report sent as drafted.
fn report_text(stored: &str) -> String {
    let words = bedside_core::review::reaction_report_words(stored);
    if words.get(Lang::En) == stored {
        stored.to_string()
    } else {
        format!("{} / {}", words.get(Lang::ZhCn), words.get(Lang::En))
    }
}
