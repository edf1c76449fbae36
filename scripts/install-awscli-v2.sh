#!/usr/bin/env bash
# Install AWS CLI v2 from Debian's `awscli` package (bookworm: 2.9.19) at /usr/bin/aws.
#
# Idempotent: does nothing when /usr/bin/aws already reports aws-cli/2.
# Non-interactive: runs `apt-get update` once, then `apt-get install -y awscli`.
# Exits non-zero with a clear message when the installation fails.
set -euo pipefail

AWS_V2=${AWS_V2:-/usr/bin/aws}  # where Debian's package puts it (overridable for tests)

aws_version() {  # with an empty config: a user's plugin settings must not get in the way
    AWS_CONFIG_FILE=/dev/null "$AWS_V2" --version 2>&1
}

is_v2() {
    local version
    [ -x "$AWS_V2" ] && version=$(aws_version) && [[ $version == aws-cli/2.* ]]
}

if is_v2; then
    echo "install-awscli-v2: $(aws_version) already installed at $AWS_V2"
    exit 0
fi

fail() {
    echo "install-awscli-v2: ERROR: $*" >&2
    exit 1
}

SUDO=""
if [ "${EUID:-$(id -u)}" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "must run as root (or with sudo available) to apt-get install awscli"
    SUDO="sudo -n"
fi
command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: install AWS CLI v2 by other means so that $AWS_V2 reports aws-cli/2"

export DEBIAN_FRONTEND=noninteractive
echo "install-awscli-v2: apt-get update"
$SUDO apt-get update -q || fail "apt-get update failed"
echo "install-awscli-v2: apt-get install -y awscli"
$SUDO apt-get install -y -q --no-install-recommends awscli || fail "apt-get install -y awscli failed"

is_v2 || fail "$AWS_V2 is not AWS CLI v2 after installation: $(aws_version || echo 'not installed')"
echo "install-awscli-v2: installed $(aws_version)"
