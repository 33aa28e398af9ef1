// The registry mirror this project installs from serves only the linux-x64 builds of packages that
// ship native binaries per platform (@swc/core, msgpackr-extract, unrs-resolver). `npm install`
// therefore leaves the other platforms' optional packages out of package-lock.json, and `npm ci`
// then refuses the lock as "out of sync". This adds the missing entries as optional packages, as a
// lock written against the full registry would have them; `npm ci` skips an optional package it
// cannot fetch or that does not fit the platform. Run after every `npm install`:
//   node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const pkgs = lock.packages;
let added = 0;
for (const [loc, meta] of Object.entries(pkgs)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${loc}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (pkgs[nested] || pkgs[hoisted]) continue;
    const version = String(range).replace(/^[\^~=]/, '');
    pkgs[hoisted] = { version, ...(meta.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`complete-lockfile: added ${added} optional entries\n`);
