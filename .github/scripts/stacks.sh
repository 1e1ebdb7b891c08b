#!/usr/bin/env bash
# The synthesized stack ids of $ENVIRONMENT whose layer is in $LAYERS (space-separated; empty or unset: every
# layer), in manifest order, one per line. With $WITH_PROTECTION set, each line is
# `<id> <number of stacks it depends on> [--protected]` (protected as guardrails.json says).
set -euo pipefail
node - "$ENVIRONMENT" "${LAYERS:-}" "${WITH_PROTECTION:-}" <<'JS'
const fs = require("fs");
const [environment, layers, withProtection] = process.argv.slice(2);
const wanted = new Set(layers.split(/\s+/).filter(Boolean));
const manifest = JSON.parse(fs.readFileSync("cdktf.out/manifest.json", "utf8"));
const report = fs.existsSync("cdktf.out/guardrails.json") ? JSON.parse(fs.readFileSync("cdktf.out/guardrails.json", "utf8")) : { stacks: [] };
for (const [id, stack] of Object.entries(manifest.stacks)) {
  if (!id.startsWith(`${environment}-`) || (wanted.size > 0 && !wanted.has(id.slice(environment.length + 1)))) continue;
  const isProtected = report.stacks.some((s) => s.stack === id && s.protected === true);
  console.log(withProtection ? `${id} ${(stack.dependencies || []).length} ${isProtected ? "--protected" : ""}` : id);
}
JS
