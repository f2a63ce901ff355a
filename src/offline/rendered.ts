/** What an offline render produces, and helpers over it (no Pulumi SDK: cheap to import). */
import type { DeployTimeValue } from "../model/deploy-time.ts";

export interface RenderedResource {
  /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** False for component resources (logical groupings that create nothing themselves). */
  readonly custom: boolean;
  /** Inputs with secrets replaced by `[secret]`; for `kubernetes:*` types, the Kubernetes object. */
  readonly inputs: Record<string, unknown>;
}

export interface RenderedStack {
  readonly project: string;
  readonly stack: string;
  readonly resources: readonly RenderedResource[];
  /** Stack outputs exported by the program, secrets masked. */
  readonly outputs: Record<string, unknown>;
  /** Values only a real deployment needs, replaced by marked placeholders in this render. */
  readonly deployTime: readonly DeployTimeValue[];
}

export interface RenderOptions {
  /**
   * Stack name; settings come from `Pulumi.<stack>.yaml`.
   * @default the project's only stack (the one `Pulumi.<stack>.yaml` file); with several, an error lists them
   */
  readonly stack?: string;
  /** Read stack settings from this file instead of `Pulumi.<stack>.yaml` (as `pulumi --config-file`). */
  readonly configFile?: string;
  /**
   * Plain values for secret settings (key without the project prefix), as the Pulumi CLI hands
   * them to the program after decrypting. They are marked secret and masked in the output.
   */
  readonly secretValues?: Readonly<Record<string, string>>;
}

/** True for resources Pulumi creates (not components, not provider instances). */
export function isManifestResource(r: RenderedResource): boolean {
  return r.custom && !r.type.startsWith("pulumi:providers:");
}

/** A Kubernetes object (apiVersion + kind) among a stack's rendered resources, or undefined. */
export function kubernetesObject(r: RenderedResource): Record<string, unknown> | undefined {
  return isManifestResource(r) && typeof r.inputs["apiVersion"] === "string" && typeof r.inputs["kind"] === "string" ? r.inputs : undefined;
}

/** Every Kubernetes object among a stack's rendered resources, in registration order. */
export function kubernetesObjects(rendered: RenderedStack): Record<string, unknown>[] {
  return rendered.resources.map(kubernetesObject).filter((o): o is Record<string, unknown> => o !== undefined);
}

