import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BrowserBuild } from '../browser-builds.js';

/**
 * `/<prefix>/<version>/<file>`: a browser build as built in its package's `dist`: the Sign-In
 * Widget (`/widget/<version>/gatehouse-sign-in.js` and `.css`) and the SDK
 * (`/sdk/<version>/gatehouse-sdk.browser.js`). A version's URL never changes content, so it is
 * cached for a year (`immutable`); any page may load it (`<script src integrity crossorigin>`).
 * 404 when the version is not this one or the package is not built.
 */
export async function browserBuildRoutes(app: FastifyInstance, build: BrowserBuild): Promise<void> {
  const version = await build.version();

  const notFound = (reply: FastifyReply, text: string) =>
    reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);

  for (const [name, type] of Object.entries(build.files)) {
    app.get<{ Params: { version: string } }>(
      `/${build.urlPrefix}/:version/${name}`,
      { config: { protocol: 'plain' } },
      async (request, reply) => {
        if (!version || request.params.version !== version)
          return notFound(reply, `No such ${build.urlPrefix} version.`);
        const file = await build.read(name);
        if (!file) return notFound(reply, `${name} is not built (npm run build -w ${build.packageName}).`);
        // Public bytes for any page (`crossorigin` + SRI): `*`, never with credentials, even
        // when the CORS plugin answered a trusted app origin first.
        reply.removeHeader('access-control-allow-credentials');
        return reply
          .type(type)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('access-control-allow-origin', '*')
          .header('cross-origin-resource-policy', 'cross-origin')
          .send(file.body);
      },
    );
  }
}

/** One served file as `/browser-builds.json` lists it. */
export interface PublishedFile {
  url: string;
  integrity: string;
}

/**
 * `/browser-builds.json`: the URL and SRI hash of every built browser file this server serves,
 * `{ widget: { version, files: { "gatehouse-sign-in.js": { url, integrity }, … } }, sdk: … }`. The
 * files are public and any hosted page names the widget's version, so this reveals nothing new;
 * a file that is not built is left out.
 */
export async function browserBuildsManifestRoute(
  app: FastifyInstance,
  publicUrl: string,
  builds: readonly BrowserBuild[],
): Promise<void> {
  app.get('/browser-builds.json', { config: { protocol: 'plain' } }, async (_request, reply) => {
    const manifest = await publishedBuilds(publicUrl, builds);
    return reply
      .header('cache-control', 'no-cache')
      .header('access-control-allow-origin', '*')
      .send(manifest);
  });
}

/** What `/browser-builds.json` serves (also shown on the development home page). */
export async function publishedBuilds(
  publicUrl: string,
  builds: readonly BrowserBuild[],
): Promise<Record<string, { version: string; files: Record<string, PublishedFile> }>> {
  const entries = await Promise.all(
    builds.map(async (build) => {
      const files: Record<string, PublishedFile> = {};
      for (const name of Object.keys(build.files)) {
        const file = await build.read(name);
        if (file) files[name] = { url: `${publicUrl}${await build.path(name)}`, integrity: file.integrity };
      }
      return [build.urlPrefix, { version: await build.version(), files }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
