import { test } from "node:test";
import assert from "node:assert/strict";
import { Choice, evaluate, evaluateValue, OPEN, parseExpression, Unknown, type Outcome } from "./expression.ts";
import { verdict } from "./verdict.ts";
import { outsiderGithub } from "./outsider-context.ts";

type Context = Readonly<Record<string, unknown>>;

/** The outcomes of an expression GitHub's parser accepts. */
function run(text: string, ctx: Context = {}): Outcome[] {
  const expr = parseExpression(text);
  assert.ok(expr !== undefined, `GitHub's parser accepts ${text}`);
  return evaluate(expr, ctx);
}

/** An outcome's value as text: an unknown shows as `?what`. */
const shown = (v: unknown): unknown => (v instanceof Unknown ? `?${v.what}` : v);
const values = (text: string, ctx: Context = {}) => run(text, ctx).map((o) => shown(o.value));
/** The single value of an expression over known data. */
function value(text: string, ctx: Context = {}): unknown {
  const outs = run(text, ctx);
  assert.equal(outs.length, 1, `${text} has one outcome: ${JSON.stringify(outs.map((o) => shown(o.value)))}`);
  assert.deepEqual(outs[0]!.assumes, [], `${text} assumes nothing`);
  return outs[0]!.value;
}
const judge = (text: string, ctx: Context = {}) => verdict(run(text, ctx));

const vars = new Unknown("runtime", "vars");
const outsiderLogin = new Unknown("outsider", "github.event.pull_request.user.login", "outsider-login");
const ownRepository = new Unknown("repository", "github.repository", "repository");
const ids = { github: { login: outsiderLogin, repository: ownRepository }, vars };

test("== and != compare strings case-insensitively and coerce mixed types to numbers, as GitHub does", () => {
  assert.equal(value("'ABC' == 'abc'"), true);
  assert.equal(value("'abc' != 'ABD'"), true);
  assert.equal(value("'1' == 1"), true);
  assert.equal(value("'' == 0"), true, "the empty string is the number 0");
  assert.equal(value("null == 0"), true);
  assert.equal(value("true == 1"), true);
  assert.equal(value("'a' == 1"), false, "a string that is not a number is NaN, equal to nothing");
  assert.equal(value("1 < 2 && 'abc' < 'abd'"), true);
});

test("fromJSON, format, contains, startsWith, endsWith, join and toJSON work on known values", () => {
  assert.equal(value(`fromJSON('{"a": [1, 2]}').a[1]`), 2);
  assert.equal(value("format('{0}-{1}-{{literal}}', 'a', 2)"), "a-2-{literal}");
  assert.equal(value("contains('Hello', 'ELL')"), true, "contains on strings ignores case");
  assert.equal(value(`contains(fromJSON('["a", "B"]'), 'b')`), true, "contains on arrays compares items as == does");
  assert.equal(value(`contains(fromJSON('["a", "B"]'), 'c')`), false);
  assert.equal(value("startsWith('Hello', 'he')"), true);
  assert.equal(value("endsWith('release/v1', 'V1')"), true);
  assert.equal(value(`join(fromJSON('["x", "y"]'), '+')`), "x+y");
  assert.equal(value(`toJSON(fromJSON('{"a": 1}'))`), '{\n  "a": 1\n}');
  assert.equal(value("fromJSON('true') && 'yes' || 'no'"), "yes", "&& and || give the deciding operand, not a boolean");
});

test("context and property names are case-insensitive, by dot and by index", () => {
  const ctx = { github: { event_name: "push", event: { Pull_Request: { number: 7 } } } };
  assert.equal(value("github.Event_Name", ctx), "push");
  assert.equal(value("GITHUB['EVENT_NAME']", ctx), "push");
  assert.equal(value("github.event.pull_request.NUMBER", ctx), 7);
  assert.equal(value("github.no_such_key", ctx), null, "a missing property of a known object is null");
  assert.equal(value("github.event_name.deeper", ctx), null, "a property of a string is null");
});

test("x.*.name filters an array (or an object's values) by the property, leaving out items without it", () => {
  const ctx = { github: { event: { labels: [{ name: "bug" }, { id: 3 }, { name: "OK-to-test" }], map: { a: { id: 1 }, b: { id: 2 } } } } };
  assert.equal(value("join(github.event.labels.*.name, ',')", ctx), "bug,OK-to-test");
  assert.equal(value("contains(github.event.labels.*.name, 'ok-to-test')", ctx), true);
  assert.equal(value("contains(github.event.labels.*.name, 'docs')", ctx), false);
  assert.equal(value("join(github.event.map.*.id, ',')", ctx), "1,2");
  assert.equal(value("contains(github.event.none.*.name, 'bug')", ctx), false, "filtering what is not there gives an empty list");
});

test("a comparison with an unknown is unknown, and the verdict names what it depends on", () => {
  assert.deepEqual(values("vars.X == 'a'", { vars }), ["?vars.X == 'a'"]);
  assert.deepEqual(judge("vars.X == 'a'", { vars }), { kind: "unknown", unknowns: ["vars.X == 'a'"] });
  assert.deepEqual(judge("secrets.TOKEN != ''", { secrets: new Unknown("runtime", "secrets") }), { kind: "unknown", unknowns: ["secrets.TOKEN != ''"] });
});

test("&& and || over an unknown follow both ways, each outcome recording what it assumed", () => {
  const outs = run("vars.X && 'a' || 'b'", { vars });
  assert.deepEqual(outs.map((o) => o.value), ["a", "b"]);
  assert.deepEqual(outs.map((o) => o.assumes), [[{ source: "runtime", what: "vars.X", truth: true }], [{ source: "runtime", what: "vars.X", truth: false }]]);
  assert.equal(judge("vars.RUN_ALL == 'true' || !vars.RUN_ALL || true", { vars }).kind, "true", "true whatever the variable holds");
  assert.equal(judge("vars.RUN_ALL == 'true' || !github.event.draft", { vars, github: { event: { draft: new Choice([true, false], "outsider", "draft") } } }).kind, "true", "the outsider's own choice makes it true whatever the variable holds");
  assert.deepEqual(values("!vars.X", { vars }).sort(), [false, true]);
  assert.deepEqual(judge("!vars.X", { vars }), { kind: "unknown", unknowns: ["vars.X"] });
  assert.deepEqual(judge("vars.X && false", { vars }), { kind: "false" }, "no way makes it true");
  assert.deepEqual(judge("'yes' || vars.X", { vars }), { kind: "true", assumes: [] }, "|| stops at a truthy operand");
});

test("a choice expands into one outcome per value; an outsider's author association never is one of the maintainers'", () => {
  const github = outsiderGithub({ event: "issue_comment", actions: ["created"] });
  const allow = `contains(fromJSON('["OWNER", "MEMBER", "COLLABORATOR"]'), github.event.comment.author_association)`;
  const outs = run(allow, { github });
  assert.equal(outs.length, 5, "NONE, FIRST_TIMER, FIRST_TIME_CONTRIBUTOR, CONTRIBUTOR, MANNEQUIN");
  assert.ok(outs.every((o) => o.value === false));
  assert.deepEqual(verdict(outs), { kind: "false" });
  assert.deepEqual(judge("github.event.comment.author_association == 'CONTRIBUTOR'", { github }), { kind: "true", assumes: [{ source: "outsider", what: "github.event.comment.author_association", choice: true }] });
  assert.deepEqual(values("github.event.comment.author_association != 'OWNER'", { github }), [true, true, true, true, true]);
  const member = { github: { event: { comment: { author_association: new Choice(["NONE", "MEMBER"], "outsider", "github.event.comment.author_association") } } } };
  assert.deepEqual(values(allow, member), [false, true]);
  assert.equal(judge(allow, member).kind, "true");
});

test("a choice decided at run time among known values is decided: each case is known", () => {
  const inputs = { runner: new Choice(["codex", "firecracker"], "runtime", "inputs.runner") };
  assert.deepEqual(judge("inputs.runner == 'codex'", { inputs }), { kind: "true", assumes: [{ source: "runtime", what: "inputs.runner", choice: true }] });
  assert.deepEqual(judge("inputs.runner == 'gpu'", { inputs }), { kind: "false" });
});

test("an outsider's identity never equals a literal or the repository; it equals itself", () => {
  assert.deepEqual(values("github.login == 'octocat'", ids), [false]);
  assert.deepEqual(values("github.login != 'octocat'", ids), [true]);
  assert.deepEqual(values("github.login == github.repository", ids), [false]);
  assert.deepEqual(values("github.repository != github.login", ids), [true]);
  assert.deepEqual(values("github.login == github.login", ids), [true]);
  assert.deepEqual(judge("github.login == vars.MAINTAINER", ids), { kind: "unknown", unknowns: ["github.event.pull_request.user.login == vars.MAINTAINER"] }, "against an unknown it is undecided");
});

test("the repository's own name equals the literal it is compared with", () => {
  assert.deepEqual(values("github.repository == 'org/repo'", ids), [true]);
  assert.deepEqual(values("github.repository != 'org/repo'", ids), [false]);
  assert.deepEqual(values("github.repository == github.repository", ids), [true]);
  assert.deepEqual(values("startsWith(github.repository, 'org/')", ids), ["?github.repository"], "functions of it are not decided");
  assert.deepEqual(judge("startsWith(github.repository, 'org/')", ids).kind, "true", "what the repository decides does not make the verdict unknown");
});

test("an unknown the outsider writes decides a condition in their favour", () => {
  const github = outsiderGithub({ event: "issues", actions: ["opened"] });
  assert.deepEqual(judge("github.event.issue.title", { github }), { kind: "true", assumes: [{ source: "outsider", what: "github.event.issue.title" }] });
  assert.deepEqual(judge("contains(github.event.issue.body, '/run')", { github }).kind, "true");
  assert.deepEqual(judge("github.event.issue.pull_request", { github }), { kind: "false" }, "an issue event is not a pull request");
});

test("success() and failure() are read from the context; always() is true; cancelled() is false; hashFiles() is unknown", () => {
  assert.deepEqual(values("success()"), [true], "no needs: success");
  assert.deepEqual(values("success()", { "success()": false }), [false]);
  assert.deepEqual(judge("success() && true", { "success()": false }), { kind: "false" });
  assert.deepEqual(judge("success()", { "success()": new Unknown("runtime", "needs.check.result") }), { kind: "unknown", unknowns: ["needs.check.result"] });
  assert.deepEqual(values("always()", { "success()": false }), [true]);
  assert.deepEqual(judge("failure()"), { kind: "unknown", unknowns: ["failure()"] });
  assert.deepEqual(judge("failure()", { "failure()": true }), { kind: "true", assumes: [] });
  assert.deepEqual(judge("cancelled()"), { kind: "false" }, "a run is cancelled by maintainers or a newer run, not by an outsider");
  assert.deepEqual(judge("!cancelled()"), { kind: "true", assumes: [] });
  assert.deepEqual(values("hashFiles('**/go.sum') != ''"), ["?hashFiles() != ''"]);
});

test("an open context object gives an unknown named by its path for keys it does not hold, or the value it is given", () => {
  const open = { github: { event_name: "push", [OPEN]: { path: "github" } } };
  assert.deepEqual(values("github.event_name", open), ["push"]);
  assert.deepEqual(values("github.run_id", open), ["?github.run_id"]);
  assert.deepEqual(values("github.event.deep.key", { github: new Unknown("runtime", "github") }), ["?github.event.deep.key"]);
  assert.deepEqual(values("secrets.NPM_TOKEN", { secrets: { [OPEN]: { path: "secrets", value: "" } } }), [""], "a fork's pull_request gets empty secrets");
});

test("an expression GitHub's parser refuses is undefined, and evaluateValue says it is refused", () => {
  for (const text of ["a ==", "foo.bar", "github.x(", "'unterminated", "github..x", "== 1", "success(1)", ""]) assert.equal(parseExpression(text), undefined, text);
  const [o] = evaluateValue("${{ github.x( }}", {});
  assert.ok(o!.value instanceof Unknown);
  assert.match(o!.value.what, /an expression GitHub's parser refuses \(\$\{\{ github\.x\( \}\}\)/);
});

test("parentheses nest to GitHub's depth of 50 and no further; far deeper nesting is refused without throwing", () => {
  const nested = (n: number) => `${"(".repeat(n)}'deep'${")".repeat(n)}`;
  assert.equal(value(nested(40)), "deep");
  assert.equal(parseExpression(nested(50)), undefined, "GitHub: Exceeded max expression depth 50");
  assert.equal(parseExpression(nested(100_000)), undefined);
  assert.equal(parseExpression("!".repeat(100_000) + "true"), undefined);
});

test("a 3,000-character expression never throws, and never comes out as a value GitHub would not give", () => {
  const text = `github.event_name == 'push' && (${Array.from({ length: 160 }, (_, i) => `'item-${i}' != 'x'`).join(" && ")})`;
  assert.ok(text.length > 3000);
  for (const [ctx, expected] of [[{ github: { event_name: "push" } }, true], [{ github: { event_name: "pull_request" } }, false]] as const) {
    const outs = evaluateValue(`\${{ ${text} }}`, ctx);
    assert.equal(outs.length, 1);
    const v = outs[0]!.value;
    assert.ok(v === expected || v instanceof Unknown, `${String(v)} for ${ctx.github.event_name}`);
  }
});

test("evaluateValue: a whole expression keeps its type; embedded ones are joined into text; an unclosed one never throws", () => {
  assert.deepEqual(evaluateValue("${{ 2 }}", {}), [{ value: 2, assumes: [] }]);
  assert.deepEqual(evaluateValue(" ${{ 2 }} ", {}), [{ value: " 2 ", assumes: [] }], "text around an expression makes the value text");
  assert.deepEqual(evaluateValue("a ${{ 1 }} b ${{ 'X' }} c ${{ true }}", {}), [{ value: "a 1 b X c true", assumes: [] }]);
  assert.deepEqual(evaluateValue("${{ 'a' }}${{ 'b' }}", {}), [{ value: "ab", assumes: [] }]);
  assert.deepEqual(evaluateValue(["not", "a", "string"], {}), [{ value: ["not", "a", "string"], assumes: [] }]);
  assert.deepEqual(evaluateValue("no expression", {}), [{ value: "no expression", assumes: [] }]);
  const withUnknown = evaluateValue("ci-${{ vars.POOL }}-${{ 'x' }}", { vars });
  assert.equal(withUnknown.length, 1);
  assert.ok(withUnknown[0]!.value instanceof Unknown && withUnknown[0]!.value.what === "vars.POOL");
  const split = evaluateValue("${{ github.r }}-x", { github: { r: new Choice(["a", "b"], "runtime", "inputs.r") } });
  assert.deepEqual(split.map((o) => o.value), ["a-x", "b-x"]);
  for (const text of ["a ${{ 1 }} b ${{ 2", "${{", "}} ${{ ${{ }}", "${{ }}", `${"${{ 1 }}".repeat(500)}\${{`]) {
    assert.doesNotThrow(() => evaluateValue(text, {}), text);
    assert.ok(evaluateValue(text, {}).length >= 1, text);
  }
});

test("evaluation never throws, whatever the context holds", () => {
  const odd: Context = { github: { a: Symbol("s"), b: () => 1, c: 10n, d: Object.create(null) as object, e: new Unknown("outsider", "e", "outsider-login"), f: new Choice([], "runtime", "f") } };
  for (const text of ["github.a == 1", "format('{0}', github.b)", "toJSON(github.c)", "github.d.x.y", "github.e[github.e]", "github.f == 1", "contains(github.e, github.f)", "github.*.x"]) {
    assert.doesNotThrow(() => verdict(run(text, odd)), text);
  }
});
