import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The README's "Names" table: each concept's name, and the names it must not go by. */
function glossary(): { concept: string; not: string[] }[] {
  const section = README.slice(README.indexOf("## Names"), README.indexOf("\n## ", README.indexOf("## Names") + 1));
  return section
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| Concept") && !line.startsWith("|---"))
    .map((line) => {
      const [concept, , not] = line.split(" | ").map((cell) => cell.replace(/^\| |\|$/g, "").trim());
      return { concept, not: [...(not ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1]) };
    });
}

/** Every TypeScript source a team composes with: the props and fields of constructs and stacks, and the schema. */
function sources(): { file: string; text: string }[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [path.join(dir, entry.name)] : []));
  return ["constructs", "stacks", "environments"].flatMap((dir) => walk(path.join(ROOT, dir))).map((file) => ({ file: path.relative(ROOT, file), text: fs.readFileSync(file, "utf8") }));
}

describe("the README's names", () => {
  const rows = glossary();

  it("list the concepts, with names they must not go by", () => {
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.flatMap((row) => row.not).length).toBeGreaterThan(10);
  });

  it("are the only names props and fields use for their concepts", () => {
    const files = sources();
    const misnamed = rows.flatMap(({ concept, not }) =>
      not.flatMap((name) => files.filter(({ text }) => new RegExp(`\\breadonly ${name}\\??:`).test(text)).map(({ file }) => `${file}: ${name} (${concept})`)),
    );
    expect(misnamed).toEqual([]);
  });
});
