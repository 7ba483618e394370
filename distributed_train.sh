#!/usr/bin/env bash
# N processes of the engine on this machine (gloo on CPU, nccl on GPU):
#   ./distributed_train.sh 2 --debug --cfg-yml configs/knn_defaults.yaml --DATASET=Digits
# Several machines: run once per node with the same master address/port and its own node rank:
#   ./distributed_train.sh --nnodes 2 --node_rank 0 --master_addr 10.0.0.1 --master_port 29500 4 ARGS...
set -euo pipefail
cd "$(dirname "$0")"
NNODES=1; NODE_RANK=0; MASTER_ADDR=127.0.0.1; MASTER_PORT=${MASTER_PORT:-29500}
while [[ $# -gt 0 && "$1" == --* ]]; do
  case "$1" in
    --nnodes) NNODES=$2; shift 2 ;;
    --node_rank) NODE_RANK=$2; shift 2 ;;
    --master_addr) MASTER_ADDR=$2; shift 2 ;;
    --master_port) MASTER_PORT=$2; shift 2 ;;
    *) echo "error: unknown option $1 (allowed before NPROC: --nnodes --node_rank --master_addr --master_port)" >&2; exit 2 ;;
  esac
done
if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "error: usage: $0 [--nnodes N --node_rank R --master_addr A --master_port P] NPROC_PER_NODE ENGINE_ARGS..." >&2; exit 2
fi
NPROC=$1; shift
TORCHRUN=${TORCHRUN:-$( [[ -x .venv/bin/torchrun ]] && echo .venv/bin/torchrun || echo torchrun )}
if [[ "$NNODES" == 1 ]]; then
  exec "$TORCHRUN" --standalone --nproc_per_node="$NPROC" engine/run_classifier.py "$@"
fi
exec "$TORCHRUN" --nnodes="$NNODES" --node_rank="$NODE_RANK" --nproc_per_node="$NPROC" \
  --master_addr="$MASTER_ADDR" --master_port="$MASTER_PORT" engine/run_classifier.py "$@"
