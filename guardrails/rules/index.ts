import type { Rule } from "../rule";

/** Every rule, by area. New rule files are added here. */
export const ALL_RULES: readonly Rule[] = [];
