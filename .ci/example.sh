#!/usr/bin/env bash
# The consumer example (examples/consumer) against the blueprint as a team gets it: packed (npm pack, which builds
# it), installed into a copy of the example, the example compiled and synthesized. Its stack must come out with the
# blueprint's resources, and the guardrails must have run over it (a report beside the stacks).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack "$root" --pack-destination "$work" --silent > "$work/packed"
mv "$work/$(tail -1 "$work/packed")" "$work/mlops-blueprint.tgz"
mkdir -p "$work/examples"
cp -r "$root/examples/consumer" "$work/examples/consumer"
cd "$work/examples/consumer"
npm install --prefer-offline --no-audit --no-fund --silent
CDKTF_OUTDIR="$work/out" npm run -s synth
stack="$work/out/stacks/team-a-data/cdk.tf.json"
node -e '
  const stack = require(process.argv[1]);
  const types = Object.keys(stack.resource || {});
  for (const type of ["aws_kms_key", "aws_s3_bucket", "aws_vpc", "aws_iam_role"]) if (!types.includes(type)) { console.error("missing " + type); process.exit(1); }
  console.log("consumer example: " + types.length + " resource types synthesized");
' "$stack"
# A violation stops the consumer's synthesis as it stops ours: named, and no stack written.
if EXAMPLE_UNENCRYPTED_BUCKET=1 CDKTF_OUTDIR="$work/refused" node dist/main.js > "$work/refused.log" 2>&1; then
  echo "the guardrails let an unencrypted bucket through in the consumer app"; exit 1
fi
grep -q "MLB-S3-" "$work/refused.log" || { cat "$work/refused.log"; echo "the refusal does not name the rule"; exit 1; }
[ ! -e "$work/refused/stacks/team-a-data/cdk.tf.json" ] || { echo "a refused stack was written"; exit 1; }
echo "The consumer example installs the packed blueprint, synthesizes its own stack, and its guardrails refuse a violation."
