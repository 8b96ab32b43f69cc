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
        keep = {k: b[k] for k in ("to", "route", "marking", "denied_by", "sender", "classification", "person") if b.get(k)}
        failed = ["%s (%s)" % (x.get("rule"), x.get("source")) for x in b.get("reasons", []) if isinstance(x, dict) and not x.get("passed")]
        if failed:
            keep["failed"] = failed
        print(f"{sys.argv[1]} audit: {r['"'"'kind'"'"']:18} {keep}")' "$(echo "$1" | tr a-z A-Z)" "$item"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

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

step "7. KOR downgrades it; JPN's copy carries the new marking"
# TODO(custody): gsomia item action / downgrade from KOR, then `gsomia item list` on JPN
# showing the lower marking and `gsomia item holders "$item"` on KOR with JPN's ack.
echo "TODO: downgrade"

step "8. KOR recalls it; JPN no longer holds it (an audit record keeps the fact)"
# TODO(custody): recall from KOR; JPN's `gsomia item list` no longer lists it; KOR sees
# JPN's acknowledgement.
echo "TODO: recall"

step "done"
echo "work folder: $work"
