// Child process of the scaling benchmark: synthesizes `<count>` generated environments into `<outdir>`
// through the same entry point as main.ts, so the parent can time a whole process like `node dist/main.js`.
import { synthesizePlatform } from "../stacks/synthesize";
import { skipTokenCreationTraces } from "../stacks/token-traces";
import { generateEnvironmentInputs } from "./generate-environments";

const [count, outdir] = process.argv.slice(2);
if (count === undefined || outdir === undefined) {
  console.error("usage: node dist/bench/synth-child.js <environment count> <outdir>");
  process.exit(2);
}
skipTokenCreationTraces();
const stacks = synthesizePlatform(generateEnvironmentInputs(Number(count)), { outdir });
console.log(`Synthesized ${stacks.length} stacks`);
