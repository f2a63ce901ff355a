/**
 * POSIX shell scripts as typed documents. A script is a tree of nodes (commands, assignments,
 * conditionals, here-documents); data reaches the script only as words, and every literal word is
 * quoted when the document is serialised. Shell syntax is written only by this module, so a value
 * from the configuration can never become code.
 */

/** Reference to a shell variable, rendered as `"${name}"`. */
export interface VarRef {
  readonly ref: string;
}
/** Trusted shell syntax rendered verbatim (a command substitution, an arithmetic test). */
export interface RawWord {
  readonly raw: string;
}
/** One word: a literal (quoted as needed), a variable, raw syntax, or a concatenation of those. */
export type ShellWord = string | VarRef | RawWord | readonly ShellWord[];

/** A simple command with optional redirections. */
export interface SimpleCommand {
  readonly kind: "cmd";
  readonly words: readonly ShellWord[];
  /** `> file` */
  readonly stdout?: ShellWord;
  /** `< file` */
  readonly stdin?: ShellWord;
  /** `>/dev/null 2>&1` */
  readonly quiet?: boolean;
  /** `2>/dev/null` */
  readonly noStderr?: boolean;
  /** `>&2` */
  readonly toStderr?: boolean;
}
/** Commands combined with `|`, `&&`, `||` or negated with `!`. */
export type CommandList =
  | SimpleCommand
  | { readonly kind: "pipe"; readonly parts: readonly CommandList[] }
  | { readonly kind: "and"; readonly parts: readonly CommandList[] }
  | { readonly kind: "or"; readonly parts: readonly CommandList[] }
  | { readonly kind: "not"; readonly command: CommandList };

export type ShellNode =
  | CommandList
  | { readonly kind: "comment"; readonly text: string }
  | { readonly kind: "blank" }
  | { readonly kind: "assign"; readonly name: string; readonly value: ShellWord }
  | { readonly kind: "capture"; readonly name: string; readonly command: CommandList }
  | { readonly kind: "if"; readonly test: CommandList; readonly then: readonly ShellNode[]; readonly else?: readonly ShellNode[] }
  | { readonly kind: "while"; readonly test: CommandList; readonly body: readonly ShellNode[] }
  | { readonly kind: "for"; readonly name: string; readonly items: readonly ShellWord[]; readonly body: readonly ShellNode[] }
  | { readonly kind: "heredoc"; readonly command: SimpleCommand; readonly content: string }
  | { readonly kind: "trap"; readonly onExit: readonly ShellNode[] }
  | { readonly kind: "exit"; readonly code: number };

export interface ShellScript {
  /** Shown as comment lines below the shebang. */
  readonly description: string;
  readonly body: readonly ShellNode[];
}

export const ref = (name: string): VarRef => ({ ref: name });
export const raw = (text: string): RawWord => ({ raw: text });
export const cmd = (...words: ShellWord[]): SimpleCommand => ({ kind: "cmd", words });
export const withIo = (c: SimpleCommand, io: Omit<SimpleCommand, "kind" | "words">): SimpleCommand => ({ ...c, ...io });
export const pipe = (...parts: CommandList[]): CommandList => ({ kind: "pipe", parts });
export const and = (...parts: CommandList[]): CommandList => ({ kind: "and", parts });
export const or = (...parts: CommandList[]): CommandList => ({ kind: "or", parts });
export const not = (command: CommandList): CommandList => ({ kind: "not", command });
export const comment = (text: string): ShellNode => ({ kind: "comment", text });
export const blank: ShellNode = { kind: "blank" };
export const assign = (name: string, value: ShellWord): ShellNode => ({ kind: "assign", name, value });
export const capture = (name: string, command: CommandList): ShellNode => ({ kind: "capture", name, command });
export const ifThen = (test: CommandList, then: readonly ShellNode[], otherwise?: readonly ShellNode[]): ShellNode =>
  otherwise === undefined ? { kind: "if", test, then } : { kind: "if", test, then, else: otherwise };
export const whileDo = (t: CommandList, body: readonly ShellNode[]): ShellNode => ({ kind: "while", test: t, body });
/** `for <name> in <items>; do <body>; done` */
export const forEach = (name: string, items: readonly ShellWord[], body: readonly ShellNode[]): ShellNode => ({ kind: "for", name, items, body });
export const heredoc = (command: SimpleCommand, content: string): ShellNode => ({ kind: "heredoc", command, content });
export const onExit = (...nodes: ShellNode[]): ShellNode => ({ kind: "trap", onExit: nodes });
export const exit = (code: number): ShellNode => ({ kind: "exit", code });
/** `echo "runner-fleet: <message>" >&2; exit 1` as one node list. */
export const fail = (message: ShellWord): ShellNode[] => [withIo(cmd("echo", ["runner-fleet: ", message]), { toStderr: true }), exit(1)];
/** `[ <args> ]` */
export const test = (...args: ShellWord[]): SimpleCommand => cmd("[", ...args, "]");

const SAFE = /^[A-Za-z0-9_./:=@%+,^-]+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Here-document delimiter; content containing it on a line of its own is refused. */
export const HEREDOC_END = "RUNNER_FLEET_EOF";

/** Quotes a literal for POSIX sh: bare when it is plainly safe, else in single quotes. */
export function shQuote(s: string): string {
  if (s === "[" || s === "]" || s === "!=") return s;
  if (s !== "" && SAFE.test(s) && !s.startsWith("~")) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function word(w: ShellWord): string {
  if (typeof w === "string") return shQuote(w);
  if (Array.isArray(w)) {
    // Adjacent literals are joined first so that each literal run is quoted once.
    const parts: ShellWord[] = [];
    const flat = (ws: readonly ShellWord[]): ShellWord[] => ws.flatMap((x) => (Array.isArray(x) ? flat(x as readonly ShellWord[]) : [x]));
    for (const p of flat(w as readonly ShellWord[])) {
      const last = parts[parts.length - 1];
      if (typeof p === "string" && typeof last === "string") parts[parts.length - 1] = last + p;
      else parts.push(p);
    }
    return parts.length === 0 ? "''" : parts.map((p) => word(p)).join("");
  }
  if ("ref" in (w as object)) {
    const name = (w as VarRef).ref;
    if (!NAME.test(name)) throw new Error(`not a shell variable name: ${name}`);
    return `"\${${name}}"`;
  }
  return (w as RawWord).raw;
}

function simple(c: SimpleCommand): string {
  let s = c.words.map((w) => word(w)).join(" ");
  if (c.stdin !== undefined) s += ` <${word(c.stdin)}`;
  if (c.stdout !== undefined) s += ` >${word(c.stdout)}`;
  if (c.quiet) s += " >/dev/null 2>&1";
  if (c.noStderr) s += " 2>/dev/null";
  if (c.toStderr) s += " >&2";
  return s;
}

export function renderCommand(c: CommandList): string {
  switch (c.kind) {
    case "cmd":
      return simple(c);
    case "pipe":
      return c.parts.map(renderCommand).join(" | ");
    case "and":
      return c.parts.map((p) => (p.kind === "or" ? `{ ${renderCommand(p)}; }` : renderCommand(p))).join(" && ");
    case "or":
      return c.parts.map((p) => (p.kind === "and" ? `{ ${renderCommand(p)}; }` : renderCommand(p))).join(" || ");
    case "not":
      return `! ${renderCommand(c.command)}`;
  }
}

function lines(nodes: readonly ShellNode[], indent: string): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    switch (n.kind) {
      case "comment":
        for (const l of n.text.split("\n")) out.push(`${indent}# ${l}`.trimEnd());
        break;
      case "blank":
        out.push("");
        break;
      case "assign":
        if (!NAME.test(n.name)) throw new Error(`not a shell variable name: ${n.name}`);
        out.push(`${indent}${n.name}=${word(n.value)}`);
        break;
      case "capture":
        if (!NAME.test(n.name)) throw new Error(`not a shell variable name: ${n.name}`);
        out.push(`${indent}${n.name}=$(${renderCommand(n.command)})`);
        break;
      case "if":
        out.push(`${indent}if ${renderCommand(n.test)}; then`);
        out.push(...lines(n.then.length > 0 ? n.then : [cmd(":")], `${indent}  `));
        if (n.else !== undefined) {
          out.push(`${indent}else`);
          out.push(...lines(n.else, `${indent}  `));
        }
        out.push(`${indent}fi`);
        break;
      case "while":
        out.push(`${indent}while ${renderCommand(n.test)}; do`);
        out.push(...lines(n.body.length > 0 ? n.body : [cmd(":")], `${indent}  `));
        out.push(`${indent}done`);
        break;
      case "for":
        if (!NAME.test(n.name)) throw new Error(`not a shell variable name: ${n.name}`);
        out.push(`${indent}for ${n.name} in ${n.items.map((w) => word(w)).join(" ")}; do`);
        out.push(...lines(n.body.length > 0 ? n.body : [cmd(":")], `${indent}  `));
        out.push(`${indent}done`);
        break;
      case "heredoc": {
        if (n.content.split("\n").includes(HEREDOC_END)) throw new Error(`here-document content contains the delimiter ${HEREDOC_END}`);
        const body = n.content.endsWith("\n") ? n.content : `${n.content}\n`;
        // The quoted delimiter turns off expansion: the content is written byte for byte.
        out.push(`${indent}${simple(n.command)} <<'${HEREDOC_END}'`, ...body.slice(0, -1).split("\n"), HEREDOC_END);
        break;
      }
      case "trap": {
        const action = n.onExit.flatMap((x) => lines([x], "")).join("; ");
        out.push(`${indent}trap ${shQuote(action)} EXIT`);
        break;
      }
      case "exit":
        out.push(`${indent}exit ${n.code}`);
        break;
      default:
        out.push(indent + renderCommand(n));
    }
  }
  return out;
}

/** Serialises a script: `#!/bin/sh`, its description, `set -eu`, the body. */
export function renderShellScript(s: ShellScript): string {
  const head = ["#!/bin/sh", ...s.description.split("\n").map((l) => `# ${l}`.trimEnd()), "set -eu"];
  return `${[...head, ...lines(s.body, "")].join("\n")}\n`;
}

/** Serialises the body only (no shebang, no `set -eu`): for embedding, e.g. as a remote command. */
export function renderShellBody(nodes: readonly ShellNode[]): string {
  return `${lines(nodes, "").join("\n")}\n`;
}
