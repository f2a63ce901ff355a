import { test } from "node:test";
import assert from "node:assert/strict";
import { formatKeyPath } from "../quote.ts";
import { closest, pointerSegments, schemaIssues } from "./schema-issues.ts";
import { createKubernetesAjv } from "./validate-documents.ts";

const schema = {
  type: "object",
  additionalProperties: false,
  properties: {
    policy: { type: "string", enum: ["Always", "Never", "IfNotPresent"] },
    interval: { type: "string", format: "duration" },
    created: { type: ["string", "null"], format: "date-time" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    empty: { type: "object", additionalProperties: false },
  },
};

function issues(doc: unknown) {
  const validate = createKubernetesAjv().compile(schema);
  assert.equal(validate(doc), false);
  return schemaIssues(validate.errors ?? [], doc);
}

test("paths are written as in a manifest; keys with dots or slashes are bracketed", () => {
  assert.equal(formatKeyPath(["spec", "template", "spec", "containers", 0, "name"]), "spec.template.spec.containers[0].name");
  assert.equal(formatKeyPath(["metadata", "annotations", "app.kubernetes.io/name"]), "metadata.annotations[\"app.kubernetes.io/name\"]");
  assert.equal(formatKeyPath([]), "");
  // A numeric map key stays a key; only list positions become [n].
  assert.deepEqual(pointerSegments("/data/0/items/1", { data: { 0: { items: ["a", "b"] } } }), ["data", "0", "items", 1]);
  assert.deepEqual(pointerSegments("/a~1b/c~0d", {}), ["a/b", "c~d"]);
});

test("a misspelled enum value gets a suggestion, and the value itself is not echoed", () => {
  const [issue] = issues({ policy: "IfNotPresnt" });
  assert.equal(issue!.path, "policy");
  assert.equal(issue!.message, "must be one of: \"Always\", \"Never\", \"IfNotPresent\"");
  assert.equal(issue!.fix, "did you mean \"IfNotPresent\"?");
  assert.doesNotMatch(JSON.stringify(issue), /IfNotPresnt/);
});

test("formats are explained in words; Go durations are accepted", () => {
  assert.deepEqual(issues({ interval: "30 seconds" }).map((i) => [i.path, i.message]), [["interval", "must be a valid duration"]]);
  assert.deepEqual(issues({ interval: "1m30s", created: "yesterday" }).map((i) => [i.path, i.message]), [["created", "must be an RFC 3339 date-time such as 2025-01-31T12:00:00Z"]]);
});

test("unknown fields in an object that takes none say so; wrong map values say to quote", () => {
  const found = issues({ empty: { x: 1 }, labels: { "app.kubernetes.io/version": 2 } });
  assert.deepEqual(found.map((i) => [i.path, i.message, i.fix]), [
    ["labels[\"app.kubernetes.io/version\"]", "must be string, got integer", "quote the value so that YAML reads it as a string, e.g. \"true\" or \"8080\""],
    ["empty.x", "unknown field \"x\"", "remove it: this object takes no fields"],
  ]);
});

test("an unknown field far from every known one lists the known fields", () => {
  const [issue] = issues({ somethingElse: true });
  assert.equal(issue!.message, "unknown field \"somethingElse\"");
  assert.equal(issue!.fix, "remove it, or use a known field: created, empty, interval, labels, policy");
});

test("did-you-mean only suggests close matches", () => {
  assert.equal(closest("replica", ["replicas", "selector"]), "replicas");
  assert.equal(closest("ImagePullPolicy", ["imagePullPolicy"]), "imagePullPolicy");
  assert.equal(closest("foo", ["replicas", "selector"]), undefined);
});
