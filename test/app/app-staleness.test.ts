/**
 * app.js, the cdktf app and `npm run synth`: compiles only when a source changed since the last build, so neither
 * `npx cdktf synth` nor `npm run synth` ever runs stale JavaScript. Run on a small project with a stand-in tsc
 * that records each build.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { removeTempDirs, tempDir } from "../review/fixtures/synth-dirs";

afterAll(removeTempDirs);

function project(): string {
  const dir = tempDir("mlops-app-");
  fs.copyFileSync(path.resolve(__dirname, "../../app.js"), path.join(dir, "app.js"));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ include: ["*.ts", "environments", "test"] }));
  fs.writeFileSync(path.join(dir, "tsconfig.build.json"), "{}");
  fs.writeFileSync(path.join(dir, "package.json"), "{}");
  fs.mkdirSync(path.join(dir, "environments"));
  fs.writeFileSync(path.join(dir, "environments", "dev.ts"), "export const budget = 1;\n");
  fs.writeFileSync(path.join(dir, "main.ts"), "import './environments/dev';\n");
  // The stand-in compiler: "compiles" environments/dev.ts into dist/main.js, which prints it; counts its runs.
  const bin = path.join(dir, "node_modules", "typescript", "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(
    path.join(bin, "tsc"),
    `const fs = require("fs"), path = require("path");
     const root = process.cwd();
     fs.mkdirSync(path.join(root, "dist"), { recursive: true });
     const source = fs.readFileSync(path.join(root, "environments", "dev.ts"), "utf8");
     fs.writeFileSync(path.join(root, "dist", "main.js"), "console.log(" + JSON.stringify(source.trim()) + ");");
     fs.writeFileSync(path.join(root, "dist", ".tsbuildinfo"), "{}");
     fs.appendFileSync(path.join(root, "builds.log"), process.argv.slice(2).join(" ") + "\\n");`,
  );
  return dir;
}

const run = (dir: string) => spawnSync(process.execPath, ["app.js"], { cwd: dir, encoding: "utf8" });
const builds = (dir: string) => (fs.existsSync(path.join(dir, "builds.log")) ? fs.readFileSync(path.join(dir, "builds.log"), "utf8").trim().split("\n") : []);
/** Moves a file's time forward, as an edit would (file systems may keep whole seconds). */
const edit = (file: string, text: string) => {
  fs.writeFileSync(file, text);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
};

describe("app.js", () => {
  it("builds incrementally before the first run, then only after a source, tsconfig or package.json changed", () => {
    const dir = project();
    expect(run(dir).stdout).toBe("export const budget = 1;\n");
    expect(builds(dir)).toEqual([`-p tsconfig.build.json --incremental --tsBuildInfoFile ${path.join(dir, "dist", ".tsbuildinfo")}`]);
    // Unchanged: the compiled app runs as it is.
    expect(run(dir).stdout).toBe("export const budget = 1;\n");
    expect(builds(dir)).toHaveLength(1);
    // An edited environment is what the next run synthesizes: never the stale JavaScript.
    edit(path.join(dir, "environments", "dev.ts"), "export const budget = 2;\n");
    expect(run(dir).stdout).toBe("export const budget = 2;\n");
    expect(builds(dir)).toHaveLength(2);
    edit(path.join(dir, "package.json"), '{ "name": "x" }');
    run(dir);
    expect(builds(dir)).toHaveLength(3);
    // Tests are no input of the app.
    fs.mkdirSync(path.join(dir, "test"));
    edit(path.join(dir, "test", "x.test.ts"), "");
    run(dir);
    expect(builds(dir)).toHaveLength(3);
  });

  it("stops, running nothing, when the build fails", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "node_modules", "typescript", "bin", "tsc"), "process.stderr.write('error TS1005'); process.exit(2);");
    const result = run(dir);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("error TS1005");
  });

  it("is the cdktf app and npm run synth", () => {
    const root = path.resolve(__dirname, "../..");
    expect(JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")).app).toBe("node app.js");
    expect(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts.synth).toBe("node app.js");
  });
});
