import { dev } from "./dev";
import { prod } from "./prod";
import { staging } from "./staging";

/** The shipped environments as written, in deployment order. A new environment is added here. */
export const environmentInputs: readonly unknown[] = [dev, staging, prod];
