#!/usr/bin/env bash
# The real clients tests/clients drives, checked or installed (idempotent, offline-friendly):
# - Terraform on PATH and the hashicorp/aws provider in the filesystem mirror (checked: these
#   machines carry them; nothing is downloaded);
# - the AWS SDK for JavaScript v3 (npm, pinned by tests/clients/js/package-lock.json);
# - Ansible comes with the test extra (pyproject.toml), AWS CLI v2 with install-awscli-v2.sh.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
mirror="${TF_PROVIDER_MIRROR:-/opt/tf-plugins}"
provider="$mirror/registry.terraform.io/hashicorp/aws/5.100.0"

fail() { echo "install-clients: $*" >&2; exit 1; }

command -v terraform >/dev/null || fail "terraform is not on PATH"
compgen -G "$provider/*/terraform-provider-aws_*" >/dev/null \
    || fail "the hashicorp/aws 5.100.0 provider is not in the filesystem mirror $mirror (set TF_PROVIDER_MIRROR)"

command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are needed for the JavaScript SDK tests"
js="$root/tests/clients/js"
# npm ci only when the installed tree is missing or older than the lock file.
if [ ! -f "$js/node_modules/.package-lock.json" ] || [ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
    (cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "install-clients: terraform $(TF_CLI_CONFIG_FILE=/dev/null terraform version 2>/dev/null | head -1 | cut -d' ' -f2), hashicorp/aws 5.100.0, @aws-sdk/client-ec2 $(node -p "require('$js/node_modules/@aws-sdk/client-ec2/package.json').version")"
