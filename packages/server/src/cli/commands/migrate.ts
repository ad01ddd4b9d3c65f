import type { Command } from 'commander';
import { migrateToLatest, openDatabase } from '../../storage/database.js';
import { type CommonOptions, configFrom, print, withStoreOptions } from '../common-options.js';

export function migrateCommand(program: Command): void {
  withStoreOptions(
    program
      .command('migrate')
      .description('apply pending database migrations')
      .option('--json', 'print JSON'),
  ).action(async (options: CommonOptions) => {
    const config = configFrom(options);
    const handle = openDatabase({ ...config.storage });
    try {
      const applied = await migrateToLatest(handle.db);
      print(
        options,
        { database: handle.location, applied },
        applied.length
          ? `Applied ${applied.join(', ')} to ${handle.location}`
          : `${handle.location} is up to date`,
      );
    } finally {
      await handle.close();
    }
  });
}
