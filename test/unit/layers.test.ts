/**
 * Layers point one way (README, "How it is built"): no import goes up. Reads every .ts file's import
 * specifiers with the TypeScript parser, needs no service and no build.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

export interface SourceFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  text: string;
}

export interface ImportRef {
  specifier: string;
  /** Erased by the compiler: `import type`, `export type`, or every named binding marked `type`. */
  typeOnly: boolean;
  line: number;
}

export function importsOf(file: SourceFile): ImportRef[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (specifier && ts.isStringLiteralLike(specifier)) {
      found.push({ specifier: specifier.text, typeOnly, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allNamedAreTypes = !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, !!clause && (clause.isTypeOnly || (!clause.name && allNamedAreTypes)));
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const allNamedAreTypes = !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allNamedAreTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      // `typeof import('../x')` in a type position.
      add(node, node.argument.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The top folder a repository path belongs to: api, workflows, activities, domain, lib, db, … */
export const layerOf = (repoPath: string): string => repoPath.split('/')[0];

/** A relative specifier as a repository path without extension; undefined for packages and Node built-ins. */
export function targetOf(fromPath: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromPath), specifier));
}

/** Processes and their tooling: they may import every layer (scripts only run on a developer's or CI's machine). */
const TOP = ['api', 'scripts', 'test'];
const ABOVE_BASE = ['api', 'scripts', 'test', 'workers', 'services', 'workflows', 'activities', 'temporal-config'];

/**
 * Why `from` may not import `to`, or undefined when it may. The picture:
 *
 *   api  scripts  workers  services/sandboxCarrier      processes (entry points)
 *     \     |        |          |
 *      workflows  ←  activities |                       activities use the workflows' contracts;
 *            \          |       |                       workflows see activities only as types
 *             domain  ·  lib  ·  db                     the shared base: nothing above it
 */
export function refusal(from: string, to: string, typeOnly: boolean): string | undefined {
  if (from === to) return undefined;
  if (to === 'api' && !TOP.includes(from)) return 'only scripts and tests may use the API; shared code belongs in domain/ or lib/';
  if (to === 'test' && !TOP.includes(from)) return 'test helpers are not product code';
  if (to === 'scripts' && !TOP.includes(from)) return 'scripts are a top layer';
  if (from === 'api' && ['activities', 'workers', 'services'].includes(to)) return 'the API talks to workflows and the shared base, never to activities or other processes';
  if (['lib', 'db', 'domain'].includes(from) && ABOVE_BASE.includes(to)) return `${from}/ is the shared base: it cannot depend on ${to}/`;
  if (from === 'workflows' && to === 'activities' && !typeOnly) return 'workflow code sees activities only through proxies: `import type`';
  if (from === 'workflows' && ['workers', 'services'].includes(to)) return 'workflow code cannot depend on processes';
  if (from === 'activities' && ['workers', 'services'].includes(to)) return 'activities cannot depend on processes; the worker wires them';
  if (from === 'services' && !['domain', 'lib', 'db'].includes(to)) return 'a service of its own uses only the shared base';
  if (from === 'workers' && to === 'services') return 'the worker cannot depend on another process';
  return undefined;
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  why: string;
}

export function layerViolations(files: readonly SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const file of files) {
    for (const ref of importsOf(file)) {
      const target = targetOf(file.path, ref.specifier);
      if (target === undefined) continue;
      const why = refusal(layerOf(file.path), layerOf(target), ref.typeOnly);
      if (why) out.push({ file: file.path, line: ref.line, specifier: ref.specifier, why });
    }
  }
  return out;
}

const NODE_BUILTINS = new Set(builtinModules);
const isNodeBuiltin = (specifier: string) => specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0]);

/**
 * The workflow bundle runs in Temporal's sandbox: every module its roots reach through value imports must do
 * without Node's built-ins (a type import is erased and reaches nothing).
 */
export function bundleViolations(files: readonly SourceFile[], roots: readonly string[]): Violation[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const resolve = (target: string) => byPath.get(`${target}.ts`) ?? byPath.get(`${target}/index.ts`) ?? byPath.get(target);
  const out: Violation[] = [];
  const seen = new Set<string>();
  const queue: Array<{ file: SourceFile; via: string[] }> = [];
  for (const root of roots) {
    const file = byPath.get(root);
    if (file) queue.push({ file, via: [root] });
  }
  while (queue.length > 0) {
    const { file, via } = queue.shift() as { file: SourceFile; via: string[] };
    if (seen.has(file.path)) continue;
    seen.add(file.path);
    for (const ref of importsOf(file)) {
      if (ref.typeOnly) continue;
      if (isNodeBuiltin(ref.specifier)) {
        out.push({ file: file.path, line: ref.line, specifier: ref.specifier, why: `a Node built-in in the workflow bundle (reached via ${via.join(' → ')})` });
        continue;
      }
      const target = targetOf(file.path, ref.specifier);
      const next = target === undefined ? undefined : resolve(target);
      if (next) queue.push({ file: next, via: [...via, next.path] });
    }
  }
  return out;
}

function repositoryFiles(): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!['node_modules', 'dist', '.git', '.data', 'web'].includes(entry.name)) walk(rel);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        out.push({ path: rel, text: fs.readFileSync(path.join(ROOT, rel), 'utf8') });
      }
    }
  };
  walk('');
  return out;
}

const show = (v: Violation[]) => v.map((x) => `${x.file}:${x.line} imports '${x.specifier}': ${x.why}`);

describe('layers point one way', () => {
  const files = repositoryFiles();

  it('finds the code it guards', () => {
    for (const layer of ['api', 'workflows', 'activities', 'domain', 'lib', 'db', 'workers', 'services']) {
      expect(files.some((f) => layerOf(f.path) === layer)).toBe(true);
    }
  });

  it('has no import that goes up a layer', () => {
    expect(show(layerViolations(files))).toEqual([]);
  });

  it('keeps Node built-ins out of the workflow bundle', () => {
    expect(show(bundleViolations(files, ['workflows/index.ts', 'workflows/interceptors.ts']))).toEqual([]);
  });
});

describe('the layer rule', () => {
  const file = (p: string, text: string): SourceFile => ({ path: p, text });

  it('refuses an import from api/ in every layer below it', () => {
    const bad = ['activities/alerts/evaluate.ts', 'workflows/orders/x.ts', 'lib/logging.ts', 'db/cli.ts', 'workers/main.ts', 'domain/health/health.ts', 'services/sandboxCarrier/main.ts'].map((p) =>
      file(p, `import { checkHealth } from '${path.posix.relative(path.posix.dirname(p), 'api/health/health')}';`),
    );
    expect(layerViolations(bad).map((v) => v.file)).toEqual(bad.map((f) => f.path));
  });

  it('refuses a type-only import from api/ too', () => {
    expect(layerViolations([file('activities/alerts/evaluate.ts', "import type { ApiContext } from '../../api/context';")])).toHaveLength(1);
  });

  it('refuses lib/ and domain/ importing activities/ or workflows/', () => {
    const bad = [
      file('lib/config.ts', "import { loadRateTableFile } from '../activities/shipping/rates/loadRateTable';"),
      file('lib/logging.ts', "import { orderWorkflowId } from '../workflows/orders/definitions';"),
      file('domain/shipping/rates/quote.ts', "import type { CarrierChoice } from '../../../workflows/orders/definitions';"),
      file('domain/shipping/rates/quote.ts', "export { formatPence } from '../../../activities/notifications/templates/format';"),
    ];
    expect(layerViolations(bad)).toHaveLength(4);
  });

  it('lets workflows import activities only as types', () => {
    const files = [
      file('workflows/a.ts', "import type { Activities } from '../activities';"),
      file('workflows/b.ts', "import { type Activities } from '../activities';"),
      file('workflows/c.ts', "import { reserveStock } from '../activities/inventory/stock';"),
      file('workflows/d.ts', "import { type A, b } from '../activities';"),
      file('workflows/e.ts', "const acts = require('../activities');"),
      file('workflows/f.ts', "export * from '../activities';"),
    ];
    expect(layerViolations(files).map((v) => v.file)).toEqual(['workflows/c.ts', 'workflows/d.ts', 'workflows/e.ts', 'workflows/f.ts']);
  });

  it('refuses the API reaching into activities, and a service into anything but the base', () => {
    const files = [
      file('api/orders/accessRoutes.ts', "import type { AccessLinkRequest } from '../../activities/access/sendAccessLink';"),
      file('services/sandboxCarrier/server.ts', "import { bookParcel } from '../../activities/shipping/parcels';"),
      file('services/sandboxCarrier/server.ts', "import { addressSchema } from '../../domain/shipping/carriers/carrier';"),
    ];
    expect(layerViolations(files).map((v) => v.file)).toEqual(['api/orders/accessRoutes.ts', 'services/sandboxCarrier/server.ts']);
  });

  it('allows what points down: api → workflows, activities → workflows and domain, domain → db and lib, scripts → api', () => {
    const files = [
      file('api/orders/orderRoutes.ts', "import { orderWorkflow } from '../../workflows';\nimport { Router } from 'express';"),
      file('activities/orders/recordOrder.ts', "import { ORDER_STATUSES } from '../../workflows/orders/definitions';\nimport { reserveStock } from '../../domain/inventory/stockMovements';"),
      file('domain/inventory/stockMovements.ts', "import type { Db } from '../../db/connection';\nimport { text } from '../../lib/text';"),
      file('lib/config.ts', "import { loadRateTableFile } from '../domain/shipping/rates/loadRateTable';"),
      file('scripts/staff.ts', "import { createStaff } from '../api/staff/staffStore';"),
      file('workers/main.ts', "import { createActivities } from '../activities';\nconst lazy = () => import('../workflows');"),
    ];
    expect(show(layerViolations(files))).toEqual([]);
  });

  it('follows value imports from the workflow roots to a Node built-in, and ignores type imports', () => {
    const files = [
      file('workflows/index.ts', "export * from './orders/orderWorkflow';"),
      file('workflows/orders/orderWorkflow.ts', "import { orderWorkflowId } from '../../domain/orders/workflowIds';\nimport type { Db } from '../../db/connection';"),
      file('domain/orders/workflowIds.ts', "import { randomInt } from 'node:crypto';"),
      file('db/connection.ts', "import fs from 'fs';"),
    ];
    const found = bundleViolations(files, ['workflows/index.ts']);
    expect(found.map((v) => [v.file, v.specifier])).toEqual([['domain/orders/workflowIds.ts', 'node:crypto']]);
    expect(found[0].why).toContain('workflows/index.ts → workflows/orders/orderWorkflow.ts → domain/orders/workflowIds.ts');
  });
});
