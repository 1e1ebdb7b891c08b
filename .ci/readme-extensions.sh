#!/usr/bin/env bash
# Follows the README's extension steps on a copy of the repository and expects the suite green afterwards:
# a new environment (README "Add an environment": staging copied as qa), a team, an endpoint, and a feature group
# version (README "Feature groups": v3 beside v2, then npm run lock). Then `npm run synth`, `npm run test:update`
# and `npm test`, as the README says. A test that only passes for the environments we ship fails here.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# KEEP_COPY=<empty dir> keeps the copy there, to look at what failed.
if [ -n "${KEEP_COPY:-}" ]; then copy="$KEEP_COPY"; else copy="$(mktemp -d)"; trap 'rm -rf "$copy"' EXIT; fi
# The tracked files as they are in the working tree, and the installed dependencies.
(cd "$root" && git ls-files -z --cached --others --exclude-standard) | (cd "$root" && xargs -0 cp --parents -t "$copy" 2>/dev/null || true)
ln -s "$root/node_modules" "$copy/node_modules"
cd "$copy"

node - <<'JS'
const fs = require("fs");
const edit = (file, change) => fs.writeFileSync(file, change(fs.readFileSync(file, "utf8")));
const replaceOnce = (text, from, to) => {
  if (!text.includes(from)) throw new Error(`README step: "${from}" not found`);
  return text.replace(from, to);
};

// Add an environment, step 1: staging copied as qa, with its own name, account, VPC range, roles and connection.
const QA = "123456789012";
let qa = fs.readFileSync("environments/staging.ts", "utf8")
  .replace(/export const staging\b/, "export const qa")
  .replace(/name: "staging"/, 'name: "qa"')
  .replace(/271828182845/g, QA)
  .replace(/vpcCidr: "[^"]+"/, 'vpcCidr: "10.250.0.0/16"')
  .replace(/mlops-staging/g, "mlops-qa");
fs.writeFileSync("environments/qa.ts", qa);
// Its endpoints serve dev's registry: dev shares with the new account.
edit("environments/dev.ts", (t) => replaceOnce(t, 'consumerAccountIds: ["271828182845", "161803398874"]', `consumerAccountIds: ["271828182845", "161803398874", "${QA}"]`));
// Step 2: listed.
edit("environments/inputs.ts", (t) => replaceOnce(replaceOnce(t, 'import { staging } from "./staging";', 'import { staging } from "./staging";\nimport { qa } from "./qa";'), "[dev, staging, prod]", "[dev, staging, qa, prod]"));

// A team in staging: no guaranteed GPUs (the pool's units are taken), may borrow.
edit("environments/staging.ts", (t) =>
  replaceOnce(t, "    teams: [\n", '    teams: [\n      { name: "search", gpuQuotas: {}, gpuBorrowingLimit: 2, cpuQuota: "16", memoryQuota: "64Gi" },\n'),
);

// An endpoint in dev: fraud, serverless, from dev's own registry.
edit("environments/dev.ts", (t) =>
  replaceOnce(
    t,
    "  serving: {\n    endpoints: [\n",
    `  serving: {
    endpoints: [
      {
        name: "fraud",
        model: { modelPackageArn: "arn:aws:sagemaker:eu-west-1:314159265358:model-package/fraud/1" },
        networkIsolation: false,
        serverless: { memorySizeMb: 2048, maxConcurrency: 5 },
        rollout: { type: "allAtOnce", waitSeconds: 0 },
        terminationWaitSeconds: 0,
        dataCapture: { samplingPercent: 0 },
        alarms: { latencyP99Ms: 1000, error5xxPercent: 5, error4xxPercent: 20 },
      },
`,
  ),
);

// A feature group version: customer-profile v3 beside v2, in dev.
edit("environments/feature-groups.ts", (t) =>
  t.trimEnd() +
    `

/** v3 adds the account's region. */
export const customerProfileV3: FeatureGroupInput = {
  ...customerProfileV2,
  version: 3,
  features: [...customerProfileV2.features, { name: "region", type: "String" }],
};
`,
);
edit("environments/dev.ts", (t) =>
  replaceOnce(replaceOnce(t, 'import { customerProfileV2, transactionsV1 } from "./feature-groups";', 'import { customerProfileV2, customerProfileV3, transactionsV1 } from "./feature-groups";'), "featureGroups: [customerProfileV2, transactionsV1]", "featureGroups: [customerProfileV2, customerProfileV3, transactionsV1]"),
);
JS

npm run -s lock
npm run -s synth
npm run -s test:update
npm test
echo "The README's extension steps leave the suite green."
