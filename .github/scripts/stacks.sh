#!/usr/bin/env bash
# The synthesized stack ids of $ENVIRONMENT whose layer is in $LAYERS (space-separated; empty or unset: every
# layer), in dependency order (each after the stacks it reads, per the manifest), one per line. With
# $WITH_PROTECTION set, each line is `<id> <number of stacks it depends on> [--protected]` (as guardrails.json says).
set -euo pipefail
node - "$ENVIRONMENT" "${LAYERS:-}" "${WITH_PROTECTION:-}" <<'JS'
const fs = require("fs");
const [environment, layers, withProtection] = process.argv.slice(2);
const wanted = new Set(layers.split(/\s+/).filter(Boolean));
const manifest = JSON.parse(fs.readFileSync("cdktf.out/manifest.json", "utf8"));
const report = fs.existsSync("cdktf.out/guardrails.json") ? JSON.parse(fs.readFileSync("cdktf.out/guardrails.json", "utf8")) : { stacks: [] };
const order = [];
const visit = (id, path = []) => {
  if (order.includes(id) || !manifest.stacks[id]) return;
  if (path.includes(id)) throw new Error(`stacks depend on each other: ${[...path, id].join(" -> ")}`);
  for (const dependency of manifest.stacks[id].dependencies || []) visit(dependency, [...path, id]);
  order.push(id);
};
Object.keys(manifest.stacks).forEach((id) => visit(id));
for (const id of order) {
  const stack = manifest.stacks[id];
  if (!id.startsWith(`${environment}-`) || (wanted.size > 0 && !wanted.has(id.slice(environment.length + 1)))) continue;
  const isProtected = report.stacks.some((s) => s.stack === id && s.protected === true);
  console.log(withProtection ? `${id} ${(stack.dependencies || []).length} ${isProtected ? "--protected" : ""}` : id);
}
JS
