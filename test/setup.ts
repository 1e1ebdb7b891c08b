import { Testing } from "cdktf";
import { skipTokenCreationTraces } from "../stacks/token-traces";
// Brings the matcher typings (toHaveResourceWithProperties, ...) that setupJest registers at run time.
import type {} from "cdktf/lib/testing/adapters/jest";

Testing.setupJest();
// As the app does (main.ts): synthesis without a stack trace captured per token, a fifth of its CPU. Errors keep theirs.
skipTokenCreationTraces();
