import { dev } from "../../environments/dev";
import { environments } from "../../environments";
import { prod } from "../../environments/prod";
import { mutated, problemLines } from "../support/config-errors";

const GROUP = "data.featureStore.featureGroups.0";
const firstGroup = (c: any) => c.data.featureStore.featureGroups[0];
/** Where a group pushed onto dev's list lands. */
const PUSHED = `data.featureStore.featureGroups.${dev.data.featureStore.featureGroups.length}`;
const FIRST_NAME = `${dev.data.featureStore.featureGroups[0].name}-v${dev.data.featureStore.featureGroups[0].version}`.toLowerCase();

describe("shipped data sections", () => {
  it("keep old feature group versions beside new ones where a consumer may still read them", () => {
    const prodGroups = environments.find((e) => e.name === "prod")!.data.featureStore.featureGroups.map((g) => `${g.name}-v${g.version}`);
    expect(prodGroups).toEqual(["customer-profile-v1", "customer-profile-v2", "transactions-v1"]);
  });

  it("share each registry exactly with the environments that serve its packages (or wait for a first version)", () => {
    for (const source of environments) {
      const consumers = environments.filter(
        (env) =>
          env !== source &&
          env.serving.endpoints.some((e) => e.model === undefined || e.model.modelPackageArn?.split(":")[4] === source.account.id),
      );
      expect([source.name, [...source.data.modelRegistry.consumerAccountIds].sort()]).toEqual([source.name, consumers.map((env) => env.account.id).sort()]);
    }
  });
});

describe("feature group refusals", () => {
  it.each([
    ["two groups with the same name and version", (c: any) => c.data.featureStore.featureGroups.push({ ...firstGroup(c) }),
      [`dev: ${PUSHED}.version: "${FIRST_NAME}" is declared twice (also featureGroups.0); a schema change needs a new version`]],
    ["a record identifier that is not a feature", (c: any) => (firstGroup(c).recordIdentifier = "customer"),
      [`dev: ${GROUP}.recordIdentifier: "customer" is not one of the features (customer_id, event_time, tenure_months, monthly_spend, plan, support_tickets_90d)`]],
    ["an event time that is not a feature", (c: any) => (firstGroup(c).eventTime = "ts"),
      [`dev: ${GROUP}.eventTime: "ts" is not one of the features (customer_id, event_time, tenure_months, monthly_spend, plan, support_tickets_90d)`]],
    ["an Integral event time", (c: any) => (firstGroup(c).eventTime = "tenure_months"),
      [`dev: ${GROUP}.eventTime: "tenure_months" is Integral; SageMaker needs the event time as String (ISO-8601) or Fractional (epoch seconds)`]],
    ["an unknown feature type", (c: any) => (firstGroup(c).features[2].type = "Boolean"),
      [`dev: ${GROUP}.features.2.type: is "Boolean"; allowed: "Integral", "Fractional", "String"`]],
    ["duplicate feature names", (c: any) => firstGroup(c).features.push({ name: "plan", type: "String" }),
      [`dev: ${GROUP}.features.6.name: "plan" is declared twice`]],
    ["a feature name SageMaker rejects", (c: any) => (firstGroup(c).features[4].name = "plan type"),
      [`dev: ${GROUP}.features.4.name: "plan type" must be 1-64 letters and digits, with inner hyphens or underscores`]],
    ["a group name SageMaker rejects", (c: any) => (firstGroup(c).name = "customer_profile"),
      [expect.stringMatching(new RegExp(`^dev: ${GROUP.replace(/\./g, "\\.")}\\.name: "customer_profile" must be letters, digits and inner hyphens, at most \\d+ characters \\(the group's name, "customer_profile-v\\d+", is at most 64\\)$`))]],
    ["a group name too long with its version", (c: any) => (firstGroup(c).name = "c".repeat(62)),
      [expect.stringMatching(new RegExp(`^dev: ${GROUP.replace(/\./g, "\\.")}\\.name: "c{62}" must be letters, digits and inner hyphens, at most 61 characters \\(the group's name, "c{62}-v2", is at most 64\\)`))]],
    ["version 0", (c: any) => (firstGroup(c).version = 0), [`dev: ${GROUP}.version: is 0; it must be a whole number >= 1`]],
    ["no store at all", (c: any) => {
      firstGroup(c).onlineStore = { enabled: false };
      firstGroup(c).offlineStore = false;
    }, [`dev: ${GROUP}.offlineStore: a group needs at least one store; enable the online store, the offline store or both`]],
    ["a zero online TTL", (c: any) => (firstGroup(c).onlineStore.ttlDays = 0), [`dev: ${GROUP}.onlineStore.ttlDays: is 0; it must be a whole number of days >= 1`]],
  ])("refuses %s", (_, edit, expected) => {
    expect(problemLines(mutated(dev, edit))).toEqual(expected);
  });
});

describe("model registry refusals", () => {
  it.each([
    ["a repository listed twice", (c: any) => c.data.modelRegistry.imageRepositories.push("training/pytorch"),
      ['prod: data.modelRegistry.imageRepositories.3: "training/pytorch" is listed twice']],
    ["a repository name ECR rejects", (c: any) => (c.data.modelRegistry.imageRepositories[0] = "Training/PyTorch"),
      ['prod: data.modelRegistry.imageRepositories.0: is "Training/PyTorch"; it must be an ECR repository name: lowercase letters and digits, with single ".", "_" or "-" between them and "/" between path parts, e.g. "training/xgboost"']],
    ["two model package groups with one name", (c: any) => c.data.modelRegistry.modelPackageGroups.push({ name: "churn", description: "again" }),
      ['prod: data.modelRegistry.modelPackageGroups.2.name: "churn" is used by another model package group']],
    ["the environment's own account as a consumer", (c: any) => (c.data.modelRegistry.consumerAccountIds = [c.account.id]),
      ["prod: data.modelRegistry.consumerAccountIds.0: is the registry's own account; list only the accounts models are promoted to (its own principals get access through the grant methods)"]],
    ["a consumer account that is not 12 digits", (c: any) => (c.data.modelRegistry.consumerAccountIds = ["1234"]),
      ['prod: data.modelRegistry.consumerAccountIds.0: is "1234"; it must be a 12-digit AWS account id']],
    ["an unknown tracking server size", (c: any) => (c.data.modelRegistry.experimentTracking.size = "Huge"),
      ['prod: data.modelRegistry.experimentTracking.size: is "Huge"; allowed: "Small", "Medium", "Large"']],
    ["zero retention of artifact versions", (c: any) => (c.data.modelRegistry.artifacts.noncurrentVersionExpirationDays = 0),
      ["prod: data.modelRegistry.artifacts.noncurrentVersionExpirationDays: is 0; it must be a whole number of days, 1 or more"]],
    ["a fractional untagged image expiry", (c: any) => (c.data.modelRegistry.untaggedImageExpiryDays = 1.5),
      ["prod: data.modelRegistry.untaggedImageExpiryDays: is 1.5; it must be a whole number of days, 1 or more"]],
    ["a package group name SageMaker rejects", (c: any) => (c.data.modelRegistry.modelPackageGroups[1].name = "churn_v2"),
      ['prod: data.modelRegistry.modelPackageGroups.1.name: is "churn_v2"; it must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit']],
    ["an MLflow version that is no version", (c: any) => (c.data.modelRegistry.experimentTracking.mlflowVersion = "latest"),
      ['prod: data.modelRegistry.experimentTracking.mlflowVersion: is "latest"; it must be an MLflow version such as "2.16" or "2.16.2"']],
  ])("refuses %s", (_, edit, expected) => {
    expect(problemLines(mutated(prod, edit))).toEqual(expected);
  });
});

describe("what the FeatureGroup construct refuses is refused by the schema first, at the field", () => {
  it.each([
    ["a reserved feature name", (c: any) => (firstGroup(c).features[4].name = "write_time"), `${GROUP}.features.4.name`, /reserved by Feature Store/],
    ["feature names that differ only in case", (c: any) => firstGroup(c).features.push({ name: "Plan", type: "String" }), `${GROUP}.features.6.name`, /declared twice \(as "plan"/],
    ["a TTL on a disabled online store", (c: any) => (firstGroup(c).onlineStore = { enabled: false, ttlDays: 7 }), `${GROUP}.onlineStore.ttlDays`, /onlineStore\.ttlDays: is set but the online store is disabled/],
  ])("%s", (_, edit, path, message) => {
    const lines = problemLines(mutated(dev, edit));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^dev: ${path.replace(/\./g, "\\.")}: `))]);
    expect(lines[0]).toMatch(message);
  });

  it("refuses a transition to Standard-IA before S3's 30 days", () => {
    expect(problemLines(mutated(dev, (c) => (c.data.featureStore.offlineStore.transitionToInfrequentAccessDays = 7)))).toEqual([
      "dev: data.featureStore.offlineStore.transitionToInfrequentAccessDays: is 7; S3 moves objects to STANDARD_IA no earlier than 30 days (a whole number >= 30)",
    ]);
  });

  it("refuses noncurrent offline store versions kept a fraction of a day", () => {
    expect(problemLines(mutated(dev, (c) => (c.data.featureStore.offlineStore.noncurrentVersionExpirationDays = 0.5)))).toEqual([
      "dev: data.featureStore.offlineStore.noncurrentVersionExpirationDays: is 0.5; it must be a whole number of days, 1 or more",
    ]);
  });

  it("judges the feature/model contract past a lifecycle mistake (only a group problem leaves the groups unknown)", () => {
    const churn = dev.data.modelRegistry.modelPackageGroups.findIndex((g) => g.name === "churn");
    const lines = problemLines(
      mutated(dev, (c) => {
        c.data.featureStore.offlineStore.transitionToInfrequentAccessDays = 7;
        c.data.modelRegistry.modelPackageGroups[churn].featureGroups = [{ name: "transactions", version: 7 }];
      }),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^dev: data\.featureStore\.offlineStore\.transitionToInfrequentAccessDays: is 7; /),
      expect.stringMatching(new RegExp(`^dev: data\\.modelRegistry\\.modelPackageGroups\\.${churn}\\.featureGroups\\.0: transactions-v7 is not in this environment's feature store`)),
    ]);
  });

  it("treats group names that differ only in case as the same group", () => {
    const lines = problemLines(mutated(dev, (c) => c.data.featureStore.featureGroups.push({ ...firstGroup(c), name: "Customer-Profile" })));
    expect(lines).toEqual([`dev: ${PUSHED}.version: "Customer-Profile-v${dev.data.featureStore.featureGroups[0].version}" is declared twice (also featureGroups.0); a schema change needs a new version`]);
  });
});

describe("what the model registry refuses is refused by the schema first", () => {
  it("refuses a consumer account listed twice", () => {
    const [first] = dev.data.modelRegistry.consumerAccountIds;
    expect(problemLines(mutated(dev, (c) => c.data.modelRegistry.consumerAccountIds.push(first)))).toEqual([
      `dev: data.modelRegistry.consumerAccountIds.${dev.data.modelRegistry.consumerAccountIds.length}: "${first}" is listed twice`,
    ]);
  });

  it("refuses model package groups whose names differ only in case", () => {
    expect(problemLines(mutated(dev, (c) => c.data.modelRegistry.modelPackageGroups.push({ name: "Churn", description: "again" })))).toEqual([
      'dev: data.modelRegistry.modelPackageGroups.2.name: "Churn" is used by another model package group',
    ]);
  });
});
