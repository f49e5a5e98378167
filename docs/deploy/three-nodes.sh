#!/usr/bin/env bash
# The three-node example without Docker: one PostgreSQL, one api node and two inference nodes from the README's jar,
# on this machine's loopback (the Compose file's shape and variables, with ports instead of addresses). From a fresh
# clone: mvn -q package -DskipTests && docs/deploy/three-nodes.sh
# It uploads one slice through the api node, prints the stored row and the api node's readiness (which lists the
# inference nodes and their model versions), then stops everything. Keep it running with --stay (Ctrl-C stops it).
# Needs Debian's postgresql (15; installed if missing when run as root), python3, openssl and the JDK's keytool.
set -euo pipefail
cd "$(dirname "$0")/../.."
stay=false
[ "${1:-}" = "--stay" ] && stay=true
jar=target/mri-classifier.jar
[ -f "$jar" ] || { echo "no $jar: run mvn -q package -DskipTests first" >&2; exit 1; }
pg=/usr/lib/postgresql/15/bin
if [ ! -x "$pg/initdb" ]; then
  [ "$(id -u)" = 0 ] || { echo "needs PostgreSQL 15 in $pg (apt-get install postgresql)" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

work=$(mktemp -d /tmp/mri-three-nodes.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  as_pg "$pg/pg_ctl -D $work/pg -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

# one PostgreSQL for every node
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
db_port=55432
as_pg "$pg/initdb -D $work/pg -U postgres --auth=trust >/dev/null"
as_pg "$pg/pg_ctl -D $work/pg -o '-p $db_port -k $work/pg -c listen_addresses=127.0.0.1' -l $work/pg/log -w start >/dev/null"
as_pg "$pg/psql -h 127.0.0.1 -p $db_port -U postgres -qc 'CREATE DATABASE mri'"

# the cluster key (every node presents and trusts it) and the shared JWT key, made here, removed at the end
pass=$(openssl rand -hex 24)
keytool -genkeypair -alias node -keyalg EC -groupname secp256r1 -dname CN=mri-three-nodes \
  -ext SAN=ip:127.0.0.1 -validity 2 -storetype PKCS12 -keystore "$work/cluster.p12" \
  -storepass "$pass" -keypass "$pass" >/dev/null 2>&1
admin_password=$(openssl rand -hex 12)
export MRI_DB_URL="postgresql://postgres:unused@127.0.0.1:$db_port/mri"
export MRI_JWT_KEY=$(openssl rand -base64 48 | tr -d '\n')
export MRI_CLUSTER_ENABLED=true MRI_CLUSTER_NAME=mri-example MRI_CLUSTER_HOST=127.0.0.1
export MRI_CLUSTER_MEMBERS=127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703
export MRI_CLUSTER_KEYSTORE="$work/cluster.p12" MRI_CLUSTER_KEYSTORE_PASSWORD="$pass"
export MRI_MODEL_DIR=model/default

node() { # name role http-port hazelcast-port bus-port
  MRI_ROLE=$2 MRI_HTTP_PORT=$3 MRI_CLUSTER_PORT=$4 MRI_CLUSTER_BUS_PORT=$5 MRI_DATA_DIR="$work/$1" \
    MRI_ADMIN_EMAIL=admin@example.org MRI_ADMIN_PASSWORD="$admin_password" \
    java -Xmx768m -jar "$jar" serve > "$work/$1.log" 2>&1 &
  pids+=($!)
}
node api api 8080 5701 5711
sleep 5   # the api node runs the migrations first; the others then find the schema current
node inference-1 inference 8081 5702 5712
node inference-2 inference 8082 5703 5713

echo "waiting for the api node to see two inference nodes (logs in $work/*.log)"
ready=""
for _ in $(seq 1 180); do
  ready=$(curl -s localhost:8080/health/ready || true)
  if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); m=[c for c in d.get("checks",[]) if c.get("id")=="model"];
n=(m[0].get("data") or {}).get("inference_nodes",[]) if m else []; sys.exit(0 if len(n)>=2 else 1)' "$ready" 2>/dev/null; then
    break
  fi
  sleep 1
done
echo "api node readiness: $ready"

token=$(curl -s -X POST localhost:8080/login -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@example.org\",\"password\":\"$admin_password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
python3 - "$work/slice.png" <<'EOF'
# a drawn slice: a grey ellipse on black, so the example needs no data set
import struct, sys, zlib
w = h = 160
rows = []
for y in range(h):
    row = bytearray([0])
    for x in range(w):
        inside = ((x - 80) / 60) ** 2 + ((y - 80) / 70) ** 2 <= 1
        row.append(110 + (x * 7 + y * 3) % 40 if inside else 0)
    rows.append(bytes(row))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF
# a real slice when the data sets lie beside the project (read in place), else the drawn one
slice="$work/slice.png"; type=image/png
real=$(ls ../shared/datasets/brain-mri-253/no/*.jpg 2>/dev/null | head -1 || true)
if [ -n "$real" ]; then slice=$real; type=image/jpeg; fi
echo "an upload of $slice through the api node, classified on an inference node:"
curl -s -X POST localhost:8080/MRI -H "Authorization: Bearer $token" \
  -F "file=@$slice;type=$type" -F gender=female -F hospital=headquarters
echo
if $stay; then
  echo "running; the admin is admin@example.org, password $admin_password; Ctrl-C stops every node"
  wait
fi
