#!/usr/bin/env python3
"""Writes extra_checks.json and extra_checks.expected.jsonl: boundary cases of clinical-rules.md
that the golden set does not pin down. Each expectation is derived by hand from the rules (the
comment beside it says why); the implementation is never consulted. Run from this folder."""
import copy, json

BASE = {
    "kind": "bedside_check", "id": "", "now": "2026-11-22T10:05:00+08:00",
    "cache_synced_at": "2026-11-22T10:00:00+08:00",
    "staff": {"first": "N1001", "second": "N1002"},
    "scans": {"wristband": "MRN0001", "bag": ["=W00002612345600", "=%6200", "=<E0001V00", "&>0263352359"]},
    "issued": [{
        "dispense_id": "D-1001", "status": "issued", "issued_at": "2026-11-22T09:50:00+08:00",
        "patient": {"mrn": "MRN0001", "wristband_id": "WB-77", "name": "张三", "birth_date": "1956-03-02",
                    "abo": "A", "rhd": "pos", "requirements": []},
        "unit": {"din": "W000026123456", "product_code": "E0001V00", "component": "red_cells",
                 "abo": "A", "rhd": "pos", "expires_at": "2026-12-05T23:59:00+08:00", "attributes": []},
        "crossmatch": {"result": "compatible", "sample_expires_at": "2026-11-24T09:00:00+08:00"}}],
}
GROUP_CODES = {("O", "pos"): "51", ("O", "neg"): "95", ("A", "pos"): "62", ("A", "neg"): "06",
               ("B", "pos"): "73", ("B", "neg"): "17", ("AB", "pos"): "84", ("AB", "neg"): "28"}

scenarios, expected = [], []

def case(id, verdict, reasons, **changes):
    s = copy.deepcopy(BASE)
    s["id"] = id
    rec = s["issued"][0]
    for key, value in changes.items():
        if key == "unit_group":  # the label and the record agree on the unit's group
            rec["unit"]["abo"], rec["unit"]["rhd"] = value
            s["scans"]["bag"][1] = "=%" + GROUP_CODES[value] + "00"
        elif key == "patient_group":
            rec["patient"]["abo"], rec["patient"]["rhd"] = value
        elif key == "component":
            rec["unit"]["component"] = value
        elif key == "crossmatch":
            rec["crossmatch"] = value
        elif key == "record":
            value(rec)
        elif key == "scenario":
            value(s)
        else:
            raise KeyError(key)
    scenarios.append(s)
    expected.append({"id": id, "verdict": verdict, "reasons": [{"code": c, "severity": sev} for c, sev in reasons]})

# Expiry: the label says 2026-12-01 23:59; that whole minute is allowed.
def expiry_day(now):
    def f(s):
        s["now"] = now
        s["cache_synced_at"] = now
        s["issued"][0]["issued_at"] = "2026-12-01T23:40:00+08:00"
        s["issued"][0]["crossmatch"]["sample_expires_at"] = "2026-12-03T00:00:00+08:00"
    return f
case("x-expiry-last-second", "proceed", [], scenario=expiry_day("2026-12-01T23:59:59+08:00"))
case("x-expiry-next-minute", "stop", [("UNIT_EXPIRED", "stop")], scenario=expiry_day("2026-12-02T00:00:00+08:00"))

# Exactly 30 minutes after issue is allowed; 31 is not.
case("x-issue-exactly-30", "proceed", [], record=lambda r: r.update(issued_at="2026-11-22T09:35:00+08:00"))
case("x-issue-31", "stop", [("ISSUE_TIME_EXCEEDED", "stop")], record=lambda r: r.update(issued_at="2026-11-22T09:34:00+08:00"))

# Unknown patient group: red cells O only, plasma AB only; RhD-positive red cells stop.
case("x-redcells-unknown-patient-o-neg", "proceed", [], patient_group=(None, None), unit_group=("O", "neg"))
case("x-redcells-unknown-patient-o-pos", "stop", [("RHD_INCOMPATIBLE", "stop")], patient_group=(None, None), unit_group=("O", "pos"))
case("x-redcells-unknown-patient-a", "stop", [("ABO_INCOMPATIBLE", "stop"), ("RHD_INCOMPATIBLE", "stop")],
     patient_group=(None, None), unit_group=("A", "pos"))
NO_XM = {"result": "not_required", "sample_expires_at": None}
case("x-plasma-unknown-patient-ab", "proceed", [], component="plasma", crossmatch=NO_XM, patient_group=(None, None), unit_group=("AB", "pos"))
case("x-plasma-unknown-patient-o", "stop", [("ABO_INCOMPATIBLE", "stop")], component="plasma", crossmatch=NO_XM,
     patient_group=(None, None), unit_group=("O", "neg"))
# Plasma carries antibodies: O plasma to an A patient is incompatible; A plasma to an O patient is fine.
case("x-plasma-o-to-a", "stop", [("ABO_INCOMPATIBLE", "stop")], component="plasma", crossmatch=None, patient_group=("A", "pos"), unit_group=("O", "pos"))
case("x-plasma-a-to-o-neg", "proceed", [], component="plasma", crossmatch=None, patient_group=("O", "neg"), unit_group=("A", "pos"))
# Cryo follows the plasma table but only warns.
case("x-cryo-o-to-a", "proceed", [("ABO_NONIDENTICAL", "warn")], component="cryo", crossmatch=None, patient_group=("A", "pos"), unit_group=("O", "pos"))
# Whole blood: identical ABO only.
case("x-wholeblood-a-to-ab", "stop", [("ABO_INCOMPATIBLE", "stop")], component="whole_blood", patient_group=("AB", "pos"), unit_group=("A", "pos"))
# Platelets: non-identical warns; RhD-positive to negative warns (anti-D).
case("x-platelets-b-pos-to-a-neg", "proceed", [("ABO_NONIDENTICAL", "warn"), ("RHD_INCOMPATIBLE", "warn")],
     component="platelets", crossmatch=NO_XM, patient_group=("A", "neg"), unit_group=("B", "pos"))

# Cache age: exactly 15 minutes is fresh, 16 is stale (a warning), never pulled is stale.
case("x-cache-exactly-15", "proceed", [], scenario=lambda s: s.update(cache_synced_at="2026-11-22T09:50:00+08:00"))
case("x-cache-16", "proceed", [("CACHE_STALE", "warn")], scenario=lambda s: s.update(cache_synced_at="2026-11-22T09:49:00+08:00"))
case("x-cache-never", "proceed", [("CACHE_STALE", "warn")], scenario=lambda s: s.update(cache_synced_at=None))

# The wristband may carry the record's wristband_id instead of the MRN.
case("x-wristband-id", "proceed", [], scenario=lambda s: s["scans"].update(wristband="WB-77"))
# The sample is valid until its expiry instant; ending exactly now is not "before now".
case("x-sample-ends-now", "proceed", [], record=lambda r: r["crossmatch"].update(sample_expires_at="2026-11-22T10:05:00+08:00"))
case("x-sample-ended", "stop", [("SAMPLE_EXPIRED", "stop")], record=lambda r: r["crossmatch"].update(sample_expires_at="2026-11-22T10:04:00+08:00"))
# A pending crossmatch is missing for red cells.
case("x-crossmatch-pending", "stop", [("CROSSMATCH_MISSING", "stop")], record=lambda r: r["crossmatch"].update(result="pending"))
case("x-crossmatch-absent", "stop", [("CROSSMATCH_MISSING", "stop")], crossmatch=None)

# The most recently issued record of a DIN counts.
def reissued(newest_status):
    def f(s):
        old = copy.deepcopy(s["issued"][0])
        old["dispense_id"] = "D-0999"
        old["issued_at"] = "2026-11-22T08:00:00+08:00"
        old["status"] = "returned" if newest_status == "issued" else "issued"
        s["issued"][0]["status"] = newest_status
        s["issued"].append(old)
    return f
case("x-reissued-after-return", "proceed", [], scenario=reissued("issued"))
case("x-recalled-after-issue", "stop", [("UNIT_STATUS", "stop")], scenario=reissued("recalled"))

# Hospital policy without a second checker.
case("x-second-not-required", "proceed", [], scenario=lambda s: (s.update(policy={"require_second_checker": False}), s["staff"].update(second=None)))
# Badges are compared without regard to case or surrounding spaces.
case("x-same-checker-other-case", "stop", [("SAME_CHECKER", "stop")], scenario=lambda s: s["staff"].update(second=" n1001 "))
# Everything present but the product code: incomplete.
case("x-no-product-code", "stop", [("LABEL_INCOMPLETE", "stop")], scenario=lambda s: s["scans"]["bag"].pop(2))

# Observations: temperatures compare in whole tenths (38.3 against 37.3 is exactly +1.0).
OBS = {"kind": "observations", "id": "", "component": "red_cells",
       "issued_at": "2026-11-22T09:50:00+08:00", "started_at": "2026-11-22T10:00:00+08:00", "ended_at": None,
       "now": "2026-11-22T10:30:00+08:00",
       "baseline": {"at": "2026-11-22T09:55:00+08:00", "temp_c": 37.3, "hr": 80, "sbp": 120, "dbp": 70, "rr": 16, "spo2": 98},
       "observations": []}
def obs(id, alerts, observations, **changes):
    s = copy.deepcopy(OBS)
    s["id"] = id
    s["observations"] = observations
    s.update(changes)
    scenarios.append(s)
    expected.append({"id": id, "alerts": alerts})
def vitals(at, **v):
    base = {"at": at, "temp_c": 37.0, "hr": 80, "sbp": 120, "dbp": 70, "rr": 16, "spo2": 98, "symptoms": []}
    base.update(v)
    return base
obs("x-febrile-exactly-one-degree", [{"code": "FEBRILE", "severity": "stop", "at": "2026-11-22T10:15:00+08:00"}],
    [vitals("2026-11-22T10:15:00+08:00", temp_c=38.3)])
obs("x-febrile-rise-short", [], [vitals("2026-11-22T10:15:00+08:00", temp_c=38.2)])
# The 15-minute slot closes at start + 25: an observation then still counts, and now = start+25 is not overdue.
obs("x-15min-at-window-end", [], [vitals("2026-11-22T10:25:00+08:00")], now="2026-11-22T10:25:00+08:00")
obs("x-15min-missed", [{"code": "OBS_OVERDUE", "severity": "warn", "label": "15min"}],
    [vitals("2026-11-22T10:26:00+08:00")], now="2026-11-22T10:26:00+08:00")
# Ended at start + 50: the 60-minute slot is not due; the end observation 10 minutes later satisfies "end".
obs("x-hourly-after-end-not-due", [], [vitals("2026-11-22T10:15:00+08:00"), vitals("2026-11-22T11:00:00+08:00")],
    ended_at="2026-11-22T10:50:00+08:00", now="2026-11-22T12:30:00+08:00")
# No baseline: reported once the transfusion has started; triggers use absolute limits (SBP 80 is hypotension).
obs("x-no-baseline", [{"code": "BASELINE_MISSING", "severity": "warn"},
                      {"code": "HYPOTENSION", "severity": "stop", "at": "2026-11-22T10:15:00+08:00"}],
    [vitals("2026-11-22T10:15:00+08:00", sbp=80)], baseline=None)

with open("extra_checks.json", "w", encoding="utf-8") as f:
    json.dump(scenarios, f, ensure_ascii=False, indent=1)
with open("extra_checks.expected.jsonl", "w", encoding="utf-8") as f:
    for e in expected:
        f.write(json.dumps(e, ensure_ascii=False) + "\n")
print(len(scenarios), "scenarios")
