#!/usr/bin/env bash
# Phase 2 of a deploy: applies the stacks of $ENVIRONMENT whose layer is in $LAYERS, in dependency order, each from
# the plan phase 1 gated (tfplan), so what is applied is exactly what was reviewed; Terraform refuses a saved plan
# whose state changed since. A stack phase 1 could not plan is planned and gated now, its dependencies applied, and
# applied only if it passes. Stops at the first failure.
set -uo pipefail
# shellcheck source=gate-lib.sh
source "$(dirname "$0")/gate-lib.sh"
WITH_PROTECTION=1 bash "$(dirname "$0")/stacks.sh" > apply-order.txt || exit 1
while read -r stack _dependencies protected <&3; do
  dir="cdktf.out/stacks/$stack"
  if [ ! -f "$dir/tfplan" ]; then
    plan_and_review "$stack" "$protected" || exit $?
  fi
  terraform -chdir="$dir" apply -input=false -no-color tfplan || exit 1
done 3< apply-order.txt
