// A generated multi-document manifest of realistic small objects, for the documents benchmark and
// the many-documents test: per namespace a Namespace, NetworkPolicies (default deny, DNS, HTTPS),
// ConfigMaps, Services, hardened Deployments and Pods; every tenth namespace runs a runner
// Deployment, and every 50th workload misses its limits (a hardening finding), as real fleets do.
import { closeSync, openSync, writeSync } from "node:fs";

/** Documents per namespace block. */
export const DOCUMENTS_PER_NAMESPACE = 20;

const POD_SPEC = (indent: string, name: string, container: string, limits: boolean) => `${indent}automountServiceAccountToken: false
${indent}securityContext:
${indent}  runAsNonRoot: true
${indent}  runAsUser: 1001
${indent}  seccompProfile:
${indent}    type: RuntimeDefault
${indent}containers:
${indent}  - name: ${container}
${indent}    image: ghcr.io/example/${name}:1.4.2
${indent}    ports:
${indent}      - name: http
${indent}        containerPort: 8080
${indent}    resources:
${indent}      requests:
${indent}        cpu: 100m
${indent}        memory: 128Mi
${limits ? `${indent}      limits:\n${indent}        cpu: "1"\n${indent}        memory: 512Mi\n` : ""}${indent}    securityContext:
${indent}      allowPrivilegeEscalation: false
${indent}      readOnlyRootFilesystem: true
${indent}      capabilities:
${indent}        drop: [ALL]
`;

/** The documents of namespace block `n`, as YAML texts without separators. */
function namespaceBlock(n: number): string[] {
  const ns = `team-${String(n).padStart(5, "0")}`;
  const docs: string[] = [];
  docs.push(`apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
  labels:
    pod-security.kubernetes.io/enforce: restricted
`);
  docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`);
  docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - { protocol: UDP, port: 53 }
        - { protocol: TCP, port: 53 }
`);
  docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-https-public
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16]
      ports:
        - { protocol: TCP, port: 443 }
`);
  for (let i = 0; i < 5; i++) {
    docs.push(`apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-${i}
  namespace: ${ns}
  labels:
    app.kubernetes.io/part-of: ${ns}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "a,b,c"
  app.properties: |
    server.port=8080
    cache.size=${64 * (i + 1)}
`);
  }
  for (let i = 0; i < 4; i++) {
    docs.push(`apiVersion: v1
kind: Service
metadata:
  name: web-${i}
  namespace: ${ns}
spec:
  selector:
    app: web-${i}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
`);
  }
  for (let i = 0; i < 4; i++) {
    const runner = i === 0 && n % 10 === 0;
    const name = runner ? "runner" : `web-${i}`;
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app: ${name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
${POD_SPEC("      ", name, runner ? "runner" : "app", (n * 7 + i) % 50 !== 0)}`);
  }
  for (let i = 0; i < 3; i++) {
    docs.push(`apiVersion: v1
kind: Pod
metadata:
  name: job-${i}
  namespace: ${ns}
  labels:
    app: job-${i}
spec:
${POD_SPEC("  ", `job-${i}`, "job", true)}`);
  }
  return docs;
}

/**
 * Writes a manifest of `documents` documents (separated by `---`) to `file`; returns its size in
 * bytes. The same `documents` always gives the same file.
 */
export function writeManifestCorpus(file: string, documents: number): number {
  const fd = openSync(file, "w");
  let bytes = 0;
  try {
    let written = 0;
    for (let n = 0; written < documents; n++) {
      const block = namespaceBlock(n).slice(0, documents - written);
      const text = block.map((d) => `---\n${d}`).join("");
      bytes += writeSync(fd, text);
      written += block.length;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
