import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { ConfigError, loadApiConfig } from '#common/config.js';
import { HisobError } from '#common/http/problem.js';
import { Keyring } from '#crypto/keyring.js';
import { createDataSource } from '#persistence/data-source.js';
import { ClientRepository } from '#persistence/repositories/client.repository.js';
import { ClientsService, toClientResponse } from './admin/clients.service.js';
import { withConsentRevocation } from './admin/consent-revocation.context.js';
import { DemoSeed } from './admin/demo-seed.js';
import { rotateKeys } from './admin/key-rotation.js';
import { revalidateCommand } from './revalidation/revalidate.command.js';

const USAGE = `Usage: npm run hisob -- <command>

  clients create --name <name> [--webhook-url <url>] [--redirect-uri <url>]…
                                                       create a client; prints its API key (shown once);
                                                       --redirect-uri may be repeated
  clients list                                         list live clients
  clients delete <id>                                  delete a client: its key stops working, its consents
                                                       are revoked and their data purged after the retention period
  migrate up | down | status                           apply, revert the last, or list migrations
  demo seed                                            create the demo client with HISOB_DEMO_API_KEY
  keys rotate                                          re-encrypt every stored secret under the first key of
                                                       HISOB_ENCRYPTION_KEY (then the old key can be dropped)
  revalidate <consent_id> [--json]                     read every resource of the consent's provider once and
                                                       report drift from the connector's schemas; exit 0 no
                                                       drift, 1 drift or a resource unreachable, 2 consent
                                                       not found / not active / session refused
`;

const out = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

async function main(argv: string[]): Promise<number> {
  // stdout is the command's JSON result: service logs would corrupt it. Errors still reach stderr.
  Logger.overrideLogger(['error']);
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'webhook-url': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action, arg] = positionals;
  if (values.help || !group) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadApiConfig();
  if (group === 'revalidate') {
    if (!action || arg) throw new UsageError('revalidate needs one consent id');
    const write = (s: string) => process.stdout.write(s);
    return revalidateCommand(config, action, values.json ?? false, write, (s) => process.stderr.write(s));
  }
  const ds = createDataSource({ url: config.DATABASE_URL, poolSize: 2, applicationName: 'hisob-cli' });
  await ds.initialize();
  try {
    const clients = new ClientsService(
      new ClientRepository(ds),
      Keyring.parse(config.HISOB_ENCRYPTION_KEY),
      config,
    );
    switch (`${group} ${action ?? ''}`.trim()) {
      case 'clients create': {
        if (!values.name) throw new UsageError('clients create needs --name');
        const r = await clients.create(values.name, {
          webhookUrl: values['webhook-url'] ?? null,
          redirectUris: values['redirect-uri'] ?? [],
        });
        out({ ...toClientResponse(r.client), api_key: r.apiKey, webhook_secret: r.webhookSecret });
        return 0;
      }
      case 'clients list':
        out({ clients: (await clients.list()).map(toClientResponse) });
        return 0;
      case 'clients delete':
        if (!arg) throw new UsageError('clients delete needs an id');
        // As the API does: its consents revoked at the banks, their jobs stopped, their purge scheduled.
        await withConsentRevocation(config, (revocation) =>
          new ClientsService(
            new ClientRepository(ds),
            Keyring.parse(config.HISOB_ENCRYPTION_KEY),
            config,
            revocation,
          ).delete(arg),
        );
        out({ deleted: arg });
        return 0;
      case 'migrate up': {
        const ran = await ds.runMigrations({ transaction: 'each' });
        out({ applied: ran.map((m) => m.name) });
        return 0;
      }
      case 'migrate down':
        await ds.undoLastMigration({ transaction: 'each' });
        out({ reverted: true });
        return 0;
      case 'migrate status':
        out({ pending: await ds.showMigrations() });
        return 0;
      case 'keys rotate':
        out(await rotateKeys(ds, Keyring.parse(config.HISOB_ENCRYPTION_KEY)));
        return 0;
      case 'demo seed':
        // The demo key is public (README, start banner): a client holding it is open to anyone.
        if (config.NODE_ENV === 'production') throw new UsageError('demo seed is refused in production');
        out(await new DemoSeed(ds, clients).run(config.HISOB_DEMO_API_KEY));
        return 0;
      default:
        throw new UsageError(`unknown command: ${positionals.join(' ')}`);
    }
  } finally {
    await ds.destroy();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n\n${USAGE}`);
    else if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof HisobError)
      process.stderr.write(
        `${[err.detail, ...(err.options.errors ?? []).map((e) => `  ${e.field}: ${e.message}`)].join('\n')}\n`,
      );
    else process.stderr.write(`${(err as Error).message ?? String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
