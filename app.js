// The cdktf app (cdktf.json "app") and `npm run synth`: brings dist/ up to date with the sources, then runs the
// compiled app in this process. Plain JavaScript, so it runs before anything is compiled.
//
// Up to date means no source, tsconfig or package.json is newer than the last build's record
// (dist/.tsbuildinfo): then nothing is compiled (about 10 ms to check). Otherwise tsc builds incrementally,
// recompiling what changed, so `npx cdktf synth|diff|deploy` never run stale JavaScript.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const ROOT = __dirname;
const BUILD_INFO = path.join(ROOT, "dist", ".tsbuildinfo");
const SOURCE_DIRS = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")).include.filter((entry) => !entry.includes("*") && entry !== "test");
const CONFIG_FILES = ["tsconfig.json", "tsconfig.build.json", "package.json"];

/** The newest modification time among the build's inputs. */
function newestInput() {
  let newest = 0;
  const visit = (file) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(file)) if (name !== "node_modules") visit(path.join(file, name));
    } else if (file.endsWith(".ts") || CONFIG_FILES.includes(path.relative(ROOT, file))) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const name of fs.readdirSync(ROOT)) if (name.endsWith(".ts")) visit(path.join(ROOT, name));
  for (const dir of SOURCE_DIRS) visit(path.join(ROOT, dir));
  for (const file of CONFIG_FILES) visit(path.join(ROOT, file));
  return newest;
}

const built = fs.statSync(BUILD_INFO, { throwIfNoEntry: false });
const newest = newestInput();
if (!built || !fs.existsSync(path.join(ROOT, "dist", "main.js")) || newest > built.mtimeMs) {
  // typescript's package exports no bin path: its file, as npm links it.
  const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--incremental", "--tsBuildInfoFile", BUILD_INFO], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  // An incremental build with nothing to emit leaves the record as it was: mark the inputs seen as built (a file
  // dated in the future, as a copy from another clock can be, is not rebuilt at every run).
  const stamp = new Date(Math.ceil(Math.max(Date.now(), newest)) + 1); // a Date holds whole milliseconds; mtimes hold finer
  fs.utimesSync(BUILD_INFO, stamp, stamp);
}
require("./dist/main.js");
