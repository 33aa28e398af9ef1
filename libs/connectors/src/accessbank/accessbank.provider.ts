import { networkInterfaces } from 'node:os';
import { num, str, url } from 'envalid';
import { defineProvider } from '../provider-definition.js';
import { createBerlinGroupConnector, type AccessMode } from './berlin-group.connector.js';
import { RequestSigner, SigningConfigError } from './bg-signing.js';
import { mtlsFetch, pem } from './mtls-fetch.js';

/**
 * AccessBank Tajikistan: Berlin Group NextGenPSD2 1.3.x AIS with the redirect SCA approach. The
 * connector is the standard's, not the bank's: another Berlin Group bank is this definition with
 * other values (docs/providers/accessbank.md "Another Berlin Group bank").
 */
export const accessBank = defineProvider({
  id: 'accessbank',
  name: 'AccessBank Tajikistan',
  country: 'TJ',
  protocol: 'Berlin Group NextGenPSD2 1.3 AIS, redirect SCA',
  auth: 'redirect',
  capabilities: ['accounts', 'balances', 'transactions'],
  config: {
    ACCESSBANK_URL: url({
      default: 'http://127.0.0.1:4030',
      desc: 'the XS2A API root (`/v1/consents` etc. are appended)',
    }),
    ACCESSBANK_TPP_ID: str({ default: 'hisob-tpp', desc: "the TPP's id at the bank" }),
    ACCESSBANK_TPP_ID_HEADER: str({
      default: '',
      desc: 'header that carries ACCESSBANK_TPP_ID where the bank wants one (empty: not sent)',
    }),
    ACCESSBANK_TIME_ZONE: str({
      default: 'Asia/Dushanbe',
      desc: "IANA zone of the bank's days and of the frequencyPerDay reset",
    }),
    ACCESSBANK_HISTORY_DAYS: num({
      default: 730,
      desc: 'days back the first sync asks for (narrowed when the bank answers PERIOD_INVALID)',
    }),
    ACCESSBANK_FREQUENCY_PER_DAY: num({
      default: 4,
      desc: 'frequencyPerDay asked for: reads a day without the person, per endpoint and account',
    }),
    ACCESSBANK_CONSENT_DAYS: num({ default: 180, desc: 'consent validity asked for when none is given' }),
    ACCESSBANK_CONSENT_ACCESS: str({
      default: 'allPsd2,bankOffered',
      desc: 'consent access forms to try in order: allPsd2, bankOffered',
    }),
    ACCESSBANK_AMOUNT_SIGN: str({
      choices: ['signed', 'by-party'],
      default: 'signed',
      desc: 'signed: debits are negative (the standard); by-party: unsigned amounts, a creditor makes a debit',
    }),
    ACCESSBANK_TLS_CERT: str({
      default: '',
      desc: "the TPP's client certificate (QWAC) for banks that demand mutual TLS: PEM, or a path to a PEM file",
    }),
    ACCESSBANK_TLS_KEY: str({ default: '', desc: 'its private key: PEM, or a path to a PEM file' }),
    ACCESSBANK_TLS_CA: str({
      default: '',
      desc: "CA bundle for the bank's server certificate (empty: the system's): PEM, or a path",
    }),
    ACCESSBANK_SIGNING_KEY: str({
      default: '',
      desc: "the TPP's RSA private key that signs every request (Digest, Signature) for banks that demand it: PEM, or a path to a PEM file (empty: requests are not signed)",
    }),
    ACCESSBANK_SIGNING_CERT: str({
      default: '',
      desc: 'its certificate (QSealC), sent as TPP-Signature-Certificate: PEM, or a path to a PEM file; set together with ACCESSBANK_SIGNING_KEY',
    }),
    ACCESSBANK_PSU_IP_FALLBACK: str({
      default: '',
      desc: "PSU-IP-Address on consent creation when the client passes no psu_ip_address (empty: this host's own address, as the standard says)",
    }),
  },
  validate(config) {
    const problems: Record<string, string> = {};
    try {
      signerOf(config);
    } catch (err) {
      if (!(err instanceof SigningConfigError)) throw err;
      problems[err.variable] = err.message;
    }
    // The mutual-TLS pair: together or neither, each readable (a lone one would silently turn mTLS off).
    const cert = config.ACCESSBANK_TLS_CERT.trim();
    const key = config.ACCESSBANK_TLS_KEY.trim();
    if (!cert !== !key)
      problems[cert ? 'ACCESSBANK_TLS_KEY' : 'ACCESSBANK_TLS_CERT'] =
        'ACCESSBANK_TLS_CERT and ACCESSBANK_TLS_KEY are set together, or neither';
    for (const [name, value] of [
      ['ACCESSBANK_TLS_CERT', cert],
      ['ACCESSBANK_TLS_KEY', key],
      ['ACCESSBANK_TLS_CA', config.ACCESSBANK_TLS_CA.trim()],
    ] as const) {
      if (!value) continue;
      try {
        pem(value);
      } catch (err) {
        problems[name] = (err as Error).message;
      }
    }
    return problems;
  },
  create(config, shared) {
    const modes = config.ACCESSBANK_CONSENT_ACCESS.split(',')
      .map((m) => m.trim())
      .filter((m): m is AccessMode => m === 'allPsd2' || m === 'bankOffered');
    return createBerlinGroupConnector(
      {
        provider: 'accessbank',
        baseUrl: config.ACCESSBANK_URL,
        tppId: config.ACCESSBANK_TPP_ID,
        tppIdHeader: config.ACCESSBANK_TPP_ID_HEADER || null,
        timeZone: config.ACCESSBANK_TIME_ZONE,
        historyDays: config.ACCESSBANK_HISTORY_DAYS,
        frequencyPerDay: config.ACCESSBANK_FREQUENCY_PER_DAY,
        consentDays: config.ACCESSBANK_CONSENT_DAYS,
        psuIpFallback: config.ACCESSBANK_PSU_IP_FALLBACK || ownAddress(),
        accessModes: modes,
        amountSign: config.ACCESSBANK_AMOUNT_SIGN as 'signed' | 'by-party',
        timeoutMs: shared.timeoutMs,
        signer: signerOf(config),
      },
      {
        ...(shared.budget ? { budget: shared.budget } : {}),
        ...(config.ACCESSBANK_TLS_CERT && config.ACCESSBANK_TLS_KEY
          ? {
              fetch: mtlsFetch({
                cert: config.ACCESSBANK_TLS_CERT,
                key: config.ACCESSBANK_TLS_KEY,
                ca: config.ACCESSBANK_TLS_CA || null,
              }),
            }
          : {}),
      },
    );
  },
});

/**
 * The request signer of `ACCESSBANK_SIGNING_KEY` and `ACCESSBANK_SIGNING_CERT` (both or neither);
 * null when neither is set.
 * @throws {SigningConfigError} naming the variable at fault, never quoting the key.
 */
function signerOf(config: { ACCESSBANK_SIGNING_KEY: string; ACCESSBANK_SIGNING_CERT: string }) {
  const key = config.ACCESSBANK_SIGNING_KEY.trim();
  const cert = config.ACCESSBANK_SIGNING_CERT.trim();
  if (!key && !cert) return null;
  if (!key || !cert)
    throw new SigningConfigError(
      key ? 'ACCESSBANK_SIGNING_CERT' : 'ACCESSBANK_SIGNING_KEY',
      'ACCESSBANK_SIGNING_KEY and ACCESSBANK_SIGNING_CERT are set together, or neither',
    );
  const read = (value: string, variable: string) => {
    try {
      return pem(value);
    } catch {
      // Not the file system's message: a key pasted without its PEM armour would be quoted as a path.
      throw new SigningConfigError(variable, 'neither PEM text nor a readable PEM file');
    }
  };
  return RequestSigner.fromPem({
    keyPem: read(key, 'ACCESSBANK_SIGNING_KEY'),
    certificatePem: read(cert, 'ACCESSBANK_SIGNING_CERT'),
    keyVariable: 'ACCESSBANK_SIGNING_KEY',
    certificateVariable: 'ACCESSBANK_SIGNING_CERT',
  });
}

/**
 * The standard's fallback for `PSU-IP-Address` when the person's is not known: "the IP Address
 * used by the TPP" — this host's first external IPv4 address, else loopback.
 */
function ownAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}
