import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

/** Each optional prop of an exported `…Props` interface under constructs/ and stacks/, with its doc comment. */
function optionalProps(): { where: string; doc: string }[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [path.join(dir, entry.name)] : []));
  return ["constructs", "stacks"].flatMap((dir) => walk(path.join(ROOT, dir))).flatMap((file) => {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const found: { where: string; doc: string }[] = [];
    let props: string | undefined;
    lines.forEach((line, i) => {
      props = /^export interface (\w+Props)\b/.exec(line)?.[1] ?? (line.startsWith("}") ? undefined : props);
      const prop = /^ {2}readonly (\w+)\?: (?!never;)/.exec(line)?.[1];
      if (!props || !prop) return;
      let start = i - 1;
      while (start >= 0 && lines[i - 1].trim().endsWith("*/") && !lines[start].includes("/**")) start -= 1;
      const doc = lines[i - 1].trim().endsWith("*/") ? lines.slice(start, i).join("\n") : "";
      found.push({ where: `${path.relative(ROOT, file)}:${i + 1} ${props}.${prop}`, doc });
    });
    return found;
  });
}

describe("construct and stack props", () => {
  const props = optionalProps();

  it("are found", () => {
    expect(props.length).toBeGreaterThan(50);
  });

  it("document the default of every optional prop (@default), as aws-cdk-lib's do", () => {
    expect(props.filter((p) => !p.doc.includes("@default")).map((p) => p.where)).toEqual([]);
  });
});
