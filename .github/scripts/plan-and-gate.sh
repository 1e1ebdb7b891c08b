#!/usr/bin/env bash
# Phase 1 of a deploy: plans every stack of $ENVIRONMENT whose layer is in $LAYERS and gates each plan with
# `review plan --fail-on destroy-stateful,errored` (destroy allowed only when $ALLOW_DESTROY is true: the merged pull
# request has the label allow-destroy), before anything is applied. A gated plan is kept as the stack's tfplan, which
# apply-plans.sh applies as it is. A stack that reads outputs its dependencies gain in this deploy cannot be planned
# yet: apply-plans.sh plans and gates it once they are applied. Writes each review to $GITHUB_STEP_SUMMARY.
set -uo pipefail
# shellcheck source=gate-lib.sh
source "$(dirname "$0")/gate-lib.sh"
[ "${ALLOW_DESTROY:-false}" = "true" ] && echo "::warning::The merged pull request has the label allow-destroy: stateful resources of $ENVIRONMENT may be destroyed."
status=0
# One line per stack: <id> <number of stacks it depends on> [--protected], in dependency order.
WITH_PROTECTION=1 bash "$(dirname "$0")/stacks.sh" > stacks.txt || exit 1
while read -r stack dependencies protected <&3; do
  dir="cdktf.out/stacks/$stack"
  if ! terraform -chdir="$dir" init -input=false -no-color; then status=1; continue; fi
  plan_and_review "$stack" "$protected"
  code=$?
  if [ "$code" -eq 1 ] && [ "$dependencies" -gt 0 ]; then
    echo "::notice::$stack is planned and gated after its dependencies are applied (it reads outputs they gain in this deploy)."
  elif [ "$code" -ne 0 ]; then
    status=$code
  fi
done 3< stacks.txt
exit "$status"
