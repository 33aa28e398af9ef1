import { Logger } from '@nestjs/common';
import { ConfigError, loadApiConfig } from '#common/config.js';
import { createApiApp } from './app.factory.js';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const app = await createApiApp({ config });
  await app.listen(config.HISOB_API_PORT, config.HISOB_API_HOST);
  new Logger('Bootstrap').log({ url: await app.getUrl() }, 'hisob api listening');
}

main().catch((err: unknown) => {
  // Config errors list every bad variable; anything else is a boot failure worth its stack.
  process.stderr.write(
    err instanceof ConfigError ? `${err.message}\n` : `${(err as Error).stack ?? String(err)}\n`,
  );
  process.exit(1);
});
