#!/usr/bin/env bash
# Interoperability run against an independent FHIR R5 server, helios-hfs (docs/interop.md).
# Not part of CI (.ci/run does not call it): it needs hfs, npm and a few minutes.
#
#   HFS_BIN=/path/to/hfs bash scripts/interop.sh
#
# 1. starts hfs on loopback (a free port, a fresh SQLite database, the R5 SearchParameters from
#    the npm package hl7.fhir.r5.examples 5.0.0) and waits for /metadata;
# 2. loads the demo ward through hfs's REST API: bedside's own SearchParameter `destination`
#    (PUT), then every resource of the reference blood bank in demo mode (`bedside bloodbank
#    --demo`) in one transaction Bundle of PUTs with their ids;
# 3. `bedside sync` against hfs, and checks the pull brought the ward's issued units;
# 4. the demo flow's records (crates/app/examples/interop_ward.rs drives the app's controllers:
#    near miss, check, start, rounds; end and reaction), each pushed by `bedside sync`; the
#    conflict path: the end is built on one version of the Procedure and kept unsent, the blood
#    bank changes the Procedure, the resend meets a stale If-Match; 李秀英's Procedure is marked
#    entered-in-error meanwhile, so her reaction must be quarantined;
# 5. prints each step as PASS / FAIL / NOTE, and exits 1 if a step that should work failed.
#
# Environment: HFS_BIN (default `hfs` on PATH), R5_EXAMPLES_TGZ (the npm tarball, else `npm pack`
# fetches it), KEEP_WORK=1 (keep the work directory), TMPDIR. Cargo builds into the usual target
# directory (CARGO_TARGET_DIR is honoured).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HFS_BIN=${HFS_BIN:-hfs}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bedside-interop.XXXXXX")
FAILED=0
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ ${KEEP_WORK:-0} == 1 ]]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILED=$((FAILED + 1)); }
note() { printf 'NOTE  %s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
die() { printf 'FAIL  %s\n' "$*"; echo "interop: stopped (logs in $WORK)"; KEEP_WORK=1; exit 1; }
# check NAME EXPECTED ACTUAL: PASS when equal, else FAIL with both.
check() {
    if [[ "$2" == "$3" ]]; then pass "$1 ($3)"; else fail "$1: expected $2, got $3"; fi
}

for tool in curl jq python3 cargo; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done
command -v "$HFS_BIN" >/dev/null || die "hfs not found: set HFS_BIN (cargo install helios-hfs \
--version 0.2.7 --locked --no-default-features --features R5,sqlite)"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for URL SECONDS: until URL answers 200.
wait_for() {
    local i
    for ((i = 0; i < $2 * 4; i++)); do
        if [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]]; then return 0; fi
        sleep 0.25
    done
    return 1
}

# -------------------------------------------------------------------------------- builds
step "0. build bedside and the flow driver"
(cd "$ROOT" && cargo build --locked --quiet --bin bedside \
    && cargo build --locked --quiet -p bedside-app --example interop_ward) \
    || die "cargo build failed"
TARGET=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
BEDSIDE="$TARGET/debug/bedside"
WARD_DRIVER="$TARGET/debug/examples/interop_ward"
pass "built $BEDSIDE and $WARD_DRIVER"
"$HFS_BIN" --version || true

# -------------------------------------------------------------------------------- 1. hfs
step "1. start hfs with the R5 SearchParameters and a fresh SQLite database"
mkdir -p "$WORK/hfs/data" "$WORK/npm"
if [[ -z ${R5_EXAMPLES_TGZ:-} ]]; then
    command -v npm >/dev/null || die "npm is needed (or set R5_EXAMPLES_TGZ)"
    (cd "$WORK/npm" && npm pack --silent hl7.fhir.r5.examples@5.0.0 >/dev/null) \
        || die "npm pack hl7.fhir.r5.examples@5.0.0 failed"
    R5_EXAMPLES_TGZ="$WORK/npm/hl7.fhir.r5.examples-5.0.0.tgz"
fi
tar -xzf "$R5_EXAMPLES_TGZ" -C "$WORK/npm" package/Bundle-searchParams.json
# hfs reads the spec's search parameters from <data-dir>/search-parameters-r5.json.
cp "$WORK/npm/package/Bundle-searchParams.json" "$WORK/hfs/data/search-parameters-r5.json"
HFS_PORT=$(free_port)
HFS="http://127.0.0.1:$HFS_PORT"
(cd "$WORK/hfs" && RUST_MIN_STACK=8388608 HFS_UI_ENABLED=false exec "$HFS_BIN" \
    --host 127.0.0.1 --port "$HFS_PORT" --base-url "$HFS" \
    --database-url "$WORK/hfs/hfs.db" --data-dir "$WORK/hfs/data" \
    --default-fhir-version R5 --enable-versioning --log-level warn \
    >"$WORK/hfs/hfs.log" 2>&1) &
PIDS+=($!)
wait_for "$HFS/metadata" 180 || die "hfs did not answer /metadata (log: $WORK/hfs/hfs.log)"
META=$(curl -s "$HFS/metadata")
check "hfs /metadata fhirVersion" 5.0.0 "$(jq -r .fhirVersion <<<"$META")"
note "hfs: $(jq -r '.software.name + " " + .software.version' <<<"$META")"

# -------------------------------------------------------------------------------- 2. load
step "2. load the demo ward into hfs through its REST API"
SP="$ROOT/data/fhir/SearchParameter-BiologicallyDerivedProductDispense-destination.json"
code=$(curl -s -o "$WORK/sp.json" -w '%{http_code}' -X PUT \
    -H 'Content-Type: application/fhir+json' --data-binary "@$SP" \
    "$HFS/SearchParameter/$(jq -r .id "$SP")")
[[ $code == 200 || $code == 201 ]] && pass "PUT SearchParameter destination ($code)" \
    || fail "PUT SearchParameter destination: HTTP $code $(cat "$WORK/sp.json")"

REF_PORT=$(free_port)
REF="http://127.0.0.1:$REF_PORT/fhir"
mkdir -p "$WORK/ref"
"$BEDSIDE" bloodbank --db "$WORK/ref/bloodbank.db" --listen "127.0.0.1:$REF_PORT" --demo \
    >"$WORK/ref/bloodbank.log" 2>&1 &
PIDS+=($!)
wait_for "$REF/metadata" 60 || die "the reference blood bank did not start ($WORK/ref)"

TYPES=(CodeSystem Location Practitioner Patient Encounter ServiceRequest Observation
    BiologicallyDerivedProduct BiologicallyDerivedProductDispense)
: >"$WORK/ward.ndjson"
for t in "${TYPES[@]}"; do
    curl -sf "$REF/$t" | jq -c '.entry[]?.resource' >>"$WORK/ward.ndjson" \
        || die "GET $REF/$t failed"
done
# One transaction of PUTs with the reference ids; meta is the server's own business.
jq -s --arg base "$HFS" '{resourceType: "Bundle", type: "transaction", entry: [.[] | del(.meta)
    | {fullUrl: "\($base)/\(.resourceType)/\(.id)", resource: .,
       request: {method: "PUT", url: "\(.resourceType)/\(.id)"}}]}' \
    "$WORK/ward.ndjson" >"$WORK/ward-transaction.json"
LOADED=$(jq '.entry | length' "$WORK/ward-transaction.json")
code=$(curl -s -o "$WORK/ward-response.json" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/fhir+json' --data-binary "@$WORK/ward-transaction.json" "$HFS")
if [[ $code == 200 ]]; then
    created=$(jq '[.entry[].response.status | select(startswith("201") or startswith("200"))]
        | length' "$WORK/ward-response.json")
    check "transaction of $LOADED PUTs: entries stored" "$LOADED" "$created"
else
    die "the ward transaction was refused: HTTP $code $(head -c 600 "$WORK/ward-response.json")"
fi
DISPENSES=$(jq -s '[.[] | select(.resourceType == "BiologicallyDerivedProductDispense")] | length' \
    "$WORK/ward.ndjson")
n=$(curl -s "$HFS/BiologicallyDerivedProductDispense?destination=Location/ward-h5&_count=100" \
    | jq '[.entry[]? | select(.search.mode == "match")] | length')
check "hfs finds the ward's dispenses by the custom destination parameter" "$DISPENSES" "$n"

# -------------------------------------------------------------------------------- 3. pull
step "3. bedside sync against hfs: the pull"
DEV="$WORK/device"
mkdir -p "$DEV"
python3 -c 'import secrets; print(secrets.token_hex(32))' >"$DEV/store.key"
chmod 600 "$DEV/store.key"
cat >"$DEV/bedside.toml" <<EOF
language = "en"
[bloodbank]
url = "$HFS"
ward = "ward-h5"
timeout_seconds = 30
# Small pages: the pull must follow hfs's own next links.
page_size = 4
[device]
store = "bedside.db"
store_key_file = "store.key"
EOF
printf 'badge,name,role,pin\nN0451,陈静,nurse,0451\nN0388,刘洋,nurse,0388\nC0101,孙红,charge_nurse,0101\n' \
    >"$DEV/staff.csv"
"$BEDSIDE" staff import --config "$DEV/bedside.toml" "$DEV/staff.csv" >/dev/null \
    || die "bedside staff import failed"

# sync LABEL: one `bedside sync`, its JSON line in $SYNC (and $WORK/sync-LABEL.json).
sync_device() {
    local rc=0
    "$BEDSIDE" sync --config "$DEV/bedside.toml" >"$WORK/sync-$1.json" 2>"$WORK/sync-$1.err" \
        || rc=$?
    SYNC=$(cat "$WORK/sync-$1.json")
    echo "      bedside sync ($1), exit $rc: $SYNC"
    if [[ -s "$WORK/sync-$1.err" ]]; then sed 's/^/      stderr: /' "$WORK/sync-$1.err"; fi
}
sync_device pull
check "pull complete" true "$(jq -r .pull_complete <<<"$SYNC")"
check "pull errors" "[]" "$(jq -c .errors <<<"$SYNC")"
"$WARD_DRIVER" units --config "$DEV/bedside.toml" >"$WORK/units.json" || true
check "units in the device's cache" "$DISPENSES" "$(jq '.units | length' "$WORK/units.json")"
check "units that could not be mapped" "[]" "$(jq -c .problems "$WORK/units.json")"
check "张伟's unit, his requirements" 'ZY26001001 ["irradiated","leukoreduced"]' \
    "$(jq -r '.units[] | select(.dispense == "bdpd-000001")
        | "\(.patient_mrn) \(.requirements | tojson)"' "$WORK/units.json")"
check "the recalled unit is returned" 1 \
    "$(jq '[.units[] | select(.status == "Returned")] | length' "$WORK/units.json")"
sync_device again
check "a second pull brings nothing new" 0 "$(jq -r .pulled <<<"$SYNC")"

# -------------------------------------------------------------------------------- 4. records
step "4a. near miss, check, start, rounds: pushed by bedside sync"
"$WARD_DRIVER" start --config "$DEV/bedside.toml" >"$WORK/start.json" \
    || fail "the flow driver could not record the starts: $(cat "$WORK/start.json")"
check "near miss stopped, both units started, rounds judged" true "$(jq -r .ok "$WORK/start.json")"
ZHANG=$(jq -r .started.zhang_wei "$WORK/start.json")
LI=$(jq -r .started.li_xiuying "$WORK/start.json")
sync_device push
check "push quarantined" 0 "$(jq -r .quarantined <<<"$SYNC")"
check "push unsent" 0 "$(jq -r .unsent <<<"$SYNC")"
check "push errors" "[]" "$(jq -c .errors <<<"$SYNC")"

# by_identifier TYPE URN: the resources of TYPE carrying the client identifier URN.
by_identifier() {
    curl -s -G "$HFS/$1" --data-urlencode "identifier=urn:ietf:rfc:3986|$2"
}
for who in ZHANG LI; do
    p=$(by_identifier Procedure "${!who}")
    name=$([[ $who == ZHANG ]] && echo 张伟 || echo 李秀英)
    check "$name's start Procedure on hfs, once, in progress" "1 in-progress" \
        "$(jq -r '[.entry[]? | select(.search.mode == "match")] | "\(length) \(.[0].resource.status)"' <<<"$p")"
done
ZHANG_ID=$(by_identifier Procedure "$ZHANG" | jq -r '.entry[0].resource.id')
LI_ID=$(by_identifier Procedure "$LI" | jq -r '.entry[0].resource.id')
check "vital signs partOf 张伟's Procedure (baseline + round)" 10 \
    "$(curl -s "$HFS/Observation?part-of=Procedure/$ZHANG_ID&_count=100" \
        | jq '[.entry[]? | select(.search.mode == "match")] | length')"
check "Provenance of each two-person check" 1 \
    "$(curl -s "$HFS/Provenance?target=Procedure/$ZHANG_ID" \
        | jq '[.entry[]? | select(.search.mode == "match")] | length')"
check "the near miss as an AdverseEvent, actuality potential" 1 \
    "$(curl -s "$HFS/AdverseEvent?actuality=potential" \
        | jq '[.entry[]? | select(.search.mode == "match")] | length')"
sync_device resend-nothing
check "nothing left to send" 0 "$(jq -r .unsent <<<"$SYNC")"

step "4b. a resent start is not stored twice (conditional create inside a transaction)"
START=$(curl -s "$HFS/Procedure/$ZHANG_ID" | jq -c 'del(.id, .meta)')
jq -n --argjson p "$START" --arg urn "$ZHANG" '{resourceType: "Bundle", type: "transaction",
    entry: [{fullUrl: $urn, resource: $p, request: {method: "POST", url: "Procedure",
        ifNoneExist: "identifier=urn:ietf:rfc:3986|\($urn)"}}]}' >"$WORK/resend.json"
curl -s -X POST -H 'Content-Type: application/fhir+json' --data-binary "@$WORK/resend.json" \
    "$HFS" >"$WORK/resend-response.json"
check "resend answered" "200 OK Procedure/$ZHANG_ID" \
    "$(jq -r '.entry[0].response | "\(.status) \(.location | split("/_history")[0])"' \
        "$WORK/resend-response.json")"
check "still one Procedure" 1 "$(by_identifier Procedure "$ZHANG" | jq '[.entry[]?] | length')"

step "4c. end and reaction, first send lost; the blood bank changes both Procedures"
"$WARD_DRIVER" finish-offline --config "$DEV/bedside.toml" >"$WORK/finish.json" \
    || fail "the flow driver could not record the end and the reaction: $(cat "$WORK/finish.json")"
check "end recorded, reaction reported, the offline cycle kept them" true \
    "$(jq -r .ok "$WORK/finish.json")"
echo "      offline cycle: $(jq -c .offline_cycle "$WORK/finish.json")"
# The blood bank's staff annotate 张伟's Procedure, and void 李秀英's (entered in error).
put_procedure() { # ID JQ-FILTER: the current version changed by FILTER, PUT with If-Match.
    local body etag
    body=$(curl -s -D "$WORK/read.h" "$HFS/Procedure/$1")
    etag=$(tr -d '\r' <"$WORK/read.h" | awk 'tolower($1) == "etag:" {print $2}')
    jq -c "$2" <<<"$body" | curl -s -o "$WORK/put.json" -w '%{http_code}' -X PUT \
        -H 'Content-Type: application/fhir+json' -H "If-Match: $etag" --data-binary @- \
        "$HFS/Procedure/$1"
}
check "blood bank note on 张伟's Procedure (PUT If-Match)" 200 \
    "$(put_procedure "$ZHANG_ID" '.note = (.note // []) + [{text: "输血科备注 / blood bank note"}]')"
check "李秀英's Procedure marked entered-in-error (PUT If-Match)" 200 \
    "$(put_procedure "$LI_ID" '.status = "entered-in-error"')"

step "4d. bedside sync resends: stale If-Match re-applied, voided record quarantined"
sync_device conflict
check "records confirmed after the conflict" true "$(jq -r '.pushed >= 1' <<<"$SYNC")"
check "quarantined: 李秀英's reaction (her Procedure is entered-in-error)" 1 \
    "$(jq -r .quarantined <<<"$SYNC")"
P=$(curl -s "$HFS/Procedure/$ZHANG_ID")
check "张伟's Procedure completed with an end time" "completed true" \
    "$(jq -r '"\(.status) \(.occurrencePeriod.end != null)"' <<<"$P")"
check "the blood bank's note kept beside the device's" true \
    "$(jq -r '[.note[]?.text] | (any(contains("blood bank note"))) and (length >= 2)' <<<"$P")"
check "李秀英's Procedure left as the blood bank set it" entered-in-error \
    "$(curl -s "$HFS/Procedure/$LI_ID" | jq -r .status)"
check "no reaction AdverseEvent stored for the voided record" 0 \
    "$(curl -s "$HFS/AdverseEvent?actuality=actual" \
        | jq '[.entry[]? | select(.search.mode == "match")] | length')"
sync_device final
check "after the run: nothing waits to be sent" 0 "$(jq -r .unsent <<<"$SYNC")"
"$WARD_DRIVER" outbox --config "$DEV/bedside.toml" >"$WORK/outbox.json" || true
check "the device's outbox: sent, quarantined (kept, never dropped)" "7 1" \
    "$(jq -r '"\(.sent) \(.quarantined)"' "$WORK/outbox.json")"

step "4e. a blood bank that no longer knows destination: the pull is refused, not widened"
# hfs uses only active SearchParameters and is lenient by default: without the parameter it
# would answer every ward's dispenses. bedside asks for strict handling (Prefer) and must refuse.
jq '.status = "retired"' "$SP" | curl -s -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' \
    --data-binary @- "$HFS/SearchParameter/$(jq -r .id "$SP")"
sync_device no-destination
check "pull not complete" false "$(jq -r .pull_complete <<<"$SYNC")"
check "the refusal is said" true "$(jq -r '[.errors[] | contains("pull refused: HTTP 400")] | any' <<<"$SYNC")"
curl -s -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' --data-binary "@$SP" \
    "$HFS/SearchParameter/$(jq -r .id "$SP")"
sync_device destination-back
check "with the parameter back, the pull completes" true "$(jq -r .pull_complete <<<"$SYNC")"

# -------------------------------------------------------------------------------- 5. probes
step "5. what hfs does where the contract names a behaviour (informational)"
h=$(curl -s -o /dev/null -D - "$HFS/Procedure/$ZHANG_ID" | tr -d '\r')
note "read headers: $(grep -i -E '^(etag|last-modified|date):' <<<"$h" | tr '\n' ' ')"
note "conditional read If-None-Match current: HTTP $(curl -s -o /dev/null -w '%{http_code}' \
    -H "If-None-Match: $(awk 'tolower($1) == "etag:" {print $2}' <<<"$h")" "$HFS/Procedure/$ZHANG_ID")"
b=$(curl -s "$HFS/Observation?bogus-parameter=1&_count=1")
note "unknown search parameter: HTTP 200, self link $(jq -r '.link[] | select(.relation == "self") | .url' <<<"$b"), outcome entry: $(jq -c '[.entry[]? | select(.search.mode == "outcome") | .resource.issue[0].details.text]' <<<"$b")"
b=$(curl -s -H 'Prefer: handling=strict' "$HFS/Observation?bogus-parameter=1")
note "the same under Prefer: handling=strict (what bedside sends): $(jq -c '.issue[0] | {code, text: .details.text}' <<<"$b")"
note "searchset total on a destination search: $(curl -s "$HFS/BiologicallyDerivedProductDispense?destination=Location/ward-h5" | jq -c .total)"
note "transfusion-started on 张伟's dispense (the reference service adds it; a generic server cannot): $(curl -s "$HFS/BiologicallyDerivedProductDispense/bdpd-000001" | jq -c '[.extension[]?.url | select(endswith("transfusion-started"))] | length')"
body=$(curl -s "$HFS/Procedure/$ZHANG_ID" | jq -c '.status = "completed"')
note "stale If-Match outside a transaction: HTTP $(curl -s -o "$WORK/stale.json" -w '%{http_code}' \
    -X PUT -H 'Content-Type: application/fhir+json' -H 'If-Match: W/"1"' --data-binary "$body" \
    "$HFS/Procedure/$ZHANG_ID") $(jq -c '.issue[0] | {code, text: .details.text}' "$WORK/stale.json")"
jq -n --argjson p "$body" --arg id "$ZHANG_ID" --arg base "$HFS" '{resourceType: "Bundle",
    type: "transaction", entry: [{fullUrl: "\($base)/Procedure/\($id)", resource: $p,
    request: {method: "PUT", url: "Procedure/\($id)", ifMatch: "W/\"1\""}}]}' >"$WORK/stale-tx.json"
note "stale ifMatch inside a transaction: HTTP $(curl -s -o "$WORK/stale-tx-response.json" \
    -w '%{http_code}' -X POST -H 'Content-Type: application/fhir+json' \
    --data-binary "@$WORK/stale-tx.json" "$HFS") $(jq -c '.issue[0] | {code, text: .details.text}' \
    "$WORK/stale-tx-response.json")"

# A round sent while the device does not yet know the Procedure's server id refers to it
# conditionally (contract §2.5): hfs must resolve it to the one Procedure.
jq -n --arg urn "$ZHANG" '{resourceType: "Bundle", type: "transaction", entry: [{
    fullUrl: "urn:uuid:6f1c2a52-4e7e-4c53-9a35-3b0f5a1d2e01",
    resource: {resourceType: "Observation", status: "final", code: {text: "interop probe"},
        identifier: [{system: "urn:ietf:rfc:3986", value: "urn:uuid:6f1c2a52-4e7e-4c53-9a35-3b0f5a1d2e01"}],
        partOf: [{reference: "Procedure?identifier=urn:ietf:rfc:3986|\($urn)"}]},
    request: {method: "POST", url: "Observation"}}]}' >"$WORK/condref.json"
curl -s -X POST -H 'Content-Type: application/fhir+json' --data-binary "@$WORK/condref.json" \
    "$HFS" >"$WORK/condref-response.json"
note "conditional reference Procedure?identifier=… in a transaction: $(jq -c '[.entry[0].response.status, .entry[0].resource.partOf[0].reference] // .issue' "$WORK/condref-response.json")"

echo
if ((FAILED > 0)); then
    echo "interop: $FAILED step(s) failed against hfs (work directory: $WORK)"
    KEEP_WORK=1
    exit 1
fi
echo "interop: every step passed against hfs"
