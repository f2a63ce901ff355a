// Deploy-time placeholders: only inside an offline render.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deployTimePlaceholder, isDeployTimePlaceholder, isOfflineRender, withOfflineRender } from "./deploy-time.ts";

test("outside an offline render there is no placeholder, so the caller reports the missing value", () => {
  assert.equal(isOfflineRender(), false);
  assert.equal(deployTimePlaceholder("RUNNER_SSH_KEY_PATH", "the SSH login"), undefined);
});

test("inside one, each value gets one marked placeholder and is reported once", async () => {
  const { result, deployTime } = await withOfflineRender(async () => {
    const a = deployTimePlaceholder("RUNNER_SSH_KEY_PATH", "the SSH login");
    const b = deployTimePlaceholder("RUNNER_SSH_KEY_PATH", "the SSH login");
    return [a, b, isOfflineRender()];
  });
  assert.deepEqual(result, ["[deploy-time: RUNNER_SSH_KEY_PATH]", "[deploy-time: RUNNER_SSH_KEY_PATH]", true]);
  assert.deepEqual(deployTime, [{ name: "RUNNER_SSH_KEY_PATH", neededFor: "the SSH login", placeholder: "[deploy-time: RUNNER_SSH_KEY_PATH]" }]);
  assert.equal(isDeployTimePlaceholder(result[0]), true);
  assert.equal(isDeployTimePlaceholder("/home/me/.ssh/id"), false);
  assert.equal(isOfflineRender(), false, "the scope ends with the render");
});

test("the scope ends even when the render fails", async () => {
  await assert.rejects(withOfflineRender(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(isOfflineRender(), false);
});
