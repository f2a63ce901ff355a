import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { addressAfter, cidrContains, firstHost, isStrictSubset, parseAddress, parseCidr } from "./cidr.ts";

const cidr = (t: string) => {
  const c = parseCidr(t);
  assert.ok(c, t);
  return c;
};

describe("CIDR math", () => {
  it("first host of a range is the network address + 1 (IPv4 and IPv6)", () => {
    assert.equal(firstHost("10.96.0.0/12"), "10.96.0.1");
    assert.equal(firstHost("10.96.3.7/12"), "10.96.0.1");
    assert.equal(firstHost("fd00:10:96::/108"), "fd00:10:96::1");
    assert.equal(firstHost("not-a-cidr"), undefined);
  });

  it("contains respects the prefix and the address family", () => {
    assert.equal(cidrContains(cidr("169.254.0.0/16"), parseAddress("169.254.169.254")!), true);
    assert.equal(cidrContains(cidr("169.254.0.0/16"), parseAddress("169.255.0.1")!), false);
    assert.equal(cidrContains(cidr("0.0.0.0/0"), parseAddress("fd00::1")!), false);
    assert.equal(cidrContains(cidr("::/0"), parseAddress("fd00::1")!), true);
  });

  it("except must be a strict subset of cidr", () => {
    assert.equal(isStrictSubset(cidr("10.0.0.0/8"), cidr("0.0.0.0/0")), true);
    assert.equal(isStrictSubset(cidr("10.0.0.0/8"), cidr("10.0.0.0/8")), false);
    assert.equal(isStrictSubset(cidr("192.168.0.0/16"), cidr("10.0.0.0/8")), false);
    assert.equal(isStrictSubset(cidr("0.0.0.0/0"), cidr("10.0.0.0/8")), false);
  });

  it("parses addresses strictly (dotted quads only)", () => {
    assert.equal(parseAddress("0x0a.0.0.1"), undefined);
    assert.equal(parseAddress("10.1"), undefined);
    assert.equal(parseCidr("10.0.0.0"), undefined);
  });

  it("the address after a range is its broadcast + 1", () => {
    assert.equal(addressAfter(cidr("169.254.0.0/16")), "169.255.0.0");
    assert.equal(addressAfter(cidr("10.0.0.255/32")), "10.0.1.0");
    assert.equal(addressAfter(cidr("0.0.0.0/0")), undefined);
  });
});
