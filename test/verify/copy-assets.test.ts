import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyAssets } from "../../verify/check-stack";

describe("copyAssets", () => {
  const root = mkdtempSync(join(tmpdir(), "mlops-assets-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("puts the stack's assets/ (local charts) beside the plan's main.tf.json, where the releases name them", () => {
    const stackDir = join(root, "stacks", "dev-workloads");
    mkdirSync(join(stackDir, "assets", "ClusterObjectsChart", "ABC", "templates"), { recursive: true });
    writeFileSync(join(stackDir, "assets", "ClusterObjectsChart", "ABC", "Chart.yaml"), "name: cluster-objects\n");
    const workdir = join(root, "work");
    mkdirSync(workdir);
    copyAssets(stackDir, workdir);
    expect(readFileSync(join(workdir, "assets", "ClusterObjectsChart", "ABC", "Chart.yaml"), "utf8")).toBe("name: cluster-objects\n");
  });

  it("does nothing for a stack without assets", () => {
    const workdir = join(root, "work-none");
    mkdirSync(workdir);
    copyAssets(join(root, "stacks", "dev-network"), workdir);
    copyAssets(undefined, workdir);
    expect(existsSync(join(workdir, "assets"))).toBe(false);
  });
});
