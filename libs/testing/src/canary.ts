import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** One connection (TCP) or datagram (UDP) that reached a canary. */
export interface CanaryContact {
  protocol: 'tcp' | 'udp';
  from: string;
  at: number;
}

/**
 * A TCP port and a UDP port on 127.0.0.1 that nothing should ever reach: a
 * test points a page at them (a popup, a service worker's fetch, a STUN
 * server) without trusting them, and asserts that `contacts` stays empty. It
 * answers nothing: a TCP connection is recorded and closed, a datagram is
 * recorded and dropped.
 */
export class NetworkCanary extends EventEmitter {
  readonly contacts: CanaryContact[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly tcp: Server,
    private readonly udp: UdpSocket,
  ) {
    super();
  }

  static async start(): Promise<NetworkCanary> {
    const tcp = createServer();
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const udp = createSocket('udp4');
    udp.bind(0, '127.0.0.1');
    await once(udp, 'listening');
    const canary = new NetworkCanary(tcp, udp);
    tcp.on('connection', (s) => {
      canary.sockets.add(s);
      s.on('close', () => canary.sockets.delete(s));
      canary.record({ protocol: 'tcp', from: `${s.remoteAddress}:${s.remotePort}`, at: performance.now() });
      s.destroy();
    });
    udp.on('message', (_msg, rinfo) =>
      canary.record({ protocol: 'udp', from: `${rinfo.address}:${rinfo.port}`, at: performance.now() }),
    );
    return canary;
  }

  get tcpPort(): number {
    return (this.tcp.address() as AddressInfo).port;
  }

  get udpPort(): number {
    return this.udp.address().port;
  }

  /** Resolves with the first contact, recorded or future. */
  firstContact(): Promise<CanaryContact> {
    const first = this.contacts[0];
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => this.once('contact', resolve));
  }

  private record(contact: CanaryContact): void {
    this.contacts.push(contact);
    this.emit('contact', contact);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      new Promise((resolve) => this.tcp.close(resolve)),
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
    ]);
  }
}
