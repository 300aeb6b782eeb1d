/**
 * A tiny DNS server on loopback UDP for egress tests: answers A queries for the names it was
 * given, NXDOMAIN-free empty answers for everything else. Only what Deno.resolveDns needs.
 */

import dgram from "node:dgram";
import { Buffer } from "node:buffer";

/** The running server: its `ip:port` and close. */
export interface DnsServer {
  readonly address: string;
  close(): Promise<void>;
}

/** Starts a server answering `records` (name → IPv4) on 127.0.0.1 and an ephemeral port. */
export async function startDnsServer(records: Record<string, string>): Promise<DnsServer> {
  const socket = dgram.createSocket("udp4");
  socket.on("message", (message: Buffer, peer: { port: number; address: string }) => {
    let at = 12;
    const labels: string[] = [];
    while (message[at] !== 0) {
      const length = message[at]!;
      labels.push(message.subarray(at + 1, at + 1 + length).toString());
      at += length + 1;
    }
    at += 5;
    const type = message.readUInt16BE(at - 4);
    const ip = records[labels.join(".").toLowerCase()];
    const answer = type === 1 && ip !== undefined;
    const header = Buffer.from([message[0]!, message[1]!, 0x81, 0x80, 0, 1, 0, answer ? 1 : 0]);
    const rest = Buffer.from([0, 0, 0, 0]);
    const record = answer
      ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, ...ip.split(".").map(Number)])
      : Buffer.alloc(0);
    socket.send(
      Buffer.concat([header, rest, message.subarray(12, at), record]),
      peer.port,
      peer.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const { port } = socket.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
