import assert from "node:assert/strict";
import { embeddedIpv4, formatIp, inCidr, parseCidr, parseIp } from "../../lib/egress/address.ts";

function text(input: string): string | undefined {
  const address = parseIp(input);
  return address === undefined ? undefined : formatIp(address);
}

Deno.test("parseIp() normalises every IPv4 notation the URL parser accepts", () => {
  assert.equal(text("127.0.0.1"), "127.0.0.1");
  assert.equal(text("0x7f000001"), "127.0.0.1");
  assert.equal(text("0X7F000001"), "127.0.0.1");
  assert.equal(text("2130706433"), "127.0.0.1");
  assert.equal(text("0177.0.0.1"), "127.0.0.1");
  assert.equal(text("127.1"), "127.0.0.1");
  assert.equal(text("127.0.1"), "127.0.0.1");
  assert.equal(text("0x7f.1"), "127.0.0.1");
  assert.equal(text("0251.0376.0251.0376"), "169.254.169.254");
  assert.equal(text("0xa9.0xfe.0xa9.0xfe"), "169.254.169.254");
  assert.equal(text("2852039166"), "169.254.169.254");
  assert.equal(text("169.254.169.254."), "169.254.169.254");
  assert.equal(text("0"), "0.0.0.0");
});

Deno.test("parseIp() agrees with the WHATWG URL parser on legacy IPv4 forms", () => {
  for (const host of ["0x7f000001", "2130706433", "0177.0.0.1", "127.1", "0x7f.0.0.0x1", "10.1"]) {
    assert.equal(text(host), new URL(`http://${host}/`).hostname, host);
  }
});

Deno.test("parseIp() returns undefined for names and out-of-range numbers", () => {
  assert.equal(parseIp("localhost"), undefined);
  assert.equal(parseIp("example.com"), undefined);
  assert.equal(parseIp("1.2.3.example"), undefined);
  assert.equal(parseIp("256.0.0.1"), undefined);
  assert.equal(parseIp("4294967296"), undefined);
  assert.equal(parseIp("1.2.3.4.5"), undefined);
  assert.equal(parseIp("09.0.0.1"), undefined);
  assert.equal(parseIp("1:2:3:4:5:6:7:8:9"), undefined);
  assert.equal(parseIp("1::2::3"), undefined);
  assert.equal(parseIp("::ffff:0x7f.0.0.1"), undefined);
});

Deno.test("parseIp() reads IPv6 forms: brackets, zone ids, embedded IPv4, short forms", () => {
  assert.equal(text("[::1]"), "::1");
  assert.equal(text("::"), "::");
  assert.equal(text("fe80::1%eth0"), "fe80::1");
  assert.equal(text("[::ffff:127.0.0.1]"), "::ffff:7f00:1");
  assert.equal(text("::ffff:7f00:1"), "::ffff:7f00:1");
  assert.equal(text("FD00:EC2:0:0:0:0:0:254"), "fd00:ec2::254");
  assert.equal(text("1:0:0:1:0:0:0:1"), "1:0:0:1::1");
  assert.equal(text("[::ffff:127.0.0.1]"), text(new URL("http://[::ffff:127.0.0.1]/").hostname));
});

Deno.test("embeddedIpv4() finds the IPv4 host inside mapped, NAT64 and compatible forms", () => {
  for (const form of ["::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "::169.254.169.254"]) {
    assert.equal(formatIp(embeddedIpv4(parseIp(form)!)!), "169.254.169.254", form);
  }
  assert.equal(embeddedIpv4(parseIp("::1")!), undefined);
  assert.equal(embeddedIpv4(parseIp("2001:db8::1")!), undefined);
});

Deno.test("inCidr() matches prefixes of both versions, bit by bit", () => {
  const v4 = parseCidr("172.16.0.0/12")!;
  assert.equal(inCidr(parseIp("172.31.255.1")!, v4.network, v4.prefix), true);
  assert.equal(inCidr(parseIp("172.32.0.1")!, v4.network, v4.prefix), false);
  const v6 = parseCidr("fe80::/10")!;
  assert.equal(inCidr(parseIp("febf::1")!, v6.network, v6.prefix), true);
  assert.equal(inCidr(parseIp("fec0::1")!, v6.network, v6.prefix), false);
  assert.equal(inCidr(parseIp("10.0.0.1")!, v6.network, v6.prefix), false);
  assert.equal(parseCidr("10.0.0.0/33"), undefined);
  assert.equal(parseCidr("10.0.0.1")?.prefix, 32);
});
