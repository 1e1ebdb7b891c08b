import { Testing } from "cdktf";
// Brings the matcher typings (toHaveResourceWithProperties, ...) that setupJest registers at run time.
import type {} from "cdktf/lib/testing/adapters/jest";

Testing.setupJest();
