import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import { SIGNING_ALG, SIGNING_ALGS, type SigningAlg } from '../../keys/signing-keys.js';
import { type CommonOptions, print, withServices, withStoreOptions } from '../common-options.js';

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('manage token signing keys');
  withStoreOptions(
    keys
      .command('rotate')
      .description(
        'make a new signing key for one algorithm; the old one stays published until the tokens it signed expire',
      )
      .option('--alg <alg>', `the algorithm whose key is replaced: ${SIGNING_ALGS.join(', ')}`, SIGNING_ALG)
      .option('--json', 'print JSON'),
  ).action((options: CommonOptions & { alg: string }) =>
    withServices(options, async (services) => {
      if (!(SIGNING_ALGS as readonly string[]).includes(options.alg))
        throw new ValidationError('alg', `--alg must be one of ${SIGNING_ALGS.join(', ')}`);
      const { tokens } = services.config;
      const graceSeconds = Math.max(tokens.accessTokenTtlSeconds, tokens.idTokenTtlSeconds) + 300;
      const result = await services.keys.rotate(graceSeconds, options.alg as SigningAlg);
      print(
        options,
        { ...result, retiredPublishedForSeconds: graceSeconds },
        `New ${result.alg} signing key ${result.kid}${result.retired ? `; ${result.retired} stays published for ${graceSeconds} s` : ''}`,
      );
    }),
  );
  withStoreOptions(
    keys
      .command('delete')
      .description(
        'delete a signing key: it leaves the JWKS and tokens it signed stop verifying; refused for an active key or one still published unless --force',
      )
      .argument('<kid>', 'the key (see keys list)')
      .option('--force', 'delete it anyway; an active key is replaced by a new one of its algorithm at once')
      .option('--json', 'print JSON'),
  ).action((kid: string, options: CommonOptions & { force?: boolean }) =>
    withServices(options, async (services) => {
      const result = await services.keys.deleteKey(kid, options.force === true);
      print(
        options,
        { ...result, deleted: true },
        `Deleted ${result.status} ${result.alg} signing key ${kid}${result.replacedBy ? `; new active ${result.alg} key ${result.replacedBy}` : ''}`,
      );
    }),
  );
  withStoreOptions(
    keys.command('list').description('list signing keys').option('--json', 'print JSON'),
  ).action((options: CommonOptions) =>
    withServices(options, async (services) => {
      const list = (await services.storage.keys.listAll()).map((k) => ({
        kid: k.kid,
        alg: k.alg,
        status: k.status,
        createdAt: new Date(k.createdAt).toISOString(),
        publishUntil: k.publishUntil === null ? null : new Date(k.publishUntil).toISOString(),
      }));
      print(
        options,
        list,
        list.map((k) => `${k.kid}  ${k.alg}  ${k.status}  ${k.createdAt}`).join('\n') || 'No keys.',
      );
    }),
  );
}
