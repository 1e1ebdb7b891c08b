import type { AttributeDiff } from "./diff";

/** The hidden line CI finds its own comment by, to update it in place. */
export const COMMENT_MARKER = "<!-- mlops-blueprint-review -->";
export const PLAN_MARKER = "<!-- mlops-blueprint-review-plan -->";

/** GitHub refuses comments over 65,536 characters; leave room for what CI appends. */
export const MAX_COMMENT_LENGTH = 60_000;

const MAX_VALUE_LENGTH = 400;

/**
 * Plain text for Markdown: no HTML tags (GitHub would swallow `<group>`), no accidental emphasis, no links or
 * images a plan's values could smuggle into a comment (their brackets are escaped), no @mentions that notify
 * people, no line breaks.
 */
export function escapeText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([*\\`[\]|~])/g, "\\$1")
    .replace(/@/g, "@\u200b")
    .replace(/\r?\n/g, "⏎");
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** Inline code that survives backticks and newlines in the value (and pipes, in a table cell). */
export function code(text: string, inTable = false): string {
  const oneLine = text.replace(/\r?\n/g, "⏎");
  const flat = inTable ? oneLine.replace(/\|/g, "\\|") : oneLine;
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A value as a reviewer reads it: strings bare, the rest as JSON, very long ones cut (the JSON format has them whole). */
export function valueText(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}… (${text.length} characters)` : text;
}

const KNOWN = "(known after apply)";
const MASKED = "(sensitive)";

function shown(value: unknown): string {
  if (value === KNOWN || value === MASKED) return `_${value}_`;
  return code(valueText(value));
}

/** `- path: before → after (forces replacement)` */
export function attributeLine(a: AttributeDiff, indent = "  "): string {
  const change = a.sensitivity
    ? `${a.sensitivity} (value unchanged)`
    : !("before" in a)
      ? `added: ${shown(a.after)}`
      : !("after" in a)
        ? `removed (was ${shown(a.before)})`
        : `${shown(a.before)} → ${shown(a.after)}`;
  return `${indent}- ${code(a.path || "(value)")}: ${change}${a.forcesReplacement ? " **(forces replacement)**" : ""}`;
}

export function details(summary: string, body: readonly string[]): string[] {
  return ["<details>", `<summary>${summary}</summary>`, "", ...body, "", "</details>", ""];
}

/** Counts as "4 to create, 1 to update, 2 to import", zero counts left out. */
export function countsText(counts: { create: number; update: number; replace: number; delete: number; forget?: number; read?: number; import?: number; move?: number; other?: number }): string {
  const parts = [
    counts.create && `${counts.create} to create`,
    counts.update && `${counts.update} to update`,
    counts.replace && `${counts.replace} to replace`,
    counts.delete && `${counts.delete} to destroy`,
    counts.forget && `${counts.forget} to forget`,
    counts.read && `${counts.read} to read`,
    counts.import && `${counts.import} to import`,
    counts.move && `${counts.move} to move`,
    counts.other && `${counts.other} other (see the list)`,
  ].filter((p): p is string => typeof p === "string");
  return parts.join(", ");
}

/** Appends many lines without spreading them into one call (a spread of 100,000 arguments overflows the stack). */
export function append(lines: string[], more: Iterable<string>): void {
  for (const line of more) lines.push(line);
}
