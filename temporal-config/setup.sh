#!/bin/sh
# Makes a Temporal namespace ready for orders, for the compose stack (the `temporal-setup` job, on the
# temporalio/admin-tools image). `npm start` does the same against the dev server in
# temporal-config/namespace.ts; keep the two in step.
#
#   - our search attributes registered: admins filter orders by them in the Temporal UI, and a workflow
#     that upserts an unregistered one fails its workflow task;
#   - a retention long enough that finished orders stay visible for weeks (never shortened here: an
#     operator may have chosen longer).
#
# Safe to run again and again: what already exists is left as it is.
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${TEMPORAL_RETENTION:=60d}"
export TEMPORAL_ADDRESS
NS="$TEMPORAL_NAMESPACE"

# name=Type pairs. Must match SEARCH_ATTRIBUTES in temporal-config/searchAttributes.ts
# (test/deployment.test.ts fails when they drift apart).
SEARCH_ATTRIBUTES="OrderStatus=Keyword CustomerEmail=Keyword OrderTotalPence=Int AttentionReason=Keyword"

say() { echo "[temporal-setup] $*"; }
die() { echo "[temporal-setup] $*" >&2; exit 1; }

# TEMPORAL_RETENTION uses lib/config.ts's grammar ("60d", "30 days", "1440h"); the CLI wants hours.
retention_hours() {
  echo "$1" | awk '
    match($0, /^[0-9]+[ ]*/) {
      n = substr($0, 1, RLENGTH) + 0; unit = substr($0, RLENGTH + 1)
      if (unit ~ /^(d|days?)$/) { print n * 24; exit 0 }
      if (unit ~ /^(h|hours?)$/) { print n; exit 0 }
    }
    { exit 1 }'
}
HOURS=$(retention_hours "$TEMPORAL_RETENTION") || die "TEMPORAL_RETENTION=$TEMPORAL_RETENTION: use whole days or hours, e.g. 60d"
[ "$HOURS" -ge 24 ] || die "TEMPORAL_RETENTION=$TEMPORAL_RETENTION: Temporal needs at least one day"

# Retries a command until it succeeds; the server may still be starting (or refreshing its caches).
retry() {
  tries=0
  until "$@"; do
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || return 1
    sleep 2
  done
}

say "waiting for Temporal at $TEMPORAL_ADDRESS"
retry temporal operator cluster health >/dev/null 2>&1 || die "Temporal at $TEMPORAL_ADDRESS is not healthy"

# auto-setup creates "default" itself; any other namespace is created here.
if ! temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1; then
  say "creating namespace $NS"
  out=$(temporal operator namespace create --namespace "$NS" --retention "${HOURS}h" 2>&1) || case "$out" in
    *"already exists"* | *"AlreadyExists"*) ;;
    *) die "could not create namespace $NS: $out" ;;
  esac
fi
retry temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1 || die "namespace $NS never appeared"

# The API reports retention as protobuf JSON seconds ("86400s").
current=$(temporal operator namespace describe --namespace "$NS" --output json |
  jq -r '.config.workflowExecutionRetentionTtl // "0s"' | sed 's/s$//; s/\..*//')
wanted=$((HOURS * 3600))
if [ "${current:-0}" -lt "$wanted" ]; then
  say "namespace $NS: retention ${current:-0}s -> ${wanted}s ($TEMPORAL_RETENTION)"
  temporal operator namespace update --namespace "$NS" --retention "${HOURS}h" >/dev/null
else
  say "namespace $NS: retention ${current}s kept (at least $TEMPORAL_RETENTION)"
fi

# A namespace created a moment ago is "not found" here until the server's namespace cache catches up.
add_attribute() {
  out=$(temporal operator search-attribute create --namespace "$NS" --name "$1" --type "$2" 2>&1) || case "$out" in
    *"already exists"* | *"AlreadyExists"*) ;;
    *) last_error=$out; return 1 ;;
  esac
}
last_error=""
for pair in $SEARCH_ATTRIBUTES; do
  retry add_attribute "${pair%%=*}" "${pair#*=}" || die "could not register search attribute $pair: $last_error"
done

# An attribute that exists under another type would pass the step above: check the types, and wait for
# the server's search-attribute cache so the first order does not race it.
registered() {
  listed=$(temporal operator search-attribute list --namespace "$NS" --output json 2>/dev/null) || return 1
  for pair in $SEARCH_ATTRIBUTES; do
    name=${pair%%=*}
    type=${pair#*=}
    printf '%s' "$listed" | jq -e --arg n "$name" --arg t "$type" \
      '.customAttributes[$n] // "" | ascii_downcase | endswith($t | ascii_downcase)' >/dev/null || return 1
  done
}
listed=""
retry registered || die "search attributes missing or of the wrong type: $listed"
say "namespace $NS ready: search attributes $SEARCH_ATTRIBUTES"
