import { shippedStackIds, shippedStackJson } from "../support/shipped-synth";

/**
 * Whole environments exactly as `npm run synth` writes them (cross-stack references resolved):
 * any change to what an environment deploys shows up here for review.
 */
describe.each(["dev", "prod"])("%s environment", (name) => {
  it.each(shippedStackIds().filter((id) => id.startsWith(`${name}-`)))("%s matches its snapshot", (id) => {
    expect(shippedStackJson(id)).toMatchSnapshot();
  });
});
