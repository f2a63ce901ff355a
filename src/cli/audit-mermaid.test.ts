// `audit --format mermaid`: the topology flowchart, read back by Mermaid's own parser (the
// `mermaid` package under jsdom): the nodes, subgraphs and edges it finds are the ones meant, with
// the labels as written, whatever the names hold.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { formatAudit, runAudit } from "./audit.ts";
import { NodeIds, mermaidText } from "./audit-mermaid.ts";
import { TopologyCollector } from "./audit-topology.ts";
import { mermaid, parseFlowchart as parse } from "../../test/mermaid-parser.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
process.chdir(repoRoot);
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidr: ["203.0.113.0/24"], nodeAddress: [] };

async function topology(file: string): Promise<string> {
  const collector = new TopologyCollector();
  const report = await runAudit(`test/fixtures/audit/${file}`, { ...NETWORK, format: "mermaid" }, collector);
  return formatAudit(report, "mermaid", collector);
}

test("the parser is real: a flowchart with an unclosed label is refused", async () => {
  await assert.rejects(() => mermaid.parse('flowchart LR\n  a["open --> b\n'), /Parse error/);
});

test("the topology of a fleet with an open path: forge, namespace with its level, runners, policies, open edges", async () => {
  const text = await topology("claims/label-selected-peers.yaml");
  const { vertices, edges, subgraphs } = await parse(text);
  for (const id of vertices.keys()) assert.match(id, /^[A-Za-z0-9_]+$/);
  assert.equal(vertices.get("forge_forge")?.text, "GitHub (forge)", "the scale set's githubConfigUrl names GitHub");
  const ci = subgraphs.find((s) => s.id === "ns_ci");
  assert.equal(ci?.title, "namespace ci<br>Pod Security enforce=restricted");
  assert.deepEqual(ci?.nodes.filter((n) => n.startsWith("runner_")).sort(), ["runner_ci_AutoscalingRunnerSet_scale_set", "runner_ci_Deployment_runner_small"]);
  assert.ok(ci?.nodes.includes("policies_ci"));
  assert.equal(vertices.get("runner_ci_Deployment_runner_small")?.text, "Deployment runner-small<br>no RuntimeClass (runc)<br>pod meets baseline");
  assert.equal(
    vertices.get("policies_ci")?.text,
    "NetworkPolicies (5)<br>default-deny-all: {} (everything), Ingress and Egress<br>allow-dns: {} (everything), Egress<br>allow-https-public: {} (everything), Egress<br>allow-cache: {} (everything), Egress<br>allow-metrics-scrape: {} (everything), Ingress",
  );
  assert.equal(vertices.get("policies_data")?.text, "NetworkPolicies (2)<br>default-deny-all: {} (everything), Ingress and Egress<br>allow-ci-to-cache: {app=cache, tier=db}, Ingress");
  const small = "runner_ci_Deployment_runner_small";
  const from = (start: string) => edges.filter((e) => e.start === start).map((e) => [vertices.get(e.end)?.text, e.text]);
  assert.deepEqual(from(small), [
    ["pods {k8s-app=kube-dns} in namespace kube-system", "53/UDP, 53/TCP<br>ci/allow-dns egress[0]"],
    ["pods {app=cache} in namespaces {team=data}", "6379/TCP<br>ci/allow-cache egress[0]"],
    ["pods {app=cache, tier=db} in namespace data", "6379/TCP<br>ci/allow-cache egress[0]; data/allow-ci-to-cache ingress[0]"],
    ["a public address (HTTPS)<br>1.1.1.1", "443/TCP<br>ci/allow-https-public egress[0]"],
  ]);
  const into = edges.filter((e) => e.end === small).map((e) => [vertices.get(e.start)?.text, e.text]);
  assert.deepEqual(into, [["pods {app.kubernetes.io/name=prometheus} in namespaces {team=observability}", "9090/TCP<br>ci/allow-metrics-scrape ingress[0]"]]);
  const cacheInData = [...vertices].find(([, v]) => v.text === "pods {app=cache, tier=db} in namespace data")!;
  assert.deepEqual(cacheInData[1].classes, ["lateral"]);
  assert.ok(subgraphs.find((s) => s.id === "ns_data")?.nodes.includes(cacheInData[0]), "a peer of a namespace in the render sits in its subgraph");
  assert.deepEqual([...vertices].find(([, v]) => v.text.startsWith("pods {k8s-app=kube-dns}"))?.[1].classes, ["expected"]);
  const toForge = edges.filter((e) => e.end === "forge_forge");
  assert.deepEqual(toForge.map((e) => [vertices.get(e.start)?.text, e.text, e.stroke]), [["a public address (HTTPS)<br>1.1.1.1", "runners register and take jobs over HTTPS", "dotted"]]);
  assert.match(text, /^ {2}linkStyle (\d+,){4}\d+ stroke:#d32f2f,stroke-width:3px$/m, "the five paths to other namespaces drawn red");
});

test("hostile names stay in their labels: no node, edge or statement is added, no credential printed", async () => {
  const text = await topology("views/hostile-names.yaml");
  assert.ok(!text.includes("ghp_"), "the token-shaped label value is redacted, in labels and ids");
  const { vertices, edges, subgraphs } = await parse(text);
  assert.equal(vertices.size, 4, [...vertices.keys()].join(", "));
  assert.equal(edges.length, 2);
  assert.equal(subgraphs.length, 1);
  for (const id of vertices.keys()) assert.match(id, /^[A-Za-z0-9_]+$/);
  const texts = [...vertices.values()].map((v) => v.text);
  assert.ok(texts.includes('Deployment runner"><img src=x onerror=alert(1)><br>RuntimeClass kata-fc"]; click x call alert(1) %%<br>pod meets baseline'), texts.join("\n"));
  assert.ok(
    texts.includes(`NetworkPolicies (2)<br>deny'"<script>alert(2)</script>: {} (everything), Ingress and Egress<br>allow\`cache|end #35;: {} (everything), Egress`),
    "a line break becomes a space; an entity code in the input stays text",
  );
  assert.ok(texts.some((t) => t === 'pods {app="><svg onload=alert(4)>, token=[credential-shaped value]} in namespaces {team=</td><script>alert(3)</script>}'));
  assert.equal(edges[1]?.type, "arrow_cross", "no public HTTPS: the forge is out of reach");
});

test("node ids: [A-Za-z0-9_] only, unique, stable per key; labels escaped for quotes", () => {
  const ids = new NodeIds();
  assert.equal(ids.id("ns", "a-b"), "ns_a_b");
  assert.equal(ids.id("ns", "a.b"), "ns_a_b_2", "another key that sanitises alike gets its own id");
  assert.equal(ids.id("ns", "a-b"), "ns_a_b", "the same key, the same id");
  assert.equal(ids.id("ns", "end"), "ns_end", "prefixed, so never a keyword");
  assert.equal(mermaidText('a"b<c>&#d`e|f\\g\nh'), "a#quot;b#lt;c#gt;#amp;#35;d#96;e#124;f#92;g h");
});
