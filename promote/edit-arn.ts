/**
 * Changes the model package an endpoint serves in an environment file, by its syntax: the file is tokenized as
 * TypeScript (sucrase's parser), object and array literals are followed from `serving` to `endpoints` to the
 * endpoint whose `name` is the one asked for, and only the string literal of its `model.modelPackageArn` is
 * replaced. Comments, formatting and every other value stay as they are.
 */
import { parse } from "sucrase/dist/parser";
import { formatTokenType } from "sucrase/dist/parser/tokenizer/types";
import { PromotionError } from "./errors";

interface Frame {
  /** The property whose value this literal is (`undefined` for an array element or a literal that is no value). */
  readonly key: string | undefined;
  readonly kind: "{" | "[";
  /** String literal properties of an object literal: key -> the string token's range. */
  readonly strings: Map<string, { start: number; end: number }>;
  readonly parent: Frame | undefined;
}

interface Candidate {
  readonly arn: { start: number; end: number };
  /** The endpoint object literal (the element of `endpoints`) the `model` is in. */
  readonly endpoint: Frame;
}

/** The keys from the outermost literal down to `frame`. */
function pathOf(frame: Frame | undefined): (string | undefined)[] {
  const path: (string | undefined)[] = [];
  for (let f = frame; f; f = f.parent) path.unshift(f.key);
  return path;
}

const unquote = (text: string) => text.slice(1, -1);

/**
 * The source with `serving.endpoints[name=endpoint].model.modelPackageArn` set to `arn`, and the ARN it replaced.
 * Refuses (PromotionError) when there is not exactly one such literal string.
 */
export function replaceServedArn(source: string, fileName: string, endpoint: string, arn: string): { text: string; previous: string } {
  let tokens;
  try {
    tokens = parse(source, false, true, false).tokens;
  } catch (error) {
    throw new PromotionError(`${fileName} does not parse as TypeScript (${(error as Error).message}); fix it before promoting`);
  }
  const candidates: Candidate[] = [];
  let frame: Frame | undefined;
  let pendingKey: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const type = formatTokenType(tokens[i].type);
    const text = source.slice(tokens[i].start, tokens[i].end);
    const next = tokens[i + 1] ? formatTokenType(tokens[i + 1].type) : "";
    if ((type === "name" || type === "string") && next === ":" && frame?.kind === "{") {
      const key = type === "string" ? unquote(text) : text;
      const value = tokens[i + 2];
      if (value && formatTokenType(value.type) === "string") {
        frame.strings.set(key, { start: value.start, end: value.end });
        const path = pathOf(frame);
        if (key === "modelPackageArn" && path.at(-1) === "model" && path.at(-3) === "endpoints" && path.at(-4) === "serving" && frame.parent?.parent) {
          candidates.push({ arn: { start: value.start, end: value.end }, endpoint: frame.parent });
        }
      }
      pendingKey = key;
      i += 1; // the colon
      continue;
    }
    if (type === "{" || type === "[" || type === "${") {
      frame = { key: type === "${" ? undefined : pendingKey, kind: type === "[" ? "[" : "{", strings: new Map(), parent: frame };
      pendingKey = undefined;
    } else if (type === "}" || type === "]") {
      frame = frame?.parent;
      pendingKey = undefined;
    } else if (type === ",") {
      pendingKey = undefined;
    }
  }
  const matches = candidates.filter((c) => {
    const name = c.endpoint.strings.get("name");
    return name !== undefined && unquote(source.slice(name.start, name.end)) === endpoint;
  });
  if (matches.length !== 1) {
    const names = [...new Set(candidates.map((c) => c.endpoint.strings.get("name")).filter((n) => n !== undefined).map((n) => unquote(source.slice(n!.start, n!.end))))];
    throw new PromotionError(
      matches.length === 0
        ? `${fileName} has no serving endpoint "${endpoint}" with a literal model.modelPackageArn (endpoints with one: ${names.join(", ") || "none"}); a first version, or an ARN built in code, is set by hand`
        : `${fileName} has ${matches.length} serving endpoints named "${endpoint}"; names are unique, fix the file`,
    );
  }
  const { start, end } = matches[0].arn;
  const literal = source.slice(start, end);
  const quote = literal[0];
  return { text: `${source.slice(0, start)}${quote}${arn}${quote}${source.slice(end)}`, previous: unquote(literal) };
}
