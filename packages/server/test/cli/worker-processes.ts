import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Observing the processes of `gatehouse start --workers N` from outside, the way an operator could
 * (Linux /proc): which processes the primary forked, and which of them owns the server end of a
 * given TCP connection, so a test can say which worker served a request without the server
 * announcing its pid.
 */

/** Pids whose parent is `pid` (from /proc/<pid>/stat). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state, fields[1] the parent pid; a zombie has exited already.
      if (Number(fields[1]) === pid && fields[0] !== 'Z') children.push(Number(entry));
    } catch {
      // The process went away while listing.
    }
  }
  return children.sort((a, b) => a - b);
}

export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Socket inodes of the TCP connections to local `serverPort`, by the peer (client) port. */
function serverSocketInodes(serverPort: number): Map<number, string> {
  const inodes = new Map<number, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const localPort = Number.parseInt(cols[1]!.split(':')[1]!, 16);
      const remotePort = Number.parseInt(cols[2]!.split(':')[1]!, 16);
      if (localPort === serverPort && cols[9] !== '0') inodes.set(remotePort, cols[9]!);
    }
  }
  return inodes;
}

function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]!);
      } catch {
        // fd closed while listing
      }
    }
  } catch {
    // process gone
  }
  return inodes;
}

/** For each client port, the pid among `pids` holding the server end of that connection (or null). */
export function connectionOwners(
  serverPort: number,
  clientPorts: number[],
  pids: number[],
): Array<number | null> {
  const inodes = serverSocketInodes(serverPort);
  const held = pids.map((pid) => ({ pid, inodes: socketInodesOf(pid) }));
  return clientPorts.map((port) => {
    const inode = inodes.get(port);
    return inode ? (held.find((h) => h.inodes.has(inode))?.pid ?? null) : null;
  });
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One keep-alive TCP connection: every request goes over the same socket, one at a time. */
export class PinnedConnection {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** Local (client) port of the socket, known after the first request. */
  localPort = 0;

  constructor(private readonly origin: string) {}

  request(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(path, this.origin), { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      });
      req.on('socket', (socket) => {
        const remember = () => {
          if (this.localPort && this.localPort !== socket.localPort)
            reject(new Error('the pinned connection was replaced by another socket'));
          this.localPort = socket.localPort ?? 0;
        };
        if (socket.localPort) remember();
        else socket.once('connect', remember);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A `fetch` over this connection (enough for the IDX test client: method, headers, string body). */
  fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const reply = await this.request(
      init.method ?? 'GET',
      `${url.pathname}${url.search}`,
      headers,
      init.body as string,
    );
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(reply.headers))
      if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
    return new Response(reply.body || null, { status: reply.status, headers: responseHeaders });
  };

  close(): void {
    this.agent.destroy();
  }
}

/** Opens `count` connections (one GET /healthz each) and says which worker holds each. */
export async function openConnections(
  origin: string,
  serverPort: number,
  count: number,
  workerPids: number[],
): Promise<Array<{ connection: PinnedConnection; owner: number | null }>> {
  const connections = Array.from({ length: count }, () => new PinnedConnection(origin));
  const replies = await Promise.all(connections.map((c) => c.request('GET', '/healthz')));
  for (const reply of replies) if (reply.status !== 200) throw new Error(`/healthz answered ${reply.status}`);
  const owners = connectionOwners(
    serverPort,
    connections.map((c) => c.localPort),
    workerPids,
  );
  return connections.map((connection, i) => ({ connection, owner: owners[i]! }));
}
