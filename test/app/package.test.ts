/**
 * The package a team installs: importing it validates nothing of ours, and `npm pack` ships what runs (compiled
 * code, its types, the chart the constructs install), never tests, CI or the benchmark.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

describe("the package", () => {
  it("has no side effect on import: the blueprint's own environments are not loaded, let alone validated", () => {
    const script = `require("./index"); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => /environments[\\\\/](index|inputs|dev|staging|prod)\\.ts$/.test(f))));`;
    const run = spawnSync(process.execPath, ["-r", require.resolve("sucrase/register/ts"), "-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it("packs what runs and nothing of the repository's own tooling", () => {
    const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" });
    expect(pack.status).toBe(0);
    const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "charts/cluster-objects/Chart.yaml", "charts/cluster-objects/templates/objects.yaml"]));
    expect(files.filter((f) => /^(test|\.github|\.ci|bench|environments|constructs|stacks)\//.test(f) || f.startsWith("dist/bench/") || f.endsWith(".tsbuildinfo"))).toEqual([]);
    // Compiled code only, with its types, where a build exists.
    for (const file of files.filter((f) => f.startsWith("dist/"))) expect(file).toMatch(/\.(js|d\.ts|json)$/);
  });
});
