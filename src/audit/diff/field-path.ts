/**
 * Readable field paths: `spec.template.spec.containers[name=runner].env[name=FOO].value`,
 * `metadata.labels["app.kubernetes.io/name"]`, `args[2]`, `ports[containerPort=53,protocol=UDP]`.
 */

export type PathSegment =
  | string
  | { readonly index: number }
  | { readonly keys: readonly (readonly [string, string | number])[] };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_KEY_VALUE = /^[^[\]=,"]*$/;

function keyValue(v: string | number): string {
  return typeof v === "number" || PLAIN_KEY_VALUE.test(v) ? String(v) : JSON.stringify(v);
}

export function formatFieldPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "string") out += IDENTIFIER.test(seg) ? (out === "" ? seg : `.${seg}`) : `[${JSON.stringify(seg)}]`;
    else if ("index" in seg) out += `[${seg.index}]`;
    else out += `[${seg.keys.map(([k, v]) => `${k}=${keyValue(v)}`).join(",")}]`;
  }
  return out;
}

/** Whether `path` is `prefix` or lies below it (`spec.replicas` covers `spec.replicas` only; `spec` covers all of spec). */
export function pathIsUnder(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  const next = path.charAt(prefix.length);
  return next === "" || next === "." || next === "[";
}
