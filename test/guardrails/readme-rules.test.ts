import * as fs from "fs";
import * as path from "path";
import { ALL_RULES } from "../../guardrails/rules";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

describe("the README's guardrails section", () => {
  it("states how many rules run", () => {
    expect(/checked at synth by (\d+) rules/.exec(README)?.[1]).toBe(String(ALL_RULES.length));
  });

  it("names every rule family it describes by an id prefix that exists", () => {
    const prefixes = new Set(ALL_RULES.map((r) => r.id.replace(/-\d{3}$/, "")));
    for (const mentioned of README.match(/MLB-[A-Z0-9]+(?=-[*0-9])/g) ?? []) expect(prefixes).toContain(mentioned);
  });

  it('has the section "How a GPU job runs" with its Mermaid diagram, pod to dashboard', () => {
    const section = README.slice(README.indexOf("## How a GPU job runs"));
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    const order = ["LocalQueue", "ClusterQueue", "NodePool", "GPU node", "DCGM", "Grafana dashboards"].map((step) => diagram.indexOf(step));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
