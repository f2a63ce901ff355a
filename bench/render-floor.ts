// The floor for the render benchmark: the same Kubernetes objects registered directly with the
// Pulumi SDK under the same mocks, with no runner-fleet code. Usage: node bench/render-floor.ts objects.json
//
// Like bin/runner-fleet.js, it enables Node's compile cache before loading the SDK, so that both
// sides of the comparison load the same modules the same way.
import module from "node:module";
import { readFileSync } from "node:fs";
import type * as K8s from "@pulumi/kubernetes";

module.enableCompileCache?.();
const pulumi = await import("@pulumi/pulumi");
const k8s = await import("@pulumi/kubernetes");

const objects = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as { kind: string; metadata: { name: string } }[];
let count = 0;
await pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      count++;
      return { id: `${a.name}-id`, state: a.inputs };
    },
    call: (a) => a.inputs,
  },
  "gh-runner",
  "bench",
  false,
);
for (const o of objects) {
  if (o.kind === "ConfigMap") new k8s.core.v1.ConfigMap(o.metadata.name, o as K8s.core.v1.ConfigMapArgs);
  else new k8s.apps.v1.Deployment(o.metadata.name, o as K8s.apps.v1.DeploymentArgs);
}
await pulumi.runtime.disconnect();
process.stdout.write(`${count} resources registered\n`);
