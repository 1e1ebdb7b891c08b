/**
 * How deep a JSON document may nest before it is refused (review) or left unread (guardrails). Terraform's
 * values nest a few dozen levels at most; recursion over 10,000 levels would overflow the stack.
 */
export const MAX_JSON_DEPTH = 256;

/** `a.b[3]["x y"]`: where in a document a value is. */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  const name = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return name.startsWith('"') ? `${parent}[${name}]` : parent === "" ? name : `${parent}.${name}`;
}

/** The path of the first value nested deeper than `max`, or undefined. Iterative: depth cannot overflow it. */
export function tooDeep(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  const stack: [unknown, number, string][] = [[value, 0, ""]];
  while (stack.length > 0) {
    const [node, depth, path] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth >= max) return path || "(top level)";
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [key, child] of entries) if (typeof child === "object" && child !== null) stack.push([child, depth + 1, jsonPath(path, key)]);
  }
  return undefined;
}

/** A JSON document held in a string, parsed; undefined when it is not JSON or nests too deep to walk safely. */
export function parseJsonText(text: string): unknown {
  try {
    const parsed = JSON.parse(text) as unknown;
    return tooDeep(parsed) === undefined ? parsed : undefined;
  } catch {
    return undefined;
  }
}
