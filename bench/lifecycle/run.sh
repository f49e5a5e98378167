#!/usr/bin/env bash
# The model lifecycle measured (issue 14's "done when"; docs/MODEL.md, "Fine-tuning for a new hospital"):
#   bench/lifecycle/run.sh [--active DIR] [--hospital-a DIR] [--hospital-h DIR] [lifecycle.py options]
# A hospital H whose slices the active model misses (default: ../shared/datasets/brain-mri-253, and as the active
# model one trained with that folder left out, /work/runs/loso-v4d, see docs/MODEL.md) and a hospital A the model
# knows (default: ../shared/datasets/brain-mri-7k/train). On a fresh data directory with the embedded PostgreSQL:
#   1. the real server (fat jar) starts with DIR as its model (registered as the first version), then stops;
#   2. `import` loads A and H (classes confirmed from folder names; classified by the active model);
#   3. the server's GET /models/{v}/performance per hospital: the active model on every confirmed row;
#   4. `train --from-db --hospital H --fine-tune-from active` (and, unless --no-scratch, a from-scratch candidate
#      with --no-promote for comparison): the held-out rows of both hospitals, split by near-duplicate groups,
#      before and after; promoted through the registry only when the rule holds;
#   5. the server again: GET /models shows the active one; a rollback and a re-activation through
#      POST /models/{v}/activate; an H image uploaded and classified by the served version.
# Results: docs/results/issue-14/lifecycle.json and lifecycle.md (or --out); logs and the data directory under --work.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  mvn -q -DskipTests package
fi
exec python3 bench/lifecycle/lifecycle.py "$@"
