#!/usr/bin/env bash
# Runs the HTTP suite recording every response, then validates each against SignalWire's
# published schema (test/contract). Fails if the reference documents are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
export NUMBERSPACE_CONTRACT_LOG="$log_dir/responses.jsonl"
node --import tsx --test test/http/*.test.ts
node --import tsx --test test/contract/*.test.ts
