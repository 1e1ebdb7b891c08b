#!/usr/bin/env bash
# Before the serving layer of $ENVIRONMENT is deployed: every model package version its endpoints serve must
# exist, be visible to this account (shared by the registry that owns it) and be Approved. Otherwise the apply
# would fail deep inside SageMaker's CreateModel with a message that names neither the endpoint nor the fix.
# Needs the AWS CLI and credentials of the environment's account.
set -uo pipefail
stack="cdktf.out/stacks/$ENVIRONMENT-serving/cdk.tf.json"
[ -f "$stack" ] || { echo "No $stack: nothing is served in $ENVIRONMENT."; exit 0; }
# One line per model: <address> <model package ARN>
list=$(mktemp) && trap 'rm -f "$list"' EXIT
node - "$stack" > "$list" <<'JS' || exit 1
const fs = require("fs");
const stack = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
for (const [name, model] of Object.entries((stack.resource || {}).aws_sagemaker_model || {})) {
  const containers = [model.primary_container, ...(model.container || [])].flat().filter(Boolean);
  for (const c of containers) if (typeof c.model_package_name === "string") console.log(`aws_sagemaker_model.${name} ${c.model_package_name}`);
}
JS
status=0
while read -r address arn <&3; do
  if ! approval=$(aws sagemaker describe-model-package --model-package-name "$arn" --query ModelApprovalStatus --output text 2>&1); then
    echo "::error::$ENVIRONMENT-serving ($address) serves $arn, which does not exist or is not shared with this account: register and approve that version in the source registry first, or leave the endpoint's model out of serving.endpoints until a version exists (first deploy). AWS said: $approval"
    status=1
  elif [ "$approval" != "Approved" ]; then
    echo "::error::$ENVIRONMENT-serving ($address) serves $arn, whose approval status is $approval: approve it in the source registry before it is served."
    status=1
  else
    echo "$arn: Approved"
  fi
done 3< "$list"
exit "$status"
