import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

/** The TPP's certificate for banks that identify it on the TLS connection (eIDAS QWAC). */
export interface ClientCertificate {
  /** PEM certificate chain, or a path to a PEM file. */
  readonly cert: string;
  /** PEM private key, or a path to a PEM file. */
  readonly key: string;
  /** PEM CA bundle the bank's server certificate must chain to (else the system's), or a path. */
  readonly ca?: string | null;
}

/**
 * A PEM value given inline, or read from the file it names. The error of an unreadable file never
 * quotes the value: a key pasted without its PEM armour would be taken for a path.
 */
export function pem(value: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch {
    throw new Error('neither PEM text nor a readable PEM file');
  }
}

/**
 * A `fetch` that presents the TPP's client certificate (mutual TLS), for the connector's HTTP
 * client (it only needs method, headers, body, `redirect: 'manual'` and an AbortSignal). Node's
 * global fetch has no way to present one.
 */
export function mtlsFetch(certificate: ClientCertificate): typeof fetch {
  const agent = new Agent({
    cert: pem(certificate.cert),
    key: pem(certificate.key),
    ...(certificate.ca ? { ca: pem(certificate.ca) } : {}),
    keepAlive: true,
  });
  return ((input: URL | string, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(String(input));
      if (url.protocol !== 'https:') {
        reject(new TypeError('a client certificate needs an https:// bank URL'));
        return;
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
        return;
      }
      const req = request(
        url,
        { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, agent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers))
              for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one);
            const status = res.statusCode ?? 502;
            const empty = status === 204 || status === 304;
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
          });
        },
      );
      req.on('error', reject);
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    })) as typeof fetch;
}
