#!/usr/bin/env bash
# Plans every stack of $ENVIRONMENT whose layer is in $LAYERS and runs `review plan --fail-on destroy-stateful,errored`
# on each, so a deploy stops before it destroys or replaces a stateful resource (unless $ALLOW_DESTROY is true: the
# merged pull request has the label allow-destroy) and never goes on from an errored plan. Used by every job of
# deploy-stacks.yml; writes each plan's review to $GITHUB_STEP_SUMMARY.
set -uo pipefail
gate=(--fail-on destroy-stateful,errored)
if [ "$ALLOW_DESTROY" = "true" ]; then
  gate=(--fail-on errored)
  echo "::warning::The merged pull request has the label allow-destroy: stateful resources of $ENVIRONMENT may be destroyed."
fi
status=0
# One line per stack of $LAYERS of the environment: <id> <number of stacks it depends on> [--protected],
# from the manifest and the guardrails report that synthesis writes beside it.
WITH_PROTECTION=1 bash "$(dirname "$0")/stacks.sh" > stacks.txt || exit 1
while read -r stack dependencies protected <&3; do
  dir="cdktf.out/stacks/$stack"
  if ! terraform -chdir="$dir" init -input=false -no-color; then status=1; continue; fi
  if ! terraform -chdir="$dir" plan -input=false -no-color -out=tfplan; then
    if [ "$dependencies" -gt 0 ]; then
      # Outputs its dependencies gain in this deploy do not exist yet; cdktf deploy plans it after them.
      echo "::warning::$stack could not be planned before its dependencies are deployed; it is not gated here (prevent_destroy still protects stateful resources of protected environments)."
      continue
    fi
    status=1; continue
  fi
  terraform -chdir="$dir" show -json tfplan > "$dir/plan.json" || { status=1; continue; }
  printf '## %s\n\n' "$stack" >> "$GITHUB_STEP_SUMMARY"
  # shellcheck disable=SC2086 # $protected is empty or --protected
  npm run -s review -- plan "$dir/plan.json" --format markdown $protected "${gate[@]}" >> "$GITHUB_STEP_SUMMARY" || status=1
done 3< stacks.txt
exit "$status"
