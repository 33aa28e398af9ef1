/**
 * The command-line start of a sandbox, the same for every sandbox: flags over environment over
 * defaults, `--help`, exit code 2 on a bad flag or setting, and a clean close on SIGINT/SIGTERM.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SandboxEntry<R, C> {
  /** For the start-failure message, e.g. `sandbox-bepaid`. */
  readonly name: string;
  readonly usage: string;
  /** The flags, or `help`; throws on an unknown or malformed flag. */
  parseCli(argv: string[]): R | 'help';
  /** The settings from the environment merged under the flags, resolved; throws on a bad value. */
  resolve(cli: R): C;
  /** True for the errors of {@link resolve} that are the operator's (exit 2, no stack). */
  isConfigError(err: unknown): err is Error;
  /** Starts the server; its logger announces the shutdown. */
  start(config: C): Promise<{
    close(): Promise<void>;
    logger: { info(fields: object, message: string): void };
  }>;
}

/** True when the module at `moduleUrl` is the script node was asked to run. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Runs a sandbox from the command line (`process.argv`), until SIGINT or SIGTERM. */
export function runSandbox<R, C>(entry: SandboxEntry<R, C>): void {
  start(entry).catch((err: unknown) => {
    process.stderr.write(`${entry.name} failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

async function start<R, C>(entry: SandboxEntry<R, C>): Promise<void> {
  let cli: R | 'help';
  try {
    cli = entry.parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${entry.usage}`);
    process.exit(2);
  }
  if (cli === 'help') {
    process.stdout.write(entry.usage);
    return;
  }
  let config: C;
  try {
    config = entry.resolve(cli);
  } catch (err) {
    if (entry.isConfigError(err)) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const sandbox = await entry.start(config);
  const stop = (signal: string): void => {
    sandbox.logger.info({ signal }, 'shutting down');
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
