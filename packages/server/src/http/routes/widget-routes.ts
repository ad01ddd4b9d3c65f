import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The built widget's files and their content types. */
const FILES: Record<string, string> = {
  'gatehouse-sign-in.js': 'text/javascript; charset=utf-8',
  'gatehouse-sign-in.css': 'text/css; charset=utf-8',
};

/** The `@gatehouse/widget` package folder: through the workspace link, else beside this package. */
function widgetPackageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('@gatehouse/widget/package.json'));
  } catch {
    // src/http/routes and dist/http/routes are both three levels under packages/server.
    return fileURLToPath(new URL('../../../../widget/', import.meta.url));
  }
}

interface Cached {
  mtimeMs: number;
  body: Buffer;
}

/**
 * `/widget/<version>/gatehouse-sign-in.js` and `.css`: the Sign-In Widget as built in
 * `packages/widget/dist`. A version's URL never changes content, so it is cached for a year
 * (`immutable`); any page may load it (`<script src integrity crossorigin>`). 404 when the
 * version is not this one or the widget is not built.
 */
export async function widgetRoutes(app: FastifyInstance): Promise<void> {
  const packageDir = widgetPackageDir();
  let version = '';
  try {
    version = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')).version;
  } catch {
    // No widget package: every request answers 404.
  }
  const cache = new Map<string, Cached>();

  const notFound = (reply: FastifyReply, text: string) =>
    reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);

  for (const [name, type] of Object.entries(FILES)) {
    app.get<{ Params: { version: string } }>(
      `/widget/:version/${name}`,
      { config: { protocol: 'plain' } },
      async (request, reply) => {
        if (!version || request.params.version !== version) return notFound(reply, 'No such widget version.');
        const file = join(packageDir, 'dist', name);
        let body: Buffer;
        try {
          const { mtimeMs } = await stat(file);
          const cached = cache.get(file);
          if (cached && cached.mtimeMs === mtimeMs) body = cached.body;
          else {
            body = await readFile(file);
            cache.set(file, { mtimeMs, body });
          }
        } catch {
          return notFound(reply, 'The widget is not built (npm run build -w @gatehouse/widget).');
        }
        // Public bytes for any page (`crossorigin` + SRI): `*`, never with credentials, even
        // when the CORS plugin answered a trusted app origin first.
        reply.removeHeader('access-control-allow-credentials');
        return reply
          .type(type)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('access-control-allow-origin', '*')
          .header('cross-origin-resource-policy', 'cross-origin')
          .send(body);
      },
    );
  }
}
