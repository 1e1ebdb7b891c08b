import { readFileSync, statSync } from "node:fs";
import { ReviewInputError } from "./errors";

/** Reads and parses a JSON file; every failure is a ReviewInputError that names the file. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new ReviewInputError(`${file}: is a directory, expected ${what}`);
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof ReviewInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReviewInputError(code === "ENOENT" ? `${file}: no such file (expected ${what})` : `${file}: cannot be read: ${(error as Error).message}`);
  }
  if (text.trim() === "") throw new ReviewInputError(`${file}: is empty, expected ${what}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ReviewInputError(`${file}: is not valid JSON (truncated or corrupt?): ${(error as Error).message}`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
