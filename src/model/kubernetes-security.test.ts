// A runner pod's security settings as written: by default laid over the hardened defaults, where a
// written field may only tighten them; exactly as written with relax.securityAsWritten; privileged
// containers, unpinned images and host paths only with their named relaxations. Every refusal is
// named by its key path, with a fix that says how to get what was meant.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configIssueChecks } from "../../test/config-issues.ts";
import { ConfigError } from "./issues.ts";
import { resolveGhRunnerFleet, type GhRunnerFleetInput } from "./gh-runner.ts";
import { renderGhRunnerFleet } from "../render/kubernetes/gh-runner.ts";

const runner = (over: Record<string, unknown> = {}) => ({ name: "build", image: "ghcr.io/acme/runner:2.329.0", ...over });
const fleet = (over: Record<string, unknown> = {}): GhRunnerFleetInput => ({ namespace: "ci", githubRepo: "acme/app", runners: [runner()], ...over }) as GhRunnerFleetInput;
/** A fleet of one runner with `over` written on it. */
const one = (over: Record<string, unknown>) => fleet({ runners: [runner(over)] });
const { issuesOf, expectIssue } = configIssueChecks(resolveGhRunnerFleet, "configuration");

/** The one Deployment a fleet of one runner renders, its pod spec and runner container. */
function deployment(over: Record<string, unknown> = {}) {
  const d = renderGhRunnerFleet(resolveGhRunnerFleet(one(over))).deployments[0]!;
  const pod = d.spec!.template.spec!;
  return { d, pod, container: pod.containers[0]! };
}

const HARDENED_POD = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } };
const HARDENED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const AS_WRITTEN_FIX = /relax\.securityAsWritten: true/;

describe("security settings laid over the hardened defaults", () => {
  it("unset: the hardened pod and container security contexts and no API token, as before", () => {
    const { pod, container } = deployment();
    assert.deepEqual(pod.securityContext, HARDENED_POD);
    assert.deepEqual(container.securityContext, HARDENED_CONTAINER);
    assert.equal(pod.automountServiceAccountToken, false);
  });

  it("pod fields that tighten (another UID, supplementary groups, a Localhost seccomp profile) are rendered over the defaults", () => {
    const written = {
      runAsUser: 1001,
      runAsGroup: 1001,
      fsGroup: 2000,
      runAsNonRoot: true,
      supplementalGroups: [3000, 3001],
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "Localhost", localhostProfile: "profiles/runner.json" },
    };
    const { pod, container } = deployment({ securityContext: written });
    assert.deepEqual(pod.securityContext, { ...HARDENED_POD, ...written });
    // The container's own context is untouched, and the token stays unmounted.
    assert.deepEqual(container.securityContext, HARDENED_CONTAINER);
    assert.equal(pod.automountServiceAccountToken, false);
  });

  it("a single written field changes only that field", () => {
    assert.deepEqual(deployment({ securityContext: { runAsUser: 1001 } }).pod.securityContext, { ...HARDENED_POD, runAsUser: 1001 });
    assert.deepEqual(deployment({ securityContext: { supplementalGroups: [2000] } }).pod.securityContext, { ...HARDENED_POD, supplementalGroups: [2000] });
  });

  it("container fields that tighten or restate a default are rendered over the defaults", () => {
    const written = {
      runAsUser: 1001,
      runAsGroup: 1001,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "Localhost", localhostProfile: "profiles/runner.json" },
    };
    const { pod, container } = deployment({ containerSecurityContext: written });
    assert.deepEqual(container.securityContext, { ...HARDENED_CONTAINER, ...written });
    assert.deepEqual(pod.securityContext, HARDENED_POD);
  });

  it("automountServiceAccountToken: false is the default, written or not", () => {
    assert.equal(deployment({ automountServiceAccountToken: false }).pod.automountServiceAccountToken, false);
  });

  it("the named relaxations still shape the defaults", () => {
    const { pod, container } = deployment({ relax: { writableRootFilesystem: true, allowPrivilegeEscalation: true, addCapabilities: ["NET_BIND_SERVICE"], unconfinedSeccomp: true } });
    assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: true, readOnlyRootFilesystem: false, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } });
    assert.deepEqual(pod.securityContext, { ...HARDENED_POD, seccompProfile: { type: "Unconfined" } });
  });

  it("a privileged runner container with relax.privileged: its security context exactly as written, the pod's still hardened", () => {
    const { pod, container } = deployment({ relax: { privileged: true }, containerSecurityContext: { privileged: true } });
    assert.deepEqual(container.securityContext, { privileged: true });
    assert.deepEqual(pod.securityContext, HARDENED_POD);
    assert.equal(pod.automountServiceAccountToken, false);
  });
});

describe("relax.securityAsWritten: the security settings exactly as written", () => {
  it("nothing written: no pod or container security context and no automountServiceAccountToken at all", () => {
    const { pod, container } = deployment({ relax: { securityAsWritten: true }, sidecars: [{ name: "helper", image: "busybox:1.36" }] });
    assert.ok(!("securityContext" in pod), JSON.stringify(pod.securityContext));
    assert.ok(!("automountServiceAccountToken" in pod));
    assert.ok(!("securityContext" in container), JSON.stringify(container.securityContext));
    assert.ok(!("securityContext" in pod.containers[1]!), JSON.stringify(pod.containers[1]!.securityContext));
  });

  it("written: each context exactly as written, with no hardened default merged in, weakening fields included", () => {
    const podSc = { runAsUser: 0, runAsNonRoot: false, fsGroup: 0 };
    const containerSc = { readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, capabilities: { add: ["SYS_ADMIN"] }, seccompProfile: { type: "Unconfined" } };
    const { pod, container } = deployment({ relax: { securityAsWritten: true }, securityContext: podSc, containerSecurityContext: containerSc, automountServiceAccountToken: true });
    assert.deepEqual(pod.securityContext, podSc);
    assert.deepEqual(container.securityContext, containerSc);
    assert.equal(pod.automountServiceAccountToken, true);
  });

  it("automountServiceAccountToken: false as written", () => {
    assert.equal(deployment({ relax: { securityAsWritten: true }, automountServiceAccountToken: false }).pod.automountServiceAccountToken, false);
  });

  it("the relaxations that are not about security contexts still apply: privileged, unpinned images, host paths", () => {
    const { pod, container } = deployment({
      image: "ghcr.io/acme/runner:latest",
      relax: { securityAsWritten: true, privileged: true, unpinnedImages: true, hostPath: true },
      containerSecurityContext: { privileged: true },
      extraVolumes: [{ name: "sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } }],
    });
    assert.deepEqual(container.securityContext, { privileged: true });
    assert.equal(container.image, "ghcr.io/acme/runner:latest");
    assert.deepEqual(pod.volumes!.at(-1), { name: "sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } });
  });
});

describe("images and host paths: only with their named relaxations", () => {
  it("relax.unpinnedImages: the runner image untagged or :latest, rendered as written", () => {
    assert.equal(deployment({ image: "ghcr.io/acme/runner", relax: { unpinnedImages: true } }).container.image, "ghcr.io/acme/runner");
    assert.equal(deployment({ image: "ghcr.io/acme/runner:latest", relax: { unpinnedImages: true } }).container.image, "ghcr.io/acme/runner:latest");
  });

  it("without it: :latest and an untagged image are refused, naming the relaxation", () => {
    expectIssue(one({ image: "ghcr.io/acme/runner:latest" }), "runners[0].image", /uses the floating tag latest/, /pin the image by a version tag.*relax\.unpinnedImages: true/);
    expectIssue(one({ image: "ghcr.io/acme/runner" }), "runners[0].image", /has no tag or digest/, /relax\.unpinnedImages: true/);
  });

  it("a malformed image is refused even with relax.unpinnedImages, and the fix does not offer the relaxation", () => {
    const input = one({ image: "ghcr.io/acme/runner latest", relax: { unpinnedImages: true } });
    expectIssue(input, "runners[0].image", /malformed/, /write a valid image reference/);
    assert.doesNotMatch(issuesOf(input).find((i) => i.path === "runners[0].image")!.fix, /unpinnedImages/);
  });

  it("relax.hostPath: a hostPath volume rendered exactly as written", () => {
    const sock = { name: "sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } };
    const { pod, container } = deployment({ relax: { hostPath: true }, extraVolumes: [sock], extraVolumeMounts: [{ name: "sock", mountPath: "/var/run/docker.sock" }] });
    assert.deepEqual(pod.volumes!.at(-1), sock);
    assert.deepEqual(container.volumeMounts!.at(-1), { name: "sock", mountPath: "/var/run/docker.sock" });
    // The host path relaxes nothing else.
    assert.deepEqual(container.securityContext, HARDENED_CONTAINER);
  });

  it("without relax.hostPath the hostPath volume is refused at its key path", () => {
    expectIssue(one({ extraVolumes: [{ name: "sock", hostPath: { path: "/var/run/docker.sock" } }] }), "runners[0].extraVolumes[0].hostPath", /node's filesystem/, /relax\.hostPath: true/);
  });
});

describe("a field that weakens a hardened default is refused at its key path, naming the relaxation", () => {
  it("containerSecurityContext: each weakening field", () => {
    const cases: [string, unknown, RegExp][] = [
      ["runAsNonRoot", false, /remove it/],
      ["runAsUser", 0, /non-root UID/],
      ["allowPrivilegeEscalation", true, /relax\.allowPrivilegeEscalation: true/],
      ["readOnlyRootFilesystem", false, /relax\.writableRootFilesystem: true/],
      ["seccompProfile", { type: "Unconfined" }, /relax\.unconfinedSeccomp: true/],
    ];
    for (const [key, value, fix] of cases) {
      const input = one({ containerSecurityContext: { [key]: value } });
      expectIssue(input, `runners[0].containerSecurityContext.${key}`, /weakens the hardened default/, fix);
      expectIssue(input, `runners[0].containerSecurityContext.${key}`, /./, AS_WRITTEN_FIX);
    }
  });

  it("containerSecurityContext.capabilities: adding any, or not dropping ALL", () => {
    for (const capabilities of [{ add: ["NET_ADMIN"], drop: ["ALL"] }, { drop: ["NET_RAW"] }, {}]) {
      expectIssue(one({ containerSecurityContext: { capabilities } }), "runners[0].containerSecurityContext.capabilities", /weakens the hardened default/, /relax\.addCapabilities.*ALL stays dropped/);
    }
  });

  it("securityContext (the pod's): runAsNonRoot false, runAsUser 0, an Unconfined seccomp profile", () => {
    expectIssue(one({ securityContext: { runAsNonRoot: false } }), "runners[0].securityContext.runAsNonRoot", /weakens the hardened default/, /remove it/);
    expectIssue(one({ securityContext: { runAsUser: 0 } }), "runners[0].securityContext.runAsUser", /weakens the hardened default/, /non-root UID/);
    expectIssue(one({ securityContext: { seccompProfile: { type: "Unconfined" } } }), "runners[0].securityContext.seccompProfile", /weakens the hardened default/, /relax\.unconfinedSeccomp: true/);
  });

  it("every weakening field at once: one issue each, in one run", () => {
    const issues = issuesOf(one({ securityContext: { runAsNonRoot: false, runAsUser: 0 }, containerSecurityContext: { readOnlyRootFilesystem: false, allowPrivilegeEscalation: true } }));
    assert.deepEqual(issues.map((i) => i.path).sort(), [
      "runners[0].containerSecurityContext.allowPrivilegeEscalation",
      "runners[0].containerSecurityContext.readOnlyRootFilesystem",
      "runners[0].securityContext.runAsNonRoot",
      "runners[0].securityContext.runAsUser",
    ]);
  });

  it("the same fields are accepted with relax.securityAsWritten", () => {
    const { pod, container } = deployment({ relax: { securityAsWritten: true }, securityContext: { runAsNonRoot: false, runAsUser: 0 }, containerSecurityContext: { readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, capabilities: { add: ["NET_ADMIN"] } } });
    assert.deepEqual(pod.securityContext, { runAsNonRoot: false, runAsUser: 0 });
    assert.deepEqual(container.securityContext, { readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, capabilities: { add: ["NET_ADMIN"] } });
  });

  it("automountServiceAccountToken: true without relax.securityAsWritten", () => {
    expectIssue(one({ automountServiceAccountToken: true }), "runners[0].automountServiceAccountToken", /weakens the hardened default \(no API token/, /remove it, or set relax\.securityAsWritten: true/);
  });

  it("privileged: true without relax.privileged, in every mode", () => {
    expectIssue(one({ containerSecurityContext: { privileged: true } }), "runners[0].containerSecurityContext.privileged", /privileged: it can take over the node/, /remove it, or set relax\.privileged: true/);
    expectIssue(one({ relax: { securityAsWritten: true }, containerSecurityContext: { privileged: true } }), "runners[0].containerSecurityContext.privileged", /can take over the node/, /relax\.privileged: true/);
  });
});

describe("relaxations that conflict with relax.securityAsWritten", () => {
  for (const [key, value] of [["writableRootFilesystem", true], ["allowPrivilegeEscalation", true], ["addCapabilities", ["NET_ADMIN"]], ["unconfinedSeccomp", true]] as const) {
    it(`relax.${key} together with relax.securityAsWritten`, () => {
      expectIssue(one({ relax: { securityAsWritten: true, [key]: value } }), `runners[0].relax.${key}`, /has no effect with relax\.securityAsWritten/, /write the field in containerSecurityContext or securityContext instead, and remove it here/);
    });
  }
});

describe("malformed security fields", () => {
  it("a Localhost seccomp profile without its file, or a file without Localhost", () => {
    expectIssue(one({ securityContext: { seccompProfile: { type: "Localhost" } } }), "runners[0].securityContext.seccompProfile", /needs localhostProfile exactly when type is Localhost/, /localhostProfile: profiles\/runner\.json/);
    expectIssue(one({ containerSecurityContext: { seccompProfile: { type: "RuntimeDefault", localhostProfile: "x.json" } } }), "runners[0].containerSecurityContext.seccompProfile", /needs localhostProfile exactly when type is Localhost/, /RuntimeDefault/);
    expectIssue(one({ securityContext: { seccompProfile: { type: "Default" } } }), "runners[0].securityContext.seccompProfile.type", /one of: RuntimeDefault, Localhost, Unconfined/, /use one of/);
  });

  it("ids outside the kernel's range, a negative supplementary group, an unknown fsGroupChangePolicy", () => {
    expectIssue(one({ securityContext: { runAsUser: 2 ** 31 } }), "runners[0].securityContext.runAsUser", /must be/, /allowed range/);
    expectIssue(one({ containerSecurityContext: { runAsGroup: 1.5 } }), "runners[0].containerSecurityContext.runAsGroup", /./, /./);
    expectIssue(one({ securityContext: { supplementalGroups: [1000, -1] } }), "runners[0].securityContext.supplementalGroups[1]", /must be/, /allowed range/);
    expectIssue(one({ securityContext: { fsGroupChangePolicy: "Never" } }), "runners[0].securityContext.fsGroupChangePolicy", /one of: OnRootMismatch, Always/, /use one of/);
  });

  it("a capability that is not a capability name, and an unknown key", () => {
    expectIssue(one({ containerSecurityContext: { capabilities: { drop: ["all"] } } }), "runners[0].containerSecurityContext.capabilities.drop[0]", /capability name such as NET_BIND_SERVICE or ALL/, /expected format/);
    expectIssue(one({ containerSecurityContext: { readOnlyRootFilesytem: true } }), "runners[0].containerSecurityContext.readOnlyRootFilesytem", /is not a known key/, /did you mean readOnlyRootFilesystem/);
    // The pod's security context has no container-only fields.
    expectIssue(one({ securityContext: { privileged: false } }), "runners[0].securityContext.privileged", /is not a known key/, /./);
  });
});

describe("hostile input is refused with a ConfigError, never another exception", () => {
  it("sidecars: \"x\" and securityContext: [] name their key paths", () => {
    const issues = issuesOf(one({ sidecars: "x", securityContext: [] }));
    assert.deepEqual(issues.map((i) => i.path).sort(), ["runners[0].securityContext", "runners[0].sidecars"]);
  });

  it("wrong types anywhere in the security settings and relaxations", () => {
    const hostile: Record<string, unknown>[] = [
      { containerSecurityContext: "x", relax: "x" },
      { relax: [], image: "ghcr.io/acme/runner:latest" },
      { relax: { securityAsWritten: "yes", addCapabilities: "NET_ADMIN" } },
      { securityContext: { seccompProfile: null, supplementalGroups: "0" }, containerSecurityContext: { capabilities: null } },
      { containerSecurityContext: { capabilities: { add: "X", drop: [null] } } },
      { securityContext: null, containerSecurityContext: [], automountServiceAccountToken: "true" },
      { securityContext: { runAsUser: "1000", seccompProfile: { type: 1 } } },
      { relax: { privileged: 1 }, containerSecurityContext: { privileged: "true" } },
    ];
    // Each is refused with a ConfigError (issuesOf fails on anything else), every issue complete.
    for (const over of hostile) for (const i of issuesOf(one(over))) assert.ok(i.path !== "" && i.message !== "" && i.fix !== "", JSON.stringify(i));
  });
});

describe("problems found in review, fixed", () => {
  it("relax.addCapabilities is not silently dropped when containerSecurityContext.capabilities is written", () => {
    let sc: unknown;
    try {
      sc = deployment({ relax: { addCapabilities: ["NET_ADMIN"] }, containerSecurityContext: { capabilities: { drop: ["ALL"] } } }).container.securityContext;
    } catch (e) {
      // Refusing the combination is as good as keeping the capability.
      assert.ok(e instanceof ConfigError);
      return;
    }
    assert.deepEqual((sc as { capabilities?: unknown }).capabilities, { add: ["NET_ADMIN"], drop: ["ALL"] });
  });
});
