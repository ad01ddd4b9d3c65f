import { Compile, parse } from 'velocityjs';
import { TEMPLATE_VARIABLES, type TemplateValues, templateContext } from './template-variables.js';

export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    readonly part: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${part}: line ${line}, column ${column}: ${reason}`);
  }
}

type AstNode = {
  type?: string;
  id?: string;
  path?: Array<{ type: string; id?: string }>;
  pos?: { first_line: number; first_column: number };
  [k: string]: unknown;
};

const ALLOWED = new Set<string>(TEMPLATE_VARIABLES);
const FORBIDDEN_DIRECTIVES = new Set(['macro', 'macro_call', 'define', 'evaluate', 'include', 'parse']);

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
// A range literal (`[1..n]`) is built in memory whole: larger ones could exhaust the server.
const MAX_RANGE = 1000;

/**
 * A parsed, checked Velocity template; renders with HTML escaping of every inserted value when asked.
 * Values are escaped once, before rendering (velocityjs' own escaping leaves `'` alone, which breaks
 * out of single-quoted attributes, and escapes twice through interpolated strings).
 */
export class VelocityTemplate {
  private readonly compiled: Compile;

  constructor(
    readonly part: string,
    readonly source: string,
    private readonly escapeHtml: boolean,
  ) {
    const ast = parseTemplate(part, source);
    checkNodes(part, ast, new Set());
    this.compiled = new Compile(ast as never, { escape: false });
  }

  render(values: TemplateValues): string {
    if (!this.escapeHtml) return this.compiled.render(templateContext(values));
    const escaped: TemplateValues = {};
    for (const [name, value] of Object.entries(values) as Array<[keyof TemplateValues, string | undefined]>)
      if (value !== undefined) escaped[name] = value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
    return this.compiled.render(templateContext(escaped));
  }
}

function parseTemplate(part: string, source: string, at?: { line: number; column: number }): unknown[] {
  try {
    return parse(source) as unknown[];
  } catch (err) {
    const error = parseErrorOf(part, err as Error);
    // Inside an interpolated string the position is the string's.
    if (at) throw new TemplateError(part, at.line, at.column, `in a quoted string: ${error.reason}`);
    throw error;
  }
}

/** Walks the AST; nodes without a position (literals) are reported at their enclosing node's. */
function checkNodes(part: string, nodes: unknown, locals: Set<string>, inherited?: AstNode['pos']): void {
  if (Array.isArray(nodes)) {
    for (const node of nodes) checkNodes(part, node, locals, inherited);
    return;
  }
  if (!nodes || typeof nodes !== 'object') return;
  const node = nodes as AstNode;
  const pos = node.pos ?? inherited;
  const line = pos?.first_line ?? 1;
  const column = (pos?.first_column ?? 0) + 1;
  if (node.type && FORBIDDEN_DIRECTIVES.has(node.type)) {
    const directive = node.type === 'macro_call' ? node.id : node.type;
    throw new TemplateError(part, line, column, `#${directive} is not allowed`);
  }
  // "…$x…" strings are parsed and rendered at run time: they obey the same rules.
  if (
    node.type === 'string' &&
    node.isEval === true &&
    typeof node.value === 'string' &&
    /[$#]/.test(node.value)
  )
    checkNodes(part, withPosition(parseTemplate(part, node.value, { line, column }), pos), locals, pos);
  if (node.type === 'array' && node.isRange === true && Array.isArray(node.value)) {
    const [from, to] = node.value.map((bound) => (typeof bound === 'string' ? Number(bound) : bound));
    if (
      !Number.isInteger(from) ||
      !Number.isInteger(to) ||
      Math.abs((to as number) - (from as number)) > MAX_RANGE
    )
      throw new TemplateError(
        part,
        line,
        column,
        `a range must have literal bounds at most ${MAX_RANGE} apart`,
      );
  }
  if (node.type === 'foreach' && typeof node.to === 'string') locals.add(node.to);
  if (node.type === 'set' && Array.isArray(node.equal)) {
    const target = node.equal[0] as AstNode | undefined;
    if (target?.id && !target.path) locals.add(target.id);
  }
  if (node.type === 'references' && node.id) {
    const steps = node.path ?? [];
    const call = steps.find((s) => s.type !== 'property');
    if (call)
      throw new TemplateError(part, line, column, `\${${node.id}…} may not call methods or index values`);
    const name = [node.id, ...steps.map((s) => s.id)].join('.');
    if (!ALLOWED.has(name) && !(locals.has(node.id) && steps.length === 0))
      throw new TemplateError(part, line, column, `unknown variable \${${name}}`);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'pos' && value && typeof value === 'object') checkNodes(part, value, locals, pos);
  }
}

/** Gives nodes parsed from an interpolated string the position of the string itself. */
function withPosition(nodes: unknown, pos: AstNode['pos']): unknown {
  if (Array.isArray(nodes)) return nodes.map((n) => withPosition(n, pos));
  if (!nodes || typeof nodes !== 'object') return nodes;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(nodes))
    copy[key] = key === 'pos' ? pos : withPosition(value, pos);
  return copy;
}

function parseErrorOf(part: string, err: Error): TemplateError {
  // The parser reports where the last good token ended: the unexpected one starts there.
  const loc = (err as Error & { hash?: { loc?: { last_line?: number; last_column?: number } } }).hash?.loc;
  const lineMatch = /line (\d+)/.exec(err.message);
  const line = loc?.last_line ?? (lineMatch ? Number(lineMatch[1]) : 1);
  const column = loc?.last_column !== undefined ? loc.last_column + 1 : 1;
  const expecting = err.message.split('\n').find((l) => l.startsWith('Expecting')) ?? 'syntax error';
  return new TemplateError(part, line, column, expecting);
}
