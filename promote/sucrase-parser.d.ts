/** The parts of sucrase's parser (a dev dependency, also jest's TypeScript transform) the environment editor uses. */
declare module "sucrase/dist/parser" {
  export function parse(input: string, isJSXEnabled: boolean, isTypeScriptEnabled: boolean, isFlowEnabled: boolean): { tokens: { type: number; start: number; end: number }[] };
}
declare module "sucrase/dist/parser/tokenizer/types" {
  export function formatTokenType(type: number): string;
}
