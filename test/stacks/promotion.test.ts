import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { synthesizePlatform } from "../../stacks/synthesize";
import { inputsWith } from "../support/config-errors";
import { shippedStackIds, shippedStackJson } from "../support/shipped-synth";

type Json = { resource?: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/** Every stack of a synthesis, as parsed JSON by stack id. */
function synthesizeAll(inputs: readonly unknown[]): Map<string, Json> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-promotion-"));
  try {
    const ids = synthesizePlatform(inputs, { outdir });
    return new Map(ids.map((id) => [id, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8")) as Json]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** `<stack> <type>.<name>` of every resource that differs, plus `<stack> <block>` for other top-level changes. */
function differences(before: Map<string, Json>, after: Map<string, Json>): string[] {
  const changed: string[] = [];
  for (const [id, a] of before) {
    const b = after.get(id)!;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (key !== "resource" && JSON.stringify(a[key]) !== JSON.stringify(b[key])) changed.push(`${id} ${key}`);
    }
    for (const type of new Set([...Object.keys(a.resource ?? {}), ...Object.keys(b.resource ?? {})])) {
      const names = new Set([...Object.keys(a.resource?.[type] ?? {}), ...Object.keys(b.resource?.[type] ?? {})]);
      for (const name of names) {
        if (JSON.stringify(a.resource?.[type]?.[name]) !== JSON.stringify(b.resource?.[type]?.[name])) changed.push(`${id} ${type}.${name}`);
      }
    }
  }
  return changed;
}

describe("promoting a model version in prod", () => {
  let promotedArn = "";
  const promoted = inputsWith("prod", (c) => {
    const served: string = c.serving.endpoints[0].model.modelPackageArn;
    promotedArn = served.replace(/\/(\d+)$/, (_, version) => `/${Number(version) + 1}`);
    c.serving.endpoints[0].model.modelPackageArn = promotedArn;
  });
  const before = new Map(shippedStackIds().map((id) => [id, shippedStackJson<Json>(id)]));
  const after = synthesizeAll(promoted);
  const changed = differences(before, after);

  it("changes the served package in the model", () => {
    const model = Object.values(after.get("prod-serving")!.resource!.aws_sagemaker_model) as { primary_container?: { model_package_name?: string } }[];
    expect(model.map((m) => m.primary_container?.model_package_name)).toEqual([promotedArn]);
  });

  it("changes nothing but the model and its endpoint configuration: no other resource, stack or environment churns", () => {
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((c) => !/^prod-serving aws_sagemaker_(model|endpoint_configuration)\./.test(c))).toEqual([]);
  });
});
