import type { FastifyInstance, FastifyReply } from 'fastify';
import { WIDGET_FILES, type WidgetFiles } from '../widget-files.js';

/**
 * `/widget/<version>/gatehouse-sign-in.js` and `.css`: the Sign-In Widget as built in
 * `packages/widget/dist`. A version's URL never changes content, so it is cached for a year
 * (`immutable`); any page may load it (`<script src integrity crossorigin>`). 404 when the
 * version is not this one or the widget is not built.
 */
export async function widgetRoutes(app: FastifyInstance, files: WidgetFiles): Promise<void> {
  const version = await files.version();

  const notFound = (reply: FastifyReply, text: string) =>
    reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);

  for (const [name, type] of Object.entries(WIDGET_FILES)) {
    app.get<{ Params: { version: string } }>(
      `/widget/:version/${name}`,
      { config: { protocol: 'plain' } },
      async (request, reply) => {
        if (!version || request.params.version !== version) return notFound(reply, 'No such widget version.');
        const file = await files.read(name);
        if (!file) return notFound(reply, 'The widget is not built (npm run build -w @gatehouse/widget).');
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
