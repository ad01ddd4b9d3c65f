import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { renderConfigurationReference } from '../../docs/configuration-reference.js';
import { renderErrorsReference } from '../../docs/errors-reference.js';

interface DocsOptions {
  check?: boolean;
  out: string;
}

/** The generated reference documents, by file name. */
export function referenceDocs(): Array<{ file: string; render: () => string }> {
  return [
    { file: 'configuration.md', render: renderConfigurationReference },
    { file: 'errors.md', render: renderErrorsReference },
  ];
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function docsCommand(program: Command): void {
  program
    .command('docs')
    .description('generate the reference documents (configuration, errors) from the code')
    .option('--check', 'write nothing; exit 1 when a document is missing or out of date')
    .option('--out <dir>', 'output directory', join('docs', 'reference'))
    .action((options: DocsOptions) => {
      const dir = resolve(options.out);
      const shown = (file: string) => relative(process.cwd(), join(dir, file)) || file;
      const stale: string[] = [];
      for (const { file, render } of referenceDocs()) {
        const text = render();
        const path = join(dir, file);
        if (readOrNull(path) === text) continue;
        stale.push(shown(file));
        if (!options.check) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(path, text);
        }
      }
      if (options.check) {
        if (stale.length) {
          process.stderr.write(
            `gatehouse: reference docs are out of date: ${stale.join(', ')} (run \`npx gatehouse docs\`)\n`,
          );
          process.exitCode = 1;
        } else {
          process.stdout.write('Reference docs are up to date\n');
        }
        return;
      }
      process.stdout.write(stale.length ? `Wrote ${stale.join(', ')}\n` : 'Reference docs are up to date\n');
    });
}
