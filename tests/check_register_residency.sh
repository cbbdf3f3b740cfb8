#!/usr/bin/env bash
# The register kernels must keep their networks in registers: ptxas reports no stack frame and no
# spills for every RegisterNetwork and lane-group kernel (a change to the shared math that made an
# array index depend on run-time values would move the network to local memory, silently slower).
set -euo pipefail
table=$(bash "$(dirname "$0")/../bench/kernel_resources.sh" "${1:-90}")
echo "$table"
echo "$table" | awk '/RegisterNetwork|train_per_group/ { seen++; if ($(NF - 1) != 0 || $NF != 0) { bad++; print "NOT IN REGISTERS: " $0 } }
  END { if (seen == 0) { print "no register kernel found"; exit 1 } exit bad > 0 }'
