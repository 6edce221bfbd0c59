#!/usr/bin/env bash
# Registers the sample schemas of schemas/examples/ with a running accord (admin API, default
# http://127.0.0.1:8081; first argument or $ACCORD_ADMIN to change it; $ACCORD_ADMIN_AUTH is
# passed as the Authorization header when set). Idempotent: registering a schema again returns
# its existing id.
set -euo pipefail
cd "$(dirname "$0")/.."
admin="${1:-${ACCORD_ADMIN:-http://127.0.0.1:8081}}"
auth=()
[ -n "${ACCORD_ADMIN_AUTH:-}" ] && auth=(-H "Authorization: ${ACCORD_ADMIN_AUTH}")

register() {  # subject type file
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"schemaType": sys.argv[1], "schema": open(sys.argv[2]).read()}))' "$2" "$3")
  printf '%-40s ' "$1"
  curl -sS --fail-with-body --max-time 10 "${auth[@]}" \
    -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    -X POST --data-binary "$body" "$admin/subjects/$1/versions"
  echo
}

register com.example.thermostat.reading JSON schemas/examples/thermostat/reading.v1.schema.json
register com.example.thermostat.reading JSON schemas/examples/thermostat/reading.v2.schema.json
register thermostat-com.example.thermostat.Reading PROTOBUF schemas/examples/thermostat/reading.proto
