// Preloaded into a measured child with `node --require`: on exit it writes the process's peak
// resident set size (KB, from getrusage) to $BENCH_RSS_FILE, so no external `time` tool is needed.
import { writeFileSync } from "fs";

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on("exit", () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
}
