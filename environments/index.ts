import { environmentInputs } from "./inputs";
import { parseEnvironments } from "./schema";

export * from "./api";
export { environmentInputs } from "./inputs";

/** The shipped environments, validated. Importing this module throws if any of them is invalid. */
export const environments = parseEnvironments(environmentInputs);
