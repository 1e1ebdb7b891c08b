import fc from "fast-check";
import { LOG_RETENTION_DAYS } from "../../constructs/core/aws-regions";
import { dev } from "../../environments/dev";
import { formatProblem } from "../../environments/errors";
import { environmentInputs } from "../../environments/inputs";
import { prod } from "../../environments/prod";
import { parseEnvironment, parseEnvironments } from "../../environments/schema";
import { staging } from "../../environments/staging";
import { validEnvironmentInput } from "../support/arbitraries";
import { type Draft, configError, mutated, problemLines, problemLinesOfAll } from "../support/config-errors";

const CIDR_MESSAGE = "must be an IPv4 CIDR such as 10.20.0.0/16 with no host bits set";
const NAME_MESSAGE = "must be 2-12 characters of lowercase letters, digits and inner hyphens, starting with a letter";
const RETENTION_MESSAGE = `CloudWatch Logs allows ${LOG_RETENTION_DAYS.join(", ")} days`;

describe("shipped environments", () => {
  test.each([
    ["dev", dev],
    ["staging", staging],
    ["prod", prod],
  ])("%s parses on its own and comes back unchanged", (_name, input) => {
    expect(parseEnvironment(input)).toEqual(input);
  });

  test("parse together, each in an account of its own, in promotion order", () => {
    const configs = parseEnvironments(environmentInputs);
    expect(configs.map((env) => env.name)).toEqual(environmentInputs.map((input) => (input as { name: string }).name));
    expect(new Set(configs.map((env) => env.account.id)).size).toBe(configs.length);
  });

  test("prod is a protected production environment", () => {
    const config = parseEnvironment(prod);
    expect(config.tier).toBe("production");
    expect(config.protection.enabled).toBe(true);
  });
});

describe("refusals (one mistake in an otherwise valid config)", () => {
  describe("network.vpcCidr", () => {
    test.each(["10.0.0.0/33", "10.0.0.1/16", "not-a-cidr", "10.0.256.0/16", ""])("malformed %j", (vpcCidr) => {
      expect(problemLines(mutated(prod, (c) => (c.network.vpcCidr = vpcCidr)))).toEqual([
        `prod: network.vpcCidr: is ${JSON.stringify(vpcCidr)}; ${CIDR_MESSAGE}`,
      ]);
    });

    test.each([
      ["10.0.0.0/8", 8],
      ["10.0.0.0/15", 15],
      ["10.30.0.0/21", 21],
      ["10.30.0.0/24", 24],
    ])("prefix outside /16-/20: %s", (vpcCidr, prefix) => {
      expect(problemLines(mutated(prod, (c) => (c.network.vpcCidr = vpcCidr)))).toEqual([
        `prod: network.vpcCidr: is a /${prefix}; the VPC must be /16 to /20`,
      ]);
    });

    test.each(["10.30.0.0/16", "10.30.16.0/20"])("prefix at the bounds is accepted: %s", (vpcCidr) => {
      expect(parseEnvironment(mutated(prod, (c) => (c.network.vpcCidr = vpcCidr))).network.vpcCidr).toBe(vpcCidr);
    });

    test("overlapping VPCs of two environments", () => {
      const overlapping = mutated(prod, (c) => (c.network.vpcCidr = "10.10.128.0/17"));
      expect(problemLinesOfAll([dev, overlapping])).toEqual([
        "prod: network.vpcCidr: 10.10.128.0/17 overlaps dev's 10.10.0.0/16; give each environment its own range",
      ]);
    });

    test("adjacent VPCs do not overlap", () => {
      const adjacent = mutated(prod, (c) => (c.network.vpcCidr = "10.11.0.0/16"));
      // Alone, dev shares its registry with nobody here.
      const devAlone = mutated(dev, (c) => (c.data.modelRegistry.consumerAccountIds = [prod.account.id]));
      expect(parseEnvironments([devAlone, adjacent])).toHaveLength(2);
    });
  });

  describe("account", () => {
    test.each(["12345", "1618033988740", "16180339887a", " 161803398874", ""])("id %j is not 12 digits", (id) => {
      expect(problemLines(mutated(prod, (c) => (c.account.id = id)))).toEqual([
        `prod: account.id: is ${JSON.stringify(id)}; must be a 12-digit AWS account id`,
      ]);
    });

    test("unknown region", () => {
      // Zones follow the region so that only the region itself is wrong.
      const input = mutated(prod, (c) => {
        c.account.region = "eu-west-9";
        c.network.availabilityZones = ["eu-west-9a", "eu-west-9b", "eu-west-9c"];
      });
      expect(problemLines(input)).toEqual([
        'prod: account.region: is "eu-west-9"; must be a commercial AWS region such as eu-west-1 (the list: constructs/core/aws-regions.ts)',
      ]);
    });
  });

  describe("network.availabilityZones", () => {
    test("1 zone in an unprotected environment", () => {
      expect(problemLines(mutated(dev, (c) => (c.network.availabilityZones = ["eu-west-1a"])))).toEqual([
        "dev: network.availabilityZones: has 1; an environment needs at least 2",
      ]);
    });

    test("2 zones are enough for an unprotected environment", () => {
      expect(parseEnvironment(dev).network.availabilityZones).toHaveLength(2);
    });

    test("2 zones in a protected environment", () => {
      expect(problemLines(mutated(prod, (c) => (c.network.availabilityZones = ["eu-west-1a", "eu-west-1b"])))).toEqual([
        "prod: network.availabilityZones: has 2; a protected environment needs at least 3",
      ]);
    });

    test("more than 6 zones", () => {
      const zones = [..."abcdefg"].map((letter) => `eu-west-1${letter}`);
      expect(problemLines(mutated(dev, (c) => (c.network.availabilityZones = zones)))).toEqual([
        "dev: network.availabilityZones: lists 7; at most 6 availability zones fit the subnet layout",
      ]);
    });

    test("zone not in the region", () => {
      expect(problemLines(mutated(prod, (c) => (c.network.availabilityZones[2] = "us-east-1c")))).toEqual([
        'prod: network.availabilityZones.2: "us-east-1c" is not an availability zone of eu-west-1 (e.g. eu-west-1a)',
      ]);
    });

    test("zone listed twice", () => {
      expect(problemLines(mutated(prod, (c) => (c.network.availabilityZones[2] = "eu-west-1a")))).toEqual([
        'prod: network.availabilityZones.2: "eu-west-1a" is listed twice',
      ]);
    });

    test("no zone: the environment's minimum says how many", () => {
      expect(problemLines(mutated(dev, (c) => (c.network.availabilityZones = [])))).toEqual([
        "dev: network.availabilityZones: has 0; an environment needs at least 2",
      ]);
    });
  });

  describe("network.interfaceEndpoints", () => {
    test("a name that is no service suffix", () => {
      expect(problemLines(mutated(prod, (c) => c.network.interfaceEndpoints.push("com.amazonaws.eu-west-1.STS")))).toEqual([
        expect.stringMatching(/^prod: network\.interfaceEndpoints\.\d+: is "com\.amazonaws\.eu-west-1\.STS"; it must be a service name suffix such as "sts" or "ecr\.api"$/),
      ]);
    });

    test("a service listed twice, at the second", () => {
      const config = mutated(prod, (c) => c.network.interfaceEndpoints.push(c.network.interfaceEndpoints[0]));
      const last = config.network.interfaceEndpoints.length - 1;
      expect(problemLines(config)).toEqual([`prod: network.interfaceEndpoints.${last}: "${config.network.interfaceEndpoints[0]}" is listed twice`]);
    });
  });

  describe("unknown fields", () => {
    test("typo at top level", () => {
      const input = mutated(prod, (c) => (c.protecton = c.protection));
      expect(problemLines(input)).toEqual([
        'prod: protecton: unknown field "protecton"; allowed: name, tier, account, protection, network, logs, data, training, serving, monitoring, maturity. Did you mean "protection"?',
      ]);
    });

    test("typo natGatewayz in network", () => {
      const input = mutated(prod, (c) => {
        c.network.natGatewayz = c.network.natGateways;
        delete c.network.natGateways;
      });
      const typo = problemLines(input).filter((line) => line.startsWith("prod: network.natGatewayz: "));
      expect(typo).toHaveLength(1);
      expect(typo[0]).toContain('unknown field "natGatewayz"');
      expect(typo[0]).toContain('Did you mean "natGateways"?');
      expect(typo[0]).toBe(
        'prod: network.natGatewayz: unknown field "natGatewayz"; allowed: vpcCidr, availabilityZones, natGateways, interfaceEndpoints. Did you mean "natGateways"?',
      );
    });

    test("a key far from every field gets no suggestion", () => {
      const lines = problemLines(mutated(prod, (c) => (c.logs.owner = "team-ml")));
      expect(lines).toEqual(['prod: logs.owner: unknown field "owner"; allowed: retentionDays.']);
    });
  });

  describe("logs.retentionDays", () => {
    // One rule, the EncryptedLogGroup construct's: what CloudWatch Logs accepts (PutRetentionPolicy), listed.
    test.each([0, -7, 42, 30.5])("%d is not a retention CloudWatch Logs accepts", (days) => {
      expect(problemLines(mutated(prod, (c) => (c.logs.retentionDays = days)))).toEqual([
        `prod: logs.retentionDays: is ${days}; ${RETENTION_MESSAGE}`,
      ]);
    });
  });

  describe("name", () => {
    test("empty: reported as <unnamed environment>", () => {
      expect(problemLines(mutated(prod, (c) => (c.name = "")))).toEqual([
        `<unnamed environment>: name: is ""; ${NAME_MESSAGE}`,
      ]);
    });

    test.each(["Prod", "p", "prod-", "1prod", "prod_1", "production-eu1"])("%j is refused", (name) => {
      expect(problemLines(mutated(prod, (c) => (c.name = name)))).toEqual([
        `${name}: name: is ${JSON.stringify(name)}; ${NAME_MESSAGE}`,
      ]);
    });

    test("duplicate names across environments", () => {
      const second = mutated(prod, (c) => (c.name = "dev"));
      expect(problemLinesOfAll([dev, second])).toEqual([
        'dev: name: "dev" is used by another environment; names must be unique',
      ]);
    });
  });

  describe("protection", () => {
    test("production tier with protection off", () => {
      expect(problemLines(mutated(prod, (c) => (c.protection.enabled = false)))).toEqual([
        "prod: protection.enabled: a production environment must be protected; set it to true",
      ]);
    });

    test("protected environment with a single NAT gateway", () => {
      expect(problemLines(mutated(prod, (c) => (c.network.natGateways = "single")))).toEqual([
        "prod: network.natGateways: a protected environment needs \"perAz\" so one zone failing does not cut the others' egress",
      ]);
    });

    test.each([6, 31, 0, 7.5])("KMS deletion window of %d days", (days) => {
      expect(problemLines(mutated(prod, (c) => (c.protection.kmsKeyDeletionWindowDays = days)))).toEqual([
        `prod: protection.kmsKeyDeletionWindowDays: is ${days}; KMS allows whole days 7-30`,
      ]);
    });

    test.each([7, 30])("KMS deletion window of %d days is accepted", (days) => {
      const config = parseEnvironment(mutated(prod, (c) => (c.protection.kmsKeyDeletionWindowDays = days)));
      expect(config.protection.kmsKeyDeletionWindowDays).toBe(days);
    });
  });

  describe("missing fields and wrong types", () => {
    test("missing account id", () => {
      expect(problemLines(mutated(prod, (c) => delete c.account.id))).toEqual([
        "prod: account.id: is missing; expected a string",
      ]);
    });

    test("missing logs section", () => {
      expect(problemLines(mutated(prod, (c) => delete c.logs))).toEqual(["prod: logs: is missing; expected an object"]);
    });

    test("missing retention", () => {
      expect(problemLines(mutated(prod, (c) => delete c.logs.retentionDays))).toEqual([
        "prod: logs.retentionDays: is missing; expected a number",
      ]);
    });

    test("string where a number is expected", () => {
      expect(problemLines(mutated(prod, (c) => (c.logs.retentionDays = "365")))).toEqual([
        'prod: logs.retentionDays: is "365", a string; expected a number',
      ]);
    });

    test("number where a string is expected", () => {
      expect(problemLines(mutated(prod, (c) => (c.account.id = 161803398874)))).toEqual([
        "prod: account.id: is 161803398874, a number; expected a string",
      ]);
    });

    test("a section that is not an object", () => {
      expect(problemLines(mutated(prod, (c) => (c.network = null)))).toEqual(["prod: network: is null; expected an object"]);
    });
  });
});

describe("every problem is reported at once", () => {
  test("four independent mistakes in one environment", () => {
    const input = mutated(prod, (c) => {
      c.account.id = "1618033988";
      c.network.vpcCidr = "10.30.0.1/16";
      c.network.natGatewayz = c.network.natGateways;
      delete c.network.natGateways;
      c.protection.enabled = false;
    });
    const error = configError(() => parseEnvironment(input));
    const expected = [
      'prod: account.id: is "1618033988"; must be a 12-digit AWS account id',
      `prod: network.vpcCidr: is "10.30.0.1/16"; ${CIDR_MESSAGE}`,
      'prod: network.natGatewayz: unknown field "natGatewayz"; allowed: vpcCidr, availabilityZones, natGateways, interfaceEndpoints. Did you mean "natGateways"?',
      "prod: protection.enabled: a production environment must be protected; set it to true",
    ];
    const lines = error.problems.map(formatProblem);
    expect(lines).toEqual(expect.arrayContaining(expected));
    // The rename also leaves natGateways missing; that is the only other problem.
    expect(lines.filter((line) => !expected.includes(line))).toEqual([expect.stringMatching(/^prod: network\.natGateways: /)]);
    expect(error.message.split("\n")).toEqual(["Invalid environment configuration (5 problems):", ...lines]);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        { environment: "prod", path: "account.id", message: expect.any(String) },
        { environment: "prod", path: "network.vpcCidr", message: `is "10.30.0.1/16"; ${CIDR_MESSAGE}` },
        { environment: "prod", path: "network.natGatewayz", message: expect.stringContaining("unknown field") },
        { environment: "prod", path: "protection.enabled", message: expect.any(String) },
      ]),
    );
  });

  test("problems of several environments and between them, in one error", () => {
    const badStaging = mutated(staging, (c) => (c.account.id = "27182818284"));
    const overlappingProd = mutated(prod, (c) => (c.network.vpcCidr = "10.10.0.0/17"));
    const secondProd = mutated(prod, (c) => (c.network.vpcCidr = "10.40.0.0/16"));
    expect(problemLinesOfAll([dev, badStaging, overlappingProd, secondProd])).toEqual([
      'staging: account.id: is "27182818284"; must be a 12-digit AWS account id',
      "prod: network.vpcCidr: 10.10.0.0/17 overlaps dev's 10.10.0.0/16; give each environment its own range",
      "prod: account.id: 161803398874 is also prod's account; environments collide in one account (feature groups, package groups, the account-wide Glue encryption setting): give each its own",
      'prod: name: "prod" is used by another environment; names must be unique',
    ]);
  });
});

describe("error message format", () => {
  test("a header line, then one `<env>: <path>: <message>` line per problem", () => {
    const input = mutated(dev, (c) => {
      c.account.region = "eu-west-2";
      c.logs.retentionDays = 0;
    });
    const error = configError(() => parseEnvironment(input));
    const [header, ...lines] = error.message.split("\n");
    expect(header).toMatch(/^Invalid environment configuration \(\d+ problems?\):$/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^dev: [\w.]+: \S.*$/);
    expect(error.name).toBe("EnvironmentConfigError");
    expect(error).toBeInstanceOf(Error);
  });

  test("singular header for one problem", () => {
    const error = configError(() => parseEnvironment(mutated(dev, (c) => (c.tier = "qa"))));
    expect(error.message).toBe(
      'Invalid environment configuration (1 problem):\ndev: tier: is "qa"; allowed: "development", "staging", "production"',
    );
  });

  test.each([
    ["a missing name", (c: Draft) => delete c.name, "<unnamed environment>: name: is missing; expected a string"],
    ["a non-string name", (c: Draft) => (c.name = 7), "<unnamed environment>: name: is 7, a number; expected a string"],
  ])("%s is reported as <unnamed environment>", (_what, edit, line) => {
    expect(problemLines(mutated(dev, edit))).toEqual([line]);
  });

  test("a non-object input is reported at the root of an unnamed environment", () => {
    expect(problemLines("dev")).toEqual(['<unnamed environment>: (root): is "dev", a string; expected an object']);
  });
});

describe("properties", () => {
  const notAnAccountId = fc
    .oneof(fc.string(), fc.stringMatching(/^\d{0,11}$/), fc.stringMatching(/^\d{13,20}$/), fc.stringMatching(/^\d{6}[ a-z-]\d{5}$/))
    .filter((id) => !/^\d{12}$/.test(id));

  test("every generated valid config parses and comes back unchanged", () => {
    fc.assert(
      fc.property(validEnvironmentInput, (input) => {
        expect(parseEnvironment(input)).toEqual(input);
      }),
      { numRuns: 100 },
    );
  });

  test("any account id that is not 12 digits is refused at account.id, and nothing else is", () => {
    fc.assert(
      fc.property(validEnvironmentInput, notAnAccountId, (input, id) => {
        const problems = configError(() => parseEnvironment({ ...input, account: { ...input.account, id } })).problems;
        expect(problems).toEqual([
          { environment: input.name, path: "account.id", message: `is ${JSON.stringify(id)}; must be a 12-digit AWS account id` },
        ]);
      }),
      { numRuns: 100 },
    );
  });
});

describe("inputs that are not config objects at all", () => {
  test.each([null, undefined, 5, []])("%p is reported, not crashed on", (input) => {
    expect(problemLines(input)).toEqual([expect.stringMatching(/^<unnamed environment>: \(root\): is .*; expected an object$/)]);
  });

  test("null among valid environments is reported with the others' names intact", () => {
    expect(problemLinesOfAll([dev, null])).toEqual(["<unnamed environment>: (root): is null; expected an object"]);
  });
});

describe("rules between environments see past other problems", () => {
  test("an overlap is reported even when both environments have other mistakes", () => {
    const badDev = mutated(dev, (c) => (c.logs.retentionDays = 42));
    const badProd = mutated(prod, (c) => {
      c.network.vpcCidr = "10.10.0.0/16";
      c.account.id = "1";
    });
    expect(problemLinesOfAll([badDev, badProd])).toEqual(
      expect.arrayContaining([
        "prod: network.vpcCidr: 10.10.0.0/16 overlaps dev's 10.10.0.0/16; give each environment its own range",
        expect.stringMatching(/^dev: logs\.retentionDays: is 42;/),
        expect.stringMatching(/^prod: account\.id: /),
      ]),
    );
  });

  test("octets with leading zeros are refused (some tools read them as octal)", () => {
    expect(problemLines(mutated(prod, (c) => (c.network.vpcCidr = "010.030.0.0/16")))).toEqual([
      `prod: network.vpcCidr: is "010.030.0.0/16"; ${CIDR_MESSAGE}`,
    ]);
  });
});
