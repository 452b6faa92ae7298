/**
 * The container deployment, checked by reading it: there is no Docker engine where the tests run, so the
 * Dockerfile, both compose files, the Temporal setup script, the UI proxy and .env.example are parsed and
 * held against the code they deploy (lib/config.ts, temporal-config/searchAttributes.ts, the entry points).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, msOf } from '../lib/config';
import { SEARCH_ATTRIBUTES } from '../temporal-config/searchAttributes';

const root = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');
const exists = (file: string): boolean => fs.existsSync(path.join(root, file));

// ---- compose model -------------------------------------------------------------------------------------

type Env = Record<string, string>;
interface DependsOn {
  condition?: string;
  required?: boolean;
}
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target: number | string; published?: number | string; host_ip?: string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, DependsOn>;
  deploy?: { replicas?: number };
  profiles?: string[];
  secrets?: Array<string | { source: string; target?: string }>;
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string; environment?: string }>;
  volumes?: Record<string, unknown>;
}

const loadYaml = (file: string): unknown => parse(read(file), { merge: true });
const base = loadYaml('docker-compose.yml') as Compose;
const override = loadYaml('docker-compose.production.yml') as Compose;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compose's merge for what our override uses: mappings merge key by key, anything else is replaced. */
function mergeCompose(a: unknown, b: unknown): unknown {
  if (!isObject(a) || !isObject(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = mergeCompose(a[k], v);
  return out;
}
const production = mergeCompose(base, override) as Compose;

function envOf(service: Service): Env {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

const dependsOn = (service: Service): Record<string, DependsOn> =>
  Array.isArray(service.depends_on) ? Object.fromEntries(service.depends_on.map((s) => [s, {}])) : (service.depends_on ?? {});

const argv = (cmd: string | string[] | undefined): string[] => (cmd === undefined ? [] : Array.isArray(cmd) ? cmd : cmd.split(/\s+/));

interface Port {
  hostIp?: string;
  published?: string;
  target: string;
}
function portsOf(service: Service): Port[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') return { hostIp: p.host_ip, published: p.published === undefined ? undefined : String(p.published), target: String(p.target) };
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    const target = parts.pop() as string;
    const published = parts.pop();
    return { hostIp: parts.pop(), published, target };
  });
}

/** Every string in a parsed YAML value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isObject(value)) return Object.values(value).flatMap(strings);
  return [];
}

const INTERPOLATION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} against `vars`; throws where compose would refuse. */
function interpolate(value: string, vars: Env): string {
  return value.replace(INTERPOLATION, (match, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (!name) return '$';
    const set = vars[name] !== undefined && vars[name] !== '';
    if (op === ':-' || op === '-') return set ? vars[name] : (arg ?? '');
    if (op === ':?' || op === '?') {
      if (!set) throw new Error(`${name} is required: ${arg}`);
      return vars[name];
    }
    return vars[name] ?? '';
  });
}
const interpolateEnv = (env: Env, vars: Env): Env => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v, vars)]));

const variablesUsed = (compose: unknown): Set<string> =>
  new Set(strings(compose).flatMap((s) => [...s.matchAll(INTERPOLATION)].map((m) => m[1]).filter((n): n is string => !!n)));

// ---- what the code expects -----------------------------------------------------------------------------

const CONFIG_KEYS = Object.keys(configSchema.shape);
const CONFIG_DEFAULTS = configSchema.parse({ NODE_ENV: 'development' }) as Record<string, unknown>;

/** Variables our runtime code reads without lib/config.ts (keep to a minimum; each one is listed in .env.example). */
const RUNTIME_DIRS = ['api', 'activities', 'workers', 'workflows', 'db', 'lib', 'temporal-config'];
const SYSTEM_VARIABLES = new Set(['PATH', 'HOME', 'XDG_CACHE_HOME']);

function sourceFiles(dir: string): string[] {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs.readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(rel);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}
const PROCESS_ENV_READ = /process\.env\.([A-Z_][A-Z0-9_]*)/g;
const variablesReadBy = (files: string[]): Set<string> => new Set(files.flatMap((f) => [...read(f).matchAll(PROCESS_ENV_READ)].map((m) => m[1])));
const runtimeVariables = variablesReadBy(RUNTIME_DIRS.flatMap(sourceFiles));
const OUTSIDE_CONFIG = new Set([...runtimeVariables].filter((v) => !CONFIG_KEYS.includes(v) && !SYSTEM_VARIABLES.has(v)));

const APP_SERVICES = ['api', 'worker', 'db-setup', 'sandbox-carrier'];
const EXPECTED_SERVICES = ['postgres', 'redis', 'temporal', 'temporal-setup', 'temporal-ui', 'temporal-ui-proxy', 'stripe-mock', 'sandbox-carrier', 'db-setup', 'api', 'worker', 'mail'];
const DEMO_ONLY = ['stripe-mock', 'sandbox-carrier', 'mail'];

/** The compiled file a `node dist/x/y.js` argument runs, as the TypeScript source it comes from. */
const sourceOfDist = (distFile: string): string => distFile.replace(/^(\.\/)?dist\//, '').replace(/\.js$/, '.ts');

// ---- .env.example --------------------------------------------------------------------------------------

interface EnvExampleEntry {
  value: string;
  commented: boolean;
}
const envExample: Map<string, EnvExampleEntry> = (() => {
  const entries = new Map<string, EnvExampleEntry>();
  for (const line of read('.env.example').split('\n')) {
    const m = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const value = m[3].trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
    if (!entries.has(m[2])) entries.set(m[2], { value, commented: !!m[1] });
  }
  return entries;
})();

// ---- Dockerfile -------------------------------------------------------------------------------------------

interface Stage {
  from: string;
  name?: string;
  instructions: Array<{ op: string; args: string }>;
}
const stages: Stage[] = (() => {
  const logical = read('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line) as RegExpExecArray;
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) as RegExpExecArray;
      out.push({ from: m[1], name: m[2], instructions: [] });
    } else if (out.length) {
      out[out.length - 1].instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return out;
})();
const runs = (stage: Stage): string => stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');

describe('Dockerfile', () => {
  const build = stages[0];
  const runtime = stages[stages.length - 1];

  it('builds in one stage and runs from another, both on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toBe('node:20-bookworm-slim');
    expect(build.name).toBeTruthy();
  });

  it('compiles TypeScript and bundles the workflows in the build stage', () => {
    expect(runs(build)).toMatch(/\bnpm ci\b/);
    expect(runs(build)).toMatch(/npx tsc -p tsconfig\.json/);
    expect(runs(build)).toMatch(/node dist\/scripts\/bundleWorkflows\.js/);
    // The bundle the image ships is the one the worker looks for.
    expect(read('scripts/bundleWorkflows.ts')).toContain("'workflow-bundle.js'");
    expect(read('workers/main.ts')).toContain("'workflow-bundle.js'");
  });

  it('ships production dependencies only, with the compiled code and its workflow bundle', () => {
    expect(runs(runtime)).toMatch(/npm ci --omit=dev/);
    expect(runs(runtime)).not.toMatch(/tsc|bundleWorkflows/);
    const copies = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies).toContainEqual(expect.stringMatching(new RegExp(`^--from=${build.name}\\s+/app/dist\\s+\\./dist$`)));
    expect(copies).toContainEqual(expect.stringMatching(/\bweb\s+\.\/web$|\/app\/web\s+\.\/web$/));
    expect(runtime.instructions).toContainEqual({ op: 'ENV', args: 'NODE_ENV=production' });
  });

  it('runs as a user other than root', () => {
    const users = runtime.instructions.filter((i) => i.op === 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users[users.length - 1]);
    // USER must come before CMD to apply to it, and nothing after USER may need root.
    const ops = runtime.instructions.map((i) => i.op);
    expect(ops.lastIndexOf('USER')).toBeGreaterThan(ops.lastIndexOf('RUN'));
  });

  it('starts the API by default and never the dev bootstrap', () => {
    const cmd = runtime.instructions.filter((i) => i.op === 'CMD').pop();
    expect(cmd && JSON.parse(cmd.args)).toEqual(['node', 'dist/api/main.js']);
    expect(read('Dockerfile')).not.toMatch(/^\s*(RUN|CMD|ENTRYPOINT).*bootstrap\.js/m);
  });

  it('keeps host builds, local state and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.data', '.git', 'coverage', 'test-results', '.env']) expect(ignored).toContain(entry);
  });
});

describe('docker-compose.yml (the demo)', () => {
  const services = base.services;

  it('has every service of the store', () => {
    expect(Object.keys(services).sort()).toEqual(expect.arrayContaining(EXPECTED_SERVICES));
  });

  it('has a healthcheck on every long-running service; only one-shot jobs go without', () => {
    const oneShot = new Set(
      Object.values(services).flatMap((s) => Object.entries(dependsOn(s)).filter(([, d]) => d.condition === 'service_completed_successfully').map(([name]) => name)),
    );
    expect([...oneShot].sort()).toEqual(['db-setup', 'temporal-setup']);
    for (const [name, service] of Object.entries(services)) {
      if (oneShot.has(name)) {
        expect({ name, restart: service.restart }).toEqual({ name, restart: 'no' });
        continue;
      }
      const test = argv(service.healthcheck?.test);
      expect({ name, healthcheck: test.length > 0 && test[0] !== 'NONE' && service.healthcheck?.disable !== true }).toEqual({ name, healthcheck: true });
    }
  });

  it('waits only for services that exist, and for health only where there is a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, d] of Object.entries(dependsOn(service))) {
        expect({ name, dep, exists: dep in services }).toEqual({ name, dep, exists: true });
        if (d.condition === 'service_healthy') expect({ name, dep, healthcheck: !!services[dep].healthcheck?.test }).toEqual({ name, dep, healthcheck: true });
      }
    }
  });

  it('runs two replicas of the API and of the worker, each replica with a host port of its own', () => {
    for (const name of ['api', 'worker']) expect(services[name].deploy?.replicas).toBe(2);
    for (const [name, service] of Object.entries(services)) {
      const replicas = service.deploy?.replicas ?? 1;
      if (replicas < 2) continue;
      for (const port of portsOf(service)) {
        if (!port.published) continue;
        const [from, to = from] = port.published.split('-').map(Number);
        expect({ name, enoughHostPorts: to - from + 1 >= replicas }).toEqual({ name, enoughHostPorts: true });
      }
    }
  });

  it('pins every image it pulls', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/^[^:]+:(?!latest$)[\w.-]+$/) });
    }
  });

  it('keeps the Temporal UI (and the gRPC port behind it) off the host except through the authenticating proxy', () => {
    expect(services['temporal-ui'].ports ?? []).toEqual([]);
    expect(services.temporal.ports ?? []).toEqual([]);
    // No other service forwards to the UI or Temporal without a login.
    const forwarders = Object.entries(services).filter(([, s]) => strings(s).some((v) => /temporal-ui:8080|temporal:(7233|8233)/.test(v)));
    for (const [name] of forwarders) expect(['temporal-ui-proxy', 'temporal-setup', 'temporal', 'temporal-ui', ...APP_SERVICES]).toContain(name);

    const proxy = services['temporal-ui-proxy'];
    const conf = read('temporal-config/ui-proxy/nginx.conf');
    const mounted = (proxy.volumes ?? []).map(String);
    expect(mounted).toContain('./temporal-config/ui-proxy/nginx.conf:/etc/nginx/nginx.conf:ro');

    // The published port is the one nginx listens on, and everything but /healthz needs a user.
    const listen = /^\s*listen\s+(\d+)\s*;/m.exec(conf);
    expect(portsOf(proxy).map((p) => p.target)).toEqual([listen?.[1]]);
    const rootLocation = /location \/ \{([\s\S]*?)\n {4}\}/.exec(conf)?.[1] ?? '';
    expect(rootLocation).toMatch(/^\s*auth_basic\s+"[^"]+";/m);
    expect(rootLocation).toMatch(/proxy_pass\s+\$temporal_ui;|proxy_pass\s+http:\/\/temporal-ui:8080/);
    expect(conf).toMatch(/set \$temporal_ui http:\/\/temporal-ui:8080;/);
    const unauthenticated = [...conf.matchAll(/location\s+([^{]+)\{([^}]*)\}/g)].filter(([, , body]) => /auth_basic\s+off/.test(body)).map(([, where]) => where.trim());
    expect(unauthenticated).toEqual(['= /healthz']);
    expect(/location = \/healthz \{([^}]*)\}/.exec(conf)?.[1]).not.toMatch(/proxy_pass/);

    // The users come from the secret the proxy mounts, and there is no default for it.
    const userFile = /auth_basic_user_file\s+\/run\/secrets\/([\w-]+);/.exec(rootLocation)?.[1];
    expect(proxy.secrets).toContain(userFile);
    expect(base.secrets?.[userFile as string]?.file).toMatch(/^\$\{TEMPORAL_UI_HTPASSWD_FILE:\?[^}]+\}$/);
  });

  it('persists Temporal to the stack PostgreSQL', () => {
    const temporal = services.temporal;
    const env = envOf(temporal);
    expect(temporal.image).toMatch(/^temporalio\/auto-setup:/);
    expect(env.DB).toBe('postgres12');
    expect(env.POSTGRES_SEEDS).toBe('postgres');
    expect(env.POSTGRES_USER).toBe(envOf(services.postgres).POSTGRES_USER);
    expect(env.POSTGRES_PWD).toBe(envOf(services.postgres).POSTGRES_PASSWORD);
    expect(dependsOn(temporal).postgres?.condition).toBe('service_healthy');
    // PostgreSQL keeps its data in a named volume, so a recreated container finds every order's history.
    const dataVolume = (services.postgres.volumes ?? []).map(String).find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(base.volumes ?? {})).toContain((dataVolume as string).split(':')[0]);
  });

  it('gives Temporal the dynamic config it mounts', () => {
    const env = envOf(base.services.temporal);
    const mount = (base.services.temporal.volumes ?? []).map(String).find((v) => v.split(':')[1] === env.DYNAMIC_CONFIG_FILE_PATH);
    expect(mount?.split(':')[0]).toBe('./temporal-config/dynamicconfig/development.yaml');
    const dynamic = loadYaml('temporal-config/dynamicconfig/development.yaml') as Record<string, Array<{ value: unknown }>>;
    expect(dynamic['frontend.enableUpdateWorkflowExecution']?.[0]?.value).toBe(true);
    expect(dynamic['frontend.enableExecuteMultiOperation']?.[0]?.value).toBe(true);
  });

  it('registers exactly the search attributes the workflows use, and keeps finished orders 60 days', () => {
    const setup = services['temporal-setup'];
    expect(setup.image).toMatch(/^temporalio\/admin-tools:/);
    expect((setup.volumes ?? []).map(String)).toContain('./temporal-config/setup.sh:/setup/setup.sh:ro');
    expect(argv(setup.entrypoint).concat(argv(setup.command))).toContain('/setup/setup.sh');
    expect(msOf(envOf(setup).TEMPORAL_RETENTION)).toBeGreaterThanOrEqual(60 * 86_400_000);

    const script = read('temporal-config/setup.sh');
    const declared = /^SEARCH_ATTRIBUTES="([^"]*)"$/m.exec(script)?.[1] ?? '';
    const pairs = Object.fromEntries(declared.split(/\s+/).filter(Boolean).map((p) => p.split('=')));
    expect(pairs).toEqual(SEARCH_ATTRIBUTES);
    // The same namespace as the app's.
    expect(envOf(setup).TEMPORAL_NAMESPACE).toBe(envOf(services.worker).TEMPORAL_NAMESPACE);
  });

  it('gives the app only settings lib/config.ts knows (or that the code reads itself)', () => {
    expect(CONFIG_KEYS.length).toBeGreaterThan(20);
    for (const compose of [base, production]) {
      for (const name of APP_SERVICES) {
        for (const key of Object.keys(envOf(compose.services[name]))) {
          expect({ service: name, key, known: CONFIG_KEYS.includes(key) || OUTSIDE_CONFIG.has(key) }).toEqual({ service: name, key, known: true });
        }
      }
    }
  });

  it('gives the app a configuration lib/config.ts accepts', () => {
    for (const name of APP_SERVICES) {
      const parsed = configSchema.safeParse(interpolateEnv(envOf(services[name]), {}));
      expect({ name, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ name, issues: [] });
    }
  });

  it('points the app at the stand-ins by their service names and ports', () => {
    for (const name of ['api', 'worker']) {
      const env = envOf(services[name]);
      const carrier = new URL(env.CARRIER_URL);
      expect(carrier.hostname).toBe('sandbox-carrier');
      expect(carrier.port).toBe(envOf(services['sandbox-carrier']).SANDBOX_CARRIER_PORT);
      expect(new URL(env.STRIPE_API_URL).host).toBe('stripe-mock:12111');
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(new URL(env.REDIS_URL).hostname).toBe('redis');
      expect(new URL(interpolate(env.DATABASE_URL, {})).hostname).toBe('postgres');
    }
  });

  it('reaches the sandbox carrier from other containers', () => {
    // main.js binds 127.0.0.1 unless given a host; compose must start it on every interface until it can.
    const command = argv(services['sandbox-carrier'].command).join(' ');
    if (command.includes('services/sandboxCarrier/main.js')) {
      expect(read('services/sandboxCarrier/main.ts')).toMatch(/startSandboxCarrier\(\{[^}]*\bhost\b/);
    } else {
      expect(command).toMatch(/startSandboxCarrier\(\{[^}]*host: '0\.0\.0\.0'/);
    }
  });

  it('runs entry points that exist in the source tree', () => {
    for (const compose of [base, production]) {
      for (const name of APP_SERVICES) {
        const args = argv(compose.services[name].command);
        const scripts = args[0] === 'node' && args[1] === '-e' ? [...args[2].matchAll(/require\('\.\/(dist\/[^']+)'\)/g)].map((m) => `${m[1]}.js`) : args.filter((a) => a.startsWith('dist/'));
        expect({ name, scripts: scripts.length > 0 }).toEqual({ name, scripts: true });
        for (const script of scripts) expect({ name, script, exists: exists(sourceOfDist(script)) }).toEqual({ name, script, exists: true });
      }
    }
    const workerProbe = argv(base.services.worker.healthcheck?.test).join(' ');
    for (const m of workerProbe.matchAll(/require\('\.\/(dist\/[^']+)'\)/g)) expect(exists(sourceOfDist(`${m[1]}.js`))).toBe(true);
  });

  it('mounts files that exist', () => {
    for (const [name, service] of Object.entries(base.services)) {
      for (const volume of (service.volumes ?? []).map(String)) {
        const source = volume.split(':')[0];
        if (source.startsWith('./')) expect({ name, source, exists: exists(source) }).toEqual({ name, source, exists: true });
      }
    }
  });
});

describe('docker-compose.production.yml', () => {
  const services = production.services;
  const SECRETS = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'TRACKING_TOKEN_SECRET', 'CARRIER_URL'];

  it('runs the app with NODE_ENV=production', () => {
    for (const name of ['api', 'worker', 'db-setup']) expect(envOf(services[name]).NODE_ENV).toBe('production');
  });

  it('does not start stripe-mock, the sandbox carrier or the mail sink by default', () => {
    for (const name of DEMO_ONLY) expect({ name, profiles: services[name].profiles ?? [] }).toEqual({ name, profiles: ['demo'] });
    for (const name of Object.keys(services).filter((n) => !DEMO_ONLY.includes(n))) expect({ name, profiles: services[name].profiles ?? [] }).toEqual({ name, profiles: [] });
    // Nothing that does start may need them.
    for (const [name, service] of Object.entries(services)) {
      if (services[name].profiles?.length) continue;
      for (const [dep, d] of Object.entries(dependsOn(service))) {
        if (DEMO_ONLY.includes(dep)) expect({ name, dep, required: d.required }).toEqual({ name, dep, required: false });
      }
    }
    for (const name of ['api', 'worker']) {
      const env = envOf(services[name]);
      expect(env.STRIPE_API_URL ?? '').toBe('');
      expect(env.CARRIER_URL).not.toMatch(/sandbox-carrier/);
    }
  });

  it('takes real Stripe, carrier and security settings from the environment, with no fallback', () => {
    for (const name of ['api', 'worker']) {
      const env = envOf(services[name]);
      // Production refuses a shared admin token: machine clients use named API keys.
      expect({ name, adminToken: env.ADMIN_API_TOKEN }).toEqual({ name, adminToken: undefined });
      for (const key of SECRETS) expect({ name, key, value: env[key] }).toEqual({ name, key, value: expect.stringMatching(new RegExp(`^\\$\\{${key}:\\?[^}]+\\}$`)) });
      expect(env.DATABASE_URL).toMatch(/\$\{POSTGRES_PASSWORD:\?[^}]+\}/);
    }
    expect(envOf(services.postgres).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
    expect(envOf(services.temporal).POSTGRES_PWD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
    expect(() => interpolateEnv(envOf(services.api), {})).toThrow(/is required/);
  });

  it('keeps a return window of at least 14 days', () => {
    for (const name of ['api', 'worker']) {
      const window = interpolate(envOf(services[name]).RETURN_WINDOW ?? String(CONFIG_DEFAULTS.RETURN_WINDOW), {});
      expect(msOf(window)).toBeGreaterThanOrEqual(14 * 86_400_000);
    }
  });

  it('passes lib/config.ts production checks once the secrets are given', () => {
    const given: Env = {
      POSTGRES_PASSWORD: 'pg-secret',
      STRIPE_SECRET_KEY: 'sk_live_example',
      STRIPE_WEBHOOK_SECRET: 'whsec_live_example',
      CARRIER_URL: 'https://carrier.example.com',
      TRACKING_TOKEN_SECRET: 'live-tracking-secret',
      SMTP_URL: 'smtp://mail.example.com:587',
      PAYLOAD_ENCRYPTION_KEYS: 'k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
    };
    for (const name of ['api', 'worker', 'db-setup']) {
      const env = interpolateEnv(envOf(services[name]), given);
      // Like loadConfig: an empty value is an unset one.
      const parsed = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
      expect({ name, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ name, issues: [] });
    }
  });

  it('waits for the real warehouse whatever a copied .env says', () => {
    for (const name of ['api', 'worker']) expect(envOf(services[name]).WAREHOUSE_MODE).toBe('manual');
  });

  it('migrates without seeding the demo catalogue', () => {
    expect(argv(services['db-setup'].command)).toEqual(['node', 'dist/db/cli.js', 'migrate']);
  });
});

describe('.env.example', () => {
  it('lists every setting of lib/config.ts with its default', () => {
    for (const key of CONFIG_KEYS) {
      const entry = envExample.get(key);
      expect({ key, listed: !!entry }).toEqual({ key, listed: true });
      const fallback = CONFIG_DEFAULTS[key];
      // DATA_DIR's default is a path inside the checkout: no one value is right for every machine.
      if (fallback === undefined || key === 'DATA_DIR') {
        expect({ key, commented: entry?.commented }).toEqual({ key, commented: true });
      } else {
        expect({ key, value: entry?.value }).toEqual({ key, value: String(fallback) });
      }
    }
  });

  it('keeps the public dev secrets commented out, so a copied .env never carries them into production', () => {
    for (const key of ['STRIPE_WEBHOOK_SECRET', 'ADMIN_API_TOKEN', 'TRACKING_TOKEN_SECRET']) expect({ key, commented: envExample.get(key)?.commented }).toEqual({ key, commented: true });
  });

  it('lists the variables read outside lib/config.ts', () => {
    const expected = new Set([...OUTSIDE_CONFIG, 'TEMPORAL_CLI_PATH', 'STRIPE_MOCK_PATH', 'DY_TOOL_CACHE', 'WORKFLOW_BUNDLE_PATH', 'TEST_LOG_LEVEL']);
    expect(OUTSIDE_CONFIG.size).toBeGreaterThan(0);
    for (const key of expected) expect({ key, listed: envExample.has(key) }).toEqual({ key, listed: true });
  });

  it('lists every variable the compose files interpolate', () => {
    const used = new Set([...variablesUsed(base), ...variablesUsed(override)]);
    expect(used.size).toBeGreaterThan(0);
    for (const key of used) expect({ key, listed: envExample.has(key) }).toEqual({ key, listed: true });
  });

  it('lists nothing the code or compose does not read', () => {
    const known = new Set([...CONFIG_KEYS, ...variablesReadBy([...RUNTIME_DIRS, 'scripts', 'test'].flatMap(sourceFiles)), ...variablesUsed(base), ...variablesUsed(override)]);
    for (const key of envExample.keys()) expect({ key, known: known.has(key) }).toEqual({ key, known: true });
  });
});
