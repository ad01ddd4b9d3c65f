/**
 * The code blocks the docs present as runnable (docs/guides/tested-docs.md): a fenced block right
 * after a `<!-- tested: NAME[; browser][; expect: TEXT] -->` line. Untagged blocks are illustrative
 * and not run. This module only finds them and substitutes the documented placeholders; the test
 * (code-blocks.test.ts) runs them against a real server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Markdown files whose tagged blocks are run. */
export const DOCS_WITH_CODE = [
  'README.md',
  ...readdirSync(new URL('../../../../docs/guides/', import.meta.url))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/guides/${f}`),
  'packages/sdk/README.md',
  'packages/widget/README.md',
  'examples/express/README.md',
];

export interface TestedBlock {
  /** The tag's name, unique across the docs. */
  name: string;
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language: `js` runs in Node as an ES module, `sh` in bash, `html` in Chromium. */
  language: string;
  code: string;
  /** Text the block's output (or, with `browser`, the page it ends on) must contain. */
  expect: string | undefined;
  /**
   * JS: the block prints `Open <url>`; a browser opens it and signs in on the page it shows. HTML:
   * the page is served at the app's origin; a browser opens it and signs in on it.
   */
  browser: boolean;
}

const TAG = /^<!--\s*tested:\s*(?<body>.+?)\s*-->\s*$/;

/** Every tagged block of one Markdown text; a tag not followed by a fence is an error. */
export function parseTestedBlocks(file: string, markdown: string): TestedBlock[] {
  const lines = markdown.split('\n');
  const blocks: TestedBlock[] = [];
  /** The backticks of the fence the line is in (a tag shown inside an example is not a tag). */
  let openFence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const ticks = /^(`{3,})/.exec(lines[i]!)?.[1];
    if (openFence !== null) {
      if (ticks && ticks.length >= openFence.length && /^`+\s*$/.test(lines[i]!)) openFence = null;
      continue;
    }
    if (ticks) {
      openFence = ticks;
      continue;
    }
    const tag = TAG.exec(lines[i]!);
    if (!tag) continue;
    const [name, ...options] = tag.groups!.body!.split(';').map((part) => part.trim());
    const fence = /^```(\w+)\s*$/.exec(lines[i + 1] ?? '');
    if (!name || !fence)
      throw new Error(`${file}:${i + 1}: a tested tag must name the block and precede a fence`);
    const end = lines.findIndex((l, j) => j > i + 1 && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 2}: the tested block is not closed`);
    const expectOption = options.find((o) => o.startsWith('expect:'));
    blocks.push({
      name,
      file,
      line: i + 2,
      language: fence[1]!,
      code: lines.slice(i + 2, end).join('\n'),
      expect: expectOption?.slice('expect:'.length).trim(),
      browser: options.includes('browser'),
    });
    i = end;
  }
  return blocks;
}

/** The tagged blocks of every doc in DOCS_WITH_CODE, in order. */
export function findTestedBlocks(repoRoot: string): TestedBlock[] {
  return DOCS_WITH_CODE.flatMap((file) =>
    parseTestedBlocks(file, readFileSync(join(repoRoot, file), 'utf8')),
  );
}

/** What the placeholders of the docs stand for in a test run. */
export interface Placeholders {
  /** Replaces `http://localhost:4455` (the server's origin). */
  gatehouseOrigin: string;
  /** Replaces the port of `http://localhost:8080` and `listen(8080`: the app's port. */
  appPort: number;
  /** Replaces the string literal `'…'` in JS (the demo user's password). */
  demoPassword: string;
  /** Replaces `npx gatehouse` in shell blocks (the built binary). */
  gatehouseCommand: string;
  /** Replaces `<id>` in shell blocks (the guides' example app). */
  clientId: string;
}

/** The example hosts of the package READMEs and what they stand for. */
const EXAMPLE_HOSTS = (p: Placeholders): Array<[string, string]> => [
  ['https://id.example.com', p.gatehouseOrigin],
  ['https://app.example.com', `http://localhost:${p.appPort}`],
  ['0oa1example', 'gatehouse-demo'],
];

export function substitutePlaceholders(block: TestedBlock, p: Placeholders): string {
  let code = block.code
    .replaceAll('http://localhost:4455', p.gatehouseOrigin)
    .replaceAll('http://localhost:8080', `http://localhost:${p.appPort}`)
    .replaceAll('listen(8080', `listen(${p.appPort}`);
  if (block.language === 'js') code = code.replaceAll("'…'", JSON.stringify(p.demoPassword));
  if (block.language === 'html')
    for (const [example, real] of EXAMPLE_HOSTS(p)) code = code.replaceAll(example, real);
  if (block.language === 'sh')
    code = code.replace(/\bnpx gatehouse\b/g, p.gatehouseCommand).replaceAll('<id>', p.clientId);
  return code;
}

/** An element's `integrity="sha384-…"` placeholder after its `href`/`src`: the URL it is for. */
const INTEGRITY_PLACEHOLDER = /(?<attr>href|src)="(?<url>[^"]+)"(?<gap>\s+)integrity="sha384-…"/g;

/** Fills in the `sha384-…` placeholders of an HTML block with the hashes of what the URLs serve. */
export async function fillIntegrity(html: string, hash: (url: string) => Promise<string>): Promise<string> {
  let out = html;
  for (const match of html.matchAll(INTEGRITY_PLACEHOLDER)) {
    const { attr, url, gap } = match.groups!;
    out = out.replace(match[0], `${attr}="${url}"${gap}integrity="${await hash(url!)}"`);
  }
  return out;
}
