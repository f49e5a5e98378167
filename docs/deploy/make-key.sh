#!/bin/sh
# The Compose example's secrets, made on this machine (git-ignored): the cluster key store (one EC key and its
# self-signed certificate, which every node presents and trusts), its password, and the database's password.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/secrets"
chmod 700 "$here/secrets"
if [ -e "$here/secrets/cluster.p12" ]; then
  echo "secrets/cluster.p12 exists; remove secrets/ to make new ones" >&2
  exit 1
fi
pass=$(openssl rand -hex 24)
dbpass=$(openssl rand -hex 24)
jwt=$(openssl rand -base64 48 | tr -d '\n')
keytool -genkeypair -alias node -keyalg EC -groupname secp256r1 -dname CN=mri-cluster \
  -ext SAN=ip:172.28.0.10,ip:172.28.0.21,ip:172.28.0.22 -validity 825 \
  -storetype PKCS12 -keystore "$here/secrets/cluster.p12" -storepass "$pass" -keypass "$pass"
umask 077
cat > "$here/secrets/cluster.env" <<END
MRI_CLUSTER_KEYSTORE_PASSWORD=$pass
MRI_DB_URL=postgresql://mri:$dbpass@172.28.0.5:5432/mri
MRI_JWT_KEY=$jwt
END
printf 'POSTGRES_PASSWORD=%s\n' "$dbpass" > "$here/secrets/db.env"
# the containers run as another user: readable by them, not by others on this machine
chmod 644 "$here/secrets/cluster.p12" "$here/secrets/cluster.env" "$here/secrets/db.env"
echo "made $here/secrets/{cluster.p12,cluster.env,db.env}"
