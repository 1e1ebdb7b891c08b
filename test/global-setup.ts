import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { environmentInputs } from "../environments/inputs";
import { synthesizePlatform } from "../stacks/synthesize";

/** Synthesizes the shipped environments once, exactly as `npm run synth` does, for every test file that reads them. */
export default function globalSetup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-shipped-synth-"));
  synthesizePlatform(environmentInputs, { outdir: dir });
  process.env.MLOPS_SHIPPED_SYNTH_DIR = dir;
}
