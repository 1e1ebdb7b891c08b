# Sourced by plan-and-gate.sh and apply-plans.sh: the one way a stack is planned and gated before it is applied.
# Needs $ALLOW_DESTROY ("true" when the merged pull request has the label allow-destroy) and $GITHUB_STEP_SUMMARY.
gate=(--fail-on destroy-stateful,errored)
if [ "${ALLOW_DESTROY:-false}" = "true" ]; then gate=(--fail-on errored); fi

# plan_and_review <stack> [--protected]: plans the stack into its tfplan and reviews it with review plan behind the
# gate. Returns 0 when it passed, 1 when Terraform failed, 3 when the gate tripped; only a passing plan is kept.
plan_and_review() {
  local stack=$1 protected=${2:-} dir="cdktf.out/stacks/$1" code
  rm -f "$dir/tfplan"
  terraform -chdir="$dir" plan -input=false -no-color -out=tfplan || return 1
  terraform -chdir="$dir" show -json tfplan > "$dir/plan.json" || return 1
  printf '## %s\n\n' "$stack" >> "$GITHUB_STEP_SUMMARY"
  # shellcheck disable=SC2086 # $protected is empty or --protected
  npm run -s review -- plan "$dir/plan.json" --format markdown $protected "${gate[@]}" >> "$GITHUB_STEP_SUMMARY"
  code=$?
  [ "$code" -eq 0 ] || rm -f "$dir/tfplan"
  return "$code"
}
