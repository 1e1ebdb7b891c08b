import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { environmentInputs } from "../../environments/inputs";
import { synthesizePlatform } from "../../stacks/synthesize";

/**
 * Whole environments exactly as `npm run synth` writes them (cross-stack references resolved):
 * any change to what an environment deploys shows up here for review.
 */
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-snapshot-"));
const stackIds = synthesizePlatform(environmentInputs, { outdir });
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe.each(["dev", "prod"])("%s environment", (name) => {
  it.each(stackIds.filter((id) => id.startsWith(`${name}-`)))("%s matches its snapshot", (id) => {
    const json: unknown = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8"));
    expect(json).toMatchSnapshot();
  });
});
