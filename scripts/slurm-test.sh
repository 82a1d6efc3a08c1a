#!/bin/bash
# End-to-end test of the Slurm workflow on a real single-node Slurm cluster
# started on this machine (Debian's slurmctld/slurmd/munge packages, no
# systemd, no cgroups). Needs root; takes about a minute after installation.
#
#   scripts/slurm-test.sh [SCENARIO] [RUNS] [SHARDS]
#
# It starts the cluster, submits examples/slurm/submit.sh (a job array of
# SHARDS shard tasks, then a merge job depending on it), runs the same batch
# locally without shards, and checks runs.csv, bands.csv, summary.json and
# convergence.csv are byte-identical. It stops the daemons it started and,
# when it passes, removes its working directory (/tmp/aistack-slurm-test.*);
# a failure, or KEEP_WORK=1, keeps that directory (outputs and job logs) and
# names it.
#
# AISTACK: the binary to test (default: target/release/aistack if built, else
# the montecarlo crate's toy stand-in `toy_aistack`, built here, which takes
# the batch/merge/plot arguments this script gives, spelt as aistack's, and
# ignores SCENARIO).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCENARIO=$(realpath "${1:-$ROOT/examples/scenarios/china-2025.ron}")
RUNS=${2:-200}
SHARDS=${3:-4}
SEED=20260101
RUN=/run/slurm
STARTED=0

start_slurm() {
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
  fi
  local host ncpu
  host=$(hostname -s)
  ncpu=$(nproc)
  install -d -o munge -g munge -m 0755 /run/munge
  rm -rf /var/spool/slurmctld # a fresh test cluster: no state from an earlier one
  install -d -o slurm -g slurm "$RUN" /var/spool/slurmctld /var/log/slurm
  install -d -o root -g root /var/spool/slurmd
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --force
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  cat >/etc/slurm/slurm.conf <<CONF
ClusterName=aistack-test
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_interval=1
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=${RUN}/slurmctld.pid
SlurmdPidFile=${RUN}/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
MaxArraySize=100001
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${ncpu} State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  if ! { [ -s /run/munge/munged.pid ] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }; then
    runuser -u munge -- /usr/sbin/munged
    cp /run/munge/munged.pid "$RUN/munged.pid"
  fi
  STARTED=1
  /usr/sbin/slurmctld || { tail -n 3 /var/log/slurm/slurmctld.log >&2; return 1; }
  /usr/sbin/slurmd || { tail -n 3 /var/log/slurm/slurmd.log >&2; return 1; }
  for _ in $(seq 1 30); do
    sinfo -h -o %t 2>/dev/null | grep -q idle && { echo "slurm ready"; return 0; }
    sleep 1
  done
  echo "slurm did not become idle; see /var/log/slurm/" >&2
  return 1
}

stop_slurm() {
  [ "$STARTED" = 1 ] || return 0
  for f in slurmd slurmctld munged; do
    if [ -s "$RUN/$f.pid" ]; then kill "$(cat "$RUN/$f.pid")" 2>/dev/null || true; fi
    rm -f "$RUN/$f.pid"
  done
  echo "slurm stopped"
}

if [ "$(id -u)" != 0 ]; then
  echo "slurm-test.sh starts a local Slurm cluster and needs root" >&2
  exit 2
fi

if [ -z "${AISTACK:-}" ]; then
  if [ -x "$ROOT/target/release/aistack" ]; then
    AISTACK=$ROOT/target/release/aistack
  else
    (cd "$ROOT" && cargo build -q --release -p aistack-montecarlo --example toy_aistack)
    AISTACK=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/toy_aistack
  fi
fi
AISTACK=$(realpath "$AISTACK")
export AISTACK
echo "testing $AISTACK with $SCENARIO: $RUNS runs in $SHARDS shards"

# On any exit (a pass, a failure, an error under set -e, Ctrl-C): stop the
# daemons, then remove the working directory unless the test failed or
# KEEP_WORK is set.
finish() {
  local rc=$?
  stop_slurm
  if [ "$rc" = 0 ] && [ -z "${KEEP_WORK:-}" ]; then
    rm -rf "$WORK"
  else
    echo "outputs and logs kept in $WORK" >&2
  fi
}
WORK=$(mktemp -d /tmp/aistack-slurm-test.XXXXXX)
chmod 755 "$WORK"
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_slurm

start=$(date +%s)
if ! "$ROOT/examples/slurm/submit.sh" "$SCENARIO" "$RUNS" "$SEED" "$SHARDS" "$WORK/cluster" mc --wait; then
  echo "FAIL: the Slurm jobs failed; last lines of their logs:" >&2
  tail -n 3 "$WORK"/cluster/logs/*.out >&2 || true
  exit 1
fi
echo "array and merge finished in $(($(date +%s) - start)) s"

"$AISTACK" batch "$SCENARIO" --runs "$RUNS" --seed "$SEED" --threads 2 --out "$WORK/local" >/dev/null

status=0
for f in runs.csv bands.csv summary.json convergence.csv; do
  if cmp -s "$WORK/local/$f" "$WORK/cluster/merged/$f"; then
    echo "identical: $f"
  else
    echo "DIFFERENT: $f" >&2
    status=1
  fi
done
n=$(($(wc -l <"$WORK/cluster/merged/runs.csv") - 1))
[ "$n" = "$RUNS" ] || { echo "merged runs.csv has $n rows, expected $RUNS" >&2; status=1; }
# A glob, not `ls | grep -q`: under pipefail, grep leaving at its first match
# kills ls with SIGPIPE once the listing outgrows one 4 KiB write.
svgs=("$WORK"/cluster/merged/plots/*.svg)
[ -e "${svgs[0]}" ] || { echo "no charts in merged/plots" >&2; status=1; }
if [ $status = 0 ]; then
  echo "PASS: Slurm array of $SHARDS shards + merge == local batch ($RUNS runs)"
else
  echo "FAIL; logs in $WORK/cluster/logs" >&2
fi
exit $status
