// The forgejo-k8s-runners stack run offline with its Pulumi.dev.yaml: what it renders, strict
// schemas, Pod Security restricted, the isolation audit, its pools, and bad settings refused with
// the key a user sets and the fix.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { kubernetesObjects, renderStack, type RenderedStack } from "../src/offline/render-stack.ts";
import { auditableObjects } from "../src/cli/audit.ts";
import { auditFleet } from "../src/audit/fleet-audit.ts";
import { createSchemaLoader } from "../src/audit/schema/schema-loader.ts";
import { validateDocuments } from "../src/audit/schema/validate-documents.ts";
import { changedPaths, editedStackConfig, KUBERNETES_SCHEMAS, REPO } from "./helpers.ts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Runners = Obj[];
const STACK = join(REPO, "infra/pulumi/forgejo-k8s-runners");
const PROJECT = "forgejo-k8s-runners";
const NETWORK = { podCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", nodeCidrs: ["192.168.0.0/16"] };
const render = (configFile?: string) => renderStack(STACK, configFile ? { stack: "dev", configFile } : { stack: "dev" });
const edited = (edit: (c: Record<string, unknown>) => void) => editedStackConfig(STACK, "dev", edit);
const objectsOf = (r: RenderedStack) => new Map((kubernetesObjects(r) as Obj[]).map((o) => [`${o["kind"]}/${o["metadata"].name}`, o]));
const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO, "bin/runner-fleet.js"), ...args], { cwd: REPO, encoding: "utf8" });

/** Asserts that rendering refuses with an issue at `path` whose message and fix match. */
async function refuses(file: string, path: string, message: RegExp, fix: RegExp): Promise<void> {
  await assert.rejects(render(file), (e: Error) => {
    assert.equal(e.name, "ConfigError", e.message);
    const line = e.message.split("\n").find((l) => l.includes(`${path}: `));
    assert.ok(line, `no issue at ${path} in:\n${e.message}`);
    assert.match(line, message);
    assert.match(line.slice(line.indexOf("Fix: ")), fix);
    return true;
  });
}

describe("forgejo-k8s-runners stack (offline, Pulumi.dev.yaml)", async () => {
  const base = await render();
  const objects = objectsOf(base);
  const build = objects.get("Deployment/build-forgejo-runner")!;
  const pod = build["spec"].template.spec as Obj;

  it("creates a ConfigMap and a Deployment per runner and the three NetworkPolicies, inside the component; no Secret, claim or namespace", () => {
    assert.deepEqual([...objects.keys()].sort(), [
      "ConfigMap/build-forgejo-runner-config",
      "ConfigMap/lint-forgejo-runner-config",
      "Deployment/build-forgejo-runner",
      "Deployment/lint-forgejo-runner",
      "NetworkPolicy/forgejo-runner-allow-dns-egress",
      "NetworkPolicy/forgejo-runner-allow-https-egress-public",
      "NetworkPolicy/forgejo-runner-default-deny-all",
    ]);
    assert.equal(base.resources[0]!.type, "runner-fleet:kubernetes:KubernetesRunners");
    for (const r of base.resources) assert.doesNotMatch(r.type, /Secret|PersistentVolumeClaim|Namespace/);
    assert.deepEqual(base.outputs["deployments"], ["build-forgejo-runner", "lint-forgejo-runner"]);
  });

  it("exports runnerPools: the label names runs-on matches, min = max = replicas, persistent, container isolation", () => {
    assert.deepEqual(base.outputs["runnerPools"], [
      { name: "build-forgejo-runner", forge: "forgejo", substrate: "kubernetes-deployment", labels: ["k8s", "alpine-3"], min: 2, max: 2, oneJob: false, isolation: "container", registration: { url: "https://code.example.com" } },
      { name: "lint-forgejo-runner", forge: "forgejo", substrate: "kubernetes-deployment", labels: ["lint"], min: 1, max: 1, oneJob: false, isolation: "container", registration: { url: "https://code.example.com" } },
    ]);
  });

  it("registers in an init container with the token read from the existing Secret's mounted file, never an env var", () => {
    const [init] = pod["initContainers"] as Obj[];
    assert.equal(init!["name"], "register");
    assert.equal(init!["image"], "code.forgejo.org/forgejo/runner:12.6.4");
    assert.match(init!["command"][2], /forgejo-runner register --no-interactive --config "\$CONFIG_FILE" --instance "\$FORGEJO_INSTANCE_URL" --token "\$token" --name "\$RUNNER_NAME" --labels "\$RUNNER_LABELS"/);
    const env = Object.fromEntries((init!["env"] as Obj[]).map((e) => [e["name"], e["value"] ?? e["valueFrom"]]));
    assert.deepEqual(env["RUNNER_NAME"], { fieldRef: { fieldPath: "metadata.name" } });
    assert.equal(env["FORGEJO_INSTANCE_URL"], "https://code.example.com");
    assert.equal(env["RUNNER_LABELS"], "k8s:host,alpine-3:host");
    assert.ok((init!["env"] as Obj[]).every((e) => e["valueFrom"]?.secretKeyRef === undefined), "no token in the environment");
    const secret = (pod["volumes"] as Obj[]).find((v) => v["secret"]);
    assert.deepEqual(secret!["secret"], { secretName: "forgejo-runner-registration", items: [{ key: "token", path: "token" }], defaultMode: 0o440 });
    assert.ok(!(pod["containers"][0]["volumeMounts"] as Obj[]).some((m) => m["name"] === secret!["name"]), "the daemon never sees the token");
  });

  it("runs forgejo-runner daemon with the rendered config.yaml, whose keys are forgejo-runner's", () => {
    const runner = pod["containers"][0] as Obj;
    assert.deepEqual(runner["command"], ["forgejo-runner", "daemon", "--config", "/etc/forgejo-runner/config.yaml"]);
    const config = parse(objects.get("ConfigMap/build-forgejo-runner-config")!["data"]["config.yaml"]) as Obj;
    assert.deepEqual(Object.keys(config), ["log", "runner", "cache", "container", "host"]);
    assert.equal(config["runner"].file, "/data/.runner");
    assert.equal(config["runner"].capacity, 1);
    assert.deepEqual(config["runner"].labels, ["k8s:host", "alpine-3:host"]);
    assert.equal(config["container"].docker_host, "-");
    assert.equal(config["container"].privileged, false);
  });

  it("every object passes the strict Kubernetes schemas", async () => {
    const loader = createSchemaLoader({ locations: [KUBERNETES_SCHEMAS], kubernetesVersion: "1.32.2" });
    const results = await validateDocuments([...objects.values()].map((doc, index) => ({ file: "stack", index, doc })), loader);
    assert.equal(results.length, 7);
    for (const r of results) assert.deepEqual(r.errors, [], `${r.kind}/${r.name}`);
  });

  it("every pod template meets Pod Security restricted with no finding, and every isolation claim holds", () => {
    const audit = auditFleet(auditableObjects(base), NETWORK);
    assert.deepEqual(audit.podSecurity.map((p) => [p.pod, p.level, p.restricted.length, p.hardening.length]), [
      ["forgejo-runners/Deployment/build-forgejo-runner", "restricted", 0, 0],
      ["forgejo-runners/Deployment/lint-forgejo-runner", "restricted", 0, 0],
    ]);
    assert.ok(audit.pass, JSON.stringify(audit.isolation, null, 1).slice(0, 2000));
    assert.equal(pod["securityContext"].runAsNonRoot, true);
    assert.equal(pod["securityContext"].seccompProfile.type, "RuntimeDefault");
    for (const c of [...(pod["initContainers"] as Obj[]), ...(pod["containers"] as Obj[])]) {
      assert.deepEqual(c["securityContext"], { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } }, c["name"]);
    }
  });

  it("the CLI renders, validates strictly and audits the stack with no flags", () => {
    const out = join(mkdtempSync(join(tmpdir(), "rf-forgejo-k8s-")), "render");
    const r = cli("render", "infra/pulumi/forgejo-k8s-runners", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    const v = cli("validate", out);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /7 valid, 0 invalid/);
    const a = cli("audit", "infra/pulumi/forgejo-k8s-runners");
    assert.equal(a.status, 0, a.stdout + a.stderr);
    assert.match(a.stdout, /build-forgejo-runner\s+restricted\s+0/);
    assert.match(a.stdout, /audit: every claim holds/);
  });

  it("changing one runner's capacity changes only its config.yaml", async () => {
    const r = objectsOf(await render(edited((c) => { (c[`${PROJECT}:runners`] as Runners)[0]!["capacity"] = 3; })));
    for (const [id, obj] of objects) {
      const changed = changedPaths(obj, r.get(id));
      assert.deepEqual(changed, id === "ConfigMap/build-forgejo-runner-config" ? ["data.config.yaml"] : [], id);
    }
  });

  it("networkPolicies: false renders no NetworkPolicy and leaves the runners unchanged", async () => {
    const r = objectsOf(await render(edited((c) => { c[`${PROJECT}:networkPolicies`] = false; })));
    assert.deepEqual([...r.keys()].filter((k) => k.startsWith("NetworkPolicy/")), []);
    assert.deepEqual(changedPaths(build, r.get("Deployment/build-forgejo-runner")), []);
  });

  it("a forge on a private address and another port gets one more policy: that address on that port, and every claim still holds", async () => {
    const rendered = await render(edited((c) => { c[`${PROJECT}:forgejoUrl`] = "https://192.168.1.10:3000"; }));
    const r = objectsOf(rendered);
    const forge = r.get("NetworkPolicy/forgejo-runner-allow-forge-egress") as Obj | undefined;
    assert.ok(forge, "an allow-forge-egress policy");
    assert.deepEqual(forge["spec"].egress, [{ to: [{ ipBlock: { cidr: "192.168.1.10/32" } }], ports: [{ protocol: "TCP", port: 3000 }] }]);
    const audit = auditFleet(auditableObjects(rendered), NETWORK);
    assert.ok(audit.pass, "the forge's own address is the only private address the runners reach");
    const byName = objectsOf(await render(edited((c) => { c[`${PROJECT}:forgejoUrl`] = "https://forgejo.lan"; c[`${PROJECT}:forgeCidrs`] = ["10.0.5.0/24"]; })));
    assert.deepEqual((byName.get("NetworkPolicy/forgejo-runner-allow-forge-egress") as Obj)["spec"].egress[0].to, [{ ipBlock: { cidr: "10.0.5.0/24" } }]);
    assert.equal(objects.has("NetworkPolicy/forgejo-runner-allow-forge-egress"), false, "a public forge on 443 needs no extra policy");
  });

  it("extraEgress adds one policy per entry, named after it, after the forge's; the runners stay unchanged and every claim holds", async () => {
    const rendered = await render(edited((c) => { c[`${PROJECT}:extraEgress`] = [{ name: "models", cidr: "10.0.7.0/24", ports: [{ port: 11434 }] }]; }));
    const r = objectsOf(rendered);
    assert.deepEqual([...r.keys()].filter((k) => !objects.has(k)), ["NetworkPolicy/forgejo-runner-allow-egress-models"]);
    for (const [id, obj] of objects) assert.deepEqual(changedPaths(obj, r.get(id)), [], id);
    assert.deepEqual(r.get("NetworkPolicy/forgejo-runner-allow-egress-models")!["spec"].egress, [{ to: [{ ipBlock: { cidr: "10.0.7.0/24" } }], ports: [{ protocol: "TCP", port: 11434 }] }]);
    assert.ok(auditFleet(auditableObjects(rendered), NETWORK).isolation.pass);
    await refuses(edited((c) => { c[`${PROJECT}:networkPolicies`] = false; c[`${PROJECT}:extraEgress`] = [{ name: "models", cidr: "10.0.7.0/24", ports: [{ port: 11434 }] }]; }),
      "extraEgress", /lists destinations while networkPolicies is false/, /remove extraEgress, or remove networkPolicies: false/);
  });

  it("another registration Secret changes only the Secret reference", async () => {
    const r = objectsOf(await render(edited((c) => { c[`${PROJECT}:registrationSecretName`] = "runner-token"; c[`${PROJECT}:registrationSecretKey`] = "forgejo"; })));
    assert.deepEqual(changedPaths(build, r.get("Deployment/build-forgejo-runner")), [
      "spec.template.spec.volumes[3].secret.items[0].key",
      "spec.template.spec.volumes[3].secret.secretName",
    ]);
  });

  it("refuses a docker:// label under Pod Security restricted, explaining the :host label and the named relaxation", async () => {
    await refuses(edited((c) => { (c[`${PROJECT}:runners`] as Runners)[0]!["labels"] = ["k8s:host", "node:docker://node:22.12.0-bookworm"]; }),
      "runners[0].labels[1]", /runs jobs in Docker containers, which a Pod Security restricted pod cannot host/, /"node:host".*relax\.dockerHost/);
  });

  it("accepts a docker:// label with relax.dockerHost, handing that daemon to the runner", async () => {
    const r = objectsOf(await render(edited((c) => {
      const runner = (c[`${PROJECT}:runners`] as Runners)[0]!;
      runner["labels"] = ["node:docker://node:22.12.0-bookworm"];
      runner["relax"] = { dockerHost: "tcp://docker.ci.svc.cluster.local:2376" };
    })));
    const config = parse(r.get("ConfigMap/build-forgejo-runner-config")!["data"]["config.yaml"]) as Obj;
    assert.equal(config["container"].docker_host, "tcp://docker.ci.svc.cluster.local:2376");
  });

  it("refuses a label that is not in Forgejo form", async () => {
    await refuses(edited((c) => { (c[`${PROJECT}:runners`] as Runners)[0]!["labels"] = ["ubuntu-latest"]; }), "runners[0].labels[0]", /has no execution kind/, /<name>:host/);
  });

  it("refuses a plain-http forgejoUrl without allowInsecureHttp, and accepts it with the opt-in", async () => {
    await refuses(edited((c) => { c[`${PROJECT}:forgejoUrl`] = "http://forgejo.lan"; }), "forgejoUrl", /plain http/, /allowInsecureHttp: true/);
    const r = objectsOf(await render(edited((c) => { c[`${PROJECT}:forgejoUrl`] = "http://forgejo.lan"; c[`${PROJECT}:allowInsecureHttp`] = true; })));
    const init = r.get("Deployment/build-forgejo-runner")!["spec"].template.spec.initContainers[0] as Obj;
    assert.equal((init["env"] as Obj[])[0]!["value"], "http://forgejo.lan");
  });

  it("refuses a forgejoUrl with credentials, never quoting them", async () => {
    await refuses(edited((c) => { c[`${PROJECT}:forgejoUrl`] = "https://user:CANARYpw@code.example.com"; }), "forgejoUrl", /a URL with credentials\); its value is not shown/, /remove the credentials/);
    await assert.rejects(render(edited((c) => { c[`${PROJECT}:forgejoUrl`] = "https://user:CANARYpw@code.example.com"; })), (e: Error) => !e.message.includes("CANARY"));
  });

  it("refuses a forgejoUrl with a query, an unpinned image and a bad registration Secret name, all at once", async () => {
    const file = edited((c) => {
      c[`${PROJECT}:forgejoUrl`] = "https://code.example.com/?tab=actions";
      (c[`${PROJECT}:runners`] as Runners)[1]!["image"] = "code.forgejo.org/forgejo/runner:latest";
      c[`${PROJECT}:registrationSecretName`] = "Not_A_Name";
    });
    await refuses(file, "forgejoUrl", /has a query or fragment/, /https base URL of your Forgejo instance/);
    await refuses(file, "runners[1].image", /floating tag latest/, /pin the image/);
    await refuses(file, "registrationSecretName", /not a DNS-1123 label/, /lower-case letters/);
  });

  it("refuses a missing forgejoUrl, an unknown setting and a misspelt runner key, naming each", async () => {
    await refuses(edited((c) => { delete c[`${PROJECT}:forgejoUrl`]; }), "forgejoUrl", /is required and not set/, /pulumi config set forgejoUrl/);
    await refuses(edited((c) => { c[`${PROJECT}:runnerz`] = []; }), "runnerz", /is not a setting of forgejo-k8s-runners/, /did you mean runners\?/);
    await refuses(edited((c) => { (c[`${PROJECT}:runners`] as Runners)[0]!["capcity"] = 2; }), "runners[0].capcity", /not a known key/, /did you mean capacity\?/);
  });

  it("refuses capacity and replicas out of bounds", async () => {
    await refuses(edited((c) => { (c[`${PROJECT}:runners`] as Runners)[0]!["capacity"] = 0; }), "runners[0].capacity", /0 is less than the minimum of 1/, /raise replicas/);
    await refuses(edited((c) => { (c[`${PROJECT}:runners`] as Runners)[1]!["replicas"] = -1; }), "runners[1].replicas", /not a whole number from 0 to 1000/, /set replicas to 0/);
  });
});
