/**
 * Open-loop HTTP load for the latency targets: GET requests sent on a fixed schedule (`rate` a
 * second, evenly spaced), whatever the answers do, over at most `connections` keep-alive sockets.
 * Each latency runs from the request's scheduled time to the last byte of its response, so a
 * server that stalls is charged for every request it delayed, including the ones that waited here
 * for a free socket (no coordinated omission).
 *
 * Why not node:http or autocannon: the load generator shares the box's two cores with the server
 * and PostgreSQL, so what it spends per request is taken from the server under test. A node:http
 * client request (ClientRequest, IncomingMessage, header objects, the agent's bookkeeping) cost
 * about as much CPU as the bare server spent answering it. Here each request is a pre-encoded
 * buffer written to a raw socket, and a response is read by its status line and Content-Length
 * alone. autocannon is as lean, but its pacing sends each second's requests as one burst at the
 * top of the second, and its latency correction assumes requests 1 ms apart.
 *
 * Only what the servers under test send is understood: HTTP/1.1 responses with a Content-Length
 * and no body on none of them (no chunked encoding, no 1xx). Anything else fails the run loudly.
 */
import { connect, type Socket } from 'node:net';
import { percentile } from './stats.js';

export interface OpenLoopResult {
  sent: number;
  /** Non-200 responses and socket errors. */
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

export interface OpenLoopOptions {
  /** `http://host:port` */
  baseUrl: string;
  paths: readonly string[];
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  connections: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** One keep-alive connection and the response it is reading. */
class Conn {
  readonly socket: Socket;
  /** Scheduled time of the request in flight; undefined when idle. */
  due: number | undefined;
  private head: Buffer | undefined;
  private bodyLeft = -1;
  private status = 0;

  constructor(
    host: string,
    port: number,
    private readonly done: (conn: Conn, status: number, due: number) => void,
    private readonly fail: (conn: Conn, err: Error) => void,
    /** The server closed the connection between requests (keep-alive timeout): a normal end. */
    private readonly closedIdle: (conn: Conn) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (err) => this.fail(this, err));
    this.socket.on('close', () => {
      if (this.due !== undefined) this.fail(this, new Error('connection closed mid-response'));
      else this.closedIdle(this);
    });
  }

  send(request: Buffer, due: number): void {
    this.due = due;
    this.socket.write(request);
  }

  private read(chunk: Buffer): void {
    if (this.due === undefined) {
      this.fail(this, new Error('bytes received with no request in flight'));
      return;
    }
    if (this.bodyLeft < 0) {
      const buf = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        this.head = buf;
        return;
      }
      this.head = undefined;
      const head = buf.toString('latin1', 0, end);
      this.status = Number.parseInt(head.slice(9, 12), 10);
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!m) {
        this.fail(this, new Error(`response without Content-Length: ${head.split('\r\n')[0]}`));
        return;
      }
      this.bodyLeft = Number.parseInt(m[1]!, 10) - (buf.length - end - 4);
    } else {
      this.bodyLeft -= chunk.length;
    }
    if (this.bodyLeft < 0) {
      this.fail(this, new Error('more bytes than Content-Length (pipelining is not used)'));
    } else if (this.bodyLeft === 0) {
      const due = this.due;
      this.due = undefined;
      this.bodyLeft = -1;
      this.done(this, this.status, due);
    }
  }
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const { hostname, port } = new URL(o.baseUrl);
  const headerLines = Object.entries(o.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const requests = o.paths.map((p) =>
    Buffer.from(`GET ${p} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n${headerLines}\r\n`, 'latin1'),
  );
  const total = Math.round(o.rate * o.seconds);
  const latencies = new Float64Array(total);
  let completed = 0;
  let failed = 0;
  let error: Error | undefined;
  const idle: Conn[] = [];
  /** Scheduled times of the requests waiting for a free connection, oldest first. */
  const backlog: number[] = [];
  let backlogHead = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const pick = () => requests[Math.floor(Math.random() * requests.length)]!;

  const settle = () => {
    if (completed + failed === total) finish();
  };
  const next = (conn: Conn) => {
    if (backlogHead < backlog.length) conn.send(pick(), backlog[backlogHead++]!);
    else idle.push(conn);
  };
  const done = (conn: Conn, status: number, due: number) => {
    if (status === 200) latencies[completed++] = performance.now() - due;
    else failed++;
    settle();
    next(conn);
  };
  const fail = (conn: Conn, err: Error) => {
    error ??= err;
    if (conn.due !== undefined) {
      conn.due = undefined;
      failed++;
      settle();
    }
    conn.socket.destroy();
    finish(); // the run is over: its error is thrown once the schedule loop stops
  };
  let stopping = false;
  const conns = new Set<Conn>();
  const open = (): Conn => {
    const conn = new Conn(hostname, Number(port), done, fail, (closed) => {
      conns.delete(closed);
      const at = idle.indexOf(closed);
      if (at >= 0) idle.splice(at, 1);
      // Writes to a connection still connecting are queued by net.Socket: usable at once.
      if (!stopping) idle.push(open());
    });
    conns.add(conn);
    return conn;
  };
  for (let i = 0; i < o.connections; i++) open();
  await Promise.all(
    [...conns].map(
      (c) => new Promise<void>((resolve, reject) => c.socket.once('connect', resolve).once('error', reject)),
    ),
  );
  idle.push(...conns);

  const start = performance.now();
  const interval = 1000 / o.rate;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      // Every request whose time has come goes now: to an idle connection, or to the backlog.
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const due = start + sent * interval;
        sent++;
        const conn = idle.pop();
        if (conn) conn.send(pick(), due);
        else backlog.push(due);
      }
      if (sent < total && !error) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  if (!error && total > 0) await finished;
  stopping = true;
  for (const c of conns) c.socket.destroy();
  if (error) throw new Error(`open-loop load against ${o.baseUrl} failed: ${error.message}`);

  const sorted = latencies.subarray(0, completed).sort();
  return {
    sent,
    failed,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
  };
}
