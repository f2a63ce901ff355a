// Lint for the whole repository, tests included. Layer rules keep data flowing one way:
// model -> render -> (pulumi | cli | audit); see docs/architecture.md.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

// Inside src/, a module imports the module that defines a name, never the model's or a renderer's
// index.ts: those load everything, and the subpath entries (src/entries/) must load only their own.
const barrels = { group: ["**/model/index.ts", "**/render/index.ts", "**/render/*/index.ts"], message: "import the module that defines the name, not a folder's index.ts (see docs/architecture.md, Package layout)" };
// zod is imported in one place, src/model/zod.ts, whose compiled form the build replaces with a bundle.
const zod = { name: "zod", message: "import { z } from src/model/zod.ts (the build bundles zod there)" };
const restrict = (patterns, paths = [zod]) => ({
  "no-restricted-imports": ["error", { patterns: [...patterns, barrels], paths }],
});
const pulumiPkgs = { group: ["@pulumi/*"], message: "only src/pulumi/ and src/offline/ may import Pulumi SDKs" };
const ours = (layer) => ({ group: [`**/${layer}/**`, `../${layer}/*`, `../../${layer}/*`], message: `this layer may not import src/${layer}/` });

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "**/node_modules/", ".cache/", "out/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  { files: ["src/**/*.ts"], rules: { "no-restricted-imports": ["error", { paths: [zod] }] } },
  { files: ["src/model/**/*.ts"], rules: restrict([pulumiPkgs, ours("render"), ours("pulumi"), ours("cli"), ours("audit"), ours("offline")]) },
  { files: ["src/model/zod.ts"], rules: restrict([pulumiPkgs], []) },
  { files: ["src/render/**/*.ts"], rules: restrict([pulumiPkgs, ours("pulumi"), ours("cli"), ours("audit"), ours("offline"), { group: ["node:fs", "node:fs/*", "node:child_process", "node:net", "node:http", "node:https"], message: "render/ is pure: no I/O" }]) },
  { files: ["src/audit/**/*.ts"], rules: restrict([pulumiPkgs, ours("pulumi"), ours("cli"), ours("offline")]) },
  { files: ["src/pulumi/**/*.ts"], rules: restrict([ours("cli"), ours("offline"), ours("audit")]) },
  { files: ["src/cli/**/*.ts"], rules: restrict([pulumiPkgs, ours("pulumi")]) },
  { files: ["src/offline/**/*.ts"], rules: restrict([ours("pulumi"), ours("cli")]) },
  { files: ["src/import/**/*.ts"], rules: restrict([pulumiPkgs, ours("pulumi"), ours("cli"), ours("offline"), { group: ["node:fs", "node:fs/*", "node:child_process", "node:net", "node:http", "node:https"], message: "import/ is pure: the CLI reads and writes files" }]) },
  // Lambda code is shipped as compiled: nothing of ours (no relative import at all, not the package) and no Pulumi SDK.
  { files: ["src/lambda/**/*.ts"], rules: restrict([pulumiPkgs, { group: ["./*", "../*", "../**", "runner-fleet", "runner-fleet/*"], message: "src/lambda/ is shipped to Lambda as it is compiled: import only node: modules and the runtime's AWS SDK" }]) },
  {
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
