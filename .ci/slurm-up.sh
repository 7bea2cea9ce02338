#!/usr/bin/env bash
# Starts a single-node Slurm cluster (munged + slurmctld + slurmd on localhost) for the Slurm
# integration test; Debian's slurm-wlm 22.05, root, no systemd. Stop it with .ci/slurm-down.sh.
# State, spool and logs go under $SLURM_CI_DIR (default /tmp/peftbench-slurm-ci).
set -euo pipefail
BASE=${SLURM_CI_DIR:-/tmp/peftbench-slurm-ci}
HOST=$(hostname -s)
CPUS=$(nproc)
# MB; below what slurmd itself detects, or the node is drained for "low RealMemory"
MEM=$(($(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) * 85 / 100))
rm -rf "$BASE/state" "$BASE/spool" "$BASE/log"
mkdir -p "$BASE"/{state,spool,log} /etc/slurm

# munge: authentication between the Slurm daemons and clients
install -d -o munge -g munge -m 0755 /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  mungekey -c -f -k /etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
munge -n >/dev/null 2>&1 || runuser -u munge -- /usr/sbin/munged
munge -n | unmunge >/dev/null

cat >/etc/slurm/slurm.conf <<CONF
ClusterName=peftbench-ci
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
DependencyParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=600
StateSaveLocation=${BASE}/state
SlurmdSpoolDir=${BASE}/spool
SlurmctldPidFile=${BASE}/slurmctld.pid
SlurmdPidFile=${BASE}/slurmd.pid
SlurmctldLogFile=${BASE}/log/slurmctld.log
SlurmdLogFile=${BASE}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=${MEM} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
# slurmd 22.05 always initialises a cgroup plugin; autodetect fails on hybrid or bare cgroup
# mounts, v1 works (nothing is written to cgroups with proctrack/linuxproc + task/none).
echo "CgroupPlugin=cgroup/v1" >/etc/slurm/cgroup.conf

/usr/sbin/slurmctld -i
/usr/sbin/slurmd
for _ in $(seq 1 150); do
  if [[ "$(sinfo -h -n "$HOST" -o %T 2>/dev/null)" == idle ]]; then
    echo "slurm up: node $HOST, $CPUS CPUs, $MEM MB"
    exit 0
  fi
  sleep 0.2
done
echo "slurm did not come up; logs in $BASE/log:" >&2
tail -n 5 "$BASE"/log/*.log >&2 || true
exit 1
