// Preloaded into a measured child with `node --require`: on exit it writes the process's peak resident set
// size (KB) and its CPU time (ms, user + system) from getrusage to $BENCH_RSS_FILE as JSON, so no external
// `time` tool is needed. CPU time is steadier than wall time on a shared machine.
import { writeFileSync } from "fs";

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
  });
}
