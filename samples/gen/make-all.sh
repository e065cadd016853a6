#!/bin/bash
# Regenerate every sample in samples/: the real-traffic captures, samples/paths/ with the
# kernel's own states and samples/retrans/ with the kernel's own retransmission counts (needs root
# and network namespaces), then the crafted and malformed ones (deterministic, byte-identical each run).
# Usage: make-all.sh [OUTDIR]   (default: the samples/ folder next to this script)
set -euo pipefail
GEN=$(cd "$(dirname "$0")" && pwd)
bash "$GEN/make-real.sh" "$@"
bash "$GEN/make-paths.sh"
bash "$GEN/make-retrans.sh"
bash "$GEN/make-paws.sh" "$@"
bash "$GEN/make-rst-inject.sh" "$@"
/usr/bin/python3 "$GEN/craft.py" "$@"
