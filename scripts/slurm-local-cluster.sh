#!/usr/bin/env bash
# A one-node SLURM cluster on this Debian/Ubuntu machine, to run profiles/slurm for real before
# spending cluster hours (docs/slurm.md, "Try it on one machine first"). Run as root:
#
#   scripts/slurm-local-cluster.sh          bring it up (installs the packages if missing);
#                                           a running, unchanged cluster is left running
#   scripts/slurm-local-cluster.sh restart  stop, then bring it up
#   scripts/slurm-local-cluster.sh stop     stop the daemons this script started
#   scripts/slurm-local-cluster.sh status   say which daemons answer (exit 1 if one does not)
#
# munge, MariaDB (a slurm_acct_db database), slurmdbd, slurmctld and slurmd are started directly,
# without systemd. The node has this machine's cores and memory (`slurmd -C`); accounting is on
# (the executor plugin asks `sacct` for job states); KillWait 5 s and OverTimeLimit 0 make a job
# at its time limit end promptly. Logs: /var/log/sparsyfed-slurm/ (SPARSYFED_SLURM_LOGS).
# Partition: `local` (SPARSYFED_SLURM_PARTITION), the default; cluster: `sparsyfed`.
set -euo pipefail

LOGS=${SPARSYFED_SLURM_LOGS:-/var/log/sparsyfed-slurm}
PARTITION=${SPARSYFED_SLURM_PARTITION:-local}
CLUSTER=sparsyfed
RUN=/run/sparsyfed-slurm
ETC=/etc/slurm
SPOOL=/var/lib/slurm
DB=slurm_acct_db
WAIT_S=${SPARSYFED_SLURM_WAIT_S:-60}

say() { printf 'slurm-local-cluster: %s\n' "$*" | tee -a "$LOGS/setup.log"; }

die() {  # die DAEMON LOGFILE MESSAGE: which daemon failed, then the tail of its log
  say "ERROR: $1 $3 (log: $2)" >&2
  if [ -f "$2" ]; then echo "---- last lines of $2 ----" >&2; tail -n 25 "$2" >&2; fi
  exit 1
}

wait_for() {  # wait_for DAEMON LOGFILE COMMAND...: poll COMMAND until it succeeds, DAEMON dies or WAIT_S pass
  local name=$1 log=$2 i
  shift 2
  for ((i = 0; i < WAIT_S * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    # A pid file can exist before its pid is written: only a written pid that is gone means a dead daemon.
    if [ -n "$(pid_of "$name")" ] && ! alive "$name"; then die "$name" "$log" "exited after it started"; fi
    sleep 0.5
  done
  die "$name" "$log" "did not answer within ${WAIT_S}s (checked with: $*)"
}

pidfile() {  # where each daemon keeps its pid (munged and mariadbd in their own run folders)
  case $1 in
    munged) echo /run/munge/munged.pid ;;
    mariadb) echo /run/mysqld/sparsyfed.pid ;;
    *) echo "$RUN/$1.pid" ;;
  esac
}

binary() { if [ "$1" = mariadb ]; then echo mariadbd; else echo "$1"; fi; }

pid_of() { cat "$(pidfile "$1")" 2>/dev/null || true; }

# A pid file can outlive its daemon (a machine restored from a snapshot keeps /run, not the
# processes) and its pid can be reused: alive means the pid runs this daemon's binary.
alive() {
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$(binary "$1")" ]
}

clear_stale() { alive "$1" || rm -f "$(pidfile "$1")"; }  # before a start: an old pid is not the new daemon

stop_daemon() {  # stop_daemon NAME: SIGTERM the pid in its pid file, wait for it to exit
  local pid i
  clear_stale "$1"
  alive "$1" || return 0
  pid=$(pid_of "$1")
  kill "$pid"
  for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -f "$(pidfile "$1")"
  say "stopped $1"
}

install_packages() {
  local missing=()
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null || missing+=(slurm-wlm)
  command -v slurmdbd >/dev/null || missing+=(slurmdbd)
  command -v munged >/dev/null || missing+=(munge)
  command -v mariadbd >/dev/null || missing+=(mariadb-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # The packages' own scripts must not start the daemons (without a slurm.conf, or under a
  # service manager this script does not use): this script starts them.
  local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >>"$LOGS/apt.log" 2>&1 || rc=$?
  if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi
  [ "$rc" = 0 ] || die apt-get "$LOGS/apt.log" "could not install ${missing[*]}"
}

# install_file DEST MODE OWNER: stdin -> DEST if the content differs; CHANGED=1 if it did, else 0.
install_file() {
  local tmp
  tmp=$(mktemp)
  cat >"$tmp"
  CHANGED=0
  if ! { [ -f "$1" ] && cmp -s "$tmp" "$1"; }; then
    install -m "$2" -o "$3" -g "$3" "$tmp" "$1"
    CHANGED=1
  fi
  rm -f "$tmp"
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating the munge key"
    install -d -m 700 -o munge -g munge /etc/munge
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  fi
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
  install -d -m 755 -o munge -g munge /run/munge /var/lib/munge
  touch "$LOGS/munged.log" && chown munge:munge "$LOGS/munged.log"
  clear_stale munged
  say "starting munged"
  runuser -u munge -- munged --log-file="$LOGS/munged.log" --pid-file=/run/munge/munged.pid ||
    die munged "$LOGS/munged.log" "failed to start"
  touch "$RUN/started-munged"
  wait_for munged "$LOGS/munged.log" sh -c 'munge -n | unmunge'
}

start_mariadb() {
  if ! mariadb-admin ping >/dev/null 2>&1; then
    install -d -m 755 -o mysql -g mysql /run/mysqld
    if [ ! -d /var/lib/mysql/mysql ]; then
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql >>"$LOGS/mariadb.log" 2>&1 ||
        die mariadb "$LOGS/mariadb.log" "could not initialise /var/lib/mysql"
    fi
    touch "$LOGS/mariadb.log" && chown mysql:mysql "$LOGS/mariadb.log"
    clear_stale mariadb
    say "starting mariadbd"
    setsid mariadbd --user=mysql --datadir=/var/lib/mysql --bind-address=127.0.0.1 \
      --socket=/run/mysqld/mysqld.sock --pid-file="$(pidfile mariadb)" \
      --log-error="$LOGS/mariadb.log" </dev/null >/dev/null 2>&1 &
    touch "$RUN/started-mariadb"
    wait_for mariadb "$LOGS/mariadb.log" mariadb-admin ping
  fi
  # Idempotent: the database and its user exist afterwards, with the password of slurmdbd.conf.
  mariadb -e "CREATE DATABASE IF NOT EXISTS $DB;
    CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DB_PASS';
    ALTER USER 'slurm'@'localhost' IDENTIFIED BY '$DB_PASS';
    GRANT ALL ON $DB.* TO 'slurm'@'localhost';" 2>>"$LOGS/mariadb.log" ||
    die mariadb "$LOGS/mariadb.log" "could not create the $DB database"
}

write_configs() {  # sets CHANGED_DBD / CHANGED_CONF when a config file changed
  local node cpus
  # `slurmd -C` prints "NodeName=<host> CPUs=.. Boards=.. ... RealMemory=<MB>" (then an UpTime
  # line): the node as it is. NodeAddr: reached even where the host name does not resolve.
  node=$(slurmd -C | sed -n '1{s/^NodeName=\([^ ]*\) /NodeName=\1 NodeAddr=127.0.0.1 /;p}') || true
  [[ $node == NodeName=*RealMemory=* ]] || die slurmd "$LOGS/setup.log" "-C could not read this machine's hardware"
  cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node")
  HOST=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$node")
  install_file "$ETC/slurmdbd.conf" 600 slurm <<EOF
# Written by scripts/slurm-local-cluster.sh
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
LogFile=$LOGS/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=$DB_PASS
StorageLoc=$DB
EOF
  CHANGED_DBD=$CHANGED
  install_file "$ETC/slurm.conf" 644 root <<EOF
# Written by scripts/slurm-local-cluster.sh: one node, this machine ($cpus CPUs).
ClusterName=$CLUSTER
SlurmctldHost=$HOST(127.0.0.1)
AuthType=auth/munge
SlurmUser=slurm
StateSaveLocation=$SPOOL/slurmctld
SlurmdSpoolDir=$SPOOL/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
# No cgroups needed (they differ between machines and containers): jobs are tracked by process tree.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Accounting in slurmdbd: sacct answers for finished jobs (the executor plugin polls it).
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
# sacct shows the plugin's --comment (rule and wildcards of each job).
AccountingStoreFlags=job_comment
# A job asking for more than the node has is refused at sbatch, not left pending forever.
EnforcePartLimits=ALL
# A job at its time limit gets SIGTERM, then SIGKILL 5 s later, with no grace minutes.
KillWait=5
OverTimeLimit=0
MinJobAge=300
$node
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
  CHANGED_CONF=$CHANGED
}

start_slurmdbd() {
  if alive slurmdbd && [ "$CHANGED_DBD" = 0 ]; then return 0; fi
  stop_daemon slurmdbd
  touch "$LOGS/slurmdbd.log" && chown slurm:slurm "$LOGS/slurmdbd.log"
  say "starting slurmdbd"
  slurmdbd || die slurmdbd "$LOGS/slurmdbd.log" "failed to start"
  wait_for slurmdbd "$LOGS/slurmdbd.log" sacctmgr -n list cluster
}

register_cluster() {  # the cluster in the accounting database, once
  if [ -z "$(sacctmgr -n -P list cluster "$CLUSTER" format=cluster)" ]; then
    sacctmgr -i add cluster "$CLUSTER" >>"$LOGS/setup.log" 2>&1 ||
      die slurmdbd "$LOGS/slurmdbd.log" "refused to add cluster $CLUSTER"
  fi
}

start_slurmctld() {
  if alive slurmctld && [ "$CHANGED_CONF" = 0 ]; then return 0; fi
  stop_daemon slurmctld
  touch "$LOGS/slurmctld.log" && chown slurm:slurm "$LOGS/slurmctld.log"
  say "starting slurmctld"
  slurmctld || die slurmctld "$LOGS/slurmctld.log" "failed to start"
  wait_for slurmctld "$LOGS/slurmctld.log" scontrol ping
}

start_slurmd() {
  if alive slurmd && [ "$CHANGED_CONF" = 0 ]; then return 0; fi
  stop_daemon slurmd
  say "starting slurmd"
  slurmd || die slurmd "$LOGS/slurmd.log" "failed to start"
  wait_for slurmd "$LOGS/slurmd.log" node_up
}

node_up() { sinfo -h -n "$HOST" -o %T | grep -qE '^(idle|mixed|allocated|completing)'; }

resume_node() {  # a node drained by an earlier failure (e.g. a kill that timed out) is resumed
  if sinfo -h -n "$HOST" -o %T | grep -qE 'drain|down'; then
    say "resuming node $HOST ($(sinfo -h -n "$HOST" -o '%T %E'))"
    scontrol update nodename="$HOST" state=resume || true
  fi
  wait_for slurmd "$LOGS/slurmd.log" node_up
}

self_test() {  # a job through sbatch and its record in sacct: the path the executor plugin uses
  local id log="$LOGS/slurmctld.log"
  id=$(sbatch --parsable -p "$PARTITION" -t 1 -n 1 -c 1 --mem 10 -o /dev/null --wrap true) ||
    die slurmctld "$log" "refused a test job (sbatch)"
  wait_for "accounting (slurmdbd)" "$LOGS/slurmdbd.log" \
    sh -c "sacct -n -X -j $id -o State | grep -q COMPLETED"
  say "test job $id COMPLETED and is in sacct"
}

status() {
  local bad=0
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && echo "munged: up" || { echo "munged: DOWN"; bad=1; }
  mariadb-admin ping >/dev/null 2>&1 && echo "mariadb: up" || { echo "mariadb: DOWN"; bad=1; }
  for d in slurmdbd slurmctld slurmd; do
    alive "$d" && echo "$d: up (pid $(cat "$(pidfile "$d")"))" || { echo "$d: DOWN"; bad=1; }
  done
  sinfo 2>/dev/null || bad=1
  return $bad
}

stop_all() {
  local d
  for d in slurmd slurmctld slurmdbd; do stop_daemon "$d"; done
  # munge and MariaDB only if this script started them (a laptop may run them as services)
  for d in mariadb munged; do
    if [ -f "$RUN/started-$d" ]; then stop_daemon "$d"; rm -f "$RUN/started-$d"; fi
  done
}

main() {
  [ "$(id -u)" = 0 ] || { echo "slurm-local-cluster: run as root (it installs packages and starts daemons)" >&2; exit 1; }
  install -d -m 755 "$LOGS" "$RUN"
  chown slurm:slurm "$RUN" 2>/dev/null || true
  case ${1:-start} in
    stop) stop_all; return 0 ;;
    status) status; return ;;
    restart) stop_all ;;
    start) ;;
    *) echo "usage: $0 [start|restart|stop|status]" >&2; exit 2 ;;
  esac
  local t0=$SECONDS
  install_packages
  chown slurm:slurm "$RUN"
  install -d -m 755 -o slurm -g slurm "$SPOOL" "$SPOOL/slurmctld"
  install -d -m 755 "$SPOOL/slurmd"
  DB_PASS=$(sed -n 's/^StoragePass=//p' "$ETC/slurmdbd.conf" 2>/dev/null || true)
  [ -n "$DB_PASS" ] || DB_PASS=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  start_munge
  start_mariadb
  write_configs
  start_slurmdbd
  register_cluster
  start_slurmctld
  start_slurmd
  resume_node
  self_test
  say "cluster $CLUSTER up in $((SECONDS - t0)) s: partition $PARTITION, node $HOST ($(sinfo -h -n "$HOST" -o '%c CPUs, %m MB'))"
}

main "$@"
