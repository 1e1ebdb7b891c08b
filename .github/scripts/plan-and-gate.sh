#!/usr/bin/env bash
# Plans every stack of $ENVIRONMENT and runs `review plan --fail-on destroy-stateful,errored` on each, so a deploy
# stops before it destroys or replaces a stateful resource (unless $ALLOW_DESTROY is true: the merged pull request
# has the label allow-destroy) and never goes on from an errored plan. Used by every job of deploy.yml; writes each
# plan's review to $GITHUB_STEP_SUMMARY.
set -uo pipefail
gate=(--fail-on destroy-stateful,errored)
if [ "$ALLOW_DESTROY" = "true" ]; then
  gate=(--fail-on errored)
  echo "::warning::The merged pull request has the label allow-destroy: stateful resources of $ENVIRONMENT may be destroyed."
fi
status=0
# One line per stack of the environment: <id> <number of stacks it depends on> [--protected],
# from the manifest and the guardrails report that synthesis writes beside it.
node - "$ENVIRONMENT" > stacks.txt <<'JS'
const fs = require("fs");
const manifest = JSON.parse(fs.readFileSync("cdktf.out/manifest.json", "utf8"));
const report = fs.existsSync("cdktf.out/guardrails.json") ? JSON.parse(fs.readFileSync("cdktf.out/guardrails.json", "utf8")) : { stacks: [] };
for (const [id, stack] of Object.entries(manifest.stacks)) {
  if (!id.startsWith(`${process.argv[2]}-`)) continue;
  const isProtected = report.stacks.some((s) => s.stack === id && s.protected === true);
  console.log(id, (stack.dependencies || []).length, isProtected ? "--protected" : "");
}
JS
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
