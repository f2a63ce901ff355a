/**
 * Documents carried inside a rendered resource's inputs (cloud-init user-data, domain XML, host
 * scripts and the systemd units they install, EC2 user-data, IAM and Vault policies, Lambda code,
 * Helm values), found so that the render can write each as a file of its own with its natural
 * extension: a reviewer reads them as they will be deployed, not as escaped JSON strings.
 */
import { gunzipSync } from "node:zlib";
import { yamlPackage } from "../model/yaml-package.ts";
import type { RenderedResource } from "./rendered.ts";

/** One embedded document. */
export interface EmbeddedDocument {
  /** Where it sits in the resource's inputs: `create`, `stdin`, `policy`, `code/index.mjs`, `create > runner-fleet-bridge-forward.timer`. */
  readonly field: string;
  /** The file name's last part: `create.sh`, `user-data.yaml`, `policy.json`, `index.mjs`. */
  readonly suffix: string;
  readonly content: string;
}

/** Inputs that are not documents to review. */
const SKIPPED_FIELDS = new Set(["__provider", "triggers"]);

/** `/bin/sh -c '<script>'` as `@pulumi/command` runs it: the script itself, or undefined. */
export function unwrapShellCommand(text: string): string | undefined {
  const m = /^\/bin\/(?:ba)?sh -c '([\s\S]*)'$/.exec(text);
  if (!m?.[1]) return undefined;
  const body = m[1];
  // Inside single quotes, a quote can only appear as '\'' .
  if (body.replace(/'\\''/g, "").includes("'")) return undefined;
  return body.replace(/'\\''/g, "'");
}

/** A file name with its natural extension: an extension-less script gets `.sh`. */
function withExtension(name: string, content: string): string {
  return /\.[A-Za-z0-9]+$/.test(name) ? name : `${name}.${kindOf(content).ext}`;
}

/** Placeholders alone are no document to review. */
const isPlaceholder = (text: string) => /^\[(secret|unknown|deploy-time: [^\]]*)\]\n?$/.test(text.trim());

/**
 * Files a script writes with `cat >PATH <<'EOF' ... EOF`, named after PATH. One pass over the
 * lines, as the shell reads them, so that no script (however long or odd) takes more than that.
 */
function heredocFiles(script: string): { name: string; content: string }[] {
  const out: { name: string; content: string }[] = [];
  const lines = script.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^cat >(\S+) <<'?([A-Za-z_][A-Za-z0-9_]*)'?$/.exec(lines[i] ?? "");
    if (!m) continue;
    const end = lines.indexOf(m[2] ?? "", i + 2);
    if (end === -1) continue;
    const target = (m[1] ?? "").split("/").pop() ?? "";
    const name = target.replace(/\.runner-fleet-new$/, "");
    if (name !== "") out.push({ name, content: `${lines.slice(i + 1, end).join("\n")}\n` });
    i = end;
  }
  return out;
}

/** Documents larger than this are not parsed to find their kind (they are shown as text). */
const MAX_PARSED = 4 * 1024 * 1024;

/**
 * YAML text as a value, or undefined when it is not YAML, is too large, or cannot be turned into
 * a value safely (alias bombs, nesting deeper than the parser's stack): a render never crashes on
 * what a program embeds.
 */
function yamlValue(text: string): { value: unknown; map: boolean } | undefined {
  if (text.length > MAX_PARSED) return undefined;
  try {
    const yaml = yamlPackage();
    const doc = yaml.parseDocument(text, { logLevel: "error" });
    if (doc.errors.length > 0) return undefined;
    return { value: doc.toJS({ maxAliasCount: 100 }), map: yaml.isMap(doc.contents) };
  } catch {
    return undefined;
  }
}

function looksBase64(text: string): boolean {
  return text.length >= 16 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
}

/** The natural name of a document, from its content. */
function kindOf(text: string): { name?: string; ext: string } {
  const head = text.trimStart();
  if (head.startsWith("#cloud-config")) return { name: "user-data", ext: "yaml" };
  if (head.startsWith("#!")) return { ext: /^#!.*\b(node|deno)\b/.test(head) ? "js" : "sh" };
  if (/^(<\?xml[^>]*>\s*)?<domain[\s>]/.test(head)) return { name: "domain", ext: "xml" };
  if (head.startsWith("<?xml")) return { ext: "xml" };
  if (/^\[(Unit|Service|Timer|Install)\]/m.test(text)) return { ext: /^\[Timer\]/m.test(text) ? "timer" : "service" };
  if (/^\s*path\s+"[^"]*"\s*\{/m.test(text)) return { ext: "hcl" };
  if (head.startsWith("{") || head.startsWith("[")) {
    try {
      JSON.parse(text);
      return { ext: "json" };
    } catch {
      // not JSON
    }
  }
  const doc = yamlValue(text);
  if (doc !== undefined && doc.map) {
    const js = doc.value as Record<string, unknown>;
    if ("instance-id" in js) return { name: "meta-data", ext: "yaml" };
    if ("network" in js || ("version" in js && ("ethernets" in js || "config" in js))) return { name: "network-config", ext: "yaml" };
    return { ext: "yaml" };
  }
  return { ext: "txt" };
}

function documentsIn(field: string, text: string, out: EmbeddedDocument[]): void {
  const script = unwrapShellCommand(text);
  const content = script ?? text;
  const kind = kindOf(content);
  const pretty = kind.ext === "json" ? prettyJson(content) : content.endsWith("\n") ? content : `${content}\n`;
  out.push({ field, suffix: `${kind.name ?? field.replace(/[^A-Za-z0-9.-]+/g, "-")}.${kind.ext}`, content: pretty });
  if (kind.ext === "sh") {
    for (const f of heredocFiles(content)) out.push({ field: `${field} > ${f.name}`, suffix: withExtension(f.name, f.content), content: f.content });
  }
  if (kind.name === "user-data") {
    const files = (yamlValue(content)?.value as { write_files?: unknown } | null | undefined)?.write_files;
    for (const f of (Array.isArray(files) ? files : []) as ({ path?: unknown; content?: unknown } | null)[]) {
      if (f === null || typeof f !== "object") continue;
      const name = typeof f.path === "string" ? (f.path.split("/").pop() ?? "") : "";
      if (name !== "" && typeof f.content === "string" && !isPlaceholder(f.content)) {
        out.push({ field: `${field} > write_files ${String(f.path)}`, suffix: withExtension(name, f.content), content: f.content });
      }
    }
  }
}

/** JSON re-indented for reading; as written when it nests too deep to print safely. */
function prettyJson(content: string): string {
  try {
    return `${JSON.stringify(JSON.parse(content), null, 2)}\n`;
  } catch {
    return content.endsWith("\n") ? content : `${content}\n`;
  }
}

function isDocumentText(key: string, text: string): boolean {
  if (text.includes("\n")) return true;
  const head = text.trimStart();
  if ((head.startsWith("{") || head.startsWith("[")) && /policy/i.test(key)) return true;
  return false;
}

/** Inputs nested deeper than this are not searched for documents (no program nests so deep). */
const MAX_DEPTH = 64;

/** gzip-compressed user data, inflated to at most 1 MiB (a render's boot script is a few KiB); empty when it is not gzip or larger. */
function inflate(bytes: Buffer): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: 1024 * 1024 });
  } catch {
    return Buffer.alloc(0);
  }
}

function walk(value: unknown, path: string[], out: EmbeddedDocument[], depth = 0): void {
  if (depth > MAX_DEPTH) return;
  const key = path[path.length - 1] ?? "";
  const field = path.join(".");
  if (typeof value === "string") {
    if (/^userData$/i.test(key) && looksBase64(value)) {
      // EC2 user data may be gzip-compressed (cloud-init inflates it).
      const bytes = Buffer.from(value, "base64");
      const decoded = (bytes[0] === 0x1f && bytes[1] === 0x8b ? inflate(bytes) : bytes).toString("utf8");
      if (/^(#!|#cloud-config|Content-Type:)/.test(decoded)) {
        const kind = kindOf(decoded);
        out.push({ field, suffix: `user-data.${kind.ext}`, content: decoded.endsWith("\n") ? decoded : `${decoded}\n` });
        return;
      }
    }
    if (isDocumentText(key, value)) documentsIn(field, value, out);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, [...path.slice(0, -1), `${key}[${i}]`], out, depth + 1));
    return;
  }
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    // An archive read by the offline render: { archive: { "index.mjs": { text } } }.
    if (obj["archive"] !== null && typeof obj["archive"] === "object" && Object.keys(obj).length === 1) {
      for (const [name, asset] of Object.entries(obj["archive"] as Record<string, unknown>)) {
        const text = (asset as { text?: unknown } | null)?.text;
        if (typeof text === "string") out.push({ field: `${field}/${name}`, suffix: name, content: text.endsWith("\n") ? text : `${text}\n` });
      }
      return;
    }
    for (const [k, v] of Object.entries(obj)) if (!SKIPPED_FIELDS.has(k)) walk(v, [...path, k], out, depth + 1);
  }
}

/**
 * The documents embedded in one rendered resource. Kubernetes objects are YAML already and carry
 * none; a Helm release's values are one document.
 */
export function embeddedDocuments(r: RenderedResource): EmbeddedDocument[] {
  if (r.type === "kubernetes:helm.sh/v3:Release") {
    const values = r.inputs["values"];
    if (values === null || typeof values !== "object") return [];
    let content: string;
    try {
      content = yamlPackage().stringify(values, { lineWidth: 0 });
    } catch {
      content = "# the values nest too deep to be written as YAML\n";
    }
    return [{ field: "values", suffix: "values.yaml", content }];
  }
  if (r.type.startsWith("kubernetes:")) return [];
  const out: EmbeddedDocument[] = [];
  walk(r.inputs, [], out);
  // Two fields of one resource that would share a file name (create and update scripts that differ).
  const seen = new Map<string, number>();
  return out.map((d) => {
    const n = (seen.get(d.suffix) ?? 0) + 1;
    seen.set(d.suffix, n);
    return n === 1 ? d : { ...d, suffix: d.suffix.replace(/(\.[^.]+)?$/, (ext) => `-${n}${ext}`) };
  });
}
