#!/bin/bash
# Installs the ci-intel runner image contents on Amazon Linux 2023 (run by Packer as root):
# docker, python3, cosign, b3sum, the Prometheus node exporter, the GitHub Actions runner,
# firecracker and jailer. Every artifact is pinned by version AND SHA-256 and checked with
# `sha256sum -c` before it is used; a missing or malformed checksum stops the build.
#
# Not everything is pinned by SHA-256: the dependencies dnf resolves (containerd, runc, ...) and
# the runner's .NET prerequisites (libicu, krb5-libs, lttng-ust, openssl-libs, zlib) are taken at
# build time from the Amazon Linux 2023 release repository the base image is locked to. They are
# pinned by that release (choose the base image by exact name for a reproducible build) and by the
# repository's signed metadata, not by a checksum of ours.
set -euo pipefail

die() {
  printf 'install-runner: %s\n' "$*" >&2
  exit 1
}

# Every input, by name. Versions and checksums have no defaults here: the Packer template passes
# them, and those without a published checksum must be given by whoever runs the build.
require() {
  local name=$1 pattern=$2 value
  value=${!name:-}
  [[ -n "${value}" ]] || die "${name} is not set; pass it with -var (see docs/aws-runners.md)"
  [[ "${value}" =~ ${pattern} ]] || die "${name} is malformed"
}
readonly SHA256_RE='^[0-9a-f]{64}$'
readonly VERSION_RE='^[0-9]+(\.[0-9]+)+$'
readonly RPM_VERSION_RE='^[0-9][0-9A-Za-z.+_~-]*$'
require RUNNER_LABELS '^[^[:space:]]+$'
require RUNNER_VERSION "${VERSION_RE}"
require RUNNER_SHA256 "${SHA256_RE}"
require FIRECRACKER_VERSION "${VERSION_RE}"
require FIRECRACKER_SHA256 "${SHA256_RE}"
require COSIGN_VERSION "${VERSION_RE}"
require COSIGN_SHA256 "${SHA256_RE}"
require NODE_EXPORTER_VERSION "${VERSION_RE}"
require NODE_EXPORTER_SHA256 "${SHA256_RE}"
require B3SUM_VERSION "${VERSION_RE}"
require B3SUM_SHA256 "${SHA256_RE}"
require DOCKER_RPM_VERSION "${RPM_VERSION_RE}"
require DOCKER_RPM_SHA256 "${SHA256_RE}"
require PYTHON3_RPM_VERSION "${RPM_VERSION_RE}"
require PYTHON3_RPM_SHA256 "${SHA256_RE}"

[[ "$(uname -m)" == x86_64 ]] || die "this image is built for x86_64"

work=$(mktemp -d)
readonly work
trap 'rm -rf -- "${work}"' EXIT

# verify FILE SHA256: sha256sum -c against the pinned digest.
verify() {
  printf '%s  %s\n' "$2" "$1" >"$1.sha256"
  sha256sum --check --strict "$1.sha256"
}

# fetch URL FILE SHA256: download over https only, then verify.
fetch() {
  curl -fsSL --proto '=https' --tlsv1.2 --retry 3 -o "$2" "$1"
  verify "$2" "$3"
}

# dnf_install_verified NAME VERSION-RELEASE SHA256: download the exact RPM, verify, install it.
dnf_install_verified() {
  local name=$1 version=$2 sha=$3 rpms
  dnf download --quiet --destdir "${work}/rpm-${name}" "${name}-${version}"
  shopt -s nullglob
  rpms=("${work}/rpm-${name}/${name}-${version}".*.rpm)
  shopt -u nullglob
  [[ ${#rpms[@]} -eq 1 ]] || die "expected one RPM for ${name}-${version}, found ${#rpms[@]}"
  verify "${rpms[0]}" "${sha}"
  dnf install -y --quiet "${rpms[0]}"
}

echo "== OS packages: python3 ${PYTHON3_RPM_VERSION}, docker ${DOCKER_RPM_VERSION}"
dnf_install_verified python3 "${PYTHON3_RPM_VERSION}" "${PYTHON3_RPM_SHA256}"
dnf_install_verified docker "${DOCKER_RPM_VERSION}" "${DOCKER_RPM_SHA256}"
systemctl enable docker.service

echo "== cosign ${COSIGN_VERSION}"
fetch "https://github.com/sigstore/cosign/releases/download/v${COSIGN_VERSION}/cosign-linux-amd64" "${work}/cosign" "${COSIGN_SHA256}"
install -o root -g root -m 0755 "${work}/cosign" /usr/local/bin/cosign

echo "== b3sum ${B3SUM_VERSION}"
fetch "https://github.com/BLAKE3-team/BLAKE3/releases/download/${B3SUM_VERSION}/b3sum_linux_x64_bin" "${work}/b3sum" "${B3SUM_SHA256}"
install -o root -g root -m 0755 "${work}/b3sum" /usr/local/bin/b3sum

echo "== node exporter ${NODE_EXPORTER_VERSION}"
ne="node_exporter-${NODE_EXPORTER_VERSION}.linux-amd64"
fetch "https://github.com/prometheus/node_exporter/releases/download/v${NODE_EXPORTER_VERSION}/${ne}.tar.gz" "${work}/${ne}.tar.gz" "${NODE_EXPORTER_SHA256}"
tar -xzf "${work}/${ne}.tar.gz" -C "${work}"
install -o root -g root -m 0755 "${work}/${ne}/node_exporter" /usr/local/bin/node_exporter
id node_exporter >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin node_exporter
install -d -o root -g root -m 0755 /var/lib/prometheus/node-exporter
cat >/etc/systemd/system/node_exporter.service <<'UNIT'
[Unit]
Description=Prometheus node exporter
After=network-online.target

[Service]
User=node_exporter
# The job report (docs/monitoring.md) writes each job's series to the textfile directory.
ExecStart=/usr/local/bin/node_exporter --collector.textfile.directory=/var/lib/prometheus/node-exporter
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable node_exporter.service

echo "== firecracker and jailer ${FIRECRACKER_VERSION}"
fc="firecracker-v${FIRECRACKER_VERSION}-x86_64"
fetch "https://github.com/firecracker-microvm/firecracker/releases/download/v${FIRECRACKER_VERSION}/${fc}.tgz" "${work}/${fc}.tgz" "${FIRECRACKER_SHA256}"
tar -xzf "${work}/${fc}.tgz" -C "${work}"
install -o root -g root -m 0755 "${work}/release-v${FIRECRACKER_VERSION}-x86_64/firecracker-v${FIRECRACKER_VERSION}-x86_64" /usr/local/bin/firecracker
install -o root -g root -m 0755 "${work}/release-v${FIRECRACKER_VERSION}-x86_64/jailer-v${FIRECRACKER_VERSION}-x86_64" /usr/local/bin/jailer
id fc-jail >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin fc-jail

echo "== GitHub Actions runner ${RUNNER_VERSION}"
id runner >/dev/null 2>&1 || useradd --create-home --shell /bin/bash runner
# /dev/kvm for firecracker; the docker group is added at boot for trusted profiles only.
getent group kvm >/dev/null || groupadd --system kvm
usermod -aG kvm runner
runner_tar="actions-runner-linux-x64-${RUNNER_VERSION}.tar.gz"
fetch "https://github.com/actions/runner/releases/download/v${RUNNER_VERSION}/${runner_tar}" "${work}/${runner_tar}" "${RUNNER_SHA256}"
install -d -o runner -g runner -m 0750 /opt/actions-runner
tar -xzf "${work}/${runner_tar}" -C /opt/actions-runner
# The runner is a .NET application: it needs ICU, Kerberos and LTTng from the release repository
# (pinned by the base image's release, not by SHA-256; see the header).
dnf install -y --quiet libicu krb5-libs lttng-ust openssl-libs zlib
chown -R runner:runner /opt/actions-runner

echo "== runner labels"
install -d -o root -g root -m 0755 /etc/ci-intel-runner
printf '%s\n' "${RUNNER_LABELS}" >/etc/ci-intel-runner/labels
cat >/etc/ci-intel-runner/versions <<VERSIONS
runner=${RUNNER_VERSION} sha256=${RUNNER_SHA256}
firecracker=${FIRECRACKER_VERSION} sha256=${FIRECRACKER_SHA256}
cosign=${COSIGN_VERSION} sha256=${COSIGN_SHA256}
node_exporter=${NODE_EXPORTER_VERSION} sha256=${NODE_EXPORTER_SHA256}
b3sum=${B3SUM_VERSION} sha256=${B3SUM_SHA256}
docker=${DOCKER_RPM_VERSION} sha256=${DOCKER_RPM_SHA256}
python3=${PYTHON3_RPM_VERSION} sha256=${PYTHON3_RPM_SHA256}
VERSIONS

echo "== clean up"
dnf clean all
rm -rf /var/lib/cloud/instances /var/log/cloud-init*.log
