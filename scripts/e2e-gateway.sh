#!/usr/bin/env bash
# End to end through a real gateway: Debian's nginx on 127.0.0.1 with TLS (a CA, server and
# client certificates made here with openssl), basic auth and a path prefix, in front of
# `bptop serve-recording` playing the bundled real slow-sink recording. Checks what an on-call
# engineer meets behind a corporate gateway: the right credentials and CA give the verdict; a
# wrong password, a wrong CA and a missing client certificate each give one clear line and
# exit 3; nothing secret reaches an output or a recording. Everything started here is stopped
# by PID, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nginx >/dev/null; then
  echo "== installing Debian's nginx (its service is not started: policy-rc.d)"
  export DEBIAN_FRONTEND=noninteractive
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
nginx -v 2>&1
openssl version

source scripts/e2e-lib.sh
# nginx's workers (not root) read the htpasswd file under it.
chmod 755 "$work"
# The developer's own config file and BPTOP_* settings stay out of these checks.
while read -r var; do unset "$var"; done < <(env | sed -n 's/^\(BPTOP_[A-Z_]*\)=.*/\1/p')
export XDG_CONFIG_HOME=$work/no-config

echo "== certificates (openssl)"
pki=$work/pki
mkdir -p "$pki"
# The CA that signs the gateway's and the client's certificates.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bptop e2e CA" \
  -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
# Another CA, trusted by mistake in one check.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" \
  -keyout "$pki/other-ca.key" -out "$pki/other-ca.pem" 2>/dev/null
sign() { # name subject extensions
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
  printf '%s\n' "$3" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>/dev/null
}
sign server "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
sign client "/CN=oncall" "extendedKeyUsage=clientAuth"
chmod 644 "$pki"/*

user=oncall
password="gw-$(openssl rand -hex 8)"
printf '%s:%s\n' "$user" "$(openssl passwd -apr1 "$password")" >"$work/htpasswd"
chmod 644 "$work/htpasswd"

echo "== backend: bptop serve-recording (real Flink 2.3 slow-sink)"
"$bin" serve-recording --replay fixtures/real/slow-sink --listen 127.0.0.1:0 --speed 1000 >"$work/backend.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/backend.log" 2>/dev/null && break; sleep 0.1; done
backend=$(sed -n 's/^listening on //p' "$work/backend.log")
[ -n "$backend" ] || { echo "backend did not start" >&2; cat "$work/backend.log" >&2; exit 1; }

basic_port=$(free_port)
mtls_port=$(free_port)
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  ssl_certificate $pki/server.pem;
  ssl_certificate_key $pki/server.key;
  # TLS, basic auth, path prefix.
  server {
    listen 127.0.0.1:$basic_port ssl;
    location /flink/ {
      auth_basic "flink";
      auth_basic_user_file $work/htpasswd;
      proxy_pass $backend/;
    }
  }
  # Mutual TLS: no client certificate signed by the CA, no answer.
  server {
    listen 127.0.0.1:$mtls_port ssl;
    ssl_client_certificate $pki/ca.pem;
    ssl_verify_client on;
    location /flink/ { proxy_pass $backend/; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)
for _ in $(seq 100); do
  curl -s -o /dev/null --cacert "$pki/ca.pem" "https://127.0.0.1:$basic_port/" && break
  sleep 0.1
done

failed=0
passed=0
check() { # name, then the condition's result as 0/1 with a detail
  if [ "$2" = 0 ]; then
    passed=$((passed + 1))
    echo "ok   $1"
    # What the user saw, when it was an error.
    [ "$code" != 3 ] || echo "       $(head -1 "$work/err" "$work/out" | grep -v '^==>' | grep . | head -1)"
  else
    failed=$((failed + 1))
    echo "FAIL $1: $3"
  fi
}
# Runs bptop, keeping stdout, stderr and the exit code.
run() {
  set +e
  "$@" >"$work/out" 2>"$work/err"
  code=$?
  set -e
}
no_secret() { # file...: neither the password nor its Basic header value
  local basic
  basic=$(printf '%s:%s' "$user" "$password" | base64 -w0)
  ! grep -rqF -e "$password" -e "$basic" "$@"
}
one_line_error() { # what: stderr is one line containing it, and exit 3
  [ "$code" = 3 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -qF "$1" "$work/err"
}

gw="https://127.0.0.1:$basic_port/flink/"
mtls="https://127.0.0.1:$mtls_port/flink/"
echo "== checks against $gw and $mtls"

run env BPTOP_FLINK_USER=$user BPTOP_FLINK_PASSWORD="$password" \
  "$bin" diagnose --flink "$gw" --cacert "$pki/ca.pem" --samples 2 --interval 200ms
ok=1
[ "$code" = 1 ] && grep -q "slow-sink: Writer is the bottleneck" "$work/out" && no_secret "$work/out" "$work/err" && ok=0
check "right credentials + --cacert: verdict through TLS, basic auth and a path prefix" $ok "exit $code: $(head -c 600 "$work/out" "$work/err")"

run env BPTOP_FLINK_USER=$user BPTOP_FLINK_PASSWORD="wrong-$password" \
  "$bin" diagnose --flink "$gw" --cacert "$pki/ca.pem" --samples 1
ok=1
one_line_error "HTTP 401 Unauthorized" && grep -qF "/flink/jobs/overview" "$work/err" && no_secret "$work/err" && ok=0
check "wrong password: one-line 401, exit 3" $ok "exit $code: $(cat "$work/err")"

run env BPTOP_FLINK_USER=$user BPTOP_FLINK_PASSWORD="$password" \
  "$bin" diagnose --flink "$gw" --cacert "$pki/other-ca.pem" --samples 1
ok=1
one_line_error "TLS handshake failed" && grep -qF -- "--cacert" "$work/err" && ok=0
check "wrong CA: one-line TLS error, exit 3" $ok "exit $code: $(cat "$work/err")"

run env BPTOP_FLINK_USER=$user BPTOP_FLINK_PASSWORD="$password" "$bin" diagnose --flink "$gw" --samples 1
ok=1
one_line_error "TLS handshake failed" && ok=0
check "no CA given (built-in roots only): one-line TLS error, exit 3" $ok "exit $code: $(cat "$work/err")"

run env BPTOP_FLINK_USER=$user BPTOP_FLINK_PASSWORD="$password" \
  "$bin" diagnose --flink "$gw" --insecure --samples 1
ok=1
[ "$code" = 1 ] && grep -q "NOT verified" "$work/err" && grep -q "slow-sink: Writer is the bottleneck" "$work/out" && ok=0
check "--insecure: works, and says loudly that nothing is verified" $ok "exit $code: $(cat "$work/err")"

run "$bin" diagnose --flink "$mtls" --cacert "$pki/ca.pem" --cert "$pki/client.pem" --key "$pki/client.key" --samples 1
ok=1
[ "$code" = 1 ] && grep -q "slow-sink: Writer is the bottleneck" "$work/out" && ok=0
check "mTLS required, client certificate given: verdict" $ok "exit $code: $(head -c 600 "$work/out" "$work/err")"

run "$bin" diagnose --flink "$mtls" --cacert "$pki/ca.pem" --samples 1
ok=1
# nginx finishes the TLS 1.3 handshake and then answers 400 "No required SSL certificate was sent".
one_line_error "certificate" && ok=0
check "mTLS required, no client certificate: one clear line, exit 3" $ok "exit $code: $(cat "$work/err")"

# The same gateway from a profile: credentials by variable name, CA by path.
mkdir -p "$work/xdg/bptop"
cat >"$work/xdg/bptop/config.toml" <<TOML
default_profile = "gateway"
[profiles.gateway]
flink = "$gw"
interval = "200ms"
[profiles.gateway.http]
username = "$user"
password_env = "GW_PASSWORD"
cacert = "$pki/ca.pem"
TOML
run env XDG_CONFIG_HOME="$work/xdg" GW_PASSWORD="$password" "$bin" diagnose --samples 2
ok=1
[ "$code" = 1 ] && grep -q "slow-sink: Writer is the bottleneck" "$work/out" && ok=0
check "profile from the XDG config file: verdict" $ok "exit $code: $(cat "$work/err")"

run env XDG_CONFIG_HOME="$work/xdg" GW_PASSWORD="$password" "$bin" config check
ok=1
[ "$code" = 0 ] && grep -q "password \*\*\*\*\*\*\*\*" "$work/out" && no_secret "$work/out" "$work/err" && ok=0
check "config check: resolved settings, password masked" $ok "exit $code: $(cat "$work/out" "$work/err")"

run env XDG_CONFIG_HOME="$work/xdg" GW_PASSWORD="$password" \
  "$bin" record --out "$work/rec" --duration 1s
ok=1
replay_code=0
"$bin" diagnose --replay "$work/rec" >"$work/replay.txt" 2>&1 || replay_code=$?
# The replay gives the same critical verdict (exit 1) on the same bottleneck.
[ "$code" = 0 ] && [ "$replay_code" = 1 ] && grep -q "slow-sink: Writer is the bottleneck" "$work/replay.txt" && no_secret "$work/rec" "$work/out" "$work/err" && ok=0
check "a recording through the gateway holds no credential and replays" $ok "exit $code: $(cat "$work/err")"

echo "e2e-gateway: $passed passed, $failed failed"
[ "$failed" = 0 ]
