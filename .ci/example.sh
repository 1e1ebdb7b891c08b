#!/usr/bin/env bash
# The consumer example (examples/consumer) against the blueprint as a team gets it: packed (npm pack, which builds
# it), installed into a copy of the example, the example compiled and synthesized. Its stacks (a blueprint layer with
# its own props, a stack of its own on the base stack) must come out with their resources and state backend.
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
# The types of the root and the subpaths also under TypeScript 5 with CommonJS and node10 resolution (`cdktf init`'s).
npx --yes --package typescript@5.8 -- tsc -p tsconfig.commonjs.json
# The README's library example compiles against the package as a team installs it.
node -e '
  const fs = require("fs");
  const readme = fs.readFileSync(process.argv[1], "utf8");
  const block = readme.slice(readme.indexOf("## Use the blueprint as a library")).match(/```ts\n([\s\S]*?)```/);
  if (!block) { console.error("README: no TypeScript example under \"Use the blueprint as a library\""); process.exit(1); }
  fs.writeFileSync("readme-example.ts", block[1]);
' "$root/README.md"
npx tsc --ignoreConfig --noEmit --strict --target ES2022 --module node16 --moduleResolution node16 --esModuleInterop --skipLibCheck --types node readme-example.ts
node -e '
  const out = process.argv[1];
  const expected = { "team-a-network": ["aws_vpc", "aws_flow_log", "aws_kms_key"], "team-a-data": ["aws_kms_key", "aws_s3_bucket", "aws_iam_role"] };
  for (const [id, wanted] of Object.entries(expected)) {
    const stack = require(`${out}/stacks/${id}/cdk.tf.json`);
    const types = Object.keys(stack.resource || {});
    for (const type of wanted) if (!types.includes(type)) { console.error(`${id}: missing ${type}`); process.exit(1); }
    if (!stack.terraform.backend.s3) { console.error(`${id}: no S3 backend`); process.exit(1); }
    console.log(`consumer example: ${id}, ${types.length} resource types synthesized`);
  }
' "$work/out"
# A violation stops the consumer's synthesis as it stops ours: named, and no stack written.
if EXAMPLE_UNENCRYPTED_BUCKET=1 CDKTF_OUTDIR="$work/refused" node dist/main.js > "$work/refused.log" 2>&1; then
  echo "the guardrails let an unencrypted bucket through in the consumer app"; exit 1
fi
grep -q "MLB-S3-" "$work/refused.log" || { cat "$work/refused.log"; echo "the refusal does not name the blueprint's rule"; exit 1; }
grep -q "TEAMA-S3-001" "$work/refused.log" || { cat "$work/refused.log"; echo "the refusal does not name the team's own rule"; exit 1; }
# The network stack comes first and has nothing wrong: it is not written either.
[ ! -e "$work/refused/stacks/team-a-network/cdk.tf.json" ] && [ ! -e "$work/refused/stacks/team-a-data/cdk.tf.json" ] || { echo "a refused app wrote a stack"; exit 1; }
echo "The consumer example installs the packed blueprint, synthesizes its own stack, and its guardrails refuse a violation."
