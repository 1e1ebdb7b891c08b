import { readFileSync, statSync } from "node:fs";
import { MAX_JSON_DEPTH, jsonPath, tooDeep } from "../guardrails/json-depth";
import { ReviewInputError } from "./errors";

export { jsonPath };

/** The text of a file as Terraform or an editor may have written it: UTF-8 with or without a BOM, or UTF-16 (PowerShell's `>`). */
export function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString("utf8");
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString("utf16le");
  // UTF-16 without a BOM: JSON starts with an ASCII character, so one of the first two bytes is zero.
  if (bytes.length >= 2 && bytes.length % 2 === 0 && bytes[1] === 0 && bytes[0] !== 0) return bytes.toString("utf16le");
  if (bytes.length >= 2 && bytes.length % 2 === 0 && bytes[0] === 0 && bytes[1] !== 0) return Buffer.from(bytes).swap16().toString("utf16le");
  return bytes.toString("utf8");
}

/** Reads and parses a JSON file; every failure is a ReviewInputError that names the file and the true cause. */
export function readJsonFile(file: string, what: string): unknown {
  let bytes: Buffer;
  try {
    if (statSync(file).isDirectory()) throw new ReviewInputError(`${file}: is a directory, expected ${what}`);
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof ReviewInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReviewInputError(code === "ENOENT" ? `${file}: no such file (expected ${what})` : `${file}: cannot be read: ${(error as Error).message}`);
  }
  const text = decodeText(bytes);
  if (text.trim() === "") throw new ReviewInputError(`${file}: is empty, expected ${what}`);
  if (text.includes("\u0000")) throw new ReviewInputError(`${file}: is binary, not JSON text (expected ${what}; a plan file must go through terraform show -json first)`);
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    // V8's message quotes a piece of the file (which may hold a secret): only where, never what.
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const truncated = /Unexpected end of JSON input|Unterminated string/.test(message) || (position !== undefined && Number(position) >= text.trimEnd().length);
    const where = position !== undefined ? ` at character ${position}` : truncated ? " at its end" : "";
    throw new ReviewInputError(`${file}: is not valid JSON${where}${truncated ? " (it ends before the document does: truncated?)" : ""}`);
  }
  const deep = tooDeep(json);
  if (deep !== undefined) {
    throw new ReviewInputError(`${file}: ${deep.length > 80 ? `${deep.slice(0, 80)}…` : deep}: nested deeper than ${MAX_JSON_DEPTH} levels; not something Terraform writes`);
  }
  return json;
}

/** How a wrong value reads in a message: `null`, `a list`, `string "x"`. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** Shape checks over a parsed document: the first wrong value throws a ReviewInputError naming the file and its JSON path. */
export class JsonShape {
  constructor(protected readonly file: string) {}

  fail(path: string, message: string): never {
    throw new ReviewInputError(`${this.file}: ${path}: ${message}`);
  }

  object(value: unknown, path: string): Record<string, unknown> {
    return isObject(value) ? value : this.fail(path, `expected an object, found ${describe(value)}`);
  }

  list(value: unknown, path: string): unknown[] {
    return Array.isArray(value) ? value : this.fail(path, `expected a list, found ${describe(value)}`);
  }

  /** Checks `parent[key]` when it is there (null counts as absent). */
  optional<T>(parent: Record<string, unknown>, key: string, path: string, check: (value: unknown, path: string) => T): T | undefined {
    return parent[key] === undefined || parent[key] === null ? undefined : check(parent[key], jsonPath(path, key));
  }

  string(value: unknown, path: string): string {
    return typeof value === "string" ? value : this.fail(path, `expected a string, found ${describe(value)}`);
  }

  /** An object whose every value is an object (`{ <name>: { ... } }`). */
  objectOfObjects(value: unknown, path: string): Record<string, Record<string, unknown>> {
    const object = this.object(value, path);
    for (const [key, entry] of Object.entries(object)) this.object(entry, jsonPath(path, key));
    return object as Record<string, Record<string, unknown>>;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `record[key]` when the record itself has it: a key from a document (`__proto__`, `constructor`) never reaches Object's own properties. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
