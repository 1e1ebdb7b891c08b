import { Testing } from "cdktf";
import { environments } from "../../environments";
import { createPlatform } from "../../stacks/platform";

/** Whole environments as Terraform JSON: any change to what an environment deploys shows up here for review. */
describe.each(["dev", "prod"])("%s environment", (name) => {
  const env = environments.find((e) => e.name === name)!;
  it.each(Object.values(createPlatform(Testing.app(), env)).map((s) => [s.node.id, s] as const))("%s matches its snapshot", (_, stack) => {
    expect(Testing.synth(stack)).toMatchSnapshot();
  });
});
