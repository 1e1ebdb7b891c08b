import * as fs from "fs";
import * as path from "path";

/** The shipped environments as `npm run synth` writes them, synthesized once per test run (test/global-setup.ts). */
export function shippedSynthDir(): string {
  const dir = process.env.MLOPS_SHIPPED_SYNTH_DIR;
  if (!dir || !fs.existsSync(dir)) throw new Error("MLOPS_SHIPPED_SYNTH_DIR is not set: run the tests through jest (jest.config.js globalSetup)");
  return dir;
}

/** One stack of the shipped synthesis, as parsed JSON. */
export function shippedStackJson<T = Record<string, unknown>>(stackId: string): T {
  return JSON.parse(fs.readFileSync(path.join(shippedSynthDir(), "stacks", stackId, "cdk.tf.json"), "utf8")) as T;
}

/** The ids of the shipped stacks, in the order the manifest lists them. */
export function shippedStackIds(): string[] {
  return fs.readdirSync(path.join(shippedSynthDir(), "stacks")).sort();
}
