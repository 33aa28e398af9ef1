import { readFileSync } from 'node:fs';
import { loadWorkerConfig } from '#common/config.js';
import { resolveConfig } from '../../sandbox-alif-shop/src/config.js';

/** docs/providers/alif-shop.md states figures operators and borrowers rely on: they must be the code's. */
const doc = readFileSync(new URL('../../../docs/providers/alif-shop.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## Data retention'), doc.indexOf('## Known gaps'));

describe('the Alif Shop provider report', () => {
  it('states the retention period the configuration defaults to', () => {
    const days = loadWorkerConfig({ NODE_ENV: 'test' }).HISOB_RETENTION_DAYS;
    expect(section).toContain(`**${days} days** (\`HISOB_RETENTION_DAYS\`)`);
  });

  it("states the one-time code's attempts and lifetime as the sandbox backend enforces them", () => {
    const sandbox = resolveConfig({});
    expect(section).toContain(`**${sandbox.otpAttempts}** wrong codes`);
    expect(section).toContain(`**${sandbox.otpTtlS / 60} minutes**`);
  });

  it('names every permission the provider offers in the disclosure row', async () => {
    const { alifShop } = await import('#connectors/alif-shop/alif-shop.provider.js');
    const { permissionsOffered } = await import('#domain/permissions.js');
    for (const p of permissionsOffered(alifShop.capabilities).filter((x) => x !== 'statements'))
      expect(section).toContain(`\`${p}\``);
  });
});
