# shellcheck shell=bash
# The Secrets the components read, stated once: scripts/cluster-up creates them from a secrets file
# on a local cluster, scripts/seal seals them for any other (SecretValuesTests reads this table).
# Source scripts/lib/common.sh first.

# One line per Secret: "<component> <namespace> <name> <key>=<source>...", where a source is a
# variable of the secrets file or a literal in single quotes.
# shellcheck disable=SC2034 # read by the scripts that source this file
COMPONENT_SECRETS=(
  "postgresql postgresql postgresql-credentials username='keycloak' password=DB_PASSWORD"
  "keycloak keycloak keycloak-db username='keycloak' password=DB_PASSWORD"
  "keycloak keycloak keycloak-admin username='admin' password=KEYCLOAK_ADMIN_PASSWORD"
  "keycloak keycloak oauth2-demo-client client-secret=CLIENT_SECRET"
  "oauth2-demo oauth2-demo oauth2-demo-client client-secret=CLIENT_SECRET"
  "oauth2-demo oauth2-demo oauth2-proxy-cookie cookie-secret=COOKIE_SECRET"
)
# The variables of a secrets file, each required: "KEY=value" lines (blank lines and # comments aside).
SECRET_VARIABLES=(DB_PASSWORD KEYCLOAK_ADMIN_PASSWORD CLIENT_SECRET COOKIE_SECRET)
# The workload of each component whose Pods read its Secrets: "<component> <kind> <name>".
# shellcheck disable=SC2034
COMPONENT_WORKLOADS=(
  "postgresql StatefulSet postgresql"
  "keycloak Deployment keycloak"
  "oauth2-demo Deployment oauth2-demo"
)

# make_secrets_file FILE: throwaway random values for every variable, readable by the owner only;
# nothing when FILE exists.
make_secrets_file() {
  [[ ! -f "$1" ]] || return 0
  mkdir -p "$(dirname "$1")"
  (
    umask 077
    # OAuth2-Proxy takes a cookie secret of 16, 24 or 32 bytes, here base64url-encoded.
    printf '%s\n' "DB_PASSWORD=$(random_secret 24)" "KEYCLOAK_ADMIN_PASSWORD=$(random_secret 18)" \
      "CLIENT_SECRET=$(random_secret 32)" "COOKIE_SECRET=$(random_secret 32)" >"$1"
  )
  log "generated throwaway secrets in $1"
}

# check_secrets_file FILE: fails naming each missing, empty or unknown variable and a cookie secret
# OAuth2-Proxy would refuse; never prints a value.
check_secrets_file() {
  [[ -f "$1" ]] || die "no secrets file $1"
  python3 - "$1" "${SECRET_VARIABLES[@]}" <<'CHECK' || die "$1 is not a usable secrets file (see above)"
import base64, binascii, sys
path, required = sys.argv[1], sys.argv[2:]
values, problems = {}, []
for number, line in enumerate(open(path, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    key, sep, value = line.partition("=")
    if not sep:
        problems.append(f"line {number} is not KEY=value")
    elif key not in required:
        problems.append(f"line {number}: unknown key {key} (known: {', '.join(required)})")
    elif key in values:
        problems.append(f"line {number}: {key} is given twice")
    else:
        values[key] = value
problems += [f"missing key {key}" for key in required if key not in values]
problems += [f"{key} is empty" for key, value in values.items() if not value]
cookie = values.get("COOKIE_SECRET", "")
def decoded_length(text):
    try:
        return len(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        return None
if cookie and len(cookie) not in (16, 24, 32) and decoded_length(cookie) not in (16, 24, 32):
    problems.append("COOKIE_SECRET must be 16, 24 or 32 bytes, or their base64 (OAuth2-Proxy's rule)")
for problem in problems:
    print(f"ERROR - {path}: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
CHECK
}

# certificate_fingerprint PEM_FILE: "sha256:<hex>" of the certificate's DER form, as scripts/seal
# records the certificate it sealed for.
certificate_fingerprint() {
  python3 -c 'import hashlib, ssl, sys; print("sha256:" + hashlib.sha256(ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read())).hexdigest())' "$1"
}
