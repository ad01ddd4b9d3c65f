/**
 * Every citation in the repository resolves inside the repository (issue 12). Code comments, test
 * names and docs cite three kinds of things:
 *
 * - security checklist items by id (`docs/security.md G7`, or bare in a test name: `(B8)`,
 *   `'A3: …'`): each id must be a row of the "Checklist" table in docs/security.md;
 * - sections of the wire-protocol specs and design notes (`docs/protocol/idx-protocol.md §6.4`,
 *   `docs/design/perf.md §2d`): each `§n.m` must be a numbered heading of that repository doc.
 *   A bare `§n.m` counts only in the same comment (code) or paragraph (Markdown) as the document it
 *   belongs to, after it; after an external standard (`RFC 6749 §4.1.2`, `OIDC Core §3.1.3.7`) it is
 *   not checked;
 * - design docs by file name (`security.md`, `idx-protocol.md`, `perf.md`, `ARCHITECTURE.md`, …):
 *   the name must be a repository path, from the root or relative to the citing file (Markdown
 *   links), of a file that exists.
 *
 * Nothing may point at the team's design folder outside the repository (`shared/design`), except
 * `.ci/run`, the root README and the prefaces of the copies in docs/protocol/ and docs/design/ (the
 * lines before their first `---`), which say where the copies came from. The bodies of those copies
 * are kept as written: their own cross-references ("P1 §6.3") are not checked here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const THIS_FILE = 'packages/server/test/docs/citations.test.ts';

/** Repository docs whose numbered headings are cited as `§n.m`. */
const SECTIONED_DOCS = [
  'docs/protocol/idx-protocol.md',
  'docs/protocol/idx-protocol-2.md',
  'docs/design/perf.md',
];
const CHECKLIST_DOC = 'docs/security.md';
/** Files that may name the design folder outside the repository (besides the prefaces of the copies). */
const MAY_NAME_OUTSIDE = ['.ci/run', 'README.md'];
const COPIES = /^docs\/(protocol|design)\/[^/]+\.md$/;

/** File names of the design docs; whatever cites one must name it by a repository path. */
const DOC_NAME = String.raw`(?<![\w/.-])(?<doc>[\w./-]*?\b(?:security|idx-protocol-2|idx-protocol|perf|peers|ARCHITECTURE|style|style-study)\.md)\b`;
/** The protocol spec named without `.md` ("idx-protocol §1.2"), which is not a path. */
const SHORT_NAME = String.raw`(?<short>\bidx-protocol(?:-2)?\b(?![.\w-]))`;
/** External standards: their sections are theirs, not ours. */
const EXTERNAL = String.raw`(?<external>\b(?:RFC\s?\d{3,5}|OIDC|OpenID|NIST|SP\s?800-63\w*|ASVS\d?)\b)`;
const SECTION = String.raw`(?<section>§§?\s?(?<num>\d+[a-z]?(?:\.\d+)*))`;
const TOKEN = new RegExp([DOC_NAME, SHORT_NAME, EXTERNAL, SECTION].join('|'), 'g');

/** A checklist id: section letter A–N and item number. */
const ID = String.raw`[A-N]\d{1,2}`;
const ID_LIST = String.raw`${ID}(?:\s*(?:,|\/|–|-|and)\s*${ID})*`;
/** `docs/security.md G7, H8`, `security B9`, `Security N2:`. */
const AFTER_SECURITY = new RegExp(String.raw`\b[Ss]ecurity(?:\.md)?\s+(?<list>${ID_LIST})\b`, 'g');
/** `security.md E` (a whole section letter, not an item). */
const SECTION_LETTER = /\b[Ss]ecurity(?:\.md)?\s+(?<letter>[A-N])\b(?![\d-])/g;
/** One segment of a parenthesis: `(B8)`, `(A1, A2)`, `(G7/I1)`, `(login CSRF, F2)`. */
const BARE_SEGMENT = new RegExp(`^(?:${ID_LIST})$`);
/** A test name or comment that starts with an id: `'A3: a wrong verifier …'`, ` * G8, loosely`. */
const LEADING = new RegExp(String.raw`(?:['"\`]|^\s*(?:\*|\/\/)\s*)(?<list>${ID}(?:–${ID})?)(?=[:,]\s)`, 'g');

interface Repo {
  exists(path: string): boolean;
  /** Numbered headings (`6`, `6.4`, `2d`) of a sectioned doc. */
  headings(doc: string): Set<string>;
  checklistIds: Set<string>;
}

interface Problem {
  file: string;
  line: number;
  problem: string;
}

interface Found {
  checklist: Map<string, number>;
  sections: Map<string, number>;
  docNames: Map<string, number>;
}

/** Text files to scan: tracked (and new, not ignored) files, minus dependencies, builds and raw results. */
function filesToScan(): string[] {
  let files: string[];
  try {
    files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
      .split('\0')
      .filter(Boolean);
  } catch {
    // Not a git checkout: every file below the root, without descending into what git would ignore.
    files = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory() && !/^(\.git|\.gatehouse|node_modules|dist)$/.test(entry.name))
          walk(join(dir, entry.name));
        else if (entry.isFile()) files.push(relative(repoRoot, join(dir, entry.name)).split(sep).join('/'));
      }
    };
    walk(repoRoot);
  }
  return [...new Set(files)]
    .filter((f) => !/(^|\/)(node_modules|dist)\//.test(f))
    .filter((f) => !/^bench\/results\/.*\.json$/.test(f))
    .filter((f) => !/\.(png|jpe?g|gif|svg|ico|woff2?|ttf|pdf|zip|gz|tsbuildinfo)$/.test(f))
    .filter((f) => f !== 'package-lock.json' && f !== THIS_FILE)
    .filter((f) => existsSync(join(repoRoot, f)) && statSync(join(repoRoot, f)).isFile())
    .sort();
}

function numberedHeadings(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(\d+[a-z]?(?:\.\d+)*)\.?(?:\s|$)/.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

/** Ids in the first cell of the rows of the "## Checklist" section of docs/security.md. */
function checklistRows(markdown: string): string[] {
  const ids: string[] = [];
  let inChecklist = false;
  for (const line of markdown.split('\n')) {
    if (/^## /.test(line)) inChecklist = /^## Checklist\b/.test(line);
    const m = inChecklist && new RegExp(String.raw`^\|\s*(${ID})\s*\|`).exec(line);
    if (m) ids.push(m[1]!);
  }
  return ids;
}

function realRepo(): Repo {
  const headings = new Map(
    SECTIONED_DOCS.filter((d) => existsSync(join(repoRoot, d))).map((d) => [
      d,
      numberedHeadings(readFileSync(join(repoRoot, d), 'utf8')),
    ]),
  );
  return {
    exists: (path) => existsSync(join(repoRoot, path)) && statSync(join(repoRoot, path)).isFile(),
    headings: (doc) => headings.get(doc) ?? new Set(),
    checklistIds: new Set(checklistRows(readFileSync(join(repoRoot, CHECKLIST_DOC), 'utf8'))),
  };
}

/** `A5–A8` → A5, A6, A7, A8; `G7/I1` → G7, I1. */
function expandIds(list: string): string[] {
  const out: string[] = [];
  for (const part of list.split(/\s*(?:,|\/|and)\s*/)) {
    const range = /^([A-N])(\d{1,2})\s*[–-]\s*([A-N])(\d{1,2})$/.exec(part.trim());
    if (range && range[1] === range[3]) {
      for (let n = Number(range[2]); n <= Number(range[4]); n++) out.push(`${range[1]}${n}`);
    } else {
      out.push(...(part.match(new RegExp(ID, 'g')) ?? []));
    }
  }
  return out;
}

/** The checklist ids a line cites, and section letters cited where an id belongs. */
function checklistCitations(line: string): { ids: Set<string>; letters: string[] } {
  const ids = new Set<string>();
  for (const m of line.matchAll(AFTER_SECURITY)) for (const id of expandIds(m.groups!.list!)) ids.add(id);
  for (const m of line.matchAll(LEADING)) for (const id of expandIds(m.groups!.list!)) ids.add(id);
  for (const m of line.matchAll(/\(([^()\n]*)\)/g)) {
    for (const segment of m[1]!.split(/[,;]/)) {
      const bare = segment.trim().replace(/^(?:docs\/)?[Ss]ecurity(?:\.md)?\s+/, '');
      if (BARE_SEGMENT.test(bare)) for (const id of expandIds(bare)) ids.add(id);
    }
  }
  const letters = [...line.matchAll(SECTION_LETTER)].map((m) => m.groups!.letter!);
  return { ids, letters };
}

/** The repository path a doc name stands for, from the root or from the citing file, if it exists. */
function resolveDoc(repo: Repo, from: string, name: string): string | null {
  const candidates = [posix.normalize(name), posix.normalize(posix.join(posix.dirname(from), name))];
  return candidates.find((c) => !c.startsWith('../') && repo.exists(c)) ?? null;
}

/** Scans one file; returns the problems and adds what it found to `found`. */
function checkFile(repo: Repo, file: string, text: string, found?: Found): Problem[] {
  const problems: Problem[] = [];
  const markdown = file.endsWith('.md');
  const copy = COPIES.test(file);
  const lines = text.split('\n');
  const prefaceEnd = copy ? lines.indexOf('---') : -1;
  const count = (map: Map<string, number> | undefined, key: string) => map?.set(key, (map.get(key) ?? 0) + 1);
  // What a bare § belongs to: the last document or standard named in the same comment/paragraph.
  let context: { doc: string | null } | 'external' | null = null;

  lines.forEach((line, index) => {
    const at = { file, line: index + 1 };
    const inCopyBody = copy && index > prefaceEnd;

    const namesOutside = /shared\/design|\/work\/shared\b/.test(line);
    const mayNameOutside = MAY_NAME_OUTSIDE.includes(file) || (copy && !inCopyBody);
    if (namesOutside && !mayNameOutside) {
      problems.push({ ...at, problem: 'names the design folder outside the repository' });
    }

    const { ids, letters } = inCopyBody ? { ids: [], letters: [] } : checklistCitations(line);
    for (const id of ids) {
      count(found?.checklist, id);
      if (!repo.checklistIds.has(id)) {
        problems.push({
          ...at,
          problem: `checklist id ${id} is not a row of the ${CHECKLIST_DOC} checklist`,
        });
      }
    }
    for (const letter of letters) {
      problems.push({
        ...at,
        problem: `cites the checklist section "${letter}": cite item ids (${letter}1, …)`,
      });
    }

    const commentLike = /^\s*(?:\*|\/\/|\/\*|#)/.test(line);
    if (markdown ? line.trim() === '' : !commentLike) context = null;
    for (const m of line.matchAll(TOKEN)) {
      const g = m.groups!;
      if (g.doc) {
        count(found?.docNames, g.doc);
        const path = resolveDoc(repo, file, g.doc);
        if (!path && !(mayNameOutside && g.doc.includes('shared/design')))
          problems.push({ ...at, problem: `"${g.doc}" is not a repository path of an existing file` });
        context = { doc: path };
      } else if (g.short) {
        problems.push({ ...at, problem: `"${g.short}" names no file: write docs/protocol/${g.short}.md` });
        context = { doc: null };
      } else if (g.external) {
        context = 'external';
      } else if (g.section && !inCopyBody) {
        if (context === 'external') continue;
        count(found?.sections, `${context?.doc ?? '?'} §${g.num}`);
        if (context === null) {
          problems.push({
            ...at,
            problem: `bare §${g.num}: name the document in the same comment or paragraph`,
          });
        } else if (context.doc && !SECTIONED_DOCS.includes(context.doc)) {
          problems.push({
            ...at,
            problem: `§${g.num} cited against ${context.doc}, which has no numbered sections`,
          });
        } else if (context.doc && !repo.headings(context.doc).has(g.num!)) {
          problems.push({ ...at, problem: `§${g.num} is not a numbered heading of ${context.doc}` });
        }
      }
    }
    if (line.includes('*/')) context = null;
  });
  return problems;
}

const format = (p: Problem) => `${p.file}:${p.line}: ${p.problem}`;

describe('citations resolve inside the repository', () => {
  const repo = realRepo();

  it('the sectioned docs and the checklist exist, with numbered headings and unique ids', () => {
    for (const doc of SECTIONED_DOCS) expect(repo.headings(doc).size, doc).toBeGreaterThan(3);
    const rows = checklistRows(readFileSync(join(repoRoot, CHECKLIST_DOC), 'utf8'));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length, 'a checklist id appears once').toBe(new Set(rows).size);
  });

  it('every checklist id, section and doc name cited in tracked files resolves', () => {
    const found: Found = { checklist: new Map(), sections: new Map(), docNames: new Map() };
    const problems = filesToScan().flatMap((file) =>
      checkFile(repo, file, readFileSync(join(repoRoot, file), 'utf8'), found),
    );
    expect(problems.map(format)).toEqual([]);
    // The scan really sees the citations (a broken pattern would find nothing and pass).
    expect(found.checklist.size).toBeGreaterThan(20);
    expect(found.sections.size).toBeGreaterThan(20);
  });

  it('the test files the checklist names exist', () => {
    const checklist = readFileSync(join(repoRoot, CHECKLIST_DOC), 'utf8');
    const named = [...checklist.matchAll(/`((?:packages|examples|bench)\/[\w./-]+\.test\.ts)`/g)].map(
      (m) => m[1]!,
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((path) => !repo.exists(path))).toEqual([]);
  });

  describe('the checks catch what they are for', () => {
    const problemsIn = (file: string, text: string) => checkFile(repo, file, text).map((p) => p.problem);
    const spec = 'docs/protocol/idx-protocol.md';

    it('a section the spec does not have', () => {
      expect(problemsIn('packages/x/src/a.ts', `/** Polling (${spec} §7.77). */`)).toEqual([
        `§7.77 is not a numbered heading of ${spec}`,
      ]);
      expect(problemsIn('packages/x/src/a.ts', `/** Polling (${spec} §7.7). */`)).toEqual([]);
    });

    it('a bare § outside the comment that names the spec, and one after it in the same comment', () => {
      const text = [`/** Envelope (${spec} §6). */`, 'const a = 1;', '// Actions (§6.6).'].join('\n');
      expect(problemsIn('packages/x/src/a.ts', text)).toEqual([
        'bare §6.6: name the document in the same comment or paragraph',
      ]);
      expect(
        problemsIn('packages/x/src/a.ts', `/**\n * Envelope (${spec}\n * §6, §6.6, §7.3–§7.5). */`),
      ).toEqual([]);
      expect(problemsIn('packages/x/src/a.ts', '// RFC 6749 §4.1.2 and OIDC Core §3.1.3.7')).toEqual([]);
    });

    it('a doc named by a name or path that is not in the repository', () => {
      expect(problemsIn('packages/x/src/a.ts', '// see idx-protocol.md §6.4')).toContain(
        '"idx-protocol.md" is not a repository path of an existing file',
      );
      expect(problemsIn('packages/x/src/a.ts', '// see idx-protocol §6.4')).toContain(
        '"idx-protocol" names no file: write docs/protocol/idx-protocol.md',
      );
      expect(problemsIn('docs/adr/x.md', 'The stack of ARCHITECTURE.md §3.')).toContain(
        '"ARCHITECTURE.md" is not a repository path of an existing file',
      );
      expect(problemsIn('docs/adr/x.md', 'See [perf](../design/perf.md) §2d.')).toEqual([]);
      expect(problemsIn('packages/x/src/a.ts', '// from ../../shared/design/notes')).toEqual([
        'names the design folder outside the repository',
      ]);
    });

    it('a checklist id that is not a row, in each form it is cited', () => {
      const missing = (id: string) => `checklist id ${id} is not a row of the ${CHECKLIST_DOC} checklist`;
      expect(problemsIn('packages/x/test/a.test.ts', "it('refuses it (N99)', () => {});")).toEqual([
        missing('N99'),
      ]);
      expect(problemsIn('packages/x/test/a.test.ts', "it('N98: refuses it', () => {});")).toEqual([
        missing('N98'),
      ]);
      expect(problemsIn('packages/x/src/a.ts', '// (docs/security.md N97, N96)')).toEqual([
        missing('N97'),
        missing('N96'),
      ]);
      expect(problemsIn('packages/x/src/a.ts', '// security.md E')).toContain(
        'cites the checklist section "E": cite item ids (E1, …)',
      );
      // Not citations: an HTML tag name, percent-encoding, a response id of the spec.
      expect(problemsIn('packages/x/test/a.test.ts', "expect(tag).toBe('H2'); q('%E2%80%A8'); (R9)")).toEqual(
        [],
      );
    });
  });
});
