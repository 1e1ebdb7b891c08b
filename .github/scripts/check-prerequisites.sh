#!/usr/bin/env bash
# Before $ENVIRONMENT's stacks are planned: what they refer to but do not make must exist in the account. That is
# every IAM role of this account named by ARN in an EKS access entry or a resource policy (the roles in
# training.access, EC2 Spot's service-linked role in the cluster key's policy) and every CodeConnections
# connection (the deploy runner's), AVAILABLE. Otherwise the apply fails halfway (KMS refuses a key policy naming
# a role that does not exist) with a message that names neither the config field nor the fix.
# Needs the AWS CLI and credentials of the environment's account.
set -uo pipefail
shopt -s nullglob
stacks=(cdktf.out/stacks/"$ENVIRONMENT"-*/cdk.tf.json)
[ "${#stacks[@]}" -gt 0 ] || { echo "::error::No cdktf.out/stacks/$ENVIRONMENT-*: synthesize first (npm run synth)."; exit 1; }
# One line per prerequisite: role <name> <stack> <address>, or connection <arn> <stack> <address>
list=$(mktemp) && trap 'rm -f "$list"' EXIT
node - "${stacks[@]}" > "$list" <<'JS' || exit 1
const fs = require("fs");
const path = require("path");
const stacks = process.argv.slice(2).map((file) => ({ id: path.basename(path.dirname(file)), json: JSON.parse(fs.readFileSync(file, "utf8")) }));
const made = new Set(stacks.flatMap(({ json }) => Object.values((json.resource || {}).aws_iam_role || {}).map((role) => role.name)));
const ROLE = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const CONNECTION = /arn:aws[a-z-]*:(?:codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]+/g;
const seen = new Set(); // each role or connection once, with the first resource that names it
const say = (kind, what, id, address) => { if (!seen.has(`${kind} ${what}`)) { seen.add(`${kind} ${what}`); console.log(`${kind} ${what} ${id} ${address}`); } };
const principals = (policy) => {
  try {
    const statements = [JSON.parse(policy).Statement].flat().filter(Boolean);
    return statements.flatMap((s) => [s.Principal && s.Principal.AWS].flat().filter((p) => typeof p === "string"));
  } catch { return []; } // a policy that is not literal JSON (a reference) names nothing here
};
for (const { id, json } of stacks) {
  const accounts = new Set([((json.provider || {}).aws || [])].flat().flatMap((p) => p.allowed_account_ids || []));
  for (const [type, resources] of Object.entries(json.resource || {})) {
    for (const [name, resource] of Object.entries(resources)) {
      const address = `${type}.${name}`;
      const roles = [...(type === "aws_eks_access_entry" ? [resource.principal_arn] : []), ...(typeof resource.policy === "string" ? principals(resource.policy) : [])];
      for (const arn of roles) {
        const m = typeof arn === "string" ? ROLE.exec(arn) : null;
        if (m && accounts.has(m[1]) && !made.has(m[2])) say("role", m[2], id, address);
      }
      for (const arn of JSON.stringify(resource).match(CONNECTION) || []) say("connection", arn, id, address);
    }
  }
}
JS
status=0
while read -r kind what stack address <&3; do
  if [ "$kind" = role ]; then
    if ! out=$(aws iam get-role --role-name "$what" --query Role.Arn --output text 2>&1); then
      case "$what" in
        AWSServiceRoleForEC2Spot) fix="make it once: aws iam create-service-linked-role --aws-service-name spot.amazonaws.com" ;;
        AWSServiceRoleFor*) fix="make this service-linked role once (aws iam create-service-linked-role --aws-service-name <the service>)" ;;
        *) fix="create it, or take it out of the environment's config (training.access names the cluster's users)" ;;
      esac
      echo "::error::$stack ($address) names the IAM role $what, which does not exist in this account: $fix. AWS said: $out"
      status=1
    else
      echo "$out: exists"
    fi
  else
    if ! state=$(aws codeconnections get-connection --connection-arn "$what" --query Connection.ConnectionStatus --output text 2>&1); then
      echo "::error::$stack ($address) uses the connection $what, which does not exist here: create it (Developer Tools > Connections) and set its ARN in training.deployRunner. AWS said: $state"
      status=1
    elif [ "$state" != "AVAILABLE" ]; then
      echo "::error::$stack ($address) uses the connection $what, whose status is $state: complete its handshake with GitHub in the console (Developer Tools > Connections > Update pending connection)."
      status=1
    else
      echo "$what: AVAILABLE"
    fi
  fi
done 3< "$list"
exit "$status"
