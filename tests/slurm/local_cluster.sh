#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, with accounting (slurmdbd + MariaDB) so that
# `sacct` works for Snakemake's SLURM executor, and one fake GPU (gres) for `--gpus` requests.
#
#   tests/slurm/local_cluster.sh install      apt-get the Debian packages (root)
#   tests/slurm/local_cluster.sh start DIR    start munge, MariaDB, slurmdbd, slurmctld, slurmd; write DIR/env
#   tests/slurm/local_cluster.sh stop DIR     stop everything it started (by PID)
#
# Everything lives in DIR (configs, logs, spool, PID files); clients find the cluster through
# `source DIR/env` (SLURM_CONF). Needs root and no other SLURM on the machine.
set -euo pipefail

cmd=${1:?usage: local_cluster.sh install|start DIR|stop DIR}

if [ "$cmd" = install ]; then
    command -v slurmctld >/dev/null && command -v slurmdbd >/dev/null && command -v mariadbd >/dev/null && exit 0
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm slurmdbd munge mariadb-server >/dev/null
    exit 0
fi

dir=$(realpath -m "${2:?directory}")
host=$(hostname -s)

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local t=$1 what=$2
    shift 2
    for _ in $(seq "$((t * 5))"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    echo "local_cluster: $what did not come up in ${t}s; logs in $dir" >&2
    return 1
}

stop_pidfile() {
    local f=$1
    [ -f "$f" ] || return 0
    local pid
    pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

if [ "$cmd" = stop ]; then
    for p in slurmd slurmctld slurmdbd munged; do stop_pidfile "$dir/$p.pid"; done
    if [ -f "$dir/mysql_run_dir" ]; then
        mysql_run=$(cat "$dir/mysql_run_dir")
        if [ -f "$dir/database" ]; then
            mariadb --socket="$mysql_run/mysqld.sock" -e "DROP DATABASE IF EXISTS $(cat "$dir/database")" 2>/dev/null || true
        fi
        stop_pidfile "$mysql_run/mysqld.pid"
        cp "$mysql_run/mysqld.log" "$dir/" 2>/dev/null || true
        rm -rf "$mysql_run" "$dir/mysql_run_dir"
    fi
    if [ -f "$dir/created_links" ]; then xargs rm -f < "$dir/created_links"; rm -f "$dir/created_links"; fi
    exit 0
fi

[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "local_cluster: needs root" >&2; exit 3; }
mkdir -p "$dir"/{slurmctld,slurmd}
chmod 755 "$dir"
# MariaDB runs as user mysql: its socket and PID file go to a short, traversable folder of their own
# (the cluster folder may sit under a private temporary directory; socket paths must stay short).
mysql_run=$(mktemp -d /tmp/selectivity-mysql.XXXXXX)
echo "$mysql_run" > "$dir/mysql_run_dir"

# munge (authentication)
mkdir -p /run/munge && chown munge: /run/munge
[ -f /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge: /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
if ! pgrep -x munged >/dev/null; then
    su -s /bin/sh munge -c "/usr/sbin/munged --force --pid-file=/run/munge/munged.pid"
    cp /run/munge/munged.pid "$dir/munged.pid"
fi
wait_for 10 munge munge -n

# MariaDB (accounting storage)
chown mysql: "$mysql_run"
chmod 755 "$mysql_run"
mariadbd --user=mysql --datadir=/var/lib/mysql --socket="$mysql_run/mysqld.sock" --port=3306 \
    --bind-address=127.0.0.1 --pid-file="$mysql_run/mysqld.pid" --log-error="$mysql_run/mysqld.log" &
wait_for 30 MariaDB mariadb --socket="$mysql_run/mysqld.sock" -e "select 1"
# a database of its own for each start, so accounting never shows an earlier cluster's jobs
db="slurm_ci_$(date +%s)_$$"
echo "$db" > "$dir/database"
mariadb --socket="$mysql_run/mysqld.sock" -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmci';
  CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmci';
  GRANT ALL ON $db.* TO 'slurm'@'localhost'; GRANT ALL ON $db.* TO 'slurm'@'127.0.0.1';
  FLUSH PRIVILEGES;"

cat > "$dir/slurmdbd.conf" <<CONF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
LogFile=$dir/slurmdbd.log
PidFile=$dir/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3306
StorageLoc=$db
StorageUser=slurm
StoragePass=slurmci
CONF
chmod 600 "$dir/slurmdbd.conf"

[ -e "$dir/fakegpu0" ] || mknod "$dir/fakegpu0" c 1 3
cat > "$dir/gres.conf" <<CONF
NodeName=$host Name=gpu Type=fake File=$dir/fakegpu0
CONF
cat > "$dir/slurm.conf" <<CONF
ClusterName=ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/slurmctld
SlurmdSpoolDir=$dir/slurmd
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
ReturnToService=2
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageTRES=gres/gpu
JobAcctGatherType=jobacct_gather/none
GresTypes=gpu
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=8000 Gres=gpu:fake:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
echo "export SLURM_CONF=$dir/slurm.conf" > "$dir/env"
# Job steps (srun inside a batch job) may not see SLURM_CONF: give them the default path too.
if [ ! -e /etc/slurm/slurm.conf ]; then
    mkdir -p /etc/slurm
    ln -s "$dir/slurm.conf" /etc/slurm/slurm.conf
    echo /etc/slurm/slurm.conf > "$dir/created_links"
fi

slurmdbd
wait_for 30 slurmdbd sacctmgr -n show cluster
sacctmgr -i add cluster ci >/dev/null 2>&1 || true
sacctmgr -i add account ci_account Description=ci Organization=ci >/dev/null 2>&1 || true
sacctmgr -i add user root account=ci_account DefaultAccount=ci_account >/dev/null 2>&1 || true
slurmctld
wait_for 30 slurmctld scontrol ping
slurmd
wait_for 30 "slurmd (node idle)" sh -c "sinfo -h -o %T | grep -q idle"
echo "local_cluster: up ($dir)"
