import dgram from 'node:dgram';

/**
 * A stand-in for Docker's embedded DNS server (which cannot run here): answers A queries for the names it
 * holds with their current addresses, anything else with no answer. Enough for HAProxy's resolvers.
 */
export class DnsServer {
  private readonly socket = dgram.createSocket('udp4');
  /** Name (without the trailing dot) to IPv4 addresses; change it to move the answers. */
  readonly records = new Map<string, string[]>();

  async listen(port: number, host = '127.0.0.1'): Promise<void> {
    this.socket.on('message', (query, peer) => {
      const reply = this.answer(query);
      if (reply) this.socket.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(port, host, resolve));
  }

  close(): void {
    this.socket.close();
  }

  private answer(query: Buffer): Buffer | undefined {
    if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
    const labels: string[] = [];
    let offset = 12;
    while (offset < query.length && query[offset] !== 0) {
      const length = query[offset] ?? 0;
      labels.push(query.toString('ascii', offset + 1, offset + 1 + length));
      offset += length + 1;
    }
    const questionEnd = offset + 5;
    if (questionEnd > query.length) return undefined;
    const type = query.readUInt16BE(offset + 1);
    const addresses = type === 1 ? (this.records.get(labels.join('.').toLowerCase()) ?? []) : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const answers = addresses.map((ip) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(1, 6); // TTL 1 s
      rr.writeUInt16BE(4, 10);
      ip.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
      return rr;
    });
    return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
  }
}
