import { test } from "node:test";
import assert from "node:assert/strict";
import { bytePosition, decodeText, firstInvalidUtf8, utf8Text } from "./text-bytes.ts";
import { settingsText } from "./stack-settings-file.ts";
import { ConfigError } from "./issues.ts";

const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

test("UTF-8 text is read as it is, its byte-order mark dropped", () => {
  assert.deepEqual(utf8Text(b("a: 1\n")), { ok: true, text: "a: 1\n" });
  assert.deepEqual(utf8Text(b([0xef, 0xbb, 0xbf], "a: é\n")), { ok: true, text: "a: é\n" });
  assert.deepEqual(utf8Text(new Uint8Array()), { ok: true, text: "" });
});

test("UTF-32 and UTF-16 are told apart by their marks, and UTF-16 without a mark by the NULs beside ASCII", () => {
  const text = "profiles:\n  - name: x\n";
  const le = Buffer.from(text, "utf16le");
  const be = Buffer.from(le);
  for (let i = 0; i + 1 < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
  assert.deepEqual(utf8Text(b([0xff, 0xfe, 0, 0], "x")), { ok: false, problem: { kind: "utf-32" } });
  assert.deepEqual(utf8Text(b([0, 0, 0xfe, 0xff], "x")), { ok: false, problem: { kind: "utf-32" } });
  assert.deepEqual(utf8Text(b([0xff, 0xfe], [...le])), { ok: false, problem: { kind: "utf-16", encoding: "utf-16le", marked: true } });
  assert.deepEqual(utf8Text(b([0xfe, 0xff], [...be])), { ok: false, problem: { kind: "utf-16", encoding: "utf-16be", marked: true } });
  assert.deepEqual(utf8Text(le), { ok: false, problem: { kind: "utf-16", encoding: "utf-16le", marked: false } });
  assert.deepEqual(utf8Text(be), { ok: false, problem: { kind: "utf-16", encoding: "utf-16be", marked: false } });
});

test("a NUL byte and a byte that is not UTF-8 are found at their line and column", () => {
  assert.deepEqual(utf8Text(b("k: 1\nab", [0], "c")), { ok: false, problem: { kind: "nul", offset: 7, line: 2, column: 3 } });
  assert.deepEqual(utf8Text(b("a\nb: caf", [0xe9], "\n")), { ok: false, problem: { kind: "not-utf-8", offset: 8, line: 2, column: 7, byte: 0xe9 } });
  // Overlong forms, surrogates and sequences cut at the end are not UTF-8.
  assert.equal(firstInvalidUtf8(b([0x61, 0xc0, 0x80])), 1);
  assert.equal(firstInvalidUtf8(b([0xed, 0xa0, 0x80])), 0);
  assert.equal(firstInvalidUtf8(b("ok", [0xe2, 0x82])), 2);
  assert.equal(firstInvalidUtf8(b("€ ok")), -1);
  assert.deepEqual(bytePosition(b("a\nbc\n"), 3), { line: 2, column: 2 });
});

test("decodeText says what the bytes are and how to fix them", () => {
  const cases: [Uint8Array, number, RegExp, RegExp][] = [
    [b([0xff, 0xfe, 0, 0], "x"), 1, /is UTF-32 text/, /iconv -f UTF-32 -t UTF-8 FILE/],
    [b([0xfe, 0xff, 0, 0x61]), 1, /is UTF-16 text \(it starts with a UTF-16 byte-order mark\)/, /iconv -f UTF-16/],
    [Buffer.from("abc: 1\n", "utf16le"), 1, /looks like UTF-16 text/, /iconv -f UTF-16/],
    [b("a\n\nx", [0, 1, 2]), 3, /is not text: it holds a NUL byte \(line 3\)/, /^pass the file$/],
    [b("a\nb", [0xff]), 2, /is not valid UTF-8 \(line 2/, /iconv -f LATIN1 .* or pass the file$/],
  ];
  for (const [bytes, line, message, fix] of cases) {
    const d = decodeText(bytes, "pass the file");
    assert.equal(d.ok, false);
    if (d.ok) continue;
    assert.equal(d.line, line);
    assert.match(d.message, message);
    assert.match(d.fix, fix);
  }
});

test("a stack settings file in another encoding is refused naming the encoding, the line and the fix", () => {
  const refused = (bytes: Uint8Array) => {
    try {
      settingsText(bytes, "Pulumi.dev.yaml");
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.issues[0]!.path, "Pulumi.dev.yaml");
      return e.issues[0]!;
    }
    return assert.fail("expected a ConfigError");
  };
  assert.match(refused(b([0xff, 0xfe, 0, 0], "x")).message, /is UTF-32 text, not UTF-8/);
  assert.match(refused(Buffer.from("config:\n  a: b\n", "utf16le")).fix, /iconv -f UTF-16 -t UTF-8 Pulumi\.dev\.yaml/);
  assert.match(refused(b("config:\n", [0, 1])).message, /binary, not YAML text \(it holds a NUL byte at line 2\)/);
  assert.match(refused(b("config:\n  a: caf", [0xe9])).message, /not UTF-8 text \(line 2 holds a byte that is not\)/);
  assert.equal(settingsText(b([0xef, 0xbb, 0xbf], "config: {}\n"), "Pulumi.dev.yaml"), "config: {}\n");
});
