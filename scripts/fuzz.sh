#!/usr/bin/env bash
# A longer fuzz run of the server with a random seed (CI runs a fixed seed and 1500 cases).
#   scripts/fuzz.sh                 50000 cases, random seed
#   FUZZ_CASES=200000 FUZZ_SEED=123 FUZZ_CONCURRENCY=100 scripts/fuzz.sh
# A failure prints FUZZ_SEED and FUZZ_ONLY=<case> to replay just that case.
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_CASES="${FUZZ_CASES:-50000}"
export FUZZ_SEED="${FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
echo "fuzz: FUZZ_SEED=${FUZZ_SEED} FUZZ_CASES=${FUZZ_CASES}"
NODE_OPTIONS="--experimental-vm-modules --expose-gc" exec npx jest test/fuzz --coverage=false --runInBand "$@"
