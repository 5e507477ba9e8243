#!/usr/bin/env python3
"""Writes emergency_checks.json and emergency_checks.expected.jsonl: the emergency rules of
docs/clinical-rules.md §6 (green channel, unknown patient, merged IDs).
Each expectation is derived by hand from the rules (the comment beside it says why); the
implementation is never consulted. Run from this folder."""
import copy, json

# An unidentified man brought in bleeding, registered under the temporary ID EM000123, group not
# yet typed; one O RhD-negative red cell unit released on Dr 王's authorisation, no crossmatch.
BASE = {
    "kind": "bedside_check", "id": "", "now": "2026-11-22T10:05:00+08:00",
    "cache_synced_at": "2026-11-22T10:00:00+08:00",
    "staff": {"first": "N1001", "second": "N1002"},
    "scans": {"wristband": "EM000123", "bag": ["=W00002612345600", "=%9500", "=<E0001V00", "&>0263352359"]},
    "issued": [{
        "dispense_id": "D-E01", "status": "issued", "issued_at": "2026-11-22T09:55:00+08:00",
        "patient": {"mrn": "EM000123", "name": "无名氏（男）", "birth_date": None,
                    "abo": None, "rhd": None, "requirements": [], "sex": "male"},
        "unit": {"din": "W000026123456", "product_code": "E0001V00", "component": "red_cells",
                 "abo": "O", "rhd": "neg", "expires_at": "2026-12-05T23:59:00+08:00", "attributes": []},
        "crossmatch": None,
        "emergency": {"authorised_by": "王医生 (D2001)", "requested_at": "2026-11-22T09:45:00+08:00"}}],
}
GROUP_CODES = {("O", "pos"): "51", ("O", "neg"): "95", ("A", "pos"): "62", ("A", "neg"): "06",
               ("B", "pos"): "73", ("B", "neg"): "17", ("AB", "pos"): "84", ("AB", "neg"): "28"}

scenarios, expected = [], []

def case(id, verdict, reasons, change=lambda s, r: None):
    s = copy.deepcopy(BASE)
    s["id"] = id
    change(s, s["issued"][0])
    scenarios.append(s)
    expected.append({"id": id, "verdict": verdict, "reasons": [{"code": c, "severity": sev} for c, sev in reasons]})

def unit_group(s, r, abo, rhd):
    r["unit"]["abo"], r["unit"]["rhd"] = abo, rhd
    s["scans"]["bag"][1] = "=%" + GROUP_CODES[(abo, rhd)] + "00"

# §6.1: an authorised O-negative unit for an untyped patient proceeds, with the emergency warning
# naming what was not checked (the crossmatch, the patient's group).
case("em-o-neg-unknown-patient", "proceed", [("EMERGENCY_RELEASE", "warn")])
# No authorising doctor: EMERGENCY_NOT_AUTHORISED, and the missing crossmatch stops as usual.
case("em-no-doctor", "stop", [("EMERGENCY_NOT_AUTHORISED", "stop"), ("CROSSMATCH_MISSING", "stop")],
     lambda s, r: r["emergency"].update(authorised_by=None))
# The emergency does not relax ABO: A red cells for an untyped patient (O only).
case("em-a-unit-unknown-patient", "stop", [("ABO_INCOMPATIBLE", "stop"), ("EMERGENCY_RELEASE", "warn")],
     lambda s, r: unit_group(s, r, "A", "neg"))
# Nor the wristband: another temporary ID is another patient.
case("em-other-temporary-id", "stop", [("UNIT_FOR_OTHER_PATIENT", "stop"), ("EMERGENCY_RELEASE", "warn")],
     lambda s, r: s["scans"].update(wristband="EM000124"))
# A crossmatch that came back incompatible stops.
case("em-crossmatch-incompatible", "stop", [("CROSSMATCH_INCOMPATIBLE", "stop"), ("EMERGENCY_RELEASE", "warn")],
     lambda s, r: r.update(crossmatch={"result": "incompatible", "sample_expires_at": None}))
# Crossmatched and typed: an ordinary unit, no emergency warning.
case("em-crossmatched-and-typed", "proceed", [],
     lambda s, r: (r.update(crossmatch={"result": "compatible", "sample_expires_at": None}),
                   r["patient"].update(abo="O", rhd="neg")))
# Typed but not crossmatched: only the crossmatch is unchecked — still the emergency warning.
case("em-typed-not-crossmatched", "proceed", [("EMERGENCY_RELEASE", "warn")],
     lambda s, r: r["patient"].update(abo="O", rhd="neg"))
# RhD-positive red cells, patient RhD unknown: a man of 46 (≥ 18) warns ...
def o_pos(sex, born):
    def f(s, r):
        unit_group(s, r, "O", "pos")
        r["patient"].update(sex=sex, birth_date=born)
    return f
case("em-o-pos-man-46", "proceed", [("RHD_INCOMPATIBLE", "warn"), ("EMERGENCY_RELEASE", "warn")], o_pos("male", "1980-05-01"))
# ... a woman of 36 (< 50) stops, a woman of exactly 50 today warns, a boy of 12 stops,
case("em-o-pos-woman-36", "stop", [("RHD_INCOMPATIBLE", "stop"), ("EMERGENCY_RELEASE", "warn")], o_pos("female", "1990-05-01"))
case("em-o-pos-woman-50-today", "proceed", [("RHD_INCOMPATIBLE", "warn"), ("EMERGENCY_RELEASE", "warn")], o_pos("female", "1976-11-22"))
case("em-o-pos-woman-50-tomorrow", "stop", [("RHD_INCOMPATIBLE", "stop"), ("EMERGENCY_RELEASE", "warn")], o_pos("female", "1976-11-23"))
case("em-o-pos-boy-12", "stop", [("RHD_INCOMPATIBLE", "stop"), ("EMERGENCY_RELEASE", "warn")], o_pos("male", "2014-01-01"))
# ... and an unknown age or sex is the most restrictive reading: stop.
case("em-o-pos-age-unknown", "stop", [("RHD_INCOMPATIBLE", "stop"), ("EMERGENCY_RELEASE", "warn")], o_pos("male", None))
case("em-o-pos-sex-unknown", "stop", [("RHD_INCOMPATIBLE", "stop"), ("EMERGENCY_RELEASE", "warn")], o_pos(None, "1980-05-01"))
# A patient known to be RhD negative never gets RhD-positive red cells, emergency or not.
case("em-o-pos-known-negative", "stop", [("RHD_INCOMPATIBLE", "stop"), ("EMERGENCY_RELEASE", "warn")],
     lambda s, r: (o_pos("male", "1980-05-01")(s, r), r["patient"].update(abo="O", rhd="neg")))
# Outside an emergency the §1 rule stands: RhD-positive red cells to an untyped man stop.
case("em-o-pos-man-not-emergency", "stop", [("RHD_INCOMPATIBLE", "stop"), ("CROSSMATCH_MISSING", "stop")],
     lambda s, r: (o_pos("male", "1980-05-01")(s, r), r.update(emergency=None)))
# AB plasma for the untyped patient: no crossmatch is needed, the group is unchecked.
case("em-ab-plasma-unknown-patient", "proceed", [("EMERGENCY_RELEASE", "warn")],
     lambda s, r: (unit_group(s, r, "AB", "pos"), r["unit"].update(component="plasma", product_code="E2760V00"),
                   s["scans"]["bag"].__setitem__(2, "=<E2760V00")))
# The 30-minute rule still holds in an emergency.
case("em-issue-31", "stop", [("ISSUE_TIME_EXCEEDED", "stop"), ("EMERGENCY_RELEASE", "warn")],
     lambda s, r: r.update(issued_at="2026-11-22T09:34:00+08:00"))

# §6.2: identified and merged. The unit now names 李四 (ZY26001042) who replaced EM000123.
def merged(wristband):
    def f(s, r):
        r["patient"].update(mrn="ZY26001042", name="李四", merged_ids=["EM000123"])
        s["scans"]["wristband"] = wristband
    return f
case("em-merged-old-wristband", "proceed", [("PATIENT_ID_MERGED", "warn"), ("EMERGENCY_RELEASE", "warn")], merged("EM000123"))
case("em-merged-new-wristband", "proceed", [("EMERGENCY_RELEASE", "warn")], merged("ZY26001042"))
case("em-merged-other-wristband", "stop", [("UNIT_FOR_OTHER_PATIENT", "stop"), ("EMERGENCY_RELEASE", "warn")], merged("EM000999"))

with open("emergency_checks.json", "w") as f:
    json.dump(scenarios, f, ensure_ascii=False, indent=1)
    f.write("\n")
with open("emergency_checks.expected.jsonl", "w") as f:
    for e in expected:
        f.write(json.dumps(e, ensure_ascii=False) + "\n")
