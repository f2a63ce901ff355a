// Mermaid's own parser for tests: the `mermaid` package, loaded under a jsdom window (its
// sanitiser needs a DOM), reading a flowchart back into its vertices, edges and subgraphs.
import assert from "node:assert/strict";
import { JSDOM } from "jsdom";

/** What Mermaid's parser makes of a flowchart: vertices (id → label, classes), edges, subgraphs. */
export interface ParsedFlowchart {
  readonly vertices: Map<string, { text: string; classes: string[] }>;
  readonly edges: { start: string; end: string; text: string; type: string; stroke: string }[];
  readonly subgraphs: { id: string; title: string; nodes: string[] }[];
}

/** The `mermaid` module, loaded once. */
export const mermaid = await (async () => {
  const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  return (await import("mermaid")).default;
})();

/** Mermaid keeps entity codes (`#quot;`) encoded until it renders; decoded here as the renderer does. */
const decode = (text: string): string =>
  text.replace(/ﬂ°°(\d+)¶ß/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/ﬂ°(\w+)¶ß/g, (_, name: string) => ({ quot: '"', amp: "&", lt: "<", gt: ">" })[name] ?? `&${name};`);

/** Parses a flowchart with Mermaid (failing the test when Mermaid refuses it) and returns what it holds. */
export async function parseFlowchart(text: string): Promise<ParsedFlowchart> {
  assert.ok(await mermaid.parse(text), "Mermaid's parser accepts the flowchart");
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as unknown as {
    getVertices(): Map<string, { text?: string; classes: string[] }>;
    getEdges(): { start: string; end: string; text: string; type: string; stroke: string }[];
    getSubGraphs(): { id: string; title: string; nodes: string[] }[];
  };
  const vertices = new Map([...db.getVertices()].map(([id, v]) => [id, { text: decode(v.text ?? ""), classes: v.classes }]));
  return { vertices, edges: db.getEdges().map((e) => ({ ...e, text: decode(e.text) })), subgraphs: db.getSubGraphs().map((s) => ({ ...s, title: decode(s.title) })) };
}
