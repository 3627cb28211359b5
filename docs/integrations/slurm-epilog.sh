#!/bin/sh
# empreinte SLURM epilog: one report per job, written from the accounting database.
#
# Install on the controller (slurm.conf):  EpilogSlurmctld=/etc/slurm/empreinte-epilog.sh
# EpilogSlurmctld runs once per job (Epilog= would run once per node). It never fails: an
# epilog that exits non-zero can drain nodes, so errors go to the job's .log file instead.
#
# Settings (environment of slurmctld, or the config file /etc/empreinte.toml with
# EMPREINTE_CONFIG=/etc/empreinte.toml):
#   EMPREINTE_SLURM_REPORTS        where reports go (default /var/lib/empreinte/slurm)
#   EMPREINTE_SLURM_ENERGY_PLUGIN  the cluster's AcctGatherEnergyType: rapl, ipmi, gpu,
#                                  pm_counters, xcc (sets the method; default unknown)
#   EMPREINTE_LOCATION             grid zone of the cluster (FRA, cloud:aws:eu-west-3...)
#   EMPREINTE_BIN                  the empreinte command (default: empreinte)
#   EMPREINTE_EPILOG_TRIES, EMPREINTE_EPILOG_WAIT_S
#                                  sacct can lag behind the job's end: tries (default 3),
#                                  seconds between them (default 10)
set -u
job="${SLURM_JOB_ID:-}"
[ -n "$job" ] || exit 0
dir="${EMPREINTE_SLURM_REPORTS:-/var/lib/empreinte/slurm}"
bin="${EMPREINTE_BIN:-empreinte}"
tries="${EMPREINTE_EPILOG_TRIES:-3}"
wait_s="${EMPREINTE_EPILOG_WAIT_S:-10}"
mkdir -p "$dir" 2>/dev/null || exit 0
n=1
while :; do
    # $bin unquoted on purpose: it may be a command with arguments (python -m empreinte.cli)
    if $bin slurm report "$job" --out "$dir/$job.json" >"$dir/$job.log" 2>&1; then
        break
    fi
    [ "$n" -ge "$tries" ] && break
    n=$((n + 1))
    sleep "$wait_s"
done
exit 0
