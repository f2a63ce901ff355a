// The floor for the render benchmark: the same Kubernetes objects registered directly with the
// Pulumi SDK under the same mocks, with no runner-fleet code. Usage: node bench/render-floor.ts objects.json
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

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
  if (o.kind === "ConfigMap") new k8s.core.v1.ConfigMap(o.metadata.name, o as k8s.core.v1.ConfigMapArgs);
  else new k8s.apps.v1.Deployment(o.metadata.name, o as k8s.apps.v1.DeploymentArgs);
}
await pulumi.runtime.disconnect();
process.stdout.write(`${count} resources registered\n`);
