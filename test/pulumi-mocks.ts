// Shared harness for component tests: Pulumi mocks that record every registered resource.
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

export interface RecordingMocks {
  /** Every resource registered so far, in registration order (clear with `length = 0`). */
  readonly registered: Registered[];
  /** Every provider function call so far. */
  readonly calls: { token: string; inputs: Record<string, unknown> }[];
}

export interface MockOptions {
  /** Extra output state for a registered resource (e.g. an ARN), merged over its inputs. */
  readonly state?: (r: Registered) => Record<string, unknown> | undefined;
  /** Result of a provider function call; default: its inputs. */
  readonly call?: (token: string, inputs: Record<string, unknown>) => Record<string, unknown> | undefined;
}

/** Installs recording mocks for `project` (stack `test`, not a preview). Call it in `before`. */
export async function recordingMocks(project: string, opts: MockOptions = {}): Promise<RecordingMocks> {
  const mocks: RecordingMocks = { registered: [], calls: [] };
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        const r: Registered = { type: a.type, name: a.name, inputs: a.inputs as Record<string, unknown> };
        mocks.registered.push(r);
        return { id: `${a.name}-id`, state: { ...a.inputs, ...opts.state?.(r) } };
      },
      call: (a) => {
        const inputs = a.inputs as Record<string, unknown>;
        mocks.calls.push({ token: a.token, inputs });
        return opts.call?.(a.token, inputs) ?? inputs;
      },
    },
    project,
    "test",
    false,
  );
  return mocks;
}

/** The value of an Output, once known. */
export const promiseOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((res) => o.apply((v) => { res(v); return v; }));

/** Waits until every given resource has its URN, so its inputs are recorded. */
export async function settled(...resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(resources.map((r) => promiseOf(r.urn)));
}

/** Pulumi's marker of a secret value in serialised inputs. */
export const SECRET_SIG = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" } as const;

/** True for a value Pulumi serialised as a secret. */
export const isSecretEnvelope = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG.key] === SECRET_SIG.value;
