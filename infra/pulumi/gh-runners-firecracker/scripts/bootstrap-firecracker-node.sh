#!/usr/bin/env bash
# Prepares one k3s node for Kata Containers + Firecracker: a devmapper thin pool for containerd's
# devmapper snapshotter (Firecracker has no shared filesystem, so images reach the guest as block
# devices), a boot-time unit that re-attaches the pool, and the k3s containerd config that enables it.
# Idempotent: run it again at any time. Usage (as root on the node):
#   POOL_DATA_GIB=100 POOL_META_GIB=10 bash bootstrap-firecracker-node.sh
set -euo pipefail

POOL_NAME="${POOL_NAME:-devpool}"
POOL_DIR="${POOL_DIR:-/var/lib/containerd/devmapper}"
POOL_DATA_GIB="${POOL_DATA_GIB:-100}"
POOL_META_GIB="${POOL_META_GIB:-10}"
BASE_IMAGE_SIZE="${BASE_IMAGE_SIZE:-10GB}"
K3S_CONTAINERD_DIR="${K3S_CONTAINERD_DIR:-/var/lib/rancher/k3s/agent/etc/containerd}"
ATTACH_SCRIPT=/usr/local/sbin/devmapper-pool-attach

log() { printf '[bootstrap-firecracker] %s\n' "$*"; }
die() { printf '[bootstrap-firecracker] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo bash $0)"
[ -c /dev/kvm ] || die "/dev/kvm is missing: enable virtualization (VT-x/AMD-V, or nested virtualization) on this node"
command -v k3s >/dev/null 2>&1 || die "k3s is not installed on this node"

log "1/5 packages: dmsetup and thin-provisioning-tools"
if ! command -v dmsetup >/dev/null 2>&1 || ! command -v thin_check >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dmsetup thin-provisioning-tools
fi

log "2/5 sparse backing files in ${POOL_DIR}"
mkdir -p "${POOL_DIR}"
[ -f "${POOL_DIR}/data" ] || truncate -s "${POOL_DATA_GIB}G" "${POOL_DIR}/data"
[ -f "${POOL_DIR}/meta" ] || truncate -s "${POOL_META_GIB}G" "${POOL_DIR}/meta"

log "3/5 attach script and boot unit (loop devices do not survive a reboot)"
cat > "${ATTACH_SCRIPT}" <<ATTACH
#!/usr/bin/env bash
# Re-attaches the devmapper thin pool ${POOL_NAME}; safe to run when it already exists.
set -euo pipefail
if dmsetup status "${POOL_NAME}" >/dev/null 2>&1; then exit 0; fi
attach() { losetup -j "\$1" | cut -d: -f1 | grep . || losetup --find --show "\$1"; }
data_dev=\$(attach "${POOL_DIR}/data")
meta_dev=\$(attach "${POOL_DIR}/meta")
sectors=\$((\$(blockdev --getsize64 "\${data_dev}") / 512))
# 64 KiB blocks (128 sectors), low-water mark 32768 blocks, zeroing skipped for speed.
dmsetup create "${POOL_NAME}" --table "0 \${sectors} thin-pool \${meta_dev} \${data_dev} 128 32768 1 skip_block_zeroing"
ATTACH
chmod 0755 "${ATTACH_SCRIPT}"
cat > /etc/systemd/system/devmapper-pool.service <<UNIT
[Unit]
Description=Attach the containerd devmapper thin pool ${POOL_NAME}
DefaultDependencies=no
After=local-fs.target
Before=k3s.service k3s-agent.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${ATTACH_SCRIPT}

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now devmapper-pool.service

log "4/5 k3s containerd: enable the devmapper snapshotter"
mkdir -p "${K3S_CONTAINERD_DIR}"
containerd_major=$(k3s ctr version 2>/dev/null | awk '/Version:/ {sub(/^v/, "", $2); split($2, v, "."); print v[1]; exit}')
if [ "${containerd_major:-1}" -ge 2 ]; then
  template="${K3S_CONTAINERD_DIR}/config-v3.toml.tmpl"
  section="[plugins.'io.containerd.snapshotter.v1.devmapper']"
else
  template="${K3S_CONTAINERD_DIR}/config.toml.tmpl"
  section='[plugins."io.containerd.snapshotter.v1.devmapper"]'
fi
if ! grep -qs 'io.containerd.snapshotter.v1.devmapper' "${template}"; then
  [ -f "${template}" ] || printf '{{ template "base" . }}\n' > "${template}"
  cat >> "${template}" <<TOML

${section}
  pool_name = "${POOL_NAME}"
  root_path = "${POOL_DIR}"
  base_image_size = "${BASE_IMAGE_SIZE}"
  discard_blocks = true
TOML
  changed=1
fi

log "5/5 restart k3s when the config changed, then verify"
if [ "${changed:-0}" -eq 1 ]; then
  if systemctl is-active --quiet k3s; then systemctl restart k3s; else systemctl restart k3s-agent; fi
  sleep 5
fi
if k3s ctr plugins ls | grep devmapper | grep -q ok; then
  log "devmapper snapshotter is ok"
else
  die "devmapper snapshotter is not ok: check 'k3s ctr plugins ls' and journalctl -u k3s"
fi
log "done; label the node from your workstation: kubectl label node $(hostname) katacontainers.io/kata-runtime=true"
