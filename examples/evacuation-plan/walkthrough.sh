#!/usr/bin/env bash
# Korea shares an evacuation plan with Japan, seen from both nodes.
#
#   bash walkthrough.sh [WORKDIR]      (default: a new temporary folder)
#
# Two live nodes (gsomia serve) on 127.0.0.1 with mutual TLS, on ports chosen at run
# time; every command below is what an operator types. Needs `gsomia` on PATH.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cd "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
# What a node's audit log says about the item (kind, then the fields that matter).
audit() {
  gsomia audit show "$1/store.sqlite" --json | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    b = r["body"]
    if b.get("item_id") == sys.argv[2]:
        keep = {k: b[k] for k in ("action", "new_classification", "to", "route", "marking", "denied_by", "sender", "classification", "person", "holder", "status") if b.get(k)}
        failed = ["%s (%s)" % (x.get("rule"), x.get("source")) for x in b.get("reasons", []) if isinstance(x, dict) and not x.get("passed")]
        if failed:
            keep["failed"] = failed
        print(f"{sys.argv[1]} audit: {r['"'"'kind'"'"']:18} {keep}")' "$(echo "$1" | tr a-z A-Z)" "$item"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Delivery is asynchronous (outbox, retried): wait up to 30 s for a state, else stop.
wait_for() {  # wait_for "what" command...
  local what="$1"; shift
  for _ in $(seq 1 150); do "$@" && return 0; sleep 0.2; done
  echo "timed out after 30 s waiting for $what" >&2; exit 1
}
# KOR's view of notice number $1 on the item: acknowledged by every holder.
acked() {
  gsomia item actions "$item" --config kor.toml --json | python3 -c '
import json, sys
n = [x for x in json.load(sys.stdin) if x["seq"] == int(sys.argv[1])]
sys.exit(0 if n and n[0]["acknowledged"] and not n[0]["pending"] else 1)' "$1"
}
wait_ack() { wait_for "$2" acked "$1"; }
# KOR's case (as originator) for the item in status $1.
case_is() {
  gsomia item cases --config kor.toml --json | python3 -c '
import json, sys
sys.exit(0 if any(c["case_id"] == sys.argv[1] and c["status"] == sys.argv[2] for c in json.load(sys.stdin)) else 1)' "$case" "$1"
}
wait_case() { wait_for "$2" case_is "$1"; }
# JPN's duty officer's list: how many copies of the item it shows, and their markings.
jpn_copies() { gsomia item list --config jpn.toml "${officer[@]}" --json | python3 -c '
import json, sys
marks = [i["marking"] for i in json.load(sys.stdin) if i["item_id"] == sys.argv[1]]
print(len(marks), "copy" if len(marks) == 1 else "copies", "of it" + (" marked " + "; ".join(marks) if marks else ""))' "$item"; }
# A node's loss or compromise cases (Art. 17), one line each, from its --json answer.
show_cases() {
  gsomia item cases --config "$1.toml" --json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    steps = " -> ".join(h["step"] for h in c["history"])
    print(f"{sys.argv[1]} view: case {c['"'"'case_id'"'"']} as {c['"'"'side'"'"']}: item {c['"'"'item_id'"'"']}, holder {c['"'"'holder'"'"']}, {c['"'"'status'"'"']} ({steps}); findings: {c['"'"'findings'"'"']}")' "$(echo "$1" | tr a-z A-Z)"
}

step "0. Keys, persons and two nodes: Korea (KOR) and Japan (JPN)"
gsomia pki init pki --party KOR --party JPN --party USA >/dev/null
# Japan's persons: a certificate each (CN "JPN person <id>"); what they may read is the
# personnel file of Japan's node (Art. 7 clearance and need-to-know, Art. 16).
gsomia pki person pki --party JPN --id duty-officer
gsomia pki person pki --party JPN --id clerk
officer=(--cert pki/JPN/persons/duty-officer.crt --key pki/JPN/persons/duty-officer.key)
clerk=(--cert pki/JPN/persons/clerk.crt --key pki/JPN/persons/clerk.key)
cat > jpn-personnel.toml <<'TOML'
party = "JPN"

[persons.duty-officer]
name = "Duty officer, Joint Staff"
clearance = "極秘"
need_to_know = ["evacuation-coordination", "operation-plan"]

[persons.clerk]
name = "Registry clerk"
clearance = "極秘"
need_to_know = ["operation-plan"]   # cleared, but evacuation plans are not among the duties
TOML
# Korea's operator certificate reads Korea's node as [persons.operator].
cat > kor-personnel.toml <<'TOML'
party = "KOR"

[persons.operator]
name = "Node operator"
clearance = "군사II급비밀"
need_to_know = ["evacuation-coordination"]
TOML
kor_port=$(free_port); jpn_port=$(free_port)
for p in kor jpn; do
  if [ "$p" = kor ]; then party=KOR; port=$kor_port; peer=JPN; peer_port=$jpn_port
  else party=JPN; port=$jpn_port; peer=KOR; peer_port=$kor_port; fi
  cat > "$p.toml" <<TOML
party = "$party"
listen = "127.0.0.1:$port"
store = "$p/store.sqlite"
keys = "pki"
personnel = "$p-personnel.toml"

[peers.$peer]
url = "https://127.0.0.1:$peer_port"
route = "direct"
TOML
  gsomia serve --config "$p.toml" > "$p.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do  # wait until KOR's node answers its operator
  gsomia item list --config kor.toml --json >/dev/null 2>&1 && break
  sleep 0.2
done
for _ in $(seq 1 100); do  # and JPN's its duty officer
  gsomia item list --config jpn.toml "${officer[@]}" --json >/dev/null 2>&1 && break
  sleep 0.2
done
echo "KOR on https://127.0.0.1:$kor_port, JPN on https://127.0.0.1:$jpn_port"

step "1. KOR: the evacuation plan and its annex, as files"
cp "$here/evacuation-plan.md" "$here/assembly-points.csv" .
sha256sum evacuation-plan.md assembly-points.csv

step "2. KOR shares it with JPN (Art. 4: marked 군사II급비밀, REL TO JPN; direct route)"
gsomia item create --config kor.toml --file evacuation-plan.md --file assembly-points.csv \
  --classification 군사II급비밀 --releasable-to JPN --topic evacuation-coordination \
  --title "NEO: evacuation of Japanese and Korean nationals" --to JPN --json > created.json
item=$(python3 -c 'import json, sys; print(json.load(open("created.json"))["item_id"])')
python3 -c 'import json; a = json.load(open("created.json"))
print("KOR view: created", a["item_id"], a["label"]["classification"], "REL TO", a["label"]["releasable_to"])
for r in a["releases"]: print("KOR view: release to", r["to"], "by", r["route"], "->", r["status"])'
audit kor

step "3. JPN's view: the item arrives, marked in Japanese (Art. 4(2)); the duty officer lists it"
for _ in $(seq 1 100); do
  gsomia item list --config jpn.toml "${officer[@]}" --json | grep -q "$item" && break
  sleep 0.2
done
gsomia item list --config jpn.toml "${officer[@]}"
audit jpn

step "4. JPN's duty officer reads it as a person (Art. 7: clearance 極秘 ≥ 極秘 applied on receipt, need-to-know evacuation-coordination): each attachment checked against its size and SHA-256, saved"
gsomia item show "$item" --config jpn.toml "${officer[@]}" --save-attachments received
(cd received && sha256sum evacuation-plan.md assembly-points.csv)
cmp evacuation-plan.md received/evacuation-plan.md && cmp assembly-points.csv received/assembly-points.csv
echo "JPN view: both attachments identical to KOR's files"
audit jpn | grep read.permitted | tail -1

step "5. JPN's registry clerk asks for it: cleared 極秘, but evacuation coordination is not among the clerk's duties (Art. 7 need-to-know): refused with the reason"
if gsomia item show "$item" --config jpn.toml "${clerk[@]}" 2>&1; then
  echo "unexpected: the clerk read the evacuation plan" >&2; exit 1
fi
audit jpn | grep read.denied | tail -1
echo "JPN view: the clerk's list withholds it: $(gsomia item list --config jpn.toml "${clerk[@]}" --json | grep -c "$item" || true) listed"

step "6. KOR tries the TISA hub for it: denied (TISA para 1: North Korean nuclear and missile threats only)"
if gsomia item release "$item" --config kor.toml --to JPN --route tisa; then
  echo "unexpected: the TISA hub accepted an evacuation plan" >&2; exit 1
fi
audit kor | tail -1
echo "KOR view: denied, audited; nothing was sent"
echo "JPN view: $(gsomia item list --config jpn.toml "${officer[@]}" --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))') item(s), the one that came direct"

step "7. KOR downgrades it to 군사III급비밀 (Art. 6: only the Originating Party; the notice is signed by KOR and goes to every holder)"
gsomia item action "$item" downgrade --classification 군사III급비밀 --config kor.toml
wait_ack 1 "JPN's acknowledgement of the downgrade"
echo "JPN view: the duty officer's list has $(jpn_copies)"
gsomia item actions "$item" --config jpn.toml | sed 's/^/JPN view: notice /'
audit jpn | grep -E 'notice\.' | tail -2
echo "KOR view: the notices on the item and who acknowledged them"
gsomia item actions "$item" --config kor.toml | sed 's/^/KOR view: notice /'
audit kor | grep -E 'notice\.acknowledged' | tail -1
echo "KOR view: custody (whom KOR released it to)"
gsomia item holders "$item" --config kor.toml | sed 's/^/KOR view: /'
echo "JPN view: custody (from whom JPN holds it)"
gsomia item holders "$item" --config jpn.toml | sed 's/^/JPN view: /'

step "8. JPN reports a possible compromise (Art. 17): KOR's node opens a case at once; JPN investigates and closes it, each step reported to KOR"
gsomia item compromise "$item" --config jpn.toml --possible \
  --what "printed annex left unattended in a briefing room for 20 minutes" --json > case.json
case=$(python3 -c 'import json; print(json.load(open("case.json"))["case_id"])')
echo "JPN view: case $case opened, reported to KOR"
wait_case open "KOR's case for JPN's report"
gsomia item investigate "$case" --config jpn.toml \
  --findings "room locked, access log shows no entry; no compromise" \
  --measures "annexes kept in the registry safe"
gsomia item close "$case" --config jpn.toml --summary "no compromise"
wait_case closed "KOR's record of the closure"
show_cases jpn; show_cases kor

step "9. KOR recalls it (Art. 6): JPN removes its copy, keeps an audit record of the fact (not the content) and acknowledges"
gsomia item action "$item" recall --config kor.toml
wait_ack 2 "JPN's acknowledgement of the recall"
echo "JPN view: the duty officer's list has $(jpn_copies)"
if gsomia item show "$item" --config jpn.toml "${officer[@]}" >/dev/null 2>&1; then
  echo "unexpected: JPN still shows the recalled plan" >&2; exit 1
fi
echo "JPN view: gsomia item show refuses it (not held)"
gsomia item actions "$item" --config jpn.toml | sed 's/^/JPN view: notice /'
audit jpn | grep -E 'notice\.' | tail -2
gsomia audit show jpn/store.sqlite --json | python3 -c '
import json, sys
log = json.dumps(json.load(sys.stdin), ensure_ascii=False)
text = [x for x in open("evacuation-plan.md", encoding="utf-8").read().splitlines() + open("assembly-points.csv").read().splitlines() if len(x) >= 20]
found = [x for x in text + ["NEO: evacuation of Japanese and Korean nationals"] if x in log]
sys.exit("unexpected: JPN'"'"'s audit log holds the plan'"'"'s content: %r" % found[:1] if found else 0)'
echo "JPN view: the audit log keeps the recall, not the plan's text"
gsomia item actions "$item" --config kor.toml | sed 's/^/KOR view: notice /'
gsomia item holders "$item" --config kor.toml | sed 's/^/KOR view: /'

step "10. Both audit logs verify: each record chained to the one before and a leaf of an RFC 9162 Merkle tree"
for p in kor jpn; do echo "$(echo $p | tr a-z A-Z) view: $(gsomia audit verify "$p/store.sqlite")"; done

step "done"
echo "work folder: $work"
