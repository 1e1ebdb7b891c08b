import { skipTokenCreationTraces } from "../../stacks/token-traces";

describe("skipTokenCreationTraces", () => {
  const original = Error.prepareStackTrace;
  const originalCapture = Error.captureStackTrace;
  afterEach(() => {
    Error.prepareStackTrace = original;
    Error.captureStackTrace = originalCapture;
    delete process.env.MLOPS_TOKEN_TRACES;
  });

  const traceOf = (target: { stack?: string }): string | undefined => {
    Error.captureStackTrace(target);
    return target.stack;
  };

  it("skips the traces cdktf records on plain objects, and keeps every Error's stack", () => {
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    skipTokenCreationTraces();
    expect(traceOf({ stack: "" })).toBe("");
    const captured = new Error("captured later");
    Error.captureStackTrace(captured);
    expect(captured.stack).toMatch(/^Error: captured later\n {4}at /);
    const stack = new Error("boom").stack!;
    expect(stack.split("\n")[0]).toBe("Error: boom");
    expect(stack).toMatch(/\n {4}at .*token-traces\.test\.ts/);
  });

  it("keeps a formatter installed before it (such as source maps) for errors", () => {
    Error.prepareStackTrace = () => "formatted elsewhere";
    skipTokenCreationTraces();
    expect(new Error("boom").stack).toBe("formatted elsewhere");
    expect(traceOf({ stack: "" })).toBe("");
  });

  it("changes nothing with MLOPS_TOKEN_TRACES=1", () => {
    const before = (Error.prepareStackTrace = () => "unchanged");
    process.env.MLOPS_TOKEN_TRACES = "1";
    skipTokenCreationTraces();
    expect(Error.prepareStackTrace).toBe(before);
    expect(Error.captureStackTrace).toBe(originalCapture);
  });
});
