import { Compile, parse } from 'velocityjs';
import { TEMPLATE_VARIABLES, type TemplateValues, templateContext } from './template-variables.js';

export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    readonly part: string,
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(`${part}: line ${line}, column ${column}: ${message}`);
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

/** A parsed, checked Velocity template; renders with HTML escaping of every inserted value when asked. */
export class VelocityTemplate {
  private readonly compiled: Compile;

  constructor(
    readonly part: string,
    readonly source: string,
    private readonly escapeHtml: boolean,
  ) {
    let ast: unknown[];
    try {
      ast = parse(source) as unknown[];
    } catch (err) {
      throw parseErrorOf(part, err as Error);
    }
    checkNodes(part, ast, new Set());
    this.compiled = new Compile(ast as never, { escape: escapeHtml });
  }

  render(values: TemplateValues): string {
    return this.compiled.render(templateContext(values));
  }
}

function checkNodes(part: string, nodes: unknown, locals: Set<string>): void {
  if (Array.isArray(nodes)) {
    for (const node of nodes) checkNodes(part, node, locals);
    return;
  }
  if (!nodes || typeof nodes !== 'object') return;
  const node = nodes as AstNode;
  const line = node.pos?.first_line ?? 1;
  const column = (node.pos?.first_column ?? 0) + 1;
  if (node.type && FORBIDDEN_DIRECTIVES.has(node.type))
    throw new TemplateError(part, line, column, `#${node.id ?? node.type} is not allowed`);
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
    if (key !== 'pos' && value && typeof value === 'object') checkNodes(part, value, locals);
  }
}

function parseErrorOf(part: string, err: Error): TemplateError {
  const lineMatch = /line (\d+)/.exec(err.message);
  const line = lineMatch ? Number(lineMatch[1]) : 1;
  // velocityjs prints the source line and a caret under the failing column.
  const caret = err.message.split('\n').find((l) => /^-*\^$/.test(l));
  const column = caret ? caret.length : 1;
  const expecting = err.message.split('\n').find((l) => l.startsWith('Expecting')) ?? 'syntax error';
  return new TemplateError(part, line, column, expecting);
}
